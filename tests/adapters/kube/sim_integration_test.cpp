// The real client stack (beast_client, informers, writers, event recorder, leader elector)
// against the Kubernetes API server double over loopback TLS.

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/beast_client.hpp"
#include "adapters/kube/event_recorder.hpp"
#include "adapters/kube/informer.hpp"
#include "adapters/kube/kubeconfig.hpp"
#include "adapters/kube/leader_elector.hpp"
#include "adapters/kube/node_client.hpp"
#include "adapters/kube/service_writer.hpp"
#include "adapters/kube/sim/api_server.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "protocol/errors.hpp"
#include "protocol/register.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto bound = 20s;

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = bound) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

json::object service_object(const std::string& ns, const std::string& name, int port = 80) {
  auto v = json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{},"spec":{
    "type":"LoadBalancer","ports":[{"name":"http","protocol":"TCP","port":80}]}})");
  auto& o = v.as_object();
  o["metadata"].as_object()["name"] = name;
  o["metadata"].as_object()["namespace"] = ns;
  o["spec"].as_object()["ports"].as_array()[0].as_object()["port"] = port;
  return o;
}

caf::actor_system_config& with_types(caf::actor_system_config& cfg) {
  register_types(cfg);
  return cfg;
}

class sim_integration : public ::testing::Test {
protected:
  sim_integration() : sys_(with_types(cfg_)), io_("kube-it", 2), timers_(io_.context()) {}

  ~sim_integration() override {
    for (auto& c : clients_)
      c->shutdown();
    if (server_)
      server_->stop();
    io_.stop();
  }

  void start(sim::api_server_options opts = {}) {
    opts.tick_interval = 20ms;
    auto s = sim::api_server::start(io_.context(), std::move(opts));
    ASSERT_TRUE(s) << describe(s.error());
    server_ = std::move(*s);
  }

  // A client configured the way vcdlb would be: from the kubeconfig the double writes.
  std::shared_ptr<beast_client> client(beast_client_options opts = {}) {
    auto conn = parse_kubeconfig(server_->kubeconfig(), "/tmp", "");
    EXPECT_TRUE(conn) << describe(conn.error());
    opts.connection = *conn;
    opts.proxy_from_environment = false;
    opts.qps = 0;
    auto c = beast_client::make(io_.context(), opts);
    EXPECT_TRUE(c) << describe(c.error());
    clients_.push_back(*c);
    return *c;
  }

  sim::api_core& core() { return server_->core(); }

  // Creates a Service directly in the double.
  bool create_service(const std::string& ns, const std::string& name, int port = 80) {
    auto r = core().put_object(service_object(ns, name, port));
    if (!r)
      ADD_FAILURE() << r.error().code << " " << r.error().message;
    return static_cast<bool>(r);
  }

  // Another writer changes a Service: a status write through its own client.
  void someone_writes_status(const std::string& name, const std::string& ip) {
    auto c = clients_.front();
    auto r = wait<service_snapshot>([&](auto cb) {
      c->patch_service_status({"default", name}, {{ip, "", "", {}}}, cb);
    });
    if (!r && !has_code(r.error(), kube_errc::not_found))
      ADD_FAILURE() << describe(r.error());
  }

  std::map<std::string, std::string> stored_services() {
    std::map<std::string, std::string> out;
    for (const auto& o : core().list_objects("v1", "Service", "")) {
      const auto& m = o.at("metadata").as_object();
      out[std::string{m.at("namespace").as_string()} + "/"
          + std::string{m.at("name").as_string()}] =
        std::string{m.at("resourceVersion").as_string()};
    }
    return out;
  }

  template <class T>
  static caf::expected<T> wait(std::function<void(callback<T>)> start) {
    auto p = std::make_shared<std::promise<caf::expected<T>>>();
    auto f = p->get_future();
    start([p](caf::expected<T> r) { p->set_value(std::move(r)); });
    if (f.wait_for(bound) != std::future_status::ready)
      return caf::make_error(net_errc::timeout, std::string{"test bound exceeded"});
    return f.get();
  }

  // Shutdown order: actors (in the test), clients and server, the io threads, the actor system.
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  asio_bridge::io_runner io_;
  asio_timer_queue timers_;
  std::unique_ptr<sim::api_server> server_;
  std::vector<std::shared_ptr<beast_client>> clients_;
};

TEST_F(sim_integration, informer_stays_consistent_across_dropped_watches_and_410s) {
  start();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(create_service("default", "s" + std::to_string(i)));
  auto c = client();
  std::mutex mtx;
  std::map<std::string, std::string> told; // key -> RV, from the deltas alone
  informer_options opts;
  opts.seed = 11;
  opts.backoff_initial = 20ms; // keep the test quick; the algorithm is the same
  opts.backoff_max = 200ms;
  auto inf = service_informer::make(c, timers_, opts, [&](const delta<service_snapshot>& d) {
    std::lock_guard guard{mtx};
    if (d.type == delta_type::added || d.type == delta_type::updated)
      told[object_key(d.object)] = d.object.resource_version;
    else if (d.type == delta_type::deleted)
      told.erase(object_key(d.object));
  });
  inf->start();
  ASSERT_TRUE(eventually([&] { return inf->has_synced(); }));
  std::mt19937_64 rng{5};
  for (int step = 0; step < 60; ++step) {
    auto name = "s" + std::to_string(rng() % 8);
    switch (rng() % 6) {
    case 0:
      if (!core().get_object("v1", "Service", "default", name)) {
        ASSERT_TRUE(create_service("default", name));
      }
      break;
    case 1:
      someone_writes_status(name, "192.0.2." + std::to_string(rng() % 200 + 1));
      break;
    case 2:
      core().delete_object("v1", "Service", "default", name);
      break;
    case 3:
      core().drop_watches();
      break;
    case 4:
      core().expire_history();
      break;
    case 5:
      std::this_thread::sleep_for(5ms);
      break;
    }
  }
  auto converged = [&] {
    auto want = stored_services();
    std::map<std::string, std::string> cache;
    for (const auto& s : inf->list())
      cache[object_key(s)] = s.resource_version;
    std::lock_guard guard{mtx};
    return cache == want && told == want;
  };
  EXPECT_TRUE(eventually(converged));
  EXPECT_GE(inf->stats().relists_after_gone + inf->stats().errors, 1u);
  inf->stop();
}

TEST_F(sim_integration, status_writes_only_when_changed) {
  start();
  ASSERT_TRUE(create_service("default", "web"));
  auto c = client();
  service_writer writer{c, timers_};
  auto svc = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(svc) << describe(svc.error());
  auto stored = wait<service_snapshot>([&](auto cb) {
    writer.update_status(*svc, {{"192.0.2.20", "", "", {}}}, cb);
  });
  ASSERT_TRUE(stored) << describe(stored.error());
  ASSERT_EQ(stored->ingress.size(), 1u);
  EXPECT_EQ(stored->ingress[0].ip, "192.0.2.20");
  auto patches = core().counters().patch;
  auto again = wait<service_snapshot>([&](auto cb) {
    writer.update_status(*stored, {{"192.0.2.20", "", "", {}}}, cb);
  });
  ASSERT_TRUE(again);
  EXPECT_EQ(core().counters().patch, patches); // the server-defaulted ipMode matched
  auto obj = core().get_object("v1", "Service", "default", "web");
  ASSERT_TRUE(obj);
  EXPECT_EQ(json::serialize(obj->at("status")),
            R"({"loadBalancer":{"ingress":[{"ip":"192.0.2.20","ipMode":"VIP"}]}})");
}

TEST_F(sim_integration, create_service_sends_metadata_and_spec_and_the_server_allocates) {
  start();
  auto c = client();
  service_snapshot svc;
  svc.ns = "default";
  svc.name = "dns";
  svc.type = "LoadBalancer";
  svc.annotations = {{"vcdlb.io/allow-shared-ip", "k1"}};
  svc.labels = {{"app", "dns"}};
  svc.load_balancer_ip = "203.0.113.40";
  svc.load_balancer_class = "vcdlb.example.com/vcd";
  svc.ports = {{"dns-udp", "UDP", 53, 0, ""}, {"dns-tcp", "TCP", 53, 31053, "tcp"}};
  auto stored = wait<service_snapshot>([&](auto cb) { c->create_service(svc, cb); });
  ASSERT_TRUE(stored) << describe(stored.error());
  EXPECT_EQ(stored->annotations, svc.annotations);
  EXPECT_EQ(stored->labels, svc.labels);
  EXPECT_EQ(stored->load_balancer_ip, "203.0.113.40");
  EXPECT_EQ(stored->load_balancer_class, "vcdlb.example.com/vcd");
  ASSERT_EQ(stored->ports.size(), 2u);
  EXPECT_EQ(stored->ports[0].protocol, "UDP");
  EXPECT_GT(stored->ports[0].node_port, 0); // allocated by the server
  EXPECT_EQ(stored->ports[1].node_port, 31053);
  EXPECT_EQ(stored->ports[1].app_protocol, "tcp");
  EXPECT_FALSE(stored->uid.empty());
  EXPECT_TRUE(core().get_object("v1", "Service", "default", "dns"));
  auto again = wait<service_snapshot>([&](auto cb) { c->create_service(svc, cb); });
  ASSERT_FALSE(again);
  EXPECT_TRUE(has_code(again.error(), kube_errc::already_exists)) << describe(again.error());
  svc.ns = "no-such-namespace";
  auto nowhere = wait<service_snapshot>([&](auto cb) { c->create_service(svc, cb); });
  ASSERT_FALSE(nowhere);
  EXPECT_TRUE(has_code(nowhere.error(), kube_errc::not_found)) << describe(nowhere.error());
}

TEST_F(sim_integration, finalizer_flow_with_conflicts) {
  start();
  ASSERT_TRUE(create_service("default", "web"));
  auto c = client();
  service_writer writer{c, timers_};
  auto svc = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(svc);
  // Someone edits the Service after we read it: the first patch conflicts, the retry wins.
  someone_writes_status("web", "192.0.2.99");
  auto added = wait<service_snapshot>([&](auto cb) { writer.add_finalizer(*svc, cb); });
  ASSERT_TRUE(added) << describe(added.error());
  EXPECT_TRUE(added->has_finalizer(load_balancer_cleanup_finalizer));
  ASSERT_EQ(added->ingress.size(), 1u); // the other writer's change is kept
  EXPECT_EQ(added->ingress[0].ip, "192.0.2.99");
  ASSERT_TRUE(core().delete_object("v1", "Service", "default", "web"));
  auto deleting = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(deleting);
  EXPECT_TRUE(deleting->deleting);
  auto removed = wait<service_snapshot>([&](auto cb) { writer.remove_finalizer(*deleting, cb); });
  ASSERT_TRUE(removed) << describe(removed.error());
  EXPECT_FALSE(core().get_object("v1", "Service", "default", "web"));
}

TEST_F(sim_integration, events_are_aggregated) {
  start();
  ASSERT_TRUE(create_service("default", "web"));
  auto c = client();
  auto svc = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(svc);
  event_recorder rec{c, timers_};
  for (int i = 0; i < 3; ++i)
    rec.record(*svc, event_type::warning, reasons::sync_load_balancer_failed,
               "Error syncing load balancer: gateway busy");
  rec.record(*svc, event_type::normal, reasons::ensured_load_balancer, "Ensured load balancer");
  // Repeats coalesce while the first write is in flight: one create, then one or two patches.
  auto failed_count = [&] {
    for (const auto& e : core().list_objects("v1", "Event", "default"))
      if (e.at("reason") == "SyncLoadBalancerFailed")
        return e.at("count").to_number<int64_t>();
    return int64_t{0};
  };
  auto ok = eventually([&] { return rec.stats().created == 2 && failed_count() == 3; });
  if (!ok) {
    auto s = rec.stats();
    ADD_FAILURE() << "created " << s.created << " patched " << s.patched << " failed " << s.failed;
    for (const auto& line : core().request_log())
      ADD_FAILURE() << line;
    return;
  }
  EXPECT_GE(rec.stats().patched, 1u);
  auto events = core().list_objects("v1", "Event", "default");
  ASSERT_EQ(events.size(), 2u);
  bool saw_count = false;
  for (const auto& e : events)
    if (e.at("reason") == "SyncLoadBalancerFailed") {
      EXPECT_EQ(e.at("count").to_number<int64_t>(), 3);
      EXPECT_EQ(e.at("type"), "Warning");
      EXPECT_EQ(e.at("involvedObject").at("uid"), json::value(svc->uid));
      saw_count = true;
    }
  EXPECT_TRUE(saw_count);
}

TEST_F(sim_integration, token_file_auth_and_rejection) {
  start();
  char tmpl[] = "/tmp/vcdlb-it-token-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream{dir + "/token"} << "wrong\n";
  auto conn = parse_kubeconfig(server_->kubeconfig(), "/tmp", "");
  ASSERT_TRUE(conn);
  beast_client_options opts;
  opts.connection = *conn;
  opts.connection.token.clear();
  opts.connection.token_file = dir + "/token";
  opts.proxy_from_environment = false;
  auto c = *beast_client::make(io_.context(), opts);
  clients_.push_back(c);
  auto denied = wait<list_result<node_snapshot>>([&](auto cb) { c->list_nodes({}, cb); });
  ASSERT_FALSE(denied);
  EXPECT_TRUE(has_code(denied.error(), kube_errc::unauthorized));
  // The mounted token is rotated to a valid one: the next request re-reads it after the 401.
  std::ofstream{dir + "/token"} << server_->token() << "\n";
  auto ok = wait<list_result<node_snapshot>>([&](auto cb) { c->list_nodes({}, cb); });
  EXPECT_TRUE(ok) << describe(ok.error());
  std::filesystem::remove_all(dir);
}

TEST_F(sim_integration, leader_election_between_two_processes) {
  start();
  auto& sys = sys_;
  // Shared with the actors, which may still run a moment after the test body ends.
  auto a_leading = std::make_shared<std::atomic<int>>(0);
  auto b_leading = std::make_shared<std::atomic<int>>(0);
  auto spawn = [&](const std::string& id, std::shared_ptr<std::atomic<int>> flag) {
    leader_election_config le;
    le.identity = id;
    le.lease_duration = 2s;
    le.renew_deadline = 1500ms;
    le.retry_period = 300ms;
    le.wall_origin = std::chrono::system_clock::now();
    le.on_change = [flag](bool leading) { *flag = leading ? 1 : 0; };
    auto a = spawn_leader_elector(sys, client(), le);
    EXPECT_TRUE(a);
    return *a;
  };
  auto a = spawn("a", a_leading);
  ASSERT_TRUE(eventually([&] { return *a_leading == 1; }));
  auto b = spawn("b", b_leading);
  std::this_thread::sleep_for(2500ms); // longer than the lease: a keeps renewing
  EXPECT_EQ(*a_leading, 1);
  EXPECT_EQ(*b_leading, 0);
  // a releases on shutdown; b takes over at its next retry.
  caf::scoped_actor self{sys};
  bool released = false;
  self->request(a, std::chrono::seconds{5}, le_stop_atom::value)
    .receive([&](bool r) { released = r; }, [&](caf::error& e) { ADD_FAILURE() << describe(e); });
  EXPECT_TRUE(released);
  EXPECT_TRUE(eventually([&] { return *b_leading == 1; }, 3s));
  auto lease_obj = core().get_object("coordination.k8s.io/v1", "Lease", "kube-system", "vcdlb");
  ASSERT_TRUE(lease_obj);
  EXPECT_EQ(lease_obj->at("spec").at("holderIdentity"), "b");
  EXPECT_EQ(lease_obj->at("spec").at("leaseTransitions").to_number<int64_t>(), 1);
  caf::anon_send_exit(b, caf::exit_reason::kill);
}

// The node duties' writes against the API server double, the way the upstream provider makes
// them: provider ID + labels + taints in one strategic merge patch (with a resourceVersion
// precondition), the addresses on /status, and a delete with a uid precondition.
TEST_F(sim_integration, node_writes_patch_spec_status_and_delete) {
  start();
  auto c = client();
  auto seeded = core().put_object(json::parse(R"({"apiVersion":"v1","kind":"Node",
    "metadata":{"name":"node-1","labels":{"kubernetes.io/hostname":"node-1"}},
    "spec":{"taints":[{"key":"node.cloudprovider.kubernetes.io/uninitialized","value":"true","effect":"NoSchedule"},
                      {"key":"dedicated","value":"db","effect":"NoExecute"}]},
    "status":{"addresses":[{"type":"Hostname","address":"node-1"}]}})")
                                    .as_object());
  ASSERT_TRUE(seeded);
  auto n = wait<node_snapshot>([&](auto cb) { c->get_node("node-1", cb); });
  ASSERT_TRUE(n) << describe(n.error());
  ASSERT_EQ(n->taints.size(), 2u);

  node_update u;
  u.resource_version = n->resource_version;
  u.provider_id = "vmware-cloud-director://urn:vcloud:vm:1";
  u.labels[std::string{label_zone}] = "zone-a";
  u.taints = std::vector<node_taint>{n->taints[1]};
  auto patched = wait<node_snapshot>([&](auto cb) { c->patch_node("node-1", u, cb); });
  ASSERT_TRUE(patched) << describe(patched.error());
  EXPECT_EQ(patched->provider_id, "vmware-cloud-director://urn:vcloud:vm:1");
  EXPECT_EQ(patched->labels.at("topology.kubernetes.io/zone"), "zone-a");
  EXPECT_EQ(patched->labels.at("kubernetes.io/hostname"), "node-1") << "labels merge";
  ASSERT_EQ(patched->taints.size(), 1u);
  EXPECT_EQ(patched->taints[0].key, "dedicated");

  // The provider ID is set once (kube-apiserver's ValidateNodeUpdate).
  node_update other;
  other.provider_id = "vmware-cloud-director://urn:vcloud:vm:2";
  auto changed = wait<node_snapshot>([&](auto cb) { c->patch_node("node-1", other, cb); });
  ASSERT_FALSE(changed);
  EXPECT_TRUE(has_code(changed.error(), kube_errc::invalid)) << describe(changed.error());
  node_update same;
  same.provider_id = "vmware-cloud-director://urn:vcloud:vm:1";
  EXPECT_TRUE(wait<node_snapshot>([&](auto cb) { c->patch_node("node-1", same, cb); }));
  n = wait<node_snapshot>([&](auto cb) { c->get_node("node-1", cb); });
  ASSERT_TRUE(n);

  // A stale resourceVersion is refused.
  node_update stale;
  stale.resource_version = std::to_string(std::stoll(n->resource_version) - 1);
  stale.labels["x"] = "y";
  auto conflict = wait<node_snapshot>([&](auto cb) { c->patch_node("node-1", stale, cb); });
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(has_code(conflict.error(), kube_errc::conflict)) << describe(conflict.error());

  // Clearing the taints writes null.
  node_update clear;
  clear.taints = std::vector<node_taint>{};
  auto cleared = wait<node_snapshot>([&](auto cb) { c->patch_node("node-1", clear, cb); });
  ASSERT_TRUE(cleared) << describe(cleared.error());
  EXPECT_TRUE(cleared->taints.empty());

  auto addressed = wait<node_snapshot>([&](auto cb) {
    c->patch_node_addresses("node-1", {{"InternalIP", "10.0.0.5"}, {"ExternalIP", "10.0.0.5"}},
                            "node-1", cb);
  });
  ASSERT_TRUE(addressed) << describe(addressed.error());
  EXPECT_EQ(addressed->first_address("InternalIP"), "10.0.0.5");
  auto again = wait<node_snapshot>([&](auto cb) {
    c->patch_node_addresses("node-1", {{"InternalIP", "10.0.0.6"}}, "node-1", cb);
  });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->first_address("InternalIP"), "10.0.0.6");
  EXPECT_EQ(again->first_address("ExternalIP"), "") << "replaced, not merged";
  auto stored = core().get_object("v1", "Node", "", "node-1");
  ASSERT_TRUE(stored);
  EXPECT_NE(json::serialize(stored->at("status").at("addresses")).find("Hostname"),
            std::string::npos);

  auto wrong_uid = wait<caf::unit_t>([&](auto cb) { c->delete_node("node-1", "not-its-uid", cb); });
  ASSERT_FALSE(wrong_uid);
  EXPECT_TRUE(has_code(wrong_uid.error(), kube_errc::conflict)) << describe(wrong_uid.error());
  auto deleted = wait<caf::unit_t>([&](auto cb) { c->delete_node("node-1", n->uid, cb); });
  ASSERT_TRUE(deleted) << describe(deleted.error());
  auto gone = wait<node_snapshot>([&](auto cb) { c->get_node("node-1", cb); });
  ASSERT_FALSE(gone);
  EXPECT_TRUE(has_code(gone.error(), kube_errc::not_found));
}

} // namespace
} // namespace vcdlb::kube
