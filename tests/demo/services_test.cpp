#include "demo/services.hpp"

#include <set>

#include <gtest/gtest.h>

#include "adapters/kube/convert.hpp"
#include "protocol/service.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::demo;

TEST(demo_services, examples_cover_the_features_and_generated_ones_follow) {
  auto svcs = demo_services(3);
  ASSERT_EQ(svcs.size(), 8u);
  std::set<std::string> names;
  for (const auto& s : svcs) {
    names.insert(s.object.name);
    EXPECT_EQ(s.object.ns, "default");
    EXPECT_EQ(s.object.type, "LoadBalancer");
    EXPECT_FALSE(s.object.ports.empty());
  }
  EXPECT_EQ(names.size(), svcs.size()); // unique names
  EXPECT_EQ(svcs[5].object.name, "gen-001");
  EXPECT_EQ(svcs[7].object.name, "gen-003");
  EXPECT_EQ(svcs[6].object.ports.size(), 2u); // even ones have a second port

  // The engine reads them as intended (through the same conversion the controller uses).
  auto web = kube::to_service_spec(svcs[0].object);
  EXPECT_EQ(web.annotations.ssl_ports, "443");
  EXPECT_EQ(web.annotations.ssl_cert_alias, demo_cert_alias);
  auto dns = kube::to_service_spec(svcs[1].object);
  ASSERT_EQ(dns.ports.size(), 1u);
  EXPECT_EQ(dns.ports[0].protocol, ip_protocol::udp);
  auto a = kube::to_service_spec(svcs[2].object);
  auto b = kube::to_service_spec(svcs[3].object);
  EXPECT_EQ(a.annotations.sharing_key, demo_sharing_key);
  EXPECT_EQ(b.annotations.sharing_key, demo_sharing_key);
  EXPECT_NE(a.ports[0].port, b.ports[0].port); // sharing needs disjoint ports
  EXPECT_EQ(svcs[3].shares_ip_with, "shared-a");
  auto pinned = kube::to_service_spec(svcs[4].object);
  EXPECT_EQ(pinned.load_balancer_ip, demo_pinned_ip);
  EXPECT_EQ(svcs[4].expected_ip, demo_pinned_ip);
}

TEST(demo_services, no_generated_services_leaves_the_examples) {
  EXPECT_EQ(demo_services(0).size(), 5u);
}

TEST(demo_services, ports_text_is_kubectl_style) {
  auto svcs = demo_services(0);
  EXPECT_EQ(ports_text(svcs[0].object), "80/TCP,443/TCP");
  EXPECT_EQ(ports_text(svcs[1].object), "53/UDP");
}

} // namespace
