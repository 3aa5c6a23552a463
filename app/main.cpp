// vcdlb: one binary, one subcommand per role (controller, simulators, tools).

#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/command.hpp"
#include "app/commands.hpp"

int main(int argc, char** argv) {
  CLI::App root{"vcdlb - a load-balancer controller for VMware Cloud Director (NSX-T + NSX ALB)"};
  root.require_subcommand(1);
  root.set_version_flag("--version", VCDLB_VERSION);

  std::vector<vcdlb::app::command> commands = vcdlb::app::all_commands(root);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e);
  }
  for (auto& cmd : commands)
    if (cmd.cli->parsed())
      return cmd.run();
  std::cerr << root.help();
  return 2;
}
