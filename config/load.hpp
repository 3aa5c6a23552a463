#pragma once

/// @file config/load.hpp
/// @brief Everything the controller needs at startup in one call: the configuration file and
/// the credentials, with all problems of both.
/// Reads files (and nothing else); thread-safe.

#include <filesystem>

#include "config/config.hpp"
#include "config/credentials.hpp"
#include "config/parse.hpp"
#include "config/problem.hpp"

namespace vcdlb::config {

struct loaded_config {
  cloud_config config;
  credentials creds;
};

/// `load_config_file` + `read_secret_files` + `resolve_credentials`. Problems of the file and
/// of the secret files are reported together; the credentials are combined with the config's
/// `vcd:` values only once both could be read.
[[nodiscard]] checked<loaded_config> load_all(const std::filesystem::path& config_file,
                                              const std::filesystem::path& secrets_dir,
                                              const parse_options& options);

} // namespace vcdlb::config
