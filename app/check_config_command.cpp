// `vcdlb check-config`: validate a cloud config and its secrets, print the effective settings.

#include <iostream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "config/check.hpp"

namespace vcdlb::app {

command add_check_config_command(CLI::App& root) {
  struct options {
    std::string cloud_config;
    std::string secrets_dir{config::default_secrets_dir};
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
  return {cli, [opts] {
            auto report = config::check_configuration(opts->cloud_config, opts->secrets_dir,
                                                      config::parse_options::from_environment());
            (report.ok ? std::cout : std::cerr) << report.output << std::flush;
            return report.ok ? 0 : 1;
          }};
}

} // namespace vcdlb::app
