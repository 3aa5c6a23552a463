#include "controller/detail/external_pool.hpp"

#include <gtest/gtest.h>

#include "adapters/vcd/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail {
namespace {

vcd::edge_gateway gateway() {
  vcd::edge_gateway g;
  g.name = "edge-1";
  vcd::gateway_uplink up;
  vcd::gateway_subnet a;
  a.gateway = "203.0.113.1";
  a.prefix_length = 24;
  a.ip_ranges = {{"203.0.113.10", "203.0.113.19"}, {"203.0.113.15", "203.0.113.24"}};
  vcd::gateway_subnet b;
  b.gateway = "198.51.100.1";
  b.prefix_length = 24;
  b.ip_ranges = {{"198.51.100.7", ""}}; // a single address
  vcd::gateway_subnet off;
  off.enabled = false;
  off.ip_ranges = {{"192.0.2.1", "192.0.2.100"}};
  up.subnets = {a, b, off};
  g.uplinks = {up};
  return g;
}

std::vector<vcd::used_ip> used(std::initializer_list<const char*> ips) {
  std::vector<vcd::used_ip> out;
  for (const auto* ip : ips)
    out.push_back({ip, "LOAD_BALANCER", {}});
  return out;
}

TEST(external_pool, counts_enabled_ranges_once) {
  auto v = summarize_external_pool(gateway(), {}, "");
  EXPECT_EQ(v.gateway_name, "edge-1");
  EXPECT_EQ(v.addresses, 15u + 1u); // .10-.24 (overlap merged) and one single address
  EXPECT_EQ(v.used, 0u);
}

TEST(external_pool, counts_used_addresses_inside_the_ranges_once) {
  auto v = summarize_external_pool(
    gateway(), used({"203.0.113.10", "203.0.113.10", "203.0.113.2", "198.51.100.7", "192.0.2.5"}),
    "");
  EXPECT_EQ(v.used, 2u); // .2 is the edge's own IP outside the ranges; 192.0.2.x is disabled
}

TEST(external_pool, vip_subnet_narrows_the_pool) {
  auto v =
    summarize_external_pool(gateway(), used({"203.0.113.17", "203.0.113.10"}), "203.0.113.16/29");
  EXPECT_EQ(v.addresses, 8u); // .16-.23
  EXPECT_EQ(v.used, 1u);
  EXPECT_EQ(summarize_external_pool(gateway(), {}, "10.9.0.0/16").addresses, 0u);
  EXPECT_EQ(summarize_external_pool(gateway(), {}, "not-a-cidr").addresses, 0u);
}

TEST(external_pool, free_takes_the_larger_of_used_and_reserved) {
  external_pool_view v{"edge-1", 10, 3};
  EXPECT_EQ(free_external_addresses(v, 0), 7u);
  EXPECT_EQ(free_external_addresses(v, 5), 5u);
  EXPECT_EQ(free_external_addresses(v, 50), 0u);
}

TEST(external_pool, the_probe_reads_gateway_and_used_addresses) {
  auto fake = std::make_shared<vcd::fake_client>();
  auto id = fake->add_gateway(gateway());
  fake->add_used_ip(id, {"203.0.113.11", "SNAT", {}});
  int updates = 0;
  external_pool_probe probe{fake, [&] { ++updates; }};
  EXPECT_FALSE(probe.latest());
  probe.refresh(id, ""); // the fake answers synchronously
  auto v = probe.latest();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->addresses, 16u);
  EXPECT_EQ(v->used, 1u);
  EXPECT_EQ(updates, 1);

  fake->fail_next(vcd::operation::get_edge_gateway,
                  caf::make_error(vcd_errc::unavailable, "connection refused"));
  probe.refresh(id, "");
  ASSERT_TRUE(probe.latest()) << "an error keeps the last result";
  EXPECT_EQ(probe.latest()->addresses, 16u);
  EXPECT_EQ(updates, 1);
  probe.refresh(id, "203.0.113.16/29"); // not stuck in flight after the error
  EXPECT_EQ(probe.latest()->addresses, 8u);
  EXPECT_EQ(updates, 2);
}

} // namespace
} // namespace vcdlb::detail
