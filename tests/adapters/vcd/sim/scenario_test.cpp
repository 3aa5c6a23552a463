// Scenario YAML: the built-in default, round trips, derived ids and rejected inputs.

#include "adapters/vcd/sim/scenario.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd::sim;

TEST(vcd_sim_scenario, default_has_org_vdc_network_gateway_seg_cert_user_and_token) {
  auto s = default_scenario();
  ASSERT_EQ(s.orgs.size(), 1u);
  const auto& o = s.orgs.front();
  EXPECT_EQ(o.name, "org1");
  EXPECT_EQ(o.id.rfind("urn:vcloud:org:", 0), 0u);
  ASSERT_EQ(o.vdcs.size(), 1u);
  const auto& v = o.vdcs.front();
  ASSERT_EQ(v.edge_gateways.size(), 1u);
  ASSERT_EQ(v.networks.size(), 1u);
  EXPECT_EQ(v.networks.front().gateway, v.edge_gateways.front().name);
  const auto& g = v.edge_gateways.front();
  EXPECT_EQ(g.id.rfind("urn:vcloud:gateway:", 0), 0u);
  ASSERT_EQ(g.uplinks.size(), 1u);
  EXPECT_FALSE(g.uplinks.front().subnets.front().ranges.empty());
  ASSERT_EQ(g.seg_assignments.size(), 1u);
  EXPECT_EQ(g.seg_assignments.front().seg_id.rfind("urn:vcloud:serviceEngineGroup:", 0), 0u);
  ASSERT_EQ(o.certificates.size(), 1u);
  EXPECT_NE(o.certificates.front().certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(o.users.size(), 1u);
  EXPECT_EQ(o.api_tokens.size(), 1u);
  EXPECT_EQ(s.provider_users.size(), 1u);
  EXPECT_EQ(s.api_version, "37.2");
}

TEST(vcd_sim_scenario, yaml_round_trip_is_stable) {
  auto text = to_yaml(default_scenario());
  auto parsed = parse_scenario(text);
  ASSERT_TRUE(parsed) << describe(parsed.error());
  EXPECT_EQ(to_yaml(*parsed), text);
  EXPECT_EQ(parsed->orgs.front().certificates.front().certificate_pem,
            default_scenario().orgs.front().certificates.front().certificate_pem);
}

TEST(vcd_sim_scenario, missing_ids_are_derived_from_names_and_stable) {
  const char* yaml = R"(
api_version: "36.2"
orgs:
  - name: acme
    users: [{name: bob, password: pw}]
    vdcs:
      - name: v
        edge_gateways:
          - name: gw
            uplinks:
              - name: ext
                subnets:
                  - gateway: 198.51.100.1
                    prefix_length: 24
                    ranges: [{start: 198.51.100.10, end: 198.51.100.20}]
            seg_assignments:
              - service_engine_group: seg-a
                max_virtual_services: 2
        networks:
          - name: n
            gateway: gw
)";
  auto a = parse_scenario(yaml);
  auto b = parse_scenario(yaml);
  ASSERT_TRUE(a) << describe(a.error());
  ASSERT_TRUE(b);
  const auto& g = a->orgs.front().vdcs.front().edge_gateways.front();
  EXPECT_EQ(g.id, b->orgs.front().vdcs.front().edge_gateways.front().id);
  EXPECT_EQ(g.id.rfind("urn:vcloud:gateway:", 0), 0u);
  EXPECT_EQ(g.seg_assignments.front().max_virtual_services, 2);
  EXPECT_EQ(a->api_version, "36.2");
  EXPECT_FALSE(a->shared_vip.has_value());
}

TEST(vcd_sim_scenario, bad_inputs_are_errors_naming_the_key) {
  auto unknown = parse_scenario("api_version: \"37.2\"\nbogus: 1\n");
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(has_code(unknown.error(), config_errc::unknown_key));
  EXPECT_NE(describe(unknown.error()).find("bogus"), std::string::npos);

  auto bad_ip = parse_scenario(R"(
orgs:
  - name: o
    vdcs:
      - name: v
        edge_gateways:
          - name: g
            uplinks: [{name: e, subnets: [{gateway: 1.2.3.999, prefix_length: 24}]}]
)");
  ASSERT_FALSE(bad_ip);
  EXPECT_TRUE(has_code(bad_ip.error(), config_errc::invalid_value));

  auto dangling = parse_scenario(R"(
orgs:
  - name: o
    vdcs:
      - name: v
        networks: [{name: n, gateway: nowhere}]
)");
  ASSERT_FALSE(dangling);
  EXPECT_NE(describe(dangling.error()).find("nowhere"), std::string::npos);

  auto not_yaml = parse_scenario("orgs: [unclosed");
  ASSERT_FALSE(not_yaml);
  EXPECT_TRUE(has_code(not_yaml.error(), config_errc::invalid_yaml));

  auto wrong_type = parse_scenario("max_page_size: many\n");
  ASSERT_FALSE(wrong_type);
  EXPECT_TRUE(has_code(wrong_type.error(), config_errc::wrong_type));

  auto missing = load_scenario("/nonexistent/scenario.yaml");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(has_code(missing.error(), config_errc::unreadable_file));
}

// A gateway with other owners' IP sets and firewall rules (ip_sets, firewall_rules).
const char* firewall_yaml = R"(
orgs:
  - name: o
    vdcs:
      - name: v
        edge_gateways:
          - name: g
            ip_sets:
              - {name: office, addresses: [198.51.100.0/24, 2001:db8::/48]}
              - {name: web, addresses: [203.0.113.10-203.0.113.20]}
            firewall_rules:
              - {name: allow-office, action: ALLOW, direction: IN, ip_protocol: IPV4,
                 sources: [office], destinations: [web]}
              - {name: drop-web, action: DROP, destinations: [web]}
)";

TEST(vcd_sim_scenario, gateways_can_start_with_other_owners_ip_sets_and_firewall_rules) {
  auto s = parse_scenario(firewall_yaml);
  ASSERT_TRUE(s) << describe(s.error());
  const auto& g = s->orgs.at(0).vdcs.at(0).edge_gateways.at(0);
  ASSERT_EQ(g.ip_sets.size(), 2u);
  EXPECT_EQ(g.ip_sets[0].id.rfind("urn:vcloud:firewallGroup:", 0), 0u);
  ASSERT_EQ(g.firewall_rules.size(), 2u);
  EXPECT_EQ(g.firewall_rules[0].id.find(':'), std::string::npos) << "NSX-style rule ids";
  EXPECT_EQ(g.firewall_rules[1].direction, "IN_OUT");
  EXPECT_EQ(g.firewall_rules[1].ip_protocol, "IPV4_IPV6");
  // They round-trip; gateways without them print as before (no empty keys).
  auto text = to_yaml(*s);
  auto again = parse_scenario(text);
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_EQ(to_yaml(*again), text);
  EXPECT_EQ(to_yaml(default_scenario()).find("firewall_rules"), std::string::npos);
}

TEST(vcd_sim_scenario, bad_firewall_seeds_are_errors_naming_the_key) {
  auto with = [](const std::string& gateway_body) {
    return parse_scenario("orgs:\n  - name: o\n    vdcs:\n      - name: v\n        edge_gateways:\n"
                          "          - name: g\n"
                          + gateway_body);
  };
  auto bad_address = with("            ip_sets: [{name: s, addresses: [10.0.0.0/33]}]\n");
  ASSERT_FALSE(bad_address);
  EXPECT_NE(describe(bad_address.error()).find("ip_sets[0].addresses"), std::string::npos);
  auto bad_action = with("            firewall_rules: [{name: r, action: PERMIT}]\n");
  ASSERT_FALSE(bad_action);
  EXPECT_NE(describe(bad_action.error()).find("firewall_rules[0].action"), std::string::npos);
  auto unknown_set = with("            firewall_rules: [{name: r, sources: [nowhere]}]\n");
  ASSERT_FALSE(unknown_set);
  EXPECT_NE(describe(unknown_set.error()).find("nowhere"), std::string::npos);
  auto duplicate = with("            ip_sets: [{name: s}, {name: s}]\n");
  ASSERT_FALSE(duplicate);
  EXPECT_NE(describe(duplicate.error()).find("duplicate name 's'"), std::string::npos);
}

} // namespace
