#include "config/ipv4.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::config;

TEST(ipv4, parses_dotted_quads) {
  EXPECT_EQ(parse_ipv4("0.0.0.0")->value, 0u);
  EXPECT_EQ(parse_ipv4("192.168.8.2")->value, 0xC0A80802u);
  EXPECT_EQ(parse_ipv4("255.255.255.255")->value, 0xFFFFFFFFu);
  EXPECT_EQ(to_string(*parse_ipv4("10.0.0.1")), "10.0.0.1");
}

TEST(ipv4, rejects_everything_else) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4", "1..3.4",
                          " 1.2.3.4", "1.2.3.4 ", "a.b.c.d", "::1", "1.2.3.4/24", "1.2.3.1000"})
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
}

TEST(ipv4, orders_numerically) {
  EXPECT_LT(*parse_ipv4("192.168.8.9"), *parse_ipv4("192.168.8.10"));
}

TEST(ipv4_cidr, parses_and_covers) {
  auto c = parse_ipv4_cidr("10.1.2.3/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix, 16);
  EXPECT_EQ(to_string(c->network()), "10.1.0.0");
  EXPECT_EQ(to_string(c->broadcast()), "10.1.255.255");
  EXPECT_TRUE(c->contains(*parse_ipv4("10.1.200.7")));
  EXPECT_FALSE(c->contains(*parse_ipv4("10.2.0.0")));
  auto all = parse_ipv4_cidr("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(*parse_ipv4("8.8.8.8")));
  auto one = parse_ipv4_cidr("1.2.3.4/32");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->network(), one->broadcast());
}

TEST(ipv4_cidr, rejects_malformed) {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "/8",
                          "10.0.0.0/08", "fd00::/8"})
    EXPECT_FALSE(parse_ipv4_cidr(bad)) << bad;
}

} // namespace
