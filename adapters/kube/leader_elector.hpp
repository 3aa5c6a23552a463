#pragma once

/// @file adapters/kube/leader_elector.hpp
/// @brief Leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm
/// (kubernetes-api.md 3.5), as a CAF actor so its timing runs on the actor clock.
///
/// - Acquire: try at once, then every retryPeriod x [1, 1 + jitter); create the Lease when
///   missing; take it over when it is released (empty holder) or when its record has not changed
///   for leaseDurationSeconds of *local* observation time (never the remote renewTime, so clock
///   skew cannot cause two leaders). A lost race shows up as 409 and just fails the attempt.
/// - Renew: every retryPeriod (a PUT with the last RV; on failure the GET+PUT path). Leadership is
///   lost when no renew succeeded for renewDeadline, or at once when another holder is seen.
/// - Release: `le_stop_atom` makes a leader write holderIdentity "" and leaseDurationSeconds 1
///   (client-go ReleaseOnCancel), reply `true`, notify, and quit; a follower replies `false`.
///
/// Leadership changes go to `on_change` (called in the actor's context: must not block) and as
/// `(leading_atom, bool)` to `subscriber`. The actor also answers `caf::get_atom` with `bool`
/// (leading now). After losing leadership it keeps trying to reacquire.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/kube/client.hpp"
#include "adapters/kube/lease_fence.hpp"
#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/atom.hpp"
#include "caf/error.hpp"
#include "config/config.hpp"

namespace vcdlb::kube {

using leading_atom = caf::atom_constant<caf::atom("leading")>;
using le_stop_atom = caf::atom_constant<caf::atom("le_stop")>;
using le_tick_atom = caf::atom_constant<caf::atom("le_tick")>;
using le_done_atom = caf::atom_constant<caf::atom("le_done")>;
using le_fail_atom = caf::atom_constant<caf::atom("le_fail")>;

struct leader_election_config {
  std::string lease_namespace = "kube-system";
  std::string lease_name = "vcdlb";
  std::string identity; ///< unique per process: "<hostname>_<random>" (see `default_identity`)
  caf::timespan lease_duration = std::chrono::seconds{15};
  caf::timespan renew_deadline = std::chrono::seconds{10};
  caf::timespan retry_period = std::chrono::seconds{2};
  double jitter = 1.2; ///< client-go JitterFactor
  /// Wall-clock time at spawn, for the Lease's acquireTime/renewTime stamps only; the actor
  /// adds its own clock's elapsed time, so tests on virtual time get deterministic stamps.
  std::chrono::system_clock::time_point wall_origin;
  uint64_t seed = 0; ///< jitter RNG; 0 = random
  std::function<void(bool leading)> on_change;
  /// Extended after every successful acquire/renew and revoked on loss or release (see
  /// lease_fence.hpp); may be null. Work that must never overlap a successor checks it.
  std::shared_ptr<lease_fence> fence;
  caf::actor subscriber; ///< receives (leading_atom, bool); may be invalid
};

/// Settings from the config file section; `identity` and `wall_origin` are filled in.
[[nodiscard]] leader_election_config
make_leader_election_config(const config::leader_election_section& section, std::string identity);

/// "<hostname>_<16 hex digits>"
[[nodiscard]] std::string default_identity();

/// client-go's rule: leaseDuration > renewDeadline > jitter x retryPeriod > 0, identity set.
[[nodiscard]] caf::error validate(const leader_election_config& cfg);

/// Spawns the elector; it starts campaigning at once. `c` must outlive it.
[[nodiscard]] caf::expected<caf::actor> spawn_leader_elector(caf::actor_system& sys, client_ptr c,
                                                             leader_election_config cfg);

} // namespace vcdlb::kube
