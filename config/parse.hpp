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

  /// Options filled from the process environment.
  [[nodiscard]] static parse_options from_environment();
};

/// Parses and validates a configuration given as text. Defaults are applied (including
/// `certAlias` = "<clusterid>-cert" and the CLUSTER_ID fallback); `vcd.host` loses trailing '/'.
[[nodiscard]] checked<cloud_config> parse_config(std::string_view yaml_text,
                                                 const parse_options& options = {});

/// Reads `file` (at most max_config_file_size bytes) and parses it; additionally reports a
/// `vcdlb.vcd.tls.caFile` that cannot be read.
[[nodiscard]] checked<cloud_config> load_config_file(const std::filesystem::path& file,
                                                     const parse_options& options = {});

/// The semantic rules alone (required keys, IPs, CIDR, cluster id, ranges, leader-election
/// timing), for configurations built in code. Problems carry key paths but no positions.
[[nodiscard]] std::vector<problem> validate(const cloud_config& cfg);

} // namespace vcdlb::config
