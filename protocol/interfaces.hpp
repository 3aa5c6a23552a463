#pragma once

/// @file protocol/interfaces.hpp
/// @brief Typed actor interfaces of the reconcile engine. The compiler checks every send,
/// request and handler against these; the implementations live in actors/.
///
/// Every request made against these interfaces needs a finite timeout and an error handler
/// (CAF 0.17.6 has no broken_promise: a dead callee shows up only as request_timeout).

#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "protocol/type_ids.hpp"

namespace vcdlb {

/// Writes what the engine decided back to the Kubernetes API (implemented over the kube
/// adapter). `service_status`: make the Service carry the finalizer iff `finalizer_wanted` and
/// `status.loadBalancer.ingress` = [external_ip] ("" = empty); reply once the API accepted it.
/// `service_event`: emit an Event, fire and forget.
using status_writer_actor = caf::typed_actor<caf::replies_to<service_status>::with<caf::ok_atom>,
                                             caf::reacts_to<service_event>>;

/// One per managed Service key. Level-triggered: every input recomputes desired state and
/// converges; inputs that arrive while a plan is in flight are coalesced.
using service_actor = caf::typed_actor<caf::reacts_to<service_spec>, // new snapshot of the Service
                                       caf::reacts_to<node_members>, // pool members changed
                                       caf::reacts_to<reconcile_atom>, // timer / retry / resync
                                       caf::replies_to<caf::get_atom>::with<service_status>>;

/// The only owner of IP decisions: external + one-arm internal IPs, sharing, listener claims.
/// Requests other than `rebuild` and `get` wait until the first `rebuild` arrived.
using ip_pool_actor = caf::typed_actor<
  caf::replies_to<rebuild_atom, pool_seed>::with<caf::ok_atom>,
  // The same, with the gateway actor (a `gateway_actor` handle) that makes and releases
  // IP Space allocations when `pool_seed::ip_spaces` is set.
  caf::replies_to<rebuild_atom, pool_seed, caf::actor>::with<caf::ok_atom>,
  // Reserve (or confirm) this Service's IPs; errors: lb_errc::ip_unavailable, ip_exhausted,
  // port_conflict (sharing rules), invalid_service.
  caf::replies_to<allocate_atom, ip_request>::with<ip_assignment>,
  // Drop every reservation and claim of the Service (after its objects are gone).
  caf::reacts_to<release_atom, service_key>,
  // Free addresses held back for leftover objects (pool_seed::leftover_ips) after a sweep
  // removed those objects; other addresses are ignored.
  caf::reacts_to<release_atom, std::vector<std::string>>,
  // Claim listeners before creating a VS / DNAT on them; error: lb_errc::port_conflict.
  caf::replies_to<claim_atom, service_key, std::vector<listener_key>>::with<caf::ok_atom>,
  // Release listeners after the gateway confirmed the objects on them are deleted.
  caf::reacts_to<unclaim_atom, service_key, std::vector<listener_key>>,
  // Internal: retry releases of IP Space allocations that failed.
  caf::reacts_to<tick_atom>, caf::replies_to<caf::get_atom>::with<pool_stats>>;

/// The only path to VCD for one edge gateway: rate limit, one mutating task in flight, retries,
/// task polling, and a read cache of the gateway's objects.
using gateway_actor = caf::typed_actor<
  // Every object of this cluster on the gateway (for the ip pool rebuild and garbage
  // collection); pools whose details were never loaded carry only name and id.
  caf::replies_to<list_atom>::with<lb_objects>,
  // The objects owned by one Service (namespaced names by hash, upstream names by Service
  // name), complete, sorted by name: the `observed` input of the planner.
  caf::replies_to<list_atom, service_key>::with<lb_objects>,
  // Run one create/update/remove; the reply carries the object's id (for a NAT rule created
  // since the last list, a placeholder the gateway actor resolves when it needs the real one).
  caf::replies_to<lb_op>::with<op_result>,
  // Run a Service's plan: its ops in order as one job of the queue (oldest job first), stopping
  // at the first failure (the reply is that error); replies with every op's result.
  caf::replies_to<lb_plan>::with<plan_result>,
  // Drift repair: re-list the gateway's objects and replace the cache (4 list calls; waits for
  // the mutation in flight, runs before the next one); pool details whose summary changed are
  // dropped and re-read lazily. Replies once the new cache is in place, with the owners of the
  // objects that differ from what the cache held (deleted, added or edited out of band), also
  // those a re-list between two refreshes found (after a failed op, to resolve NAT rule ids).
  caf::replies_to<refresh_atom>::with<refresh_result>,
  // Shutdown: refuse new ops and fail queued ones (lb_errc::shutting_down), no more retries;
  // replies once the mutations in flight (if any) have finished.
  caf::replies_to<drain_atom>::with<caf::ok_atom>,
  // IP Spaces: allocate a floating IP and reserve it with a claim marker, or release one. An
  // org-scoped task: paced like every call, it takes no gateway lock. Errors: lb_errc::
  // ip_exhausted (no IP Space gave one: the message names each space and its refusal),
  // ip_unavailable (a specific IP that cannot be had), or the VCD error.
  caf::replies_to<ip_space_request>::with<ip_space_grant>,
  // Source ranges: make the Service's edge firewall objects (two IP sets, a port profile, an
  // ALLOW and a DROP rule) what the request asks, or remove them. Requests are batched into
  // waves that hold the mutation slot: IP sets and profiles first, then one read-merge-write-
  // verify of the whole user-defined rule list for the wave (other owners' rules kept as read,
  // in order), then the objects no rule uses anymore go.
  caf::replies_to<source_range_request>::with<caf::ok_atom>>;

/// Eligible backend nodes; debounces churn and notifies subscribed Services of changes.
/// Nothing is published before the first full list arrived (an empty set during start-up would
/// empty every pool). Services with `externalTrafficPolicy: Local` get only the Nodes with a
/// ready endpoint of theirs (from the EndpointSlices), never an empty set (node_set.hpp).
using node_set_actor =
  caf::typed_actor<caf::reacts_to<std::vector<node_description>>,    // full list (initial list,
                                                                     // relist)
                   caf::reacts_to<node_description>,                 // upsert from a watch event
                   caf::reacts_to<remove_atom, std::string>,         // node deleted (by name)
                   caf::reacts_to<std::vector<endpoint_slice_info>>, // every EndpointSlice
                   caf::reacts_to<endpoint_slice_info>,              // slice added or changed
                   caf::reacts_to<remove_atom, endpoint_slice_info>, // slice deleted
                   caf::reacts_to<subscribe_atom, service_key, service_actor>, // Cluster policy
                   // (..., true) = `externalTrafficPolicy: Local`; subscribing again with the
                   // same handle switches the policy.
                   caf::reacts_to<subscribe_atom, service_key, service_actor, bool>,
                   caf::reacts_to<unsubscribe_atom, service_key>,
                   caf::reacts_to<flush_atom>, // internal: the debounce timer fired
                   caf::replies_to<caf::get_atom>::with<node_members>>;

/// Spawns one service_actor per Service key, routes snapshots to it, monitors it (a service
/// actor that dies abnormally is respawned with its last snapshot).
using service_manager_actor = caf::typed_actor<
  caf::reacts_to<service_spec>,                   // Service added or changed
  caf::reacts_to<remove_atom, service_key>,       // Service gone from the API (no finalizer left)
  caf::replies_to<caf::get_atom>::with<uint64_t>, // number of live service actors
  // Drift repair: the gateway refreshes its cache, then the live service actors whose objects
  // changed out of band reconcile (all of them when the gateway cannot tell whose).
  // Also runs on the manager's own timer (service_deps::resync_interval).
  caf::reacts_to<resync_atom>,
  // Garbage collection: every Service key that exists in the API now (all namespaces, all
  // types). Objects of this cluster owned by none of them and by no live service actor are
  // removed and their IPs released. Replies with the number of objects removed.
  caf::replies_to<sweep_atom, std::vector<service_key>>::with<uint64_t>>;

} // namespace vcdlb
