#include "adapters/kube/types.hpp"

#include <unordered_set>

#include <gtest/gtest.h>

#include "adapters/kube/client.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/make_message.hpp"
#include "tests/support/actor_fixture.hpp"

namespace vcdlb::kube {
namespace {

service_snapshot sample_service() {
  service_snapshot s;
  s.ns = "default";
  s.name = "web";
  s.uid = "u-1";
  s.resource_version = "42";
  s.finalizers = {std::string{load_balancer_cleanup_finalizer}};
  s.annotations = {{"a", "b"}};
  s.type = "LoadBalancer";
  s.ports = {{"http", "TCP", 80, 31000, ""}};
  s.ingress = {{"192.0.2.10", "", "", {}}};
  return s;
}

TEST(kube_types, service_key_orders_hashes_and_prints) {
  service_key a{"ns", "a"};
  service_key b{"ns", "b"};
  EXPECT_LT(a, b);
  EXPECT_EQ(to_string(a), "ns/a");
  std::unordered_set<service_key> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
}

TEST(kube_types, same_ingress_treats_missing_ip_mode_as_vip) {
  std::vector<lb_ingress> mine{{"192.0.2.1", "", "", {}}};
  std::vector<lb_ingress> stored{{"192.0.2.1", "", "VIP", {}}};
  EXPECT_TRUE(same_ingress(mine, stored));
  stored[0].ip_mode = "Proxy";
  EXPECT_FALSE(same_ingress(mine, stored));
  EXPECT_FALSE(same_ingress(mine, {}));
  std::vector<lb_ingress> host{{"", "lb.example.com", "", {}}};
  std::vector<lb_ingress> host_vip{{"", "lb.example.com", "VIP", {}}};
  EXPECT_FALSE(same_ingress(host, host_vip)); // ipMode is only defaulted for ip entries
}

TEST(kube_types, service_helpers) {
  auto s = sample_service();
  EXPECT_TRUE(s.has_finalizer(load_balancer_cleanup_finalizer));
  EXPECT_FALSE(s.has_finalizer("other"));
  EXPECT_EQ(s.key(), (service_key{"default", "web"}));
  auto ref = reference_to(s);
  EXPECT_EQ(ref.kind, "Service");
  EXPECT_EQ(ref.uid, "u-1");
  node_snapshot n;
  n.addresses = {
    {"ExternalIP", "203.0.113.1"}, {"InternalIP", "10.0.0.1"}, {"InternalIP", "10.0.0.2"}};
  EXPECT_EQ(n.first_address("InternalIP"), "10.0.0.1");
  EXPECT_EQ(n.first_address("Hostname"), "");
}

TEST(kube_types, watch_event_type_names) {
  EXPECT_EQ(to_string(watch_event_type::bookmark), "BOOKMARK");
  EXPECT_EQ(to_string(watch_event_type::deleted), "DELETED");
}

class kube_types_actor : public testing::actor_fixture {};

TEST_F(kube_types_actor, snapshots_travel_in_messages) {
  auto s = sample_service();
  event ev;
  ev.type = event_type::warning;
  ev.reason = std::string{reasons::sync_load_balancer_failed};
  // Spawned with an argument: CAF 0.17's init_fun_factory binds a null reference for
  // argument-less functors, which UBSan reports.
  auto echo = sys_.spawn(
    [](caf::event_based_actor*, int) -> caf::behavior {
      return {
        [](const service_snapshot& x) { return x; },
        [](const event& x) { return x; },
      };
    },
    0);
  self_->send(echo, s);
  self_->send(echo, ev);
  run();
  service_snapshot got;
  event got_ev;
  EXPECT_TRUE(try_receive([&](const service_snapshot& x) { got = x; }));
  EXPECT_TRUE(try_receive([&](const event& x) { got_ev = x; }));
  EXPECT_EQ(got, s);
  EXPECT_EQ(got_ev.type, event_type::warning);
  EXPECT_EQ(to_string(caf::make_message(s)).find("web") != std::string::npos, true);
  self_->send_exit(echo, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace vcdlb::kube
