// Merging vcdlb's firewall rules into a gateway's whole user-defined list: other owners' rules
// never changed or reordered, ours on top with their ids and versions, and the post-write check.

#include "actors/firewall_merge.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;
using vcd::firewall_rule;

firewall_rule rule(std::string name, std::string id = "", int64_t version = -1,
                   std::string action = "ALLOW") {
  firewall_rule r;
  r.name = std::move(name);
  r.id = std::move(id);
  r.version = version;
  r.action_value = std::move(action);
  return r;
}

const firewall::is_ours_fn ours_by_prefix = [](const firewall_rule& r) {
  return r.name.rfind("vcdlb-", 0) == 0;
};

std::vector<std::string> names(const std::vector<firewall_rule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules)
    out.push_back(r.name);
  return out;
}

TEST(firewall_merge, ours_go_on_top_and_others_stay_as_read_in_order) {
  std::vector<firewall_rule> current{rule("tenant-b", "b", 4), rule("vcdlb-old", "o", 1),
                                     rule("tenant-a", "a", 9, "DROP"), rule("vcdlb-keep", "k", 2)};
  current[0].description = "kept verbatim";
  std::vector<firewall_rule> ours{rule("vcdlb-keep"), rule("vcdlb-new", "", -1, "DROP")};
  auto merged = firewall::merge(current, ours, ours_by_prefix);
  EXPECT_EQ(names(merged),
            (std::vector<std::string>{"vcdlb-keep", "vcdlb-new", "tenant-b", "tenant-a"}));
  EXPECT_EQ(merged[0].id, "k");
  EXPECT_EQ(merged[0].version, 2) << "an existing rule of ours is written with its version";
  EXPECT_TRUE(merged[1].id.empty());
  EXPECT_EQ(merged[1].version, -1) << "a new rule carries no version";
  // Other owners' rules are byte-for-byte what was read.
  EXPECT_EQ(merged[2], current[0]);
  EXPECT_EQ(merged[3], current[2]);
}

TEST(firewall_merge, ids_in_our_desired_rules_are_ignored_and_duplicates_dropped) {
  std::vector<firewall_rule> current{rule("vcdlb-x", "x1", 3), rule("vcdlb-x", "x2", 0),
                                     rule("other", "o", 0)};
  std::vector<firewall_rule> ours{rule("vcdlb-x", "stale-id", 77), rule("vcdlb-x", "", -1, "DROP")};
  auto merged = firewall::merge(current, ours, ours_by_prefix);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].id, "x1");
  EXPECT_EQ(merged[0].version, 3);
  EXPECT_EQ(merged[0].action_value, "ALLOW");
  EXPECT_EQ(merged[1].name, "other");
}

TEST(firewall_merge, no_rules_of_ours_removes_ours_and_nothing_else) {
  std::vector<firewall_rule> current{rule("vcdlb-a", "1", 0), rule("t1", "2", 5),
                                     rule("vcdlb-b", "3", 0), rule("t2", "4", 1)};
  auto merged = firewall::merge(current, {}, ours_by_prefix);
  EXPECT_EQ(names(merged), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(firewall::differs(current, merged));
  EXPECT_FALSE(firewall::differs(merged, firewall::merge(merged, {}, ours_by_prefix)));
}

TEST(firewall_merge, an_unchanged_list_needs_no_write_and_any_change_does) {
  auto ours = std::vector<firewall_rule>{rule("vcdlb-a"), rule("vcdlb-b", "", -1, "DROP")};
  std::vector<firewall_rule> current{rule("vcdlb-a", "1", 0), rule("vcdlb-b", "2", 0, "DROP"),
                                     rule("t", "3", 0)};
  // Reads fill in reference names: they do not count as a change.
  current[0].source_firewall_groups = {{"vcdlb-src", "g1"}};
  ours[0].source_firewall_groups = {{"", "g1"}};
  auto merged = firewall::merge(current, ours, ours_by_prefix);
  EXPECT_FALSE(firewall::differs(current, merged));
  auto moved = current;
  std::swap(moved[0], moved[1]);
  EXPECT_TRUE(firewall::differs(moved, firewall::merge(moved, ours, ours_by_prefix)));
  auto edited = ours;
  edited[0].source_firewall_groups = {{"", "g2"}};
  EXPECT_TRUE(firewall::differs(current, firewall::merge(current, edited, ours_by_prefix)));
}

TEST(firewall_merge, verify_checks_our_block_and_reports_others_that_vanished) {
  std::vector<firewall_rule> ours{rule("vcdlb-a"), rule("vcdlb-b", "", -1, "DROP")};
  std::vector<firewall_rule> written{rule("vcdlb-a"), rule("vcdlb-b", "", -1, "DROP"),
                                     rule("t1", "t1", 0), rule("t2", "t2", 0)};
  // As VCD answers: ours got ids, a concurrent writer appended one and edited t1 after us.
  std::vector<firewall_rule> after{rule("vcdlb-a", "n1", 0), rule("vcdlb-b", "n2", 0, "DROP"),
                                   rule("t1", "t1", 1), rule("t2", "t2", 0), rule("t3", "t3", 0)};
  auto v = firewall::verify(after, written, ours, ours_by_prefix);
  EXPECT_TRUE(v.ours_in_place);
  EXPECT_TRUE(v.others_gone.empty());
  // Someone wrote a stale copy over ours: our block is gone, t2 deleted.
  std::vector<firewall_rule> clobbered{rule("t1", "t1", 1), rule("vcdlb-a", "n1", 0)};
  v = firewall::verify(clobbered, written, ours, ours_by_prefix);
  EXPECT_FALSE(v.ours_in_place);
  EXPECT_EQ(v.others_gone, (std::vector<std::string>{"t2"}));
  // A stray rule of ours below the block is not in place either.
  auto stray = after;
  stray.push_back(rule("vcdlb-zombie", "z", 0));
  EXPECT_FALSE(firewall::verify(stray, written, ours, ours_by_prefix).ours_in_place);
}

} // namespace
