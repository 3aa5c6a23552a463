#pragma once

// IPv4 addresses as integers, and "37.2"-style API versions as comparable numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcdlb::vcd::sim::detail {

/// Dotted quad to host-order integer; nullopt for anything else (no leading zeros check).
std::optional<uint32_t> parse_ipv4(std::string_view text);

std::string format_ipv4(uint32_t ip);

/// "37.2" -> 3702 (major * 100 + minor); nullopt if not "<int>.<int>".
std::optional<int> parse_version(std::string_view text);

/// 3702 -> "37.2".
std::string format_version(int v);

} // namespace vcdlb::vcd::sim::detail
