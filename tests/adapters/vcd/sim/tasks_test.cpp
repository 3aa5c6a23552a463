// The async model: 202 + Location for every mutation, the task lifecycle on the injected
// clock, object status and VS healthStatus lifecycles, task failures, and the per-gateway
// lock (400 BUSY_ENTITY with the canonical message).

#include <regex>

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_tasks : public sim_test {};

TEST_F(vcd_sim_tasks, every_mutation_answers_202_with_an_absolute_task_location) {
  auto pool = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  ASSERT_EQ(pool.status, 202u) << pool.body;
  EXPECT_TRUE(pool.body.empty());
  EXPECT_EQ(header(pool, "Location").rfind("https://vcd.test/api/task/", 0), 0u);
  finish_tasks();
  auto pool_id = sim->find("pool", "p1").at(0);
  std::vector<http::response> replies;
  replies.push_back(put("/cloudapi/1.0.0/loadBalancer/pools/" + pool_id, pool_body("p1", 3)));
  finish_tasks();
  replies.push_back(post("/cloudapi/1.0.0/loadBalancer/virtualServices",
                         vs_body("vs1", pool_id, "203.0.113.10", 80)));
  finish_tasks();
  auto vs_id = sim->find("virtualService", "vs1").at(0);
  auto vs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id));
  replies.push_back(put("/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id, vs));
  finish_tasks();
  replies.push_back(call("DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id));
  finish_tasks();
  replies.push_back(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id));
  finish_tasks();
  replies.push_back(post(
    "/cloudapi/1.0.0/applicationPortProfiles",
    json::object{
      {"name", "app"},
      {"scope", "TENANT"},
      {"orgRef", json::object{{"id", default_scenario().orgs[0].id}}},
      {"applicationPorts",
       json::array{json::object{{"protocol", "TCP"}, {"destinationPorts", json::array{"80"}}}}}}));
  finish_tasks();
  replies.push_back(
    post(gw_path("/nat/rules"), json::object{{"name", "dnat-1"},
                                             {"ruleType", "DNAT"},
                                             {"externalAddresses", "203.0.113.20"},
                                             {"internalAddresses", "192.168.8.2"}}));
  for (const auto& r : replies) {
    EXPECT_EQ(r.status, 202u) << r.body;
    EXPECT_EQ(header(r, "Location").rfind("https://vcd.test/api/task/", 0), 0u);
  }
  EXPECT_EQ(sim->stats().tasks_started, 8u);
}

TEST_F(vcd_sim_tasks, task_runs_for_its_duration_then_succeeds_with_the_new_object_as_owner) {
  auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  auto running = task_json(r);
  EXPECT_EQ(str(running, "status"), "running");
  EXPECT_EQ(str(running, "operationName"), "LOAD_BALANCER_POOL_CREATE");
  auto pool_id = sim->find("pool", "p1").at(0);
  EXPECT_EQ(str(running, "owner.id"), pool_id);
  EXPECT_EQ(str(running, "endTime"), "<missing>");
  clock.advance(50ms);
  EXPECT_EQ(str(task_json(r), "status"), "running");
  clock.advance(51ms);
  auto done = task_json(r);
  EXPECT_EQ(str(done, "status"), "success");
  EXPECT_EQ(str(done, "progress"), "100");
  EXPECT_NE(str(done, "endTime"), "<missing>");
  // The XML form (what govcd asks for) carries the same facts.
  auto path = header(r, "Location").substr(std::string{"https://vcd.test"}.size());
  auto xml = call("GET", path, "", {{"Accept", "application/*+xml;version=37.2"}});
  EXPECT_NE(xml.body.find("status=\"success\""), std::string::npos);
  EXPECT_NE(xml.body.find("<Owner href="), std::string::npos);
  EXPECT_NE(xml.body.find(pool_id), std::string::npos);
  EXPECT_EQ(sim->stats().task_polls, 4u);
}

TEST_F(vcd_sim_tasks, object_status_goes_pending_configuring_realized) {
  post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  auto pool_id = sim->find("pool", "p1").at(0);
  auto status = [&] {
    return str(body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id)), "status");
  };
  // Visible at once (reference §3.3), realized when the task ends.
  EXPECT_EQ(status(), "PENDING");
  clock.advance(10ms);
  EXPECT_EQ(status(), "CONFIGURING");
  finish_tasks();
  EXPECT_EQ(status(), "REALIZED");
  put("/cloudapi/1.0.0/loadBalancer/pools/" + pool_id, pool_body("p1", 1));
  EXPECT_EQ(status(), "CONFIGURING");
  finish_tasks();
  EXPECT_EQ(status(), "REALIZED");
  // A deleted object stays visible until its delete task ends.
  call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id);
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 200u);
  finish_tasks();
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 403u);
}

TEST_F(vcd_sim_tasks, virtual_service_health_goes_pending_then_up_or_down) {
  auto f = sim->faults();
  f.health_delay = 500ms;
  sim->set_faults(f);
  auto up_pool = make_pool("up", 2);
  auto empty_pool = make_pool("empty", 0);
  post("/cloudapi/1.0.0/loadBalancer/virtualServices",
       vs_body("vs-up", up_pool, "203.0.113.10", 80));
  finish_tasks();
  post("/cloudapi/1.0.0/loadBalancer/virtualServices",
       vs_body("vs-down", empty_pool, "203.0.113.11", 80));
  auto summary = [&](const std::string& name) {
    auto page =
      body_of(call("GET", gw_path("/loadBalancer/virtualServiceSummaries?filter=name==" + name)));
    return page.at("values").at(0);
  };
  EXPECT_EQ(str(summary("vs-up"), "status"), "REALIZED");
  EXPECT_EQ(str(summary("vs-up"), "healthStatus"), "PENDING");
  EXPECT_EQ(str(summary("vs-down"), "healthStatus"), "PENDING");
  clock.advance(500ms);
  EXPECT_EQ(str(summary("vs-up"), "healthStatus"), "UP");
  EXPECT_EQ(str(summary("vs-up"), "applicationProfileType"), "L4");
  EXPECT_EQ(str(summary("vs-up"), "applicationProfile"), "<missing>");
  finish_tasks();
  clock.advance(500ms);
  EXPECT_EQ(str(summary("vs-down"), "healthStatus"), "DOWN");
}

TEST_F(vcd_sim_tasks, failed_tasks_report_an_error_and_leave_the_object_realization_failed) {
  auto f = sim->faults();
  f.task_failure_rate = 1.0;
  sim->set_faults(f);
  auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  finish_tasks();
  auto task = task_json(r);
  EXPECT_EQ(str(task, "status"), "error");
  EXPECT_EQ(str(task, "error.minorErrorCode"), "INTERNAL_SERVER_ERROR");
  auto path = header(r, "Location").substr(std::string{"https://vcd.test"}.size());
  auto xml = call("GET", path, "", {{"Accept", "application/*+xml;version=37.2"}});
  EXPECT_NE(xml.body.find("<Error majorErrorCode=\"500\""), std::string::npos);
  auto pool_id = sim->find("pool", "p1").at(0);
  EXPECT_EQ(str(body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id)), "status"),
            "REALIZATION_FAILED");
  EXPECT_EQ(sim->stats().tasks_failed, 1u);
  // The gateway lock is released after a failed task too.
  f.task_failure_rate = 0;
  sim->set_faults(f);
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 202u);
}

TEST_F(vcd_sim_tasks, a_mutation_while_a_task_runs_on_the_gateway_is_busy_entity) {
  auto first = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  ASSERT_EQ(first.status, 202u);
  auto second = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p2"));
  ASSERT_EQ(second.status, 400u);
  auto err = body_of(second);
  EXPECT_EQ(str(err, "minorErrorCode"), "BUSY_ENTITY");
  // "[ <request id> ] The entity Ref: com.vmware.vcloud.entity.gateway:<uuid> is busy
  // completing an operation <OP>." -- the pattern clients match on.
  std::regex canonical{
    R"(^\[ [^\]]+ \] The entity Ref: com\.vmware\.vcloud\.entity\.gateway:)"
    R"([0-9a-f-]+ is busy completing an operation LOAD_BALANCER_POOL_CREATE\.$)"};
  EXPECT_TRUE(std::regex_match(str(err, "message"), canonical)) << str(err, "message");
  EXPECT_TRUE(sim->find("pool", "p2").empty());
  // Reads and org-scoped mutations are not blocked.
  EXPECT_EQ(call("GET", gw_path("/loadBalancer/poolSummaries")).status, 200u);
  EXPECT_EQ(post(gw_path("/nat/rules"), json::object{{"name", "n"},
                                                     {"ruleType", "DNAT"},
                                                     {"externalAddresses", "203.0.113.30"},
                                                     {"internalAddresses", "10.0.0.1"}})
              .status,
            400u);
  EXPECT_EQ(sim->stats().rejections.at("busy_entity"), 2u);
  finish_tasks();
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p2")).status, 202u);
}

TEST_F(vcd_sim_tasks, gateways_lock_independently) {
  auto s = default_scenario();
  auto g2 = s.orgs[0].vdcs[0].edge_gateways[0];
  g2.name = "edge-2";
  g2.id.clear();
  g2.seg_assignments[0].id.clear();
  s.orgs[0].vdcs[0].edge_gateways.push_back(g2);
  auto parsed = parse_scenario(to_yaml(s));
  ASSERT_TRUE(parsed);
  start(*parsed);
  auto gws = body_of(call("GET", "/cloudapi/1.0.0/edgeGateways?sortAsc=name"));
  ASSERT_EQ(str(gws, "resultTotal"), "2");
  auto gw1 = str(gws.at("values").at(0), "id");
  auto gw2 = str(gws.at("values").at(1), "id");
  auto body = pool_body("p");
  body["gatewayRef"] = json::object{{"id", gw1}};
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", body).status, 202u);
  body["gatewayRef"] = json::object{{"id", gw2}};
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", body).status, 202u);
  EXPECT_EQ(sim->running_tasks(), 2u);
}

TEST_F(vcd_sim_tasks, without_the_gateway_lock_mutations_overlap) {
  auto f = sim->faults();
  f.gateway_lock = false;
  sim->set_faults(f);
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1")).status, 202u);
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p2")).status, 202u);
  EXPECT_EQ(sim->running_tasks(), 2u);
  EXPECT_EQ(sim->stats().rejections.count("busy_entity"), 0u);
}

TEST_F(vcd_sim_tasks, task_log_has_every_task_with_its_gateway_and_times) {
  auto t0 = clock.now();
  auto p = make_pool("p"); // runs to completion
  clock.advance(50ms);
  auto t1 = clock.now();
  ASSERT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("q")).status, 202u);
  ASSERT_EQ(post("/cloudapi/1.0.0/applicationPortProfiles",
                 json::object{{"name", "app"},
                              {"scope", "TENANT"},
                              {"orgRef", json::object{{"id", default_scenario().orgs[0].id}}},
                              {"contextEntityId", default_scenario().orgs[0].vdcs[0].id},
                              {"applicationPorts",
                               json::array{json::object{{"protocol", "TCP"},
                                                        {"destinationPorts", json::array{"80"}}}}}})
              .status,
            202u);
  auto log = sim->task_log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].operation_name, "LOAD_BALANCER_POOL_CREATE");
  EXPECT_EQ(log[0].gateway_id, gw);
  EXPECT_EQ(log[0].status, "success");
  EXPECT_GE(log[0].start, t0);
  EXPECT_EQ(log[0].end - log[0].start, sim->faults().task_duration);
  EXPECT_EQ(log[1].start, t1);
  EXPECT_EQ(log[1].status, "running");
  EXPECT_EQ(log[2].operation_name, "APPLICATION_PORT_PROFILE_CREATE");
  EXPECT_EQ(log[2].gateway_id, ""); // profiles lock no gateway
  finish_tasks();
  EXPECT_EQ(sim->task_log()[1].status, "success");
  // Not cleared with the request counters.
  sim->reset_stats();
  EXPECT_EQ(sim->task_log().size(), 3u);
}

// Issue 17 (memory under churn): a long-running simulator keeps a bounded task history; the
// oldest finished tasks go first.
TEST_F(vcd_sim_tasks, the_task_history_is_bounded_oldest_finished_first) {
  task_history = 2;
  start(default_scenario());
  auto first = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  ASSERT_EQ(first.status, 202u);
  auto first_task = header(first, "Location");
  ASSERT_EQ(call("GET", first_task.substr(first_task.find("/api/"))).status, 200u);
  finish_tasks();
  for (const auto* name : {"p2", "p3"}) {
    ASSERT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body(name)).status, 202u);
    finish_tasks();
  }
  auto log = sim->task_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(call("GET", first_task.substr(first_task.find("/api/"))).status, 200u)
    << "the oldest task is gone";
  // The newest task, still running, is kept; the oldest finished one makes room.
  ASSERT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p4")).status, 202u);
  log = sim->task_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.back().status, "running");
}

} // namespace
