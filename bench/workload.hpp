#pragma once

/// @file bench/workload.hpp
/// @brief What a bench run asks for: the Services and nodes of a synthetic cluster, the
/// phases a scenario consists of, and how each phase changes the cluster.
///
/// Plain values and pure functions; thread-safe as values are.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::bench {

/// One measured (or setup) step of a scenario.
enum class phase_kind {
  create,       ///< N new Services with P ports each
  resync,       ///< the same N Services fed again, unchanged (a relist / controller restart)
  update,       ///< every Service: its last port removed, a new port added
  churn,        ///< one node replaced by a new one: every pool's members change
  shared_ports, ///< Services sharing an IP shift their port numbers along their group
  remove,       ///< every Service deleted
  /// The engine's drift-repair resync (`engine::resync()`: a gateway refresh, then the
  /// Services whose objects changed out of band reconcile) with nothing changed.
  drift_repair,
  /// `externalTrafficPolicy: Local` Services: every Service's pod is rescheduled to the next
  /// node (its EndpointSlice changes), so each pool's members change once.
  churn_endpoints,
  /// The controller restarts with work pending: the engine is replaced by a new one on the
  /// same VCD, whose first lists carry the `update` change for every Service. Measures how
  /// soon a restarted engine mutates again (it adopts every existing object first) and that
  /// it is not slower afterwards.
  restart,
};

[[nodiscard]] std::string_view to_string(phase_kind k) noexcept;

struct port_def {
  std::string name; ///< "p0", "p1", ...; a new name for a port added by `update`
  int port = 0;
  int node_port = 0;

  friend bool operator==(const port_def&, const port_def&) = default;
};

struct service_def {
  std::string ns = "bench";
  std::string name; ///< "svc-00000"
  std::vector<port_def> ports;
  /// Services with the same non-empty key share one external IP (their ports are disjoint).
  std::string sharing_key;
  /// `externalTrafficPolicy: Local`; its one EndpointSlice has a ready endpoint on each of
  /// `endpoint_nodes` (node names).
  bool local = false;
  std::vector<std::string> endpoint_nodes;

  friend bool operator==(const service_def&, const service_def&) = default;
};

struct node_def {
  std::string name;
  std::string ip;

  friend bool operator==(const node_def&, const node_def&) = default;
};

struct cluster_state {
  std::vector<service_def> services;
  std::vector<node_def> nodes;
};

struct workload_options {
  int services = 10;
  int ports = 2;
  int nodes = 3;
  /// Services per shared IP in the shared-ports scenario (at least 2).
  int share_group = 4;
};

/// A named scenario: the phases it runs, in order, and which of them are measured (the
/// others only set the cluster up).
struct scenario_plan {
  std::string name;
  struct step {
    phase_kind kind;
    bool measured;
  };
  std::vector<step> steps;
  bool shared = false; ///< Services are created in sharing groups
  bool local = false;  ///< Services are `externalTrafficPolicy: Local` (make_local)
};

/// "create", "update", "churn", "shared-ports", "delete", "resync", "drift-repair",
/// "churn-endpoints", or "all" (every phase but shared-ports and churn-endpoints, each measured,
/// on one cluster: create, resync, update, churn, delete).
[[nodiscard]] std::optional<scenario_plan> plan_for(std::string_view name);
/// The names `plan_for` knows.
[[nodiscard]] std::vector<std::string> scenario_names();

/// N Services of P ports (port 8000+i, node ports unique from 30000) and `nodes` worker
/// nodes 10.0.<i/250>.<i%250+10>. With `shared`, consecutive groups of `share_group`
/// Services share a key and use disjoint port numbers.
[[nodiscard]] cluster_state initial_state(const workload_options& o, bool shared);

/// Makes every Service `externalTrafficPolicy: Local` with its pod on node i % nodes.
void make_local(cluster_state& s);

/// The cluster after phase `k` (`generation` keeps new names and numbers unique when a phase
/// runs more than once). `create` and `resync` return `before` unchanged; `remove` returns no
/// Services.
[[nodiscard]] cluster_state apply_phase(phase_kind k, const cluster_state& before, int generation);

} // namespace vcdlb::bench
