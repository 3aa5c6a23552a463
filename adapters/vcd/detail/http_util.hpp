#pragma once

/// @file adapters/vcd/detail/http_util.hpp
/// @brief Small HTTP helpers of the VCD client: header lookup, `Link` navigation, URL to
/// request target, Retry-After, Basic credentials. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/message.hpp"

namespace vcdlb::vcd::detail {

/// The first value of header `name` (case-insensitive).
[[nodiscard]] std::optional<std::string_view> header_value(const http::header_list& fields,
                                                           std::string_view name);

/// The URL of the `Link` entry whose `rel` contains `nextPage` (rel lists are space separated;
/// several `Link` fields and comma-separated entries are both handled).
[[nodiscard]] std::optional<std::string> next_page_link(const http::header_list& fields);

/// Turns an absolute URL from the server (`Location`, `Link`) into a request target for a
/// client whose base URL has path `base_path` ("" or "/prefix"): "https://h/p/api/task/1" with
/// base "/p" -> "/api/task/1". A target that is already relative is returned as it is.
[[nodiscard]] std::string target_from_url(std::string_view url, std::string_view base_path);

/// The path of a base URL ("https://h:1/x/" -> "/x"); "" when it has none.
[[nodiscard]] std::string base_path_of(std::string_view base_url);

/// Delta-seconds of a Retry-After value; -1 when absent or an HTTP-date.
[[nodiscard]] int32_t retry_after_seconds(const http::header_list& fields);

/// Standard base64 with padding.
[[nodiscard]] std::string base64_encode(std::string_view data);

/// The readable text of an error body that is not a CloudAPI error (a proxy's or load
/// balancer's HTML page, XML, plain text): an HTML/XML page is reduced to its `<title>` or,
/// without one, to its text without tags; whitespace runs (newlines included) become one
/// space; the result is cut to at most `max` bytes (on a UTF-8 boundary, "..." appended).
[[nodiscard]] std::string readable_body(std::string_view body, size_t max = 200);

/// `text` cut to at most `max` bytes on a UTF-8 character boundary, with "..." appended when
/// something was cut (the "..." counts towards `max`).
[[nodiscard]] std::string bounded(std::string_view text, size_t max);

/// True when `a` equals `b` ignoring ASCII case.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

} // namespace vcdlb::vcd::detail
