// loadBalancerSourceRanges with Kubernetes' semantics: field over annotation, trimming,
// network form, allow-all, and invalid entries.

#include "actors/source_ranges.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

TEST(source_ranges, nothing_set_allows_every_source) {
  auto r = parse_source_ranges({}, "");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->allow_all);
  EXPECT_TRUE(r->cidrs.empty());
  EXPECT_TRUE(parse_source_ranges({}, "   ")->allow_all);
}

TEST(source_ranges, the_field_wins_over_the_annotation) {
  auto r = parse_source_ranges({"198.51.100.0/24"}, "10.0.0.0/8");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->allow_all);
  EXPECT_EQ(r->cidrs, (std::vector<std::string>{"198.51.100.0/24"}));
  // Even an invalid annotation is not read when the field is set.
  EXPECT_TRUE(parse_source_ranges({"198.51.100.0/24"}, "bogus"));
}

TEST(source_ranges, the_annotation_is_comma_separated_and_trimmed) {
  auto r = parse_source_ranges({}, " 10.0.0.0/8 , 192.0.2.7/32,2001:DB8::/32 ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cidrs, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"}));
}

TEST(source_ranges, cidrs_are_normalised_sorted_and_unique) {
  auto r = parse_source_ranges({"10.1.2.3/8", "10.0.0.0/8", "2001:db8::1/64", "192.0.2.9/31"}, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cidrs, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.8/31", "2001:db8::/64"}));
  EXPECT_EQ(normalize_cidr("203.0.113.77/0"), "0.0.0.0/0");
  EXPECT_EQ(normalize_cidr("203.0.113.77/32"), "203.0.113.77/32");
  EXPECT_EQ(normalize_cidr("203.0.113.77/27"), "203.0.113.64/27");
  EXPECT_EQ(normalize_cidr("2001:db8:ffff::1/33"), "2001:db8:8000::/33");
}

TEST(source_ranges, zero_slash_zero_allows_every_source) {
  auto r = parse_source_ranges({"10.0.0.0/8", "0.0.0.0/0"}, "");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->allow_all);
  EXPECT_TRUE(r->cidrs.empty());
  // Written with host bits it is still the whole IPv4 space.
  EXPECT_TRUE(parse_source_ranges({"1.2.3.4/0"}, "")->allow_all);
}

TEST(source_ranges, an_invalid_entry_invalidates_the_list_and_says_which) {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.256/8", "10.0.0.0/8x", "::/129", "/8",
                          "example.com/24", ""}) {
    auto r = parse_source_ranges({"192.0.2.0/24", bad}, "");
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(has_code(r.error(), lb_errc::invalid_service)) << bad;
    EXPECT_NE(describe(r.error()).find("spec.loadBalancerSourceRanges"), std::string::npos);
  }
  auto empty_entry = parse_source_ranges({}, "10.0.0.0/8,,192.0.2.0/24");
  ASSERT_FALSE(empty_entry);
  EXPECT_NE(describe(empty_entry.error()).find(std::string{source_ranges_annotation}),
            std::string::npos);
}

} // namespace
