#include "actors/service_actor.hpp"

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/ip_pool_actor.hpp"
#include "actors/naming.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcd::operation;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";

struct writes {
  std::vector<service_status> statuses;
  std::vector<service_event> events;
  std::vector<std::string> reasons() const {
    std::vector<std::string> r;
    for (const auto& e : events)
      r.push_back(e.reason);
    return r;
  }
};

status_writer_actor::behavior_type recording_writer(status_writer_actor::pointer,
                                                    std::shared_ptr<writes> w) {
  return {
    [w](const service_status& s) {
      w->statuses.push_back(s);
      return caf::ok_atom::value;
    },
    [w](const service_event& e) { w->events.push_back(e); },
  };
}

class service_actor_test : public actor_fixture {
protected:
  service_actor_test()
    : fake_(std::make_shared<vcd::fake_client>()), writes_(std::make_shared<writes>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id_};
    args.ctx.org = fake_->options().org;
    args.ctx.vdc_id = "urn:vcloud:vdc:0001";
    args.cluster_id = cid;
    gateway_ = sys_.spawn(gateway_behavior, std::move(args));
    pool_ = sys_.spawn(ip_pool_behavior);
    writer_ = sys_.spawn(recording_writer, writes_);
    pool_seed seed;
    seed.external_ranges = {{"203.0.113.10", "203.0.113.20"}};
    self_->send(pool_, rebuild_atom::value, seed);
    run();
    try_receive([](caf::ok_atom) {});
    auto deps = std::make_shared<service_deps>();
    deps->settings.mode = config::lb_mode::c;
    deps->settings.cluster_id = cid;
    deps->pool = pool_;
    deps->gateway = gateway_;
    deps->writer = writer_;
    deps_ = deps;
  }

  ~service_actor_test() override {
    for (auto& s : services_)
      self_->send_exit(s, caf::exit_reason::user_shutdown);
    self_->send_exit(gateway_, caf::exit_reason::user_shutdown);
    self_->send_exit(pool_, caf::exit_reason::user_shutdown);
    self_->send_exit(writer_, caf::exit_reason::user_shutdown);
  }

  service_actor spawn_service(const service_key& key) {
    auto s = sys_.spawn(service_behavior, key, deps_);
    services_.push_back(s);
    return s;
  }

  static service_spec web() {
    service_spec svc;
    svc.key = {"shop", "web"};
    svc.uid = "uid-1";
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}};
    return svc;
  }

  // Drives virtual time until the actor is idle (no pending work) or a bound passes.
  void settle(caf::timespan total = 5s) {
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

  std::shared_ptr<vcd::fake_client> fake_;
  std::shared_ptr<writes> writes_;
  std::string gw_id_;
  gateway_actor gateway_;
  ip_pool_actor pool_;
  status_writer_actor writer_;
  std::shared_ptr<const service_deps> deps_;
  std::vector<service_actor> services_;
};

TEST_F(service_actor_test, new_service_gets_finalizer_first_then_objects_then_status) {
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  settle();
  EXPECT_TRUE(fake_->pools().empty()); // waits for the node set
  self_->send(s, make_node_members(1, {"10.0.0.1", "10.0.0.2"}));
  settle();
  ASSERT_EQ(writes_->statuses.size(), 2u);
  EXPECT_TRUE(writes_->statuses[0].finalizer_wanted); // before any cloud object
  EXPECT_EQ(writes_->statuses[0].external_ip, "");
  EXPECT_EQ(writes_->statuses[1].external_ip, "203.0.113.10");
  EXPECT_EQ(fake_->pools().size(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(writes_->reasons(),
            (std::vector<std::string>{"EnsuringLoadBalancer", "EnsuredLoadBalancer"}));
  auto st = status_of(s);
  EXPECT_EQ(st.phase, service_phase::converged);
  EXPECT_EQ(st.external_ip, "203.0.113.10");
}

TEST_F(service_actor_test, unchanged_triggers_do_no_mutation_and_no_write) {
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle();
  auto writes_before = writes_->statuses.size();
  fake_->reset_calls();
  // The informer's view catches up with what we wrote; a resync and a timer arrive.
  svc.has_finalizer = true;
  svc.ingress_ips = {"203.0.113.10"};
  self_->send(s, svc);
  self_->send(s, reconcile_atom::value);
  settle();
  EXPECT_EQ(fake_->total_calls(), 0u);
  EXPECT_EQ(writes_->statuses.size(), writes_before);
  // A node change updates the pool only.
  self_->send(s, make_node_members(2, {"10.0.0.1", "10.0.0.3"}));
  settle();
  EXPECT_EQ(fake_->mutation_calls(), 1u);
  EXPECT_EQ(fake_->calls(operation::update_pool), 1u);
  EXPECT_EQ(fake_->pools().at(0).members.size(), 2u);
}

TEST_F(service_actor_test, type_change_away_removes_everything_then_the_finalizer) {
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle();
  svc.has_finalizer = true;
  svc.ingress_ips = {"203.0.113.10"};
  svc.type = service_type::cluster_ip;
  self_->send(s, svc);
  settle();
  EXPECT_TRUE(fake_->pools().empty());
  EXPECT_TRUE(fake_->virtual_services().empty());
  ASSERT_FALSE(writes_->statuses.empty());
  EXPECT_FALSE(writes_->statuses.back().finalizer_wanted);
  EXPECT_EQ(writes_->statuses.back().external_ip, "");
  EXPECT_EQ(writes_->reasons().back(), "DeletedLoadBalancer");
  // The IP went back to the pool.
  self_->send(pool_, caf::get_atom::value);
  run();
  pool_stats stats;
  EXPECT_TRUE(try_receive([&](const pool_stats& p) { stats = p; }));
  EXPECT_EQ(stats.external_in_use, 0u);
  EXPECT_EQ(stats.claims, 0u);
}

TEST_F(service_actor_test, failures_back_off_from_five_seconds_and_recover) {
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(400, "BAD_REQUEST", "rejected", -1, false), 2);
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  run();
  advance_time(1s);
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
  EXPECT_EQ(status_of(s).failures, 1u);
  EXPECT_EQ(writes_->reasons().back(), "SyncLoadBalancerFailed");
  advance_time(4s); // 5 s after the failure: second attempt
  run();
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u);
  advance_time(9s); // the next wait is 10 s
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u);
  settle(3s);
  EXPECT_EQ(fake_->calls(operation::create_pool), 3u);
  auto st = status_of(s);
  EXPECT_EQ(st.phase, service_phase::converged);
  EXPECT_EQ(st.failures, 0u);
}

TEST_F(service_actor_test, invalid_service_is_reported_and_not_retried) {
  auto svc = web();
  svc.ports[0].protocol = ip_protocol::sctp;
  auto s = spawn_service(svc.key);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  self_->send(s, svc);
  settle(600s); // no retry timer: nothing changes until the spec does
  ASSERT_EQ(writes_->events.size(), 1u);
  EXPECT_EQ(writes_->events[0].type, event_type::warning);
  EXPECT_NE(writes_->events[0].message.find("SCTP"), std::string::npos);
  EXPECT_EQ(fake_->total_calls(), 0u);
}

TEST_F(service_actor_test, an_invalid_service_is_reported_once_per_spec) {
  auto svc = web();
  svc.ports[0].protocol = ip_protocol::sctp;
  auto s = spawn_service(svc.key);
  // The spec before the node set, then node changes: each re-runs the same check.
  self_->send(s, svc);
  run();
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  run();
  self_->send(s, make_node_members(2, {"10.0.0.1", "10.0.0.2"}));
  settle(60s);
  ASSERT_EQ(writes_->events.size(), 1u) << writes_->reasons().size();
  // A new spec that is still invalid is reported again.
  svc.ports[0].name = "other";
  self_->send(s, svc);
  settle(60s);
  EXPECT_EQ(writes_->events.size(), 2u);
}

TEST_F(service_actor_test, a_node_change_alone_records_updated_load_balancer) {
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle();
  svc.has_finalizer = true;
  svc.ingress_ips = {"203.0.113.10"};
  self_->send(s, svc); // the informer catches up: no change
  settle();
  auto before = writes_->events.size();
  self_->send(s, make_node_members(2, {"10.0.0.1", "10.0.0.3"}));
  settle();
  ASSERT_EQ(writes_->events.size(), before + 1) << writes_->reasons().back();
  EXPECT_EQ(writes_->events.back().reason, "UpdatedLoadBalancer");
  EXPECT_EQ(writes_->events.back().message, "Updated load balancer with new hosts");
  EXPECT_EQ(writes_->events.back().type, event_type::normal);
  // A spec edit is no node update: the usual pair.
  svc.ports.push_back({"https", ip_protocol::tcp, 443, 30443, ""});
  self_->send(s, svc);
  settle();
  EXPECT_EQ(writes_->reasons().back(), "EnsuredLoadBalancer");
}

// The stress test's seeds 56 and 58 (mode C): with no backend node, every reconcile records
// UnAvailableLoadBalancer first; one that then had nothing to change on the gateway used to
// end there, leaving a converged Service with that Warning as its last Event.
TEST_F(service_actor_test, a_converged_service_never_ends_on_a_warning) {
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle();
  self_->send(s, make_node_members(2, {})); // the last node goes away
  settle();
  ASSERT_EQ(writes_->events.back().type, event_type::normal) << writes_->reasons().back();
  // A resync: a reconcile with nothing to change.
  auto mutations = fake_->mutation_calls();
  self_->send(s, reconcile_atom::value);
  settle();
  EXPECT_EQ(fake_->mutation_calls(), mutations);
  auto reasons = writes_->reasons();
  ASSERT_GE(reasons.size(), 2u);
  EXPECT_EQ(reasons[reasons.size() - 2], "UnAvailableLoadBalancer");
  EXPECT_EQ(writes_->events.back().type, event_type::normal) << reasons.back();
  EXPECT_EQ(status_of(s).phase, service_phase::converged);
}

TEST_F(service_actor_test, a_stop_is_no_failure_no_warning_no_backoff) {
  fake_->fail_next(operation::create_pool,
                   caf::make_error(lb_errc::shutting_down, "the controller is shutting down"), 1);
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle(60s);
  for (const auto& e : writes_->events)
    EXPECT_NE(e.type, event_type::warning) << e.reason << ": " << e.message;
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u) << "retried after a stop";
  EXPECT_EQ(status_of(s).failures, 0u);
}

TEST_F(service_actor_test, warning_events_carry_no_vcd_request_id) {
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(400, "BAD_REQUEST",
                                        "[ 6f1b2c3d-0000-4000-8000-123456789abc ] rejected", -1,
                                        false),
                   1);
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  run();
  advance_time(1s);
  ASSERT_EQ(writes_->reasons().back(), "SyncLoadBalancerFailed");
  EXPECT_EQ(writes_->events.back().message,
            "Error syncing load balancer: vcd.bad_request: HTTP 400 BAD_REQUEST: rejected");
  // The status (and the log) keep the id.
  EXPECT_NE(status_of(s).last_error.find("6f1b2c3d"), std::string::npos);
}

TEST_F(service_actor_test, work_held_up_by_vcd_is_told_and_ends_on_a_normal_event) {
  auto vcd = std::make_shared<vcd_status>();
  auto deps = std::make_shared<service_deps>(*deps_);
  deps->vcd = vcd;
  deps_ = deps;
  vcd->set_down("vcd.unavailable: HTTP 503 -: [ 0a1b2c3d-1111 ] Service Unavailable");
  // VCD answers 503 for a while; the gateway retries inside the reconcile.
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(503, "", "Service Unavailable", -1, false), 6);
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle(11s);
  ASSERT_FALSE(writes_->events.empty());
  auto held =
    std::find_if(writes_->events.begin(), writes_->events.end(),
                 [](const service_event& e) { return e.reason == "SyncLoadBalancerDelayed"; });
  ASSERT_NE(held, writes_->events.end()) << "no Event while VCD holds the Service up";
  EXPECT_EQ(held->type, event_type::warning);
  EXPECT_NE(held->message.find("Service Unavailable"), std::string::npos) << held->message;
  EXPECT_EQ(held->message.find("0a1b2c3d"), std::string::npos) << held->message;
  vcd->set_up();
  settle(120s);
  EXPECT_EQ(status_of(s).phase, service_phase::converged);
  size_t delayed = 0;
  for (const auto& e : writes_->events)
    delayed += e.reason == "SyncLoadBalancerDelayed" ? 1 : 0;
  EXPECT_EQ(delayed, 1u) << "once per reconcile";
  EXPECT_EQ(writes_->events.back().type, event_type::normal) << writes_->events.back().reason;
}

TEST_F(service_actor_test, slow_work_while_vcd_answers_is_no_warning) {
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(400, "BUSY_ENTITY", "busy", -1, false), 6);
  auto svc = web();
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle(120s);
  for (const auto& e : writes_->events)
    EXPECT_NE(e.type, event_type::warning) << e.reason << ": " << e.message;
}

TEST_F(service_actor_test, requested_ip_taken_by_another_service_is_reported_not_stolen) {
  auto a = web();
  auto sa = spawn_service(a.key);
  self_->send(sa, a);
  self_->send(sa, make_node_members(1, {"10.0.0.1"}));
  settle();
  auto b = web();
  b.key = {"other", "web"}; // same name, other namespace: its own objects
  b.load_balancer_ip = "203.0.113.10";
  auto sb = spawn_service(b.key);
  self_->send(sb, b);
  self_->send(sb, make_node_members(1, {"10.0.0.1"}));
  settle(1s);
  auto st = status_of(sb);
  EXPECT_EQ(st.phase, service_phase::failed);
  EXPECT_NE(st.last_error.find("shop/web"), std::string::npos);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(status_of(sa).external_ip, "203.0.113.10");
}

// A Service parked on a listener another Service of its shared IP holds does not keep the
// objects a failed create left behind (they would stay on the gateway as long as it waits).
TEST_F(service_actor_test, a_parked_service_removes_what_a_failed_create_left) {
  auto a = web();
  a.annotations.sharing_key = "k";
  auto b = web();
  b.key = {"shop", "api"};
  b.uid = "uid-2";
  b.annotations.sharing_key = "k";
  b.ports = {{"admin", ip_protocol::tcp, 9000, 30900, ""}};
  auto sa = spawn_service(a.key);
  auto sb = spawn_service(b.key);
  for (auto* s : {&sa, &sb})
    self_->send(*s, make_node_members(1, {"10.0.0.1"}));
  self_->send(sa, a);
  settle();
  ASSERT_EQ(status_of(sa).phase, service_phase::converged);
  // b shares a's IP on 9000; the task creating its pool fails and leaves the pool behind.
  b.load_balancer_ip = status_of(sa).external_ip;
  fake_->fail_next_task(operation::create_pool, {500, "INTERNAL_SERVER_ERROR", "boom"});
  self_->send(sb, b);
  settle(1s);
  ASSERT_EQ(status_of(sb).phase, service_phase::failed);
  ASSERT_EQ(fake_->pools().size(), 2u);
  // Before its retry b also wants 80, which a holds: it is refused and waits.
  b.ports.push_back({"http", ip_protocol::tcp, 80, 30080, ""});
  self_->send(sb, b);
  settle(60s);
  EXPECT_EQ(status_of(sa).phase, service_phase::converged);
  EXPECT_NE(status_of(sb).phase, service_phase::converged);
  for (const auto& p : fake_->pools())
    EXPECT_EQ(p.name.find("shop.api"), std::string::npos) << p.name << " " << p.status;
  // Giving up removed the leftover and created nothing: a plan built from what it keeps must
  // not "replace" the leftover with a create that carries the old id (VCD refuses it).
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u); // a's, and b's that failed
  for (const auto& e : writes_->events)
    EXPECT_EQ(e.message.find("bad_request"), std::string::npos) << e.message;
}

TEST_F(service_actor_test, two_services_on_a_shared_ip_can_swap_their_ports) {
  // a: 80, b: 81 on one IP; then a wants 81 and b wants 80. Each needs the listener the other
  // holds: the one refused gives up what it no longer wants, so both converge.
  auto a = web();
  a.annotations.sharing_key = "k";
  auto b = web();
  b.key = {"shop", "api"};
  b.uid = "uid-2";
  b.annotations.sharing_key = "k";
  b.ports[0].port = 81;
  b.ports[0].node_port = 30081;
  auto sa = spawn_service(a.key);
  auto sb = spawn_service(b.key);
  for (auto* s : {&sa, &sb})
    self_->send(*s, make_node_members(1, {"10.0.0.1"}));
  self_->send(sa, a);
  settle();
  self_->send(sb, b);
  settle();
  ASSERT_EQ(status_of(sa).external_ip, status_of(sb).external_ip);
  ASSERT_EQ(fake_->virtual_services().size(), 2u);

  a.ports[0].port = 81;
  b.ports[0].port = 80;
  self_->send(sa, a);
  self_->send(sb, b);
  settle(60s); // covers the refused one's first backoff
  EXPECT_EQ(status_of(sa).phase, service_phase::converged);
  EXPECT_EQ(status_of(sb).phase, service_phase::converged);
  std::map<std::string, int32_t> ports;
  for (const auto& vs : fake_->virtual_services())
    ports[vs.name.find("shop.web") != std::string::npos ? "web" : "api"] =
      vs.service_ports.at(0).port_start;
  EXPECT_EQ(ports, (std::map<std::string, int32_t>{{"web", 81}, {"api", 80}}));
}

} // namespace

namespace {

// loadBalancerSourceRanges: the rules are in place before the IP is published; an invalid list
// is a Warning that keeps the last valid rules; clearing the list or deleting the Service
// removes the rules, the IP sets and the profile.
TEST_F(service_actor_test, source_ranges_follow_the_spec_and_keep_the_last_valid_list) {
  auto names = naming::firewall_names_for(cid, {"shop", "web"});
  auto svc = web();
  svc.load_balancer_source_ranges = {"198.51.100.7/24"};
  auto s = spawn_service(svc.key);
  self_->send(s, svc);
  self_->send(s, make_node_members(1, {"10.0.0.1"}));
  settle();
  ASSERT_EQ(writes_->statuses.back().external_ip, "203.0.113.10");
  auto sources = fake_->ip_set_by_name(gw_id_, names.sources);
  ASSERT_TRUE(sources);
  EXPECT_EQ(sources->ip_addresses, std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(fake_->ip_set_by_name(gw_id_, names.vip)->ip_addresses,
            std::vector<std::string>{"203.0.113.10"}); // mode C: the VIP itself
  ASSERT_EQ(fake_->firewall_rules_of(gw_id_).size(), 2u);
  // An invalid entry: a Warning, and the rules stay as they were.
  svc.has_finalizer = true;
  svc.ingress_ips = {"203.0.113.10"};
  svc.load_balancer_source_ranges = {"198.51.100.0/24", "not-a-cidr"};
  self_->send(s, svc);
  settle();
  auto reasons = writes_->reasons();
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "InvalidSourceRanges"), reasons.end());
  EXPECT_EQ(fake_->ip_set_by_name(gw_id_, names.sources)->ip_addresses,
            std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(fake_->firewall_rules_of(gw_id_).size(), 2u);
  // The legacy annotation counts when the field is empty.
  svc.load_balancer_source_ranges.clear();
  svc.annotations.source_ranges = "192.0.2.0/24, 10.0.0.0/8";
  self_->send(s, svc);
  settle();
  EXPECT_EQ(fake_->ip_set_by_name(gw_id_, names.sources)->ip_addresses,
            (std::vector<std::string>{"10.0.0.0/8", "192.0.2.0/24"}));
  // Cleared: everything of the firewall goes, the load balancer stays.
  svc.annotations.source_ranges.clear();
  self_->send(s, svc);
  settle();
  EXPECT_TRUE(fake_->firewall_rules_of(gw_id_).empty());
  EXPECT_TRUE(fake_->ip_sets().empty());
  EXPECT_FALSE(fake_->app_port_profile_by_name(names.ports));
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  // Ranges again, then the Service is deleted: the rules go with it.
  svc.load_balancer_source_ranges = {"10.0.0.0/8"};
  self_->send(s, svc);
  settle();
  ASSERT_EQ(fake_->firewall_rules_of(gw_id_).size(), 2u);
  svc.deletion_requested = true;
  self_->send(s, svc);
  settle();
  EXPECT_TRUE(fake_->firewall_rules_of(gw_id_).empty());
  EXPECT_TRUE(fake_->ip_sets().empty());
  EXPECT_TRUE(fake_->virtual_services().empty());
}

} // namespace
