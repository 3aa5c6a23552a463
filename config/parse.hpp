#pragma once

/// @file config/parse.hpp
/// @brief Reading and validating `vcloud-ccm-config.yaml` (upstream keys + the `vcdlb:` section).
///
/// Strict like upstream (yaml.v2 with SetStrict): an unknown or duplicate key is an error. All
/// problems are collected, each with its dotted key path, 1-based line and column, and a
/// message (config/problem.hpp). yaml-cpp exceptions never escape. The functions are pure
/// except `load_config_file` (reads the file and checks that `vcdlb.vcd.tls.caFile` is
/// readable) and `parse_options::from_environment` (reads env CLUSTER_ID). Thread-safe.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/problem.hpp"

namespace vcdlb::config {

/// Inputs from outside the file.
struct parse_options {
  /// Used when `clusterid` is absent or empty, as upstream does with env CLUSTER_ID.
  std::string env_cluster_id;

  /// `--vcdlb-config`: a YAML file holding the keys of the `vcdlb:` section (without the
  /// `vcdlb:` level), so that the upstream configuration file can stay unchanged. Applied over
  /// the configuration file's `vcdlb:` section key by key (a key it sets wins; a key it does
  /// not set keeps the section's value or the default). Problems in it name this file and
  /// report keys by their full name (`vcdlb.vcd.tls.caFile`). Used by `load_config_file`
  /// only; "" = none.
  std::string vcdlb_config_file;
  /// `--vcd-ca-file`: the PEM bundle to verify VCD with; wins over both files'
  /// `vcdlb.vcd.tls.caFile` and turns `insecureSkipVerify` off. Used by `load_config_file`
  /// only; "" = not given.
  std::string vcd_ca_file;

  /// Options filled from the process environment.
  [[nodiscard]] static parse_options from_environment();
};

/// Parses and validates a configuration given as text. Defaults are applied (including
/// `certAlias` = "<clusterid>-cert" and the CLUSTER_ID fallback); `vcd.host` loses trailing '/'.
[[nodiscard]] checked<cloud_config> parse_config(std::string_view yaml_text,
                                                 const parse_options& options = {});

/// Reads `file` (at most max_config_file_size bytes) and parses it, then applies
/// `options.vcdlb_config_file` and `options.vcd_ca_file` before defaults and validation;
/// additionally reports a CA file that cannot be read. Precedence, lowest first: defaults,
/// the `vcdlb:` section of `file`, the `--vcdlb-config` file, `--vcd-ca-file`.
[[nodiscard]] checked<cloud_config> load_config_file(const std::filesystem::path& file,
                                                     const parse_options& options = {});

/// The semantic rules alone (required keys, IPs, CIDR, cluster id, ranges, leader-election
/// timing), for configurations built in code. Problems carry key paths but no positions.
[[nodiscard]] std::vector<problem> validate(const cloud_config& cfg);

} // namespace vcdlb::config
