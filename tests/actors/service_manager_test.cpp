#include "actors/service_manager.hpp"

#include <atomic>
#include <map>
#include <memory>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/ip_pool_actor.hpp"
#include "actors/naming.hpp"
#include "actors/node_set.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";

// Accepts every status write and remembers which actors wrote (the service actors).
status_writer_actor::behavior_type
accepting_writer(status_writer_actor::pointer self,
                 std::shared_ptr<std::map<service_key, caf::actor>> writers) {
  return {
    [self, writers](const service_status& s) {
      (*writers)[s.key] = caf::actor_cast<caf::actor>(self->current_sender());
      return caf::ok_atom::value;
    },
    [](const service_event&) {},
  };
}

// Counts the reconciles the service actors start.
class counting_observer : public engine_observer {
public:
  void reconcile_started() override { ++started; }
  std::atomic<uint64_t> started{0};
};

class service_manager_test : public actor_fixture {
protected:
  // Few attempts with the default backoff, so that giving up fits one settle().
  static constexpr uint32_t max_attempts = 3;
  service_manager_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
  }

  void SetUp() override { start(); }

  /// The engine's mode; one-arm fixtures override it.
  virtual config::lb_mode mode() const { return config::lb_mode::c; }

  /// The ip pool's seed (tests add leftovers before SetUp through `seed_`).
  void start() {
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id_};
    args.ctx.org = fake_->options().org;
    args.ctx.vdc_id = "urn:vcloud:vdc:0001";
    args.cluster_id = cid;
    args.settings.max_attempts = max_attempts;
    gateway_ = sys_.spawn(gateway_behavior, std::move(args));
    pool_ = sys_.spawn(ip_pool_behavior);
    writer_ = sys_.spawn(accepting_writer, writers_);
    nodes_ = sys_.spawn(node_set_behavior, caf::timespan{1s});
    seed_.external_ranges = {{"203.0.113.10", "203.0.113.20"}};
    if (mode() != config::lb_mode::c)
      seed_.internal_range = {"192.168.8.2", "192.168.8.100"};
    self_->send(pool_, rebuild_atom::value, seed_);
    node_description n;
    n.name = "w1";
    n.addresses = {{"InternalIP", "10.0.0.1"}};
    self_->send(nodes_, std::vector<node_description>{n});
    run();
    try_receive([](caf::ok_atom) {});
    auto deps = std::make_shared<service_deps>();
    deps->settings.mode = mode();
    deps->settings.cluster_id = cid;
    deps->settings.load_balancer_class = "vcdlb.io/lb";
    deps->pool = pool_;
    deps->gateway = gateway_;
    deps->writer = writer_;
    deps->resync_interval = resync_interval_;
    deps->observer = observer_;
    manager_ =
      sys_.spawn(service_manager_behavior, std::shared_ptr<const service_deps>{deps}, nodes_);
  }

  ~service_manager_test() override {
    for (auto a : {caf::actor_cast<caf::actor>(manager_), caf::actor_cast<caf::actor>(gateway_),
                   caf::actor_cast<caf::actor>(pool_), caf::actor_cast<caf::actor>(writer_),
                   caf::actor_cast<caf::actor>(nodes_)})
      self_->send_exit(a, caf::exit_reason::user_shutdown);
  }

  static service_spec lb(std::string name) {
    service_spec svc;
    svc.key = {"shop", std::move(name)};
    svc.uid = "uid-" + svc.key.name;
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}};
    return svc;
  }

  void settle() {
    run();
    for (int i = 0; i < 100; ++i)
      advance_time(50ms);
  }

  void resync() {
    self_->send(manager_, resync_atom::value);
    settle();
  }

  // Sweeps with `keys` as the Services that exist; returns the number of objects removed.
  uint64_t sweep(std::vector<service_key> keys) {
    self_->send(manager_, sweep_atom::value, std::move(keys));
    settle();
    uint64_t n = 0;
    EXPECT_TRUE(try_receive([&](uint64_t x) { n = x; },
                            [&](caf::error& e) { ADD_FAILURE() << describe(e); }));
    return n;
  }

  // Puts a pool and a VS with `names` on the gateway, as another controller (or a former vcdlb)
  // would have left them.
  void put_leftover(const naming::port_names& names, const std::string& vip, int32_t port) {
    vcd::pool p;
    p.name = names.pool;
    p.gateway_ref = {"edge-1", gw_id_};
    p.default_port = 30080;
    p.members = {{"10.0.0.1", 30080, 1, true, ""}};
    auto pool_id = fake_->put_pool(p);
    vcd::virtual_service vs;
    vs.name = names.virtual_service;
    vs.virtual_ip_address = vip;
    vs.gateway_ref = {"edge-1", gw_id_};
    vs.load_balancer_pool_ref = {names.pool, pool_id};
    vs.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    vs.app_profile = {"System-L4-Application", "L4", true};
    vcd::service_port sp;
    sp.port_start = port;
    vs.service_ports = {sp};
    fake_->put_virtual_service(vs);
  }

  static naming::port_names names_of(const service_key& key) {
    return naming::namespaced_names(cid, key, "http");
  }

  // Deletes an object behind the engine's back (not counted: calls are reset afterwards).
  void delete_vs(const std::string& name) {
    auto vs = fake_->virtual_service_by_name(name);
    ASSERT_TRUE(vs) << name;
    fake_->delete_virtual_service(vs->id, [](caf::expected<vcd::task_ref>) {});
  }

  void delete_pool(const std::string& name) {
    auto p = fake_->pool_by_name(name);
    ASSERT_TRUE(p) << name;
    fake_->delete_pool(p->id, [](caf::expected<vcd::task_ref>) {});
  }

  uint64_t live() {
    self_->send(manager_, caf::get_atom::value);
    run();
    uint64_t n = 0;
    EXPECT_TRUE(try_receive([&](uint64_t x) { n = x; }));
    return n;
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_id_;
  pool_seed seed_;
  caf::timespan resync_interval_{0}; // tests drive resyncs themselves unless they say so
  std::shared_ptr<counting_observer> observer_ = std::make_shared<counting_observer>();
  std::shared_ptr<std::map<service_key, caf::actor>> writers_ =
    std::make_shared<std::map<service_key, caf::actor>>();
  gateway_actor gateway_;
  ip_pool_actor pool_;
  status_writer_actor writer_;
  node_set_actor nodes_;
  service_manager_actor manager_;
};

TEST_F(service_manager_test, foreign_services_get_no_actor) {
  auto cluster_ip = lb("internal");
  cluster_ip.type = service_type::cluster_ip;
  auto foreign = lb("metallb");
  foreign.load_balancer_class = "metallb.io/metallb";
  self_->send(manager_, cluster_ip);
  self_->send(manager_, foreign);
  settle();
  EXPECT_EQ(live(), 0u);
  auto own_class = lb("classy");
  own_class.load_balancer_class = "vcdlb.io/lb";
  self_->send(manager_, own_class);
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
}

TEST_F(service_manager_test, services_converge_and_removal_cleans_up_and_retires_the_actor) {
  self_->send(manager_, lb("a"));
  self_->send(manager_, lb("b"));
  settle();
  EXPECT_EQ(live(), 2u);
  EXPECT_EQ(fake_->virtual_services().size(), 2u);
  self_->send(manager_, remove_atom::value, service_key{"shop", "a"});
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(fake_->pools().size(), 1u);
}

TEST_F(service_manager_test, a_snapshot_during_retirement_goes_to_a_fresh_actor) {
  self_->send(manager_, lb("a"));
  settle();
  self_->send(manager_, remove_atom::value, service_key{"shop", "a"});
  auto again = lb("a");
  again.uid = "uid-a-2"; // recreated under the same name
  self_->send(manager_, again);
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
}

TEST_F(service_manager_test, resync_of_unchanged_services_costs_only_the_refresh) {
  for (auto name : {"a", "b", "c"})
    self_->send(manager_, lb(name));
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 3u);
  fake_->reset_calls();
  resync();
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(fake_->total_calls(), 4u); // VSs, pools, NAT rules, profiles; no GET per pool
}

TEST_F(service_manager_test, a_resync_reconciles_only_the_services_whose_objects_changed) {
  for (auto name : {"a", "b", "c"})
    self_->send(manager_, lb(name));
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 3u);
  // Nothing changed: the refresh's 4 lists and not one reconcile (no list per Service).
  auto started = observer_->started.load();
  fake_->reset_calls();
  resync();
  EXPECT_EQ(observer_->started.load(), started);
  EXPECT_EQ(fake_->total_calls(), 4u);
  // b's virtual service deleted out of band: b alone reconciles and repairs it.
  auto b = names_of({"shop", "b"});
  delete_vs(b.virtual_service);
  started = observer_->started.load();
  fake_->reset_calls();
  resync();
  EXPECT_EQ(observer_->started.load(), started + 1);
  EXPECT_TRUE(fake_->virtual_service_by_name(b.virtual_service));
  EXPECT_EQ(fake_->calls(vcd::operation::create_virtual_service), 1u);
  EXPECT_EQ(fake_->mutation_calls(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 3u);
}

TEST_F(service_manager_test, resync_repairs_objects_deleted_or_edited_out_of_band) {
  for (auto name : {"a", "b", "c", "d"})
    self_->send(manager_, lb(name));
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 4u);
  auto a = names_of({"shop", "a"});
  auto b = names_of({"shop", "b"});
  auto c = names_of({"shop", "c"});
  delete_vs(a.virtual_service);
  auto pool = fake_->pool_by_name(b.pool);
  ASSERT_TRUE(pool);
  pool->members.push_back({"10.9.9.9", 30080, 1, true, ""}); // a stranger in b's pool
  fake_->put_pool(*pool);
  delete_vs(c.virtual_service);
  delete_pool(c.pool);
  fake_->reset_calls();
  resync();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
  EXPECT_TRUE(fake_->virtual_service_by_name(c.virtual_service));
  ASSERT_TRUE(fake_->pool_by_name(c.pool));
  ASSERT_TRUE(fake_->pool_by_name(b.pool));
  EXPECT_EQ(fake_->pool_by_name(b.pool)->members.size(), 1u);
  EXPECT_EQ(fake_->pool_by_name(b.pool)->members[0].ip_address, "10.0.0.1");
  // Exactly the repairs: nothing of d, nothing removed.
  EXPECT_EQ(fake_->calls(vcd::operation::create_virtual_service), 2u);
  EXPECT_EQ(fake_->calls(vcd::operation::create_pool), 1u);
  EXPECT_EQ(fake_->calls(vcd::operation::update_pool), 1u);
  EXPECT_EQ(fake_->mutation_calls(), 4u);
  EXPECT_EQ(fake_->virtual_services().size(), 4u);
  // Converged again: the next resync is free.
  fake_->reset_calls();
  resync();
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(fake_->total_calls(), 4u);
}

class service_manager_one_arm_test : public service_manager_test {
protected:
  config::lb_mode mode() const override { return config::lb_mode::a; }
};

TEST_F(service_manager_one_arm_test, resync_repairs_a_deleted_dnat_rule_and_profile) {
  self_->send(manager_, lb("a"));
  settle();
  auto a = names_of({"shop", "a"});
  auto rule = fake_->nat_rule_by_name(gw_id_, a.dnat_rule);
  ASSERT_TRUE(rule);
  fake_->delete_nat_rule(gw_id_, rule->id, [](caf::expected<vcd::task_ref>) {});
  auto profile = fake_->app_port_profile_by_name(a.app_port_profile);
  ASSERT_TRUE(profile);
  fake_->delete_app_port_profile(profile->id, [](caf::expected<vcd::task_ref>) {});
  ASSERT_FALSE(fake_->nat_rule_by_name(gw_id_, a.dnat_rule));
  fake_->reset_calls();
  resync();
  EXPECT_TRUE(fake_->nat_rule_by_name(gw_id_, a.dnat_rule));
  EXPECT_TRUE(fake_->app_port_profile_by_name(a.app_port_profile));
  EXPECT_EQ(fake_->calls(vcd::operation::create_nat_rule), 1u);
  EXPECT_EQ(fake_->calls(vcd::operation::create_app_port_profile), 1u);
  EXPECT_EQ(fake_->mutation_calls(), 2u);
}

class service_manager_timer_test : public service_manager_test {
protected:
  service_manager_timer_test() { resync_interval_ = 1min; }
};

TEST_F(service_manager_timer_test, the_manager_resyncs_on_its_own_timer) {
  self_->send(manager_, lb("a"));
  settle(); // 5 s of virtual time
  auto a = names_of({"shop", "a"});
  delete_vs(a.virtual_service);
  advance_time(50s); // before the first tick: nothing
  EXPECT_FALSE(fake_->virtual_service_by_name(a.virtual_service));
  advance_time(10s);
  settle();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
  delete_vs(a.virtual_service);
  advance_time(60s); // and again one interval later
  settle();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
}

TEST_F(service_manager_test, a_killed_service_actor_is_respawned_with_its_snapshot) {
  self_->send(manager_, lb("a"));
  settle();
  ASSERT_EQ(writers_->count({"shop", "a"}), 1u);
  auto first = writers_->at({"shop", "a"});
  self_->send_exit(first, caf::exit_reason::kill);
  settle();
  EXPECT_EQ(live(), 1u);
  // The new actor knows the Service without a new snapshot: it repairs it on the next resync.
  auto a = names_of({"shop", "a"});
  delete_vs(a.virtual_service);
  resync();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
  // A second crash is survived too, and the manager itself is unaffected.
  self_->send_exit(first, caf::exit_reason::kill); // already dead: no effect
  auto removed = lb("a");
  removed.ports.push_back({"admin", ip_protocol::tcp, 9000, 30900, ""});
  self_->send(manager_, removed);
  settle();
  EXPECT_EQ(fake_->virtual_services().size(), 2u);
  EXPECT_EQ(live(), 1u);
}

TEST_F(service_manager_test, sweep_removes_objects_of_services_that_no_longer_exist) {
  // The leftovers' VIP is held back by the ip pool until the sweep frees it.
  pool_seed seed;
  seed.external_ranges = {{"203.0.113.10", "203.0.113.20"}};
  seed.used_by_others = {"203.0.113.10"};
  seed.leftover_ips = {"203.0.113.10"};
  self_->send(pool_, rebuild_atom::value, seed);
  run();
  try_receive([](caf::ok_atom) {});
  put_leftover(names_of({"shop", "gone"}), "203.0.113.10", 80);
  put_leftover(naming::upstream_names(cid, "old", "http"), "203.0.113.10", 81);
  // Kept: upstream objects of a Service name that exists in another namespace, another
  // cluster's objects, and objects without our naming.
  put_leftover(naming::upstream_names(cid, "keep", "http"), "203.0.113.19", 80);
  put_leftover(
    naming::namespaced_names("urn:vcloud:entity:vmware:capvcdCluster:99", {"shop", "gone"}, "http"),
    "203.0.113.18", 80);
  put_leftover({"hand-made-vs", "hand-made-pool", "", ""}, "203.0.113.17", 80);
  self_->send(manager_, lb("a"));
  settle();
  ASSERT_TRUE(fake_->virtual_service_by_name(names_of({"shop", "a"}).virtual_service));
  EXPECT_EQ(
    fake_->virtual_service_by_name(names_of({"shop", "a"}).virtual_service)->virtual_ip_address,
    "203.0.113.11");
  fake_->reset_calls();
  EXPECT_EQ(sweep({{"shop", "a"}, {"other", "keep"}, {"shop", "cluster-ip"}}), 4u);
  EXPECT_EQ(fake_->calls(vcd::operation::delete_virtual_service), 2u);
  EXPECT_EQ(fake_->calls(vcd::operation::delete_pool), 2u);
  EXPECT_EQ(fake_->mutation_calls(), 4u);
  EXPECT_FALSE(fake_->virtual_service_by_name(names_of({"shop", "gone"}).virtual_service));
  EXPECT_FALSE(fake_->pool_by_name(naming::upstream_names(cid, "old", "http").pool));
  EXPECT_EQ(fake_->virtual_services().size(), 4u); // a, keep, the other cluster's, hand-made
  EXPECT_EQ(fake_->pools().size(), 4u);
  // Nothing left to do; and the freed VIP goes to the next Service.
  fake_->reset_calls();
  EXPECT_EQ(sweep({{"shop", "a"}, {"other", "keep"}}), 0u);
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  self_->send(manager_, lb("c"));
  settle();
  auto c = fake_->virtual_service_by_name(names_of({"shop", "c"}).virtual_service);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->virtual_ip_address, "203.0.113.10");
}

TEST_F(service_manager_test, a_sweep_with_unchanged_keys_lists_nothing_until_a_resync) {
  self_->send(manager_, lb("a"));
  settle();
  std::vector<service_key> keys{{"shop", "a"}};
  EXPECT_EQ(sweep(keys), 0u); // clean
  // Made out of band and seen by a gateway refresh that the manager did not ask for: the
  // relist of the same keys (a no-op resync) does not scan the gateway again.
  put_leftover(names_of({"shop", "gone"}), "203.0.113.15", 80);
  self_->send(gateway_, refresh_atom::value);
  settle();
  try_receive([](const refresh_result&) {});
  EXPECT_EQ(sweep(keys), 0u);
  // Other keys: scanned.
  EXPECT_EQ(sweep({{"shop", "a"}, {"shop", "b"}}), 2u);
  // The manager's resync refreshes the gateway: the next sweep scans, same keys or not.
  put_leftover(names_of({"shop", "gone2"}), "203.0.113.16", 80);
  resync();
  EXPECT_EQ(sweep({{"shop", "a"}, {"shop", "b"}}), 2u);
  EXPECT_FALSE(fake_->virtual_service_by_name(names_of({"shop", "gone2"}).virtual_service));
}

TEST_F(service_manager_test, sweep_spares_a_service_that_got_an_actor_after_the_request) {
  put_leftover(names_of({"shop", "gone"}), "203.0.113.15", 80);
  put_leftover(names_of({"shop", "late"}), "203.0.113.16", 80);
  // The key list predates "late"; its snapshot arrives before the sweep runs.
  self_->send(manager_, sweep_atom::value, std::vector<service_key>{});
  auto late = lb("late");
  late.ingress_ips = {"203.0.113.16"};
  self_->send(manager_, late);
  settle();
  uint64_t removed = 0;
  EXPECT_TRUE(try_receive([&](uint64_t x) { removed = x; }));
  EXPECT_EQ(removed, 2u); // gone's pool and VS only
  EXPECT_FALSE(fake_->virtual_service_by_name(names_of({"shop", "gone"}).virtual_service));
  auto vs = fake_->virtual_service_by_name(names_of({"shop", "late"}).virtual_service);
  ASSERT_TRUE(vs);
  EXPECT_EQ(vs->virtual_ip_address, "203.0.113.16");
  EXPECT_EQ(live(), 1u);
}

TEST_F(service_manager_test, a_service_reappearing_during_its_sweep_waits_and_is_rebuilt) {
  put_leftover(names_of({"shop", "gone"}), "203.0.113.15", 80);
  fake_->options().task_polls = 1; // every removal waits for a task poll
  self_->send(manager_, sweep_atom::value, std::vector<service_key>{});
  run(); // the sweep decided and its first removal is waiting for its task
  EXPECT_EQ(fake_->calls(vcd::operation::delete_virtual_service), 1u);
  self_->send(manager_, lb("gone"));
  EXPECT_EQ(live(), 0u); // held until the sweep is done
  settle();
  uint64_t removed = 0;
  EXPECT_TRUE(try_receive([&](uint64_t x) { removed = x; }));
  EXPECT_EQ(removed, 2u);
  EXPECT_EQ(live(), 1u);
  settle();
  EXPECT_TRUE(fake_->virtual_service_by_name(names_of({"shop", "gone"}).virtual_service));
  EXPECT_TRUE(fake_->pool_by_name(names_of({"shop", "gone"}).pool));
}

TEST_F(service_manager_test, service_actors_end_with_their_manager) {
  self_->send(manager_, lb("a"));
  settle();
  ASSERT_EQ(writers_->count({"shop", "a"}), 1u);
  auto child = writers_->at({"shop", "a"});
  self_->monitor(child);
  self_->send_exit(manager_, caf::exit_reason::user_shutdown);
  run();
  caf::actor_addr down;
  EXPECT_TRUE(try_receive([&](caf::down_msg& dm) { down = dm.source; }));
  EXPECT_EQ(down, child.address());
}

TEST_F(service_manager_test, a_failed_refresh_skips_the_reconciles_and_the_next_resync_repairs) {
  self_->send(manager_, lb("a"));
  settle();
  auto a = names_of({"shop", "a"});
  delete_vs(a.virtual_service);
  // Every attempt of the list fails: the refresh gives up.
  fake_->fail_next(vcd::operation::list_pool_summaries,
                   caf::make_error(vcd_errc::unavailable, std::string{"maintenance"}),
                   max_attempts);
  fake_->reset_calls();
  resync();
  EXPECT_EQ(fake_->calls(vcd::operation::list_pool_summaries), max_attempts);
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_FALSE(fake_->virtual_service_by_name(a.virtual_service));
  resync();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
  EXPECT_EQ(live(), 1u);
}

// One transient failure of a list is retried, not reported: the same resync repairs.
TEST_F(service_manager_test, a_transient_list_failure_is_retried_within_the_refresh) {
  self_->send(manager_, lb("a"));
  settle();
  auto a = names_of({"shop", "a"});
  delete_vs(a.virtual_service);
  fake_->fail_next(vcd::operation::list_pool_summaries,
                   vcd::make_http_error(429, "", "slow down", -1, false));
  resync();
  EXPECT_TRUE(fake_->virtual_service_by_name(a.virtual_service));
  EXPECT_EQ(live(), 1u);
}

// externalTrafficPolicy: Local end to end through the manager: the pool holds the nodes with a
// ready endpoint, pod moves within one debounce window cost one pool update, and a policy
// switch re-subscribes.
TEST_F(service_manager_test, a_local_service_pool_follows_its_endpoints) {
  auto worker = [](std::string name, std::string ip) {
    node_description n;
    n.name = std::move(name);
    n.addresses = {{"InternalIP", std::move(ip)}};
    return n;
  };
  self_->send(nodes_, std::vector<endpoint_slice_info>{{{"shop", "web"}, "web-1", {"w2"}}});
  self_->send(nodes_,
              std::vector<node_description>{worker("w1", "10.0.0.1"), worker("w2", "10.0.0.2"),
                                            worker("w3", "10.0.0.3")});
  run();
  auto svc = lb("web");
  svc.local_traffic_policy = true;
  self_->send(manager_, svc);
  settle();
  auto members = [&] {
    std::vector<std::string> ips;
    if (auto p = fake_->pool_by_name(names_of(svc.key).pool))
      for (const auto& m : p->members)
        ips.push_back(m.ip_address);
    return ips;
  };
  EXPECT_EQ(members(), std::vector<std::string>{"10.0.0.2"});
  fake_->reset_calls();
  // The pod moves w2 -> w1 -> w3 within one window: one pool update.
  self_->send(nodes_, endpoint_slice_info{{"shop", "web"}, "web-1", {"w1"}});
  self_->send(nodes_, endpoint_slice_info{{"shop", "web"}, "web-1", {"w3"}});
  settle();
  EXPECT_EQ(members(), std::vector<std::string>{"10.0.0.3"});
  EXPECT_EQ(fake_->calls(vcd::operation::update_pool), 1u);
  // Scaled to zero: the pool keeps its member.
  self_->send(nodes_, remove_atom::value, endpoint_slice_info{{"shop", "web"}, "web-1", {}});
  settle();
  EXPECT_EQ(members(), std::vector<std::string>{"10.0.0.3"});
  EXPECT_EQ(fake_->calls(vcd::operation::update_pool), 1u);
  // Back to Cluster: every eligible node.
  svc.local_traffic_policy = false;
  self_->send(manager_, svc);
  settle();
  EXPECT_EQ(members(), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(fake_->calls(vcd::operation::update_pool), 2u);
}

} // namespace
