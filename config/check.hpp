#pragma once

/// @file config/check.hpp
/// @brief What `vcdlb check-config` does, as a function: load the config file and the secret
/// files, and render either the effective configuration or every problem found.
/// Reads files; no other side effects. Thread-safe.

#include <filesystem>
#include <string>

#include "config/parse.hpp"

namespace vcdlb::config {

struct check_report {
  bool ok = false;
  std::string output; ///< ok: the effective configuration (secrets redacted); else the problems
};

/// Loads `config_file` and the credentials in `secrets_dir`. Problems of both are reported
/// together (credentials are combined with the config only when the config itself is valid).
[[nodiscard]] check_report check_configuration(const std::filesystem::path& config_file,
                                               const std::filesystem::path& secrets_dir,
                                               const parse_options& options);

} // namespace vcdlb::config
