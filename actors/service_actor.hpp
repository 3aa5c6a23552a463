#pragma once

/// @file actors/service_actor.hpp
/// @brief The service_actor (protocol/interfaces.hpp): owns one Service and converges the
/// gateway to what it needs.
///
/// Level-triggered: a new snapshot, a member change or a timer marks the Service dirty; one
/// reconcile runs at a time and a dirty mark during it starts another when it ends.
/// Ensure: finalizer first (before any cloud object), then the Service's objects from the
/// gateway cache, IPs from the ip pool, desired state, the plan; listener claims are taken
/// before the plan runs and freed listeners released after it; status is written only when it
/// changed. Cleanup (deleted, or no longer a LoadBalancer of ours): remove every object the
/// Service owns, release its IPs, drop the finalizer last.
/// Failures back off per Service (5 s doubling to 300 s); invalid Services wait for a spec
/// change. Events use the reference controller's reasons.

#include <memory>
#include <optional>

#include "actors/desired_state.hpp"
#include "actors/detail/packed_spec.hpp"
#include "actors/engine_observer.hpp"
#include "actors/vcd_status.hpp"
#include "caf/actor_system.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

/// What every service actor shares (one instance, referenced by all).
struct service_deps {
  engine_settings settings;
  ip_pool_actor pool;
  gateway_actor gateway;
  status_writer_actor writer;
  caf::timespan request_timeout = std::chrono::minutes{10}; ///< gateway ops may queue long
  /// Status writes queue behind a wave's others and are retried by the writer, which answers
  /// within its own deadline; this only guards against a writer that is gone.
  caf::timespan status_timeout = std::chrono::minutes{11};
  caf::timespan backoff_base = std::chrono::seconds{5};
  caf::timespan backoff_max = std::chrono::seconds{300};
  /// The service manager's periodic resync (gateway refresh + reconcile of every Service);
  /// 0 = only on request.
  caf::timespan resync_interval = std::chrono::minutes{10};
  /// Told about every reconcile (metrics); never null.
  std::shared_ptr<engine_observer> observer = std::make_shared<engine_observer>();
  /// Whether VCD answers; null when nobody watches it (then no check). A reconcile still
  /// running `held_up_after` after it started while VCD does not answer tells its Service
  /// with a Warning Event. The check is one timer per running reconcile (~150 bytes while
  /// it waits).
  std::shared_ptr<const vcd_status> vcd;
  caf::timespan held_up_after = std::chrono::seconds{10};
};

/// Internal (service_actor -> itself): is reconcile number N still running and held up?
using held_up_atom = caf::atom_constant<caf::atom("heldup")>;

namespace detail {
/// Internal (service_manager -> service_actor): the snapshot, packed (detail/packed_spec.hpp),
/// as one immutable copy that the manager keeps too (for a respawn), so a Service's snapshot
/// is held once, not twice.
struct shared_spec {
  detail::shared_packed_spec packed;
};
} // namespace detail

} // namespace vcdlb

// Never leaves the process: an immutable snapshot shared between the manager and one actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::detail::shared_spec)

namespace vcdlb {

/// The service actor's full interface: the public one plus the manager's shared snapshots.
using service_impl = service_actor::extend<caf::reacts_to<detail::shared_spec>,
                                           caf::reacts_to<held_up_atom, uint32_t>>;

struct service_state {
  std::shared_ptr<const service_deps> deps;
  /// The current snapshot, packed (detail/packed_spec.hpp); immutable (replaced, never
  /// edited) so it can be shared with the manager.
  detail::shared_packed_spec packed;
  /// `packed` unpacked: only while a reconcile needs it (memory per idle Service stays small).
  std::shared_ptr<const service_spec> spec;
  node_members members;
  bool have_members = false;
  service_status status;
  std::vector<listener_key> claimed; ///< listeners granted to it (sorted); see release_claims
  bool busy = false;
  bool observed = false; ///< the running reconcile was reported to the observer as started
  bool mutated = false;  ///< the running reconcile ran at least one VCD op
  reconcile_kind kind = reconcile_kind::ensure;
  caf::actor_clock::time_point started;
  bool dirty = false;
  bool retry_scheduled = false;
  // Events and the node-sync metrics (service_actor.cpp, begin() and finish()).
  bool spec_pending = true;      ///< a new spec (or the first) that no reconcile applied yet
  bool nodes_pending = false;    ///< a member change that no reconcile applied yet ...
  bool node_sync = false;        ///< the running reconcile applies a member change ...
  bool node_only = false;        ///< ... and nothing else (the reference's UpdateLoadBalancer)
  bool last_warning = false;     ///< the last Event written was a Warning
  bool invalid_reported = false; ///< this spec's invalid_service error was reported already
  bool ranges_reported = false;  ///< this spec's invalid source ranges were reported already
  /// The gateway confirmed that no source-range firewall object of this Service exists: a
  /// Service without ranges asks again only after a restart.
  bool firewall_clean = false;
  bool held_up_reported = false; ///< the running reconcile told its Service VCD holds it up
  uint32_t reconcile_seq = 0;    ///< numbers reconciles, so a late held_up check is ignored
  caf::actor_clock::time_point nodes_changed_at; ///< when the pending member change arrived
  caf::actor_clock::time_point node_sync_since;  ///< ... for the running reconcile
  static constexpr const char* name = "service";
};

/// The behavior; spawn with `sys.spawn(service_behavior, key, deps)` and hand out the handle as
/// a `service_actor`.
service_impl::behavior_type service_behavior(service_impl::stateful_pointer<service_state> self,
                                             service_key key,
                                             std::shared_ptr<const service_deps> deps);

} // namespace vcdlb
