#pragma once

/// @file controller/controller.hpp
/// @brief `vcdlb controller` as a library: the reconcile engine wired to the Kubernetes API
/// (Service and Node informers, status and Events, Lease leader election) and to VCD, with
/// the operations endpoint (`/healthz`, `/readyz`, `/metrics`).
///
/// Lifecycle:
/// - `start` builds everything and returns at once. Informers list+watch immediately (also on
///   standbys, so a new leader starts with a warm cache); the API server and VCD are retried
///   in the background with backoff while unreachable (`/readyz` fails meanwhile).
/// - With leader election the engine starts only while this process leads. Losing leadership
///   stops the engine and makes `wait()` return 1 (client-go/CCM behaviour: exit and let
///   Kubernetes restart the pod). Without it the engine starts at once.
/// - `stop` (or SIGTERM/SIGINT after `install_signal_handlers`): the engine stops (no new VCD
///   mutation; the task in flight finishes within the grace period), the Lease is released so
///   a standby takes over at once, the informers and the endpoint stop.
///
/// Thread-safety: every member may be called from any thread except `stop`/`wait`/the
/// destructor, which block and must not run on an actor or I/O thread of the controller.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "config/load.hpp"
#include "config/zones.hpp"
#include "engine/engine.hpp"

namespace vcdlb {

struct controller_options {
  config::loaded_config loaded; ///< config + credentials, from config::load_all
  std::string kubeconfig;       ///< "" = client-go's order ($KUBECONFIG, in-cluster, ~/.kube)
  std::string kube_context;     ///< "" = current context
  bool leader_elect = true;     ///< lease settings from loaded.config.vcdlb.leader_election
  std::string identity;         ///< lease holder identity; "" = kube::default_identity()
  std::string metrics_address;  ///< host:port for /healthz /readyz /metrics; "" = off
  /// How often informer restarts are sampled for /metrics and relists are checked for (the
  /// engine reports its own gauges through `metrics_observer`).
  std::chrono::milliseconds stats_period{std::chrono::seconds{5}};
  /// Engine grace period when leadership is lost (the new leader may already be acting).
  std::chrono::milliseconds lost_leadership_grace{std::chrono::seconds{5}};
  /// Kubernetes client pacing (cloud-controller-manager's --kube-api-qps/--kube-api-burst).
  double kube_qps = 20.0;
  int kube_burst = 30;
  /// The controllers to run (`--controllers`, cloud-controller-manager's names): `service`
  /// (load balancers), `cloud-node` and `cloud-node-lifecycle` (the node duties,
  /// actors/node_actor.hpp). Like the engine they run only while this process leads.
  bool run_service = true;
  bool run_cloud_node = true;
  bool run_cloud_node_lifecycle = true;
  /// Upstream's zones file (config/zones.hpp); read at start when vcd.isZoneEnabledCluster.
  std::string zones_file{config::default_zones_file};
  /// How often the node duties read the cluster's VMs, and the least time between two reads
  /// asked for by Nodes whose VM is not known yet (actors/vm_inventory_actor.hpp).
  std::chrono::milliseconds vm_read_period{std::chrono::minutes{1}};
  std::chrono::milliseconds vm_read_min_interval{std::chrono::seconds{10}};
};

class controller {
public:
  /// Owns its actor system, I/O threads, informers, elector, engine and ops server. Fails only
  /// for unusable options (bad kubeconfig, unbindable metrics address, bad VCD URL or CA,
  /// invalid lease timings), with an error that says what is wrong.
  [[nodiscard]] static caf::expected<std::unique_ptr<controller>> start(controller_options opts);

  /// `stop()`.
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  /// What `/readyz` says: informers synced, and either standing by or the engine running.
  [[nodiscard]] bool ready() const;
  /// True while this process holds the Lease (always true without leader election, until
  /// stopped).
  [[nodiscard]] bool leading() const;
  /// The engine's phase; `discovering` before the engine started (standby), `stopped` after.
  [[nodiscard]] engine_phase phase() const;
  /// The engine's statistics; an error when the engine is not running here.
  [[nodiscard]] caf::expected<engine_stats>
  stats(std::chrono::milliseconds timeout = std::chrono::seconds{5}) const;
  /// The bound port of the ops endpoint, 0 when off.
  [[nodiscard]] uint16_t metrics_port() const;
  /// "http://127.0.0.1:PORT", or "" when off.
  [[nodiscard]] std::string metrics_url() const;
  /// The lease holder identity this process campaigns with.
  [[nodiscard]] const std::string& identity() const;

  /// Makes SIGTERM and SIGINT end `wait()` with 0 (the caller then calls `stop`).
  void install_signal_handlers();

  /// Graceful, idempotent; see the file comment.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{30});

  /// Blocks until `stop()` was called, a signal arrived (after `install_signal_handlers`),
  /// leadership was lost or the engine failed; returns the exit code (0 = clean stop, 1 =
  /// lost leadership or failed engine).
  int wait();

  struct impl;

private:
  explicit controller(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace vcdlb
