#pragma once

/// @file actors/plan.hpp
/// @brief The planner: a pure diff of what a Service needs against what the gateway holds for
/// it, as an ordered list of operations.
///
/// Objects are matched by (kind, name). An object whose listener `(ip, protocol, port)` must
/// change (VS: VIP/protocol/port; DNAT rule: external IP/protocol/port) is replaced (removed,
/// later created); everything else that differs is updated in place (pool members, NodePort,
/// health monitor; VS profile, SSL, certificate, pool; DNAT internal IP, profile; app port
/// profile port/protocol). Observed objects that are not desired, and duplicates of a name, are
/// removed. Equal objects produce no operation, so an unchanged Service plans nothing.
///
/// Order (each step sorted by name):
///   1 remove VSs  2 remove DNAT rules  3 create, update pools  4 create, update app port
///   profiles  5 update DNAT rules  6 update VSs  7 remove app port profiles  8 remove pools
///   9 create DNAT rules  10 create VSs
/// (Profiles sit between gateway steps: the gateway actor runs their tasks beside the gateway's,
/// so a Service waiting for its profiles leaves the gateway to the others.)
/// Every removal that frees a listener precedes every creation that takes one, so no moment has
/// two VSs (or two DNAT rules) on one listener (invariant 1); a VS is removed before its pool and
/// created after it; a DNAT rule is removed before its profile and created after it.
/// Pure functions, thread-safe.

#include <vector>

#include "protocol/lb_objects.hpp"

namespace vcdlb {

/// Plans the operations that turn `observed` into `desired`. `desired` objects have empty ids;
/// `observed` are the gateway's objects owned by the Service (ids set). Both sorted by name
/// (sort_by_name); pool member lists need not be sorted.
[[nodiscard]] std::vector<lb_op> make_plan(const lb_objects& desired, const lb_objects& observed);

/// The listener of a DNAT rule: (external IP, protocol, port).
[[nodiscard]] listener_key listener_of(const dnat_rule_desc& d);

/// Applies `op` to `objs` as the gateway would (creates get `new_id`). For tests and for the
/// gateway actor's read cache. Returns false when the op does not fit (unknown id on update or
/// remove).
bool apply(lb_objects& objs, const lb_op& op, const std::string& new_id);

} // namespace vcdlb
