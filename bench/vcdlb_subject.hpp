#pragma once

/// @file bench/vcdlb_subject.hpp
/// @brief vcdlb's engine as a bench subject. The bench plays the Kubernetes side: it feeds the
/// engine full and changed Service lists and node lists, and its status sink applies status
/// writes to its own Service table as the API server would (finalizer + ingress), echoes each
/// change back like a watch event, and deletes a Service once its finalizer is gone.
///
/// A Service has converged when the engine reports the end of its plan: the Event
/// `EnsuredLoadBalancer` (create, update, node churn, port edits; for a create the status write
/// with its IP comes first) or `DeletedLoadBalancer` (delete). A resync of unchanged Services
/// has no plan to finish: it has converged once VCD saw no request for a quiet period, and its
/// time is that of the last request it caused; it ends once VCD saw no request and the process
/// used (almost) no CPU for the quiet period, so the phase's CPU figure holds all the work the
/// resync caused. (The engine's periodic drift-repair resync runs on its own, at its interval
/// scaled like every other, unless `periodic_resync` is off.)
///
/// Adoption (`adopted` set): the objects are on the VCD side before the engine starts, and in
/// the first create the Services arrive with their finalizer and IP, as after a controller
/// restart. That create has converged once the engine ran a successful reconcile per
/// Service, none is running, and VCD has been quiet for the quiet period.
///
/// Thread-safety: driven by one thread; the sink is called from the engine's actor threads.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "adapters/vcd/client.hpp"
#include "bench/subject.hpp"
#include "config/config.hpp"
#include "engine/engine.hpp"
#include "protocol/service.hpp"

namespace vcdlb::bench {

struct vcdlb_subject_options {
  config::cloud_config config;         ///< mode, network, one-arm range, cluster id
  std::shared_ptr<vcd::client> client; ///< beast_client to the simulator, or a fake
  std::string name = "vcdlb";
  int worker_threads = 2;  ///< CAF scheduler threads
  double time_scale = 1.0; ///< applied to the engine's intervals (see runner.hpp)
  /// When set: the first task poll's delay (and the shortest poll interval), not scaled.
  std::optional<std::chrono::milliseconds> first_poll;
  /// Requests the client has sent so far (for the resync quiet period).
  std::function<uint64_t()> request_total;
  std::chrono::milliseconds quiet{200}; ///< resync: no request for this long = settled
  /// The engine's periodic resync (its interval scaled by time_scale); off = only on request.
  bool periodic_resync = true;
  /// Adoption: every Service's IP, its objects already on the VCD side (bench/adopt.hpp).
  std::optional<std::map<service_key, std::string>> adopted;
};

/// The engine options for `cfg` with every interval of the engine and its gateway scaled by
/// `scale` (the bench's time scaling, runner.hpp) and the VCD rate raised to match; the caller
/// sets client, sink and the rest.
[[nodiscard]] engine_options scaled_engine_options(const config::cloud_config& cfg, double scale);

class vcdlb_subject final : public subject {
public:
  /// Starts an actor system and the engine; fails when the engine cannot start.
  [[nodiscard]] static caf::expected<std::unique_ptr<vcdlb_subject>>
  make(vcdlb_subject_options opts);
  ~vcdlb_subject() override;

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] bool supports(phase_kind) const override { return true; }
  [[nodiscard]] caf::expected<phase_outcome>
  run_phase(phase_kind k, const cluster_state& before, const cluster_state& after,
            std::chrono::steady_clock::time_point deadline,
            std::atomic<uint64_t>& converged) override;

  struct impl;

private:
  explicit vcdlb_subject(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The bench's config for `mode`: the simulator's org, VDC, network and cluster RDE, one-arm
/// range 192.168.0.2-192.168.255.254 in modes A/B, and vcdlb's pacing from the arguments
/// (unscaled, as a configuration file would hold them).
[[nodiscard]] config::cloud_config bench_config(config::lb_mode mode, const std::string& vcd_url,
                                                const std::string& cluster_id, double qps,
                                                int burst);

} // namespace vcdlb::bench
