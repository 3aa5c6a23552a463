// The controller in-process against the in-process API server double and VCD simulator: the
// embedding API (`vcdlb demo` builds on it) -- start, ready, leading, phase, stop, wait.

#include "controller/controller.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/sim/api_server.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "config/parse.hpp"
#include "controller/permissions.hpp"
#include "protocol/errors.hpp"

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

  void start_sims() {
    kube::sim::api_server_options ko;
    ko.kubeconfig_path = (dir_ / "kubeconfig").string();
    auto k = kube::sim::api_server::start(kube_io_.context(), ko);
    ASSERT_TRUE(k) << describe(k.error());
    kube_ = std::move(*k);
    vcd::sim::simulator_options vo;
    vo.core.seed_state = vcd::sim::default_scenario();
    vo.core.faults.task_duration = 10ms;
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

} // namespace
} // namespace vcdlb
