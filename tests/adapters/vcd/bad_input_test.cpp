// Bad VCD answers, systematically (the seeded mutations of decode_mutation_test.cpp cover random
// edits): every truncation of every reference-shaped body, wrong JSON types field by field,
// invalid UTF-8, trailing garbage, deep nesting and oversized values become
// vcd_errc::bad_response values that say what could not be decoded -- never a crash.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/vcd/detail/json.hpp"
#include "adapters/vcd/detail/xml.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd::detail;

using decoder = std::function<caf::error(std::string_view)>;

template <class F>
decoder wrap(F f) {
  return [f](std::string_view body) -> caf::error {
    auto r = f(body);
    return r ? caf::error{} : r.error();
  };
}

struct sample {
  const char* name;
  decoder decode;
  std::string body; ///< valid; no trailing whitespace
};

const std::vector<sample>& samples() {
  static const std::
    vector<sample>
      all{
        {"virtual service page", wrap(decode_virtual_service_summary_page),
         R"({"resultTotal":1,"pageCount":1,"page":1,"pageSize":25,"values":[{"id":"urn:vcloud:loadBalancerVirtualService:1","name":"vs","enabled":true,"virtualIpAddress":"203.0.113.10","loadBalancerPoolRef":{"name":"p","id":"urn:vcloud:loadBalancerPool:2"},"gatewayRef":{"name":"edge-1","id":"urn:vcloud:gateway:3"},"servicePorts":[{"portStart":80,"sslEnabled":false}],"applicationProfileType":"L4"}]})"},
        {"virtual service", wrap(decode_virtual_service),
         R"({"id":"urn:vcloud:loadBalancerVirtualService:1","name":"vs","enabled":true,"virtualIpAddress":"203.0.113.10","loadBalancerPoolRef":{"name":"p","id":"urn:vcloud:loadBalancerPool:2"},"servicePorts":[{"portStart":443,"portEnd":443,"sslEnabled":true,"tcpUdpProfile":{"type":"TCP_PROXY","systemDefined":true}}],"applicationProfile":{"type":"HTTPS","systemDefined":true}})"},
        {"edge gateway", wrap(decode_edge_gateway),
         R"({"id":"urn:vcloud:gateway:1","name":"edge-1","ownerRef":{"name":"vdc1","id":"urn:vcloud:vdc:1"},"edgeGatewayUplinks":[{"uplinkId":"urn:vcloud:network:ext","subnets":{"values":[{"gateway":"203.0.113.1","prefixLength":24,"ipRanges":{"values":[{"startAddress":"203.0.113.10","endAddress":"203.0.113.20"}]}}]}}]})"},
        {"pool", wrap(decode_pool),
         R"({"id":"urn:vcloud:loadBalancerPool:1","name":"p","enabled":true,"gatewayRef":{"id":"urn:vcloud:gateway:1"},"defaultPort":30080,"healthMonitors":[{"type":"TCP"}],"members":[{"ipAddress":"10.0.0.1","port":30080,"ratio":1,"enabled":true}]})"},
        {"NAT rule page", wrap(decode_nat_rule_page),
         R"({"values":[{"id":"r1","name":"dnat-a","type":"DNAT","externalAddresses":"203.0.113.10","internalAddresses":"192.168.8.2","dnatExternalPort":"80","applicationPortProfile":{"name":"p","id":"urn:x"},"version":{"version":7}}]})"},
        {"app port profile page", wrap(decode_app_port_profile_page),
         R"({"values":[{"id":"urn:vcloud:applicationPortProfile:1","name":"a","scope":"TENANT","applicationPorts":[{"protocol":"TCP","destinationPorts":["80","1000-1010"]}]}]})"},
        {"SEG assignment page", wrap(decode_seg_assignment_page),
         R"({"values":[{"id":"urn:vcloud:serviceEngineGroupAssignment:1","gatewayRef":{"id":"g"},"serviceEngineGroupRef":{"id":"s"},"maxVirtualServices":89,"numDeployedVirtualServices":5}]})"},
        {"firewall rules", wrap(decode_firewall_rules), R"({"systemRules":[],"userDefinedRules":[{"id":"u1","name":"allow","actionValue":"ALLOW","direction":"IN","sourceFirewallGroups":[{"name":"s","id":"urn:vcloud:firewallGroup:1"}],"version":{"version":3}}],"defaultRules":[]})"},
        {"IP set", wrap(decode_ip_set),
         R"({"id":"urn:vcloud:firewallGroup:1","name":"s","ownerRef":{"id":"urn:vcloud:gateway:1"},"ipAddresses":["198.51.100.0/24","10.0.0.1-10.0.0.9"]})"},
        {"OAuth token", wrap(decode_oauth_token),
         R"({"access_token":"eyJ","token_type":"Bearer","expires_in":3600})"},
        {"session", wrap(decode_session),
         R"({"id":"urn:vcloud:session:1","org":{"name":"org1","id":"urn:vcloud:org:1"},"user":{"name":"u","id":"urn:vcloud:user:1"}})"},
        {"task", wrap(decode_task),
         R"(<Task xmlns="v" href="https://h/api/task/1" id="urn:vcloud:task:1" status="error" operation="op &amp; x"><Owner id="urn:vcloud:loadBalancerPool:5" name="p"/><Error majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="m"/></Task>)"},
        {"versions", wrap(decode_versions),
         R"(<SupportedVersions xmlns="v"><VersionInfo deprecated="false"><Version>37.2</Version></VersionInfo></SupportedVersions>)"},
      };
  return all;
}

const sample& by_name(std::string_view name) {
  for (const auto& s : samples())
    if (name == s.name)
      return s;
  throw std::logic_error{"no sample " + std::string{name}};
}

void expect_bad_response(const sample& s, std::string_view body, std::string_view why) {
  auto err = s.decode(body);
  ASSERT_TRUE(err) << s.name << " accepted (" << why << "): " << body.substr(0, 300);
  EXPECT_TRUE(has_code(err, vcd_errc::bad_response)) << s.name << ": " << describe(err);
  EXPECT_FALSE(error_detail(err).empty()) << s.name << ": an error without a message";
}

TEST(vcd_bad_input, samples_are_valid) {
  for (const auto& s : samples()) {
    auto err = s.decode(s.body);
    EXPECT_FALSE(err) << s.name << ": " << describe(err);
  }
}

TEST(vcd_bad_input, every_truncation_of_every_body_is_bad_response) {
  for (const auto& s : samples())
    for (size_t n = 0; n < s.body.size(); ++n)
      expect_bad_response(s, std::string_view{s.body}.substr(0, n),
                          "truncated to " + std::to_string(n) + " bytes");
}

TEST(vcd_bad_input, wrong_json_types_are_bad_response) {
  struct bad_case {
    const char* sample;
    const char* body;
  };
  const std::vector<bad_case> cases{
    {"virtual service page", R"({"values":{"id":"x"}})"},
    {"virtual service page", R"({"values":["x"]})"},
    {"virtual service page", R"({"pageCount":"1"})"},
    {"virtual service page", R"({"resultTotal":1.5})"},
    {"virtual service page", R"({"values":[{"virtualIpAddress":["203.0.113.10"]}]})"},
    {"virtual service", R"({"id":5})"},
    {"virtual service", R"({"enabled":"true"})"},
    {"virtual service", R"({"servicePorts":{"portStart":80}})"},
    {"virtual service", R"({"servicePorts":[{"portStart":"80"}]})"},
    {"virtual service", R"({"servicePorts":[{"portStart":4294967296}]})"},
    {"virtual service", R"({"servicePorts":[{"sslEnabled":1}]})"},
    {"virtual service", R"({"loadBalancerPoolRef":"urn:vcloud:loadBalancerPool:2"})"},
    {"virtual service", R"({"applicationProfile":["HTTP"]})"},
    {"edge gateway", R"({"name":{"first":"edge"}})"},
    {"edge gateway", R"({"edgeGatewayUplinks":{"uplinkId":"x"}})"},
    {"edge gateway", R"({"edgeGatewayUplinks":[{"subnets":[]}]})"},
    {"edge gateway", R"({"edgeGatewayUplinks":[{"subnets":{"values":[{"prefixLength":"24"}]}}]})"},
    {"edge gateway",
     R"({"edgeGatewayUplinks":[{"subnets":{"values":[{"ipRanges":{"values":[{"startAddress":1}]}}]}}]})"},
    {"pool", R"({"defaultPort":"30080"})"},
    {"pool", R"({"members":{"ipAddress":"10.0.0.1"}})"},
    {"pool", R"({"members":[{"port":"30080"}]})"},
    {"pool", R"({"members":[{"enabled":"yes"}]})"},
    {"pool", R"({"healthMonitors":"TCP"})"},
    {"pool", R"({"enabled":0})"},
    {"NAT rule page", R"({"values":[{"version":7}]})"},
    {"NAT rule page", R"({"values":[{"version":{"version":"7"}}]})"},
    {"NAT rule page", R"({"values":[{"applicationPortProfile":"p"}]})"},
    {"NAT rule page", R"({"values":[{"name":null,"type":3}]})"},
    {"app port profile page", R"({"values":[{"applicationPorts":{"protocol":"TCP"}}]})"},
    {"app port profile page", R"({"values":[{"applicationPorts":[{"destinationPorts":"80"}]}]})"},
    {"app port profile page", R"({"values":[{"applicationPorts":[{"destinationPorts":[80]}]}]})"},
    {"SEG assignment page", R"({"values":[{"maxVirtualServices":"89"}]})"},
    {"SEG assignment page", R"({"values":[{"gatewayRef":["g"]}]})"},
    {"firewall rules", R"({"userDefinedRules":{"name":"a"}})"},
    {"firewall rules", R"({"userDefinedRules":[{"version":{"version":"3"}}]})"},
    {"firewall rules", R"({"userDefinedRules":[{"sourceFirewallGroups":"g"}]})"},
    {"firewall rules", R"({"userDefinedRules":[{"enabled":"true"}]})"},
    {"firewall rules", R"({"systemRules":[{"actionValue":1}]})"},
    {"IP set", R"({"ipAddresses":"198.51.100.0/24"})"},
    {"IP set", R"({"ipAddresses":[1]})"},
    {"IP set", R"({"ownerRef":"urn:vcloud:gateway:1"})"},
    {"OAuth token", R"({"access_token":42})"},
    {"OAuth token", R"({"expires_in":"3600"})"},
    {"OAuth token", R"({"expires_in":1e400})"},
    {"session", R"({"org":"org1"})"},
    {"session", R"({"user":{"name":7}})"},
  };
  for (const auto& c : cases)
    expect_bad_response(by_name(c.sample), c.body, "wrong type");
}

TEST(vcd_bad_input, bad_xml_tasks_and_versions_are_bad_response) {
  for (std::string_view body :
       {R"(<Task status="running"><Owner id="x"></Task>)", R"(<Task status="running">)",
        R"(<Task status="running" id='a"/>)", R"(<Task status="running" id="a" id2=b/>)",
        R"(<NotATask status="running"/>)", R"(<Task status="running"/><Task status="error"/>)", "<",
        "<Task", "", "<?xml version=\"1.0\"?>"}) {
    expect_bad_response(by_name("task"), body, "bad task XML");
  }
  // (A tolerant scanner: mismatched inner tags and unknown entities are not errors.)
  for (std::string_view body :
       {R"(<SupportedVersions><VersionInfo><Version>37.2</Version>)",
        R"(<SupportedVersions><VersionInfo><Version>37.2</Version></VersionInfo>)",
        R"({"versions":["37.2"]})", "<SupportedVersions"}) {
    expect_bad_response(by_name("versions"), body, "bad versions XML");
  }
  // References to characters XML forbids stay literal: no NUL byte or surrogate in a value.
  for (std::string_view ref : {"&#0;", "&#x1;", "&#xD800;", "&#x110000;", "&#99999999999;"}) {
    auto t = decode_task(R"(<Task status="running" id="a)" + std::string{ref} + R"("/>)");
    ASSERT_TRUE(t) << ref << ": " << describe(t.error());
    EXPECT_EQ(t->id, "a" + std::string{ref});
  }
  auto ok = decode_task(R"(<?xml version="1.0"?><!-- c --><Task status="running" id="&#x41;"/>)");
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(ok->id, "A");
}

TEST(vcd_bad_input, invalid_utf8_in_strings_and_keys_is_bad_response) {
  const std::vector<std::string> bad_sequences{"\x80",     "\xC0\xAF",         "\xED\xA0\x80",
                                               "\xE2\x82", "\xF4\x90\x80\x80", "\xFE"};
  for (const auto& s : samples()) {
    if (s.body.front() != '{')
      continue; // XML: below
    auto pos = s.body.find(":\"");
    ASSERT_NE(pos, std::string::npos) << s.name;
    for (const auto& seq : bad_sequences) {
      auto in_value = s.body;
      in_value.insert(pos + 2, seq);
      expect_bad_response(s, in_value, "invalid UTF-8 in a value");
      auto in_key = s.body;
      in_key.insert(2, seq);
      expect_bad_response(s, in_key, "invalid UTF-8 in a key");
    }
  }
}

TEST(vcd_bad_input, trailing_garbage_and_wrong_roots_are_bad_response) {
  for (const auto& s : samples()) {
    if (s.body.front() != '{')
      continue;
    for (std::string tail : {" x", "}", "]", ",{}", "{}", " null", "\"", " <html>"})
      expect_bad_response(s, s.body + tail, "trailing '" + tail + "'");
    for (std::string root : {"", " ", "null", "[]", "[{}]", "\"x\"", "42", "true", "<html>"})
      expect_bad_response(s, root, "root '" + root + "'");
  }
}

TEST(vcd_bad_input, deep_and_oversized_bodies_fail_cleanly_or_decode) {
  // 100000 nested arrays in an unknown field: an error or a skip, never a stack overflow.
  std::string deep =
    R"({"id":"a","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  for (const auto& s : samples()) {
    if (s.body.front() != '{')
      continue;
    auto err = s.decode(deep);
    if (err) {
      EXPECT_TRUE(has_code(err, vcd_errc::bad_response)) << s.name << ": " << describe(err);
    }
  }
  std::string deep_xml = "<Task status=\"running\">";
  for (int i = 0; i < 100000; ++i)
    deep_xml += "<a>";
  auto task = decode_task(deep_xml);
  ASSERT_FALSE(task);
  EXPECT_TRUE(has_code(task.error(), vcd_errc::bad_response)) << describe(task.error());
  // A 4 MiB name decodes intact; the same body cut inside the string does not.
  const std::string big(size_t{4} << 20, 'n');
  const std::string body = R"({"id":"urn:vcloud:loadBalancerPool:1","name":")" + big + "\"}";
  auto p = decode_pool(body);
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->name.size(), big.size());
  expect_bad_response(by_name("pool"), std::string_view{body}.substr(0, body.size() - 2),
                      "unterminated 4 MiB string");
}

TEST(vcd_bad_input, error_bodies_of_any_shape_never_throw) {
  // decode_error_body is best effort (a proxy's HTML page has no VCD error): never an exception,
  // empty fields when nothing can be read.
  for (std::string body : {std::string{}, std::string{"<html>502</html>"}, std::string{"{"},
                           std::string{"{\"message\":\"\xFF\"}"},
                           std::string{"{\"minorErrorCode\":5}"}, std::string(1 << 20, '{')}) {
    auto e = decode_error_body(body);
    EXPECT_EQ(e.minor_error_code, "") << body.substr(0, 40);
    EXPECT_EQ(e.message, "") << body.substr(0, 40);
  }
}

} // namespace
