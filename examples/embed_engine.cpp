// examples/embed_engine.cpp -- vcdlb's engine embedded in another program.
//
// The program plays a small control plane that keeps its own table of Services and Nodes (no
// Kubernetes anywhere). It starts the VCD simulator in-process as its "cloud", builds an engine
// with the real HTTPS VCD client (TLS verified against the simulator's CA) and a callback
// sink, and then:
//   1. feeds three Nodes (one control-plane node, which is never a backend) and two Services;
//   2. waits until both have an external IP;
//   3. adds an SSL port to one Service;
//   4. deletes the other one the Kubernetes way (deletion flag -> finalizer removed -> gone);
//   5. checks that the simulator holds exactly the objects of the remaining Service.
// Exit code 0 only if every step converged and the cloud holds exactly what is expected.
// docs/embedding.md walks through it.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "actors/naming.hpp"
#include "adapters/asio/io_runner.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "config/parse.hpp"
#include "engine/engine.hpp"
#include "engine/status_sink.hpp"
#include "protocol/errors.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/logging.hpp"

namespace {

using namespace std::chrono_literals;
using vcdlb::service_key;
using vcdlb::service_spec;

constexpr auto step_bound = 60s;
constexpr const char* cluster_id =
  "urn:vcloud:entity:vmware:capvcdCluster:7d3b1c2e-4a5f-4e21-9c3d-2f1e0b8a6c55";

/// The embedder's own store of Services: the sink applies the engine's status writes to it
/// (as an API server would), and every change to a Service is made here first and then fed to
/// the engine. Thread-safe: the engine calls the sink from its actor threads.
class service_store {
public:
  void put(const service_spec& spec) {
    std::lock_guard guard{mutex_};
    specs_[spec.key] = spec;
  }

  std::optional<service_spec> get(const service_key& key) const {
    std::lock_guard guard{mutex_};
    auto i = specs_.find(key);
    if (i == specs_.end())
      return std::nullopt;
    return i->second;
  }

  /// status_sink::write_status: finalizer + ingress. A Service marked for deletion whose
  /// finalizer goes away is gone (the API server would delete it now).
  void write(const vcdlb::service_status& st, vcdlb::status_sink::done_fn done) {
    {
      std::lock_guard guard{mutex_};
      auto i = specs_.find(st.key);
      if (i != specs_.end()) {
        auto& spec = i->second;
        spec.has_finalizer = st.finalizer_wanted;
        spec.ingress_ips.clear();
        if (!st.external_ip.empty())
          spec.ingress_ips.push_back(st.external_ip);
        if (spec.deletion_requested && !spec.has_finalizer)
          specs_.erase(i);
      }
      // else: already gone, and removing a finalizer from nothing is not an error.
      std::cout << "  status " << to_string(st.key) << ": finalizer "
                << (st.finalizer_wanted ? "on" : "off") << ", ingress [" << st.external_ip << "]\n";
    }
    changed_.notify_all();
    done({}); // stored; the engine may go on
  }

  /// status_sink::record_event.
  void event(const vcdlb::service_event& ev) {
    {
      std::lock_guard guard{mutex_};
      events_[ev.key].push_back(ev.reason);
      std::cout << "  event  " << to_string(ev.key) << ": "
                << (ev.type == vcdlb::event_type::warning ? "Warning " : "Normal ") << ev.reason
                << " (" << ev.message << ")\n";
    }
    changed_.notify_all();
  }

  /// Waits up to `step_bound` for `pred(*this)`, which runs under the store's lock and may
  /// use only the `_unlocked` accessors.
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, step_bound, [&] { return pred(*this); });
  }

  // Accessors for wait() predicates (the caller holds the lock).
  const service_spec* find_unlocked(const service_key& key) const {
    auto i = specs_.find(key);
    return i == specs_.end() ? nullptr : &i->second;
  }
  size_t events_unlocked(const service_key& key, const std::string& reason) const {
    auto i = events_.find(key);
    if (i == events_.end())
      return 0;
    size_t n = 0;
    for (const auto& r : i->second)
      n += r == reason ? 1 : 0;
    return n;
  }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<service_key, service_spec> specs_;
  std::map<service_key, std::vector<std::string>> events_;
};

vcdlb::node_description node(std::string name, std::string ip, bool control_plane = false) {
  vcdlb::node_description n;
  n.name = std::move(name);
  n.addresses = {{"InternalIP", std::move(ip)}};
  if (control_plane)
    n.labels = {{vcdlb::node_keys::control_plane, ""}};
  return n;
}

service_spec lb_service(std::string ns, std::string name) {
  service_spec s;
  s.key = {std::move(ns), std::move(name)};
  s.uid = "uid-" + s.key.name;
  s.type = vcdlb::service_type::load_balancer;
  return s;
}

vcdlb::service_port port(std::string name, vcdlb::ip_protocol proto, int32_t port,
                         int32_t node_port, std::string app_protocol = {}) {
  return {std::move(name), proto, port, node_port, std::move(app_protocol)};
}

/// Objects of this cluster in the simulator, per owning Service and kind, plus the checks that
/// need the raw JSON.
struct cloud_view {
  std::map<service_key, std::map<std::string, int>> by_service; ///< key -> kind -> count
  int foreign = 0;               ///< objects of no known Service (leaks)
  int ssl_virtual_services = 0;  ///< with a certificateRef
  std::set<std::string> members; ///< pool member IPs seen
};

cloud_view inspect_cloud(vcdlb::vcd::sim::simulator& sim, const std::vector<service_key>& keys) {
  cloud_view view;
  const auto dump_value = sim.core().dump();
  const auto& dump = dump_value.as_object();
  auto scan = [&](const char* array, const char* kind) {
    for (const auto& item : dump.at(array).as_array()) {
      const auto& obj = item.as_object();
      if (auto* scope = obj.if_contains("scope");
          scope && scope->is_string() && scope->as_string() == "SYSTEM")
        continue; // built-in application port profiles
      std::string name{obj.at("name").as_string()};
      auto parsed = vcdlb::naming::parse(name, cluster_id);
      bool owned = false;
      for (const auto& key : keys) {
        if (parsed && vcdlb::naming::owned_by(*parsed, cluster_id, key)) {
          ++view.by_service[key][kind];
          owned = true;
        }
      }
      if (!owned)
        ++view.foreign;
      if (std::string_view{array} == "virtual_services") {
        if (auto* cert = obj.if_contains("certificateRef"); cert && cert->is_object())
          ++view.ssl_virtual_services;
      }
      if (std::string_view{array} == "pools") {
        if (auto* m = obj.if_contains("members"); m && m->is_array())
          for (const auto& member : m->as_array())
            view.members.insert(std::string{member.at("ipAddress").as_string()});
      }
    }
  };
  scan("virtual_services", "virtual service");
  scan("pools", "pool");
  scan("nat_rules", "DNAT rule");
  scan("app_port_profiles", "app port profile");
  return view;
}

/// Mode B: per port one DNAT rule, one app port profile, one virtual service, one pool.
bool expect_ports(const cloud_view& view, const service_key& key, int ports) {
  auto i = view.by_service.find(key);
  bool ok = true;
  for (const char* kind : {"virtual service", "pool", "DNAT rule", "app port profile"}) {
    int have = i == view.by_service.end() ? 0 : (i->second.count(kind) ? i->second.at(kind) : 0);
    if (have != ports) {
      std::cout << "  MISMATCH " << to_string(key) << ": " << have << " " << kind << "(s), want "
                << ports << "\n";
      ok = false;
    }
  }
  return ok;
}

int run() {
  // -- the cloud: the VCD simulator on loopback, HTTPS with a self-signed certificate --------
  vcdlb::vcd::sim::simulator_options sim_opts;
  sim_opts.core.faults.task_duration = 20ms;
  auto sim = vcdlb::vcd::sim::simulator::start(sim_opts);
  if (!sim) {
    std::cerr << "cannot start the VCD simulator: " << vcdlb::describe(sim.error()) << "\n";
    return 1;
  }
  std::cout << "VCD simulator at " << (*sim)->url() << "\n";

  // -- the configuration the engine runs with (mode B: shared VIP + one-arm) ----------------
  vcdlb::config::cloud_config cfg;
  cfg.vcd.host = (*sim)->url();
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.loadbalancer.network = "net1";
  cfg.loadbalancer.enable_virtual_service_shared_ip = true;
  cfg.loadbalancer.one_arm = vcdlb::config::one_arm_section{"192.168.8.2", "192.168.8.100"};
  cfg.loadbalancer.cert_alias = "vcdlb-sim-cert"; // in the simulator's certificate library
  cfg.cluster_id = cluster_id;
  cfg.vapp_name = "embedded";
  cfg.vcdlb.task_poll.initial_interval = 20ms;
  // A configuration built in code gets the same checks as a file (docs/configuration.md).
  if (auto problems = vcdlb::config::validate(cfg); !problems.empty()) {
    for (const auto& p : problems)
      std::cerr << "config: " << vcdlb::config::format_problem(p, "(in code)") << "\n";
    return 1;
  }
  vcdlb::config::credentials creds;
  creds.method = vcdlb::config::auth_method::password;
  creds.user = "admin";
  creds.org = "org1";
  creds.password = vcdlb::config::secret_string{"admin-password"};

  // -- adapters: the VCD client on an Asio thread, verifying the simulator's certificate -----
  // Declaration order is the shutdown order in reverse: engine, then I/O, then actor system.
  caf::actor_system_config sys_cfg;
  vcdlb::runtime::configure_actor_system(sys_cfg, 2);
  caf::actor_system sys{sys_cfg};
  vcdlb::asio_bridge::io_runner io{"embed-io", 1};
  auto conn = vcdlb::vcd::make_connection_options(cfg, creds);
  conn.http.tls.ca_pem = (*sim)->ca_pem();
  conn.http.proxy_from_environment = false;
  auto vcd = vcdlb::vcd::beast_client::connect(io.context(), conn.http, conn.client);
  if (!vcd) {
    std::cerr << "cannot make the VCD client: " << vcdlb::describe(vcd.error()) << "\n";
    return 1;
  }

  // -- the engine, reporting into our store ---------------------------------------------------
  service_store store;
  vcdlb::engine_options opts;
  opts.config = cfg;
  opts.vcd = *vcd;
  opts.sink = std::make_shared<vcdlb::callback_sink>(
    [&store](const vcdlb::service_status& st, vcdlb::status_sink::done_fn done) {
      store.write(st, std::move(done));
    },
    [&store](const vcdlb::service_event& ev) { store.event(ev); });
  opts.node_debounce = 100ms;
  opts.on_phase = [](vcdlb::engine_phase phase, const std::string& detail) {
    std::cout << "  engine " << vcdlb::to_string(phase) << (detail.empty() ? "" : ": ") << detail
              << "\n";
  };
  auto started = vcdlb::engine::start(sys, std::move(opts));
  if (!started) {
    std::cerr << "cannot start the engine: " << vcdlb::describe(started.error()) << "\n";
    return 1;
  }
  auto& eng = **started;

  // -- 1. feed full lists: three Nodes, two Services ------------------------------------------
  const service_key web_key{"shop", "web"};
  const service_key dns_key{"infra", "dns"};
  auto web = lb_service(web_key.ns, web_key.name);
  web.ports = {port("http", vcdlb::ip_protocol::tcp, 80, 30080)};
  auto dns = lb_service(dns_key.ns, dns_key.name);
  dns.ports = {port("dns", vcdlb::ip_protocol::udp, 53, 30053)};
  store.put(web);
  store.put(dns);
  std::cout << "1. feeding 3 Nodes (cp-1 is control plane) and Services shop/web, infra/dns\n";
  eng.replace_nodes({node("cp-1", "10.0.0.10", true), node("worker-1", "10.0.0.11"),
                     node("worker-2", "10.0.0.12")});
  eng.replace_services({web, dns});

  bool ok = true;
  auto has_ip = [](const service_store& s, const service_key& k) {
    auto* spec = s.find_unlocked(k);
    return spec != nullptr && !spec->ingress_ips.empty();
  };
  // 2. Both get an external IP once their objects exist.
  if (!store.wait([&](service_store& s) { return has_ip(s, web_key) && has_ip(s, dns_key); })) {
    std::cout << "FAILED: the Services did not get an external IP in time\n";
    return 1;
  }
  auto web_ip = store.get(web_key)->ingress_ips.front();
  auto dns_ip = store.get(dns_key)->ingress_ips.front();
  std::cout << "2. converged: shop/web -> " << web_ip << ", infra/dns -> " << dns_ip << "\n";
  ok = ok && web_ip != dns_ip;

  // -- 3. an update: add an SSL port to web (the certificate alias comes from the config) ----
  std::cout << "3. adding port 443 (HTTPS, TLS terminated with the certificate) to shop/web\n";
  auto web_now = *store.get(web_key); // carries the finalizer and ingress the sink stored
  // appProtocol https selects the HTTPS application profile; listed in the SSL-ports
  // annotation it terminates TLS with the certificate. (A plain TCP port listed there would be
  // L4_TLS, which VCD allows only on gateways with the PREMIUM feature set.)
  web_now.ports.push_back(port("https", vcdlb::ip_protocol::tcp, 443, 30443, "https"));
  web_now.annotations.ssl_ports = "443";
  store.put(web_now);
  eng.upsert_service(web_now);
  if (!store.wait(
        [&](service_store& s) { return s.events_unlocked(web_key, "EnsuredLoadBalancer") >= 2; })) {
    std::cout << "FAILED: the update of shop/web did not converge in time\n";
    return 1;
  }
  ok = ok && store.get(web_key)->ingress_ips == std::vector<std::string>{web_ip}; // IP kept

  // -- 4. a delete, the Kubernetes way: mark it, let the engine clean up and drop the
  //       finalizer, then report it gone -----------------------------------------------------
  std::cout << "4. deleting infra/dns\n";
  auto dns_now = *store.get(dns_key);
  dns_now.deletion_requested = true;
  store.put(dns_now);
  eng.upsert_service(dns_now);
  if (!store.wait([&](service_store& s) {
        return s.find_unlocked(dns_key) == nullptr
               && s.events_unlocked(dns_key, "DeletedLoadBalancer") == 1;
      })) {
    std::cout << "FAILED: infra/dns was not cleaned up in time\n";
    return 1;
  }
  eng.delete_service(dns_key); // gone from our store: the engine may forget it

  // -- 5. the cloud holds exactly the objects of shop/web's two ports --------------------------
  auto view = inspect_cloud(**sim, {web_key, dns_key});
  std::cout << "5. objects in the simulator:\n";
  for (const auto& [key, kinds] : view.by_service)
    for (const auto& [kind, n] : kinds)
      std::cout << "     " << to_string(key) << ": " << n << " " << kind << "(s)\n";
  std::cout << "     pool members: ";
  for (const auto& m : view.members)
    std::cout << m << " ";
  std::cout << "\n";
  ok = expect_ports(view, web_key, 2) && ok;
  ok = expect_ports(view, dns_key, 0) && ok;
  if (view.foreign != 0) {
    std::cout << "  MISMATCH: " << view.foreign << " object(s) of no Service\n";
    ok = false;
  }
  if (view.ssl_virtual_services != 1) {
    std::cout << "  MISMATCH: " << view.ssl_virtual_services << " SSL virtual services, want 1\n";
    ok = false;
  }
  if (view.members != std::set<std::string>{"10.0.0.11", "10.0.0.12"}) {
    std::cout << "  MISMATCH: pool members are not exactly the two workers\n";
    ok = false;
  }
  // The deleted Service's actor ends on its own shortly after its cleanup; poll (bounded).
  bool settled = false;
  for (auto until = std::chrono::steady_clock::now() + step_bound;
       !settled && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
    auto stats = eng.stats();
    settled = stats && stats->service_actors == 1 && stats->pool.external_in_use == 1;
  }
  if (!settled) {
    std::cout << "  MISMATCH: the engine should hold one Service and one external IP\n";
    ok = false;
  }

  eng.stop();
  std::cout << (ok ? "OK: every step converged and the cloud holds exactly what shop/web needs\n"
                   : "FAILED\n");
  return ok ? 0 : 1;
}

} // namespace

int main() {
  // Warnings and errors of the engine go to stderr; the walk-through goes to stdout.
  if (auto ok = vcdlb::runtime::setup_logging("warn", vcdlb::config::log_format::text); !ok) {
    std::cerr << "logging: " << vcdlb::describe(ok.error()) << "\n";
    return 1;
  }
  return run();
}
