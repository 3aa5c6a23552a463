#pragma once

/// @file actors/plan.hpp
/// @brief The planner: a pure diff of what a Service needs against what the gateway holds for
/// it, as an ordered list of operations.
///
/// Objects are matched by (kind, name); a VS or DNAT rule left without a match is paired with
/// a new one of the same (protocol, port) (a renamed Service port), and so are the pool
/// (profile) they name. Everything that differs is updated in place (PUT: same ids, no
/// outage): names, pool members, NodePort, health monitor; VS port, profile, SSL, certificate,
/// pool; DNAT ports, IPs, profile; app port profile port/protocol. Only what cannot be
/// changed in place is replaced (removed, later created): a VS whose VIP changes (VCD refuses
/// to change a shared VIP, and the old address may be another Service's by then; the ip pool
/// keeps a renamed port's internal IP so a rename needs no VIP change), an update that would
/// move an object onto a listener another of the Service's objects still holds (ports that
/// swap numbers), and objects VCD failed to realize. Observed objects that are not desired, and
/// duplicates of a name, are removed. Equal objects produce no operation, so an unchanged Service
/// plans nothing.
///
/// Order (each step sorted by name):
///   1 remove VSs  2 remove DNAT rules  3 create, update pools  4 create, update app port
///   profiles  5 update DNAT rules  6 update VSs  7 remove app port profiles  8 remove pools
///   9 create DNAT rules  10 create VSs
/// (Profiles sit between gateway steps: the gateway actor runs their tasks beside the gateway's,
/// so a Service waiting for its profiles leaves the gateway to the others.)
/// Every removal that frees a listener precedes every creation that takes one, and an update
/// moves to a listener none of the Service's other objects holds, so no moment has two VSs (or
/// two DNAT rules) on one listener (invariant 1; other Services are kept off by the ip pool's
/// port claims, taken before the plan and released after it). A VS is removed before its pool
/// and created after it; a DNAT rule is removed before its profile and created after it; a
/// pool (profile) is renamed before the VS (DNAT rule) that names it.
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

/// Applies `op` to `objs` as the gateway would (creates get `new_id`; a renamed pool or
/// profile shows its new name in the VSs and DNAT rules that use it). For tests and for the
/// gateway actor's read cache. Returns false when the op does not fit (unknown id on update or
/// remove).
bool apply(lb_objects& objs, const lb_op& op, const std::string& new_id);

} // namespace vcdlb
