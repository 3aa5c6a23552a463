#pragma once

/// @file engine/engine.hpp
/// @brief vcdlb's reconcile engine as a library: the public API that `vcdlb controller`,
/// `vcdlb demo`, `vcdlb bench` and embedding control planes all use.
///
/// Usage:
/// @code
///   vcdlb::engine_options opts;
///   opts.config = cfg;                         // the effective vcloud-ccm-config.yaml
///   opts.vcd = vcd_client;                     // vcd::beast_client, or a fake
///   opts.sink = std::make_shared<my_sink>();   // status + Events go here
///   auto eng = vcdlb::engine::start(sys, std::move(opts));
///   eng->replace_endpoint_slices(all_slices);  // full lists first (slices optional) ...
///   eng->replace_nodes(all_nodes);
///   eng->replace_services(all_services);       // ... the first one seeds the IP pool
///   eng->upsert_service(changed);              // then changes as they happen
///   ...
///   eng->stop();
/// @endcode
///
/// `start` returns at once; discovery (login, the load-balancer network's edge gateway, its
/// address space, the objects already on it) runs in the background and is retried with
/// backoff while VCD is unreachable. Nothing is allocated or mutated before the first full
/// Service list arrived and the IP pool was rebuilt from it and from the gateway's objects, so
/// existing load balancers keep their IPs across restarts. Inputs given earlier are kept and
/// applied then.
///
/// Thread-safety: every member may be called from any thread; the feeding members only
/// enqueue a message and never block. `stats` and `stop` block the caller (not for use from an
/// actor). The engine owns its actors; the actor system must outlive it.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/engine_observer.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/rde/rde_actor.hpp"
#include "actors/vcd_status.hpp"
#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/expected.hpp"
#include "config/config.hpp"
#include "engine/status_sink.hpp"
#include "protocol/messages.hpp"

namespace vcdlb {

/// Where the engine stands.
enum class engine_phase : uint8_t {
  discovering, ///< finding the gateway (retrying while VCD is unreachable)
  seeding,     ///< gateway known; waiting for the first full Service list
  running,     ///< reconciling
  failed,      ///< discovery hit an error retrying cannot fix (see `last_error`)
  stopped,
};

[[nodiscard]] std::string_view to_string(engine_phase p) noexcept;

struct engine_options {
  config::cloud_config config;
  std::shared_ptr<vcd::client> vcd;
  std::shared_ptr<status_sink> sink;

  /// Gateway pacing; unset = derived from `config.vcdlb` (qps, burst, task polling).
  std::optional<gateway_settings> gateway;
  /// Quiet time before node changes are published to the Services.
  caf::timespan node_debounce = std::chrono::seconds{1};
  /// Discovery retries back off from `retry_base` doubling to `retry_max`.
  caf::timespan retry_base = std::chrono::seconds{1};
  caf::timespan retry_max = std::chrono::seconds{60};
  /// Drift repair: how often the gateway's objects are re-listed and every Service
  /// reconciled against them (0 = only when `resync()` is called).
  caf::timespan resync_interval = std::chrono::minutes{10};
  /// Per-Service failure backoff (DESIGN.md: 5 s doubling to 300 s).
  caf::timespan backoff_base = std::chrono::seconds{5};
  caf::timespan backoff_max = std::chrono::seconds{300};
  /// How status writes are queued and retried (status_sink.hpp).
  status_write_options status_writes;
  /// Told what the actors do (metrics: `metrics_observer`); may be null.
  std::shared_ptr<engine_observer> observer;
  /// Whether VCD answers (the controller's VCD health); null: assumed to answer. Service
  /// actors whose work waits while it does not get a Warning Event.
  std::shared_ptr<const vcd_status> vcd_health;
  /// How often pool usage, managed Services and mailbox depths are sampled for the observer.
  caf::timespan sample_interval = std::chrono::seconds{5};
  /// Called (from an actor thread, must not block) whenever the phase changes; `detail` is
  /// the reason for `failed` and the last transient error while `discovering`.
  std::function<void(engine_phase, const std::string& detail)> on_phase;
  /// CAPVCD clusters (`config.cluster_id` a capvcdCluster URN): how `status.cpi` of the
  /// cluster's RDE is batched and retried (actors/rde/rde_actor.hpp). Other cluster ids: no RDE
  /// work at all.
  rde_settings rde;
  /// If set, the RDE writer counts its writes, 412 conflicts and failures here (bench, tests).
  std::shared_ptr<rde_counters> rde_stats;
};

/// A point-in-time view for probes, tests and the bench.
struct engine_stats {
  engine_phase phase = engine_phase::discovering;
  uint64_t service_actors = 0; ///< live service actors
  pool_stats pool;
  std::string gateway_id;
  std::string api_version;
};

class engine {
public:
  /// Spawns the engine's actors in `sys` and starts discovery. Fails only on unusable options
  /// (no client or sink: config_errc::invalid_value).
  [[nodiscard]] static caf::expected<std::unique_ptr<engine>> start(caf::actor_system& sys,
                                                                    engine_options opts);

  /// Stops the engine (see `stop`).
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // -- Services -------------------------------------------------------------------------------

  /// Every Service that exists now, of every type (initial list, relist). The first call seeds
  /// the IP pool; later calls also remove Services that are no longer listed. Each call also
  /// sweeps the gateway: objects of this cluster that belong to none of these Services (left
  /// behind while no controller ran) are removed and their IPs freed.
  void replace_services(std::vector<service_spec> all);
  /// A Service was added or changed.
  void upsert_service(service_spec spec);
  /// A Service is gone from the API (deleted with no finalizer left).
  void delete_service(service_key key);

  /// Re-list the gateway's objects now and reconcile every Service against them (repairs
  /// objects deleted or edited out of band; also runs every `resync_interval`).
  void resync();

  // -- Nodes ----------------------------------------------------------------------------------

  /// Every Node that exists now; pools are filled only after the first call.
  void replace_nodes(std::vector<node_description> all);
  void upsert_node(node_description node);
  void delete_node(std::string name);

  // -- EndpointSlices -------------------------------------------------------------------------

  /// Every EndpointSlice that exists now (initial list, relist). Until the first call, Services
  /// with `externalTrafficPolicy: Local` get every eligible node like `Cluster` ones; after it,
  /// only the nodes with a ready endpoint of theirs (node_set.hpp). Feed it before the first
  /// `replace_nodes` so Local pools are created with their final members.
  void replace_endpoint_slices(std::vector<endpoint_slice_info> all);
  void upsert_endpoint_slice(endpoint_slice_info slice);
  void delete_endpoint_slice(endpoint_slice_info slice);

  // -- State ----------------------------------------------------------------------------------

  /// The phase, readable without blocking (for readiness probes).
  [[nodiscard]] engine_phase phase() const noexcept { return shared_->phase.load(); }
  /// Asks the actors; blocks up to `timeout`.
  [[nodiscard]] caf::expected<engine_stats>
  stats(std::chrono::milliseconds timeout = std::chrono::seconds{5}) const;

  /// Stops reconciling: no new VCD mutation starts; the gateway finishes the task in flight
  /// (bounded by `grace`), then every actor exits. Once it returns (within `grace`), no engine
  /// actor holds the VCD client or the sink any more, so their owners may go. Idempotent.
  /// Whatever was not finished is picked up by the next start (state is rebuilt from VCD and
  /// the Services).
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{30});

  /// The engine's core actor (for tests and for monitoring by the embedder).
  [[nodiscard]] const caf::actor& core() const noexcept { return core_; }

  /// What the core actor and the facade share.
  struct shared_state {
    std::atomic<engine_phase> phase{engine_phase::discovering};
    std::mutex mutex; ///< guards the strings below
    std::string detail;
    std::string gateway_id;
    std::string api_version;
  };

private:
  engine(caf::actor_system& sys, caf::actor core, std::shared_ptr<shared_state> shared);

  caf::actor_system& sys_;
  caf::actor core_;
  std::shared_ptr<shared_state> shared_;
  bool stopped_ = false;
};

} // namespace vcdlb
