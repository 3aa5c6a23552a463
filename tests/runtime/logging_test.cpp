#include "runtime/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"
#include "runtime/detail/json_formatter.hpp"

namespace {

using vcdlb::runtime::detail::append_json_escaped;
using vcdlb::runtime::detail::json_formatter;

std::string escaped(std::string_view s) {
  spdlog::memory_buf_t buf;
  append_json_escaped(s, buf);
  return {buf.data(), buf.size()};
}

TEST(logging, unknown_level_is_a_config_error_naming_the_value) {
  auto res = vcdlb::runtime::setup_logging("loud", vcdlb::config::log_format::text);
  ASSERT_FALSE(res);
  EXPECT_TRUE(vcdlb::has_code(res.error(), vcdlb::config_errc::invalid_value));
  EXPECT_NE(vcdlb::error_detail(res.error()).find("'loud'"), std::string::npos);
}

TEST(logging, known_levels_install_the_default_logger) {
  ASSERT_TRUE(vcdlb::runtime::setup_logging("debug", vcdlb::config::log_format::json));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  ASSERT_TRUE(vcdlb::runtime::setup_logging("off", vcdlb::config::log_format::text));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::off);
}

TEST(logging, json_escaping_covers_quotes_controls_and_bad_utf8) {
  EXPECT_EQ(escaped(R"(say "hi"\)"), R"(say \"hi\"\\)");
  EXPECT_EQ(escaped("a\nb\tc\x01"), "a\\nb\\tc\\u0001");
  EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\xc3\xa9");     // valid UTF-8 kept
  EXPECT_EQ(escaped("bad\xc3("), "bad\\ufffd(");         // truncated sequence replaced
  EXPECT_EQ(escaped("\xff"), "\\ufffd");
}

TEST(logging, json_record_is_one_object_per_line) {
  spdlog::details::log_msg msg{"vcdlb", spdlog::level::warn, "gateway \"gw1\" busy"};
  spdlog::memory_buf_t buf;
  json_formatter{}.format(msg, buf);
  std::string line{buf.data(), buf.size()};
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find(R"("level":"warning")"), std::string::npos);
  EXPECT_NE(line.find(R"("msg":"gateway \"gw1\" busy")"), std::string::npos);
  EXPECT_EQ(line.rfind(R"({"ts":")", 0), 0u);
}

} // namespace
