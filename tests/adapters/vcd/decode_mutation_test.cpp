// Seeded mutation test of every decoder that reads VCD's answers: flipped, dropped and
// inserted bytes and truncations of reference-shaped bodies either decode or fail with
// vcd_errc::bad_response -- never a crash, an exception or another error (run under ASan/UBSan
// in the sanitizer build).

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/vcd/detail/json.hpp"
#include "adapters/vcd/detail/xml.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd::detail;

const std::vector<std::string> bodies{
  R"({"resultTotal":1,"pageCount":1,"page":1,"pageSize":25,"associations":[],"values":[{"id":"urn:vcloud:loadBalancerVirtualService:1","name":"ingress-vs-http","enabled":true,"status":"REALIZED","healthStatus":"UP","virtualIpAddress":"203.0.113.10","loadBalancerPoolRef":{"name":"p","id":"urn:vcloud:loadBalancerPool:2"},"gatewayRef":{"name":"edge-1","id":"urn:vcloud:gateway:3"},"serviceEngineGroupRef":{"name":"seg","id":"urn:vcloud:serviceEngineGroup:4"},"servicePorts":[{"portStart":80,"sslEnabled":false,"tcpUdpProfile":{"type":"TCP_PROXY","systemDefined":true}}],"applicationProfileType":"L4"}]})",
  R"({"id":"urn:vcloud:gateway:1","name":"edge-1","status":"REALIZED","ownerRef":{"name":"vdc1","id":"urn:vcloud:vdc:1"},"edgeGatewayUplinks":[{"uplinkId":"urn:vcloud:network:ext","subnets":{"values":[{"gateway":"203.0.113.1","prefixLength":24,"primaryIp":"203.0.113.2","ipRanges":{"values":[{"startAddress":"203.0.113.10","endAddress":"203.0.113.20"}]}}]},"usingIpSpace":false}],"gatewayBacking":{"gatewayType":"NSXT_BACKED"}})",
  R"({"id":"urn:vcloud:loadBalancerPool:1","name":"p","enabled":true,"gatewayRef":{"id":"urn:vcloud:gateway:1"},"algorithm":"ROUND_ROBIN","defaultPort":30080,"gracefulTimeoutPeriod":0,"healthMonitors":[{"type":"TCP"}],"members":[{"ipAddress":"10.0.0.1","port":30080,"ratio":1,"enabled":true}],"persistenceProfile":{"type":"CLIENT_IP"}})",
  R"({"values":[{"id":"r1","name":"dnat-a","type":"DNAT","externalAddresses":"203.0.113.10","internalAddresses":"192.168.8.2","dnatExternalPort":"80","applicationPortProfile":{"name":"p","id":"urn:x"},"version":{"version":7}}]})",
  R"({"values":[{"id":"urn:vcloud:applicationPortProfile:1","name":"a","scope":"TENANT","orgRef":{"name":"org1","id":"urn:vcloud:org:1"},"applicationPorts":[{"protocol":"TCP","destinationPorts":["80","1000-1010"]}]}]})",
  R"({"values":[{"id":"urn:vcloud:serviceEngineGroupAssignment:1","gatewayRef":{"id":"g"},"serviceEngineGroupRef":{"id":"s"},"maxVirtualServices":89,"numDeployedVirtualServices":5}]})",
  R"({"access_token":"eyJ","token_type":"Bearer","expires_in":3600})",
  R"({"id":"urn:vcloud:session:1","org":{"name":"org1","id":"urn:vcloud:org:1"},"user":{"name":"u","id":"urn:vcloud:user:1"}})",
  R"({"systemRules":[],"userDefinedRules":[{"id":"u1","name":"allow","action":"ALLOW","actionValue":"ALLOW","direction":"IN","ipProtocol":"IPV4","sourceFirewallGroups":[{"name":"s","id":"urn:vcloud:firewallGroup:1"}],"version":{"version":3}}],"defaultRules":[],"status":"REALIZED"})",
  R"({"resultTotal":1,"values":[{"id":"urn:vcloud:firewallGroup:1","name":"s","ownerRef":{"id":"urn:vcloud:gateway:1"},"ipAddresses":["198.51.100.0/24"]}]})",
};

const std::vector<std::string> xml_bodies{
  R"(<?xml version="1.0"?><SupportedVersions xmlns="v"><VersionInfo deprecated="false"><Version>37.2</Version></VersionInfo><!-- c --></SupportedVersions>)",
  R"(<Task xmlns="v" href="https://h/api/task/1" id="urn:vcloud:task:1" status="error" operation="op &amp; &#233;"><Owner id="urn:vcloud:loadBalancerPool:5" name="p"/><Error majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="m &lt;x&gt;"/><Progress>100</Progress></Task>)",
};

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 4);
  std::uniform_int_distribution<int> byte(0, 255);
  const char specials[] = "{}[]\":,\\ntfu0-<>&;/=' ";
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    size_t pos = rng() % s.size();
    switch (kind(rng)) {
    case 0:
      s[pos] = static_cast<char>(byte(rng));
      break;
    case 1:
      s.erase(pos, 1 + rng() % 8);
      break;
    case 2:
      s.insert(pos, 1, specials[rng() % (sizeof(specials) - 1)]);
      break;
    case 3:
      s.resize(pos);
      break;
    default:
      s.insert(pos, s.substr(rng() % s.size(), rng() % 16));
      break;
    }
  }
  return s;
}

template <class F>
void expect_clean(F&& decode, const std::string& input) {
  auto r = decode(input);
  if (!r) {
    EXPECT_TRUE(has_code(r.error(), vcd_errc::bad_response)) << input;
  }
}

TEST(vcd_decode_mutations, json_decoders_never_crash) {
  std::mt19937 rng{20261126};
  for (int round = 0; round < 400; ++round) {
    for (const auto& body : bodies) {
      auto input = mutate(body, rng);
      expect_clean(decode_virtual_service_summary_page, input);
      expect_clean(decode_virtual_service, input);
      expect_clean(decode_edge_gateway, input);
      expect_clean(decode_pool, input);
      expect_clean(decode_pool_summary_page, input);
      expect_clean(decode_nat_rule_page, input);
      expect_clean(decode_nat_rule, input);
      expect_clean(decode_app_port_profile_page, input);
      expect_clean(decode_seg_assignment_page, input);
      expect_clean(decode_used_ip_page, input);
      expect_clean(decode_certificate_page, input);
      expect_clean(decode_org_vdc_network_page, input);
      expect_clean(decode_entity_ref_page, input);
      expect_clean(decode_oauth_token, input);
      expect_clean(decode_session, input);
      expect_clean(decode_firewall_rules, input);
      expect_clean(decode_ip_set_page, input);
      expect_clean(decode_ip_set, input);
      (void)decode_error_body(input);
    }
  }
}

TEST(vcd_decode_mutations, xml_decoders_never_crash) {
  std::mt19937 rng{4242};
  for (int round = 0; round < 2000; ++round) {
    for (const auto& body : xml_bodies) {
      auto input = mutate(body, rng);
      expect_clean(decode_versions, input);
      expect_clean(decode_task, input);
    }
  }
}

} // namespace
