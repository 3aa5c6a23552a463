#include "actors/pool_seed.hpp"

#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/ip_pool.hpp"
#include "actors/naming.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using config::lb_mode;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";

vcd::edge_gateway gateway() {
  vcd::edge_gateway g;
  vcd::gateway_uplink up;
  vcd::gateway_subnet sub;
  sub.ip_ranges = {{"203.0.113.10", "203.0.113.20"}, {"203.0.113.30", ""}};
  up.subnets.push_back(sub);
  g.uplinks.push_back(up);
  return g;
}

service_spec svc(std::string ns, std::string name, std::string ip = {}) {
  service_spec s;
  s.key = {std::move(ns), std::move(name)};
  s.type = service_type::load_balancer;
  s.has_finalizer = true;
  s.ports = {{"http", ip_protocol::tcp, 80, 30080, ""},
             {"https", ip_protocol::tcp, 443, 30443, ""}};
  if (!ip.empty())
    s.ingress_ips = {ip};
  return s;
}

lb_objects objects_of(const service_spec& s, lb_mode mode, ip_assignment ips,
                      std::vector<std::string> upstream = {}) {
  engine_settings st;
  st.mode = mode;
  st.cluster_id = cid;
  auto plan = plan_ports(s, st);
  EXPECT_TRUE(plan);
  auto objs = desired_objects(s.key, *plan, {"10.0.0.1"}, ips, st, upstream);
  EXPECT_TRUE(objs) << describe(objs.error());
  return *objs;
}

void merge(lb_objects& into, const lb_objects& from) {
  auto add = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  add(into.profiles, from.profiles);
  add(into.dnat_rules, from.dnat_rules);
  add(into.pools, from.pools);
  add(into.virtual_services, from.virtual_services);
  sort_by_name(into);
}

TEST(pool_seed, restores_services_from_status_and_objects_and_keeps_others_out) {
  auto gw = gateway();
  auto a = svc("shop", "a", "203.0.113.10");
  auto b = svc("shop", "b"); // objects exist, status never written (restart mid-create)
  std::vector<service_spec> services{a, b};
  lb_objects ours;
  merge(ours, objects_of(a, lb_mode::b, {"203.0.113.10", {{"", "192.168.8.2"}}}));
  merge(ours, objects_of(b, lb_mode::b, {"203.0.113.11", {{"", "192.168.8.3"}}}));
  auto gone = svc("old", "gone"); // its Service no longer exists: a leftover
  merge(ours, objects_of(gone, lb_mode::b, {"203.0.113.12", {{"", "192.168.8.4"}}}));
  std::vector<vcd::used_ip> used{{"203.0.113.10", "DNAT", {}},
                                 {"203.0.113.11", "DNAT", {}},
                                 {"203.0.113.12", "DNAT", {}},
                                 {"203.0.113.15", "SNAT", {}}};
  seed_inputs in;
  in.gateway = &gw;
  in.used = &used;
  in.internal_range = {"192.168.8.2", "192.168.8.10"};
  in.mode = lb_mode::b;
  in.cluster_id = cid;
  in.ours = &ours;
  in.services = &services;
  auto seed = make_pool_seed(in, "");
  EXPECT_EQ(seed.external_ranges,
            (std::vector<ip_range>{{"203.0.113.10", "203.0.113.20"}, {"203.0.113.30", ""}}));
  ASSERT_EQ(seed.reservations.size(), 2u);
  EXPECT_EQ(seed.reservations[0].external_ip, "203.0.113.10");
  EXPECT_EQ(seed.reservations[0].internal_ips,
            (std::vector<std::pair<std::string, std::string>>{{"", "192.168.8.2"}}));
  EXPECT_EQ(seed.reservations[0].claims.size(), 4u);           // 2 VSs + 2 DNAT rules
  EXPECT_EQ(seed.reservations[1].external_ip, "203.0.113.11"); // from its DNAT rules
  EXPECT_EQ(seed.used_by_others,
            (std::vector<std::string>{"192.168.8.4", "203.0.113.12", "203.0.113.15"}));
  // The pool built from it gives the Services their IPs back and a newcomer a free one.
  auto pool = ip_pool::make(seed);
  ASSERT_TRUE(pool);
  ip_request again{a.key, "", "203.0.113.10", "", {}, {""}};
  auto got = pool->allocate(again);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->external_ip, "203.0.113.10");
  EXPECT_EQ(got->internal_ips[0].second, "192.168.8.2");
  EXPECT_EQ(pool->allocate({b.key, "", "", "", {}, {""}})->external_ip, "203.0.113.11");
  auto fresh = pool->allocate({{"new", "svc"}, "", "", "", {}, {""}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->external_ip, "203.0.113.13");
  EXPECT_EQ(fresh->internal_ips[0].second, "192.168.8.5");
  // The leftover's addresses (not the SNAT one) come free once a sweep removed its objects.
  EXPECT_EQ(seed.leftover_ips, (std::vector<std::string>{"192.168.8.4", "203.0.113.12"}));
  pool->release_leftovers({"203.0.113.12", "203.0.113.15", "192.168.8.4", "not-an-ip"});
  auto next = pool->allocate({{"new", "svc2"}, "", "", "", {}, {""}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->external_ip, "203.0.113.12");
  EXPECT_EQ(next->internal_ips[0].second, "192.168.8.4");
  auto last = pool->allocate({{"new", "svc3"}, "", "", "", {}, {""}});
  ASSERT_TRUE(last);
  EXPECT_EQ(last->external_ip, "203.0.113.14"); // .15 is still the SNAT's
}

TEST(pool_seed, a_leftover_address_also_used_otherwise_is_never_freed) {
  auto gw = gateway();
  lb_objects ours;
  auto gone = svc("old", "gone");
  merge(ours, objects_of(gone, lb_mode::c, {"203.0.113.12", {}}));
  std::vector<vcd::used_ip> used{{"203.0.113.12", "Load_Balancer", {}},
                                 {"203.0.113.12", "SNAT", {}}};
  std::vector<service_spec> services;
  seed_inputs in;
  in.gateway = &gw;
  in.used = &used;
  in.mode = lb_mode::c;
  in.cluster_id = cid;
  in.ours = &ours;
  in.services = &services;
  auto seed = make_pool_seed(in, "");
  EXPECT_EQ(seed.used_by_others, (std::vector<std::string>{"203.0.113.12"}));
  EXPECT_TRUE(seed.leftover_ips.empty());
  auto pool = ip_pool::make(seed);
  ASSERT_TRUE(pool);
  pool->release_leftovers({"203.0.113.12"});
  for (int i = 0; i < 10; ++i) {
    auto got = pool->allocate({{"new", "s" + std::to_string(i)}, "", "", "", {}, {}});
    ASSERT_TRUE(got);
    EXPECT_NE(got->external_ip, "203.0.113.12");
  }
}

TEST(pool_seed, upstream_objects_go_to_the_service_whose_ip_they_use) {
  auto gw = gateway();
  auto x = svc("x", "web", "203.0.113.14");
  auto y = svc("y", "web", "203.0.113.16");
  std::vector<service_spec> services{x, y};
  // Upstream names have no namespace: y's objects look like x's by name.
  auto ours = objects_of(y, lb_mode::c, {"203.0.113.16", {}}, {"http", "https"});
  seed_inputs in;
  in.gateway = &gw;
  in.mode = lb_mode::c;
  in.cluster_id = cid;
  in.ours = &ours;
  in.services = &services;
  auto seed = make_pool_seed(in, "");
  ASSERT_EQ(seed.reservations.size(), 2u);
  EXPECT_TRUE(seed.reservations[0].claims.empty());  // x/web
  EXPECT_EQ(seed.reservations[1].claims.size(), 2u); // y/web
  EXPECT_TRUE(seed.used_by_others.empty());
}

TEST(pool_seed, foreign_services_reserve_nothing) {
  auto gw = gateway();
  auto foreign = svc("x", "metal", "203.0.113.14");
  foreign.load_balancer_class = "metallb.io/metallb";
  foreign.has_finalizer = false;
  std::vector<service_spec> services{foreign};
  seed_inputs in;
  in.gateway = &gw;
  in.services = &services;
  EXPECT_TRUE(make_pool_seed(in, "").reservations.empty());
}

} // namespace
