// VCD faults at the gateway actor, on the deterministic scheduler: 429 with Retry-After waits
// exactly that long, 5xx is retried with backoff up to max_attempts and then reported with its
// class, a task that never finishes fails the op at the task timeout, and a failed task is
// reported without a retry.

#include <memory>

#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/gateway_actor.hpp"
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

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:99";

class gateway_actor_faults : public actor_fixture {
protected:
  void start(gateway_settings s, vcd::fake_options opts = {}) {
    fake_ = std::make_shared<vcd::fake_client>(opts);
    vcd::edge_gateway g;
    g.name = "edge-1";
    auto gw_id = fake_->add_gateway(g);
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
    args.settings = s;
    gw_ = sys_.spawn(gateway_behavior, std::move(args));
  }

  ~gateway_actor_faults() override {
    if (gw_)
      self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  }

  // The create-pool op of a one-port Service in mode C.
  static lb_op create_pool_op() {
    service_spec svc;
    svc.key = {"shop", "web"};
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}};
    engine_settings es;
    es.mode = config::lb_mode::c;
    es.cluster_id = cid;
    auto plan = plan_ports(svc, es);
    EXPECT_TRUE(plan) << describe(plan.error());
    auto objs = desired_objects(svc.key, *plan, {"10.0.0.1"}, {"203.0.113.10", {}}, es, {});
    EXPECT_TRUE(objs) << describe(objs.error());
    for (const auto& op : make_plan(*objs, {}))
      if (op.kind == object_kind::pool && op.op == op_kind::create)
        return op;
    ADD_FAILURE() << "no create-pool op";
    return {};
  }

  // Sends `op` and records the reply.
  struct reply {
    bool done = false;
    caf::error err;
  };
  std::shared_ptr<reply> send_op(const lb_op& op) {
    auto r = std::make_shared<reply>();
    gateway_actor gw = gw_;
    sys_.spawn([gw, op, r](caf::event_based_actor* self) {
      self->request(gw, 3600s, op)
        .then([r](const op_result&) { r->done = true; },
              [r](caf::error& e) {
                r->err = e;
                r->done = true;
              });
    });
    run();
    return r;
  }

  void advance(caf::timespan total, caf::timespan step = 100ms) {
    for (auto t = caf::timespan{0}; t < total; t += step)
      advance_time(step);
  }

  std::shared_ptr<vcd::fake_client> fake_;
  gateway_actor gw_;
};

TEST_F(gateway_actor_faults, too_many_requests_waits_for_retry_after) {
  gateway_settings s;
  s.retry_base = 1s;
  start(s);
  fake_->fail_next(operation::create_pool, vcd::make_http_error(429, "", "slow down", 7, false));
  auto r = send_op(create_pool_op());
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
  advance(6800ms); // retry_base would have retried after ~1 s
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
  EXPECT_FALSE(r->done);
  advance(400ms);
  EXPECT_EQ(fake_->calls(operation::create_pool), 2u);
  advance(2s);
  ASSERT_TRUE(r->done);
  EXPECT_FALSE(r->err) << describe(r->err);
  EXPECT_EQ(fake_->pools().size(), 1u);
}

TEST_F(gateway_actor_faults, server_errors_retry_up_to_max_attempts_then_keep_their_class) {
  gateway_settings s;
  s.retry_base = 1s;
  s.retry_max = 4s;
  s.max_attempts = 4;
  start(s);
  fake_->fail_next(operation::create_pool, vcd::make_http_error(503, "", "maintenance", -1, false),
                   100);
  auto r = send_op(create_pool_op());
  advance(60s);
  ASSERT_TRUE(r->done);
  EXPECT_EQ(fake_->calls(operation::create_pool), 4u);
  EXPECT_TRUE(has_code(r->err, vcd_errc::unavailable)) << describe(r->err);
  EXPECT_TRUE(fake_->pools().empty());
}

TEST_F(gateway_actor_faults, a_server_error_that_recovers_is_retried_then_succeeds) {
  gateway_settings s;
  s.retry_base = 1s;
  start(s);
  fake_->fail_next(operation::create_pool,
                   vcd::make_http_error(500, "", "internal error", -1, false), 2);
  auto ok = send_op(create_pool_op());
  advance(30s);
  ASSERT_TRUE(ok->done);
  EXPECT_FALSE(ok->err) << describe(ok->err);
  EXPECT_EQ(fake_->calls(operation::create_pool), 3u);
  EXPECT_EQ(fake_->pools().size(), 1u);
}

TEST_F(gateway_actor_faults, a_task_that_never_finishes_fails_at_the_task_timeout) {
  gateway_settings s;
  s.task_timeout = 20s;
  s.poll_max = 2s;
  vcd::fake_options opts;
  opts.task_polls = 1000000; // never completes within the test
  start(s, opts);
  auto r = send_op(create_pool_op());
  advance(15s);
  EXPECT_FALSE(r->done);
  advance(10s);
  ASSERT_TRUE(r->done);
  EXPECT_TRUE(has_code(r->err, vcd_errc::task_failed)) << describe(r->err);
  EXPECT_NE(error_detail(r->err).find("task timeout"), std::string::npos) << describe(r->err);
}

TEST_F(gateway_actor_faults, a_failed_task_is_reported_not_retried) {
  start({});
  fake_->fail_next_task(operation::create_pool, {400, "BAD_REQUEST", "invalid pool"});
  auto r = send_op(create_pool_op());
  advance(10s);
  ASSERT_TRUE(r->done);
  EXPECT_TRUE(has_code(r->err, vcd_errc::task_failed)) << describe(r->err);
  EXPECT_EQ(fake_->calls(operation::create_pool), 1u);
}

} // namespace
