// A converged Service edited into an invalid spec, on CAF's deterministic scheduler: every bad
// edit gets one Warning Event naming the problem, the objects on the gateway stay exactly as
// they were (zero VCD mutations, no status write that drops the IP), nothing is retried, and
// fixing the spec converges again without touching VCD.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/ip_pool_actor.hpp"
#include "actors/service_actor.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:77";

struct recorded {
  std::vector<service_status> statuses;
  std::vector<service_event> events;
};

status_writer_actor::behavior_type recording_writer(status_writer_actor::pointer,
                                                    std::shared_ptr<recorded> w) {
  return {
    [w](const service_status& s) {
      w->statuses.push_back(s);
      return caf::ok_atom::value;
    },
    [w](const service_event& e) { w->events.push_back(e); },
  };
}

// Everything on the gateway, to compare before and after.
struct gateway_snapshot {
  std::vector<vcd::pool> pools;
  std::vector<vcd::virtual_service> vss;
  std::vector<vcd::nat_rule> nats;
  std::vector<vcd::app_port_profile> profiles;
};

struct bad_edit {
  const char* what;
  std::function<void(service_spec&)> edit;
  const char* message_names;
};

const std::vector<bad_edit>& bad_edits() {
  static const std::vector<bad_edit> all{
    {"port 0", [](service_spec& s) { s.ports[0].port = 0; }, "port must be 1-65535"},
    {"port 65536", [](service_spec& s) { s.ports[0].port = 65536; }, "port must be 1-65535"},
    {"duplicate port",
     [](service_spec& s) {
       s.ports.push_back({"again", ip_protocol::tcp, 80, 30081, ""});
     },
     "is listed twice"},
    {"duplicate port name",
     [](service_spec& s) {
       s.ports.push_back({"http", ip_protocol::tcp, 81, 30081, ""});
     },
     "is used twice"},
    {"nodePort removed", [](service_spec& s) { s.ports[0].node_port = 0; }, "has no nodePort"},
    {"SCTP", [](service_spec& s) { s.ports[1].protocol = ip_protocol::sctp; }, "SCTP"},
    {"bad port name", [](service_spec& s) { s.ports[0].name = "HTTP_1"; },
     "is not a valid port name"},
    {"no ports", [](service_spec& s) { s.ports.clear(); }, "no ports"},
    {"1 MiB ssl-ports annotation",
     [](service_spec& s) { s.annotations.ssl_ports = std::string(size_t{1} << 20, '4'); },
     "is not a port number"},
    {"loadBalancerIP not an address",
     [](service_spec& s) { s.load_balancer_ip = "203.0.113.10/32"; }, "is not an IPv4 address"},
  };
  return all;
}

void expect_same(const gateway_snapshot& a, const gateway_snapshot& b, const char* what) {
  ASSERT_EQ(a.pools.size(), b.pools.size()) << what;
  ASSERT_EQ(a.vss.size(), b.vss.size()) << what;
  ASSERT_EQ(a.nats.size(), b.nats.size()) << what;
  ASSERT_EQ(a.profiles.size(), b.profiles.size()) << what;
  for (size_t i = 0; i < a.pools.size(); ++i) {
    EXPECT_EQ(a.pools[i].id, b.pools[i].id) << what;
    EXPECT_EQ(a.pools[i].name, b.pools[i].name) << what;
    EXPECT_EQ(a.pools[i].default_port, b.pools[i].default_port) << what;
    EXPECT_EQ(a.pools[i].members.size(), b.pools[i].members.size()) << what;
  }
  for (size_t i = 0; i < a.vss.size(); ++i) {
    EXPECT_EQ(a.vss[i].id, b.vss[i].id) << what;
    EXPECT_EQ(a.vss[i].name, b.vss[i].name) << what;
    EXPECT_EQ(a.vss[i].virtual_ip_address, b.vss[i].virtual_ip_address) << what;
  }
  for (size_t i = 0; i < a.nats.size(); ++i) {
    EXPECT_EQ(a.nats[i].id, b.nats[i].id) << what;
    EXPECT_EQ(a.nats[i].name, b.nats[i].name) << what;
  }
  for (size_t i = 0; i < a.profiles.size(); ++i)
    EXPECT_EQ(a.profiles[i].id, b.profiles[i].id) << what;
}

class service_actor_bad_input : public actor_fixture {
protected:
  service_actor_bad_input()
    : fake_(std::make_shared<vcd::fake_client>()), rec_(std::make_shared<recorded>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    const auto& gw_id = gw_id_;
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id};
    args.ctx.org = fake_->options().org;
    args.ctx.vdc_id = "urn:vcloud:vdc:0001";
    args.cluster_id = cid;
    gateway_ = sys_.spawn(gateway_behavior, std::move(args));
    pool_ = sys_.spawn(ip_pool_behavior);
    writer_ = sys_.spawn(recording_writer, rec_);
    pool_seed seed;
    seed.external_ranges = {{"203.0.113.10", "203.0.113.20"}};
    seed.internal_range = {"192.168.8.2", "192.168.8.100"};
    self_->send(pool_, rebuild_atom::value, seed);
    run();
    try_receive([](caf::ok_atom) {});
  }

  ~service_actor_bad_input() override {
    for (auto& s : services_)
      self_->send_exit(s, caf::exit_reason::user_shutdown);
    self_->send_exit(gateway_, caf::exit_reason::user_shutdown);
    self_->send_exit(pool_, caf::exit_reason::user_shutdown);
    self_->send_exit(writer_, caf::exit_reason::user_shutdown);
  }

  service_actor spawn_service(const service_key& key, config::lb_mode mode) {
    auto deps = std::make_shared<service_deps>();
    deps->settings.mode = mode;
    deps->settings.cluster_id = cid;
    deps->settings.cert_alias = "cluster-cert";
    deps->pool = pool_;
    deps->gateway = gateway_;
    deps->writer = writer_;
    auto s = sys_.spawn(service_behavior, key, std::shared_ptr<const service_deps>{deps});
    services_.push_back(s);
    return s;
  }

  static service_spec web() {
    service_spec svc;
    svc.key = {"shop", "web"};
    svc.uid = "uid-1";
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""},
                 {"dns", ip_protocol::udp, 53, 30053, ""}};
    return svc;
  }

  void settle(caf::timespan total) {
    run();
    for (auto t = caf::timespan{0}; t < total; t += 50ms)
      advance_time(50ms);
  }

  service_status status_of(const service_actor& s) {
    self_->send(s, caf::get_atom::value);
    run();
    service_status st;
    EXPECT_TRUE(try_receive([&](const service_status& x) { st = x; }));
    return st;
  }

  gateway_snapshot gateway_objects() const {
    return {fake_->pools(), fake_->virtual_services(), fake_->nat_rules(gw_id_),
            fake_->app_port_profiles()};
  }

  // Converges a Service, then applies every bad edit in turn and finally the fix.
  void check_bad_edits(config::lb_mode mode) {
    auto svc = web();
    auto s = spawn_service(svc.key, mode);
    self_->send(s, svc);
    self_->send(s, make_node_members(1, {"10.0.0.1", "10.0.0.2"}));
    settle(5s);
    ASSERT_EQ(status_of(s).phase, service_phase::converged);
    const auto ip = status_of(s).external_ip;
    ASSERT_FALSE(ip.empty());
    // The informer catches up with what the actor wrote.
    svc.has_finalizer = true;
    svc.ingress_ips = {ip};
    self_->send(s, svc);
    settle(1s);
    const auto before = gateway_objects();
    ASSERT_FALSE(before.vss.empty());
    fake_->reset_calls();
    const auto statuses_before = rec_->statuses.size();
    for (const auto& e : bad_edits()) {
      const auto events_before = rec_->events.size();
      auto bad = svc;
      e.edit(bad);
      self_->send(s, bad);
      settle(300s); // long enough for any retry timer: there must be none
      EXPECT_EQ(fake_->mutation_calls(), 0u) << e.what;
      expect_same(before, gateway_objects(), e.what);
      ASSERT_EQ(rec_->events.size(), events_before + 1) << e.what;
      const auto& ev = rec_->events.back();
      EXPECT_EQ(ev.type, event_type::warning) << e.what;
      EXPECT_EQ(ev.key, svc.key) << e.what;
      EXPECT_NE(ev.message.find(e.message_names), std::string::npos)
        << e.what << ": " << ev.message;
      EXPECT_LE(ev.message.size(), 1024u) << e.what;
      EXPECT_EQ(rec_->statuses.size(), statuses_before) << e.what << ": status written";
      auto st = status_of(s);
      EXPECT_EQ(st.phase, service_phase::failed) << e.what;
      EXPECT_NE(st.last_error.find(e.message_names), std::string::npos) << st.last_error;
    }
    // The fix: back to the converged spec; nothing on VCD needs to change.
    self_->send(s, svc);
    settle(5s);
    EXPECT_EQ(fake_->mutation_calls(), 0u);
    expect_same(before, gateway_objects(), "after the fix");
    auto st = status_of(s);
    EXPECT_EQ(st.phase, service_phase::converged);
    EXPECT_EQ(st.external_ip, ip);
    EXPECT_EQ(st.failures, 0u);
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::shared_ptr<recorded> rec_;
  std::string gw_id_;
  gateway_actor gateway_;
  ip_pool_actor pool_;
  status_writer_actor writer_;
  std::vector<service_actor> services_;
};

TEST_F(service_actor_bad_input, mode_c_bad_edits_warn_and_touch_nothing) {
  check_bad_edits(config::lb_mode::c);
}

TEST_F(service_actor_bad_input, mode_b_bad_edits_warn_and_touch_nothing) {
  check_bad_edits(config::lb_mode::b);
}

TEST_F(service_actor_bad_input, mode_a_bad_edits_warn_and_touch_nothing) {
  check_bad_edits(config::lb_mode::a);
}

} // namespace
