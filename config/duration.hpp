#pragma once

/// @file config/duration.hpp
/// @brief Go-style duration strings ("250ms", "15s", "1m30s", "1.5h") as used in the config.
///
/// Grammar as Go's time.ParseDuration: an optional sign, then one or more `<number><unit>`
/// with decimal numbers (fractions allowed) and units ns, us (or µs), ms, s, m, h. A bare "0"
/// is zero. Pure functions, thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vcdlb::config {

/// The duration `text` denotes, or nullopt if it is malformed or overflows.
[[nodiscard]] std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// The shortest Go-style text for `d`, e.g. "250ms", "15s", "1m30s", "1h0m0s" becomes "1h".
[[nodiscard]] std::string format_duration(std::chrono::nanoseconds d);

/// Same for milliseconds; values too large for nanoseconds print as "<n>ms".
[[nodiscard]] std::string format_duration_ms(std::chrono::milliseconds d);

} // namespace vcdlb::config
