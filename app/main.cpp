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
    // --help and --version exit 0; every usage error exits 2 (the POSIX / getopt convention)
    // instead of CLI11's own codes (105, 106, ...). root.exit prints the message either way.
    return root.exit(e) == static_cast<int>(CLI::ExitCodes::Success) ? 0 : 2;
  }
  for (auto& cmd : commands)
    if (cmd.cli->parsed())
      return cmd.run();
  std::cerr << root.help();
  return 2;
}
