#include "actors/ip_pool.hpp"

#include <set>

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

pool_seed seed() {
  pool_seed s;
  s.external_ranges = {{"203.0.113.10", "203.0.113.14"}};
  s.internal_range = {"192.168.8.2", "192.168.8.4"};
  s.used_by_others = {"203.0.113.10"}; // e.g. the gateway's SNAT IP
  return s;
}

ip_pool make(const pool_seed& s = seed()) {
  auto p = ip_pool::make(s);
  EXPECT_TRUE(p) << describe(p.error());
  return std::move(*p);
}

ip_request request(std::string name, std::vector<int32_t> ports = {80}) {
  ip_request r;
  r.key = {"ns", std::move(name)};
  for (auto p : ports)
    r.listeners.push_back({"", ip_protocol::tcp, p});
  return r;
}

std::string external(ip_pool& pool, const ip_request& r) {
  auto a = pool.allocate(r);
  EXPECT_TRUE(a) << describe(a.error());
  return a ? a->external_ip : std::string{};
}

TEST(ip_pool, first_free_address_skipping_ips_used_by_others) {
  auto pool = make();
  EXPECT_EQ(external(pool, request("a")), "203.0.113.11");
  EXPECT_EQ(external(pool, request("b")), "203.0.113.12");
  // Idempotent: the same Service keeps its IP.
  EXPECT_EQ(external(pool, request("a")), "203.0.113.11");
  EXPECT_EQ(pool.stats().external_in_use, 2u);
}

TEST(ip_pool, released_ips_are_reused_and_exhaustion_is_an_error) {
  auto pool = make();
  for (auto n : {"a", "b", "c", "d"})
    external(pool, request(n));
  auto full = pool.allocate(request("e"));
  ASSERT_FALSE(full);
  EXPECT_TRUE(has_code(full.error(), lb_errc::ip_exhausted));
  pool.release({"ns", "b"});
  EXPECT_EQ(external(pool, request("e")), "203.0.113.12");
}

TEST(ip_pool, vip_subnet_narrows_automatic_picks) {
  auto s = seed();
  s.vip_subnet = "203.0.113.12/31"; // .12 and .13
  auto pool = make(s);
  EXPECT_EQ(external(pool, request("a")), "203.0.113.12");
  EXPECT_EQ(external(pool, request("b")), "203.0.113.13");
  auto full = pool.allocate(request("c"));
  ASSERT_FALSE(full);
  EXPECT_NE(error_detail(full.error()).find("vipSubnet"), std::string::npos);
}

TEST(ip_pool, requested_ip_is_validated_and_never_stolen) {
  auto pool = make();
  auto r = request("a");
  r.requested_ip = "203.0.113.13";
  EXPECT_EQ(external(pool, r), "203.0.113.13");
  // Outside the gateway ranges.
  auto outside = request("b");
  outside.requested_ip = "198.51.100.1";
  auto e1 = pool.allocate(outside);
  ASSERT_FALSE(e1);
  EXPECT_TRUE(has_code(e1.error(), lb_errc::ip_unavailable));
  EXPECT_NE(error_detail(e1.error()).find("not in the edge gateway"), std::string::npos);
  // Used by something that is not ours.
  auto foreign = request("b");
  foreign.requested_ip = "203.0.113.10";
  EXPECT_TRUE(has_code(pool.allocate(foreign).error(), lb_errc::ip_unavailable));
  // Held by another Service without sharing: reported, and "a" keeps it.
  auto thief = request("b", {443});
  thief.requested_ip = "203.0.113.13";
  auto e2 = pool.allocate(thief);
  ASSERT_FALSE(e2);
  EXPECT_TRUE(has_code(e2.error(), lb_errc::ip_unavailable));
  EXPECT_NE(error_detail(e2.error()).find("ns/a"), std::string::npos);
  EXPECT_EQ(pool.external_ip_of({"ns", "a"}), "203.0.113.13");
  EXPECT_EQ(pool.external_ip_of({"ns", "b"}), "");
  // Not an address at all.
  auto garbage = request("c");
  garbage.requested_ip = "x";
  EXPECT_TRUE(has_code(pool.allocate(garbage).error(), lb_errc::ip_unavailable));
}

TEST(ip_pool, requested_ip_change_moves_the_service) {
  auto pool = make();
  EXPECT_EQ(external(pool, request("a")), "203.0.113.11");
  auto r = request("a");
  r.requested_ip = "203.0.113.14";
  EXPECT_EQ(external(pool, r), "203.0.113.14");
  EXPECT_EQ(external(pool, request("b")), "203.0.113.11"); // the old one is free again
}

TEST(ip_pool, status_ip_is_kept_when_still_valid) {
  auto pool = make();
  auto r = request("a");
  r.current_ip = "203.0.113.13";
  EXPECT_EQ(external(pool, r), "203.0.113.13");
  auto clash = request("b");
  clash.current_ip = "203.0.113.13"; // taken meanwhile: a fresh IP, not a stolen one
  EXPECT_EQ(external(pool, clash), "203.0.113.11");
}

TEST(ip_pool, sharing_follows_metallb_rules) {
  auto pool = make();
  auto dns_tcp = request("dns-tcp", {53});
  dns_tcp.sharing_key = "dns";
  auto dns_udp = request("dns-udp", {});
  dns_udp.listeners = {{"", ip_protocol::udp, 53}};
  dns_udp.sharing_key = "dns";
  auto ip = external(pool, dns_tcp);
  EXPECT_EQ(external(pool, dns_udp), ip); // same key, disjoint (protocol, port)
  // Same key but overlapping port: gets its own IP when not asking for one...
  auto overlap = request("overlap", {53});
  overlap.sharing_key = "dns";
  EXPECT_NE(external(pool, overlap), ip);
  // ...and a port conflict when asking for the shared IP.
  auto asks = request("asks", {53});
  asks.sharing_key = "dns";
  asks.requested_ip = ip;
  auto err = pool.allocate(asks);
  ASSERT_FALSE(err);
  EXPECT_TRUE(has_code(err.error(), lb_errc::port_conflict));
  EXPECT_NE(error_detail(err.error()).find("53/TCP"), std::string::npos);
  // Other key: unavailable.
  auto other = request("other", {8080});
  other.sharing_key = "web";
  other.requested_ip = ip;
  EXPECT_TRUE(has_code(pool.allocate(other).error(), lb_errc::ip_unavailable));
  // No key at all: unavailable, with the annotation named in the message.
  other.sharing_key.clear();
  auto e = pool.allocate(other);
  EXPECT_NE(error_detail(e.error()).find(std::string{annotations::allow_shared_ip}),
            std::string::npos);
  // Adding an overlapping port to a sharer is refused (nothing moves silently).
  dns_udp.listeners.push_back({"", ip_protocol::tcp, 53});
  EXPECT_TRUE(has_code(pool.allocate(dns_udp).error(), lb_errc::port_conflict));
  // When one sharer leaves, the IP stays with the other.
  pool.release({"ns", "dns-tcp"});
  EXPECT_EQ(pool.external_ip_of({"ns", "dns-udp"}), ip);
}

TEST(ip_pool, internal_slots_are_stable_and_released) {
  auto pool = make();
  auto a = request("a", {80, 443});
  a.internal_slots = {"http", "https"};
  auto got = pool.allocate(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->internal_ips, (std::vector<std::pair<std::string, std::string>>{
                                 {"http", "192.168.8.2"}, {"https", "192.168.8.3"}}));
  // http renamed to web (one slot gone, one new): web keeps http's IP, so the port's VS and
  // DNAT rule are renamed in place rather than moved.
  a.internal_slots = {"web", "https"};
  got = pool.allocate(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->internal_ips, (std::vector<std::pair<std::string, std::string>>{
                                 {"web", "192.168.8.2"}, {"https", "192.168.8.3"}}));
  // Two gone and two new cannot be matched: the new slots get free IPs, never one freed in the
  // same call (its VS still exists until the Service's plan removes it).
  a.internal_slots = {"x", "y"};
  auto two = pool.allocate(a);
  ASSERT_FALSE(two) << "only .4 is free";
  EXPECT_TRUE(has_code(two.error(), lb_errc::ip_exhausted));
  a.internal_slots = {"https", "admin"};
  got = pool.allocate(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->internal_ips, (std::vector<std::pair<std::string, std::string>>{
                                 {"https", "192.168.8.3"}, {"admin", "192.168.8.2"}}));
  a.internal_slots = {"https", "admin", "metrics"};
  got = pool.allocate(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->internal_ips[2].second, "192.168.8.4");
  a.internal_slots = {"https", "admin"};
  ASSERT_TRUE(pool.allocate(a));
  auto b = request("b");
  b.internal_slots = {""};
  EXPECT_EQ(pool.allocate(b)->internal_ips[0].second, "192.168.8.4");
  auto c = request("c");
  c.internal_slots = {""};
  auto full = pool.allocate(c);
  ASSERT_FALSE(full);
  EXPECT_TRUE(has_code(full.error(), lb_errc::ip_exhausted));
  EXPECT_NE(error_detail(full.error()).find("oneArm"), std::string::npos);
  // A failed request reserved nothing.
  EXPECT_EQ(pool.external_ip_of({"ns", "c"}), "");
  pool.release({"ns", "a"});
  EXPECT_EQ(pool.allocate(c)->internal_ips[0].second, "192.168.8.2");
}

TEST(ip_pool, slots_without_a_one_arm_range_are_an_error) {
  auto s = seed();
  s.internal_range = {};
  auto pool = make(s);
  auto r = request("a");
  r.internal_slots = {""};
  EXPECT_TRUE(has_code(pool.allocate(r).error(), lb_errc::ip_exhausted));
}

TEST(ip_pool, rebuild_restores_reservations_before_any_allocation) {
  auto s = seed();
  s.reservations = {
    {{"ns", "old"},
     "203.0.113.11",
     {{"", "192.168.8.2"}},
     "",
     {{"203.0.113.11", ip_protocol::tcp, 80}}},
    {{"ns", "twin"}, "203.0.113.11", {}, "", {}}, // contradicts "old": loses the IP
  };
  auto pool = make(s);
  EXPECT_EQ(pool.external_ip_of({"ns", "old"}), "203.0.113.11");
  EXPECT_EQ(pool.external_ip_of({"ns", "twin"}), "");
  // A new Service never gets a restored IP.
  auto fresh = request("fresh");
  fresh.internal_slots = {""};
  auto got = pool.allocate(fresh);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->external_ip, "203.0.113.12");
  EXPECT_EQ(got->internal_ips[0].second, "192.168.8.3");
  // The restored Service's allocate confirms what it had.
  auto old = request("old");
  old.internal_slots = {""};
  got = pool.allocate(old);
  EXPECT_EQ(got->external_ip, "203.0.113.11");
  EXPECT_EQ(got->internal_ips[0].second, "192.168.8.2");
  // Its claims came back too.
  ASSERT_NE(pool.claim_holder({"203.0.113.11", ip_protocol::tcp, 80}), nullptr);
  EXPECT_EQ(*pool.claim_holder({"203.0.113.11", ip_protocol::tcp, 80}), (service_key{"ns", "old"}));
}

TEST(ip_pool, claims_are_exclusive_all_or_nothing_and_released_by_owner_only) {
  auto pool = make();
  const service_key a{"ns", "a"};
  const service_key b{"ns", "b"};
  listener_key l80{"203.0.113.11", ip_protocol::tcp, 80};
  listener_key l443{"203.0.113.11", ip_protocol::tcp, 443};
  listener_key u80{"203.0.113.11", ip_protocol::udp, 80};
  EXPECT_FALSE(pool.claim(a, {l80}));
  EXPECT_FALSE(pool.claim(a, {l80})); // idempotent
  EXPECT_FALSE(pool.claim(b, {u80})); // other protocol: no conflict
  auto err = pool.claim(b, {l443, l80});
  EXPECT_TRUE(has_code(err, lb_errc::port_conflict));
  EXPECT_NE(error_detail(err).find("ns/a"), std::string::npos);
  EXPECT_EQ(pool.claim_holder(l443), nullptr); // all or nothing
  pool.unclaim(b, {l80});                      // not b's: ignored
  EXPECT_NE(pool.claim_holder(l80), nullptr);
  pool.unclaim(a, {l80});
  EXPECT_FALSE(pool.claim(b, {l443, l80}));
  pool.release(b);
  EXPECT_EQ(pool.stats().claims, 0u);
}

TEST(ip_pool, malformed_seeds_are_config_errors) {
  auto s = seed();
  s.external_ranges = {{"203.0.113.20", "203.0.113.10"}};
  EXPECT_TRUE(has_code(ip_pool::make(s).error(), config_errc::invalid_value));
  s = seed();
  s.vip_subnet = "203.0.113.0";
  EXPECT_TRUE(has_code(ip_pool::make(s).error(), config_errc::invalid_value));
  s = seed();
  s.internal_range = {"192.168.8.9", "x"};
  EXPECT_TRUE(has_code(ip_pool::make(s).error(), config_errc::invalid_value));
}

TEST(ip_pool, ten_thousand_services_get_distinct_ips) {
  pool_seed s;
  s.external_ranges = {{"10.0.0.1", "10.0.255.254"}};
  s.used_by_others = {"10.0.0.5"};
  auto pool = make(s);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto ip = external(pool, request("s" + std::to_string(i)));
    EXPECT_NE(ip, "10.0.0.5");
    seen.insert(ip);
  }
  EXPECT_EQ(seen.size(), 10000u);
  pool.release({"ns", "s17"});
  EXPECT_EQ(external(pool, request("new")), "10.0.0.19"); // the hole is found again
}

} // namespace
