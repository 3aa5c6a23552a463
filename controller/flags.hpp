#pragma once

/// @file controller/flags.hpp
/// @brief The command line of `vcdlb controller`, in the cloud-controller-manager tradition,
/// and how it combines with the configuration file into `controller_options`.
///
/// Precedence: a flag that was given wins over the `--vcdlb-config` file, which wins (key by
/// key) over the `vcdlb:` section of `--cloud-config`, which wins over the built-in defaults.
/// `--concurrent-service-syncs` is accepted for drop-in compatibility and has no effect: the engine
/// runs one actor per Service, so there is no worker count.
///
/// Pure apart from reading the configuration and secret files; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "config/parse.hpp"
#include "config/problem.hpp"
#include "controller/controller.hpp"

namespace vcdlb {

/// The values of the flags; unset optionals and empty strings mean "not given".
struct controller_flags {
  std::string cloud_config{config::default_config_path};
  std::string secrets_dir{config::default_secrets_dir};
  std::string vcdlb_config; ///< --vcdlb-config: the `vcdlb:` section's keys in their own file
  std::string vcd_ca_file;  ///< --vcd-ca-file: PEM bundle to verify VCD with
  std::string kubeconfig;
  std::string context;
  std::optional<bool> leader_elect;
  std::string lease_name;
  std::string lease_namespace;
  std::string lease_duration; ///< Go duration, e.g. "15s"
  std::string renew_deadline;
  std::string retry_period;
  std::optional<std::string> metrics_address; ///< "" (given) turns the endpoint off
  std::string log_format;                     ///< "text" | "json"
  std::optional<int> verbosity;               ///< klog -v
  std::optional<int> concurrent_service_syncs;
  std::optional<double> kube_api_qps; ///< cloud-controller-manager's --kube-api-qps (20)
  std::optional<int> kube_api_burst;  ///< --kube-api-burst (30)
  /// --controllers: names, `*` (all) and `-name` (leave one out), comma-separated or repeated.
  std::vector<std::string> controllers;
  std::string zones_file;     ///< --zones-file; "" = upstream's path
  std::string vm_read_period; ///< --vm-read-period (Go duration); "" = 1m
};

/// Which controllers `--controllers` selects (cloud-controller-manager's rules): `*` turns on
/// every controller, a name turns one on, `-name` turns one off whatever else says; without
/// `*` only the named ones run. Known: `service`, `cloud-node`, `cloud-node-lifecycle`;
/// `-route` is accepted (VCD has no routes, so it never runs) while `route` is refused. An
/// empty list means `*`. Problems name the flag and the value.
struct controller_selection {
  bool service = true;
  bool cloud_node = true;
  bool cloud_node_lifecycle = true;
};
[[nodiscard]] config::checked<controller_selection>
parse_controllers(const std::vector<std::string>& values);

/// Registers the flags on `cli`, bound to `flags` (which must outlive the parse).
void add_controller_flags(CLI::App& cli, controller_flags& flags);

/// Registers `--vcdlb-config FILE` and `--vcd-ca-file FILE` (shared with `vcdlb check-config`).
void add_vcdlb_source_flags(CLI::App& cli, std::string& vcdlb_config, std::string& vcd_ca_file);

/// The spdlog level for klog verbosity `v`: 0-3 info, 4-5 debug, 6+ trace.
[[nodiscard]] std::string level_for_verbosity(int v);

/// Loads the configuration and credentials (`config::load_all`, with `--vcdlb-config` and
/// `--vcd-ca-file` put into `parse`) and applies the flags.
/// Problems name the configuration key or the flag (`--leader-elect-lease-duration`).
[[nodiscard]] config::checked<controller_options>
make_controller_options(const controller_flags& flags, config::parse_options parse);

/// The effective logging settings (flags over `vcdlb.log`).
[[nodiscard]] config::log_section effective_logging(const controller_flags& flags,
                                                    const config::log_section& file);

} // namespace vcdlb
