#pragma once

/// @file actors/service_manager.hpp
/// @brief The service_manager (protocol/interfaces.hpp): one service_actor per Service key.
///
/// A snapshot of a Service vcdlb serves (or still has to clean up: it carries our finalizer)
/// spawns its actor on first sight, subscribes it to the node set (with its traffic policy,
/// again whenever a snapshot changes it) and forwards every later snapshot. Snapshots of Services
/// that are not ours and never were are dropped without an actor (no memory per foreign Service).
/// `remove` (the object is gone from the API) makes the actor clean up whatever is left and exit; a
/// snapshot that arrives for the key meanwhile is kept and handed to a fresh actor once the old one
/// is down.
///
/// - Respawn: a service actor that ends abnormally (exception, kill, any reason but normal) is
///   spawned again at once with the last snapshot the manager forwarded to it; one error line
///   is logged per crash.
/// - Resync (message, and every `service_deps::resync_interval` unless 0): the gateway
///   refreshes its cache and names the owners of the objects that changed out of band; the
///   live service actors among them reconcile (every one when the gateway cannot tell whose),
///   none when nothing changed. Resyncs do not overlap; one asked for meanwhile runs after the
///   current one.
/// - Sweep: given every Service key that exists in the API, objects of this cluster owned by
///   none of them and by no live service actor are removed through the gateway (dependents
///   first: make_plan({}, orphans)), then the ip pool releases their keys' reservations and
///   their addresses. A snapshot for a key whose objects a sweep is removing waits until the
///   sweep is done, so a new actor never adopts an object that is about to vanish. Sweeps do
///   not overlap; requests that arrive meanwhile are merged into one run with the newest keys.
///   A sweep with the same keys as the last one that left nothing behind is answered 0 without
///   listing the gateway (a relist of unchanged Services costs no scan of every object) unless
///   a resync refreshed the gateway, a Service was removed or a service actor ended since.
///   Objects that appear out of band are seen by the next refresh and swept after it.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/service_actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/typed_response_promise.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

/// The manager's full interface: the public one plus its resync timer.
using service_manager_impl = service_manager_actor::extend<caf::reacts_to<tick_atom>>;

struct service_manager_state {
  struct child {
    service_impl handle;
    /// The last snapshot forwarded (packed, detail/packed_spec.hpp), for a respawn; the actor
    /// holds the same copy.
    detail::shared_packed_spec last;
    /// Subscribed to the node set with `externalTrafficPolicy: Local`.
    bool local = false;
  };
  std::shared_ptr<const service_deps> deps;
  node_set_actor nodes;
  /// Every live service actor by key; shared with the functor that ends them with the manager.
  std::shared_ptr<std::map<service_key, child>> actors =
    std::make_shared<std::map<service_key, child>>();
  /// Keys whose actor is cleaning up after `remove`; a snapshot that arrived meanwhile.
  std::map<service_key, std::optional<service_spec>> retiring;
  bool resync_running = false;
  bool resync_again = false;
  bool sweeping = false;
  std::vector<service_key> sweep_keys; ///< the newest keys of the sweep requested next
  std::vector<caf::typed_response_promise<uint64_t>> sweep_waiters;
  std::set<std::string> sweep_tokens;       ///< owner tokens of the objects being swept
  std::map<service_key, service_spec> held; ///< snapshots waiting for the sweep to end
  /// The last sweep left no orphan behind, for keys with this fingerprint, and nothing since
  /// could have brought one into the gateway's cache (no refresh, no remove, no actor down).
  bool swept_clean = false;
  uint64_t swept_keys = 0;
  static constexpr const char* name = "service-manager";
};

/// The behavior; spawn with `sys.spawn(service_manager_behavior, deps, nodes)` and hand out the
/// handle as a `service_manager_actor`. The resync timer starts at spawn.
service_manager_impl::behavior_type
service_manager_behavior(service_manager_impl::stateful_pointer<service_manager_state> self,
                         std::shared_ptr<const service_deps> deps, node_set_actor nodes);

} // namespace vcdlb
