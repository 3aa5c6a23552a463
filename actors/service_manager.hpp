#pragma once

/// @file actors/service_manager.hpp
/// @brief The service_manager (protocol/interfaces.hpp): one service_actor per Service key.
///
/// A snapshot of a Service vcdlb serves (or still has to clean up: it carries our finalizer)
/// spawns its actor on first sight, subscribes it to the node set and forwards every later
/// snapshot. Snapshots of Services that are not ours and never were are dropped without an
/// actor (no memory per foreign Service). `remove` (the object is gone from the API) makes the
/// actor clean up whatever is left and exit; a snapshot that arrives for the key meanwhile is
/// kept and handed to a fresh actor once the old one is down.

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "actors/service_actor.hpp"
#include "caf/actor_system.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

struct service_manager_state {
  std::shared_ptr<const service_deps> deps;
  node_set_actor nodes;
  std::map<service_key, service_actor> actors;
  std::set<caf::actor_addr> children; ///< linked service actors (their exits are not ours)
  /// Keys whose actor is cleaning up after `remove`; a snapshot that arrived meanwhile.
  std::map<service_key, std::optional<service_spec>> retiring;
  static constexpr const char* name = "service-manager";
};

/// The behavior; spawn with `sys.spawn(service_manager_behavior, deps, nodes)`.
service_manager_actor::behavior_type
service_manager_behavior(service_manager_actor::stateful_pointer<service_manager_state> self,
                         std::shared_ptr<const service_deps> deps, node_set_actor nodes);

} // namespace vcdlb
