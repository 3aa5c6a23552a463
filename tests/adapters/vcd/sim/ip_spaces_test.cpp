// IP Spaces in the simulator (ip-spaces-rde-traffic.md §1): a gateway whose uplink uses IP
// Spaces, floating IP suggestions (filter, paging, 403 on a range gateway), allocation as a
// task whose result carries the values, quota and exhaustion as failed tasks, allocations
// (list/get/update/delete), usedIpAddresses from allocations, seeded allocations, and the
// scenario format.

#include <gtest/gtest.h>

#include "adapters/vcd/detail/xml.hpp"
#include "adapters/vcd/ip_spaces.hpp"
#include "protocol/errors.hpp"
#include "tests/adapters/vcd/sim/sim_fixture.hpp"

namespace vcdlb::vcd::sim::test {
namespace {

const std::string marker = "cluster-capvcdCluster:6e3c0e8a-0000-4000-8000-000000000001-"
                           "namespace-default-service-web";

class ip_space_sim : public sim_test {
protected:
  void SetUp() override {
    auto s = ip_space_example_scenario();
    s.orgs.front().api_tokens.clear();
    start(std::move(s));
    pub = derived_urn("ipSpace", "public-1");
    priv = derived_urn("ipSpace", "org1-private");
  }

  std::string space_path(const std::string& id, const std::string& rest = "") const {
    return "/cloudapi/1.0.0/ipSpaces/" + id + rest;
  }

  http::response allocate(const std::string& space, const json::object& body) {
    return post(space_path(space, "/allocate"), body);
  }

  // The task of a 202 as the real client reads it (XML), after every task finished.
  vcd::task finished_task(const http::response& accepted) {
    finish_tasks();
    auto loc = header(accepted, "Location");
    auto r = call("GET", loc.substr(std::string{"https://vcd.test"}.size()), "",
                  {{"Accept", "application/*+xml;version=37.2"}});
    auto t = vcd::detail::decode_task(r.body);
    EXPECT_TRUE(t) << r.body;
    return t ? *t : vcd::task{};
  }

  json::array allocations(const std::string& space, const std::string& filter) {
    auto r = call("GET", space_path(space, "/allocations?filter=" + filter));
    EXPECT_EQ(r.status, 200u) << r.body;
    return body_of(r).at("values").as_array();
  }

  std::string pub;
  std::string priv;
};

TEST_F(ip_space_sim, the_gateway_uplink_uses_ip_spaces_and_has_no_subnets) {
  auto g = body_of(call("GET", gw_path()));
  auto& up = g.at("edgeGatewayUplinks").at(0);
  EXPECT_EQ(up.at("usingIpSpace"), true);
  EXPECT_TRUE(up.at("subnets").is_null());
  auto used = body_of(call("GET", gw_path("/usedIpAddresses")));
  EXPECT_TRUE(used.at("values").as_array().empty()) << "the seeded allocation is not yet used";
}

TEST_F(ip_space_sim, suggestions_need_the_gateway_page_and_refuse_range_gateways) {
  auto none = call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions");
  EXPECT_EQ(none.status, 400u);
  auto page1 = call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions?filter=gatewayId==" + gw
                             + ";ipType==IPV4&page=1&pageSize=1&sortAsc=ipSpaceRef.name");
  ASSERT_EQ(page1.status, 200u) << page1.body;
  auto b1 = body_of(page1);
  EXPECT_EQ(b1.at("resultTotal"), 2);
  EXPECT_EQ(str(b1.at("values").at(0), "ipSpaceRef.name"), "org1-private");
  auto page2 = body_of(call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions?filter="
                                   "gatewayId=="
                                     + gw + "&page=2&pageSize=1&sortAsc=ipSpaceRef.name"));
  EXPECT_EQ(str(page2.at("values").at(0), "ipSpaceRef.name"), "public-1");
  // The seeded allocation is USED_MANUAL: not offered.
  EXPECT_TRUE(page2.at("values").at(0).at("unusedValues").as_array().empty());
  auto v6 = body_of(call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions?filter=gatewayId=="
                                  + gw + ";ipType==IPV6"));
  EXPECT_TRUE(v6.at("values").as_array().empty());

  start(default_scenario()); // a range-based gateway
  auto refused =
    call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions?filter=gatewayId==" + gw);
  EXPECT_EQ(refused.status, 403u);
}

TEST_F(ip_space_sim, allocate_is_a_task_whose_result_carries_the_value) {
  auto r = allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}});
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_TRUE(r.body.empty());
  // Not visible while the task runs.
  EXPECT_EQ(allocations(pub, "type==FLOATING_IP;usageState==UNUSED").size(), 0u);
  auto t = finished_task(r);
  EXPECT_EQ(t.status, vcd::task_status::success);
  auto values = vcd::parse_allocation_result(t);
  ASSERT_TRUE(values) << describe(values.error()) << " " << t.result_content;
  ASSERT_EQ(values->size(), 1u);
  EXPECT_EQ(values->at(0).value, "198.51.100.11") << "the first free IP after the seeded one";
  auto unused = allocations(pub, "type==FLOATING_IP;usageState==UNUSED");
  ASSERT_EQ(unused.size(), 1u);
  EXPECT_EQ(str(unused.at(0), "id"), values->at(0).id);
  EXPECT_EQ(str(unused.at(0), "orgRef.name"), "org1");
  // Now suggested as allocated-but-unused.
  auto s = body_of(call("GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions?filter=gatewayId=="
                                 + gw + "&sortAsc=ipSpaceRef.name"));
  EXPECT_EQ(s.at("values").at(1).at("unusedValues"), json::array{"198.51.100.11"});
}

TEST_F(ip_space_sim, the_quota_refuses_with_a_failed_task_naming_space_and_quota) {
  auto s = ip_space_example_scenario();
  s.ip_spaces.front().org_quotas.clear(); // PUBLIC default: 1, already used by the seed
  start(std::move(s));
  auto r = allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}});
  ASSERT_EQ(r.status, 202u) << "refusals surface in the task";
  auto t = finished_task(r);
  EXPECT_EQ(t.status, vcd::task_status::error);
  EXPECT_EQ(t.error.major_error_code, 400);
  EXPECT_EQ(t.error.message, vcd::ip_space_quota_message("public-1", 1));
  EXPECT_EQ(allocations(pub, "type==FLOATING_IP").size(), 1u) << "only the seeded one";
  auto space = body_of(call("GET", space_path(pub)));
  EXPECT_EQ(str(space, "utilization.floatingIPs.totalCount"), "1");
  EXPECT_EQ(str(space, "utilization.floatingIPs.allocatedCount"), "1");
  EXPECT_FALSE(space.as_object().contains("ipSpaceRanges")) << "provider-only field";
}

TEST_F(ip_space_sim, an_exhausted_space_and_specific_values) {
  // The private space: 10.200.0.10-50, no cap.
  for (int i = 0; i < 8; ++i) {
    auto r = allocate(priv, {{"type", "FLOATING_IP"}, {"quantity", 5}});
    ASSERT_EQ(r.status, 202u);
    auto t = finished_task(r);
    ASSERT_EQ(t.status, vcd::task_status::success) << t.error.message;
    EXPECT_EQ(vcd::parse_allocation_result(t)->size(), 5u);
  }
  auto last = finished_task(allocate(priv, {{"type", "FLOATING_IP"}, {"quantity", 1}}));
  EXPECT_EQ(last.status, vcd::task_status::success) << "the 41st IP";
  auto full = finished_task(allocate(priv, {{"type", "FLOATING_IP"}, {"quantity", 1}}));
  EXPECT_EQ(full.status, vcd::task_status::error);
  EXPECT_EQ(full.error.message, vcd::ip_space_exhausted_message("org1-private"));
  // A specific value (API 37.2): taken, outside, or free.
  EXPECT_EQ(
    finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"value", "198.51.100.10"}})).status,
    vcd::task_status::error);
  EXPECT_EQ(
    finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"value", "203.0.113.5"}})).status,
    vcd::task_status::error);
  auto ok = finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"value", "198.51.100.77"}}));
  ASSERT_EQ(ok.status, vcd::task_status::success);
  EXPECT_EQ(vcd::parse_allocation_result(ok)->at(0).value, "198.51.100.77");
  EXPECT_EQ(
    allocate(pub, {{"type", "FLOATING_IP"}, {"value", "198.51.100.78"}, {"quantity", 1}}).status,
    400u);
  accept = "application/json;version=37.1";
  EXPECT_EQ(allocate(pub, {{"type", "FLOATING_IP"}, {"value", "198.51.100.79"}}).status, 400u)
    << "value needs 37.2";
  accept = "application/json;version=37.0";
  EXPECT_EQ(allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}}).status, 404u)
    << "no IP Spaces before 37.1";
}

TEST_F(ip_space_sim, mark_used_release_and_filters) {
  auto t = finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}}));
  auto id = vcd::parse_allocation_result(t)->at(0).id;
  auto path = space_path(pub, "/allocations/" + id);
  auto a = body_of(call("GET", path)).as_object();
  EXPECT_EQ(a.at("usageState"), "UNUSED");
  a["usageState"] = "USED_MANUAL";
  a["description"] = "cluster-c1-namespace-default-service-api";
  auto put_r = put(path, a);
  ASSERT_EQ(put_r.status, 202u) << put_r.body;
  finish_tasks();
  auto marked = allocations(pub, "type==FLOATING_IP;usageState==USED_MANUAL");
  ASSERT_EQ(marked.size(), 2u) << "ours and the seeded one";
  EXPECT_EQ(str(marked.at(0), "description"), "cluster-c1-namespace-default-service-api")
    << "newest first";
  EXPECT_EQ(str(marked.at(1), "description"), marker);
  EXPECT_EQ(call("GET", space_path(pub, "/allocations?filter=usageState==USED_MANUAL")).status,
            400u)
    << "the type is required";
  EXPECT_EQ(
    call("GET", space_path(pub, "/allocations?filter=type==FLOATING_IP;description==x")).status,
    400u)
    << "description is not searchable";
  a["usageState"] = "USED";
  EXPECT_EQ(put(path, a).status, 400u) << "USED is system-set";
  a["usageState"] = "USED_MANUAL";
  a["value"] = "198.51.100.99";
  EXPECT_EQ(put(path, a).status, 400u) << "the value cannot change";
  auto del = call("DELETE", path);
  ASSERT_EQ(del.status, 202u);
  finish_tasks();
  EXPECT_EQ(call("GET", path).status, 403u);
  EXPECT_EQ(allocations(pub, "type==FLOATING_IP").size(), 1u);
}

TEST_F(ip_space_sim, objects_on_allocated_ips_show_in_used_ips_and_usage) {
  auto t = finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}}));
  auto ip = vcd::parse_allocation_result(t)->at(0).value;
  auto pool = make_pool("p1");
  make_vs("vs1", pool, ip, 80);
  auto used = body_of(call("GET", gw_path("/usedIpAddresses")));
  ASSERT_EQ(used.at("values").as_array().size(), 1u);
  EXPECT_EQ(str(used.at("values").at(0), "ipAddress"), ip);
  EXPECT_EQ(str(used.at("values").at(0), "category"), "Load_Balancer");
  auto rows = allocations(pub, "type==FLOATING_IP;value==" + ip);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows.at(0), "usageState"), "USED") << "consumed by a network service";
  EXPECT_EQ(str(rows.at(0), "usageCategories"), "[\"LOAD_BALANCER\"]");
  EXPECT_EQ(str(rows.at(0), "usedByRef.id"), gw);
  // A DNAT rule needs an IP the org holds.
  json::object dnat{{"name", "dnat-1"},
                    {"ruleType", "DNAT"},
                    {"externalAddresses", "198.51.100.150"},
                    {"internalAddresses", "192.168.8.2"},
                    {"enabled", true}};
  EXPECT_EQ(post(gw_path("/nat/rules"), dnat).status, 400u);
  dnat["externalAddresses"] = "198.51.100.10"; // the seeded (upstream) allocation
  EXPECT_EQ(post(gw_path("/nat/rules"), dnat).status, 202u);
}

TEST_F(ip_space_sim, allocation_is_denied_to_an_org_without_an_ip_space_gateway) {
  auto s = ip_space_example_scenario();
  s.orgs.front().vdcs.front().edge_gateways.front().uplinks.front().ip_spaces = {"org1-private"};
  start(std::move(s));
  auto t = finished_task(allocate(pub, {{"type", "FLOATING_IP"}, {"quantity", 1}}));
  EXPECT_EQ(t.status, vcd::task_status::error);
  EXPECT_EQ(t.error.minor_error_code, "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
  EXPECT_NE(t.error.message.find("This operation is denied"), std::string::npos);
}

TEST_F(ip_space_sim, the_dump_lists_spaces_and_allocations) {
  auto d = sim->dump();
  auto& spaces = d.at("ip_spaces").as_array();
  ASSERT_EQ(spaces.size(), 2u);
  size_t seeded = 0;
  for (const auto& sp : spaces)
    for (const auto& a : sp.at("allocations").as_array())
      seeded += str(a, "description") == marker ? 1 : 0;
  EXPECT_EQ(seeded, 1u);
}

// -- scenario ------------------------------------------------------------------------------------

TEST(ip_space_scenario, round_trips_and_validates) {
  auto example = ip_space_example_scenario();
  auto yaml = to_yaml(example);
  auto parsed = parse_scenario(yaml);
  ASSERT_TRUE(parsed) << describe(parsed.error()) << "\n" << yaml;
  EXPECT_EQ(to_yaml(*parsed), yaml);
  ASSERT_EQ(parsed->ip_spaces.size(), 2u);
  EXPECT_EQ(parsed->ip_spaces[0].quota_of("org1"), 50);
  EXPECT_EQ(parsed->ip_spaces[0].quota_of("other"), 1);
  EXPECT_EQ(parsed->ip_spaces[1].quota_of("org1"), -1) << "PRIVATE: no cap by default";

  auto broken = [&](const std::string& from, const std::string& to) {
    auto text = yaml;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return parse_scenario(text);
  };
  EXPECT_FALSE(broken("ip_spaces: [\"public-1\"", "ip_spaces: [\"nope\""));
  EXPECT_FALSE(broken("value: \"198.51.100.10\"", "value: \"203.0.113.1\"")) << "outside";
  EXPECT_FALSE(broken("type: \"PRIVATE\"", "type: \"PUBLIC\"")) << "a PUBLIC space has no org";
  EXPECT_FALSE(broken("floating_ip_quota: 50", "floating_ip_quota: -2"));
  EXPECT_FALSE(broken("usage_state: \"USED_MANUAL\"", "usage_state: \"TAKEN\""));
  auto both = parse_scenario(R"(
orgs:
  - name: org1
    vdcs:
      - name: vdc1
        edge_gateways:
          - name: e
            uplinks:
              - name: u
                ip_spaces: [s]
                subnets: [{gateway: 1.2.3.1, ranges: [{start: 1.2.3.4}]}]
ip_spaces:
  - name: s
    ranges: [{start: 1.2.3.4}]
)");
  EXPECT_FALSE(both) << "an IP Space uplink has no subnets";
}

} // namespace
} // namespace vcdlb::vcd::sim::test
