// `vcdlb check-config`: validate a cloud config and its secrets, print the effective settings.

#include <iostream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "config/check.hpp"
#include "controller/flags.hpp"

namespace vcdlb::app {

command add_check_config_command(CLI::App& root) {
  struct options {
    std::string cloud_config;
    std::string secrets_dir{config::default_secrets_dir};
    std::string vcdlb_config;
    std::string vcd_ca_file;
  };
  auto opts = std::make_shared<options>();
  auto* cli = root.add_subcommand(
    "check-config",
    "Validate vcloud-ccm-config.yaml and the credentials; print the effective configuration "
    "(secrets redacted) and the load-balancer mode. Exit 0 if valid, 1 otherwise.");
  cli->add_option("--cloud-config", opts->cloud_config, "the configuration file")
    ->required()
    ->type_name("FILE");
  cli
    ->add_option("--secrets-dir", opts->secrets_dir,
                 "directory with the refreshToken, username and password files")
    ->capture_default_str()
    ->type_name("DIR");
  add_vcdlb_source_flags(*cli, opts->vcdlb_config, opts->vcd_ca_file);
  return {cli, [opts] {
            auto parse = config::parse_options::from_environment();
            parse.vcdlb_config_file = opts->vcdlb_config;
            parse.vcd_ca_file = opts->vcd_ca_file;
            auto report = config::check_configuration(opts->cloud_config, opts->secrets_dir, parse);
            (report.ok ? std::cout : std::cerr) << report.output << std::flush;
            return report.ok ? 0 : 1;
          }};
}

} // namespace vcdlb::app
