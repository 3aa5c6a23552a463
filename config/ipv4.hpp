#pragma once

/// @file config/ipv4.hpp
/// @brief Strict IPv4 address and CIDR parsing for the configuration (and the IP pool).
///
/// Dotted-quad only: four decimal octets 0..255, no leading zeros (so "010.0.0.1" is not
/// silently octal or decimal), no surrounding blanks. Addresses are host-order `uint32_t`
/// so ranges compare and iterate as integers. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcdlb::config {

/// An IPv4 address in host byte order.
struct ipv4_address {
  uint32_t value = 0;
  friend auto operator<=>(const ipv4_address&, const ipv4_address&) = default;
};

/// An IPv4 network: the address as written (host bits may be set, as Go's net.ParseCIDR
/// accepts) and the prefix length 0..32.
struct ipv4_cidr {
  ipv4_address address;
  int prefix = 32;

  /// The first address of the network (host bits cleared).
  [[nodiscard]] ipv4_address network() const noexcept;
  /// The last address of the network (host bits set).
  [[nodiscard]] ipv4_address broadcast() const noexcept;
  [[nodiscard]] bool contains(ipv4_address a) const noexcept;
  friend bool operator==(const ipv4_cidr&, const ipv4_cidr&) = default;
};

[[nodiscard]] std::optional<ipv4_address> parse_ipv4(std::string_view text) noexcept;

/// "A.B.C.D/N" with N in 0..32.
[[nodiscard]] std::optional<ipv4_cidr> parse_ipv4_cidr(std::string_view text) noexcept;

/// Dotted-quad text of `a`.
[[nodiscard]] std::string to_string(ipv4_address a);

} // namespace vcdlb::config
