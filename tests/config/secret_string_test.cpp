#include "config/secret_string.hpp"

#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using vcdlb::config::secret_string;

TEST(secret_string, every_rendering_is_redacted) {
  secret_string s{"hunter2"};
  EXPECT_EQ(to_string(s), "<redacted>");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "<redacted>");
  EXPECT_EQ(fmt::format("pw={}", s), "pw=<redacted>");
  EXPECT_EQ(fmt::format("[{:>12}]", s), "[  <redacted>]");
}

TEST(secret_string, empty_renders_unset) {
  secret_string s;
  EXPECT_EQ(to_string(s), "<unset>");
  EXPECT_EQ(fmt::format("{}", s), "<unset>");
  EXPECT_TRUE(s.empty());
}

TEST(secret_string, reveal_gives_the_value) {
  secret_string s{"hunter2"};
  EXPECT_EQ(s.reveal(), "hunter2");
  EXPECT_FALSE(s.empty());
}

TEST(secret_string, copies_moves_and_compares) {
  secret_string a{"one"};
  secret_string b = a;
  EXPECT_EQ(a, b);
  secret_string c{"two"};
  EXPECT_FALSE(a == c);
  c = a;
  EXPECT_EQ(c.reveal(), "one");
  secret_string d{"three"};
  d = std::move(c);
  EXPECT_EQ(d.reveal(), "one");
  EXPECT_TRUE(c.empty()); // NOLINT(bugprone-use-after-move): wiped on purpose
}

} // namespace
