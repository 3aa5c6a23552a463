#pragma once

/// @file actors/node_set.hpp
/// @brief The node_set actor (protocol/interfaces.hpp): the eligible backend nodes and their
/// first InternalIPs, debounced, published as `node_members` to subscribed service actors.
///
/// Node events are applied at once but published only after `debounce` of quiet-ish time (one
/// timer per burst), and only to subscribers whose last received member set differs from the
/// current one. Subscribers are monitored and forgotten when they terminate.
///
/// `externalTrafficPolicy: Local` subscribers get their own member set: the eligible nodes that
/// hold a ready endpoint of their Service (EndpointSlices, kept per Service and slice). Endpoint
/// changes go through the same debounce (a Local Service hears at most one member change per
/// window, so its pool is updated at most once per window); a node change recomputes every
/// Local set. When none of the Service's ready endpoints is on an eligible node (pods starting,
/// all rescheduling at once), the set is kept as it was (minus nodes no longer eligible) rather
/// than emptied; if that leaves nothing, it is every eligible node, like `Cluster`. Until the
/// first full EndpointSlice list arrives, Local subscribers are served like `Cluster` ones (an
/// engine that is never fed endpoints keeps today's behaviour). Slices of Services that no Local
/// subscriber has are stored (a Service may switch to Local later) but start no timer.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

struct node_set_state {
  struct subscriber {
    service_actor handle;
    uint64_t sent_version = 0; ///< version of the last node_members sent; 0 = none
    bool local = false;        ///< `externalTrafficPolicy: Local`
    /// Local only: the list last sent (null = none yet).
    std::shared_ptr<const std::vector<std::string>> sent;
  };
  std::map<std::string, node_info> nodes;
  node_members current; ///< version 0 until the first full list was published
  bool synced = false;
  bool flush_pending = false;
  caf::timespan debounce{};
  std::map<service_key, subscriber> subscribers;
  /// Ready nodes per Service and slice name.
  std::map<service_key, std::map<std::string, std::vector<std::string>>> endpoints;
  bool endpoints_synced = false;
  bool nodes_dirty = false; ///< a node changed since the last flush: every Local set is stale
  std::set<service_key> endpoints_dirty; ///< Local subscribers whose endpoints changed
  uint64_t local_version = 0;            ///< numbers the Local sets sent
  static constexpr const char* name = "node-set";
};

/// The behavior; spawn with `sys.spawn(node_set_behavior, debounce)`.
node_set_actor::behavior_type
node_set_behavior(node_set_actor::stateful_pointer<node_set_state> self, caf::timespan debounce);

} // namespace vcdlb
