#pragma once

/// @file adapters/vcd/ip_address.hpp
/// @brief The address forms VCD accepts in an IP set (`FirewallGroupDetails.ipAddresses`):
/// a single IPv4 or IPv6 address, a CIDR ("10.0.0.0/8", "2001:db8::/32") or a range of one
/// family ("10.0.0.1-10.0.0.9"). Shared by the fake client and the simulator, which refuse
/// anything else as VCD does. Pure and thread-safe.

#include <string_view>

namespace vcdlb::vcd {

/// "a.b.c.d/n" (n 0..32) or an IPv6 address "/n" (n 0..128). Host bits may be set, as
/// Kubernetes' ParseCIDR allows.
[[nodiscard]] bool is_cidr(std::string_view text);

/// One entry of an IP set: an address, a CIDR, or an ascending range of one family.
[[nodiscard]] bool is_ip_set_address(std::string_view text);

} // namespace vcdlb::vcd
