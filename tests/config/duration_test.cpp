#include "config/duration.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using vcdlb::config::format_duration;
using vcdlb::config::format_duration_ms;
using vcdlb::config::parse_duration;

TEST(duration, parses_go_syntax) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("15s"), 15s);
  EXPECT_EQ(parse_duration("1m30s"), 90s);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("1.5h"), 90min);
  EXPECT_EQ(parse_duration("2h45m10.5s"), 2h + 45min + 10500ms);
  EXPECT_EQ(parse_duration("300us"), 300us);
  EXPECT_EQ(parse_duration("300\xC2\xB5s"), 300us);
  EXPECT_EQ(parse_duration("7ns"), 7ns);
  EXPECT_EQ(parse_duration(".5s"), 500ms);
  EXPECT_EQ(parse_duration("0"), 0ns);
  EXPECT_EQ(parse_duration("-1.5s"), -1500ms);
  EXPECT_EQ(parse_duration("+2s"), 2s);
}

TEST(duration, rejects_malformed) {
  for (const char* bad : {"", "5", "s", "1x", "1 s", "1s ", "1.s5", "-", "1m-1s", "ms", "1e3s",
                          ".s", "99999999999999h"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(duration, formats_shortest_go_style) {
  EXPECT_EQ(format_duration(0ns), "0s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500us), "1.5ms");
  EXPECT_EQ(format_duration(15s), "15s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(1h), "1h");
  EXPECT_EQ(format_duration(1h + 1s), "1h1s");
  EXPECT_EQ(format_duration(2500ms), "2.5s");
  EXPECT_EQ(format_duration(-5s), "-5s");
  EXPECT_EQ(format_duration(42ns), "42ns");
}

TEST(duration, extremes_do_not_overflow) {
  EXPECT_EQ(format_duration_ms(std::chrono::milliseconds::max()), "9223372036854775807ms");
  EXPECT_EQ(format_duration(std::chrono::nanoseconds::min()), "-9223372036854775808ns");
  EXPECT_FALSE(parse_duration("9223372036854775807ns"));
  EXPECT_EQ(parse_duration("9223372036854775806ns"), std::chrono::nanoseconds{9223372036854775806});
}

TEST(duration, round_trips) {
  for (std::chrono::nanoseconds d :
       {std::chrono::nanoseconds{1ms}, std::chrono::nanoseconds{10ms},
        std::chrono::nanoseconds{999ms}, std::chrono::nanoseconds{1001ms},
        std::chrono::nanoseconds{61s}, std::chrono::nanoseconds{3599s},
        std::chrono::nanoseconds{3601s}, std::chrono::nanoseconds{25h}})
    EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
}

} // namespace
