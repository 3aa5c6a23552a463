#include "actors/gateway_actor.hpp"

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/detail/vcd_convert.hpp"
#include "actors/naming.hpp"
#include "actors/plan.hpp"
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

struct outcome {
  std::vector<std::string> order; ///< "<requester>:<op>" in reply order
  std::vector<caf::error> errors;
  size_t replies = 0;
};

class gateway_actor_test : public actor_fixture {
protected:
  gateway_actor_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    fake_->add_certificate({"", "web-cert", "", "-----BEGIN CERTIFICATE-----"});
  }

  ~gateway_actor_test() override {
    if (gw_)
      self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  }

  // `owner_marker`: objects name the cluster in their description (as the engine wires it);
  // false plays a vcdlb from before the marker.
  void start(gateway_settings s = {}, bool owner_marker = true) {
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id_};
    args.ctx.org = fake_->options().org;
    args.ctx.vdc_id = "urn:vcloud:vdc:0001";
    if (owner_marker)
      args.ctx.cluster_id = cid;
    args.cluster_id = cid;
    args.settings = s;
    gw_ = sys_.spawn(gateway_behavior, std::move(args));
  }

  static engine_settings settings(config::lb_mode mode) {
    engine_settings s;
    s.mode = mode;
    s.cluster_id = cid;
    s.cert_alias = "web-cert";
    return s;
  }

  static service_spec service(std::string name) {
    service_spec svc;
    svc.key = {"shop", std::move(name)};
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""},
                 {"https", ip_protocol::tcp, 443, 30443, ""}};
    return svc;
  }

  lb_objects desired(const service_spec& svc, config::lb_mode mode, std::string ext,
                     int first_internal = 2) {
    auto plan = plan_ports(svc, settings(mode));
    EXPECT_TRUE(plan) << describe(plan.error());
    ip_assignment ips{std::move(ext), {}};
    int n = first_internal;
    for (const auto& slot : plan->internal_slots(mode))
      ips.internal_ips.emplace_back(slot, "192.168.8." + std::to_string(n++));
    auto objs = desired_objects(svc.key, *plan, {"10.0.0.1", "10.0.0.2"}, ips, settings(mode), {});
    EXPECT_TRUE(objs) << describe(objs.error());
    return *objs;
  }

  // Sends `ops` from a fresh requester actor, one after the other as replies arrive (like a
  // service actor executing its plan).
  void submit(std::string who, std::vector<lb_op> ops, std::shared_ptr<outcome> out,
              bool pipelined = false) {
    gateway_actor gw = gw_;
    sys_.spawn([gw, who, ops, out, pipelined](caf::event_based_actor* self) {
      // The step holds itself only weakly; the pending reply handlers keep it alive, so it
      // goes away with the last reply instead of leaking through a self-reference.
      auto step = std::make_shared<std::function<void(size_t)>>();
      *step = [=, weak = std::weak_ptr{step}](size_t i) {
        if (i >= ops.size())
          return;
        auto label = who + ":" + to_string(ops[i]);
        auto next = weak.lock();
        self->request(gw, 600s, ops[i])
          .then(
            [=](const op_result&) {
              out->order.push_back(label);
              ++out->replies;
              if (!pipelined)
                (*next)(i + 1);
            },
            [=](caf::error& e) {
              out->errors.push_back(e);
              ++out->replies;
            });
        if (pipelined)
          (*next)(i + 1);
      };
      (*step)(0);
    });
  }

  // Lets virtual time pass until `done()` or a generous bound.
  template <class F>
  void settle(F done, caf::timespan step = 50ms, int max_steps = 20000) {
    run();
    for (int i = 0; i < max_steps && !done(); ++i)
      advance_time(step);
  }

  lb_objects list(const service_key& key) {
    self_->send(gw_, list_atom::value, key);
    lb_objects out;
    bool got = false;
    settle([&] {
      if (!got)
        got = try_receive([&](const lb_objects& objs) { out = objs; },
                          [&](caf::error& e) { ADD_FAILURE() << describe(e); });
      return got;
    });
    EXPECT_TRUE(got);
    return out;
  }

  // Asks for a refresh and waits for its reply (an error when `fails`).
  refresh_result refresh(bool fails = false) {
    self_->send(gw_, refresh_atom::value);
    bool got = false;
    refresh_result out;
    settle([&] {
      if (!got)
        got = try_receive(
          [&](const refresh_result& r) {
            EXPECT_FALSE(fails);
            out = r;
          },
          [&](caf::error& e) {
            if (!fails)
              ADD_FAILURE() << describe(e);
          });
      return got;
    });
    EXPECT_TRUE(got);
    return out;
  }

  static std::string token(const service_spec& svc) {
    return "h:" + naming::service_hash(cid, svc.key);
  }

  void execute(const std::vector<lb_op>& plan) {
    auto out = std::make_shared<outcome>();
    submit("svc", plan, out);
    settle([&] { return out->replies == plan.size() || !out->errors.empty(); });
    EXPECT_EQ(out->replies, plan.size());
    for (const auto& e : out->errors)
      ADD_FAILURE() << describe(e);
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_id_;
  gateway_actor gw_;
};

TEST_F(gateway_actor_test, mode_c_create_then_no_op_reconcile_even_after_restart) {
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  auto before = list(svc.key);
  EXPECT_TRUE(before.empty());
  EXPECT_EQ(fake_->total_calls(), 4u); // the cache: VSs, pools, NAT rules, profiles
  fake_->reset_calls();
  execute(make_plan(want, before));
  // Per port: POST pool + 1 poll, POST VS + 1 poll; once per gateway: the SEG lookup.
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u);
  EXPECT_EQ(fake_->calls(operation::create_virtual_service), 2u);
  EXPECT_EQ(fake_->calls(operation::list_seg_assignments), 1u);
  EXPECT_EQ(fake_->total_calls(), 9u);
  auto vs = fake_->virtual_service_by_name(want.virtual_services[1].name);
  ASSERT_TRUE(vs);
  EXPECT_EQ(vs->virtual_ip_address, "203.0.113.10");
  EXPECT_EQ(vs->service_ports.at(0).port_start, 443);
  EXPECT_EQ(vs->app_profile.type, "L4");
  auto pool = fake_->pool_by_name(want.pools[0].name);
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->members.size(), 2u);
  EXPECT_EQ(pool->health_monitors.at(0).type, "TCP");
  // The cache answers the next reconcile: no request, nothing to do.
  fake_->reset_calls();
  auto observed = list(svc.key);
  EXPECT_EQ(fake_->total_calls(), 0u);
  EXPECT_TRUE(make_plan(want, observed).empty());
  // A new gateway actor (restart) reads once and also finds nothing to do.
  self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  run();
  start();
  fake_->reset_calls();
  observed = list(svc.key);
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(fake_->calls(operation::get_pool), 2u); // pool details, once per pool
  EXPECT_TRUE(make_plan(want, observed).empty());
}

TEST_F(gateway_actor_test, created_objects_name_their_cluster_and_unmarked_ones_are_no_drift) {
  // Objects made by a vcdlb from before the owner marker: no description.
  start({}, false);
  auto old_svc = service("old");
  auto old_want = desired(old_svc, config::lb_mode::a, "203.0.113.12");
  execute(make_plan(old_want, list(old_svc.key)));
  ASSERT_FALSE(old_want.dnat_rules.empty());
  auto old_pool = fake_->pool_by_name(old_want.pools[0].name);
  ASSERT_TRUE(old_pool);
  EXPECT_EQ(old_pool->description, "");
  self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  run();
  // Today's vcdlb adopts them as they are: the missing marker is not drift.
  start();
  fake_->reset_calls();
  EXPECT_TRUE(make_plan(old_want, list(old_svc.key)).empty());
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  // What it creates carries the full cluster id in the description.
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::a, "203.0.113.13", 20);
  execute(make_plan(want, list(svc.key)));
  auto marker = naming::owner_marker(cid);
  auto pool = fake_->pool_by_name(want.pools[0].name);
  auto vs = fake_->virtual_service_by_name(want.virtual_services[0].name);
  auto rule = fake_->nat_rule_by_name(gw_id_, want.dnat_rules[0].name);
  auto profile = fake_->app_port_profile_by_name(want.profiles[0].name);
  ASSERT_TRUE(pool && vs && rule && profile);
  EXPECT_EQ(pool->description, marker);
  EXPECT_EQ(vs->description, marker);
  EXPECT_EQ(rule->description, marker);
  EXPECT_EQ(naming::owner_from_description(profile->description), cid);
}

TEST_F(gateway_actor_test, mode_a_create_with_ssl_and_then_remove_everything) {
  start();
  auto svc = service("shop");
  svc.annotations.ssl_ports = "443";
  auto want = desired(svc, config::lb_mode::a, "203.0.113.11");
  execute(make_plan(want, list(svc.key)));
  auto rule = fake_->nat_rule_by_name(gw_id_, want.dnat_rules[0].name);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->external_addresses, "203.0.113.11");
  EXPECT_EQ(rule->dnat_external_port, "80");
  auto vs = fake_->virtual_service_by_name(want.virtual_services[1].name);
  ASSERT_TRUE(vs);
  EXPECT_EQ(vs->app_profile.type, "L4_TLS");
  EXPECT_EQ(vs->certificate_ref.name, "web-cert");
  auto observed = list(svc.key);
  EXPECT_EQ(observed.size(), 8u);
  EXPECT_TRUE(make_plan(want, observed).empty());
  execute(make_plan({}, observed));
  EXPECT_TRUE(fake_->pools().empty());
  EXPECT_TRUE(fake_->virtual_services().empty());
  EXPECT_TRUE(fake_->nat_rules(gw_id_).empty());
  EXPECT_TRUE(fake_->app_port_profiles().empty());
  EXPECT_TRUE(list(svc.key).empty());
}

TEST_F(gateway_actor_test, busy_gateway_is_retried_with_backoff) {
  gateway_settings s;
  s.retry_base = 1s;
  start(s);
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  auto plan = make_plan(want, list(svc.key));
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(400, "BUSY_ENTITY", "busy", -1, false), 2);
  execute(plan);
  EXPECT_EQ(fake_->calls(operation::create_pool), 4u); // 2 refused + 2 accepted
  EXPECT_EQ(fake_->pools().size(), 2u);
}

TEST_F(gateway_actor_test, terminal_errors_are_reported_and_gone_objects_count_as_removed) {
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  auto plan = make_plan(want, list(svc.key));
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(400, "BAD_REQUEST", "nope", -1, false));
  auto out = std::make_shared<outcome>();
  submit("svc", {plan[0]}, out);
  settle([&] { return out->replies == 1; });
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_TRUE(has_code(out->errors[0], vcd_errc::bad_request));
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u); // not retried
  // Removing something that no longer exists is a success.
  execute({make_remove(object_kind::pool, "vcdlb-pool-x", "urn:vcloud:loadBalancerPool:gone"),
           make_remove(object_kind::virtual_service, "vcdlb-vs-x",
                       "urn:vcloud:loadBalancerVirtualService:gone")});
}

// VCD refused the request outright (nothing was created): the cache stays valid, no re-list.
TEST_F(gateway_actor_test, a_mutation_rejected_outright_keeps_the_cache) {
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  auto plan = make_plan(want, list(svc.key));
  fake_->fail_next(operation::create_pool, caf::make_error(vcd_errc::bad_request, "no"));
  auto out = std::make_shared<outcome>();
  submit("svc", {plan[0]}, out);
  settle([&] { return out->replies == 1; });
  ASSERT_EQ(out->errors.size(), 1u);
  fake_->reset_calls();
  list(svc.key);
  EXPECT_EQ(fake_->calls(operation::list_pool_summaries), 0u);
  EXPECT_EQ(fake_->calls(operation::list_virtual_service_summaries), 0u);
}

TEST_F(gateway_actor_test, a_failed_create_that_left_an_object_is_replaced) {
  start();
  auto svc = service("web");
  svc.ports.resize(1);
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  auto plan = make_plan(want, list(svc.key));
  // The pool task fails, but VCD keeps the object (REALIZATION_FAILED).
  fake_->fail_next_task(operation::create_pool, {500, "INTERNAL_SERVER_ERROR", "boom"});
  auto out = std::make_shared<outcome>();
  submit("svc", {plan[0]}, out);
  settle([&] { return out->replies == 1; });
  ASSERT_EQ(out->errors.size(), 1u);
  fake_->reset_calls();
  auto observed = list(svc.key);
  EXPECT_EQ(fake_->calls(operation::list_pool_summaries), 1u); // re-read, not the stale cache
  // Only the failed op's kind is stale: the other kinds are not listed again.
  EXPECT_EQ(fake_->calls(operation::list_virtual_service_summaries), 0u);
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 0u);
  EXPECT_EQ(fake_->calls(operation::list_app_port_profiles), 0u);
  ASSERT_EQ(observed.pools.size(), 1u);
  EXPECT_TRUE(observed.pools[0].failed);
  // The next plan replaces the leftover: remove first, so the create's name is free.
  auto next = make_plan(want, observed);
  ASSERT_GE(next.size(), 2u);
  EXPECT_TRUE(next[0].op == op_kind::remove && next[0].kind == object_kind::pool)
    << to_string(next[0]);
  EXPECT_TRUE(next[1].op == op_kind::create && next[1].kind == object_kind::pool)
    << to_string(next[1]);
  execute(next);
  auto pool = fake_->pool_by_name(want.pools[0].name);
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->status, "REALIZED");
  EXPECT_FALSE(list(svc.key).pools.at(0).failed);
}

TEST_F(gateway_actor_test, one_mutation_at_a_time_served_oldest_requester_first) {
  vcd::fake_options opts;
  opts.task_polls = 2;
  opts.busy_while_task_running = true; // overlapping tasks would be refused
  fake_ = std::make_shared<vcd::fake_client>(opts);
  vcd::edge_gateway g;
  g.name = "edge-1";
  gw_id_ = fake_->add_gateway(g);
  vcd::seg_assignment a;
  a.gateway_ref = {"edge-1", gw_id_};
  a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
  fake_->add_seg_assignment(a);
  start();
  auto big = service("big");
  big.ports.push_back({"admin", ip_protocol::tcp, 9000, 30900, ""});
  auto small = service("small");
  small.ports.resize(1);
  auto big_pools = desired(big, config::lb_mode::c, "203.0.113.10").pools;
  auto small_pools = desired(small, config::lb_mode::c, "203.0.113.11").pools;
  list(big.key); // load the cache first so both requesters queue behind one another
  auto out = std::make_shared<outcome>();
  std::vector<lb_op> big_ops;
  for (const auto& p : big_pools)
    big_ops.push_back(make_create(p));
  submit("big", big_ops, out, true);
  submit("small", {make_create(small_pools[0])}, out, true);
  settle([&] { return out->replies == 4; });
  for (const auto& e : out->errors)
    ADD_FAILURE() << describe(e);
  EXPECT_EQ(fake_->calls(operation::create_pool), 4u); // no BUSY_ENTITY, no retry
  ASSERT_EQ(out->order.size(), 4u);
  // big asked first: all of big, then small (not round robin: big's IP would come last).
  EXPECT_EQ(out->order[0].substr(0, 4), "big:");
  EXPECT_EQ(out->order[1].substr(0, 4), "big:");
  EXPECT_EQ(out->order[2].substr(0, 4), "big:");
  EXPECT_EQ(out->order[3].substr(0, 6), "small:");
}

// Plans are jobs: each runs to its end before a younger plan gets the gateway, and a plan that
// arrives while others run never overtakes them; a stream of newcomers does not starve it.
TEST_F(gateway_actor_test, plans_run_oldest_first_and_a_stream_of_newcomers_starves_nobody) {
  vcd::fake_options opts;
  opts.task_polls = 1;
  fake_ = std::make_shared<vcd::fake_client>(opts);
  vcd::edge_gateway g;
  g.name = "edge-1";
  gw_id_ = fake_->add_gateway(g);
  start();
  list(service("warm").key);
  auto out = std::make_shared<outcome>();
  auto plan_of = [&](const std::string& name) {
    auto svc = service(name);
    std::vector<lb_op> ops;
    for (const auto& p : desired(svc, config::lb_mode::c, "203.0.113.10").pools)
      ops.push_back(make_create(p));
    return ops;
  };
  gateway_actor gw = gw_;
  auto send_plan = [&](const std::string& who) {
    auto ops = plan_of(who);
    sys_.spawn([gw, who, ops, out](caf::event_based_actor* self) {
      self->request(gw, 600s, lb_plan{ops})
        .then(
          [=](const plan_result& r) {
            EXPECT_EQ(r.results.size(), ops.size());
            out->order.push_back(who);
            ++out->replies;
          },
          [=](caf::error& e) {
            out->errors.push_back(e);
            ++out->replies;
          });
    });
  };
  send_plan("s0");
  send_plan("s1");
  run();
  // Newcomers keep arriving while s1 waits: each one after s1 in line.
  for (int i = 2; i < 12; ++i) {
    send_plan("s" + std::to_string(i));
    advance_time(10ms);
  }
  settle([&] { return out->replies == 12; });
  for (const auto& e : out->errors)
    ADD_FAILURE() << describe(e);
  ASSERT_EQ(out->order.size(), 12u);
  for (size_t i = 0; i < out->order.size(); ++i)
    EXPECT_EQ(out->order[i], "s" + std::to_string(i)) << "position " << i;
}

// The first failure ends a plan: the caller gets that error, the later ops never run.
TEST_F(gateway_actor_test, a_plan_stops_at_its_first_failure) {
  start();
  auto svc = service("web");
  auto objs = desired(svc, config::lb_mode::c, "203.0.113.10");
  fake_->fail_next(operation::create_pool, caf::make_error(vcd_errc::bad_request, "no"));
  std::vector<lb_op> ops;
  for (const auto& p : objs.pools)
    ops.push_back(make_create(p));
  self_->send(gw_, lb_plan{ops});
  bool got = false;
  settle([&] {
    if (!got)
      got = try_receive([&](const plan_result&) { ADD_FAILURE() << "the plan succeeded"; },
                        [&](caf::error& e) { EXPECT_TRUE(has_code(e, vcd_errc::bad_request)); });
    return got;
  });
  EXPECT_TRUE(got);
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
}

// A 429 on a mutation means VCD accepted nothing: the gateway slot serves another op during the
// Retry-After, and the refused op comes back first in line.
TEST_F(gateway_actor_test, a_rate_limited_mutation_frees_the_slot_during_its_retry_after) {
  gateway_settings s;
  s.retry_after_unit = 1s;
  start(s);
  list(service("warm").key);
  auto a = desired(service("a"), config::lb_mode::c, "203.0.113.10").pools;
  auto b = desired(service("b"), config::lb_mode::c, "203.0.113.11").pools;
  fake_->fail_next(operation::create_pool, vcd::make_http_error(429, "", "slow down", 5, false));
  auto out = std::make_shared<outcome>();
  submit("a", {make_create(a[0])}, out);
  run();
  submit("b", {make_create(b[0])}, out);
  // b is served within the 5 s a waits.
  settle([&] { return out->replies >= 1; }, 100ms, 40);
  ASSERT_EQ(out->order.size(), 1u);
  EXPECT_EQ(out->order[0].substr(0, 2), "b:");
  settle([&] { return out->replies == 2; });
  ASSERT_EQ(out->order.size(), 2u);
  EXPECT_EQ(out->order[1].substr(0, 2), "a:");
  EXPECT_TRUE(out->errors.empty());
}

TEST_F(gateway_actor_test, token_bucket_paces_requests) {
  gateway_settings s;
  s.qps = 2;
  s.burst = 1;
  s.poll_initial = 1ms;
  start(s);
  auto svc = service("web");
  svc.ports.resize(1);
  self_->send(gw_, list_atom::value, svc.key);
  run();
  // One token at start; the other three cache lists need 1.5 s at 2 per second.
  EXPECT_EQ(fake_->total_calls(), 1u);
  auto wait = [&](caf::timespan d) {
    for (auto t = caf::timespan{0}; t < d; t += 10ms)
      advance_time(10ms);
  };
  wait(490ms);
  EXPECT_EQ(fake_->total_calls(), 1u);
  wait(10ms);
  EXPECT_EQ(fake_->total_calls(), 2u);
  wait(1s);
  EXPECT_EQ(fake_->total_calls(), 4u);
  EXPECT_TRUE(try_receive([](const lb_objects&) {}));
}

// After a restart every existing Service reads its pool's details at the VCD rate limit; a new
// Service's mutation must not wait behind all of them: the calls of an op in flight go first.
TEST_F(gateway_actor_test, an_ops_calls_go_before_the_reads_that_prepare_plans) {
  gateway_settings s;
  s.qps = 1;
  s.burst = 1;
  s.poll_initial = 1ms;
  start(s);
  // Ten existing Services, each with a pool whose details the gateway has not read.
  std::vector<service_key> existing;
  for (int i = 0; i < 10; ++i) {
    auto svc = service("old" + std::to_string(i));
    svc.ports.resize(1);
    vcd::pool p;
    p.name = desired(svc, config::lb_mode::c, "203.0.113.10").pools.at(0).name;
    p.gateway_ref = {"edge-1", gw_id_};
    p.default_port = 30080;
    fake_->put_pool(p);
    existing.push_back(svc.key);
  }
  auto fresh = service("new");
  fresh.ports.resize(1);
  list(fresh.key); // the cache is loaded (4 lists)
  for (const auto& key : existing)
    self_->send(gw_, list_atom::value, key); // 10 pool detail reads, one token a second
  auto out = std::make_shared<outcome>();
  submit("new", {make_create(desired(fresh, config::lb_mode::c, "203.0.113.11").pools.at(0))}, out);
  run();
  for (int i = 0; i < 400 && out->replies == 0; ++i)
    advance_time(10ms);
  ASSERT_EQ(out->replies, 1u);
  EXPECT_TRUE(out->errors.empty());
  // The create and its poll took two of the first tokens; most reads are still waiting.
  EXPECT_LE(fake_->calls(operation::get_pool), 3u);
  settle([&] { return fake_->calls(operation::get_pool) == 10; }, 100ms, 400);
  EXPECT_EQ(fake_->calls(operation::get_pool), 10u);
}

TEST_F(gateway_actor_test, the_compact_cache_describes_virtual_services_exactly) {
  start();
  // Adopted before the cache loads: what the compact cache keeps out of line must come back:
  // an IPv6 VIP, SSL with a certificate alias, a pool the VS name does not imply.
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  ASSERT_EQ(want.virtual_services.size(), 2u);
  detail::gateway_context ctx;
  ctx.gateway = {"edge-1", gw_id_};
  ctx.org = fake_->options().org;
  vcd::entity_ref seg{"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
  auto odd = want.virtual_services[0];
  odd.vip = "2001:db8::10";
  odd.ssl = true;
  odd.cert_alias = "web-cert";
  odd.pool_name = "elsewhere-pool";
  auto plain = want.virtual_services[1];
  fake_->put_virtual_service(detail::to_vcd(odd, ctx,
                                            {odd.pool_name, "urn:vcloud:loadBalancerPool:x"}, seg,
                                            {"web-cert", "urn:vcloud:certificateLibraryItem:c"}));
  fake_->put_virtual_service(
    detail::to_vcd(plain, ctx, {plain.pool_name, "urn:vcloud:loadBalancerPool:y"}, seg, {}));
  auto got = list(svc.key);
  ASSERT_EQ(got.virtual_services.size(), 2u);
  for (auto& vs : got.virtual_services) {
    EXPECT_FALSE(vs.id.empty());
    vs.id.clear();
  }
  std::vector<virtual_service_desc> expected{odd, plain};
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  EXPECT_EQ(got.virtual_services, expected);
}

TEST_F(gateway_actor_test, list_all_returns_this_clusters_objects_only) {
  start();
  // Another cluster's VS on the same gateway is not ours.
  vcd::pool foreign;
  foreign.name = "ingress-pool-web-otherCluster-http";
  foreign.gateway_ref = {"edge-1", gw_id_};
  fake_->put_pool(foreign);
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  execute(make_plan(want, list(svc.key)));
  self_->send(gw_, list_atom::value);
  lb_objects all;
  bool got = false;
  settle([&] {
    if (!got)
      got = try_receive([&](const lb_objects& objs) { all = objs; });
    return got;
  });
  ASSERT_TRUE(got);
  EXPECT_EQ(all.pools.size(), 2u);
  EXPECT_EQ(all.virtual_services.size(), 2u);
}

TEST_F(gateway_actor_test, refresh_sees_out_of_band_changes_and_keeps_unchanged_pool_details) {
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  execute(make_plan(want, list(svc.key)));
  EXPECT_TRUE(make_plan(want, list(svc.key)).empty());
  // Nothing changed: the refresh is exactly the 4 lists, and the pool details it kept answer
  // the next list without a GET.
  fake_->reset_calls();
  refresh();
  EXPECT_EQ(fake_->total_calls(), 4u);
  EXPECT_EQ(fake_->calls(operation::list_pool_summaries), 1u);
  EXPECT_TRUE(make_plan(want, list(svc.key)).empty());
  EXPECT_EQ(fake_->total_calls(), 4u);
  // Behind the engine's back: one VS deleted, one pool loses a member.
  auto vs = fake_->virtual_service_by_name(want.virtual_services[0].name);
  ASSERT_TRUE(vs);
  fake_->delete_virtual_service(vs->id, [](caf::expected<vcd::task_ref>) {});
  auto pool = fake_->pool_by_name(want.pools[1].name);
  ASSERT_TRUE(pool);
  pool->members.pop_back();
  fake_->put_pool(*pool);
  // Before the refresh the cache still shows the old world.
  EXPECT_TRUE(make_plan(want, list(svc.key)).empty());
  fake_->reset_calls();
  refresh();
  auto observed = list(svc.key);
  EXPECT_EQ(fake_->calls(operation::get_pool), 1u); // only the edited pool is re-read
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  auto plan = make_plan(want, observed);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].op, op_kind::update);
  EXPECT_EQ(plan[0].kind, object_kind::pool);
  EXPECT_EQ(plan[1].op, op_kind::create);
  EXPECT_EQ(plan[1].kind, object_kind::virtual_service);
  execute(plan);
  EXPECT_EQ(fake_->pool_by_name(want.pools[1].name)->members.size(), 2u);
  EXPECT_TRUE(fake_->virtual_service_by_name(want.virtual_services[0].name));
  EXPECT_TRUE(make_plan(want, list(svc.key)).empty());
}

TEST_F(gateway_actor_test, refresh_reports_exactly_the_owners_of_objects_changed_out_of_band) {
  start();
  auto web = service("web");
  auto api = service("api");
  // Mode A: profiles and DNAT rules too; the new rules wait under placeholder ids.
  auto want_web = desired(web, config::lb_mode::a, "203.0.113.10");
  auto want_api = desired(api, config::lb_mode::a, "203.0.113.11", 20);
  execute(make_plan(want_web, list(web.key)));
  execute(make_plan(want_api, list(api.key)));
  // Our own writes are in the cache already: nothing changed, twice.
  EXPECT_EQ(refresh(), refresh_result{});
  EXPECT_EQ(refresh(), refresh_result{});
  // Deleted behind the engine's back: web's first virtual service.
  auto vs = fake_->virtual_service_by_name(want_web.virtual_services[0].name);
  ASSERT_TRUE(vs);
  fake_->delete_virtual_service(vs->id, [](caf::expected<vcd::task_ref>) {});
  EXPECT_EQ(refresh(), (refresh_result{false, {token(web)}}));
  EXPECT_FALSE(refresh().changed()); // reported once
  // Edited: api's DNAT rule points elsewhere.
  auto rule = fake_->nat_rule_by_name(gw_id_, want_api.dnat_rules[0].name);
  ASSERT_TRUE(rule);
  rule->internal_addresses = "192.168.8.99";
  fake_->put_nat_rule(gw_id_, *rule);
  EXPECT_EQ(refresh(), (refresh_result{false, {token(api)}}));
  // A pool loses a member (its summary's count changes) and an object of a Service the engine
  // never saw appears: both owners.
  auto pool = fake_->pool_by_name(want_web.pools[1].name);
  ASSERT_TRUE(pool);
  pool->members.pop_back();
  fake_->put_pool(*pool);
  auto stray = service("stray");
  auto stray_profile = desired(stray, config::lb_mode::a, "203.0.113.12", 40).profiles.at(0);
  vcd::app_port_profile p;
  p.name = stray_profile.name;
  p.application_ports = {{"", "TCP", {"80"}}};
  fake_->put_app_port_profile(p);
  auto found = refresh();
  std::vector<std::string> both{token(web), token(stray)};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(found, (refresh_result{false, both}));
  // A failed list loses the baseline: the next refresh cannot tell whose objects changed.
  fake_->fail_next(operation::list_pool_summaries,
                   caf::make_error(vcd_errc::bad_request, std::string{"boom"}));
  refresh(true);
  EXPECT_EQ(refresh(), (refresh_result{true, {}}));
  EXPECT_EQ(refresh(), refresh_result{});
}

TEST_F(gateway_actor_test, a_re_list_between_refreshes_is_reported_by_the_next_refresh) {
  start();
  auto web = service("web");
  auto api = service("api");
  auto want_web = desired(web, config::lb_mode::a, "203.0.113.10");
  auto want_api = desired(api, config::lb_mode::a, "203.0.113.11", 20);
  execute(make_plan(want_web, list(web.key)));
  execute(make_plan(want_api, list(api.key)));
  // api's rule is deleted out of band; web's update then lists the NAT rules (to resolve its
  // placeholder id), which absorbs the deletion into the cache.
  auto rule = fake_->nat_rule_by_name(gw_id_, want_api.dnat_rules[0].name);
  ASSERT_TRUE(rule);
  fake_->delete_nat_rule(gw_id_, rule->id, [](caf::expected<vcd::task_ref>) {});
  auto edited = want_web;
  edited.dnat_rules[0].internal_ip = "192.168.8.99";
  fake_->reset_calls();
  execute(make_plan(edited, list(web.key)));
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 1u);
  EXPECT_EQ(refresh(), (refresh_result{false, {token(api)}}));
}

TEST_F(gateway_actor_test, refresh_waits_for_the_mutation_in_flight) {
  vcd::fake_options opts;
  opts.task_polls = 2;
  fake_ = std::make_shared<vcd::fake_client>(opts);
  vcd::edge_gateway g;
  g.name = "edge-1";
  gw_id_ = fake_->add_gateway(g);
  start();
  auto svc = service("web");
  svc.ports.resize(1);
  auto want = desired(svc, config::lb_mode::c, "203.0.113.10");
  list(svc.key); // cache loaded
  fake_->reset_calls();
  auto out = std::make_shared<outcome>();
  submit("svc", {make_create(want.pools[0])}, out);
  run();
  self_->send(gw_, refresh_atom::value);
  run();
  // The create is waiting for its task: the refresh must not list yet.
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
  EXPECT_EQ(fake_->calls(operation::list_pool_summaries), 0u);
  bool refreshed = false;
  settle([&] {
    if (!refreshed)
      refreshed = try_receive([](const refresh_result& r) { EXPECT_FALSE(r.changed()); });
    return refreshed && out->replies == 1;
  });
  EXPECT_TRUE(refreshed);
  EXPECT_TRUE(out->errors.empty());
  EXPECT_EQ(fake_->calls(operation::list_pool_summaries), 1u);
  EXPECT_EQ(fake_->calls(operation::get_task), 3u); // the task finished before the lists
  // The refreshed cache has the new pool (with the details written by the op).
  fake_->reset_calls();
  auto observed = list(svc.key);
  EXPECT_EQ(fake_->total_calls(), 0u);
  ASSERT_EQ(observed.pools.size(), 1u);
  EXPECT_EQ(observed.pools[0].members, want.pools[0].members);
}

TEST_F(gateway_actor_test, drain_finishes_the_op_in_flight_and_refuses_the_rest) {
  fake_->options().task_polls = 3; // the first create stays in flight for a while
  start();
  auto svc = service("web");
  auto plan = make_plan(desired(svc, config::lb_mode::c, "203.0.113.10"), list(svc.key));
  ASSERT_GE(plan.size(), 2u);
  auto out = std::make_shared<outcome>();
  submit("a", {plan[0]}, out);
  submit("b", {plan[1]}, out);
  run(); // a's op is in flight, b's queued
  self_->send(gw_, drain_atom::value);
  run();
  bool drained = false;
  EXPECT_FALSE(try_receive([&](caf::ok_atom) { drained = true; })); // waits for a's task
  settle([&] { return out->replies == 2; });
  ASSERT_EQ(out->replies, 2u);
  EXPECT_EQ(out->order, std::vector<std::string>{"a:" + to_string(plan[0])});
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_TRUE(has_code(out->errors[0], lb_errc::shutting_down));
  EXPECT_TRUE(try_receive([&](caf::ok_atom) { drained = true; }));
  EXPECT_TRUE(drained);
  // Nothing new starts any more.
  auto late = std::make_shared<outcome>();
  fake_->reset_calls();
  submit("c", {plan[1]}, late);
  settle([&] { return late->replies == 1; });
  ASSERT_EQ(late->errors.size(), 1u);
  EXPECT_TRUE(has_code(late->errors[0], lb_errc::shutting_down));
  EXPECT_EQ(fake_->mutation_calls(), 0u);
}

} // namespace

// -- efficiency policies: learned task times, the profile slot, no NAT list per create -------

TEST_F(gateway_actor_test, a_tasks_first_poll_comes_near_the_learned_task_duration) {
  fake_->options().clock = [this] { return sys_.clock().now(); };
  fake_->options().task_duration = 5s;
  start(); // default schedule: 250 ms x1.5 up to 3 s
  auto svc = service("web");
  svc.ports.push_back({"admin", ip_protocol::tcp, 9000, 30900, ""});
  svc.ports.push_back({"extra", ip_protocol::tcp, 9001, 30901, ""});
  auto pools = desired(svc, config::lb_mode::c, "203.0.113.10").pools;
  ASSERT_EQ(pools.size(), 4u);
  list(svc.key);
  // Creates one pool and records the virtual time of each poll of its task.
  auto timed_create = [&](const pool_desc& pool) {
    fake_->reset_calls();
    auto out = std::make_shared<outcome>();
    submit("svc", {make_create(pool)}, out);
    run();
    EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
    std::vector<caf::timespan> polls;
    auto t = caf::timespan{0};
    size_t seen = 0;
    while (out->replies == 0 && t < 60s) {
      advance_time(10ms);
      t += 10ms;
      for (; seen < fake_->calls(operation::get_task); ++seen)
        polls.push_back(t);
    }
    EXPECT_EQ(out->replies, 1u);
    EXPECT_TRUE(out->errors.empty());
    return polls;
  };
  // Nothing known yet: the configured schedule, six polls for a 5 s task.
  auto first = timed_create(pools[0]);
  EXPECT_EQ(first.size(), 6u);
  EXPECT_EQ(first.front(), 250ms);
  for (size_t i = 1; i < pools.size(); ++i)
    timed_create(pools[i]);
  // Learned: the first poll lands near the 5 s and finds the task done, or one short
  // follow-up does; the completion is seen within a few % of the task time.
  auto other = service("shop");
  other.ports.resize(1);
  auto polls = timed_create(desired(other, config::lb_mode::c, "203.0.113.11").pools[0]);
  ASSERT_FALSE(polls.empty());
  EXPECT_LE(polls.size(), 2u);
  EXPECT_GE(polls.front(), 4500ms);
  EXPECT_LE(polls.front(), 5300ms);
  EXPECT_GE(polls.back(), 5s);
  EXPECT_LE(polls.back(), 5300ms);
}

TEST_F(gateway_actor_test, a_task_that_overruns_its_estimate_is_polled_gently) {
  fake_->options().clock = [this] { return sys_.clock().now(); };
  fake_->options().task_duration = 1s;
  gateway_settings s;
  s.poll_initial = 100ms;
  s.poll_max = 2s;
  start(s);
  auto svc = service("web");
  auto pools = desired(svc, config::lb_mode::c, "203.0.113.10").pools;
  list(svc.key);
  execute({make_create(pools[0])}); // learns about 1 s
  fake_->options().task_duration = 60s;
  fake_->reset_calls();
  execute({make_create(pools[1])});
  // First poll near 1 s, then 100 ms (5 % of 1 s, at least poll_initial) backing off x1.5 to
  // 2 s: about 35 polls for a minute, not hundreds.
  EXPECT_LE(fake_->calls(operation::get_task), 40u);
  EXPECT_GE(fake_->calls(operation::get_task), 25u);
}

TEST_F(gateway_actor_test, a_profile_mutation_runs_while_a_gateway_mutation_is_in_flight) {
  fake_->options().task_polls = 3;
  fake_->options().busy_while_task_running = true; // overlapping gateway tasks would be refused
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::a, "203.0.113.10");
  ASSERT_EQ(want.profiles.size(), 2u);
  list(svc.key);
  fake_->reset_calls();
  auto out = std::make_shared<outcome>();
  submit("pools", {make_create(want.pools[0]), make_create(want.pools[1])}, out, true);
  submit("profile", {make_create(want.profiles[0])}, out);
  // One requester's ops keep their order: its pool waits for its profile, not for the slot.
  submit("ordered", {make_create(want.profiles[1]), make_create(want.dnat_rules[1])}, out, true);
  run();
  // The gateway's slot holds one pool task; the profile slot one profile task beside it.
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
  EXPECT_EQ(fake_->calls(operation::create_app_port_profile), 1u);
  EXPECT_EQ(fake_->calls(operation::create_nat_rule), 0u);
  EXPECT_EQ(fake_->unfinished_tasks(), 2u);
  settle([&] { return out->replies == 5; });
  for (const auto& e : out->errors)
    ADD_FAILURE() << describe(e);
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u); // no BUSY_ENTITY, no retry
  EXPECT_EQ(fake_->calls(operation::create_app_port_profile), 2u);
  EXPECT_EQ(fake_->calls(operation::create_nat_rule), 1u);
  ASSERT_EQ(out->order.size(), 5u);
  auto pos = [&](const std::string& label) {
    return std::find(out->order.begin(), out->order.end(), label) - out->order.begin();
  };
  EXPECT_LT(pos("ordered:" + to_string(make_create(want.profiles[1]))),
            pos("ordered:" + to_string(make_create(want.dnat_rules[1]))));
}

TEST_F(gateway_actor_test, a_dnat_create_sends_no_nat_list_and_ids_are_resolved_when_needed) {
  start();
  auto svc = service("web");
  auto want = desired(svc, config::lb_mode::a, "203.0.113.10");
  auto plan = make_plan(want, list(svc.key));
  fake_->reset_calls();
  execute(plan);
  EXPECT_EQ(fake_->calls(operation::create_nat_rule), 2u);
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 0u);
  // The cache knows the new rules by name: nothing to do, still no list.
  auto observed = list(svc.key);
  EXPECT_TRUE(make_plan(want, observed).empty());
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 0u);
  // An update needs the rule's id and version: one list, then the PUT.
  auto edited = want;
  edited.dnat_rules[0].internal_ip = "192.168.8.99";
  auto update = make_plan(edited, observed);
  ASSERT_EQ(update.size(), 1u);
  EXPECT_EQ(update[0].op, op_kind::update);
  fake_->reset_calls();
  execute(update);
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 1u);
  EXPECT_EQ(fake_->calls(operation::update_nat_rule), 1u);
  auto rule = fake_->nat_rule_by_name(gw_id_, edited.dnat_rules[0].name);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->internal_addresses, "192.168.8.99");
  // Removes need ids only, which that list brought: no list.
  observed = list(svc.key);
  EXPECT_TRUE(make_plan(edited, observed).empty());
  fake_->reset_calls();
  execute(make_plan({}, observed));
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 0u);
  EXPECT_EQ(fake_->calls(operation::delete_nat_rule), 2u);
  EXPECT_TRUE(fake_->nat_rules(gw_id_).empty());
  // Created again: removing both rules right away costs one list for the two of them.
  execute(make_plan(want, list(svc.key)));
  EXPECT_EQ(fake_->nat_rules(gw_id_).size(), 2u);
  fake_->reset_calls();
  execute(make_plan({}, list(svc.key)));
  EXPECT_EQ(fake_->calls(operation::list_nat_rules), 1u);
  EXPECT_EQ(fake_->calls(operation::delete_nat_rule), 2u);
  EXPECT_TRUE(fake_->nat_rules(gw_id_).empty());
  // A restart lists everything anew; the gateway is empty.
  self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  run();
  start();
  EXPECT_TRUE(list(svc.key).empty());
}
