#pragma once

// Transparent mode ("Preserve Client IP", API 37.1+; reference ip-spaces-rde-traffic.md
// §3.1-3.2) in the simulator: group pools (`memberGroupRef` to an IP set of the gateway instead
// of member IPs) and the prerequisites of a transparent virtual service (the gateway's
// load-balancer transparent mode, a group pool, a LEGACY_ACTIVE_STANDBY service engine group).
// VCD's own error codes for these refusals are not established (reference §5 item 9): the
// simulator answers 400 BAD_REQUEST with a message naming the missing prerequisite.

#include <cstdint>
#include <optional>

#include "adapters/http/message.hpp"
#include "adapters/vcd/sim/detail/context.hpp"

namespace vcdlb::vcd::sim::detail {

/// Checks and normalizes `memberGroupRef` of a pool body (POST or PUT of `self`). Below API
/// 37.1 the field is not part of the schema: dropped on input, and a PUT keeps the stored one.
std::optional<http::response> check_group_pool(ctx& c, json::object& body, const entry* self,
                                               const gateway_rec& gw);

/// Checks `transparentModeEnabled` of a virtual service body (already version-filtered) against
/// its prerequisites; `pool` and `seg_assignment` are the entries it references.
std::optional<http::response> check_transparent_vs(ctx& c, const json::object& body,
                                                   const gateway_rec& gw, const entry& pool,
                                                   const entry& seg_assignment);

/// Refuses turning the gateway's transparent mode off while a virtual service uses it.
std::optional<http::response> check_gateway_transparent_off(ctx& c, const gateway_rec& gw);

/// The pool that takes its members from the IP set `ip_set_id`, if any.
const entry* pool_using_ip_set(state& st, std::string_view ip_set_id);

/// A group pool's member count: the entries of its IP set (all enabled); -1 for other pools.
int64_t group_member_count(state& st, const json::object& pool_body);

} // namespace vcdlb::vcd::sim::detail
