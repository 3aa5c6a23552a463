#pragma once

/// @file actors/detail/event_text.hpp
/// @brief How an error reads in a Kubernetes Event message. Pure functions, thread-safe.
///
/// Kubernetes aggregates repeated Events only when their messages are equal, so the message
/// must not carry what changes on every attempt: VCD puts its request id (or the task's id) in
/// brackets at the front of each message ("[ 3f0c...-uuid ] The entity ... is busy"). The log
/// line keeps the full text with the ids, for correlating with VCD's logs.

#include <string>
#include <string_view>

#include "caf/error.hpp"

namespace vcdlb::detail {

/// Most Event messages are a line; the API server accepts up to 1 KiB before it truncates.
inline constexpr size_t max_event_error = 400;

/// `text` without VCD's bracketed ids ("[ <id> ] "), anywhere in it.
[[nodiscard]] std::string strip_request_ids(std::string_view text);

/// `text` cut to at most `max` bytes on a UTF-8 boundary ("..." appended when cut).
[[nodiscard]] std::string bounded_text(std::string_view text, size_t max);

/// `describe(err)` ("vcd.busy_entity: HTTP 400 BUSY_ENTITY: ...") without request ids, on one
/// line, cut to at most `max` bytes (on a UTF-8 boundary, "..." appended).
[[nodiscard]] std::string event_text(const caf::error& err, size_t max = max_event_error);

} // namespace vcdlb::detail
