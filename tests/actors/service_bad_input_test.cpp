// Bad Services from the API: invalid or duplicate ports, out-of-range numbers, huge or unicode
// annotation values, names at Kubernetes' length limits, conflicting sharing requests. From the
// API object (adapters/kube: decode + convert) through plan_ports and desired_objects, each is
// either a clear lb_errc error naming what is wrong (with a bounded message) or valid objects
// whose names fit VCD's 128-character limit -- never a crash.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/ip_pool.hpp"
#include "actors/naming.hpp"
#include "adapters/kube/convert.hpp"
#include "adapters/kube/detail/decode.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using config::lb_mode;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:5d2e7f3a";
constexpr size_t max_message = 512;
const std::string one_mib(size_t{1} << 20, 'x');

engine_settings settings(lb_mode mode = lb_mode::c) {
  engine_settings s;
  s.mode = mode;
  s.cluster_id = cid;
  s.cert_alias = "cluster-cert";
  return s;
}

service_spec valid_service() {
  service_spec svc;
  svc.key = {"shop", "web"};
  svc.type = service_type::load_balancer;
  svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}, {"dns", ip_protocol::udp, 53, 30053, ""}};
  return svc;
}

struct bad_service {
  const char* what;
  std::function<void(service_spec&)> edit;
  const char* message_names; ///< a part of the error message that says what is wrong
};

const std::vector<bad_service>& bad_services() {
  static const std::vector<bad_service> all{
    {"no ports", [](service_spec& s) { s.ports.clear(); }, "no ports"},
    {"port 0", [](service_spec& s) { s.ports[0].port = 0; }, "port must be 1-65535"},
    {"port 65536", [](service_spec& s) { s.ports[0].port = 65536; }, "port must be 1-65535"},
    {"negative port", [](service_spec& s) { s.ports[1].port = -53; }, "port must be 1-65535"},
    {"nodePort 0 (not allocated)", [](service_spec& s) { s.ports[0].node_port = 0; },
     "has no nodePort"},
    {"nodePort 65536", [](service_spec& s) { s.ports[0].node_port = 65536; },
     "nodePort must be 1-65535"},
    {"nodePort negative", [](service_spec& s) { s.ports[0].node_port = -1; },
     "nodePort must be 1-65535"},
    {"duplicate protocol and port",
     [](service_spec& s) {
       s.ports.push_back({"http2", ip_protocol::tcp, 80, 30081, ""});
     },
     "80/TCP (http2) is listed twice"},
    {"duplicate port name",
     [](service_spec& s) {
       s.ports.push_back({"http", ip_protocol::tcp, 81, 30081, ""});
     },
     "port name 'http' is used twice"},
    {"upper-case port name", [](service_spec& s) { s.ports[0].name = "HTTP"; },
     "'HTTP' is not a valid port name"},
    {"port name with a leading dash", [](service_spec& s) { s.ports[0].name = "-http"; },
     "is not a valid port name"},
    {"port name of 64 characters", [](service_spec& s) { s.ports[0].name = std::string(64, 'a'); },
     "is not a valid port name"},
    {"unicode port name", [](service_spec& s) { s.ports[0].name = "h\xC3\xA9llo"; },
     "is not a valid port name"},
    {"1 MiB port name", [](service_spec& s) { s.ports[0].name = one_mib; },
     "is not a valid port name"},
    {"SCTP", [](service_spec& s) { s.ports[0].protocol = ip_protocol::sctp; }, "SCTP"},
    {"loadBalancerIP not IPv4", [](service_spec& s) { s.load_balancer_ip = "203.0.113.300"; },
     "spec.loadBalancerIP '203.0.113.300' is not an IPv4 address"},
    {"loadBalancerIP IPv6", [](service_spec& s) { s.load_balancer_ip = "2001:db8::1"; },
     "is not an IPv4 address"},
    {"1 MiB loadBalancerIP", [](service_spec& s) { s.load_balancer_ip = one_mib; },
     "is not an IPv4 address"},
    {"ssl-ports not a number", [](service_spec& s) { s.annotations.ssl_ports = "https"; },
     "'https' is not a port number"},
    {"ssl-ports 0", [](service_spec& s) { s.annotations.ssl_ports = "0"; },
     "'0' is not a port number"},
    {"ssl-ports 65536", [](service_spec& s) { s.annotations.ssl_ports = "443,65536"; },
     "'65536' is not a port number"},
    {"ssl-ports empty item", [](service_spec& s) { s.annotations.ssl_ports = "443,,8443"; },
     "'' is not a port number"},
    {"ssl-ports arabic-indic digits",
     [](service_spec& s) { s.annotations.ssl_ports = "\xD9\xA4\xD9\xA4\xD9\xA3"; },
     "is not a port number"},
    {"ssl-ports 1 MiB", [](service_spec& s) { s.annotations.ssl_ports = one_mib; },
     "is not a port number"},
    {"ssl-ports on a UDP port", [](service_spec& s) { s.annotations.ssl_ports = "53"; },
     "is UDP and cannot terminate SSL"},
  };
  return all;
}

TEST(service_bad_input, the_valid_service_plans) {
  auto p = plan_ports(valid_service(), settings());
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->ports.size(), 2u);
}

TEST(service_bad_input, each_bad_spec_is_invalid_service_with_a_bounded_clear_message) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    for (const auto& c : bad_services()) {
      auto svc = valid_service();
      c.edit(svc);
      auto p = plan_ports(svc, settings(mode));
      ASSERT_FALSE(p) << c.what << " was accepted";
      EXPECT_TRUE(has_code(p.error(), lb_errc::invalid_service)) << c.what;
      const auto msg = error_detail(p.error());
      EXPECT_NE(msg.find(c.message_names), std::string::npos)
        << c.what << ": the message does not say what is wrong: " << msg;
      EXPECT_LE(msg.size(), max_message) << c.what << ": message of " << msg.size() << " bytes";
    }
  }
}

TEST(service_bad_input, ssl_without_any_certificate_alias_is_invalid) {
  auto svc = valid_service();
  svc.annotations.ssl_ports = "80";
  auto s = settings();
  s.cert_alias.clear();
  auto p = plan_ports(svc, s);
  ASSERT_FALSE(p);
  EXPECT_TRUE(has_code(p.error(), lb_errc::invalid_service));
  EXPECT_NE(error_detail(p.error()).find("certificate alias"), std::string::npos);
}

TEST(service_bad_input, huge_and_unicode_values_that_are_not_checked_still_plan) {
  // The sharing key and the certificate alias are opaque: carried, never interpreted.
  auto svc = valid_service();
  svc.annotations.sharing_key = one_mib;
  svc.annotations.ssl_cert_alias = "z\xC3\xBC"
                                   "rich-\xF0\x9F\x94\x92";
  svc.annotations.ssl_ports = " 80 ";
  auto p = plan_ports(svc, settings());
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->sharing_key.size(), one_mib.size());
  EXPECT_EQ(p->cert_alias, svc.annotations.ssl_cert_alias);
  EXPECT_TRUE(p->ports[0].ssl);
  // A 1 MiB list of valid ports parses in one pass.
  std::string many;
  for (int i = 0; i < 200000; ++i)
    many += i % 2 ? "80," : " 80 ,";
  many += "80";
  svc.annotations.ssl_ports = many;
  p = plan_ports(svc, settings());
  ASSERT_TRUE(p) << describe(p.error());
}

// Objects for a Service, with every name checked against VCD's limit.
void expect_names_fit(const service_key& key, const std::vector<service_port>& ports,
                      config::naming_scheme scheme) {
  service_spec svc;
  svc.key = key;
  svc.type = service_type::load_balancer;
  svc.ports = ports;
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    auto s = settings(mode);
    s.naming = scheme;
    auto plan = plan_ports(svc, s);
    ASSERT_TRUE(plan) << describe(plan.error());
    ip_assignment ips{"203.0.113.5", {}};
    for (const auto& slot : plan->internal_slots(mode))
      ips.internal_ips.emplace_back(slot, "192.168.8.2");
    auto objs = desired_objects(key, *plan, {"10.0.0.1"}, ips, s, {});
    ASSERT_TRUE(objs) << describe(objs.error());
    std::set<std::string> names;
    auto check = [&](const std::string& name) {
      EXPECT_LE(name.size(), naming::max_name_length) << name;
      EXPECT_FALSE(name.empty());
      EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    };
    for (const auto& x : objs->virtual_services)
      check(x.name);
    for (const auto& x : objs->pools)
      check(x.name);
    for (const auto& x : objs->dnat_rules)
      check(x.name);
    for (const auto& x : objs->profiles)
      check(x.name);
  }
}

TEST(service_bad_input, names_at_the_kubernetes_limits_fit_vcd) {
  const std::string ns63(63, 'n');
  const std::string name63(63, 's');
  const std::string name253(253, 'd'); // a DNS subdomain: beyond what Services allow
  const std::vector<service_port> ports{
    {std::string(63, 'p'), ip_protocol::tcp, 80, 30080, ""},
    {std::string(62, 'p') + "q", ip_protocol::tcp, 81, 30081, ""},
    {"a", ip_protocol::udp, 53, 30053, ""}};
  for (auto scheme : {config::naming_scheme::namespaced, config::naming_scheme::upstream}) {
    expect_names_fit({ns63, name63}, ports, scheme);
    expect_names_fit({ns63, name253}, ports, scheme);
    expect_names_fit({"a", "b"}, ports, scheme);
  }
}

TEST(service_bad_input, unicode_names_are_sanitized_and_stay_distinct) {
  // Not valid Kubernetes names, but an embedding control plane could send them.
  const service_key a{"shop", "caf\xC3\xA9"};
  const service_key b{"shop", "caf\xC3\xA8"};
  auto na = naming::namespaced_names(cid, a, "http");
  auto nb = naming::namespaced_names(cid, b, "http");
  EXPECT_NE(na.virtual_service, nb.virtual_service);
  for (const auto& n : {na.virtual_service, na.pool, na.dnat_rule, na.app_port_profile}) {
    EXPECT_LE(n.size(), naming::max_name_length);
    for (unsigned char c : n)
      EXPECT_LT(c, 0x80) << "non-ASCII byte in " << n;
  }
  auto parsed = naming::parse(na.virtual_service, cid);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(naming::owned_by(*parsed, cid, a));
  EXPECT_FALSE(naming::owned_by(*parsed, cid, b));
  expect_names_fit(a, {{"http", ip_protocol::tcp, 80, 30080, ""}},
                   config::naming_scheme::namespaced);
}

TEST(service_bad_input, from_api_json_to_the_planners_error) {
  // The whole path from the API server's JSON: decode, convert, plan.
  struct api_case {
    const char* spec_json;
    const char* annotations_json;
    const char* message_names;
  };
  const std::vector<api_case> cases{
    {R"({"type":"LoadBalancer","ports":[{"port":0,"nodePort":30080}]})", "{}",
     "port must be 1-65535"},
    {R"({"type":"LoadBalancer","ports":[{"port":65536,"nodePort":30080}]})", "{}",
     "port must be 1-65535"},
    {R"({"type":"LoadBalancer","ports":[{"name":"a","port":80,"nodePort":30080},
       {"name":"b","port":80,"nodePort":30081}]})",
     "{}", "listed twice"},
    {R"({"type":"LoadBalancer","ports":[{"port":80}]})", "{}", "has no nodePort"},
    {R"({"type":"LoadBalancer","ports":[{"port":80,"nodePort":30080,"protocol":"SCTP"}]})", "{}",
     "SCTP"},
    {R"({"type":"LoadBalancer","ports":[]})", "{}", "no ports"},
    {R"({"type":"LoadBalancer","ports":[{"name":"\u00e9","port":80,"nodePort":30080}]})", "{}",
     "is not a valid port name"},
    {R"({"type":"LoadBalancer","ports":[{"port":443,"nodePort":30443}]})",
     R"({"service.beta.kubernetes.io/vcloud-avi-ssl-ports":"443;8443"})", "is not a port number"},
  };
  for (const auto& c : cases) {
    auto json = std::string{R"({"metadata":{"name":"web","namespace":"shop","annotations":)"}
                + c.annotations_json + "},\"spec\":" + c.spec_json + "}";
    auto snap = kube::detail::decode_service(json);
    ASSERT_TRUE(snap) << json << ": " << describe(snap.error());
    auto spec = kube::to_service_spec(*snap);
    auto p = plan_ports(spec, settings());
    ASSERT_FALSE(p) << json;
    EXPECT_TRUE(has_code(p.error(), lb_errc::invalid_service)) << describe(p.error());
    EXPECT_NE(error_detail(p.error()).find(c.message_names), std::string::npos)
      << error_detail(p.error());
  }
  // A 1 MiB annotation value from the API reaches the planner intact and is refused briefly.
  auto json = std::string{R"({"metadata":{"name":"web","namespace":"shop","annotations":{)"}
              + R"("service.beta.kubernetes.io/vcloud-avi-ssl-ports":")" + one_mib
              + R"("}},"spec":{"type":"LoadBalancer","ports":[{"port":443,"nodePort":30443}]}})";
  auto snap = kube::detail::decode_service(json);
  ASSERT_TRUE(snap) << describe(snap.error());
  auto spec = kube::to_service_spec(*snap);
  EXPECT_EQ(spec.annotations.ssl_ports.size(), one_mib.size());
  auto p = plan_ports(spec, settings());
  ASSERT_FALSE(p);
  EXPECT_LE(error_detail(p.error()).size(), max_message);
  EXPECT_NE(error_detail(p.error()).find("(1048576 bytes)"), std::string::npos)
    << error_detail(p.error());
}

TEST(service_bad_input, conflicting_sharing_requests_are_port_conflicts_not_crashes) {
  pool_seed seed;
  seed.external_ranges = {{"203.0.113.10", "203.0.113.11"}};
  auto pool = ip_pool::make(seed);
  ASSERT_TRUE(pool) << describe(pool.error());
  const std::string key = "team-\xF0\x9F\x94\x91" + std::string(4096, 'k'); // unicode, long
  ip_request a{{"shop", "a"}, "", "", key, {{{}, ip_protocol::tcp, 80}}, {}};
  auto ia = pool->allocate(a);
  ASSERT_TRUE(ia) << describe(ia.error());
  // Same key, same port, asking for the shared IP: a conflict naming the annotation.
  ip_request b{{"shop", "b"}, ia->external_ip, "", key, {{{}, ip_protocol::tcp, 80}}, {}};
  auto ib = pool->allocate(b);
  ASSERT_FALSE(ib);
  EXPECT_TRUE(has_code(ib.error(), lb_errc::port_conflict)) << describe(ib.error());
  // Same key, overlapping ports, no IP asked: never put on the shared IP.
  ip_request c{{"shop", "c"}, "", "", key, {{{}, ip_protocol::tcp, 80}}, {}};
  auto ic = pool->allocate(c);
  if (ic) {
    EXPECT_NE(ic->external_ip, ia->external_ip);
  } else {
    EXPECT_TRUE(has_code(ic.error(), lb_errc::port_conflict)
                || has_code(ic.error(), lb_errc::ip_exhausted))
      << describe(ic.error());
  }
  // Another key asking for the held IP: unavailable, "a" keeps it.
  ip_request d{{"shop", "d"}, ia->external_ip, "", "other", {{{}, ip_protocol::tcp, 81}}, {}};
  auto id = pool->allocate(d);
  ASSERT_FALSE(id);
  EXPECT_TRUE(has_code(id.error(), lb_errc::ip_unavailable)) << describe(id.error());
  EXPECT_EQ(pool->external_ip_of({"shop", "a"}), ia->external_ip);
}

} // namespace
