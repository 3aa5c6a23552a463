#pragma once

/// @file config/host_port.hpp
/// @brief "HOST:PORT" listen addresses such as `vcdlb.metricsAddress`.
///
/// HOST is empty (all interfaces), an IPv4 address, a DNS name, or an IPv6 address in
/// brackets ("[::1]:8080"); PORT is 1..65535. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcdlb::config {

struct host_port {
  std::string host; ///< without brackets; "" = all interfaces
  uint16_t port = 0;
  friend bool operator==(const host_port&, const host_port&) = default;
};

[[nodiscard]] std::optional<host_port> parse_host_port(std::string_view text);

} // namespace vcdlb::config
