#include "actors/ipv4.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;

TEST(ipv4, parses_and_formats_dotted_quads) {
  EXPECT_EQ(ipv4::parse("10.0.0.1"), 0x0A000001u);
  EXPECT_EQ(ipv4::parse("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_EQ(ipv4::parse("0.0.0.0"), 0u);
  EXPECT_EQ(ipv4::format(0xC0A80802u), "192.168.8.2");
  for (auto bad : {"", "10.0.0", "10.0.0.1.2", "256.0.0.1", "10.0.0.01", "10.0.0.1 ", " 10.0.0.1",
                   "a.b.c.d", "10..0.1", "1000.0.0.1", "::1"})
    EXPECT_FALSE(ipv4::parse(bad)) << bad;
}

TEST(ipv4, ranges_are_inclusive_and_ordered) {
  auto r = ipv4::parse_range("10.0.0.10", "10.0.0.20");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 11u);
  EXPECT_TRUE(r->contains(*ipv4::parse("10.0.0.20")));
  EXPECT_FALSE(r->contains(*ipv4::parse("10.0.0.21")));
  EXPECT_EQ(ipv4::parse_range("10.0.0.5", "")->size(), 1u);
  EXPECT_FALSE(ipv4::parse_range("10.0.0.5", "10.0.0.4"));
  EXPECT_FALSE(ipv4::parse_range("x", ""));
}

TEST(ipv4, cidr_covers_network_to_broadcast) {
  auto r = ipv4::parse_cidr("10.1.2.77/24");
  ASSERT_TRUE(r);
  EXPECT_EQ(ipv4::format(r->first), "10.1.2.0");
  EXPECT_EQ(ipv4::format(r->last), "10.1.2.255");
  EXPECT_EQ(ipv4::parse_cidr("0.0.0.0/0")->size(), uint64_t{1} << 32);
  EXPECT_EQ(ipv4::parse_cidr("10.0.0.1/32")->size(), 1u);
  for (auto bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a", "x/8"})
    EXPECT_FALSE(ipv4::parse_cidr(bad)) << bad;
}

} // namespace
