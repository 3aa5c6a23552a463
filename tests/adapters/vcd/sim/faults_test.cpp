// Fault injection: seeded 429/500/503/drop rates that repeat, latency, task failure rate,
// and runtime changes through the API and the control endpoint.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_faults : public sim_test {
protected:
  std::vector<unsigned> statuses(int n) {
    std::vector<unsigned> out;
    for (int i = 0; i < n; ++i) {
      http::request req;
      req.target = gw_path();
      req.fields = {{"Authorization", "Bearer " + token}};
      auto r = sim->handle(req);
      out.push_back(r.drop ? 0u : r.response.status);
    }
    return out;
  }
};

TEST_F(vcd_sim_faults, rates_are_seeded_so_runs_repeat) {
  fault_settings f;
  f.rate_429 = 0.2;
  f.rate_500 = 0.1;
  f.rate_503 = 0.2;
  f.drop_rate = 0.1;
  start(default_scenario(), fault_settings{}, 42);
  sim->set_faults(f);
  auto a = statuses(200);
  start(default_scenario(), fault_settings{}, 42);
  sim->set_faults(f);
  auto b = statuses(200);
  EXPECT_EQ(a, b);
  start(default_scenario(), fault_settings{}, 43);
  sim->set_faults(f);
  EXPECT_NE(statuses(200), a);
  auto count = [&](unsigned s) { return std::count(a.begin(), a.end(), s); };
  // Roughly the configured shares (loose bounds: 200 draws).
  EXPECT_GT(count(429), 20);
  EXPECT_GT(count(500), 5);
  EXPECT_GT(count(503), 20);
  EXPECT_GT(count(0), 5);
  EXPECT_GT(count(200), 60);
  auto st = sim->stats();
  EXPECT_GT(st.rejections.at("injected_429"), 0u);
}

TEST_F(vcd_sim_faults, injected_errors_have_vcd_error_bodies_and_retry_after) {
  fault_settings f;
  f.rate_429 = 1.0;
  sim->set_faults(f);
  auto r = call("GET", gw_path());
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(header(r, "Retry-After"), "1");
  EXPECT_EQ(str(body_of(r), "minorErrorCode"), "TOO_MANY_REQUESTS");
  // A faulted mutation changes nothing.
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p")).status, 429u);
  EXPECT_TRUE(sim->find("pool", "p").empty());
  f.rate_429 = 0;
  f.rate_503 = 1.0;
  sim->set_faults(f);
  EXPECT_EQ(call("GET", gw_path()).status, 503u);
}

TEST_F(vcd_sim_faults, latency_and_dropped_connections_are_reported_to_the_transport) {
  fault_settings f;
  f.latency = 250ms;
  sim->set_faults(f);
  http::request req;
  req.target = "/api/versions";
  auto r = sim->handle(req);
  EXPECT_EQ(r.delay, 250ms);
  EXPECT_FALSE(r.drop);
  f.drop_rate = 1.0;
  sim->set_faults(f);
  r = sim->handle(req);
  EXPECT_TRUE(r.drop);
  EXPECT_EQ(sim->stats().rejections.at("dropped"), 1u);
}

TEST_F(vcd_sim_faults, task_failure_rate_is_a_seeded_share_of_tasks) {
  fault_settings f;
  f.task_failure_rate = 0.5;
  sim->set_faults(f);
  for (int i = 0; i < 40; ++i) {
    auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p" + std::to_string(i)));
    ASSERT_EQ(r.status, 202u);
    finish_tasks();
  }
  auto st = sim->stats();
  EXPECT_EQ(st.tasks_started, 40u);
  EXPECT_GT(st.tasks_failed, 8u);
  EXPECT_LT(st.tasks_failed, 32u);
}

TEST_F(vcd_sim_faults, control_endpoint_reads_and_changes_faults) {
  http::request req;
  req.method = "POST";
  req.target = "/_sim/faults";
  req.body = R"({"task_ms": 2000, "rate_503": 0.25, "token_ttl_s": 30})";
  auto r = sim->handle(req).response;
  ASSERT_EQ(r.status, 200u) << r.body;
  auto f = sim->faults();
  EXPECT_EQ(f.task_duration, 2000ms);
  EXPECT_DOUBLE_EQ(f.rate_503, 0.25);
  EXPECT_EQ(f.token_ttl, std::chrono::seconds{30});
  req.body = R"({"gateway_lock": false})";
  ASSERT_EQ(sim->handle(req).response.status, 200u);
  EXPECT_FALSE(sim->faults().gateway_lock);
  req.body = R"({"gateway_lock": 1})";
  EXPECT_EQ(sim->handle(req).response.status, 400u);
  req.body = R"({"rate_503": 2})";
  EXPECT_EQ(sim->handle(req).response.status, 400u);
  req.body = R"({"bogus": 1})";
  EXPECT_EQ(sim->handle(req).response.status, 400u);
  // Control endpoints are never faulted and need no token.
  req.method = "GET";
  req.body.clear();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(sim->handle(req).response.status, 200u);
  // Expiring tokens through the control endpoint.
  req.method = "POST";
  req.target = "/_sim/expire-tokens";
  EXPECT_EQ(sim->handle(req).response.status, 204u);
  f.rate_503 = 0;
  sim->set_faults(f);
  EXPECT_EQ(call("GET", gw_path()).status, 401u);
}

} // namespace
