// The `load_balancers` key of a scenario's edge gateway: objects someone else made (e.g. a
// deleted cluster's cloud provider) exist from the start, look like created ones through the
// API, keep VCD's dependency rules, and can be removed.

#include <gtest/gtest.h>

#include "adapters/vcd/sim/scenario.hpp"
#include "protocol/errors.hpp"
#include "sim_fixture.hpp"

namespace vcdlb::vcd::sim::test {
namespace {

const char* seeded_yaml = R"(
orgs:
  - name: o
    vdcs:
      - name: v
        edge_gateways:
          - name: g
            seg_assignments: [{service_engine_group: seg, service_engine_group_id: "urn:vcloud:serviceEngineGroup:1"}]
            load_balancers:
              - virtual_service: ingress-vs-web-capvcdCluster:11111111-1111-1111-1111-111111111111-http
                pool: ingress-pool-web-capvcdCluster:11111111-1111-1111-1111-111111111111-http
                virtual_ip: 203.0.113.10
                members: [192.168.1.10, 192.168.1.11]
              - virtual_service: vcdlb-vs-a1b2c3-0123456789-default.api.https
                pool: vcdlb-pool-a1b2c3-0123456789-default.api.https
                dnat_rule: vcdlb-dnat-a1b2c3-0123456789-default.api.https
                app_port_profile: vcdlb-app-a1b2c3-0123456789-default.api.https
                virtual_ip: 203.0.113.11
                internal_ip: 192.168.8.2
                port: 443
                member_port: 30443
                description: vcdlb-cluster-id=urn:vcloud:entity:vmware:capvcdCluster:22222222-2222-2222-2222-222222222222
)";

TEST(vcd_sim_scenario_load_balancers, parse_and_round_trip) {
  auto s = parse_scenario(seeded_yaml);
  ASSERT_TRUE(s) << describe(s.error());
  const auto& lbs = s->orgs.at(0).vdcs.at(0).edge_gateways.at(0).load_balancers;
  ASSERT_EQ(lbs.size(), 2u);
  EXPECT_EQ(lbs[0].port, 80);
  EXPECT_EQ(lbs[0].protocol, "TCP");
  EXPECT_EQ(lbs[0].members.size(), 2u);
  EXPECT_TRUE(lbs[0].dnat_rule.empty());
  EXPECT_EQ(lbs[1].internal_ip, "192.168.8.2");
  EXPECT_EQ(lbs[1].member_port, 30443);
  auto text = to_yaml(*s);
  auto again = parse_scenario(text);
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_EQ(to_yaml(*again), text);
  EXPECT_EQ(to_yaml(default_scenario()).find("load_balancers"), std::string::npos);
}

TEST(vcd_sim_scenario_load_balancers, bad_seeds_are_errors_naming_the_key) {
  auto with = [](const std::string& lb, const std::string& segs =
                                          "            seg_assignments: [{service_engine_group: "
                                          "s, service_engine_group_id: x}]\n") {
    return parse_scenario("orgs:\n  - name: o\n    vdcs:\n      - name: v\n        edge_gateways:\n"
                          "          - name: g\n"
                          + segs + "            load_balancers:\n" + lb);
  };
  struct bad_case {
    std::string lb;
    std::string expect;
  };
  for (const auto& c : std::vector<bad_case>{
         {"              - {pool: p, virtual_ip: 1.2.3.4}\n", "load_balancers[0].virtual_service"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.400}\n",
          "load_balancers[0].virtual_ip"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4, dnat_rule: d}\n",
          "load_balancers[0].internal_ip"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4, dnat_rule: d, "
          "internal_ip: 10.0.0.1}\n",
          "go together"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4, port: 0}\n",
          "load_balancers[0].port"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4, protocol: SCTP}\n",
          "load_balancers[0].protocol"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4, colour: red}\n",
          "load_balancers[0].colour"},
         {"              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4}\n"
          "              - {virtual_service: v, pool: q, virtual_ip: 1.2.3.5}\n",
          "duplicate name 'v'"},
       }) {
    auto r = with(c.lb);
    ASSERT_FALSE(r) << c.lb;
    EXPECT_NE(describe(r.error()).find(c.expect), std::string::npos) << describe(r.error());
  }
  auto no_seg = with("              - {virtual_service: v, pool: p, virtual_ip: 1.2.3.4}\n", "");
  ASSERT_FALSE(no_seg);
  EXPECT_NE(describe(no_seg.error()).find("service engine group"), std::string::npos);
}

class vcd_sim_seeded_load_balancers : public sim_test {
protected:
  void SetUp() override {
    auto s = default_scenario();
    auto& g = s.orgs.at(0).vdcs.at(0).edge_gateways.at(0);
    seeded_load_balancer two_arm;
    two_arm.virtual_service = "ingress-vs-web-capvcdCluster:1-http";
    two_arm.pool = "ingress-pool-web-capvcdCluster:1-http";
    two_arm.virtual_ip = "203.0.113.10";
    two_arm.members = {"192.168.1.10"};
    seeded_load_balancer one_arm;
    one_arm.virtual_service = "vcdlb-vs-x";
    one_arm.pool = "vcdlb-pool-x";
    one_arm.dnat_rule = "vcdlb-dnat-x";
    one_arm.app_port_profile = "vcdlb-app-x";
    one_arm.virtual_ip = "203.0.113.11";
    one_arm.internal_ip = "192.168.8.2";
    one_arm.port = 443;
    one_arm.description = "vcdlb-cluster-id=urn:vcloud:entity:vmware:capvcdCluster:2";
    g.load_balancers = {two_arm, one_arm};
    start(std::move(s));
  }
};

TEST_F(vcd_sim_seeded_load_balancers, objects_exist_from_the_start_as_if_created) {
  auto vs = body_of(call("GET", gw_path("/loadBalancer/virtualServiceSummaries")));
  ASSERT_EQ(vs.at("values").as_array().size(), 2u) << json::serialize(vs);
  const auto& first = vs.at("values").at(0);
  EXPECT_EQ(str(first, "name"), "ingress-vs-web-capvcdCluster:1-http");
  EXPECT_EQ(str(first, "virtualIpAddress"), "203.0.113.10");
  EXPECT_EQ(str(first, "loadBalancerPoolRef.name"), "ingress-pool-web-capvcdCluster:1-http");
  const auto& second = vs.at("values").at(1);
  EXPECT_EQ(str(second, "virtualIpAddress"), "192.168.8.2"); // one-arm: the internal VIP
  auto full =
    body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + str(second, "id")));
  EXPECT_EQ(str(full, "description"), "vcdlb-cluster-id=urn:vcloud:entity:vmware:capvcdCluster:2");
  EXPECT_EQ(str(full, "serviceEngineGroupRef.id"), seg);
  auto pools = body_of(call("GET", gw_path("/loadBalancer/poolSummaries")));
  EXPECT_EQ(pools.at("values").as_array().size(), 2u);
  auto rules = body_of(call("GET", gw_path("/nat/rules")));
  ASSERT_EQ(rules.at("values").as_array().size(), 1u);
  const auto& rule = rules.at("values").at(0);
  EXPECT_EQ(str(rule, "externalAddresses"), "203.0.113.11");
  EXPECT_EQ(str(rule, "internalAddresses"), "192.168.8.2");
  EXPECT_EQ(str(rule, "applicationPortProfile.name"), "vcdlb-app-x");
  EXPECT_EQ(str(rule, "id").find(':'), std::string::npos) << "NSX-style rule id";
  auto profiles = body_of(call("GET", "/cloudapi/1.0.0/applicationPortProfiles?filter="
                                      "scope==TENANT"));
  ASSERT_EQ(profiles.at("values").as_array().size(), 1u);
  EXPECT_EQ(str(profiles.at("values").at(0), "applicationPorts"),
            R"([{"protocol":"TCP","destinationPorts":["443"]}])");
}

TEST_F(vcd_sim_seeded_load_balancers, they_keep_vcds_dependency_rules_and_can_be_removed) {
  auto pool_id = sim->find("pool", "vcdlb-pool-x").at(0);
  auto vs_id = sim->find("virtualService", "vcdlb-vs-x").at(0);
  // A pool in use cannot go first.
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 400u);
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs_id).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + pool_id).status, 202u);
  finish_tasks();
  auto rules = body_of(call("GET", gw_path("/nat/rules")));
  auto rule_id = str(rules.at("values").at(0), "id");
  EXPECT_EQ(call("DELETE", gw_path("/nat/rules/" + rule_id)).status, 202u);
  finish_tasks();
  auto profile_id = sim->find("appPortProfile", "vcdlb-app-x").at(0);
  auto del = call("DELETE", "/cloudapi/1.0.0/applicationPortProfiles/" + profile_id);
  EXPECT_EQ(del.status, 202u);
  finish_tasks();
  EXPECT_EQ(str(task_json(del), "status"), "success") << json::serialize(task_json(del));
  EXPECT_TRUE(sim->find("virtualService", "vcdlb-vs-x").empty());
  EXPECT_TRUE(sim->find("pool", "vcdlb-pool-x").empty());
  EXPECT_TRUE(sim->find("appPortProfile", "vcdlb-app-x").empty());
  EXPECT_EQ(sim->find("virtualService", "ingress-vs-web-capvcdCluster:1-http").size(), 1u);
}

} // namespace
} // namespace vcdlb::vcd::sim::test
