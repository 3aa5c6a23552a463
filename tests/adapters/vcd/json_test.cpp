// CloudAPI JSON: decoders against reference-shaped bodies, encoders field by field against the
// reference request bodies (vcd-cloudapi.md §8, upstream-cpi.md §2.6).

#include "adapters/vcd/detail/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
using namespace vcdlb::vcd::detail;
namespace bj = boost::json;

const std::string gw_urn = "urn:vcloud:gateway:2d7a5d1c-4c5f-4c4b-9c1e-5d0f0f2b6a11";

// Compares two JSON texts as values (member order does not matter, everything else does).
void expect_same_json(const std::string& actual, const std::string& expected) {
  auto a = bj::parse(actual);
  auto e = bj::parse(expected);
  EXPECT_EQ(a, e) << "actual:   " << bj::serialize(a) << "\nexpected: " << bj::serialize(e);
}

TEST(vcd_json_encode, pool_matches_the_reference_body) {
  pool p;
  p.name = "ingress-pool-http";
  p.enabled = true;
  p.gateway_ref = {"edge-1", gw_urn};
  p.algorithm = "ROUND_ROBIN";
  p.default_port = 30080;
  p.graceful_timeout_period = 0;
  p.passive_monitoring_enabled = true;
  p.health_monitors = {{"TCP", "", false}};
  p.members = {{"10.10.0.11", 30080, 1, true, ""}, {"10.10.0.12", 30080, 1, true, ""}};
  p.persistence = {"CLIENT_IP", "", ""};
  // Read-only fields must not be sent.
  p.status = "REALIZED";
  p.health_status = "UP";
  p.virtual_service_refs = {{"vs", "urn:vcloud:loadBalancerVirtualService:1"}};
  expect_same_json(encode_pool(p), R"({
    "name": "ingress-pool-http",
    "enabled": true,
    "gatewayRef": {"name": "edge-1", "id": "urn:vcloud:gateway:2d7a5d1c-4c5f-4c4b-9c1e-5d0f0f2b6a11"},
    "algorithm": "ROUND_ROBIN",
    "defaultPort": 30080,
    "gracefulTimeoutPeriod": 0,
    "passiveMonitoringEnabled": true,
    "healthMonitors": [{"type": "TCP"}],
    "members": [
      {"ipAddress": "10.10.0.11", "port": 30080, "ratio": 1, "enabled": true},
      {"ipAddress": "10.10.0.12", "port": 30080, "ratio": 1, "enabled": true}
    ],
    "persistenceProfile": {"type": "CLIENT_IP"}
  })");
}

TEST(vcd_json_encode, pool_update_carries_id_and_omits_unset_optionals) {
  pool p;
  p.id = "urn:vcloud:loadBalancerPool:5b2e";
  p.name = "pool";
  p.gateway_ref = {"", gw_urn};
  p.members = {{"10.0.0.1", 0, 2, false, "UP"}};
  expect_same_json(encode_pool(p), R"({
    "id": "urn:vcloud:loadBalancerPool:5b2e", "name": "pool", "enabled": true,
    "gatewayRef": {"id": "urn:vcloud:gateway:2d7a5d1c-4c5f-4c4b-9c1e-5d0f0f2b6a11"},
    "algorithm": "ROUND_ROBIN", "defaultPort": 80, "gracefulTimeoutPeriod": 0,
    "passiveMonitoringEnabled": true, "healthMonitors": [],
    "members": [{"ipAddress": "10.0.0.1", "ratio": 2, "enabled": false}]})");
}

TEST(vcd_json_encode, virtual_service_matches_the_reference_body) {
  virtual_service vs;
  vs.name = "ingress-vs-http";
  vs.virtual_ip_address = "203.0.113.10";
  vs.gateway_ref = {"edge-1", gw_urn};
  vs.load_balancer_pool_ref = {"ingress-pool-http", "urn:vcloud:loadBalancerPool:5b2e"};
  vs.service_engine_group_ref = {"seg-shared", "urn:vcloud:serviceEngineGroup:9f0c"};
  vs.app_profile = {"System-L4-Application", "L4", true};
  vs.service_ports = {{80, 0, false, {"TCP_PROXY", "", true}}};
  vs.status = "REALIZED";
  vs.health_status = "UP";
  expect_same_json(encode_virtual_service(vs), R"({
    "name": "ingress-vs-http",
    "enabled": true,
    "virtualIpAddress": "203.0.113.10",
    "gatewayRef": {"name": "edge-1", "id": "urn:vcloud:gateway:2d7a5d1c-4c5f-4c4b-9c1e-5d0f0f2b6a11"},
    "loadBalancerPoolRef": {"name": "ingress-pool-http", "id": "urn:vcloud:loadBalancerPool:5b2e"},
    "serviceEngineGroupRef": {"name": "seg-shared", "id": "urn:vcloud:serviceEngineGroup:9f0c"},
    "applicationProfile": {"name": "System-L4-Application", "type": "L4", "systemDefined": true},
    "servicePorts": [
      {"portStart": 80, "sslEnabled": false, "tcpUdpProfile": {"type": "TCP_PROXY", "systemDefined": true}}
    ]
  })");
}

TEST(vcd_json_encode, https_virtual_service_carries_certificate_and_port_range) {
  virtual_service vs;
  vs.id = "urn:vcloud:loadBalancerVirtualService:1";
  vs.name = "vs";
  vs.virtual_ip_address = "192.168.8.2";
  vs.gateway_ref = {"", gw_urn};
  vs.load_balancer_pool_ref = {"", "urn:vcloud:loadBalancerPool:1"};
  vs.service_engine_group_ref = {"", "urn:vcloud:serviceEngineGroup:1"};
  vs.certificate_ref = {"my-cert", "urn:vcloud:certificateLibraryItem:1"};
  vs.app_profile = {"System-Secure-HTTP", "HTTPS", true};
  vs.service_ports = {{443, 445, true, {"", "", true}}};
  expect_same_json(encode_virtual_service(vs), R"({
    "id": "urn:vcloud:loadBalancerVirtualService:1", "name": "vs", "enabled": true,
    "virtualIpAddress": "192.168.8.2",
    "gatewayRef": {"id": "urn:vcloud:gateway:2d7a5d1c-4c5f-4c4b-9c1e-5d0f0f2b6a11"},
    "loadBalancerPoolRef": {"id": "urn:vcloud:loadBalancerPool:1"},
    "serviceEngineGroupRef": {"id": "urn:vcloud:serviceEngineGroup:1"},
    "certificateRef": {"name": "my-cert", "id": "urn:vcloud:certificateLibraryItem:1"},
    "applicationProfile": {"name": "System-Secure-HTTP", "type": "HTTPS", "systemDefined": true},
    "servicePorts": [{"portStart": 443, "portEnd": 445, "sslEnabled": true}]})");
}

TEST(vcd_json_encode, dnat_rule_matches_the_reference_body) {
  nat_rule r;
  r.name = "dnat-ingress-vs-http";
  r.rule_type = "DNAT";
  r.external_addresses = "203.0.113.10";
  r.internal_addresses = "192.168.8.2";
  r.dnat_external_port = "80";
  r.application_port_profile = {"appPort_dnat-ingress-vs-http",
                                "urn:vcloud:applicationPortProfile:1"};
  r.firewall_match = "MATCH_EXTERNAL_ADDRESS";
  r.priority = 0;
  expect_same_json(encode_nat_rule(r), R"({
    "name": "dnat-ingress-vs-http",
    "description": "",
    "enabled": true,
    "ruleType": "DNAT",
    "externalAddresses": "203.0.113.10",
    "internalAddresses": "192.168.8.2",
    "dnatExternalPort": "80",
    "applicationPortProfile": {"name": "appPort_dnat-ingress-vs-http", "id": "urn:vcloud:applicationPortProfile:1"},
    "logging": false,
    "firewallMatch": "MATCH_EXTERNAL_ADDRESS",
    "priority": 0
  })");
}

TEST(vcd_json_encode, nat_rule_update_carries_id_and_version) {
  nat_rule r;
  r.id = "7c1f0a3e-0000-4000-8000-000000000001";
  r.name = "dnat-x";
  r.external_addresses = "203.0.113.10";
  r.internal_addresses = "192.168.8.3";
  r.version = 4;
  expect_same_json(encode_nat_rule(r), R"({
    "id": "7c1f0a3e-0000-4000-8000-000000000001", "name": "dnat-x", "description": "",
    "enabled": true, "ruleType": "DNAT", "externalAddresses": "203.0.113.10",
    "internalAddresses": "192.168.8.3", "logging": false, "version": {"version": 4}})");
  r.rule_type = "REFLEXIVE";
  auto v = bj::parse(encode_nat_rule(r)).as_object();
  EXPECT_EQ(v.at("type"), "REFLEXIVE");
  EXPECT_FALSE(v.contains("ruleType"));
}

TEST(vcd_json_encode, app_port_profile_matches_the_reference_body) {
  app_port_profile p;
  p.name = "appPort_dnat-ingress-vs-http";
  p.description = "App Port Profile [appPort_dnat-ingress-vs-http]";
  p.scope = "TENANT";
  p.org_ref = {"org1", "urn:vcloud:org:1"};
  p.context_entity_id = "urn:vcloud:vdc:1";
  p.application_ports = {{"", "TCP", {"80"}}};
  p.usable_for_nat = true;
  p.status = "REALIZED";
  expect_same_json(encode_app_port_profile(p), R"(
    {"name": "appPort_dnat-ingress-vs-http", "description": "App Port Profile [appPort_dnat-ingress-vs-http]",
     "scope": "TENANT", "orgRef": {"name": "org1", "id": "urn:vcloud:org:1"},
     "contextEntityId": "urn:vcloud:vdc:1",
     "applicationPorts": [{"protocol": "TCP", "destinationPorts": ["80"]}]})");
}

TEST(vcd_json_encode, special_characters_are_escaped) {
  pool p;
  p.name = "a\"b\\c\n\xC3\xA9";
  p.gateway_ref = {"", gw_urn};
  auto v = bj::parse(encode_pool(p)).as_object();
  EXPECT_EQ(v.at("name").as_string(), p.name);
}

TEST(vcd_json_decode, virtual_service_summary_page_from_the_reference) {
  auto page = decode_virtual_service_summary_page(R"(
{"resultTotal": 1, "pageCount": 1, "page": 1, "pageSize": 25, "associations": [],
 "values": [{"id": "urn:vcloud:loadBalancerVirtualService:1", "name": "ingress-vs-http", "enabled": true,
   "status": "REALIZED", "healthStatus": "UP", "healthMessage": "The virtual service is up.",
   "virtualIpAddress": "203.0.113.10",
   "loadBalancerPoolRef": {"name": "ingress-pool-http", "id": "urn:vcloud:loadBalancerPool:2"},
   "gatewayRef": {"name": "edge-1", "id": "urn:vcloud:gateway:3"},
   "serviceEngineGroupRef": {"name": "seg-shared", "id": "urn:vcloud:serviceEngineGroup:4"},
   "servicePorts": [{"portStart": 80, "sslEnabled": false, "tcpUdpProfile": {"type": "TCP_PROXY", "systemDefined": true}}],
   "applicationProfileType": "L4", "transparentModeEnabled": false}]})");
  ASSERT_TRUE(page) << describe(page.error());
  EXPECT_EQ(page->page_number, 1);
  EXPECT_EQ(page->page_count, 1);
  EXPECT_EQ(page->page_size, 25);
  EXPECT_EQ(page->result_total, 1);
  ASSERT_EQ(page->values.size(), 1u);
  const auto& vs = page->values[0];
  EXPECT_EQ(vs.id, "urn:vcloud:loadBalancerVirtualService:1");
  EXPECT_EQ(vs.name, "ingress-vs-http");
  EXPECT_TRUE(vs.enabled);
  EXPECT_EQ(vs.status, "REALIZED");
  EXPECT_EQ(vs.health_status, "UP");
  EXPECT_EQ(vs.health_message, "The virtual service is up.");
  EXPECT_EQ(vs.virtual_ip_address, "203.0.113.10");
  EXPECT_EQ(vs.load_balancer_pool_ref,
            (entity_ref{"ingress-pool-http", "urn:vcloud:loadBalancerPool:2"}));
  EXPECT_EQ(vs.gateway_ref, (entity_ref{"edge-1", "urn:vcloud:gateway:3"}));
  EXPECT_EQ(vs.service_engine_group_ref,
            (entity_ref{"seg-shared", "urn:vcloud:serviceEngineGroup:4"}));
  EXPECT_TRUE(vs.certificate_ref.empty());
  ASSERT_EQ(vs.service_ports.size(), 1u);
  EXPECT_EQ(vs.service_ports[0].port_start, 80);
  EXPECT_EQ(vs.service_ports[0].port_end, 0);
  EXPECT_EQ(vs.service_ports[0].profile.type, "TCP_PROXY");
  EXPECT_EQ(vs.application_profile_type, "L4");
}

TEST(vcd_json_decode, edge_gateway_with_uplinks_ranges_and_nulls) {
  auto gw = decode_edge_gateway(R"({
    "id": "urn:vcloud:gateway:1", "name": "edge-1", "description": null, "status": "REALIZED",
    "orgVdc": {"name": "vdc1", "id": "urn:vcloud:vdc:1"}, "ownerRef": null,
    "orgRef": {"name": "org1", "id": "urn:vcloud:org:1"},
    "gatewayBacking": {"backingId": null, "gatewayType": "NSXT_BACKED", "networkProvider": {"name": "nsx", "id": "urn:x"}},
    "edgeGatewayUplinks": [
      {"uplinkId": "urn:vcloud:network:ext", "uplinkName": "ext", "connected": true, "dedicated": false,
       "subnets": {"values": [{"gateway": "203.0.113.1", "prefixLength": 24, "enabled": true,
         "primaryIp": "203.0.113.2", "totalIpCount": 12, "usedIpCount": 3,
         "ipRanges": {"values": [{"startAddress": "203.0.113.10", "endAddress": "203.0.113.20"},
                                 {"startAddress": "203.0.113.30", "endAddress": null}]}}]}},
      {"uplinkId": "urn:vcloud:network:ipspace", "subnets": null, "usingIpSpace": true}
    ], "usingIpSpace": null, "unknownFutureField": {"nested": [1, 2, {"x": null}]}})");
  ASSERT_TRUE(gw) << describe(gw.error());
  EXPECT_EQ(gw->name, "edge-1");
  EXPECT_EQ(gw->description, "");
  EXPECT_EQ(gw->owner_ref, (entity_ref{"vdc1", "urn:vcloud:vdc:1"})) << "orgVdc fills ownerRef";
  EXPECT_EQ(gw->org_ref.id, "urn:vcloud:org:1");
  EXPECT_EQ(gw->gateway_type, "NSXT_BACKED");
  ASSERT_EQ(gw->uplinks.size(), 2u);
  const auto& sub = gw->uplinks[0].subnets.at(0);
  EXPECT_EQ(sub.gateway, "203.0.113.1");
  EXPECT_EQ(sub.prefix_length, 24);
  EXPECT_EQ(sub.primary_ip, "203.0.113.2");
  EXPECT_EQ(sub.total_ip_count, 12);
  EXPECT_EQ(sub.used_ip_count, 3);
  ASSERT_EQ(sub.ip_ranges.size(), 2u);
  EXPECT_EQ(sub.ip_ranges[0], (ip_range{"203.0.113.10", "203.0.113.20"}));
  EXPECT_EQ(sub.ip_ranges[1], (ip_range{"203.0.113.30", ""}));
  EXPECT_TRUE(gw->uplinks[1].subnets.empty());
  EXPECT_TRUE(gw->using_ip_space());
}

TEST(vcd_json_decode, pool_with_members_monitors_and_persistence) {
  auto p = decode_pool(R"({"id": "urn:vcloud:loadBalancerPool:1", "name": "p", "enabled": false,
    "gatewayRef": {"name": "edge-1", "id": "urn:vcloud:gateway:1"}, "algorithm": "LEAST_CONNECTIONS",
    "defaultPort": 30080, "gracefulTimeoutPeriod": 1, "passiveMonitoringEnabled": false,
    "healthMonitors": [{"name": "m", "type": "HTTP", "systemDefined": true}],
    "persistenceProfile": {"name": "pp", "type": "HTTP_COOKIE", "value": "c"},
    "members": [{"ipAddress": "10.0.0.1", "port": 30080, "ratio": 3, "enabled": true,
                 "healthStatus": "UP", "markedDownBy": [], "detailedHealthMessage": "ok"}],
    "virtualServiceRefs": [{"name": "vs", "id": "urn:vcloud:loadBalancerVirtualService:1"}],
    "status": "REALIZED", "healthStatus": "UP", "memberCount": 1})");
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_FALSE(p->enabled);
  EXPECT_EQ(p->algorithm, "LEAST_CONNECTIONS");
  EXPECT_EQ(p->default_port, 30080);
  EXPECT_EQ(p->graceful_timeout_period, 1);
  EXPECT_FALSE(p->passive_monitoring_enabled);
  EXPECT_EQ(p->health_monitors.at(0), (health_monitor{"HTTP", "m", true}));
  EXPECT_EQ(p->persistence, (persistence_profile{"HTTP_COOKIE", "c", "pp"}));
  EXPECT_EQ(p->members.at(0), (pool_member{"10.0.0.1", 30080, 3, true, "UP"}));
  EXPECT_EQ(p->virtual_service_refs.size(), 1u);
  EXPECT_EQ(p->status, "REALIZED");
  EXPECT_EQ(p->health_status, "UP");
}

TEST(vcd_json_decode, nat_rules_read_type_and_version) {
  auto page = decode_nat_rule_page(R"({"status": null, "values": [
    {"id": "r1", "name": "dnat-a", "type": "DNAT", "externalAddresses": "203.0.113.10",
     "internalAddresses": "192.168.8.2", "dnatExternalPort": "80", "logging": false,
     "applicationPortProfile": {"name": "appPort_dnat-a", "id": "urn:vcloud:applicationPortProfile:1"},
     "firewallMatch": "MATCH_EXTERNAL_ADDRESS", "priority": 0, "version": {"version": 7}, "systemRule": false},
    {"id": "r2", "name": "snat", "ruleType": "SNAT", "type": "SNAT", "externalAddresses": "203.0.113.2",
     "internalAddresses": "10.0.0.0/24", "applicationPortProfile": null}]})");
  ASSERT_TRUE(page) << describe(page.error());
  ASSERT_EQ(page->values.size(), 2u);
  const auto& r = page->values[0];
  EXPECT_EQ(r.id, "r1");
  EXPECT_EQ(r.rule_type, "DNAT");
  EXPECT_EQ(r.dnat_external_port, "80");
  EXPECT_EQ(r.application_port_profile.id, "urn:vcloud:applicationPortProfile:1");
  EXPECT_EQ(r.firewall_match, "MATCH_EXTERNAL_ADDRESS");
  EXPECT_EQ(r.priority, 0);
  EXPECT_EQ(r.version, 7);
  EXPECT_EQ(page->values[1].rule_type, "SNAT");
  EXPECT_EQ(page->values[1].version, -1);
  EXPECT_EQ(page->page_count, 0) << "cursor pages carry no counters";
}

TEST(vcd_json_decode, seg_assignments_absent_maximum_stays_unset) {
  auto page =
    decode_seg_assignment_page(R"({"resultTotal": 2, "pageCount": 1, "page": 1, "pageSize": 128,
    "values": [
      {"id": "urn:vcloud:serviceEngineGroupAssignment:1", "gatewayRef": {"id": "urn:vcloud:gateway:1"},
       "serviceEngineGroupRef": {"name": "shared", "id": "urn:vcloud:serviceEngineGroup:1"},
       "maxVirtualServices": 89, "minVirtualServices": 20, "numDeployedVirtualServices": 5},
      {"id": "urn:vcloud:serviceEngineGroupAssignment:2", "gatewayRef": {"id": "urn:vcloud:gateway:1"},
       "serviceEngineGroupRef": {"name": "dedicated", "id": "urn:vcloud:serviceEngineGroup:2"},
       "maxVirtualServices": null, "numDeployedVirtualServices": 3}]})");
  ASSERT_TRUE(page) << describe(page.error());
  EXPECT_EQ(page->values[0].max_virtual_services, 89);
  EXPECT_EQ(page->values[0].min_virtual_services, 20);
  EXPECT_EQ(page->values[0].num_deployed_virtual_services, 5);
  EXPECT_EQ(page->values[1].max_virtual_services, -1);
  EXPECT_TRUE(page->values[1].has_capacity());
}

TEST(vcd_json_decode, other_pages_and_bodies) {
  auto used =
    decode_used_ip_page(R"({"resultTotal":1,"pageCount":1,"page":1,"pageSize":25,"values":[
    {"networkRef":{"name":"ext-net","id":"urn:vcloud:network:1"},"ipAddress":"203.0.113.10","category":"Load_Balancer"}]})");
  ASSERT_TRUE(used);
  EXPECT_EQ(used->values.at(0),
            (used_ip{"203.0.113.10", "Load_Balancer", {"ext-net", "urn:vcloud:network:1"}}));

  auto certs = decode_certificate_page(R"({"values":[{"id":"urn:vcloud:certificateLibraryItem:1",
    "alias":"my-cert","description":null,"certificate":"-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n"}]})");
  ASSERT_TRUE(certs);
  EXPECT_EQ(certs->values.at(0).alias, "my-cert");
  EXPECT_EQ(certs->values.at(0).certificate_pem,
            "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n");

  auto profiles =
    decode_app_port_profile_page(R"({"values":[{"id":"urn:vcloud:applicationPortProfile:1",
    "name":"appPort_dnat-a","scope":"TENANT","orgRef":{"name":"org1","id":"urn:vcloud:org:1"},
    "contextEntityId":null,"usableForNAT":true,"status":"REALIZED","networkProviderScope":null,
    "applicationPorts":[{"name":null,"protocol":"TCP","destinationPorts":["80","1000-1010"]}]}]})");
  ASSERT_TRUE(profiles);
  const auto& prof = profiles->values.at(0);
  EXPECT_EQ(prof.scope, "TENANT");
  EXPECT_TRUE(prof.usable_for_nat);
  EXPECT_EQ(prof.application_ports.at(0).destination_ports,
            (std::vector<std::string>{"80", "1000-1010"}));

  auto net = decode_org_vdc_network_page(R"({"values":[{"id":"urn:vcloud:network:9","name":"net-1",
    "orgVdc":{"name":"vdc1","id":"urn:vcloud:vdc:1"},"networkType":"NAT_ROUTED",
    "connection":{"routerRef":{"name":"edge-1","id":"urn:vcloud:gateway:1"},"connectionType":"INTERNAL"}}]})");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->values.at(0).router_ref, (entity_ref{"edge-1", "urn:vcloud:gateway:1"}));
  EXPECT_EQ(net->values.at(0).org_vdc.name, "vdc1");

  auto session = decode_session(R"({"id":"urn:vcloud:session:1","site":{"name":"s","id":"urn:x"},
    "user":{"name":"alice","id":"urn:vcloud:user:1"},"org":{"name":"org1","id":"urn:vcloud:org:1"},
    "location":"x","roles":["Organization Administrator"],"roleRefs":[{"name":"r","id":"urn:y"}],
    "sessionIdleTimeoutMinutes":30})");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->org, (entity_ref{"org1", "urn:vcloud:org:1"}));
  EXPECT_EQ(session->user.name, "alice");

  auto token = decode_oauth_token(
    R"({"access_token":"eyJ.abc","token_type":"Bearer","expires_in":2592000,"refresh_token":null})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->access_token, "eyJ.abc");
  EXPECT_EQ(token->expires_in, 2592000);

  auto err = decode_error_body(
    R"({"minorErrorCode":"BUSY_ENTITY","message":"[ 39 ] busy","stackTrace":"..."})");
  EXPECT_EQ(err.minor_error_code, "BUSY_ENTITY");
  EXPECT_EQ(err.message, "[ 39 ] busy");
  EXPECT_EQ(decode_error_body("<html>Bad Gateway</html>").minor_error_code, "");
  EXPECT_EQ(decode_error_body("").message, "");
}

TEST(vcd_json_decode, bad_input_is_bad_response_never_a_crash) {
  const std::vector<std::string> bad{
    "",
    "   ",
    "null",
    "[]",
    "\"x\"",
    "{",
    R"({"id": "urn:vcloud:gateway:1", "name": )",
    R"({"id": "urn:vcloud:gateway:1", "name": "edge)",
    R"({"id": 5})",
    R"({"edgeGatewayUplinks": {"not": "an array"}})",
    R"({"edgeGatewayUplinks": [{"subnets": {"values": [{"prefixLength": "24"}]}}]})",
    R"({"edgeGatewayUplinks": [{"subnets": {"values": [{"prefixLength": 99999999999}]}}]})",
    R"({"status": true})",
    "{\"name\": \"\xFF\xFE\"}",
  };
  for (const auto& body : bad) {
    auto gw = decode_edge_gateway(body);
    ASSERT_FALSE(gw) << "accepted: " << body;
    EXPECT_TRUE(has_code(gw.error(), vcd_errc::bad_response)) << body;
  }
  // Every truncation of a valid body fails cleanly.
  const std::string good =
    R"({"values":[{"id":"r1","name":"dnat-a","type":"DNAT","version":{"version":7},
    "applicationPortProfile":{"name":"p","id":"urn:x"},"priority":0}]})";
  ASSERT_TRUE(decode_nat_rule_page(good));
  for (size_t n = 0; n + 1 < good.size(); ++n) {
    auto r = decode_nat_rule_page(good.substr(0, n));
    ASSERT_FALSE(r) << "accepted a truncated body of " << n << " bytes";
    EXPECT_TRUE(has_code(r.error(), vcd_errc::bad_response));
  }
  auto wrong = decode_virtual_service(R"({"servicePorts": [{"portStart": "80"}]})");
  EXPECT_FALSE(wrong);
  auto wrong_bool = decode_pool(R"({"enabled": "yes"})");
  EXPECT_FALSE(wrong_bool);
}

} // namespace

namespace {

TEST(vcd_json_encode, firewall_rules_body_keeps_order_ids_and_versions) {
  firewall_rule existing;
  existing.id = "c9a3f8b2-0000-4000-8000-000000000001";
  existing.name = "theirs";
  existing.action_value = "REJECT";
  existing.version = 3;
  firewall_rule created;
  created.name = "vcdlb-allow";
  created.direction = "IN";
  created.ip_protocol = "IPV4";
  created.source_firewall_groups = {{"vcdlb-src", "urn:vcloud:firewallGroup:1"}};
  created.destination_firewall_groups = {{"", "urn:vcloud:firewallGroup:2"}};
  created.application_port_profiles = {{"HTTP", "urn:vcloud:applicationPortProfile:3"}};
  expect_same_json(encode_firewall_rules({existing, created}), R"({"userDefinedRules": [
    {"id": "c9a3f8b2-0000-4000-8000-000000000001", "name": "theirs", "enabled": true,
     "actionValue": "REJECT", "direction": "IN_OUT", "ipProtocol": "IPV4_IPV6",
     "logging": false, "version": {"version": 3}},
    {"name": "vcdlb-allow", "enabled": true, "actionValue": "ALLOW", "action": "ALLOW",
     "direction": "IN", "ipProtocol": "IPV4",
     "sourceFirewallGroups": [{"name": "vcdlb-src", "id": "urn:vcloud:firewallGroup:1"}],
     "destinationFirewallGroups": [{"id": "urn:vcloud:firewallGroup:2"}],
     "applicationPortProfiles": [{"name": "HTTP", "id": "urn:vcloud:applicationPortProfile:3"}],
     "logging": false}]})");
  expect_same_json(encode_firewall_rules({}), R"({"userDefinedRules": []})");
}

// Another owner's rule keeps what vcdlb does not model (the UI's comments, an appliedTo, context
// profiles) through a read and a whole-list write.
TEST(vcd_json_encode, firewall_rules_write_back_the_fields_they_do_not_model) {
  auto read = decode_firewall_rules(R"({"userDefinedRules": [
    {"id": "u1", "name": "theirs", "actionValue": "ALLOW", "version": {"version": 4},
     "comments": "ticket 42", "appliedTo": {"name": "net1", "id": "urn:vcloud:network:1"},
     "networkContextProfiles": [{"name": "DNS", "id": "urn:vcloud:networkContextProfile:7"}],
     "sourceFirewallIpAddresses": ["192.0.2.1", "192.0.2.0/24"], "logging": true,
     "loggingId": 1001, "enabled": true}]})");
  ASSERT_TRUE(read) << describe(read.error());
  const auto& rule = read->user_defined_rules.at(0);
  EXPECT_NE(rule.unmodelled.find("ticket 42"), std::string::npos);
  expect_same_json(encode_firewall_rules({rule}), R"({"userDefinedRules": [
    {"id": "u1", "name": "theirs", "enabled": true, "actionValue": "ALLOW", "action": "ALLOW",
     "direction": "IN_OUT", "ipProtocol": "IPV4_IPV6", "logging": true,
     "version": {"version": 4}, "comments": "ticket 42",
     "appliedTo": {"name": "net1", "id": "urn:vcloud:network:1"},
     "networkContextProfiles": [{"name": "DNS", "id": "urn:vcloud:networkContextProfile:7"}],
     "sourceFirewallIpAddresses": ["192.0.2.1", "192.0.2.0/24"], "loggingId": 1001}]})");
}

TEST(vcd_json_encode, ip_set_body) {
  ip_set s;
  s.name = "vcdlb-src";
  s.owner_ref = {"edge-1", gw_urn};
  s.ip_addresses = {"198.51.100.0/24"};
  s.status = "REALIZED"; // read-only: never sent
  expect_same_json(encode_ip_set(s), R"({"name": "vcdlb-src", "typeValue": "IP_SET",
    "ownerRef": {"name": "edge-1", "id": ")"
                                       + gw_urn + R"("},
    "ipAddresses": ["198.51.100.0/24"]})");
}

TEST(vcd_json_decode, firewall_rules_lists_action_fallback_and_versions) {
  auto r = decode_firewall_rules(R"({
    "systemRules": [{"id": "s1", "name": "sys", "actionValue": "ALLOW"}],
    "userDefinedRules": [
      {"id": "u1", "name": "old-server", "action": "DROP", "version": {"version": 7},
       "sourceFirewallGroups": null, "destinationFirewallGroups": [{"name": "d", "id": "g2"}]},
      {"id": "u2", "name": "new-server", "action": "ALLOW", "actionValue": "REJECT",
       "direction": "IN", "ipProtocol": "IPV4", "enabled": false, "comments": "kept"}],
    "defaultRules": [{"id": "d1", "name": "default", "actionValue": "DROP"}],
    "status": "REALIZED"})");
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->user_defined_rules.size(), 2u);
  EXPECT_EQ(r->system_rules.at(0).name, "sys");
  EXPECT_EQ(r->default_rules.at(0).action_value, "DROP");
  const auto& a = r->user_defined_rules[0];
  EXPECT_EQ(a.action_value, "DROP");
  EXPECT_EQ(a.version, 7);
  EXPECT_TRUE(a.source_firewall_groups.empty());
  EXPECT_EQ(a.destination_firewall_groups.at(0).id, "g2");
  const auto& b = r->user_defined_rules[1];
  EXPECT_EQ(b.action_value, "REJECT");
  EXPECT_EQ(b.direction, "IN");
  EXPECT_FALSE(b.enabled);
  EXPECT_EQ(b.version, -1);
  EXPECT_EQ(b.unmodelled, R"({"comments":"kept"})");
  EXPECT_FALSE(decode_firewall_rules(R"({"userDefinedRules": [{"name": 5}]})"));
}

TEST(vcd_json_decode, ip_sets_read_the_deprecated_owner_spelling) {
  auto page = decode_ip_set_page(R"({"resultTotal": 2, "pageCount": 1, "page": 1, "values": [
    {"id": "urn:vcloud:firewallGroup:1", "name": "a", "ownerRef": {"id": "gw1"}, "typeValue": "IP_SET"},
    {"id": "urn:vcloud:firewallGroup:2", "name": "b", "edgeGatewayRef": {"id": "gw2"}}]})");
  ASSERT_TRUE(page) << describe(page.error());
  ASSERT_EQ(page->values.size(), 2u);
  EXPECT_EQ(page->values[0].owner_ref.id, "gw1");
  EXPECT_EQ(page->values[1].owner_ref.id, "gw2");
  auto one = decode_ip_set(R"({"id": "x", "name": "n", "ipAddresses": ["10.0.0.1", "10.0.0.0/8"],
    "status": "REALIZED"})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->ip_addresses.size(), 2u);
  EXPECT_EQ(one->status, "REALIZED");
}

} // namespace

namespace {

TEST(vcd_json_transparent, a_group_pool_sends_its_group_and_no_members) {
  pool p;
  p.name = "ingress-pool-t";
  p.gateway_ref = {"", gw_urn};
  p.members = {{"10.0.0.1", 30080, 1, true, ""}}; // ignored: the group wins
  p.member_group_ref = {"ingress-members-t", "urn:vcloud:firewallGroup:1"};
  auto v = bj::parse(encode_pool(p)).as_object();
  EXPECT_FALSE(v.contains("members"));
  EXPECT_EQ(v.at("memberGroupRef").at("id").as_string(), "urn:vcloud:firewallGroup:1");
  p.member_group_ref = {};
  v = bj::parse(encode_pool(p)).as_object();
  EXPECT_FALSE(v.contains("memberGroupRef"));
  EXPECT_EQ(v.at("members").as_array().size(), 1u);
}

TEST(vcd_json_transparent, transparent_mode_is_sent_when_on_or_when_the_version_knows_it) {
  virtual_service vs;
  vs.name = "vs";
  EXPECT_FALSE(
    bj::parse(encode_virtual_service(vs)).as_object().contains("transparentModeEnabled"));
  auto with_field = bj::parse(encode_virtual_service(vs, true)).as_object();
  EXPECT_EQ(with_field.at("transparentModeEnabled"), bj::value(false));
  vs.transparent_mode_enabled = true;
  EXPECT_EQ(bj::parse(encode_virtual_service(vs)).as_object().at("transparentModeEnabled"),
            bj::value(true));
}

TEST(vcd_json_transparent, reads_settings_ha_mode_group_and_flag) {
  auto s = decode_alb_settings(R"({"enabled": true, "serviceNetworkDefinition": "192.168.255.1/25",
    "supportedFeatureSet": "PREMIUM", "transparentModeEnabled": true, "licenseType": null})");
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_TRUE(s->enabled);
  EXPECT_TRUE(s->transparent_mode_enabled);
  EXPECT_EQ(s->supported_feature_set, "PREMIUM");
  EXPECT_EQ(s->service_network_definition, "192.168.255.1/25");
  auto old = decode_alb_settings(R"({"enabled": true, "licenseType": "BASIC"})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->transparent_mode_enabled);
  EXPECT_FALSE(decode_alb_settings(R"({"enabled": "yes"})"));

  auto segs = decode_seg_assignment_page(R"({"resultTotal": 1, "pageCount": 1, "page": 1,
    "pageSize": 25, "values": [{"id": "urn:vcloud:serviceEngineGroupAssignment:1",
    "serviceEngineGroupRef": {"name": "seg", "id": "urn:vcloud:serviceEngineGroup:1"},
    "serviceEngineGroupHaMode": "LEGACY_ACTIVE_STANDBY"}]})");
  ASSERT_TRUE(segs) << describe(segs.error());
  EXPECT_EQ(segs->values.at(0).service_engine_group_ha_mode, "LEGACY_ACTIVE_STANDBY");

  auto p = decode_pool(R"({"id": "urn:vcloud:loadBalancerPool:1", "name": "p",
    "memberGroupRef": {"name": "m", "id": "urn:vcloud:firewallGroup:1"}, "members": null})");
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->member_group_ref.id, "urn:vcloud:firewallGroup:1");
  EXPECT_TRUE(p->members.empty());

  auto vs = decode_virtual_service(R"({"id": "v", "transparentModeEnabled": true})");
  ASSERT_TRUE(vs);
  EXPECT_TRUE(vs->transparent_mode_enabled);
}

} // namespace
