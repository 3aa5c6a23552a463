#include "protocol/service.hpp"

#include <unordered_set>

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;

service_spec lb_service() {
  service_spec svc;
  svc.key = {"default", "web"};
  svc.type = service_type::load_balancer;
  return svc;
}

TEST(service, class_less_load_balancer_is_managed) {
  EXPECT_TRUE(wants_load_balancer(lb_service(), ""));
  EXPECT_TRUE(wants_load_balancer(lb_service(), "vcdlb.io/lb"));
}

TEST(service, own_class_is_managed_foreign_class_is_not) {
  auto svc = lb_service();
  svc.load_balancer_class = "vcdlb.io/lb";
  EXPECT_TRUE(wants_load_balancer(svc, "vcdlb.io/lb"));
  EXPECT_FALSE(wants_load_balancer(svc, ""));
  svc.load_balancer_class = "metallb.io/metallb";
  EXPECT_FALSE(wants_load_balancer(svc, "vcdlb.io/lb"));
}

TEST(service, other_types_are_not_managed) {
  auto svc = lb_service();
  for (auto t : {service_type::cluster_ip, service_type::node_port, service_type::external_name}) {
    svc.type = t;
    EXPECT_FALSE(wants_load_balancer(svc, ""));
  }
}

TEST(service, cleanup_needs_the_finalizer_and_a_reason) {
  auto svc = lb_service();
  EXPECT_FALSE(needs_cleanup(svc, ""));
  svc.has_finalizer = true;
  EXPECT_FALSE(needs_cleanup(svc, ""));
  svc.deletion_requested = true;
  EXPECT_TRUE(needs_cleanup(svc, ""));
  svc.deletion_requested = false;
  svc.type = service_type::cluster_ip; // type changed away
  EXPECT_TRUE(needs_cleanup(svc, ""));
  svc.has_finalizer = false; // nothing of ours left to clean
  EXPECT_FALSE(needs_cleanup(svc, ""));
}

TEST(service, keys_print_order_and_hash) {
  service_key a{"a", "z"};
  service_key b{"b", "a"};
  EXPECT_EQ(to_string(a), "a/z");
  EXPECT_LT(a, b);
  std::unordered_set<service_key> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
  // Same name in two namespaces are two keys.
  EXPECT_NE((service_key{"x", "web"}), (service_key{"y", "web"}));
}

TEST(service, protocol_names_are_the_kubernetes_spelling) {
  EXPECT_EQ(to_string(ip_protocol::tcp), "TCP");
  EXPECT_EQ(to_string(ip_protocol::udp), "UDP");
  EXPECT_EQ(to_string(ip_protocol::sctp), "SCTP");
}

} // namespace
