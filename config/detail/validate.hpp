#pragma once

/// @file config/detail/validate.hpp
/// @brief The semantic rules of the configuration, with positions supplied by the caller.

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/detail/yaml_reader.hpp"
#include "config/problem.hpp"

namespace vcdlb::config::detail {

/// Maps a key path to the position to report for it.
using locator = std::function<position(const std::string& key)>;

/// The position of `key`, else of its nearest ancestor that was seen, else {0, 0}.
[[nodiscard]] position locate(const position_map& positions, std::string key);

/// Every rule violated by `cfg`, in key order of the file layout.
[[nodiscard]] std::vector<problem> validate_with(const cloud_config& cfg, const locator& where);

} // namespace vcdlb::config::detail
