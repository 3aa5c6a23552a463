#include "bench/vcdlb_subject.hpp"

#include <sys/resource.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bench/adopt.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "engine/engine.hpp"
#include "engine/settings.hpp"
#include "protocol/errors.hpp"
#include "runtime/actor_system.hpp"

namespace vcdlb::bench {

namespace {

using clock = std::chrono::steady_clock;

caf::timespan scaled(caf::timespan d, double scale) {
  auto ns = static_cast<int64_t>(static_cast<double>(d.count()) * scale);
  return caf::timespan{std::max<int64_t>(ns, 1'000'000)}; // at least 1 ms
}

node_description to_node(const node_def& n) {
  node_description d;
  d.name = n.name;
  d.addresses = {{"InternalIP", n.ip}};
  return d;
}

std::vector<node_description> to_nodes(const std::vector<node_def>& nodes) {
  std::vector<node_description> out;
  for (const auto& n : nodes)
    out.push_back(to_node(n));
  return out;
}

endpoint_slice_info to_slice(const service_def& s) {
  return {{s.ns, s.name}, s.name + "-1", s.endpoint_nodes};
}

std::vector<endpoint_slice_info> to_slices(const std::vector<service_def>& services) {
  std::vector<endpoint_slice_info> out;
  for (const auto& s : services)
    if (s.local)
      out.push_back(to_slice(s));
  return out;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Counts the engine's reconciles (the adoption's convergence).
class reconcile_counter final : public engine_observer {
public:
  void reconcile_started() override { ++started_; }
  void reconcile_finished(reconcile_kind, bool ok, bool, caf::timespan) override {
    if (ok)
      ++succeeded_;
    ++finished_;
  }
  uint64_t succeeded() const { return succeeded_.load(); }
  bool idle() const { return started_.load() == finished_.load(); }

private:
  std::atomic<uint64_t> started_{0};
  std::atomic<uint64_t> finished_{0};
  std::atomic<uint64_t> succeeded_{0};
};

} // namespace

// The Kubernetes side: the Service table the API server would hold, and the convergence
// signals of the phase in progress.
class bench_sink final : public status_sink {
public:
  void attach(engine* eng) {
    std::lock_guard guard{mu_};
    engine_ = eng;
  }

  // Puts `spec` in the table, keeping the status the table holds (as an update of the spec
  // through the API does), and returns what the engine must see.
  // The status an adopted Service already carries: our finalizer and its IP.
  void set_status(const service_key& key, std::string ip) {
    std::lock_guard guard{mu_};
    auto& row = table_[key];
    row.has_finalizer = true;
    row.ingress_ips = {std::move(ip)};
  }

  service_spec apply_spec(service_spec spec) {
    std::lock_guard guard{mu_};
    auto& row = table_[spec.key];
    spec.has_finalizer = row.has_finalizer;
    spec.ingress_ips = row.ingress_ips;
    row = spec;
    return spec;
  }

  void write_status(const service_status& st, done_fn done) override {
    engine* eng = nullptr;
    std::optional<service_spec> echo;
    bool gone = false;
    {
      std::lock_guard guard{mu_};
      ++writes_;
      auto i = table_.find(st.key);
      if (i != table_.end()) {
        auto& row = i->second;
        row.has_finalizer = st.finalizer_wanted;
        row.ingress_ips = st.external_ip.empty() ? std::vector<std::string>{}
                                                 : std::vector<std::string>{st.external_ip};
        if (row.deletion_requested && !row.has_finalizer) {
          table_.erase(i);
          gone = true;
        } else {
          echo = row;
        }
      }
      eng = engine_;
    }
    done({});
    // What a watch would deliver next: the updated object, or its deletion.
    if (eng != nullptr) {
      if (gone)
        eng->delete_service(st.key);
      else if (echo)
        eng->upsert_service(std::move(*echo));
    }
  }

  void record_event(const service_event& ev) override {
    {
      std::lock_guard guard{mu_};
      ++events_;
      if (ev.type == event_type::warning)
        ++warnings_;
      // A node change alone ends on UpdatedLoadBalancer; with a pending spec change as well,
      // on EnsuredLoadBalancer: both mean the Service converged.
      bool converged =
        ev.reason == awaited_reason_
        || (awaited_reason_ == "UpdatedLoadBalancer" && ev.reason == "EnsuredLoadBalancer");
      if (!converged || !awaiting_.count(ev.key))
        return;
      if (need_ip_) {
        auto i = table_.find(ev.key);
        if (i == table_.end() || i->second.ingress_ips.empty())
          return;
      }
      awaiting_.erase(ev.key);
      done_at_[ev.key] = clock::now();
      if (counter_ != nullptr)
        ++*counter_;
    }
    cv_.notify_all();
  }

  // Starts waiting for `reason` on `keys`.
  void await(std::string reason, const std::vector<service_key>& keys, bool need_ip,
             std::atomic<uint64_t>* counter) {
    std::lock_guard guard{mu_};
    awaited_reason_ = std::move(reason);
    awaiting_ = {keys.begin(), keys.end()};
    done_at_.clear();
    need_ip_ = need_ip;
    counter_ = counter;
  }

  // Blocks until every awaited key converged or `deadline`; returns when each did.
  std::map<service_key, clock::time_point> wait(clock::time_point deadline) {
    std::unique_lock lock{mu_};
    cv_.wait_until(lock, deadline, [this] { return awaiting_.empty(); });
    awaited_reason_.clear();
    counter_ = nullptr;
    return done_at_;
  }

  void mark_deleting(const service_key& key) {
    std::lock_guard guard{mu_};
    if (auto i = table_.find(key); i != table_.end())
      i->second.deletion_requested = true;
  }

  std::vector<service_spec> rows() const {
    std::lock_guard guard{mu_};
    std::vector<service_spec> out;
    for (const auto& [k, v] : table_)
      out.push_back(v);
    return out;
  }

  service_spec row(const service_key& key) const {
    std::lock_guard guard{mu_};
    auto i = table_.find(key);
    return i == table_.end() ? service_spec{} : i->second;
  }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  engine* engine_ = nullptr;
  std::map<service_key, service_spec> table_;
  std::string awaited_reason_;
  std::set<service_key> awaiting_;
  std::map<service_key, clock::time_point> done_at_;
  bool need_ip_ = false;
  std::atomic<uint64_t>* counter_ = nullptr;
  uint64_t writes_ = 0;
  uint64_t events_ = 0;
  uint64_t warnings_ = 0;
};

struct vcdlb_subject::impl {
  explicit impl(int workers) {
    runtime::configure_actor_system(cfg, workers);
    sys.emplace(cfg);
  }
  ~impl() {
    if (eng)
      eng->stop(std::chrono::seconds{5});
    eng.reset();
    sink->attach(nullptr);
  }

  vcdlb_subject_options opts;
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  std::shared_ptr<bench_sink> sink = std::make_shared<bench_sink>();
  std::unique_ptr<engine> eng;
  engine_options engine_opts; ///< what `eng` was started with; a restart starts the next one
  std::shared_ptr<reconcile_counter> reconciles = std::make_shared<reconcile_counter>();
  bool seeded = false;

  // The informers' first lists: EndpointSlices and nodes, then every Service (this seeds the
  // IP pool).
  void feed_first_lists(const cluster_state& after) {
    eng->replace_endpoint_slices(to_slices(after.services));
    eng->replace_nodes(to_nodes(after.nodes));
    std::vector<service_spec> all;
    for (const auto& s : after.services)
      all.push_back(sink->apply_spec(to_spec(s)));
    eng->replace_services(std::move(all));
  }

  // Waits until `done()` holds, then until VCD saw no request and the process used at most
  // 2% of one CPU for the quiet period; returns the time of the last request (or of the start).
  template <class F>
  clock::time_point settle(clock::time_point t0, clock::time_point deadline, F done) {
    auto total = opts.request_total;
    auto last_count = total ? total() : 0;
    auto last_change = t0;
    auto last_busy = clock::now();
    auto cpu = process_cpu_seconds();
    auto sampled = clock::now();
    while (clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
      auto now = clock::now();
      auto now_cpu = process_cpu_seconds();
      if (now_cpu - cpu > 0.02 * std::chrono::duration<double>(now - sampled).count())
        last_busy = now;
      cpu = now_cpu;
      sampled = now;
      auto now_count = total ? total() : 0;
      if (now_count != last_count || !done()) {
        last_count = now_count;
        last_change = now;
      } else if (now - last_change >= opts.quiet && now - last_busy >= opts.quiet) {
        break;
      }
    }
    return last_change;
  }
};

config::cloud_config bench_config(config::lb_mode mode, const std::string& vcd_url,
                                  const std::string& cluster_id, double qps, int burst) {
  config::cloud_config cfg;
  cfg.vcd.host = vcd_url;
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.loadbalancer.network = "net1";
  cfg.loadbalancer.cert_alias = "vcdlb-sim-cert";
  cfg.loadbalancer.enable_virtual_service_shared_ip = mode != config::lb_mode::a;
  if (mode != config::lb_mode::c)
    cfg.loadbalancer.one_arm = config::one_arm_section{"192.168.0.2", "192.168.255.254"};
  cfg.cluster_id = cluster_id;
  cfg.vapp_name = "bench";
  cfg.vcdlb.vcd_qps = qps;
  cfg.vcdlb.vcd_burst = burst;
  return cfg;
}

engine_options scaled_engine_options(const config::cloud_config& cfg, double scale) {
  engine_options eo;
  eo.config = cfg;
  auto gs = make_gateway_settings(cfg);
  gs.qps = gs.qps / scale;
  gs.poll_initial = scaled(gs.poll_initial, scale);
  gs.poll_max = scaled(gs.poll_max, scale);
  gs.retry_base = scaled(gs.retry_base, scale);
  gs.retry_max = scaled(gs.retry_max, scale);
  gs.retry_after_unit = scaled(gs.retry_after_unit, scale);
  gs.task_timeout = scaled(gs.task_timeout, scale);
  eo.gateway = gs;
  eo.node_debounce = scaled(eo.node_debounce, scale);
  eo.retry_base = scaled(eo.retry_base, scale);
  eo.retry_max = scaled(eo.retry_max, scale);
  eo.resync_interval = scaled(eo.resync_interval, scale);
  eo.backoff_base = scaled(eo.backoff_base, scale);
  eo.backoff_max = scaled(eo.backoff_max, scale);
  // status.cpi batching runs on the same compressed clock: writes per Service stay as in real
  // time.
  eo.rde.batch_delay = scaled(eo.rde.batch_delay, scale);
  eo.rde.min_interval = scaled(eo.rde.min_interval, scale);
  eo.rde.retry_base = scaled(eo.rde.retry_base, scale);
  eo.rde.retry_max = scaled(eo.rde.retry_max, scale);
  return eo;
}

caf::expected<std::unique_ptr<vcdlb_subject>> vcdlb_subject::make(vcdlb_subject_options opts) {
  auto p = std::make_unique<impl>(opts.worker_threads);
  auto scale = opts.time_scale;
  auto eo = scaled_engine_options(opts.config, scale);
  eo.vcd = opts.client;
  eo.sink = p->sink;
  if (opts.first_poll)
    eo.gateway->poll_initial = *opts.first_poll;
  if (!opts.periodic_resync)
    eo.resync_interval = caf::timespan{0};
  eo.observer = p->reconciles;
  p->engine_opts = eo;
  auto eng = engine::start(*p->sys, std::move(eo));
  if (!eng)
    return eng.error();
  p->eng = std::move(*eng);
  p->sink->attach(p->eng.get());
  p->opts = std::move(opts);
  return std::unique_ptr<vcdlb_subject>{new vcdlb_subject(std::move(p))};
}

vcdlb_subject::vcdlb_subject(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  // nop
}

vcdlb_subject::~vcdlb_subject() = default;

std::string vcdlb_subject::name() const {
  return impl_->opts.name;
}

caf::expected<phase_outcome> vcdlb_subject::run_phase(phase_kind k, const cluster_state& before,
                                                      const cluster_state& after,
                                                      clock::time_point deadline,
                                                      std::atomic<uint64_t>& converged) {
  auto& m = *impl_;
  if (k == phase_kind::restart) {
    // As a controller's SIGTERM and start: the engine stops with nothing in flight and a new
    // one starts on the same VCD; the informers' first lists below carry the pending change.
    m.sink->attach(nullptr);
    m.eng->stop(std::chrono::seconds{5});
    m.eng.reset();
    auto next = engine::start(*m.sys, m.engine_opts);
    if (!next)
      return next.error();
    m.eng = std::move(*next);
    m.sink->attach(m.eng.get());
  }
  auto& eng = *m.eng;
  const auto& services = k == phase_kind::remove ? before.services : after.services;
  std::vector<service_key> keys;
  for (const auto& s : services)
    keys.push_back({s.ns, s.name});
  phase_outcome out;
  out.latency_s.resize(services.size());
  auto t0 = clock::now();
  if (k == phase_kind::resync || k == phase_kind::drift_repair) {
    // Feed the unchanged list (a relist) or ask for the drift-repair resync, then wait until
    // the engine has been quiet a while.
    if (k == phase_kind::resync)
      eng.replace_services(m.sink->rows());
    else
      eng.resync();
    auto last = m.settle(t0, deadline, [] { return true; });
    double settled = std::chrono::duration<double>(last - t0).count();
    for (auto& l : out.latency_s)
      l = settled;
    converged += services.size();
    return out;
  }
  if (k == phase_kind::create && !m.seeded && m.opts.adopted) {
    const auto& ips = *m.opts.adopted;
    eng.replace_endpoint_slices(to_slices(after.services));
    eng.replace_nodes(to_nodes(after.nodes));
    std::vector<service_spec> all;
    for (const auto& s : after.services) {
      auto spec = to_spec(s);
      m.sink->set_status(spec.key, ips.at(spec.key));
      all.push_back(m.sink->apply_spec(std::move(spec)));
    }
    auto before_ok = m.reconciles->succeeded();
    eng.replace_services(std::move(all));
    m.seeded = true;
    auto n = static_cast<uint64_t>(services.size());
    auto last = m.settle(t0, deadline, [&] {
      auto done = m.reconciles->succeeded() - before_ok;
      converged = std::min(done, n);
      return done >= n && m.reconciles->idle();
    });
    double settled = std::chrono::duration<double>(last - t0).count();
    if (converged == n)
      for (auto& l : out.latency_s)
        l = settled;
    return out;
  }
  bool need_ip = k == phase_kind::create;
  m.sink->await(k == phase_kind::remove ? "DeletedLoadBalancer"
                : k == phase_kind::churn || k == phase_kind::churn_endpoints
                  ? "UpdatedLoadBalancer"
                  : "EnsuredLoadBalancer",
                keys, need_ip, &converged);
  switch (k) {
  case phase_kind::create: {
    if (!m.seeded) {
      m.feed_first_lists(after);
      m.seeded = true;
    } else {
      for (const auto& s : after.services) {
        if (s.local)
          eng.upsert_endpoint_slice(to_slice(s));
        eng.upsert_service(m.sink->apply_spec(to_spec(s)));
      }
    }
    break;
  }
  case phase_kind::update:
  case phase_kind::shared_ports:
    for (const auto& s : after.services)
      eng.upsert_service(m.sink->apply_spec(to_spec(s)));
    break;
  case phase_kind::restart:
    m.feed_first_lists(after);
    break;
  case phase_kind::churn:
    eng.replace_nodes(to_nodes(after.nodes));
    break;
  case phase_kind::churn_endpoints:
    for (const auto& s : after.services)
      if (s.local)
        eng.upsert_endpoint_slice(to_slice(s));
    break;
  case phase_kind::remove:
    for (const auto& key : keys) {
      m.sink->mark_deleting(key);
      eng.upsert_service(m.sink->row(key));
    }
    break;
  case phase_kind::resync:
  case phase_kind::drift_repair:
    break;
  }
  auto done = m.sink->wait(deadline);
  for (size_t i = 0; i < keys.size(); ++i)
    if (auto it = done.find(keys[i]); it != done.end())
      out.latency_s[i] = std::chrono::duration<double>(it->second - t0).count();
  return out;
}

} // namespace vcdlb::bench
