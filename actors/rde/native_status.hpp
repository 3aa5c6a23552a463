#pragma once

/// @file actors/rde/native_status.hpp
/// @brief The `status.virtual_IPs` array of a CSE 3.x `nativeCluster` entity, where the
/// upstream provider keeps a native cluster's load-balancer virtual IPs (reference
/// ip-spaces-rde-traffic.md §2.5: a string array, rewritten whole on every change; no
/// `status.cpi` for these entities).
///
/// Upstream adds a VIP when it makes a load balancer and removes it when it deletes one, so
/// entries it did not add (a user's, another tool's) stay. vcdlb keeps the same contract, made
/// level-based: the array holds every virtual IP of this cluster's virtual services on the
/// gateway; an entry vcdlb has seen as one of this cluster's VIPs and that is gone from the
/// gateway is dropped; every other entry is kept where it is (vcdlb cannot tell whose it is).
/// Everything else in the entity is left as it was.
///
/// Pure functions, thread-safe; malformed input is an error value, never an exception.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "caf/expected.hpp"
#include "protocol/lb_objects.hpp"

namespace vcdlb::rde {

/// The key upstream uses under `entity.status` of a nativeCluster entity.
inline constexpr std::string_view virtual_ips_key = "virtual_IPs";

/// The virtual IPs of this cluster's virtual services (the external IP clients use: the DNAT
/// rule's external address in the one-arm modes, else the virtual service's own VIP), sorted,
/// without duplicates or empty ones.
[[nodiscard]] std::set<std::string> virtual_ips_of(const lb_objects& objects);

/// What one write does to `status.virtual_IPs`.
struct vip_change {
  std::set<std::string> owned;   ///< this cluster's VIPs now: present afterwards
  std::set<std::string> retired; ///< this cluster's VIPs that are gone: absent afterwards
};

/// Applies `c` to a DefinedEntity body (its `entity.status` must be an object): entries in
/// `retired` (and not in `owned`) are dropped, duplicates of an owned VIP are dropped, other
/// entries stay in their order, owned VIPs not yet there are appended in sorted order. Returns
/// the new body, or nullopt when the array already says it (no write needed). Errors
/// (vcd_errc::bad_response): the body is not JSON, has no `entity.status` object, or its
/// `status.virtual_IPs` is not an array.
[[nodiscard]] caf::expected<std::optional<std::string>>
apply_virtual_ips(std::string_view entity_body, const vip_change& c);

/// The string entries of `status.virtual_IPs` in a DefinedEntity body, in order (empty when the
/// key is absent).
[[nodiscard]] caf::expected<std::vector<std::string>>
read_virtual_ips(std::string_view entity_body);

} // namespace vcdlb::rde
