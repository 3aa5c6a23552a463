// The RDE writer on CAF's deterministic scheduler, fed by a real gateway actor over the fake
// VCD: start-up upgrade, status.cpi following the gateway, batching, 412 retries that keep the
// other writers' changes, and the start-up problems (missing entity, wrong type); for a CSE 3
// nativeCluster id, status.virtual_IPs following the gateway the same way.

#include "actors/rde/rde_actor.hpp"

#include <algorithm>
#include <iostream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/plan.hpp"
#include "actors/rde/native_status.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcd::operation;
namespace json = boost::json;

const std::string cid =
  "urn:vcloud:entity:vmware:capvcdCluster:6e3c0000-0000-4000-8000-000000000042";
const std::string type_id = "urn:vcloud:type:vmware:capvcdCluster:1.2.0";

std::string entity_body(json::object status, const std::string& type = type_id) {
  return json::serialize(json::object{
    {"id", cid},
    {"entityType", type},
    {"name", "cluster1"},
    {"entityState", "RESOLVED"},
    {"entity", json::object{{"kind", "CAPVCDCluster"}, {"status", std::move(status)}}}});
}

class rde_actor_test : public vcdlb::testing::actor_fixture {
protected:
  rde_actor_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
  }

  ~rde_actor_test() override {
    if (gw_)
      self_->send_exit(gw_, caf::exit_reason::user_shutdown);
    if (rde_)
      self_->send_exit(rde_, caf::exit_reason::user_shutdown);
  }

  void seed_entity(const std::string& type = type_id) {
    vcd::defined_entity e;
    e.id = cid_;
    e.entity_type = type;
    e.body = entity_body(json::object{{"capvcd", json::object{{"phase", "Provisioned"}}}}, type);
    fake_->put_defined_entity(e);
  }

  void start() {
    rde_args args;
    args.client = fake_;
    args.cluster_id = cid_;
    args.version = "0.1.0";
    args.settings = settings_;
    args.now_rfc3339 = [] { return std::string{"2026-12-08T00:00:00Z"}; };
    rde_ = sys_.spawn(rde_behavior, args, counters_);
    gateway_args g;
    g.client = fake_;
    g.ctx.gateway = {"edge-1", gw_id_};
    g.ctx.org = fake_->options().org;
    g.ctx.vdc_id = "urn:vcloud:vdc:0001";
    g.cluster_id = cid_;
    g.on_objects_changed = rde_change_signal(rde_, args.signal);
    // Quick tasks: a wave's ops take a few seconds of virtual time, as against a fast VCD.
    g.settings.qps = 1000;
    g.settings.burst = 1000;
    g.settings.poll_initial = 5ms;
    g.settings.poll_max = 20ms;
    gw_ = sys_.spawn(gateway_behavior, std::move(g));
    self_->send(rde_, rde_source{gw_});
    run();
  }

  lb_objects desired(const std::string& name, config::lb_mode mode, const std::string& ext) {
    engine_settings s;
    s.mode = mode;
    s.cluster_id = cid_;
    service_spec svc;
    svc.key = {"shop", name};
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}};
    auto plan = plan_ports(svc, s);
    EXPECT_TRUE(plan);
    ip_assignment ips{ext, {}};
    for (const auto& slot : plan->internal_slots(mode))
      ips.internal_ips.emplace_back(slot, "192.168.8." + std::to_string(2 + n_internal_++));
    auto objs = desired_objects(svc.key, *plan, {"10.0.0.1"}, ips, s, {});
    EXPECT_TRUE(objs);
    return *objs;
  }

  void create(const lb_objects& o) {
    std::vector<lb_op> ops;
    for (const auto& x : o.profiles)
      ops.push_back(make_create(x));
    for (const auto& x : o.dnat_rules)
      ops.push_back(make_create(x));
    for (const auto& x : o.pools)
      ops.push_back(make_create(x));
    for (const auto& x : o.virtual_services)
      ops.push_back(make_create(x));
    self_->send(gw_, lb_plan{ops});
    await_plan();
  }

  void remove_all() {
    self_->send(gw_, list_atom::value);
    run();
    lb_objects have;
    EXPECT_TRUE(try_receive([&](lb_objects& o) { have = std::move(o); }));
    std::vector<lb_op> ops;
    for (const auto& x : have.virtual_services)
      ops.push_back(make_remove(object_kind::virtual_service, x.name, x.id));
    for (const auto& x : have.pools)
      ops.push_back(make_remove(object_kind::pool, x.name, x.id));
    for (const auto& x : have.dnat_rules)
      ops.push_back(make_remove(object_kind::dnat_rule, x.name, x.id));
    for (const auto& x : have.profiles)
      ops.push_back(make_remove(object_kind::app_port_profile, x.name, x.id));
    self_->send(gw_, lb_plan{ops});
    await_plan();
  }

  // Task polls are timed: move the clock until the plan's reply is there.
  void await_plan() {
    run();
    for (int i = 0; i < 600; ++i) {
      if (try_receive([](const plan_result&) {},
                      [](caf::error& e) { ADD_FAILURE() << describe(e); }))
        return;
      advance_time(10ms);
    }
    ADD_FAILURE() << "the plan did not finish";
  }

  json::value entity() {
    auto e = fake_->defined_entity_by_id(cid_);
    EXPECT_TRUE(e);
    return e ? json::parse(e->body) : json::value{};
  }

  std::vector<rde::resource> items() {
    auto e = fake_->defined_entity_by_id(cid_);
    auto r = rde::read_resources(e->body);
    EXPECT_TRUE(r);
    return r ? *r : std::vector<rde::resource>{};
  }

  // The gateway's truth for this cluster, as status.cpi should say it.
  std::vector<rde::resource> truth() {
    self_->send(gw_, list_atom::value);
    run();
    lb_objects have;
    EXPECT_TRUE(try_receive([&](lb_objects& o) { have = std::move(o); }));
    return rde::resources_of(have);
  }

  void settle() {
    for (int i = 0; i < 20; ++i)
      advance_time(1s);
  }

  std::string cid_ = cid; ///< the cluster id the writer is given
  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_id_;
  rde_settings settings_;
  std::shared_ptr<rde_counters> counters_ = std::make_shared<rde_counters>();
  rde_actor rde_;
  gateway_actor gw_;
  int n_internal_ = 0;
};

TEST_F(rde_actor_test, start_up_upgrades_status_cpi_and_keeps_the_rest) {
  seed_entity();
  start();
  settle();
  auto doc = entity();
  const auto& status = doc.at("entity").at("status");
  EXPECT_EQ(status.at("capvcd").at("phase"), "Provisioned");
  EXPECT_EQ(status.at("cpi").at("name"), "cloud-controller-manager");
  EXPECT_EQ(status.at("cpi").at("version"), "0.1.0");
  const auto& events = status.at("cpi").at("eventSet").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("name"), "CPIStatusRDEUpgraded");
  EXPECT_EQ(counters_->writes, 1u) << "the upgrade and the empty gateway in one write";
}

TEST_F(rde_actor_test, status_cpi_follows_the_gateway_in_each_mode) {
  seed_entity();
  start();
  settle();
  for (auto mode : {config::lb_mode::a, config::lb_mode::b, config::lb_mode::c}) {
    SCOPED_TRACE(static_cast<int>(mode));
    create(desired("web", mode, "203.0.113.10"));
    settle();
    auto now = items();
    EXPECT_EQ(now, truth());
    EXPECT_EQ(now.size(), mode == config::lb_mode::c ? 2u : 4u);
    for (const auto& r : now) {
      if (r.type == "virtual-service") {
        EXPECT_EQ(r.virtual_ip, "203.0.113.10") << "the external IP, also in one-arm modes";
      }
    }
    remove_all();
    settle();
    EXPECT_TRUE(items().empty()) << "nothing of the Service is left";
  }
}

TEST_F(rde_actor_test, a_wave_is_a_handful_of_writes) {
  seed_entity();
  start();
  settle();
  auto before = counters_->writes;
  auto t0 = sys_.clock().now();
  // 100 Services' plans at once, as a wave reaches the gateway.
  for (int i = 0; i < 100; ++i) {
    auto o =
      desired("svc" + std::to_string(i), config::lb_mode::c, "203.0.113." + std::to_string(10 + i));
    std::vector<lb_op> ops;
    for (const auto& x : o.pools)
      ops.push_back(make_create(x));
    for (const auto& x : o.virtual_services)
      ops.push_back(make_create(x));
    self_->send(gw_, lb_plan{ops});
  }
  size_t done = 0;
  for (int i = 0; i < 10'000 && done < 100; ++i) {
    while (try_receive([&](const plan_result&) { ++done; },
                       [&](caf::error& e) { ADD_FAILURE() << describe(e); }))
      ;
    if (done < 100)
      advance_time(10ms);
  }
  ASSERT_EQ(done, 100u);
  auto wave = sys_.clock().now() - t0;
  settle();
  EXPECT_EQ(items().size(), 200u);
  EXPECT_EQ(items(), truth());
  auto writes = counters_->writes - before;
  // One write per min_interval while the wave lasts, plus the one after it: not one per object.
  auto bound = static_cast<uint64_t>(wave / settings_.min_interval) + 2;
  EXPECT_LE(writes, bound) << "wave of " << std::chrono::duration<double>(wave).count() << " s";
  EXPECT_GE(writes, 1u);
  std::cout << "[ rde ] 100 Services (200 objects) over "
            << std::chrono::duration<double>(wave).count() << " s of virtual time: " << writes
            << " RDE writes\n";
}

TEST_F(rde_actor_test, a_stale_etag_is_retried_and_keeps_the_other_writers_change) {
  seed_entity();
  start();
  settle();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  // Another writer changes status.capvcd while our write is due; our first PUT then fails.
  auto other = entity();
  other.at("entity").at("status").as_object()["capvcd"] = json::object{{"phase", "Upgraded"}};
  fake_->write_defined_entity_as_other(cid, json::serialize(other));
  fake_->fail_next(operation::update_defined_entity,
                   vcd::make_http_error(412, "PRECONDITION_FAILED", "etag", -1, true));
  settle();
  EXPECT_EQ(counters_->conflicts, 1u);
  auto doc = entity();
  EXPECT_EQ(doc.at("entity").at("status").at("capvcd").at("phase"), "Upgraded");
  EXPECT_EQ(items(), truth());
  EXPECT_EQ(items().size(), 2u);
}

TEST_F(rde_actor_test, failures_keep_the_work_and_retry) {
  seed_entity();
  start();
  settle();
  fake_->fail_next(operation::update_defined_entity,
                   vcd::make_http_error(503, "", "maintenance", -1, true), 3);
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  self_->send(rde_, *note_for_event("SyncLoadBalancerFailed", "boom", "shop/web", "t"));
  settle();
  settle();
  EXPECT_GE(counters_->failures, 3u);
  EXPECT_EQ(items(), truth());
  auto errors = entity().at("entity").at("status").at("cpi").at("errorSet").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("name"), "CreateLoadbalancerError");
  // Success later resolves it.
  self_->send(rde_, *note_for_event("EnsuredLoadBalancer", "ok", "shop/web", "t"));
  settle();
  EXPECT_TRUE(entity().at("entity").at("status").at("cpi").at("errorSet").as_array().empty());
}

TEST_F(rde_actor_test, a_missing_entity_writes_nothing_until_it_exists) {
  start();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  settle();
  EXPECT_EQ(counters_->writes, 0u);
  EXPECT_EQ(fake_->calls(operation::update_defined_entity), 0u);
  EXPECT_GE(fake_->calls(operation::get_defined_entity), 2u) << "the read is retried";
  seed_entity();
  for (int i = 0; i < 90; ++i)
    advance_time(1s);
  EXPECT_EQ(items(), truth());
  EXPECT_EQ(items().size(), 2u);
}

TEST_F(rde_actor_test, an_entity_of_another_type_is_never_written) {
  seed_entity("urn:vcloud:type:vmware:capvcdCluster:7.0.0");
  start();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  settle();
  EXPECT_EQ(fake_->calls(operation::update_defined_entity), 0u);
  EXPECT_FALSE(entity().at("entity").at("status").as_object().contains("cpi"));
}

TEST(rde_notes, service_events_map_to_upstreams_names) {
  auto created = note_for_event("EnsuredLoadBalancer", "Ensured load balancer", "shop/web", "t");
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->error);
  EXPECT_EQ(created->item.name, "CreatedLoadbalancer");
  EXPECT_EQ(created->item.resource_name, "shop/web");
  EXPECT_EQ(created->item.detail, "Ensured load balancer");
  auto updated = note_for_event("UpdatedLoadBalancer", "hosts", "shop/web", "t");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->item.name, "UpdatedLoadbalancer");
  auto failed = note_for_event("SyncLoadBalancerFailed", "boom", "shop/web", "t");
  ASSERT_TRUE(failed);
  EXPECT_TRUE(failed->error);
  EXPECT_EQ(failed->item.name, "CreateLoadbalancerError");
  auto deleted = note_for_event("DeletedLoadBalancer", "gone", "shop/web", "t");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->resolves.size(), 2u);
  EXPECT_FALSE(note_for_event("EnsuringLoadBalancer", "", "shop/web", "t"));
  EXPECT_FALSE(note_for_event("SyncLoadBalancerDelayed", "", "shop/web", "t"));
}

// -- CSE 3 nativeCluster: status.virtual_IPs -------------------------------------------------

const std::string native_cid =
  "urn:vcloud:entity:cse:nativeCluster:5d2e0000-0000-4000-8000-000000000042";
const std::string native_type = "urn:vcloud:type:cse:nativeCluster:2.0.0";

class native_rde_actor_test : public rde_actor_test {
protected:
  native_rde_actor_test() { cid_ = native_cid; }

  void seed_native(json::array vips = {}, const std::string& type = native_type) {
    json::object status{{"phase", "CREATE:SUCCEEDED"},
                        {"nodes", json::object{{"master", json::object{{"ip", "10.0.0.2"}}}}}};
    if (!vips.empty())
      status["virtual_IPs"] = std::move(vips);
    vcd::defined_entity e;
    e.id = native_cid;
    e.entity_type = type;
    e.body = json::serialize(
      json::object{{"id", native_cid},
                   {"entityType", type},
                   {"name", "native1"},
                   {"entity", json::object{{"kind", "native"}, {"status", std::move(status)}}}});
    fake_->put_defined_entity(e);
  }

  std::vector<std::string> vips() {
    auto e = fake_->defined_entity_by_id(native_cid);
    EXPECT_TRUE(e);
    if (!e)
      return {};
    auto r = rde::read_virtual_ips(e->body);
    EXPECT_TRUE(r);
    return r ? *r : std::vector<std::string>{};
  }

  std::vector<std::string> truth_vips() {
    self_->send(gw_, list_atom::value);
    run();
    lb_objects have;
    EXPECT_TRUE(try_receive([&](lb_objects& o) { have = std::move(o); }));
    auto s = rde::virtual_ips_of(have);
    return {s.begin(), s.end()};
  }
};

TEST_F(native_rde_actor_test, virtual_ips_follow_the_gateway_in_each_mode_and_nothing_else_moves) {
  seed_native();
  start();
  settle();
  EXPECT_EQ(counters_->writes, 0u) << "nothing to say yet: no empty array, no status.cpi";
  for (auto mode : {config::lb_mode::a, config::lb_mode::b, config::lb_mode::c}) {
    SCOPED_TRACE(static_cast<int>(mode));
    create(desired("web", mode, "203.0.113.10"));
    create(desired("db", mode, "203.0.113.11"));
    settle();
    EXPECT_EQ(vips(), (std::vector<std::string>{"203.0.113.10", "203.0.113.11"}))
      << "the external IPs, also in one-arm modes";
    EXPECT_EQ(vips(), truth_vips());
    remove_all();
    settle();
    EXPECT_TRUE(vips().empty()) << "the deleted Services' VIPs are gone";
  }
  auto status = entity().at("entity").at("status").as_object();
  EXPECT_FALSE(status.contains("cpi")) << "no status.cpi in a native entity, as upstream";
  EXPECT_EQ(status.at("phase"), "CREATE:SUCCEEDED");
  EXPECT_EQ(status.at("nodes").at("master").at("ip"), "10.0.0.2");
}

TEST_F(native_rde_actor_test, entries_vcdlb_never_owned_stay) {
  // An upstream provider's or a user's entries from before: vcdlb cannot tell they are stale.
  seed_native(json::array{"198.51.100.7"});
  start();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  settle();
  EXPECT_EQ(vips(), (std::vector<std::string>{"198.51.100.7", "203.0.113.10"}));
  remove_all();
  settle();
  EXPECT_EQ(vips(), (std::vector<std::string>{"198.51.100.7"}));
}

TEST_F(native_rde_actor_test, a_stale_etag_is_retried_and_keeps_the_other_writers_change) {
  seed_native();
  start();
  settle();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  // The CSE server updates the nodes while our write is due; our first PUT then fails.
  auto other = entity();
  other.at("entity").at("status").as_object()["nodes"] = json::object{{"workers", 3}};
  fake_->write_defined_entity_as_other(native_cid, json::serialize(other));
  fake_->fail_next(operation::update_defined_entity,
                   vcd::make_http_error(412, "PRECONDITION_FAILED", "etag", -1, true));
  settle();
  EXPECT_EQ(counters_->conflicts, 1u);
  EXPECT_EQ(entity().at("entity").at("status").at("nodes").at("workers"), 3);
  EXPECT_EQ(vips(), (std::vector<std::string>{"203.0.113.10"}));
}

TEST_F(native_rde_actor_test, a_failed_write_keeps_the_vip_to_drop) {
  seed_native();
  start();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  settle();
  ASSERT_EQ(vips(), (std::vector<std::string>{"203.0.113.10"}));
  fake_->fail_next(operation::update_defined_entity,
                   vcd::make_http_error(503, "", "maintenance", -1, true), 3);
  remove_all();
  settle();
  settle();
  EXPECT_GE(counters_->failures, 3u);
  EXPECT_TRUE(vips().empty()) << "dropped once VCD takes writes again";
}

TEST_F(native_rde_actor_test, a_wave_is_a_handful_of_writes) {
  seed_native();
  start();
  settle();
  auto t0 = sys_.clock().now();
  for (int i = 0; i < 100; ++i) {
    auto o =
      desired("svc" + std::to_string(i), config::lb_mode::c, "203.0.113." + std::to_string(10 + i));
    std::vector<lb_op> ops;
    for (const auto& x : o.pools)
      ops.push_back(make_create(x));
    for (const auto& x : o.virtual_services)
      ops.push_back(make_create(x));
    self_->send(gw_, lb_plan{ops});
  }
  size_t done = 0;
  for (int i = 0; i < 10'000 && done < 100; ++i) {
    while (try_receive([&](const plan_result&) { ++done; },
                       [&](caf::error& e) { ADD_FAILURE() << describe(e); }))
      ;
    if (done < 100)
      advance_time(10ms);
  }
  ASSERT_EQ(done, 100u);
  auto wave = sys_.clock().now() - t0;
  settle();
  auto got = vips();
  std::sort(got.begin(), got.end()); // in the order the writes appended them
  EXPECT_EQ(got.size(), 100u);
  EXPECT_EQ(got, truth_vips());
  auto bound = static_cast<uint64_t>(wave / settings_.min_interval) + 2;
  EXPECT_LE(counters_->writes, bound);
  EXPECT_GE(counters_->writes, 1u);
}

TEST_F(native_rde_actor_test, notes_are_not_recorded) {
  seed_native();
  start();
  settle();
  self_->send(rde_, *note_for_event("SyncLoadBalancerFailed", "boom", "shop/web", "t"));
  settle();
  EXPECT_EQ(fake_->calls(operation::update_defined_entity), 0u);
  EXPECT_FALSE(entity().at("entity").at("status").as_object().contains("cpi"));
}

TEST_F(native_rde_actor_test, an_entity_of_another_type_or_a_missing_one_is_never_written) {
  start();
  create(desired("web", config::lb_mode::c, "203.0.113.10"));
  settle();
  EXPECT_GE(fake_->calls(operation::get_defined_entity), 2u) << "the read is retried";
  seed_native({}, "urn:vcloud:type:vmware:capvcdCluster:1.2.0");
  for (int i = 0; i < 90; ++i)
    advance_time(1s);
  EXPECT_EQ(fake_->calls(operation::update_defined_entity), 0u);
  seed_native();
  for (int i = 0; i < 90; ++i)
    advance_time(1s);
  EXPECT_EQ(vips(), (std::vector<std::string>{"203.0.113.10"}));
}

} // namespace
