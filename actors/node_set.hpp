#pragma once

/// @file actors/node_set.hpp
/// @brief The node_set actor (protocol/interfaces.hpp): the eligible backend nodes and their
/// first InternalIPs, debounced, published as `node_members` to subscribed service actors.
///
/// Node events are applied at once but published only after `debounce` of quiet-ish time (one
/// timer per burst), and only to subscribers whose last received member set differs from the
/// current one. Subscribers are monitored and forgotten when they terminate.

#include <map>
#include <string>

#include "caf/actor_system.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

struct node_set_state {
  struct subscriber {
    service_actor handle;
    uint64_t sent_version = 0; ///< version of the last node_members sent; 0 = none
  };
  std::map<std::string, node_info> nodes;
  node_members current; ///< version 0 until the first full list was published
  bool synced = false;
  bool flush_pending = false;
  caf::timespan debounce{};
  std::map<service_key, subscriber> subscribers;
  static constexpr const char* name = "node-set";
};

/// The behavior; spawn with `sys.spawn(node_set_behavior, debounce)`.
node_set_actor::behavior_type
node_set_behavior(node_set_actor::stateful_pointer<node_set_state> self, caf::timespan debounce);

} // namespace vcdlb
