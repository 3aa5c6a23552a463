#pragma once

// Small text helpers of the simulator: header lookup, query strings, base64, XML escaping,
// timestamps. Kept local so the simulator core needs no socket code.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/message.hpp"

namespace vcdlb::vcd::sim::detail {

/// First value of header `name`, compared case-insensitively.
std::optional<std::string_view> header_value(const http::header_list& fields,
                                             std::string_view name);

bool iequals(std::string_view a, std::string_view b);

/// "%41+b" -> "A b" (plus as space only when `plus_is_space`).
std::string url_decode(std::string_view text, bool plus_is_space);

/// Encodes every byte except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

/// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}.
std::vector<std::pair<std::string, std::string>> split_query(std::string_view query);

/// Splits a path into its decoded segments ("/a/b%2Fc/" -> {"a", "b/c"}).
std::vector<std::string> split_path(std::string_view path);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

std::string xml_escape(std::string_view text);

/// ISO-8601 UTC with milliseconds: "2026-11-26T11:00:00.000Z".
std::string iso_time(std::chrono::system_clock::time_point t);

} // namespace vcdlb::vcd::sim::detail
