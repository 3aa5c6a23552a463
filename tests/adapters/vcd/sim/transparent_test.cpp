// Transparent mode ("Preserve Client IP", API 37.1+): group pools (memberGroupRef to an IP set
// of the gateway), the gateway's load-balancer setting, the SEG's HA mode, and the refusals
// that name the missing prerequisite; older API versions do not see the fields.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_transparent : public sim_test {
protected:
  // A gateway with transparent mode set up and a Legacy Active/Standby SEG, unless told not to.
  void start_with(bool gateway_transparent, const std::string& ha_mode,
                  const std::string& api_version = "37.2") {
    auto s = default_scenario();
    s.api_version = api_version;
    auto& g = s.orgs.front().vdcs.front().edge_gateways.front();
    g.transparent_mode_enabled = gateway_transparent;
    g.seg_assignments.front().ha_mode = ha_mode;
    start(std::move(s));
  }

  std::string reason_of(const http::response& r) {
    EXPECT_EQ(r.status, 400u) << r.body;
    auto log = sim->request_log();
    return log.empty() ? "" : log.back().reason;
  }

  std::string make_ip_set(const std::string& name, json::array addresses) {
    auto r = post("/cloudapi/1.0.0/firewallGroups", json::object{{"name", name},
                                                                 {"typeValue", "IP_SET"},
                                                                 {"ownerRef", gw_ref()},
                                                                 {"ipAddresses", addresses}});
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    auto ids = sim->find("firewallGroup", name);
    return ids.empty() ? "" : ids.front();
  }

  json::object group_pool_body(const std::string& name, const std::string& set_id) const {
    auto p = pool_body(name, 0);
    p.erase("members");
    p["memberGroupRef"] = json::object{{"id", set_id}};
    return p;
  }

  std::string make_group_pool(const std::string& name, const std::string& set_id) {
    auto r = post("/cloudapi/1.0.0/loadBalancer/pools", group_pool_body(name, set_id));
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    auto ids = sim->find("pool", name);
    return ids.empty() ? "" : ids.front();
  }

  json::object transparent_vs(const std::string& name, const std::string& pool_id,
                              const std::string& vip, int port) const {
    auto vs = vs_body(name, pool_id, vip, port);
    vs["transparentModeEnabled"] = true;
    return vs;
  }

  http::response post_vs(const json::object& body) {
    return post("/cloudapi/1.0.0/loadBalancer/virtualServices", body);
  }

  std::string message_of(const http::response& r) { return str(body_of(r), "message"); }
};

TEST_F(vcd_sim_transparent, settings_and_seg_show_the_prerequisites) {
  start_with(true, "LEGACY_ACTIVE_STANDBY");
  auto alb = body_of(call("GET", gw_path("/loadBalancer")));
  EXPECT_EQ(str(alb, "transparentModeEnabled"), "true");
  auto segs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"));
  EXPECT_EQ(str(segs.at("values").at(0), "serviceEngineGroupHaMode"), "LEGACY_ACTIVE_STANDBY");
  // The default scenario: transparent mode off, an elastic SEG.
  start(default_scenario());
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "transparentModeEnabled"), "false");
  segs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"));
  EXPECT_EQ(str(segs.at("values").at(0), "serviceEngineGroupHaMode"), "ELASTIC_N_PLUS_M_BUFFER");
}

TEST_F(vcd_sim_transparent, a_transparent_virtual_service_on_a_group_pool_is_accepted) {
  start_with(true, "LEGACY_ACTIVE_STANDBY");
  auto set = make_ip_set("members", {"10.10.0.11", "10.10.0.12", "10.10.0.13"});
  auto pool_id = make_group_pool("p", set);
  auto pool = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id));
  EXPECT_EQ(str(pool, "memberGroupRef.id"), set);
  EXPECT_EQ(str(pool, "memberGroupRef.name"), "members");
  auto r = post_vs(transparent_vs("vs", pool_id, "203.0.113.10", 80));
  ASSERT_EQ(r.status, 202u) << r.body;
  finish_tasks();
  clock.advance(sim->faults().health_delay + 1ms);
  auto vs_id = sim->find("virtualService", "vs").front();
  auto vs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id));
  EXPECT_EQ(str(vs, "transparentModeEnabled"), "true");
  // The group's addresses are the members: the pool and the virtual service are up.
  pool = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id));
  EXPECT_EQ(str(pool, "memberCount"), "3");
  EXPECT_EQ(str(pool, "healthStatus"), "UP");
  EXPECT_EQ(str(vs, "healthStatus"), "UP");
  auto summaries = body_of(call("GET", gw_path("/loadBalancer/virtualServiceSummaries")));
  EXPECT_EQ(str(summaries.at("values").at(0), "transparentModeEnabled"), "true");
  // Switching off keeps the group pool; switching on again works.
  auto off = transparent_vs("vs", pool_id, "203.0.113.10", 80);
  off["transparentModeEnabled"] = false;
  ASSERT_EQ(put("/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id, off).status, 202u);
  finish_tasks();
  vs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id));
  EXPECT_EQ(str(vs, "transparentModeEnabled"), "false");
}

TEST_F(vcd_sim_transparent, each_missing_prerequisite_is_refused_by_name) {
  start_with(false, "LEGACY_ACTIVE_STANDBY");
  auto set = make_ip_set("members", {"10.10.0.11"});
  auto group_pool = make_group_pool("g", set);
  auto r = post_vs(transparent_vs("vs", group_pool, "203.0.113.10", 80));
  EXPECT_EQ(reason_of(r), "transparent_gateway_off");
  EXPECT_EQ(str(body_of(r), "minorErrorCode"), "BAD_REQUEST");
  EXPECT_NE(message_of(r).find("load balancer settings"), std::string::npos) << message_of(r);

  start_with(true, "ELASTIC_N_PLUS_M_BUFFER");
  set = make_ip_set("members", {"10.10.0.11"});
  group_pool = make_group_pool("g", set);
  r = post_vs(transparent_vs("vs", group_pool, "203.0.113.10", 80));
  EXPECT_EQ(reason_of(r), "transparent_seg_ha_mode");
  EXPECT_NE(message_of(r).find("LEGACY_ACTIVE_STANDBY"), std::string::npos) << message_of(r);

  start_with(true, "LEGACY_ACTIVE_STANDBY");
  auto ip_pool = make_pool("p");
  r = post_vs(transparent_vs("vs", ip_pool, "203.0.113.10", 80));
  EXPECT_EQ(reason_of(r), "transparent_pool_not_group");
  EXPECT_NE(message_of(r).find("memberGroupRef"), std::string::npos) << message_of(r);
  EXPECT_TRUE(sim->find("virtualService", "vs").empty());
}

TEST_F(vcd_sim_transparent, group_pools_are_validated) {
  start_with(true, "LEGACY_ACTIVE_STANDBY");
  auto set = make_ip_set("members", {"10.10.0.11"});
  auto both = group_pool_body("p", set);
  both["members"] = pool_body("x", 1).at("members");
  EXPECT_EQ(reason_of(post("/cloudapi/1.0.0/loadBalancer/pools", both)), "pool_members_and_group");
  auto unknown =
    group_pool_body("p", "urn:vcloud:firewallGroup:00000000-0000-0000-0000-00000000dead");
  auto r = post("/cloudapi/1.0.0/loadBalancer/pools", unknown);
  EXPECT_EQ(reason_of(r), "invalid_member_group");
  EXPECT_EQ(str(body_of(r), "minorErrorCode"), "INVALID_REFERENCE");
  // The IP set cannot go while the pool uses it; it can once the pool is gone.
  auto pool_id = make_group_pool("p", set);
  EXPECT_EQ(reason_of(call("DELETE", "/cloudapi/1.0.0/firewallGroups/" + set)), "in_use");
  ASSERT_EQ(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/firewallGroups/" + set).status, 202u);
}

TEST_F(vcd_sim_transparent, a_transparent_service_keeps_its_group_pool_and_the_gateway_setting) {
  start_with(true, "LEGACY_ACTIVE_STANDBY");
  auto set = make_ip_set("members", {"10.10.0.11"});
  auto pool_id = make_group_pool("p", set);
  ASSERT_EQ(post_vs(transparent_vs("vs", pool_id, "203.0.113.10", 80)).status, 202u);
  finish_tasks();
  // Back to member IPs while the virtual service is transparent: refused.
  EXPECT_EQ(reason_of(put("/cloudapi/1.0.0/loadBalancer/pools/" + pool_id, pool_body("p", 2))),
            "transparent_pool_needs_group");
  // The provider cannot switch the gateway's transparent mode off under it.
  auto provider = login("administrator@System", "provider-password", true);
  auto r = call("PUT", gw_path("/loadBalancer"),
                R"({"enabled": true, "transparentModeEnabled": false})", {}, provider);
  EXPECT_EQ(reason_of(r), "transparent_in_use");
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "transparentModeEnabled"), "true");
}

TEST_F(vcd_sim_transparent, the_provider_switches_the_gateway_setting) {
  start_with(false, "LEGACY_ACTIVE_STANDBY");
  auto provider = login("administrator@System", "provider-password", true);
  auto r = call("PUT", gw_path("/loadBalancer"),
                R"({"enabled": true, "transparentModeEnabled": true})", {}, provider);
  ASSERT_EQ(r.status, 202u) << r.body;
  finish_tasks();
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "transparentModeEnabled"), "true");
  // A PUT that leaves the field out keeps it.
  r = call("PUT", gw_path("/loadBalancer"), R"({"enabled": true})", {}, provider);
  ASSERT_EQ(r.status, 202u) << r.body;
  finish_tasks();
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "transparentModeEnabled"), "true");
}

TEST_F(vcd_sim_transparent, api_37_0_does_not_know_the_fields) {
  start_with(true, "LEGACY_ACTIVE_STANDBY", "37.0");
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "transparentModeEnabled"),
            "<missing>");
  auto set = make_ip_set("members", {"10.10.0.11"});
  // Dropped like any field of a newer schema: the pool is created with member IPs only.
  auto body = group_pool_body("p", set);
  body["members"] = pool_body("x", 1).at("members");
  ASSERT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", body).status, 202u);
  finish_tasks();
  auto pool_id = sim->find("pool", "p").front();
  auto pool = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id));
  EXPECT_EQ(str(pool, "memberGroupRef"), "<missing>");
  ASSERT_EQ(post_vs(transparent_vs("vs", pool_id, "203.0.113.10", 80)).status, 202u);
  finish_tasks();
  auto vs_id = sim->find("virtualService", "vs").front();
  auto vs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id));
  EXPECT_EQ(str(vs, "transparentModeEnabled"), "<missing>");
}

TEST_F(vcd_sim_transparent, scenario_fields_round_trip_and_are_checked) {
  auto s = default_scenario();
  auto& g = s.orgs.front().vdcs.front().edge_gateways.front();
  g.transparent_mode_enabled = true;
  g.seg_assignments.front().ha_mode = "LEGACY_ACTIVE_STANDBY";
  auto text = to_yaml(s);
  auto back = parse_scenario(text);
  ASSERT_TRUE(back) << text;
  const auto& g2 = back->orgs.front().vdcs.front().edge_gateways.front();
  EXPECT_TRUE(g2.transparent_mode_enabled);
  EXPECT_EQ(g2.seg_assignments.front().ha_mode, "LEGACY_ACTIVE_STANDBY");
  auto pos = text.find("LEGACY_ACTIVE_STANDBY");
  ASSERT_NE(pos, std::string::npos);
  auto bad = text;
  bad.replace(pos, std::string{"LEGACY_ACTIVE_STANDBY"}.size(), "ACTIVE_PASSIVE");
  EXPECT_FALSE(parse_scenario(bad));
}

} // namespace
