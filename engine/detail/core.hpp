#pragma once

/// @file engine/detail/core.hpp
/// @brief The engine's core actor: start-up discovery, the IP pool seed, and the routing of
/// Service and Node inputs to the other actors.
///
/// Discovery, in order: login (API version; shared modes need 37.0), the load-balancer
/// network (its edge gateway and VDC), the gateway (uplink ranges), its used IP addresses,
/// then a gateway actor and the list of this cluster's objects on it. A retryable failure
/// (connection, timeout, 429, 5xx, BUSY_ENTITY) restarts discovery after a backoff; any other
/// failure is final (phase `failed`): it needs a config or permission fix, not a retry.
/// Inputs that arrive before the pool is seeded are kept (the latest per key) and applied once
/// it is.
///
/// Messages (dynamically typed, local only): std::vector<service_spec> (full list),
/// service_spec, (remove_atom, service_key), std::vector<node_description> (full list),
/// node_description, (remove_atom, std::string node name), std::vector<endpoint_slice_info>
/// (full list), endpoint_slice_info, (remove_atom, endpoint_slice_info), (resync_atom), (get_atom)
/// -> (uint64_t service actors, pool_stats), plus internal (resume_atom, resume), (tick_atom) for
/// discovery retries and (flush_atom) for the observer's periodic samples.

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "actors/service_actor.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "engine/engine.hpp"

namespace vcdlb::detail {

struct core_state {
  engine_options opts;
  std::shared_ptr<engine::shared_state> shared;

  node_set_actor nodes;
  ip_pool_actor pool;
  status_writer_actor writer;
  gateway_actor gateway;
  service_manager_actor manager;
  rde_actor rde; ///< the RDE writer (CAPVCD cluster ids only)
  std::shared_ptr<vcdlb::rde_signal> rde_flag =
    std::make_shared<vcdlb::rde_signal>(); ///< its change signal

  // Discovery results.
  vcd::session_info session;
  vcd::org_vdc_network network;
  vcd::edge_gateway edge;
  std::vector<vcd::used_ip> used;
  std::optional<lb_objects> ours; ///< set once the gateway listed this cluster's objects
  uint64_t external_size = 0;     ///< addresses in the seed's external ranges (within vipSubnet)
  uint64_t internal_size = 0;     ///< addresses in the one-arm range
  uint32_t attempt = 0;
  uint64_t generation = 0; ///< bumps per discovery attempt; stale completions are ignored

  /// Until running: the latest snapshot per key; `listed` once a full list arrived.
  std::map<service_key, service_spec> pending;
  bool listed = false;
  bool seeding = false;
  bool draining = false; ///< drained for shutdown: no new Services, seeding or discovery
  /// While running: every key the manager was told about (to turn relists into removals).
  std::set<service_key> known;

  /// The actors spawned here that are still alive. On shutdown the core ends them and quits
  /// only once they are gone, so a down message from the core means no engine actor holds the
  /// VCD client or the sink any more (engine::stop relies on it).
  std::set<caf::actor_addr> children;
  bool stopping = false; ///< the children were told to exit
  caf::error stop_reason;

  static constexpr const char* name = "engine";
};

using core_actor = caf::stateful_actor<core_state>;

caf::behavior core_behavior(core_actor* self, engine_options opts,
                            std::shared_ptr<engine::shared_state> shared);

} // namespace vcdlb::detail
