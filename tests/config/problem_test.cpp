#include "config/problem.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;
using namespace vcdlb::config;

TEST(problem, formats_file_line_column_key_message) {
  problem p{config_errc::unknown_key, "vcd.bogus", 3, 5, "unknown key", {}};
  EXPECT_EQ(format_problem(p, "cfg.yaml"), "cfg.yaml:3:5: vcd.bogus: unknown key");
}

TEST(problem, leaves_out_what_is_unknown) {
  problem whole{config_errc::invalid_yaml, "", 0, 0, "bad", {}};
  EXPECT_EQ(format_problem(whole, "cfg.yaml"), "cfg.yaml: bad");
  problem env{config_errc::invalid_value, "clusterid", 0, 0, "bad id", {}};
  EXPECT_EQ(format_problem(env, "cfg.yaml"), "cfg.yaml: clusterid: bad id");
}

TEST(problem, own_file_wins) {
  problem p{config_errc::unreadable_file, "", 0, 0, "is not a regular file", "/s/password"};
  EXPECT_EQ(format_problem(p, "cfg.yaml"), "/s/password: is not a regular file");
}

TEST(problem, to_error_joins_all_with_first_code) {
  std::vector<problem> problems{
    {config_errc::unknown_key, "a.b", 1, 2, "unknown key", {}},
    {config_errc::missing_key, "c", 0, 0, "is required", {}},
    {config_errc::unreadable_file, "", 0, 0, "cannot read", "/x"},
  };
  auto err = to_error(problems);
  EXPECT_TRUE(has_code(err, config_errc::unknown_key));
  EXPECT_EQ(error_detail(err),
            "a.b (line 1, column 2): unknown key; c: is required; /x: configuration: cannot read");
  EXPECT_FALSE(to_error({}));
}

TEST(problem, checked_holds_one_or_the_other) {
  checked<int> good{7};
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 7);
  EXPECT_TRUE(good.problems().empty());
  checked<int> bad{std::vector<problem>{{config_errc::invalid_value, "k", 0, 0, "no", {}}}};
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.problems().size(), 1u);
  EXPECT_TRUE(has_code(bad.error(), config_errc::invalid_value));
  auto as_expected = std::move(bad).to_expected();
  EXPECT_FALSE(as_expected);
}

} // namespace
