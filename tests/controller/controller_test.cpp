// The controller in-process against the in-process API server double and VCD simulator: the
// embedding API (`vcdlb demo` builds on it) -- start, ready, leading, phase, stop, wait.

#include "controller/controller.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <thread>
#include <tuple>

#include <regex>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/sim/api_server.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "config/parse.hpp"
#include "controller/permissions.hpp"
#include "protocol/errors.hpp"
#include "tests/runtime/exposition_checker.hpp"

namespace vcdlb {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// Polls `cond` until it holds or `limit` passed (the controller has no change notification
// for these states; the bound is generous, the usual wait is well below a second).
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

config::cloud_config sim_config(const std::string& vcd_url) {
  auto yaml = "vcd:\n  host: \"" + vcd_url
              + "\"\n  org: org1\n  vdc: vdc1\nloadbalancer:\n  network: net1\n"
                "  enableVirtualServiceSharedIP: true\n"
                "clusterid: urn:vcloud:entity:vmware:capvcdCluster:"
                "0b6a8f9e-1c2d-4e3f-8a9b-0c1d2e3f4a5b\nvAppName: it\n"
                "vcdlb:\n  vcd:\n    tls:\n      insecureSkipVerify: true\n"
                "  leaderElection:\n    leaseDuration: 2s\n    renewDeadline: 1s\n"
                "    retryPeriod: 200ms\n";
  auto cfg = config::parse_config(yaml);
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.problems().front().message);
  return cfg.ok() ? cfg.value() : config::cloud_config{};
}

config::credentials sim_credentials() {
  config::credentials c;
  c.method = config::auth_method::password;
  c.user = "admin";
  c.org = "org1";
  c.password = config::secret_string{"admin-password"};
  return c;
}

class controller_test : public ::testing::Test {
protected:
  controller_test() {
    dir_ = fs::temp_directory_path() / ("vcdlb-controller-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  ~controller_test() override {
    if (kube_)
      kube_->stop();
    kube_io_.stop();
    fs::remove_all(dir_);
  }

  // `edit` (if any) changes the VCD scenario before the simulator starts.
  void start_sims(const std::function<void(vcd::sim::scenario&)>& edit = {}) {
    kube::sim::api_server_options ko;
    ko.kubeconfig_path = (dir_ / "kubeconfig").string();
    auto k = kube::sim::api_server::start(kube_io_.context(), ko);
    ASSERT_TRUE(k) << describe(k.error());
    kube_ = std::move(*k);
    vcd::sim::simulator_options vo;
    vo.core.seed_state = vcd::sim::default_scenario();
    // The cluster's RDE (sim_config's clusterid): the controller keeps its status.cpi.
    vcd::sim::defined_entity rde;
    rde.id = "urn:vcloud:entity:vmware:capvcdCluster:0b6a8f9e-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
    rde.name = "it";
    vo.core.seed_state.orgs.at(0).defined_entities.push_back(rde);
    // The cluster's vApp (`vAppName: it`) with the VM of Node w1.
    vcd::sim::vapp_spec vapp;
    vapp.name = "it";
    for (int i = 1; i <= 3; ++i)
      vapp.vms.push_back({"w" + std::to_string(i),
                          "",
                          4,
                          0,
                          {{"net1", "10.0.0.2" + std::to_string(i), "", "", true}}});
    vapp.vms.push_back({"up1", "", 4, 0, {{"net1", "10.0.0.31", "", "", true}}});
    vo.core.seed_state.orgs.front().vdcs.front().vapps.push_back(std::move(vapp));
    vo.core.faults.task_duration = 10ms;
    if (edit)
      edit(vo.core.seed_state);
    auto v = vcd::sim::simulator::start(std::move(vo));
    ASSERT_TRUE(v) << describe(v.error());
    vcd_ = std::move(*v);
  }

  controller_options options(bool leader_elect) {
    controller_options o;
    o.loaded.config = sim_config(vcd_->url());
    o.loaded.creds = sim_credentials();
    o.kubeconfig = (dir_ / "kubeconfig").string();
    o.leader_elect = leader_elect;
    o.identity = "test-replica";
    o.metrics_address = "127.0.0.1:0";
    o.stats_period = 100ms;
    return o;
  }

  void put(const std::string& text) {
    auto r = kube_->core().put_object(json::parse(text).as_object());
    ASSERT_TRUE(r) << r.error().message;
  }

  std::string ingress_ip(const std::string& name) {
    auto s = kube_->core().get_object("v1", "Service", "default", name);
    if (!s)
      return {};
    const auto* ing = s->if_contains("status");
    if (ing == nullptr || !ing->is_object())
      return {};
    const auto* lb = ing->as_object().if_contains("loadBalancer");
    if (lb == nullptr || !lb->is_object())
      return {};
    const auto* list = lb->as_object().if_contains("ingress");
    if (list == nullptr || !list->is_array() || list->as_array().empty())
      return {};
    return json::value_to<std::string>(list->as_array()[0].as_object().at("ip"));
  }

  void put_node_and_service() {
    put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w1"},
            "status":{"addresses":[{"type":"InternalIP","address":"10.0.0.21"}]}})");
    put(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
            "spec":{"type":"LoadBalancer","ports":[{"name":"http","port":80,"protocol":"TCP"}]}})");
  }

  // The Warning Event of `reason` on Node `node` in the API server double (its JSON), or "".
  std::string node_warning(const std::string& node, const std::string& reason) {
    for (const auto& ev : kube_->core().list_objects("v1", "Event", "default")) {
      auto t = json::serialize(ev);
      if (t.find(R"("kind":"Node")") != std::string::npos
          && t.find(R"("name":")" + node + "\"") != std::string::npos
          && t.find(R"("reason":")" + reason + "\"") != std::string::npos
          && t.find(R"("type":"Warning")") != std::string::npos)
        return t;
    }
    return {};
  }

  fs::path dir_;
  asio_bridge::io_runner kube_io_{"kube-sim-io", 1};
  std::unique_ptr<kube::sim::api_server> kube_;
  std::unique_ptr<vcd::sim::simulator> vcd_;
};

TEST_F(controller_test, without_leader_election_it_reconciles_at_once) {
  start_sims();
  auto ctl = controller::start(options(false));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  EXPECT_TRUE(c.leading());
  EXPECT_NE(c.metrics_port(), 0);
  EXPECT_EQ(c.metrics_url(), "http://127.0.0.1:" + std::to_string(c.metrics_port()));
  put_node_and_service();
  ASSERT_TRUE(eventually([&] { return c.ready(); })) << "never ready";
  EXPECT_EQ(c.phase(), engine_phase::running);
  ASSERT_TRUE(eventually([&] { return !ingress_ip("web").empty(); })) << "no ingress IP";
  EXPECT_EQ(ingress_ip("web").rfind("203.0.113.", 0), 0u) << ingress_ip("web");
  auto st = c.stats();
  ASSERT_TRUE(st) << describe(st.error());
  EXPECT_EQ(st->service_actors, 1u);
  c.stop();
  EXPECT_EQ(c.wait(), 0);
  EXPECT_EQ(c.phase(), engine_phase::stopped);
  EXPECT_FALSE(c.leading());
  c.stop(); // idempotent
}

// externalTrafficPolicy: Local end to end: EndpointSlices from the API server (discovery.k8s.io
// list + watch) decide the pool's members, and follow the pod when it moves.
TEST_F(controller_test, a_local_service_pool_holds_the_nodes_with_ready_endpoints) {
  start_sims();
  auto ctl = controller::start(options(false));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  for (auto [name, ip] : {std::pair{"w1", "10.0.0.21"}, std::pair{"w2", "10.0.0.22"}})
    put(std::string{R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")"} + name
        + R"("},"status":{"addresses":[{"type":"InternalIP","address":")" + ip + R"("}]}})");
  auto slice_on = [&](const std::string& node) {
    put(R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","addressType":"IPv4",
            "metadata":{"name":"web-x1","namespace":"default",
                        "labels":{"kubernetes.io/service-name":"web"}},
            "endpoints":[{"addresses":["10.244.1.5"],"nodeName":")"
        + node + R"(","conditions":{"ready":true}}],
            "ports":[{"name":"http","port":8080,"protocol":"TCP"}]})");
  };
  slice_on("w2");
  put(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
          "spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local",
                  "ports":[{"name":"http","port":80,"protocol":"TCP"}]}})");
  auto members = [&] {
    std::vector<std::string> ips;
    auto dump = vcd_->core().dump();
    for (const auto& p : dump.at("pools").as_array())
      if (const auto* m = p.as_object().if_contains("members"); m != nullptr && m->is_array())
        for (const auto& x : m->as_array())
          ips.push_back(json::value_to<std::string>(x.as_object().at("ipAddress")));
    return ips;
  };
  ASSERT_TRUE(eventually([&] { return members() == std::vector<std::string>{"10.0.0.22"}; }, 60s))
    << "pool members: " << members().size();
  slice_on("w1"); // the pod was rescheduled
  EXPECT_TRUE(eventually([&] { return members() == std::vector<std::string>{"10.0.0.21"}; }, 30s));
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(controller_test, a_standby_is_ready_but_does_not_reconcile) {
  start_sims();
  // Someone else holds the lease for a long time.
  put(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
          "metadata":{"name":"vcdlb","namespace":"kube-system"},
          "spec":{"holderIdentity":"other","leaseDurationSeconds":3600,
                  "renewTime":"2030-01-01T00:00:00.000000Z"}})");
  auto ctl = controller::start(options(true));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  put_node_and_service();
  ASSERT_TRUE(eventually([&] { return c.ready(); })) << "a synced standby is ready";
  EXPECT_FALSE(c.leading());
  EXPECT_EQ(c.phase(), engine_phase::discovering);
  EXPECT_FALSE(c.stats());
  EXPECT_EQ(ingress_ip("web"), "");
  c.stop(1s);
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(controller_test, lost_leadership_stops_the_engine_and_ends_wait_with_1) {
  start_sims();
  auto ctl = controller::start(options(true));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  ASSERT_TRUE(eventually([&] { return c.leading(); })) << "never leading";
  auto waiting = std::async(std::launch::async, [&] { return c.wait(); });
  // Another replica overwrites the Lease: the next renew sees a valid foreign holder.
  put(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
          "metadata":{"name":"vcdlb","namespace":"kube-system"},
          "spec":{"holderIdentity":"usurper","leaseDurationSeconds":3600}})");
  ASSERT_EQ(waiting.wait_for(20s), std::future_status::ready) << "wait() did not return";
  EXPECT_EQ(waiting.get(), 1);
  EXPECT_FALSE(c.leading());
  EXPECT_NE(c.phase(), engine_phase::running);
  c.stop(1s);
  EXPECT_EQ(c.wait(), 1); // the reason stays
}

// The other half of permissions_test.cpp: every request the controller makes is in the table
// of controller/permissions.hpp, and every entry of the table is used. The scenario walks the
// rare paths too: a conflicting finalizer patch (re-read with GET), a repeated Event (PATCH),
// a deletion (finalizer removed) and a lease release on stop.
TEST_F(controller_test, its_requests_need_exactly_the_permissions_table) {
  start_sims();
  auto faults = kube_->core().faults();
  faults.rate_409_conditional_patch = 1.0;
  kube_->core().set_faults(faults);
  auto ctl = controller::start(options(true));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  ASSERT_TRUE(eventually([&] { return c.leading(); })) << "never leading";
  put_node_and_service();
  auto used = [&](std::string group, std::string resource, std::string verb) {
    return kube_->core().accesses().count({std::move(group), std::move(resource), std::move(verb)})
           > 0;
  };
  ASSERT_TRUE(eventually([&] { return used("", "services", "get"); }, 30s))
    << "a conflicting finalizer patch is re-read";
  faults.rate_409_conditional_patch = 0;
  kube_->core().set_faults(faults);
  ASSERT_TRUE(eventually([&] { return !ingress_ip("web").empty(); }, 60s)) << "no ingress IP";
  // A port change makes the engine ensure the load balancer again: the same Event repeats.
  put(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
          "spec":{"type":"LoadBalancer","ports":[{"name":"http","port":8080,"protocol":"TCP"}]}})");
  ASSERT_TRUE(eventually([&] { return used("", "events", "patch"); }, 30s)) << "no repeat";
  ASSERT_TRUE(kube_->core().delete_object("v1", "Service", "default", "web"));
  ASSERT_TRUE(
    eventually([&] { return !kube_->core().get_object("v1", "Service", "default", "web"); }, 30s))
    << "the finalizer was not removed";
  // The node duties: a new Node is initialized (patch, status patch); a NotReady Node without
  // a VM is deleted once a second VM read confirms it.
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"gone"},
          "status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})");
  ASSERT_TRUE(eventually([&] { return used("", "nodes/status", "patch"); }, 30s));
  ASSERT_TRUE(eventually([&] { return used("", "nodes", "delete"); }, 40s)) << "gone stays";
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w1"},
          "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"}]},
          "status":{"addresses":[{"type":"Hostname","address":"w1"}]}})");
  ASSERT_TRUE(eventually([&] { return used("", "nodes", "patch"); }, 30s)) << "w1 not initialized";
  c.stop();
  EXPECT_EQ(c.wait(), 0);

  std::set<kube::sim::api_access> table;
  for (const auto& p : controller_permissions)
    table.insert({std::string{p.group}, std::string{p.resource}, std::string{p.verb}});
  const auto accesses = kube_->core().accesses();
  for (const auto& a : accesses)
    EXPECT_TRUE(table.count(a)) << "the controller asked for " << a.verb << " "
                                << (a.group.empty() ? "" : a.group + "/") << a.resource
                                << ", which controller/permissions.hpp (and so the RBAC) lacks";
  for (const auto& t : table)
    EXPECT_TRUE(accesses.count(t)) << "controller/permissions.hpp grants " << t.verb << " "
                                   << (t.group.empty() ? "" : t.group + "/") << t.resource
                                   << ", which the controller never asked for";
}

TEST_F(controller_test, unreachable_servers_are_retried_not_fatal) {
  // Nothing listens on these ports (a just-closed listener would do as well).
  std::ofstream{dir_ / "kubeconfig"} << R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)";
  controller_options o;
  o.loaded.config = sim_config("https://127.0.0.1:9");
  o.loaded.creds = sim_credentials();
  o.kubeconfig = (dir_ / "kubeconfig").string();
  o.leader_elect = false;
  auto ctl = controller::start(std::move(o));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  EXPECT_EQ(c.metrics_port(), 0); // endpoint off
  EXPECT_EQ(c.metrics_url(), "");
  std::this_thread::sleep_for(300ms); // a few failed attempts
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(c.phase(), engine_phase::discovering);
  auto started = std::chrono::steady_clock::now();
  c.stop(1s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(c.wait(), 0);
}

// GET `path` from the plain-HTTP ops endpoint on 127.0.0.1:`port`; the body, or "" on failure.
std::string http_get(uint16_t port, const std::string& path) {
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket sock{io};
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    auto req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    boost::asio::write(sock, boost::asio::buffer(req));
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(sock, boost::asio::dynamic_buffer(out), ec); // until the server closes
    auto body = out.find("\r\n\r\n");
    return body == std::string::npos ? std::string{} : out.substr(body + 4);
  } catch (const std::exception&) {
    return {};
  }
}

// The families docs/metrics.md documents: name -> type, from the rows of its tables.
std::map<std::string, std::string> documented_families() {
  std::ifstream in{VCDLB_SOURCE_DIR "/docs/metrics.md"};
  std::map<std::string, std::string> out;
  std::regex row{R"(^\| `([a-z_:]+)` \| (counter|gauge|histogram) \|)"};
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, row))
      out[m[1]] = m[2];
  return out;
}

class scraper {
public:
  explicit scraper(uint16_t port) : port_(port) {}

  // Scrapes now; false (and the reason in `error`) when the exposition is malformed.
  bool scrape() {
    auto text = http_get(port_, "/metrics");
    auto parsed = test::check_exposition(text, error);
    if (parsed)
      last = std::move(*parsed);
    return parsed.has_value();
  }

  // The sum of the family's samples (a histogram's `_count`) whose labels contain `labels`.
  double sum(const std::string& family, const std::string& labels = {}) {
    double total = 0;
    for (const auto& [key, value] : last.samples) {
      auto brace = key.find('{');
      auto name = key.substr(0, brace);
      if (name != family && name != family + "_count")
        continue;
      if (!labels.empty() && (brace == std::string::npos || key.find(labels) == std::string::npos))
        continue;
      total += value;
    }
    return total;
  }

  // Whether the family has any sample line at all.
  bool has_samples(const std::string& family) {
    for (const auto& [key, value] : last.samples) {
      auto name = key.substr(0, key.find('{'));
      if (name == family || name == family + "_count" || name == family + "_bucket")
        return true;
    }
    return false;
  }

  // Scrapes until `family` (filtered by `labels`) sums to more than `above`.
  bool wait_for(const std::string& family, const std::string& labels = {}, double above = 0,
                std::chrono::milliseconds limit = 20s) {
    return eventually([&] { return scrape() && sum(family, labels) > above; }, limit);
  }

  test::exposition last;
  std::string error;

private:
  uint16_t port_;
};

// Drives the controller through an error-rich run against the simulators: VCD down at start
// (failed logins, 5xx), then 429/503 storms, a Service asking for an IP outside the pool, node
// changes (one applied, one whose VCD task fails), API server 500s and watch restarts. Every
// family docs/metrics.md documents must then carry samples, and every counter and histogram a
// non-zero one: a documented family that nothing feeds fails here.
TEST_F(controller_test, every_documented_family_carries_samples_in_an_error_rich_run) {
  auto documented = documented_families();
  ASSERT_GT(documented.size(), 30u) << "docs/metrics.md tables not found";
  start_sims();
  // VCD answers nothing but 500 at first: discovery fails, logins fail.
  vcd::sim::fault_settings down;
  down.task_duration = 10ms;
  down.rate_500 = 1.0;
  vcd_->core().set_faults(down);
  auto o = options(false);
  o.loaded.config.vcdlb.vcd_qps = 20; // small enough that some calls wait for a token
  o.loaded.config.vcdlb.vcd_burst = 2;
  o.vm_read_period = 300ms; // the node duties' VM reads: often, so the run stays short
  o.vm_read_min_interval = 100ms;
  auto ctl = controller::start(std::move(o));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  scraper m{c.metrics_port()};
  ASSERT_TRUE(m.wait_for("cloudprovider_vcd_logins_total", R"(result="failure")")) << m.error;
  EXPECT_TRUE(m.wait_for("vcdlb_vm_inventory_reads_total", R"(result="error")"));
  EXPECT_EQ(m.sum("vcdlb_vm_inventory_last_success_timestamp_seconds"), 0);
  EXPECT_EQ(m.sum("vcdlb_vcd_up"), 0);
  EXPECT_EQ(m.sum("vcdlb_vcd_last_success_timestamp_seconds"), 0);
  EXPECT_GT(m.sum("cloudprovider_vcd_api_request_errors_total", R"(reason="server_error")"), 0);

  // VCD answers again; once the engine runs, with 429s and 503s now and then (the gateway
  // retries those; start-up discovery backs off instead, which would only slow the test).
  vcd_->core().set_faults({.task_duration = 10ms});
  put_node_and_service();
  ASSERT_TRUE(eventually([&] { return c.phase() == engine_phase::running; }));
  vcd::sim::fault_settings flaky;
  flaky.task_duration = 10ms;
  // A fifth of the requests each: the few gateway requests below must meet some whatever other
  // traffic (the RDE writer's) takes its share of the simulator's seeded draws.
  flaky.rate_429 = 0.2;
  flaky.rate_503 = 0.2;
  vcd_->core().set_faults(flaky);
  // An IP the edge gateway does not have: the pool refuses it.
  put(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"elsewhere","namespace":"default"},
          "spec":{"type":"LoadBalancer","loadBalancerIP":"198.51.100.77",
                  "ports":[{"name":"http","port":80,"protocol":"TCP"}]}})");
  ASSERT_TRUE(eventually([&] { return !ingress_ip("web").empty(); })) << "no ingress IP";
  ASSERT_TRUE(m.wait_for("vcdlb_vcd_up")) << "VCD answers but vcdlb_vcd_up stays 0";
  EXPECT_GT(m.sum("vcdlb_vcd_last_success_timestamp_seconds"), 1.7e9);
  EXPECT_TRUE(m.wait_for("vcdlb_ip_pool_allocation_failures_total", R"(reason="unavailable")"));

  // A node joins: the pool members follow (a node-set-driven update).
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w2"},
          "status":{"addresses":[{"type":"InternalIP","address":"10.0.0.22"}]}})");
  EXPECT_TRUE(m.wait_for("service_controller_loadbalancer_sync_total"));
  // Another joins while every VCD task fails: that update fails.
  vcd::sim::fault_settings failing = flaky;
  failing.task_failure_rate = 1.0;
  vcd_->core().set_faults(failing);
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w3"},
          "status":{"addresses":[{"type":"InternalIP","address":"10.0.0.23"}]}})");
  EXPECT_TRUE(m.wait_for("service_controller_nodesync_error_total"));
  vcd_->core().set_faults(flaky);

  // The node duties: a kubelet registers up1 (its VM exists: initialized) and gone1 (no VM, not
  // Ready: a VMNotFound problem, then deleted); w1's addresses gain its VM's ExternalIP.
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"up1"},
          "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","effect":"NoSchedule"}]},
          "status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"gone1"},
          "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","effect":"NoSchedule"}]},
          "status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})");
  EXPECT_TRUE(m.wait_for("vcdlb_node_initializations_total", R"(result="success")"));
  EXPECT_TRUE(m.wait_for("vcdlb_node_problems_total", R"(reason="VMNotFound")"));
  EXPECT_TRUE(m.wait_for("vcdlb_node_deletions_total"));
  EXPECT_TRUE(m.wait_for("vcdlb_node_address_updates_total"));
  EXPECT_TRUE(m.wait_for("vcdlb_vm_inventory_reads_total", R"(result="success")"));
  EXPECT_GT(m.sum("vcdlb_vm_inventory_last_success_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(m.sum("vcdlb_vm_inventory_vms"), 4) << "w1..w3 and up1 in vApp it";
  EXPECT_EQ(m.sum("vcdlb_nodes_tainted", R"(taint="uninitialized")"), 0)
    << "up1 initialized, gone1 deleted";

  // The API server: some 500s, and watches that end.
  kube::sim::fault_settings kf;
  kf.rate_500 = 0.3;
  kube_->core().set_faults(kf);
  kube_->core().finish_watches();
  EXPECT_TRUE(m.wait_for("rest_client_requests_total", R"(code="500")"));
  EXPECT_TRUE(m.wait_for("vcdlb_kube_watch_restarts_total"));
  kube_->core().set_faults({});
  EXPECT_TRUE(m.wait_for("vcdlb_gateway_retries_total"));

  ASSERT_TRUE(m.scrape()) << m.error;
  for (const auto& [name, type] : documented) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(m.has_samples(name)) << "documented family without samples: " << name;
    ASSERT_TRUE(m.last.types.contains(name)) << "documented but not exposed";
    EXPECT_EQ(m.last.types.at(name), type);
    if (type != "gauge") {
      EXPECT_GT(m.sum(name), 0) << "documented " << type << " never incremented: " << name;
    }
  }
  // Label values as documented.
  for (const auto& [key, value] : m.last.samples) {
    if (key.starts_with("vcdlb_gateway_retries_total{")
        || key.starts_with("cloudprovider_vcd_api_request_errors_total{")) {
      EXPECT_EQ(key.find("reason=\"vcd."), std::string::npos) << key;
    }
  }
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

struct seen_event {
  std::string last_timestamp; // RFC 3339, whole seconds
  std::string reason;
  std::string type;
};

// The Events of Service `name` in the API server double.
std::vector<seen_event> events_of(kube::sim::api_server& api, const std::string& name) {
  std::vector<seen_event> out;
  for (const auto& ev : api.core().list_objects("v1", "Event", "default")) {
    const auto* obj = ev.if_contains("involvedObject");
    if (obj == nullptr || !obj->is_object())
      continue;
    const auto* n = obj->as_object().if_contains("name");
    if (n == nullptr || !n->is_string() || n->as_string() != name)
      continue;
    auto text = [&](const char* key) {
      const auto* v = ev.if_contains(key);
      return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
    };
    out.push_back({text("lastTimestamp"), text("reason"), text("type")});
  }
  return out;
}

// VCD fails while a Service has work: the controller logs it, the gauge drops, and the
// Service gets a SyncLoadBalancerDelayed Warning within seconds, then a Normal Event once VCD
// answers again.
TEST_F(controller_test, a_vcd_outage_is_visible_on_the_gauge_and_on_the_waiting_service) {
  start_sims();
  auto ctl = controller::start(options(false));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  scraper m{c.metrics_port()};
  put_node_and_service();
  ASSERT_TRUE(eventually([&] { return !ingress_ip("web").empty(); })) << "no ingress IP";
  ASSERT_TRUE(m.wait_for("vcdlb_vcd_up"));
  // VCD answers only 500 from now on.
  vcd::sim::fault_settings down;
  down.task_duration = 10ms;
  down.rate_500 = 1.0;
  vcd_->core().set_faults(down);
  auto outage = std::chrono::steady_clock::now();
  // A new Service needs VCD work. (api_core::put_object cannot update an existing Service:
  // its status write reuses the resourceVersion the spec write just replaced.)
  put(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"api","namespace":"default"},
          "spec":{"type":"LoadBalancer","ports":[{"name":"http","port":80,"protocol":"TCP"}]}})");
  ASSERT_TRUE(eventually([&] { return m.scrape() && m.sum("vcdlb_vcd_up") == 0; }))
    << "vcdlb_vcd_up stays 1 while every VCD request fails";
  auto has_delayed = [&] {
    for (const auto& e : events_of(*kube_, "api"))
      if (e.reason == "SyncLoadBalancerDelayed" && e.type == "Warning")
        return true;
    return false;
  };
  ASSERT_TRUE(eventually(has_delayed, 30s)) << "no Warning on the waiting Service";
  auto took = std::chrono::steady_clock::now() - outage;
  EXPECT_LT(took, 20s) << "the Warning came late";
  // VCD answers again: the Service converges, and a Normal Event is at least as recent as
  // every Warning (timestamps have whole seconds).
  vcd_->core().set_faults({.task_duration = 10ms});
  auto ends_normal = [&] {
    std::string warned, ensured;
    for (const auto& e : events_of(*kube_, "api")) {
      if (e.type == "Warning")
        warned = std::max(warned, e.last_timestamp);
      else if (e.reason == "EnsuredLoadBalancer")
        ensured = std::max(ensured, e.last_timestamp);
    }
    return !ensured.empty() && ensured >= warned;
  };
  EXPECT_TRUE(eventually(ends_normal, 60s)) << "the Service ends on a Warning";
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

TEST_F(controller_test, unusable_options_fail_start) {
  start_sims();
  auto o = options(false);
  o.kubeconfig = (dir_ / "missing-kubeconfig").string();
  auto bad_kubeconfig = controller::start(std::move(o));
  ASSERT_FALSE(bad_kubeconfig);
  EXPECT_NE(describe(bad_kubeconfig.error()).find("missing-kubeconfig"), std::string::npos)
    << describe(bad_kubeconfig.error());

  auto first = controller::start(options(false));
  ASSERT_TRUE(first) << describe(first.error());
  auto o2 = options(false);
  o2.metrics_address = "127.0.0.1:" + std::to_string((*first)->metrics_port());
  EXPECT_FALSE(controller::start(std::move(o2))) << "the port is taken";

  auto o3 = options(true);
  o3.loaded.config.vcdlb.leader_election.renew_deadline = 5s; // longer than the lease
  EXPECT_FALSE(controller::start(std::move(o3)));
}

// The node duties end to end against both simulators, without the service controller
// (`--controllers=cloud-node,cloud-node-lifecycle`): a new Node is initialized; a Node
// initialized by the upstream provider is left alone; a powered-off VM taints its NotReady Node
// until it is back; while VCD is down nothing is deleted; a deleted VM deletes its Node.
TEST_F(controller_test, node_duties_against_both_simulators) {
  start_sims();
  auto o = options(false);
  o.run_service = false;
  o.vm_read_period = 300ms;
  o.vm_read_min_interval = 100ms;
  auto ctl = controller::start(std::move(o));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  auto node = [&](const std::string& name) {
    return kube_->core().get_object("v1", "Node", "", name);
  };
  auto text = [&](const std::string& name) {
    auto n = node(name);
    return n ? json::serialize(*n) : std::string{"<gone>"};
  };
  auto vm_urn = [](const std::string& name) {
    return vcd::sim::derived_urn("vm", "org1/vdc1/it/" + name);
  };
  auto vcd_control = [&](const std::string& method, const std::string& target,
                         const std::string& body = "") {
    http::request r;
    r.method = method;
    r.target = target;
    r.body = body;
    return vcd_->core().handle(r).response.status;
  };
  const std::string up_text = R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"up1"},
    "spec":{"providerID":"vmware-cloud-director://)"
                              + vm_urn("up1") + R"("},
    "status":{"conditions":[{"type":"Ready","status":"True"}],
      "addresses":[{"type":"InternalIP","address":"10.0.0.31"},{"type":"ExternalIP","address":"10.0.0.31"},
                   {"type":"Hostname","address":"up1"}]}})";
  put(up_text);
  auto up_rv =
    kube_->core().get_object("v1", "Node", "", "up1")->at("metadata").at("resourceVersion");
  for (const char* name : {"w2", "w3"})
    put(std::string{R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")"} + name + R"("},
      "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"}]},
      "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"Hostname","address":")"
        + name + R"("}]}})");
  // w1's kubelet was started with --node-ip=10.0.0.99, which its VM does not have.
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w1",
      "annotations":{"alpha.kubernetes.io/provided-node-ip":"10.0.0.99"}},
    "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"}]},
    "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"Hostname","address":"w1"}]}})");
  ASSERT_TRUE(eventually([&] { return c.ready(); })) << "never ready";
  ASSERT_TRUE(eventually([&] {
    return text("w2").find("\"providerID\":\"vmware-cloud-director://" + vm_urn("w2"))
             != std::string::npos
           && text("w2").find("uninitialized") == std::string::npos
           && text("w2").find("10.0.0.22") != std::string::npos;
  }))
    << text("w2");
  EXPECT_NE(text("w3").find("10.0.0.23"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return !node_warning("w1", "ProvidedNodeIPNotFound").empty(); }))
    << text("w1");
  EXPECT_NE(node_warning("w1", "ProvidedNodeIPNotFound").find("10.0.0.21"), std::string::npos)
    << "the Warning names the VM's addresses: " << node_warning("w1", "ProvidedNodeIPNotFound");
  EXPECT_NE(text("w1").find("uninitialized"), std::string::npos) << text("w1");
  EXPECT_EQ(text("w1").find("providerID"), std::string::npos) << text("w1");
  // The VM gets the kubelet's IP: w1 is initialized at the next read.
  ASSERT_EQ(vcd_control("PATCH", "/_sim/vms/w1",
                        R"({"nics":[{"network":"net1","ip":"10.0.0.99","connected":true}]})"),
            200u);
  ASSERT_TRUE(eventually([&] {
    return text("w1").find("uninitialized") == std::string::npos
           && text("w1").find("10.0.0.99") != std::string::npos;
  }))
    << text("w1");

  // w2's VM is powered off and its kubelet stops reporting.
  ASSERT_EQ(vcd_control("PATCH", "/_sim/vms/w2", R"({"status":"POWERED_OFF"})"), 200u);
  auto w2 = *node("w2");
  w2["status"].as_object()["conditions"] = json::parse(R"([{"type":"Ready","status":"Unknown"}])");
  ASSERT_TRUE(kube_->core().put_object(w2));
  ASSERT_TRUE(eventually([&] { return text("w2").find("shutdown") != std::string::npos; }))
    << text("w2");
  ASSERT_EQ(vcd_control("PATCH", "/_sim/vms/w2", R"({"status":"POWERED_ON"})"), 200u);
  ASSERT_TRUE(eventually([&] { return text("w2").find("shutdown") == std::string::npos; }))
    << text("w2");

  // VCD goes down; w3's VM is deleted meanwhile and its Node goes NotReady.
  auto faults = vcd_->core().faults();
  faults.rate_503 = 1.0;
  vcd_->core().set_faults(faults);
  ASSERT_EQ(vcd_control("DELETE", "/_sim/vms/w3"), 204u);
  auto w3 = *node("w3");
  w3["status"].as_object()["conditions"] = json::parse(R"([{"type":"Ready","status":"Unknown"}])");
  ASSERT_TRUE(kube_->core().put_object(w3));
  std::this_thread::sleep_for(2s); // several read periods
  EXPECT_TRUE(node("w3")) << "an outage deletes nothing";
  faults.rate_503 = 0;
  vcd_->core().set_faults(faults);
  ASSERT_TRUE(eventually([&] { return !node("w3"); })) << text("w3");

  EXPECT_EQ(kube_->core().get_object("v1", "Node", "", "up1")->at("metadata").at("resourceVersion"),
            up_rv)
    << "the upstream-initialized Node was written: " << text("up1");
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

// Zones across two VDCs (upstream's multi-zone vApp names `<vAppName>_<vdc uuid>`), and the bad
// input a Node can meet there: two VMs of its name (one per zone), a VM without a NIC on the
// cluster network. Real controller, both simulators.
TEST_F(controller_test, node_duties_zones_across_two_vdcs_and_bad_input_against_both_simulators) {
  start_sims([](vcd::sim::scenario& s) {
    auto& org = s.orgs.front();
    vcd::sim::vdc vdc2;
    vdc2.name = "vdc2";
    vdc2.id = vcd::sim::derived_urn("vdc", org.name + "/vdc2");
    org.vdcs.push_back(std::move(vdc2));
    for (auto& v : org.vdcs) {
      auto net = v.name == "vdc1" ? std::string{"10.0.1."} : std::string{"10.0.2."};
      vcd::sim::vapp_spec vapp;
      vapp.name = "it_" + v.id.substr(v.id.rfind(':') + 1);
      vapp.vms.push_back({"z-" + v.name, "", 4, 0, {{"net1", net + "1", "", "", true}}});
      vapp.vms.push_back({"twin", "", 4, 0, {{"net1", net + "2", "", "", true}}});
      if (v.name == "vdc2")
        vapp.vms.push_back({"nonic", "", 4, 0, {{"storage", "172.16.0.9", "", "", true}}});
      v.vapps.push_back(std::move(vapp));
    }
  });
  auto zones = dir_ / "vcloud-cse-zones.yaml";
  {
    std::ofstream out{zones};
    out << "zoneType: dcgroup\nzones:\n- name: zone-a\n  ovdcName: vdc1\n- name: zone-b\n"
           "  ovdcName: vdc2\n";
  }
  auto o = options(false);
  o.run_service = false;
  o.loaded.config.vcd.is_zone_enabled_cluster = true;
  o.zones_file = zones.string();
  o.vm_read_period = 300ms;
  o.vm_read_min_interval = 100ms;
  auto ctl = controller::start(std::move(o));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  auto text = [&](const std::string& name) {
    auto n = kube_->core().get_object("v1", "Node", "", name);
    return n ? json::serialize(*n) : std::string{"<gone>"};
  };
  for (const char* name : {"z-vdc1", "z-vdc2", "twin", "nonic"})
    put(std::string{R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")"} + name + R"("},
      "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"}]},
      "status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  for (auto [name, zone, ip] :
       {std::tuple{"z-vdc1", "zone-a", "10.0.1.1"}, std::tuple{"z-vdc2", "zone-b", "10.0.2.1"}}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(eventually([&] {
      auto t = text(name);
      return t.find(R"("topology.kubernetes.io/zone":")" + std::string{zone} + "\"")
               != std::string::npos
             && t.find(R"("failure-domain.beta.kubernetes.io/zone":")" + std::string{zone} + "\"")
                  != std::string::npos
             && t.find(ip) != std::string::npos && t.find("uninitialized") == std::string::npos
             && t.find("vmware-cloud-director://urn:vcloud:vm:") != std::string::npos;
    }))
      << text(name);
  }
  ASSERT_TRUE(eventually([&] { return !node_warning("twin", "DuplicateVM").empty(); }))
    << text("twin");
  EXPECT_NE(node_warning("twin", "DuplicateVM").find("2 VMs are named twin"), std::string::npos)
    << node_warning("twin", "DuplicateVM");
  ASSERT_TRUE(eventually([&] { return !node_warning("nonic", "NoClusterNetworkNIC").empty(); }))
    << text("nonic");
  EXPECT_NE(node_warning("nonic", "NoClusterNetworkNIC").find("network net1"), std::string::npos)
    << node_warning("nonic", "NoClusterNetworkNIC");
  for (const char* name : {"twin", "nonic"}) {
    EXPECT_NE(text(name).find("uninitialized"), std::string::npos) << "left as it is: " << name;
    EXPECT_EQ(text(name).find("providerID"), std::string::npos) << name;
  }
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

// A zones file that does not parse, in a zone-enabled cluster: the controller still starts,
// and each Node it would initialize gets a ZonesFileInvalid Warning and keeps its taint.
TEST_F(controller_test,
       a_zones_file_that_does_not_parse_leaves_nodes_uninitialized_with_a_warning) {
  start_sims();
  auto zones = dir_ / "vcloud-cse-zones.yaml";
  {
    std::ofstream out{zones};
    out << "zoneType: dcgroup\nzones: [ {name: zone-a, ovdcName: \n";
  }
  auto o = options(false);
  o.run_service = false;
  o.loaded.config.vcd.is_zone_enabled_cluster = true;
  o.zones_file = zones.string();
  o.vm_read_period = 300ms;
  o.vm_read_min_interval = 100ms;
  auto ctl = controller::start(std::move(o));
  ASSERT_TRUE(ctl) << describe(ctl.error());
  auto& c = **ctl;
  put(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"w2"},
    "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"}]},
    "status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  ASSERT_TRUE(eventually([&] { return !node_warning("w2", "ZonesFileInvalid").empty(); }));
  EXPECT_NE(node_warning("w2", "ZonesFileInvalid").find("zones"), std::string::npos);
  auto w2 = json::serialize(*kube_->core().get_object("v1", "Node", "", "w2"));
  EXPECT_NE(w2.find("uninitialized"), std::string::npos) << w2;
  EXPECT_EQ(w2.find("providerID"), std::string::npos) << w2;
  c.stop();
  EXPECT_EQ(c.wait(), 0);
}

} // namespace
} // namespace vcdlb
