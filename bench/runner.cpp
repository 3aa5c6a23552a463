#include "bench/runner.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/client.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "bench/adopt.hpp"
#include "bench/detail/serialized_client.hpp"
#include "bench/process_usage.hpp"
#include "bench/stats.hpp"
#include "bench/upstream_subject.hpp"
#include "bench/vcdlb_subject.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::bench {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view sim_thread_name = "vcd-sim-io";

std::chrono::milliseconds scaled(std::chrono::milliseconds d, double scale) {
  return std::chrono::milliseconds{
    std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(d.count()) * scale))};
}

// The built-in scenario with room for the run: a /16 of external IPs and a SEG without a
// practical limit.
vcd::sim::scenario bench_scenario(const bench_options& o) {
  auto s = vcd::sim::default_scenario();
  auto& gw = s.orgs.front().vdcs.front().edge_gateways.front();
  auto& sn = gw.uplinks.front().subnets.front();
  sn.gateway = "100.64.0.1";
  sn.prefix_length = 16;
  sn.primary_ip = "100.64.0.2";
  sn.ranges = {{"100.64.0.10", "100.64.255.250"}};
  for (auto& a : gw.seg_assignments)
    a.max_virtual_services = std::max(1000, o.services * std::max(1, o.ports) * 2 + 16);
  if (o.ip_spaces) {
    // The same addresses, allocated on demand from an IP Space instead of uplink ranges.
    auto& up = gw.uplinks.front();
    up.subnets.clear();
    up.ip_spaces = {"bench-public"};
    vcd::sim::ip_space space;
    space.name = "bench-public";
    space.id = vcd::sim::derived_urn("ipSpace", space.name);
    space.internal_scopes = {"100.64.0.0/16"};
    space.ranges = {{"100.64.0.10", "100.64.255.250"}};
    space.default_floating_ip_quota = -1;
    s.ip_spaces.push_back(std::move(space));
  }
  return s;
}

std::string machine_description() {
  std::ostringstream out;
  out << "nproc=" << std::thread::hardware_concurrency();
  utsname u{};
  if (uname(&u) == 0)
    out << "; uname=" << u.sysname << " " << u.nodename << " " << u.release << " " << u.version
        << " " << u.machine;
  std::ifstream load{"/proc/loadavg"};
  std::string l1, l5, l15;
  if (load >> l1 >> l5 >> l15)
    out << "; loadavg=" << l1 << " " << l5 << " " << l15;
  return out.str();
}

// Prints a progress line every 250 ms until stopped.
class progress_line {
public:
  progress_line(std::ostream& out, bool enabled, std::string label, uint64_t total,
                const std::atomic<uint64_t>& converged, std::function<request_counts()> counts)
    : out_(out), enabled_(enabled), label_(std::move(label)), total_(total), converged_(converged),
      counts_(std::move(counts)), start_(clock::now()) {
    if (enabled_)
      thread_ = std::thread{[this] { loop(); }};
  }
  ~progress_line() { stop(); }
  void stop() {
    {
      std::lock_guard guard{mu_};
      if (stopped_)
        return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
    if (enabled_) {
      print();
      out_ << "\n" << std::flush;
    }
  }

private:
  void print() {
    auto t = std::chrono::duration<double>(clock::now() - start_).count();
    out_ << "\r" << label_ << ": converged " << converged_.load() << "/" << total_ << "  "
         << std::fixed << std::setprecision(1) << t << " s  " << counts_().total() << " requests   "
         << std::flush;
  }
  void loop() {
    std::unique_lock lock{mu_};
    while (!stopped_) {
      lock.unlock();
      print();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds{250}, [this] { return stopped_; });
    }
  }

  std::ostream& out_;
  bool enabled_;
  std::string label_;
  uint64_t total_;
  const std::atomic<uint64_t>& converged_;
  std::function<request_counts()> counts_;
  clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;
};

// Our counts and the simulator's, read at one moment: the simulator counts a request and calls
// our observer under one lock, so unchanged counts around its snapshot mean a request arriving
// meanwhile (a late task poll) cannot sit in one of them and not the other.
std::pair<request_counts, vcd::sim::request_stats>
consistent_counts(vcd::sim::simulator* sim, const std::function<request_counts()>& counts) {
  if (sim == nullptr)
    return {counts(), {}};
  for (;;) {
    auto before = counts();
    auto stats = sim->core().stats();
    if (counts().total() == before.total())
      return {before, stats};
  }
}

// Runs every step of `plan` through `subj` against `sim`, appending measured phases.
// `sim` is null for the engine-only run; `counts` reads the requests sent so far.
caf::error run_plan(const bench_options& o, const scenario_plan& plan, subject& subj,
                    vcd::sim::simulator* sim, const std::function<request_counts()>& counts,
                    std::ostream& progress, std::vector<phase_result>& out) {
  workload_options wo{o.services, o.ports, o.nodes, o.share_group};
  auto state = initial_state(wo, plan.shared);
  if (plan.local)
    make_local(state);
  int generation = 0;
  for (const auto& step : plan.steps) {
    auto after = apply_phase(step.kind, state, ++generation);
    phase_result r;
    r.subject = subj.name();
    r.phase = std::string{to_string(step.kind)};
    r.measured = step.measured;
    const auto& affected = step.kind == phase_kind::remove ? state.services : after.services;
    r.services = affected.size();
    for (const auto& s : affected)
      r.ports += s.ports.size();
    // Without the simulator (engine only) tasks take no time: no floor to compare with.
    auto task = sim != nullptr ? sim->core().faults().task_duration : std::chrono::milliseconds{0};
    r.floor = floor_for(step.kind, o.mode, r.services, static_cast<uint64_t>(o.ports),
                        std::chrono::duration_cast<std::chrono::nanoseconds>(task));
    r.floor_s = std::chrono::duration<double>(r.floor.time).count();
    if (!subj.supports(step.kind)) {
      r.supported = false;
      r.note = "not supported by " + subj.name();
      if (step.measured)
        out.push_back(std::move(r));
      continue; // the cluster stays as it was
    }
    std::atomic<uint64_t> converged{0};
    auto [counts0, sim0] = consistent_counts(sim, counts);
    auto usage0 = sample_usage(sim_thread_name);
    auto t0 = clock::now();
    caf::expected<phase_outcome> outcome{phase_outcome{}};
    {
      progress_line line{
        progress,   o.progress, subj.name() + " " + r.phase + (step.measured ? "" : " (setup)"),
        r.services, converged,  counts};
      outcome = subj.run_phase(step.kind, state, after, t0 + o.phase_timeout, converged);
    }
    auto t1 = clock::now();
    if (!outcome)
      return outcome.error();
    auto usage1 = sample_usage(sim_thread_name);
    auto [counts1, sim1] = consistent_counts(sim, counts);
    r.requests = counts1 - counts0;
    if (sim != nullptr) {
      r.simulator_counts.auth = sim1.auth - sim0.auth;
      r.simulator_counts.reads = sim1.reads - sim0.reads;
      r.simulator_counts.mutations = sim1.mutations - sim0.mutations;
      r.simulator_counts.task_polls = sim1.task_polls - sim0.task_polls;
    }
    double last = 0;
    for (const auto& l : outcome->latency_s)
      if (l) {
        r.latencies_s.push_back(*l);
        last = std::max(last, *l);
      }
    r.converged = r.latencies_s.size();
    r.all_converged = r.converged == r.services;
    r.wall_s = r.all_converged ? last : std::chrono::duration<double>(t1 - t0).count();
    r.note = outcome->note;
    r.p50_s = percentile(r.latencies_s, 50);
    r.p90_s = percentile(r.latencies_s, 90);
    r.p99_s = percentile(r.latencies_s, 99);
    r.services_per_s = r.wall_s > 0 ? static_cast<double>(r.converged) / r.wall_s : 0;
    if (sim != nullptr) {
      auto tasks = sim->core().task_log();
      auto end =
        t0 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(r.wall_s));
      r.gateway_tasks = gateway_tasks_started(tasks, t0, t1);
      if (auto first = first_gateway_task(tasks, t0, t1))
        r.first_task_s = std::chrono::duration<double>(*first - t0).count();
      r.gateway_busy_s = std::chrono::duration<double>(gateway_busy_time(tasks, t0, end)).count();
      r.busy_fraction = r.wall_s > 0 ? r.gateway_busy_s / r.wall_s : 0;
    }
    r.cpu_s = usage1.cpu_seconds - usage0.cpu_seconds;
    r.simulator_cpu_s = usage1.named_cpu_seconds - usage0.named_cpu_seconds;
    r.controller_cpu_s = std::max(0.0, r.cpu_s - r.simulator_cpu_s);
    r.peak_rss_bytes = usage1.peak_rss_bytes;
    r.rss_delta_bytes =
      static_cast<int64_t>(usage1.rss_bytes) - static_cast<int64_t>(usage0.rss_bytes);
    r.bytes_per_service =
      r.services > 0 ? static_cast<double>(r.rss_delta_bytes) / static_cast<double>(r.services) : 0;
    r.floor_ratio = r.floor_s > 0 ? r.wall_s / r.floor_s : 0;
    if (step.measured)
      out.push_back(std::move(r));
    state = std::move(after);
  }
  return {};
}

struct sim_run {
  std::unique_ptr<vcd::sim::simulator> sim;
  std::unique_ptr<request_accounting> acc;
};

caf::expected<sim_run> start_sim(const bench_options& o) {
  vcd::sim::simulator_options so;
  so.core.seed_state = bench_scenario(o);
  so.core.seed = o.seed;
  so.core.task_history = SIZE_MAX; // the run's figures come from every task (task_log)
  auto& f = so.core.faults;
  f.latency = o.latency;
  f.task_duration = o.task;
  f.gateway_lock = o.gateway_lock;
  f.rate_429 = o.rate_429;
  f.rate_500 = o.rate_500;
  f.rate_503 = o.rate_503;
  f.drop_rate = o.drop_rate;
  f.task_failure_rate = o.task_failure_rate;
  so.io_threads = std::max(1u, o.sim_io_threads);
  auto sim = vcd::sim::simulator::start(std::move(so));
  if (!sim)
    return sim.error();
  sim_run run{std::move(*sim), std::make_unique<request_accounting>()};
  run.sim->core().set_request_observer(run.acc->observer());
  return run;
}

void stop_sim(sim_run& run) {
  run.sim->core().set_request_observer({});
  run.sim->stop();
}

std::string cluster_rde_id() {
  return vcd::sim::default_scenario().orgs.front().defined_entities.front().id;
}

caf::error run_upstream(const bench_options& o, const scenario_plan& plan, std::ostream& progress,
                        std::vector<phase_result>& out) {
  auto run = start_sim(o);
  if (!run)
    return run.error();
  asio_bridge::io_runner io{"bench-upstream", 1};
  http::client_options ho;
  ho.base_url = run->sim->url();
  ho.tls.ca_pem = run->sim->ca_pem();
  ho.max_connections = 1; // one worker, one keep-alive connection
  ho.proxy_from_environment = false;
  auto http = http::client::make(io.context(), ho);
  if (!http) {
    stop_sim(*run);
    return http.error();
  }
  auto scale = o.time_scale();
  upstream_subject_options uo;
  uo.model.mode = o.mode;
  uo.model.poll_interval = scaled(std::chrono::milliseconds{3000}, scale);
  uo.model.org_lookup_per_helper = o.org_lookup_per_helper;
  uo.model.refresh_token = vcd::sim::default_scenario().orgs.front().api_tokens.front().token;
  uo.model.cluster_id = cluster_rde_id();
  uo.model.one_arm_start = "192.168.0.2";
  uo.model.one_arm_end = "192.168.255.254";
  uo.backoff_base = scaled(std::chrono::milliseconds{5000}, scale);
  uo.backoff_max = scaled(std::chrono::milliseconds{300000}, scale);
  upstream_subject subj{*http, run->sim->url(), uo};
  auto* acc = run->acc.get();
  auto err = run_plan(
    o, plan, subj, run->sim.get(), [acc] { return acc->counts(); }, progress, out);
  (*http)->shutdown();
  stop_sim(*run);
  io.stop();
  return err;
}

caf::error run_vcdlb_sim(const bench_options& o, const scenario_plan& plan, std::ostream& progress,
                         std::vector<phase_result>& out) {
  auto run = start_sim(o);
  if (!run)
    return run.error();
  auto* acc = run->acc.get();
  caf::error err;
  {
    asio_bridge::io_runner io{"bench-vcd-io", 1};
    http::client_options ho;
    ho.base_url = run->sim->url();
    ho.tls.ca_pem = run->sim->ca_pem();
    ho.max_connections = static_cast<size_t>(std::max(1, o.concurrency));
    ho.proxy_from_environment = false;
    vcd::beast_client_options bo;
    bo.org = "org1";
    bo.vdc = "vdc1";
    bo.refresh_token =
      config::secret_string{vcd::sim::default_scenario().orgs.front().api_tokens.front().token};
    auto client = vcd::beast_client::connect(io.context(), ho, bo);
    if (!client) {
      stop_sim(*run);
      return client.error();
    }
    vcdlb_subject_options so;
    so.config = bench_config(o.mode, run->sim->url(), cluster_rde_id(), o.vcd_qps, o.vcd_burst);
    so.client = *client;
    so.worker_threads = o.worker_threads;
    so.time_scale = o.time_scale();
    so.request_total = [acc] { return acc->counts().total(); };
    so.quiet = std::max(std::chrono::milliseconds{200}, 5 * o.task);
    auto subj = vcdlb_subject::make(std::move(so));
    if (!subj) {
      err = subj.error();
    } else {
      err = run_plan(
        o, plan, **subj, run->sim.get(), [acc] { return acc->counts(); }, progress, out);
      subj->reset(); // the engine stops before its client goes away
    }
    io.stop();
  }
  stop_sim(*run);
  return err;
}

// The fake's gateway: the same network, address space and SEG as the bench scenario.
struct bench_fake {
  std::shared_ptr<vcd::fake_client> fake;
  std::string gateway_id;
  vcd::entity_ref seg;
};

bench_fake make_bench_fake(const bench_options& o) {
  auto fake = std::make_shared<vcd::fake_client>(vcd::fake_options{});
  vcd::edge_gateway g;
  g.name = "edge-1";
  vcd::gateway_uplink up;
  up.uplink_name = "ext-net";
  vcd::gateway_subnet sub;
  sub.gateway = "100.64.0.1";
  sub.prefix_length = 16;
  sub.ip_ranges = {{"100.64.0.10", "100.64.255.250"}};
  if (o.ip_spaces)
    up.using_ip_space = true; // no ranges: an IP Space (below) gives the addresses
  else
    up.subnets = {sub};
  g.uplinks = {up};
  auto gw_id = fake->add_gateway(g);
  if (o.ip_spaces) {
    vcd::ip_space space;
    space.name = "bench-public";
    fake->add_ip_space(space, {{"100.64.0.10", "100.64.255.250"}}, -1, {gw_id});
  }
  vcd::org_vdc_network n;
  n.name = "net1";
  n.org_vdc = {"vdc1", "urn:vcloud:vdc:0001"};
  n.router_ref = {"edge-1", gw_id};
  fake->add_network(n);
  vcd::seg_assignment a;
  a.gateway_ref = {"edge-1", gw_id};
  a.service_engine_group_ref = {"seg-shared", "urn:vcloud:serviceEngineGroup:seg-shared"};
  a.max_virtual_services = std::max(1000, o.services * std::max(1, o.ports) * 2 + 16);
  fake->add_seg_assignment(a);
  // The cluster's RDE, as in the simulator's scenario: vcdlb keeps its status.cpi.
  vcd::defined_entity rde;
  rde.id = cluster_rde_id();
  rde.entity_type = "urn:vcloud:type:vmware:capvcdCluster:1.2.0";
  rde.body = R"({"id":")" + rde.id + R"(","entityType":")" + rde.entity_type
             + R"(","name":"bench","entity":{"kind":"CAPVCDCluster","status":{"capvcd":{}}}})";
  fake->put_defined_entity(rde);
  return {fake, gw_id, a.service_engine_group_ref};
}

caf::error run_vcdlb_engine_only(const bench_options& o, const scenario_plan& plan,
                                 std::ostream& progress, std::vector<phase_result>& out) {
  auto bf = make_bench_fake(o);
  auto client = std::make_shared<detail::serialized_client>(bf.fake);
  vcdlb_subject_options so;
  so.config = bench_config(o.mode, "https://vcd.fake", cluster_rde_id(), o.vcd_qps, o.vcd_burst);
  so.client = client;
  so.name = "vcdlb (engine only)";
  so.worker_threads = o.worker_threads;
  // The fake ends tasks at once: intervals shrink so the first task poll comes after 1 ms
  // (250 ms x 0.004), and the rate limit is lifted, so the run measures the engine's own work
  // rather than its pacing.
  so.time_scale = 0.004;
  so.config.vcdlb.vcd_qps = 1e9;
  so.config.vcdlb.vcd_burst = 1 << 30;
  if (o.first_poll_ms >= 0)
    so.first_poll = std::chrono::milliseconds{o.first_poll_ms};
  so.request_total = [client] { return client->total(); };
  so.quiet = std::chrono::milliseconds{200};
  // Phases measure the work of their change alone: no drift-repair resync every 2.4 s of
  // them (at 10 000 Services a periodic resync would run through every phase).
  so.periodic_resync = false;
  if (o.adopt_setup && !plan.steps.empty() && !plan.steps.front().measured) {
    // The setup's create adopts what the fake holds before the engine starts, as after a
    // restart (the create phase leaves the initial state as it is).
    workload_options wo{o.services, o.ports, o.nodes, o.share_group};
    auto ips = seed_objects(*bf.fake, bf.gateway_id, bf.seg, so.config,
                            initial_state(wo, plan.shared), "100.64.0.10", "192.168.0.2");
    if (!ips)
      return ips.error();
    so.adopted = std::move(*ips);
  }
  auto subj = vcdlb_subject::make(std::move(so));
  if (!subj)
    return subj.error();
  auto counts = [client] {
    request_counts c;
    c.reads = client->reads();
    c.mutations = client->mutations();
    c.task_polls = client->task_polls();
    c.rde_writes = client->rde_writes();
    return c;
  };
  return run_plan(o, plan, **subj, nullptr, counts, progress, out);
}

} // namespace

caf::expected<bench_report> run_bench(const bench_options& o, std::ostream& progress) {
  auto plan = plan_for(o.scenario);
  if (!plan)
    return caf::make_error(config_errc::invalid_value, "unknown scenario " + o.scenario);
  if (o.services < 1 || o.ports < 1 || o.nodes < 1)
    return caf::make_error(config_errc::invalid_value,
                           "services, ports and nodes must be at least 1");
  bench_report report;
  report.options = o;
  report.machine = machine_description();
  if (o.run_vcdlb) {
    auto err = o.engine_only ? run_vcdlb_engine_only(o, *plan, progress, report.phases)
                             : run_vcdlb_sim(o, *plan, progress, report.phases);
    if (err)
      return err;
  }
  if (o.baseline_upstream)
    if (auto err = run_upstream(o, *plan, progress, report.phases))
      return err;
  return report;
}

} // namespace vcdlb::bench
