#pragma once

/// @file config/format.hpp
/// @brief Human-readable renderings: the effective configuration (secrets redacted) and
/// problem lists. Used by `vcdlb check-config` and for the startup log. Pure, thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/credentials.hpp"
#include "config/problem.hpp"

namespace vcdlb::config {

/// The effective configuration as YAML, starting with `mode: A|B|C (...)`, with every default
/// filled in and every secret shown as "<redacted>" (or "<unset>"). With `creds`, a
/// `credentials:` block shows where they came from (`secrets_dir`), the method, user and org.
/// The raw `vcd.user/secret/refreshtoken/userorg` values are folded into that block.
[[nodiscard]] std::string format_effective_config(const cloud_config& cfg,
                                                  const credentials* creds = nullptr,
                                                  std::string_view secrets_dir = {});

/// One line per problem, "FILE:LINE:COL: key: message" (see format_problem).
[[nodiscard]] std::string format_problems(const std::vector<problem>& problems,
                                          std::string_view config_file);

} // namespace vcdlb::config
