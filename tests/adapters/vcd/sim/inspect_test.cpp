// Inspection and out-of-band changes: the JSON dump, the request log with counts by route
// and kind, rejection counters, and drift (delete or edit an object by hand).

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_inspect : public sim_test {};

TEST_F(vcd_sim_inspect, dump_holds_every_object_with_bookkeeping) {
  auto p = make_pool("p");
  auto vs = make_vs("vs", p, "203.0.113.10", 80);
  post(gw_path("/nat/rules"), json::object{{"name", "d"},
                                           {"ruleType", "DNAT"},
                                           {"externalAddresses", "203.0.113.11"},
                                           {"internalAddresses", "10.0.0.1"}});
  auto d = sim->dump();
  EXPECT_EQ(d.at("pools").as_array().size(), 1u);
  ASSERT_EQ(d.at("virtual_services").as_array().size(), 1u);
  EXPECT_EQ(str(d.at("virtual_services").at(0), "id"), vs);
  EXPECT_EQ(str(d.at("virtual_services").at(0), "_sim.gateway_id"), gw);
  ASSERT_EQ(d.at("nat_rules").as_array().size(), 1u);
  EXPECT_EQ(str(d.at("nat_rules").at(0), "_sim.gateway_id"), gw);
  EXPECT_EQ(d.at("certificates").as_array().size(), 1u);
  EXPECT_EQ(d.at("seg_assignments").as_array().size(), 1u);
  EXPECT_EQ(d.at("app_port_profiles").as_array().size(), 3u);
  EXPECT_EQ(str(d, "running_tasks"), "1");
  EXPECT_NE(str(d.at("gateways").at(0), "_sim.lock_task"), "");
  EXPECT_EQ(d.at("tasks").as_array().size(), 3u);
  // Over HTTP too, without a token.
  http::request req;
  req.target = "/_sim/dump";
  auto r = sim->handle(req).response;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("pools").as_array().size(), 1u);
}

TEST_F(vcd_sim_inspect, request_log_counts_by_route_kind_and_status) {
  sim->reset_stats();
  auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p"));
  task_json(r);
  post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("q")); // busy
  call("GET", gw_path("/loadBalancer/poolSummaries?filter=name==p"));
  call("GET", gw_path("/loadBalancer/poolSummaries?filter=name==q"));
  auto st = sim->stats();
  EXPECT_EQ(st.total, 5u);
  EXPECT_EQ(st.mutations, 2u);
  EXPECT_EQ(st.task_polls, 1u);
  EXPECT_EQ(st.reads, 2u);
  EXPECT_EQ(st.by_route.at("POST /cloudapi/1.0.0/loadBalancer/pools"), 2u);
  EXPECT_EQ(st.by_route.at("GET /cloudapi/1.0.0/edgeGateways/{}/loadBalancer/poolSummaries"), 2u);
  EXPECT_EQ(st.by_status.at(202), 1u);
  EXPECT_EQ(st.by_status.at(400), 1u);
  EXPECT_EQ(st.rejections.at("busy_entity"), 1u);
  EXPECT_EQ(st.rejections.count("vip_port_conflict"), 0u);
  auto log = sim->request_log();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[2].reason, "busy_entity");
  EXPECT_EQ(log[2].route, "/cloudapi/1.0.0/loadBalancer/pools");
  http::request req;
  req.target = "/_sim/requests";
  auto j = body_of(sim->handle(req).response);
  EXPECT_EQ(str(j, "mutations"), "2");
  EXPECT_EQ(j.at("log").as_array().size(), 5u);
}

TEST_F(vcd_sim_inspect, out_of_band_delete_and_edit_for_drift_tests) {
  auto p = make_pool("p");
  auto vs = make_vs("vs", p, "203.0.113.10", 80);
  EXPECT_TRUE(
    sim->patch_object(vs, json::object{{"enabled", false}, {"description", "hand-edited"}}));
  auto got = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs));
  EXPECT_EQ(str(got, "enabled"), "false");
  EXPECT_EQ(str(got, "healthStatus"), "DISABLED");
  EXPECT_EQ(str(got, "description"), "hand-edited");
  EXPECT_TRUE(sim->remove_object(vs));
  EXPECT_FALSE(sim->remove_object(vs));
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs).status, 403u);
  // Through the control endpoint as well.
  http::request req;
  req.method = "DELETE";
  req.target = "/_sim/objects/" + p;
  EXPECT_EQ(sim->handle(req).response.status, 204u);
  EXPECT_TRUE(sim->find("pool", "p").empty());
  EXPECT_EQ(sim->stats().tasks_started, 2u); // no task for out-of-band changes
}

TEST_F(vcd_sim_inspect, observer_sees_every_request_with_its_category) {
  sim->reset_stats();
  std::vector<std::pair<std::string, std::string>> seen; // category, body
  sim->set_request_observer([&](const request_record& rec, const http::request& req) {
    seen.emplace_back(rec.category, req.body);
  });
  auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p"));
  task_json(r);
  call("GET", gw_path("/loadBalancer/poolSummaries"));
  http::request ctl;
  ctl.target = "/_sim/faults";
  EXPECT_EQ(sim->handle(ctl).response.status, 200u);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].first, "mutation");
  EXPECT_NE(seen[0].second.find("\"name\":\"p\""), std::string::npos);
  EXPECT_EQ(seen[1].first, "task_poll");
  EXPECT_EQ(seen[2].first, "read");
  EXPECT_EQ(seen[3].first, "control");
  auto log = sim->request_log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[1].category, "task_poll");
  sim->set_request_observer({});
  call("GET", gw_path());
  EXPECT_EQ(seen.size(), 4u);
}

} // namespace

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;

class vcd_sim_bodies : public sim_test {};

TEST_F(vcd_sim_bodies, off_by_default_then_toggled_over_sim_endpoint) {
  post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p0"));
  EXPECT_TRUE(sim->body_log().empty());
  auto on = call("POST", "/_sim/bodies", R"({"enabled":true})");
  ASSERT_EQ(on.status, 200u);
  EXPECT_EQ(str(body_of(on), "enabled"), "true");
  finish_tasks();
  auto created = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"));
  auto log = sim->body_log();
  ASSERT_EQ(log.size(), 1u); // the toggle itself is not kept
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].target, "/cloudapi/1.0.0/loadBalancer/pools");
  EXPECT_EQ(log[0].status, created.status);
  EXPECT_NE(log[0].request_body.find("\"p1\""), std::string::npos) << log[0].request_body;
  EXPECT_EQ(log[0].response_body, created.body);
  // Readable over HTTP.
  auto read = body_of(call("GET", "/_sim/bodies"));
  ASSERT_EQ(read.at("entries").as_array().size(), 1u);
  EXPECT_EQ(str(read.at("entries").at(0), "method"), "POST");
  // Off forgets what was kept and keeps nothing more.
  ASSERT_EQ(call("POST", "/_sim/bodies", R"({"enabled":false})").status, 200u);
  call("GET", gw_path("/loadBalancer/poolSummaries"));
  EXPECT_TRUE(sim->body_log().empty());
  EXPECT_EQ(call("POST", "/_sim/bodies", R"({"enabled":"yes"})").status, 400u);
}

TEST_F(vcd_sim_bodies, credentials_are_never_kept_and_long_bodies_are_cut) {
  sim->set_log_bodies(true);
  // A refresh-token exchange: its request (the token) and response (an access token).
  http::request req;
  req.method = "POST";
  req.target = "/oauth/tenant/org1/token";
  req.body = "grant_type=refresh_token&refresh_token=very-secret-refresh";
  req.fields = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", accept}};
  EXPECT_NE(sim->handle(req).response.status, 0u);
  login("admin@org1", "admin-password");
  call("POST", "/cloudapi/1.0.0/loadBalancer/pools",
       json::serialize(pool_body(std::string(core::body_log_limit + 10, 'n'))));
  auto log = sim->body_log();
  ASSERT_EQ(log.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(log[i].request_body.find("very-secret"), std::string::npos);
    EXPECT_EQ(log[i].response_body.find("access_token"), std::string::npos);
    EXPECT_TRUE(log[i].request_body.empty() || log[i].request_body == "<redacted: credentials>");
    EXPECT_TRUE(log[i].response_body.empty() || log[i].response_body == "<redacted: credentials>");
  }
  EXPECT_LT(log[2].request_body.size(), core::body_log_limit + 64);
  EXPECT_NE(log[2].request_body.find("bytes)"), std::string::npos);
}

} // namespace
