#pragma once

/// @file bench/floor.hpp
/// @brief The lower bound of a phase: the mutations it cannot avoid, run one after another on
/// the edge gateway (VCD serializes a gateway's mutating tasks), times the task duration.

#include <chrono>
#include <cstdint>

#include "bench/workload.hpp"
#include "config/config.hpp"

namespace vcdlb::bench {

struct mutation_floor {
  /// Mutations that lock the gateway (pools, virtual services, DNAT rules).
  uint64_t gateway_mutations = 0;
  /// Necessary mutations that lock no gateway (application port profiles in modes A/B); they
  /// can overlap the gateway's tasks, so they add nothing to the time bound.
  uint64_t other_mutations = 0;
  /// gateway_mutations x task duration.
  std::chrono::nanoseconds time{0};
};

/// The floor of phase `k` on a cluster of `services` Services with `ports` ports each, in
/// `mode`: per port mode C needs a pool and a virtual service; modes A/B a DNAT rule, a pool
/// and a virtual service on the gateway plus an application port profile.
/// - create, delete: every port's objects once;
/// - update (one port replaced): the new port's objects created, the old one's deleted;
/// - churn: one pool update per port;
/// - shared-ports (every port number changes): one virtual-service update per port, plus in
///   modes A/B one DNAT-rule update (gateway) and one profile update;
/// - resync: nothing.
[[nodiscard]] mutation_floor floor_for(phase_kind k, config::lb_mode mode, uint64_t services,
                                       uint64_t ports, std::chrono::nanoseconds task_duration);

} // namespace vcdlb::bench
