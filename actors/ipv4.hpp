#pragma once

/// @file actors/ipv4.hpp
/// @brief IPv4 addresses as integers: parse, print, ranges, CIDRs. Pure, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcdlb::ipv4 {

/// Parses a strict dotted quad ("10.0.0.1"; no leading zeros beyond "0", no spaces).
[[nodiscard]] std::optional<uint32_t> parse(std::string_view text) noexcept;

/// "a.b.c.d".
[[nodiscard]] std::string format(uint32_t addr);

/// An inclusive range of addresses.
struct range {
  uint32_t first = 0;
  uint32_t last = 0;
  [[nodiscard]] bool contains(uint32_t a) const noexcept { return a >= first && a <= last; }
  [[nodiscard]] uint64_t size() const noexcept {
    return first <= last ? uint64_t{last} - first + 1 : 0;
  }
};

/// Parses "first".."last" ("" last = single address); nothing when malformed or reversed.
[[nodiscard]] std::optional<range> parse_range(std::string_view first, std::string_view last);

/// Parses "a.b.c.d/n" into the range network..broadcast (inclusive).
[[nodiscard]] std::optional<range> parse_cidr(std::string_view text) noexcept;

} // namespace vcdlb::ipv4
