#pragma once

/// @file actors/source_ranges.hpp
/// @brief A Service's `loadBalancerSourceRanges` with Kubernetes' semantics
/// (ip-spaces-rde-traffic.md §4.1, cloud-provider's GetLoadBalancerSourceRanges): the spec field
/// wins; when it is empty, the legacy annotation `service.beta.kubernetes.io/
/// load-balancer-source-ranges` (comma-separated); when both are absent, every source. A list
/// that holds `0.0.0.0/0` allows every source (IsAllowAll). Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/expected.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

/// The legacy annotation read when `spec.loadBalancerSourceRanges` is empty.
inline constexpr std::string_view source_ranges_annotation = annotations::source_ranges;

/// The sources allowed to reach a Service's load balancer.
struct source_ranges {
  bool allow_all = true;
  /// When `!allow_all`: the CIDRs, each in network form ("10.1.2.3/8" -> "10.0.0.0/8",
  /// IPv6 compressed), sorted and unique. Empty when `allow_all`.
  std::vector<std::string> cidrs;

  friend bool operator==(const source_ranges&, const source_ranges&) = default;
};

/// Reads the Service's ranges: `field` (spec.loadBalancerSourceRanges) if not empty, else
/// `annotation` (its value; "" = absent). Entries are trimmed of spaces; an entry that is not an
/// IPv4 or IPv6 CIDR (also an empty entry such as in "a,,b") makes the whole list invalid:
/// lb_errc::invalid_service with a message naming the entry and where it came from (for the
/// Service's Warning Event; the caller keeps what it had).
[[nodiscard]] caf::expected<source_ranges>
parse_source_ranges(const std::vector<std::string>& field, std::string_view annotation);

/// "10.1.2.3/8" -> "10.0.0.0/8"; "2001:DB8::1/32" -> "2001:db8::/32"; nothing for anything
/// that is not a CIDR.
[[nodiscard]] std::optional<std::string> normalize_cidr(std::string_view text);

} // namespace vcdlb
