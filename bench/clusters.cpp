#include "bench/clusters.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "bench/floor.hpp"
#include "bench/process_usage.hpp"
#include "bench/stats.hpp"
#include "bench/vcdlb_subject.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "engine/engine.hpp"
#include "engine/settings.hpp"
#include "runtime/actor_system.hpp"

namespace vcdlb::bench {

namespace {

using clock = std::chrono::steady_clock;

constexpr int max_clusters = 60; // one 100.(64+i).0.0/16 of external IPs each

std::string gateway_name(int i) {
  return fmt::format("edge-{}", i + 1);
}
std::string network_name(int i) {
  return fmt::format("net-{}", i + 1);
}

// Cluster i's VCD: the built-in scenario with edge gateway "edge-<i+1>" and its org network
// "net-<i+1>", a /16 of external IPs of its own (100.<64+i>.0.0/16) and the cluster's RDE.
caf::expected<vcd::sim::scenario> cluster_scenario(int i, int services, int ports) {
  auto s = vcd::sim::default_scenario();
  auto& org = s.orgs.front();
  auto& vdc = org.vdcs.front();
  auto& g = vdc.edge_gateways.front();
  g.name = gateway_name(i);
  g.id.clear(); // derived from the name when parsed back
  auto& sn = g.uplinks.front().subnets.front();
  sn.gateway = fmt::format("100.{}.0.1", 64 + i);
  sn.prefix_length = 16;
  sn.primary_ip = fmt::format("100.{}.0.2", 64 + i);
  sn.ranges = {{fmt::format("100.{}.0.10", 64 + i), fmt::format("100.{}.255.250", 64 + i)}};
  for (auto& a : g.seg_assignments) {
    a.id.clear();
    a.max_virtual_services = std::max(1000, services * std::max(1, ports) * 2 + 16);
  }
  vdc.networks = {{network_name(i), "", gateway_name(i), "192.168.1.1/24"}};
  auto name = fmt::format("cluster-{}", i + 1);
  org.defined_entities = {{vcd::sim::derived_urn("entity:vmware:capvcdCluster", name), name,
                           "urn:vcloud:type:vmware:capvcdCluster:1.2.0"}};
  // Through YAML so that the simulator derives the ids it derives for any scenario file.
  return vcd::sim::parse_scenario(vcd::sim::to_yaml(s));
}

config::cloud_config cluster_config(const clusters_options& o, const std::string& url,
                                    const std::string& network, const std::string& cluster_id) {
  config::cloud_config cfg;
  cfg.vcd.host = url;
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.loadbalancer.network = network;
  cfg.loadbalancer.cert_alias = "vcdlb-sim-cert";
  cfg.loadbalancer.enable_virtual_service_shared_ip = o.mode != config::lb_mode::a;
  if (o.mode != config::lb_mode::c)
    cfg.loadbalancer.one_arm = config::one_arm_section{"192.168.0.2", "192.168.255.254"};
  cfg.cluster_id = cluster_id;
  cfg.vapp_name = "bench";
  cfg.vcdlb.vcd_qps = o.vcd_qps;
  cfg.vcdlb.vcd_burst = o.vcd_burst;
  return cfg;
}

// One cluster: its Service table (the API server's part, as in vcdlb_subject) and its engine.
struct cluster {
  std::string network;
  std::shared_ptr<vcd::beast_client> client;
  std::shared_ptr<status_sink> sink;
  std::unique_ptr<engine> eng;
  std::mutex mtx;
  std::map<service_key, service_spec> table;
  std::map<service_key, clock::time_point> done; ///< first EnsuredLoadBalancer
  std::atomic<uint64_t>* converged = nullptr;
  bool counts = true; ///< one of the K healthy clusters (not a failing one)
};

std::shared_ptr<status_sink> make_sink(cluster* c) {
  return std::make_shared<callback_sink>(
    [c](const service_status& st, status_sink::done_fn done) {
      std::optional<service_spec> echo;
      {
        std::lock_guard g{c->mtx};
        auto it = c->table.find(st.key);
        if (it != c->table.end()) {
          it->second.has_finalizer = st.finalizer_wanted;
          it->second.ingress_ips.clear();
          if (!st.external_ip.empty())
            it->second.ingress_ips.push_back(st.external_ip);
          echo = it->second;
        }
      }
      done({});
      if (echo && c->eng)
        c->eng->upsert_service(std::move(*echo)); // the watch event of the write
    },
    [c](const service_event& ev) {
      if (ev.reason != "EnsuredLoadBalancer")
        return;
      std::lock_guard g{c->mtx};
      if (c->done.emplace(ev.key, clock::now()).second && c->counts)
        c->converged->fetch_add(1);
    });
}

std::string machine() {
  std::string out = fmt::format("nproc={}", std::thread::hardware_concurrency());
  std::ifstream load{"/proc/loadavg"};
  std::string l1, l5, l15;
  if (load >> l1 >> l5 >> l15)
    out += fmt::format("; loadavg={} {} {}", l1, l5, l15);
  return out;
}

} // namespace

caf::expected<clusters_report> run_clusters(const clusters_options& o, std::ostream& progress) {
  if (o.clusters < 1 || o.clusters + o.failing > max_clusters || o.services < 1 || o.ports < 1
      || o.failing < 0)
    return caf::make_error(config_errc::invalid_value,
                           fmt::format("--clusters (plus failing ones) must be 1-{}; --services "
                                       "and --ports at least 1",
                                       max_clusters));
  int total_clusters = o.clusters + o.failing;
  clusters_report r;
  r.options = o;
  r.machine = machine();
  // One simulator (one server thread) per cluster: the clusters' gateways are independent in
  // VCD, and a simulator's request cost grows with the objects it holds, so one simulator for
  // all would measure the simulator.
  std::vector<std::unique_ptr<vcd::sim::simulator>> sims;
  std::vector<std::string> rde_ids;
  auto stop_sims = [&sims] {
    for (auto& sim : sims)
      sim->stop();
  };
  for (int i = 0; i < total_clusters; ++i) {
    auto scen = cluster_scenario(i, o.services, o.ports);
    if (!scen) {
      stop_sims();
      return scen.error();
    }
    rde_ids.push_back(scen->orgs.front().defined_entities.front().id);
    vcd::sim::simulator_options so;
    so.core.seed_state = std::move(*scen);
    so.core.faults.latency = o.latency;
    so.core.faults.task_duration = o.task;
    so.io_threads = std::max(1u, o.sim_io_threads);
    auto sim = vcd::sim::simulator::start(std::move(so));
    if (!sim) {
      stop_sims();
      return sim.error();
    }
    sims.push_back(std::move(*sim));
  }
  double scale = o.real_task.count() > 0
                   ? static_cast<double>(o.task.count()) / static_cast<double>(o.real_task.count())
                   : 1.0;
  std::atomic<uint64_t> converged{0};
  caf::error err;
  {
    // Declared before the engines: the system and the I/O threads outlive them.
    caf::actor_system_config cfg;
    runtime::configure_actor_system(cfg, o.worker_threads);
    caf::actor_system sys{cfg};
    asio_bridge::io_runner io{"bench-vcd-io", std::max(1u, o.client_io_threads)};
    std::vector<std::unique_ptr<cluster>> cs;
    std::vector<node_description> nodes;
    for (int n = 0; n < o.nodes; ++n)
      nodes.push_back({fmt::format("worker-{}", n),
                       false,
                       {},
                       {},
                       {{"InternalIP", fmt::format("10.0.{}.{}", n / 250, n % 250 + 1)}}});
    auto base = usage_sample{};
    auto t0 = clock::now();
    for (int i = 0; i < total_clusters && !err; ++i) {
      auto c = std::make_unique<cluster>();
      c->network = network_name(i);
      c->converged = &converged;
      c->counts = i < o.clusters;
      http::client_options ho;
      const auto& sim = sims[static_cast<size_t>(i)];
      ho.base_url = sim->url();
      ho.tls.ca_pem = sim->ca_pem();
      ho.max_connections = static_cast<size_t>(std::max(1, o.concurrency));
      ho.proxy_from_environment = false;
      vcd::beast_client_options bo;
      bo.org = "org1";
      bo.vdc = "vdc1";
      bo.user = "admin";
      // The failing ones: a wrong password, which discovery cannot fix (phase `failed`).
      bo.password = config::secret_string{i < o.clusters ? "admin-password" : "wrong-password"};
      auto client = vcd::beast_client::connect(io.context(), ho, bo);
      if (!client) {
        err = client.error();
        break;
      }
      c->client = *client;
      c->sink = make_sink(c.get());
      auto ccfg = cluster_config(o, sim->url(), c->network, rde_ids[static_cast<size_t>(i)]);
      auto eo = scaled_engine_options(ccfg, scale);
      eo.vcd = c->client;
      eo.sink = c->sink;
      auto eng = engine::start(sys, std::move(eo));
      if (!eng) {
        err = eng.error();
        break;
      }
      std::vector<service_spec> all;
      {
        std::lock_guard g{c->mtx};
        for (int s = 0; s < o.services; ++s) {
          service_spec spec;
          spec.key = {"default", fmt::format("svc-{:05}", s)};
          spec.uid = fmt::format("uid-{}-{}", i, s);
          spec.type = service_type::load_balancer;
          for (int p = 0; p < o.ports; ++p)
            spec.ports.push_back(
              {fmt::format("p{}", p), ip_protocol::tcp, 80 + p, 30000 + s * o.ports + p, ""});
          c->table.emplace(spec.key, spec);
          all.push_back(std::move(spec));
        }
      }
      c->eng = std::move(*eng);
      c->eng->replace_nodes(nodes);
      c->eng->replace_services(std::move(all));
      cs.push_back(std::move(c));
      if (i == 0)
        base = sample_usage(); // the simulator and actor system are up
    }
    auto total = static_cast<uint64_t>(o.clusters) * static_cast<uint64_t>(o.services);
    r.services = total;
    auto deadline = t0 + o.timeout;
    auto last_print = t0;
    while (!err && converged.load() < total && clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
      if (o.progress && clock::now() - last_print >= std::chrono::seconds{1}) {
        last_print = clock::now();
        progress << fmt::format("\r{:6.1f} s: {}/{} Services converged in {} clusters",
                                std::chrono::duration<double>(last_print - t0).count(),
                                converged.load(), total, o.clusters)
                 << std::flush;
      }
    }
    if (o.progress)
      progress << "\n";
    auto end = sample_usage();
    r.cpu_s = end.cpu_seconds - base.cpu_seconds;
    r.peak_rss_bytes = end.peak_rss_bytes;
    r.converged = converged.load();
    for (auto& c : cs) {
      auto phase = c->eng->phase();
      if (!c->counts) {
        r.failed_engines += phase == engine_phase::failed ? 1 : 0;
        continue;
      }
      r.healthy_failed += phase == engine_phase::failed ? 1 : 0;
      cluster_figures f;
      f.network = c->network;
      std::vector<double> lat;
      {
        std::lock_guard g{c->mtx};
        for (auto& [_, t] : c->done)
          lat.push_back(std::chrono::duration<double>(t - t0).count());
      }
      f.converged = lat.size();
      if (!lat.empty()) {
        f.wall_s = *std::max_element(lat.begin(), lat.end());
        f.p50_s = percentile(lat, 50);
      }
      r.wall_s = std::max(r.wall_s, f.wall_s);
      r.clusters.push_back(std::move(f));
    }
    for (auto& c : cs)
      c->eng->stop(std::chrono::seconds{5});
    io.stop();
  }
  stop_sims();
  if (err)
    return err;
  auto fl = floor_for(phase_kind::create, o.mode, static_cast<uint64_t>(o.services),
                      static_cast<uint64_t>(o.ports), o.task);
  r.floor_s = std::chrono::duration<double>(fl.time).count();
  return r;
}

void print_clusters(const clusters_report& r, std::ostream& out) {
  const auto& o = r.options;
  out << fmt::format("vcdlb bench --clusters {}: {} Services x {} ports per cluster, mode {}, "
                     "task {} ms (stands for {} ms), {} workers ({})\n",
                     o.clusters, o.services, o.ports, config::to_string(o.mode), o.task.count(),
                     o.real_task.count(), o.worker_threads, r.machine);
  out << fmt::format("{:<10} {:>10} {:>9} {:>9} {:>9}\n", "cluster", "converged", "wall s", "p50 s",
                     "x floor");
  for (const auto& c : r.clusters)
    out << fmt::format("{:<10} {:>10} {:>9.2f} {:>9.2f} {:>9.2f}\n", c.network, c.converged,
                       c.wall_s, c.p50_s, r.floor_s > 0 ? c.wall_s / r.floor_s : 0.0);
  out << fmt::format("total: {}/{} Services converged in {:.2f} s; one gateway's floor {:.2f} s "
                     "({:.2f}x); CPU {:.2f} s; peak RSS {:.1f} MiB\n",
                     r.converged, r.services, r.wall_s, r.floor_s,
                     r.floor_s > 0 ? r.wall_s / r.floor_s : 0.0, r.cpu_s,
                     static_cast<double>(r.peak_rss_bytes) / (1024.0 * 1024.0));
  if (o.failing > 0)
    out << fmt::format("failing engines (wrong password): {}/{} reached `failed`; healthy "
                       "engines that failed: {}\n",
                       r.failed_engines, o.failing, r.healthy_failed);
}

} // namespace vcdlb::bench
