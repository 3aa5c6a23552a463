#include "controller/controller.hpp"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "actors/node_actor.hpp"
#include "actors/vm_inventory_actor.hpp"
#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/beast_client.hpp"
#include "adapters/kube/convert.hpp"
#include "adapters/kube/event_recorder.hpp"
#include "adapters/kube/informer.hpp"
#include "adapters/kube/kubeconfig.hpp"
#include "adapters/kube/leader_elector.hpp"
#include "adapters/kube/service_writer.hpp"
#include "adapters/kube/timer.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"
#include "controller/detail/fenced_vcd_client.hpp"
#include "controller/detail/kube_request_metrics.hpp"
#include "controller/detail/metered_vcd_client.hpp"
#include "controller/detail/node_duties_metrics.hpp"
#include "controller/kube_status_sink.hpp"
#include "engine/metrics_observer.hpp"
#include "protocol/errors.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/health.hpp"
#include "runtime/metrics.hpp"
#include "runtime/ops_server.hpp"
#include "runtime/shutdown_signal.hpp"
#include "runtime/vcdlb_metrics.hpp"

#ifndef VCDLB_VERSION
#define VCDLB_VERSION "unknown"
#endif

namespace vcdlb {

namespace {

enum class control_event : uint8_t { became_leader, lost_leader, engine_failed };

std::string event_host() {
  // The Deployment passes the pod name; Events then name the replica that wrote them.
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0')
    return pod;
  return {};
}

} // namespace

struct controller::impl {
  controller_options opts;
  std::string identity;
  std::string lease_name;

  // Declaration order is destruction order in reverse: the actor system is destroyed last,
  // after the I/O threads were joined (caf-and-style.md A.7).
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  asio_bridge::io_runner io{"vcdlb-io", 2};
  std::unique_ptr<kube::asio_timer_queue> timers;

  std::shared_ptr<runtime::metrics::registry> registry;
  std::shared_ptr<const runtime::vcdlb_metrics> metrics;
  std::shared_ptr<metrics_observer> observer; ///< the engine's metrics; kept across engines
  std::shared_ptr<detail::node_duties_metrics> node_metrics; ///< the node duties' metrics
  std::shared_ptr<vcd_status> vcd_state; ///< fed by the VCD client's health; ditto
  std::shared_ptr<runtime::health> checks;
  std::unique_ptr<runtime::ops_server> ops;

  std::shared_ptr<kube::beast_client> kube;
  /// The Lease's own client: renewals must not wait behind status and Event writes in the
  /// main client's rate limiter (a burst of Services would otherwise cost the lease).
  std::shared_ptr<kube::beast_client> election_kube;
  /// Events' own client and token bucket: a wave's Events (one or two per Service) must not
  /// delay the status writes that carry the Services' IPs.
  std::shared_ptr<kube::beast_client> events_kube;
  std::shared_ptr<vcd::client> vcd;
  std::shared_ptr<vcd::beast_client> vcd_transport; ///< under `vcd`'s decorators; for shutdown
  std::shared_ptr<vcd::vm_client> vms;              ///< the legacy API reads of the node duties
  std::shared_ptr<kube::service_writer> writer;
  std::shared_ptr<kube::event_recorder> recorder;
  std::shared_ptr<kube_status_sink> sink;
  std::shared_ptr<kube::service_informer> services;
  std::shared_ptr<kube::node_informer> nodes;
  /// For `externalTrafficPolicy: Local` pools: where each Service has ready endpoints.
  std::shared_ptr<kube::endpoint_slice_informer> slices;
  caf::actor elector;
  std::unique_ptr<runtime::shutdown_signal> signals;

  // -- feeding: the informers' view, and the engine while this process leads ------------------
  mutable std::mutex feed_mtx;
  std::map<std::string, service_spec> service_specs; ///< by "ns/name"
  std::map<std::string, node_description> node_descs;
  std::map<std::string, endpoint_slice_info> slice_infos; ///< by "ns/name" of the slice
  bool services_synced = false;
  bool nodes_synced = false;
  bool slices_synced = false;
  std::shared_ptr<engine> eng; ///< guarded by feed_mtx; shared so stats() can call it unlocked
  /// The node duties (guarded by feed_mtx): the Nodes as the informer has them, and the actors
  /// while this process leads.
  std::map<std::string, kube::node_snapshot> node_snaps;
  caf::actor vm_inventory;
  caf::actor node_duties;
  std::string engine_detail; ///< last phase detail, guarded by feed_mtx

  // -- control: leadership changes and stop, handled on the control thread --------------------
  std::mutex ctl_mtx;
  std::condition_variable ctl_cv;
  std::deque<control_event> events;
  bool quit = false;
  bool stopped = false; ///< stop() ran (or is running)
  std::atomic<bool> stopping{false};
  std::atomic<bool> is_leading{false};
  std::thread control;

  // -- wait() --------------------------------------------------------------------------------
  std::mutex wait_mtx;
  std::condition_variable wait_cv;
  bool finished = false;
  int exit_code = 0;

  // -- sampled metrics state (control thread only) ---------------------------------------------
  kube::informer_stats last_service_stats;
  kube::informer_stats last_node_stats;
  kube::informer_stats last_slice_stats;
  uint64_t services_lists_fed = 0;

  void finish(int code) {
    std::lock_guard g{wait_mtx};
    if (!finished) {
      finished = true;
      exit_code = code;
    }
    wait_cv.notify_all();
  }

  void post(control_event ev) {
    std::lock_guard g{ctl_mtx};
    events.push_back(ev);
    ctl_cv.notify_all();
  }

  // -- informer handlers (called with the informer's lock held; never block) -------------------

  void on_service(const kube::delta<kube::service_snapshot>& d) {
    std::lock_guard g{feed_mtx};
    switch (d.type) {
    case kube::delta_type::added:
    case kube::delta_type::updated:
    case kube::delta_type::resync: {
      auto spec = kube::to_service_spec(d.object);
      service_specs[kube::object_key(d.object)] = spec;
      if (eng && services_synced)
        eng->upsert_service(std::move(spec));
      break;
    }
    case kube::delta_type::deleted:
      service_specs.erase(kube::object_key(d.object));
      if (eng && services_synced)
        eng->delete_service(kube::to_engine_key(d.object.key()));
      break;
    case kube::delta_type::synced:
      services_synced = true;
      spdlog::info("controller: Service informer synced ({} Services)", service_specs.size());
      if (eng)
        eng->replace_services(all_services());
      break;
    }
  }

  bool node_duties_enabled() const { return opts.run_cloud_node || opts.run_cloud_node_lifecycle; }

  void on_node(const kube::delta<kube::node_snapshot>& d) {
    std::lock_guard g{feed_mtx};
    if (node_duties_enabled()) {
      if (d.type == kube::delta_type::deleted)
        node_snaps.erase(d.object.name);
      else if (d.type != kube::delta_type::synced)
        node_snaps[d.object.name] = d.object;
      if (node_duties && d.type != kube::delta_type::synced)
        node_changed(node_duties, d.object, d.type == kube::delta_type::deleted);
    }
    switch (d.type) {
    case kube::delta_type::added:
    case kube::delta_type::updated:
    case kube::delta_type::resync: {
      auto desc = kube::to_node_description(d.object);
      node_descs[d.object.name] = desc;
      if (eng && nodes_synced)
        eng->upsert_node(std::move(desc));
      break;
    }
    case kube::delta_type::deleted:
      node_descs.erase(d.object.name);
      if (eng && nodes_synced)
        eng->delete_node(d.object.name);
      break;
    case kube::delta_type::synced:
      nodes_synced = true;
      spdlog::info("controller: Node informer synced ({} Nodes)", node_descs.size());
      if (eng)
        eng->replace_nodes(all_nodes());
      break;
    }
  }

  void on_slice(const kube::delta<kube::endpoint_slice_snapshot>& d) {
    if (d.type != kube::delta_type::synced && d.object.service_name.empty())
      return; // not a Service's slice (no kubernetes.io/service-name label)
    std::lock_guard g{feed_mtx};
    switch (d.type) {
    case kube::delta_type::added:
    case kube::delta_type::updated:
    case kube::delta_type::resync: {
      auto info = kube::to_endpoint_slice_info(d.object);
      auto& slot = slice_infos[kube::object_key(d.object)];
      if (slot == info)
        return; // an address or port changed, not where the ready endpoints run
      slot = info;
      if (eng && slices_synced)
        eng->upsert_endpoint_slice(std::move(info));
      break;
    }
    case kube::delta_type::deleted: {
      auto i = slice_infos.find(kube::object_key(d.object));
      if (i == slice_infos.end())
        return;
      if (eng && slices_synced)
        eng->delete_endpoint_slice(std::move(i->second));
      slice_infos.erase(i);
      break;
    }
    case kube::delta_type::synced:
      slices_synced = true;
      spdlog::info("controller: EndpointSlice informer synced ({} slices)", slice_infos.size());
      if (eng)
        eng->replace_endpoint_slices(all_slices());
      break;
    }
  }

  std::vector<endpoint_slice_info> all_slices() const {
    std::vector<endpoint_slice_info> out;
    out.reserve(slice_infos.size());
    for (const auto& [_, s] : slice_infos)
      out.push_back(s);
    return out;
  }

  std::vector<service_spec> all_services() const {
    std::vector<service_spec> out;
    out.reserve(service_specs.size());
    for (const auto& [_, s] : service_specs)
      out.push_back(s);
    return out;
  }

  std::vector<node_description> all_nodes() const {
    std::vector<node_description> out;
    out.reserve(node_descs.size());
    for (const auto& [_, n] : node_descs)
      out.push_back(n);
    return out;
  }

  // -- leadership -----------------------------------------------------------------------------

  void on_leading(bool leading) {
    is_leading = leading;
    metrics->leader_election_master_status.with(lease_name)->set(leading ? 1 : 0);
    if (stopping)
      return;
    spdlog::info("controller: {} the lease {}/{} as {}", leading ? "acquired" : "lost",
                 opts.loaded.config.vcdlb.leader_election.lease_namespace, lease_name, identity);
    post(leading ? control_event::became_leader : control_event::lost_leader);
  }

  void start_node_duties() {
    std::lock_guard g{feed_mtx};
    if (!node_duties_enabled() || node_duties)
      return;
    const auto& cfg = opts.loaded.config;
    vm_inventory_args ia;
    ia.client = vms;
    ia.settings.vapp_name = cfg.vapp_name;
    ia.settings.zones_enabled = cfg.vcd.is_zone_enabled_cluster;
    ia.settings.period = opts.vm_read_period;
    ia.settings.min_interval = opts.vm_read_min_interval;
    ia.settings.retry = std::min<caf::timespan>(ia.settings.retry, opts.vm_read_period);
    ia.observer = node_metrics;
    vm_inventory = sys->spawn(vm_inventory_behavior, std::move(ia));
    node_actor_args na;
    na.kube = kube;
    na.inventory = vm_inventory;
    na.vapp_name = cfg.vapp_name;
    na.settings.cluster_network = cfg.loadbalancer.network;
    na.settings.zones_enabled = cfg.vcd.is_zone_enabled_cluster;
    if (na.settings.zones_enabled) {
      // Read once at start, as upstream; a bad file is reported on each Node it stops.
      na.settings.zones = config::load_zones(opts.zones_file);
      if (!na.settings.zones)
        spdlog::error("controller: zones file: {}", describe(na.settings.zones.error()));
    }
    na.cloud_node = opts.run_cloud_node;
    na.lifecycle = opts.run_cloud_node_lifecycle;
    na.observer = node_metrics;
    na.events = [rec = recorder](const kube::node_snapshot& n, const std::string& type,
                                 const std::string& reason, const std::string& message) {
      kube::object_reference ref;
      ref.kind = "Node";
      ref.name = n.name;
      ref.uid = n.uid;
      ref.resource_version = n.resource_version;
      rec->record(ref, type == "Warning" ? kube::event_type::warning : kube::event_type::normal,
                  reason, message);
    };
    node_duties = sys->spawn(node_actor_behavior, std::move(na));
    for (const auto& [_, n] : node_snaps)
      node_changed(node_duties, n, false);
    spdlog::info("controller: node duties started ({}{}{}); vApp {}",
                 opts.run_cloud_node ? "cloud-node" : "",
                 opts.run_cloud_node && opts.run_cloud_node_lifecycle ? ", " : "",
                 opts.run_cloud_node_lifecycle ? "cloud-node-lifecycle" : "", cfg.vapp_name);
  }

  void stop_node_duties() {
    std::lock_guard g{feed_mtx};
    for (auto* a : {&node_duties, &vm_inventory})
      if (*a) {
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
        *a = nullptr;
      }
  }

  void start_engine() {
    start_node_duties();
    if (!opts.run_service)
      return;
    {
      std::lock_guard g{feed_mtx};
      if (eng)
        return;
    }
    engine_options eo;
    eo.config = opts.loaded.config;
    eo.vcd = vcd;
    eo.sink = sink;
    eo.observer = observer;
    eo.vcd_health = vcd_state;
    eo.on_phase = [this](engine_phase p, const std::string& detail) {
      {
        std::lock_guard g{feed_mtx};
        engine_detail = detail;
      }
      if (p == engine_phase::failed) {
        spdlog::error("controller: the engine failed: {}", detail);
        post(control_event::engine_failed);
      } else if (!detail.empty()) {
        spdlog::warn("controller: engine {}: {}", to_string(p), detail);
      } else {
        spdlog::info("controller: engine {}", to_string(p));
      }
    };
    // Read before taking feed_mtx: the informer calls our handlers with its own lock held.
    auto lists = services->stats().lists;
    auto started = engine::start(*sys, std::move(eo));
    if (!started) {
      // Only unusable options fail here (no client or sink), which start() rules out.
      spdlog::error("controller: cannot start the engine: {}", describe(started.error()));
      finish(1);
      return;
    }
    std::lock_guard g{feed_mtx};
    eng = std::move(*started);
    if (slices_synced) // before the nodes: Local pools are then made with their final members
      eng->replace_endpoint_slices(all_slices());
    if (nodes_synced)
      eng->replace_nodes(all_nodes());
    if (services_synced) {
      eng->replace_services(all_services());
      services_lists_fed = lists;
    }
    spdlog::info("controller: engine started");
  }

  std::shared_ptr<engine> take_engine() {
    std::lock_guard g{feed_mtx};
    return std::move(eng);
  }

  void stop_engine(std::chrono::milliseconds grace) {
    stop_node_duties();
    if (auto e = take_engine()) {
      spdlog::info("controller: stopping the engine (grace {} ms)", grace.count());
      e->stop(grace);
      metrics->managed_services.with()->set(0);
    }
  }

  // -- control thread -------------------------------------------------------------------------

  void run_control() {
    std::unique_lock lk{ctl_mtx};
    while (!quit) {
      ctl_cv.wait_for(lk, opts.stats_period, [this] { return quit || !events.empty(); });
      if (quit)
        break;
      auto todo = std::move(events);
      events.clear();
      lk.unlock();
      for (auto ev : todo)
        handle(ev);
      sample();
      lk.lock();
    }
  }

  bool is_finished() {
    std::lock_guard g{wait_mtx};
    return finished;
  }

  void handle(control_event ev) {
    switch (ev) {
    case control_event::became_leader:
      // After a lost leadership the process is on its way out; do not start again.
      if (!is_finished() && is_leading)
        start_engine();
      break;
    case control_event::lost_leader:
      if (is_leading)
        break; // reacquired meanwhile (an old notification)
      if (opts.leader_elect && !is_finished()) {
        spdlog::error("controller: leadership lost; stopping the engine and exiting so the "
                      "replica restarts as a standby");
        stop_engine(opts.lost_leadership_grace);
        finish(1);
      }
      break;
    case control_event::engine_failed:
      stop_engine(opts.lost_leadership_grace);
      finish(1);
      break;
    }
  }

  /// Samples what is not counted where it happens (informer restarts; the engine reports its
  /// own gauges through the observer) and hands relists to the engine.
  void sample() {
    auto watch_restarts = [this](const char* resource, const kube::informer_stats& now,
                                 kube::informer_stats& last) {
      auto gone = now.relists_after_gone - last.relists_after_gone;
      auto errors = now.errors - last.errors;
      // Every watch after the first is a restart; those not explained by a 410 or an error
      // followed a clean end of the stream (timeoutSeconds, server shutdown).
      uint64_t restarts_now = now.watches > 0 ? now.watches - 1 : 0;
      uint64_t restarts_last = last.watches > 0 ? last.watches - 1 : 0;
      auto restarts = restarts_now - restarts_last;
      auto closed = restarts > gone + errors ? restarts - gone - errors : 0;
      if (gone > 0)
        metrics->kube_watch_restarts_total.with(resource, "gone")->inc(static_cast<double>(gone));
      if (errors > 0)
        metrics->kube_watch_restarts_total.with(resource, "error")
          ->inc(static_cast<double>(errors));
      if (closed > 0)
        metrics->kube_watch_restarts_total.with(resource, "closed")
          ->inc(static_cast<double>(closed));
      last = now;
    };
    watch_restarts("services", services->stats(), last_service_stats);
    watch_restarts("nodes", nodes->stats(), last_node_stats);
    watch_restarts("endpointslices", slices->stats(), last_slice_stats);

    auto lists = services->stats().lists; // before feed_mtx: the informer locks the other way
    std::lock_guard g{feed_mtx};
    // A relist (after 410 Gone) delivered its diff already; handing the engine the full list
    // as well makes it drop Services it still knows but the API no longer has (and sweep).
    if (eng && services_synced && lists != services_lists_fed) {
      services_lists_fed = lists;
      eng->replace_services(all_services());
    }
  }

  // -- readiness ------------------------------------------------------------------------------

  std::optional<std::string> readiness() const {
    bool s = services->has_synced();
    bool n = nodes->has_synced();
    bool e = slices->has_synced();
    if (!s || !n || !e) {
      std::string why = "informers not synced:";
      if (!s)
        why += " services";
      if (!n)
        why += " nodes";
      if (!e)
        why += " endpointslices";
      return why;
    }
    if (opts.leader_elect && !is_leading)
      return std::nullopt; // a synced standby is ready to take over
    std::lock_guard g{feed_mtx};
    if (!opts.run_service)
      return node_duties ? std::nullopt : std::optional<std::string>{"node duties not started"};
    if (!eng)
      return std::string{"engine not started"};
    auto p = eng->phase();
    if (p == engine_phase::running)
      return std::nullopt;
    std::string why = "engine " + std::string{to_string(p)};
    if (!engine_detail.empty())
      why += ": " + engine_detail;
    return why;
  }
};

caf::expected<std::unique_ptr<controller>> controller::start(controller_options opts) {
  auto p = std::make_unique<impl>();
  p->opts = std::move(opts);
  auto& cfg = p->opts.loaded.config;
  p->identity = p->opts.identity.empty() ? kube::default_identity() : p->opts.identity;
  p->lease_name = cfg.vcdlb.leader_election.lease_name;

  // Everything that can be checked without the network first, so a bad option fails fast.
  auto conn = kube::load_connection_config(p->opts.kubeconfig, p->opts.kube_context);
  if (!conn)
    return conn.error();
  kube::leader_election_config le;
  if (p->opts.leader_elect) {
    le = kube::make_leader_election_config(cfg.vcdlb.leader_election, p->identity);
    if (auto err = kube::validate(le))
      return err;
  }

  p->registry = std::make_shared<runtime::metrics::registry>();
  runtime::build_info info;
  info.version = VCDLB_VERSION;
  info.compiler = fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  auto metrics = runtime::vcdlb_metrics::make(*p->registry, info);
  if (!metrics)
    return metrics.error();
  p->metrics = *metrics;
  p->observer = std::make_shared<metrics_observer>(p->metrics);
  p->node_metrics = std::make_shared<detail::node_duties_metrics>(p->metrics);
  p->metrics->leader_election_master_status.with(p->lease_name)->set(p->opts.leader_elect ? 0 : 1);
  p->checks = std::make_shared<runtime::health>();
  p->checks->add_liveness("ping", [] { return std::optional<std::string>{}; });
  auto* self = p.get();
  p->checks->add_readiness("controller", [self] { return self->readiness(); });
  auto ops =
    runtime::ops_server::start(p->io.context(), p->opts.metrics_address, p->registry, p->checks);
  if (!ops)
    return ops.error();
  p->ops = std::move(*ops);
  if (p->ops)
    spdlog::info("controller: serving /healthz, /readyz and /metrics on {}", p->ops->url());

  kube::beast_client_options ko;
  ko.connection = std::move(*conn);
  ko.qps = p->opts.kube_qps;
  ko.burst = p->opts.kube_burst;
  ko.user_agent = "vcdlb/" VCDLB_VERSION;
  ko.observer = std::make_shared<detail::kube_request_metrics>(p->metrics, ko.connection.server);
  auto source = ko.connection.source;
  kube::beast_client_options eo;
  eo.connection = ko.connection;
  eo.qps = 0; // a renewal every retry period: nothing to limit
  eo.user_agent = "vcdlb/" VCDLB_VERSION " leader-election";
  eo.observer = ko.observer;
  kube::beast_client_options vo_events;
  vo_events.connection = ko.connection;
  vo_events.qps = ko.qps;
  vo_events.burst = ko.burst;
  vo_events.user_agent = "vcdlb/" VCDLB_VERSION " events";
  vo_events.observer = ko.observer;
  auto kc = kube::beast_client::make(p->io.context(), std::move(ko));
  if (!kc)
    return kc.error();
  p->kube = std::move(*kc);
  auto ec = kube::beast_client::make(p->io.context(), std::move(eo));
  if (!ec)
    return ec.error();
  p->election_kube = std::move(*ec);
  auto evc = kube::beast_client::make(p->io.context(), std::move(vo_events));
  if (!evc)
    return evc.error();
  p->events_kube = std::move(*evc);

  auto vo = vcd::make_connection_options(cfg, p->opts.loaded.creds);
  if (p->opts.leader_elect) {
    // VCD mutations only while the lease certainly holds (lease_fence.hpp): checked when a
    // call is made (fenced_vcd_client, below) and again right before it is sent.
    le.fence = std::make_shared<kube::lease_fence>();
    vo.client.before_write = [fence = le.fence] { return detail::lease_fence_refusal(*fence); };
  }
  vo.client.on_login = [logins = p->metrics->vcd_logins_total](bool ok) {
    logins.with(ok ? "success" : "failure")->inc();
  };
  auto vc = vcd::beast_client::connect(p->io.context(), std::move(vo.http), std::move(vo.client));
  if (!vc)
    return vc.error();
  p->vcd_transport = *vc;
  p->vcd_state = std::make_shared<vcd_status>();
  auto health = std::make_shared<detail::vcd_health>(p->metrics, p->vcd_state);
  p->vms = std::make_shared<detail::metered_vm_client>(*vc, p->metrics, health);
  p->vcd = std::make_shared<detail::metered_vcd_client>(std::move(*vc), p->metrics, health);
  if (p->opts.leader_elect)
    p->vcd = std::make_shared<detail::fenced_vcd_client>(std::move(p->vcd), le.fence);

  runtime::configure_actor_system(p->sys_cfg, cfg.vcdlb.worker_threads);
  p->sys = std::make_unique<caf::actor_system>(p->sys_cfg);
  p->timers = std::make_unique<kube::asio_timer_queue>(p->io.context());

  p->writer = std::make_shared<kube::service_writer>(p->kube, *p->timers);
  kube::event_recorder_options ro;
  ro.host = event_host();
  p->recorder = std::make_shared<kube::event_recorder>(p->events_kube, *p->timers, ro);
  p->services = kube::service_informer::make(p->kube, *p->timers, {},
                                             [self](const auto& d) { self->on_service(d); });
  p->nodes =
    kube::node_informer::make(p->kube, *p->timers, {}, [self](const auto& d) { self->on_node(d); });
  p->slices = kube::endpoint_slice_informer::make(p->kube, *p->timers, {},
                                                  [self](const auto& d) { self->on_slice(d); });
  std::weak_ptr<kube::service_informer> weak_services = p->services;
  p->sink = std::make_shared<kube_status_sink>(
    p->kube, p->writer, p->recorder,
    [weak_services](const kube::service_key& key) -> std::optional<kube::service_snapshot> {
      if (auto inf = weak_services.lock())
        return inf->get(kube::to_string(key));
      return std::nullopt;
    });

  spdlog::info("controller: Kubernetes API from {}; VCD {} (org {}, network {}); identity {}",
               source, cfg.vcd.host, cfg.vcd.org, cfg.loadbalancer.network, p->identity);
  if (cfg.vcdlb.tls.insecure_skip_verify)
    spdlog::warn("controller: INSECURE: TLS certificate verification of VCD ({}) is OFF "
                 "(vcdlb.vcd.tls.insecureSkipVerify: true); anyone on the path can read the "
                 "credentials. Give vcdlb VCD's CA instead (--vcd-ca-file FILE)",
                 cfg.vcd.host);
  p->services->start();
  p->nodes->start();
  p->slices->start();
  p->control = std::thread{[self] { self->run_control(); }};

  if (p->opts.leader_elect) {
    le.on_change = [self](bool leading) { self->on_leading(leading); };
    auto el = kube::spawn_leader_elector(*p->sys, p->election_kube, std::move(le));
    if (!el) {
      // validate() passed above, so this is not expected; clean up what already runs.
      auto err = std::move(el.error());
      std::unique_ptr<controller> partial{new controller(std::move(p))};
      partial->stop(std::chrono::seconds{1});
      return err;
    }
    p->elector = std::move(*el);
    spdlog::info("controller: campaigning for lease {}/{}",
                 cfg.vcdlb.leader_election.lease_namespace, p->lease_name);
  } else {
    p->is_leading = true;
    p->post(control_event::became_leader);
  }
  return std::unique_ptr<controller>{new controller(std::move(p))};
}

controller::controller(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

controller::~controller() {
  stop();
}

bool controller::ready() const {
  return !impl_->readiness().has_value();
}

bool controller::leading() const {
  return impl_->is_leading;
}

engine_phase controller::phase() const {
  std::lock_guard g{impl_->feed_mtx};
  if (impl_->eng)
    return impl_->eng->phase();
  return impl_->stopping ? engine_phase::stopped : engine_phase::discovering;
}

caf::expected<engine_stats> controller::stats(std::chrono::milliseconds timeout) const {
  std::shared_ptr<engine> e;
  {
    // stats() blocks on the engine's actors, which may be waiting for this lock (on_phase).
    std::lock_guard g{impl_->feed_mtx};
    e = impl_->eng;
  }
  if (!e)
    return caf::make_error(lb_errc::not_leader, "the engine is not running in this process");
  return e->stats(timeout);
}

uint16_t controller::metrics_port() const {
  return impl_->ops ? impl_->ops->port() : 0;
}

std::string controller::metrics_url() const {
  return impl_->ops ? impl_->ops->url() : std::string{};
}

const std::string& controller::identity() const {
  return impl_->identity;
}

void controller::install_signal_handlers() {
  std::lock_guard g{impl_->ctl_mtx};
  if (impl_->signals || impl_->stopped)
    return;
  auto* self = impl_.get();
  impl_->signals = std::make_unique<runtime::shutdown_signal>(impl_->io.context(), [self](int sig) {
    spdlog::info("controller: signal {} received, shutting down", sig);
    self->finish(0);
  });
}

void controller::stop(std::chrono::milliseconds grace) {
  auto& p = *impl_;
  {
    std::lock_guard g{p.ctl_mtx};
    if (p.stopped)
      return;
    p.stopped = true;
    p.stopping = true;
    p.quit = true;
    p.ctl_cv.notify_all();
  }
  if (p.control.joinable())
    p.control.join();
  // 1. No new VCD mutation; the task in flight finishes within `grace`.
  p.stop_engine(grace);
  // 2. Hand the Lease over at once instead of making standbys wait for it to expire.
  if (p.elector) {
    caf::scoped_actor self{*p.sys};
    self->request(p.elector, std::chrono::seconds{5}, kube::le_stop_atom::value)
      .receive(
        [](bool released) {
          if (released)
            spdlog::info("controller: lease released");
        },
        [](const caf::error& err) {
          spdlog::warn("controller: releasing the lease failed: {}", describe(err));
        });
    p.elector = nullptr;
  }
  p.is_leading = false;
  // 3. Informers, the endpoint and the clients; then the I/O threads.
  p.services->stop();
  p.nodes->stop();
  p.slices->stop();
  if (p.signals)
    p.signals->cancel();
  if (p.ops)
    p.ops->stop();
  p.kube->shutdown();
  p.election_kube->shutdown();
  p.events_kube->shutdown();
  p.vcd_transport->shutdown();
  p.io.stop();
  // The shutdowns above were posted to their strands: run them and the cancellations they
  // cause, so no queued request keeps its client alive through its own callback.
  p.io.drain();
  // Waits until every actor is gone, so no engine callback can reach members destroyed
  // before the system would be (the system is the last member to go otherwise).
  p.sys.reset();
  p.finish(0);
  spdlog::info("controller: stopped");
}

int controller::wait() {
  auto& p = *impl_;
  std::unique_lock lk{p.wait_mtx};
  p.wait_cv.wait(lk, [&] { return p.finished; });
  return p.exit_code;
}

} // namespace vcdlb
