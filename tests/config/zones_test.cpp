// The zones file in upstream's format: parsed strictly, errors name the key.

#include "config/zones.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

TEST(zones, parses_upstreams_format) {
  auto z = config::parse_zones(R"(zoneType: dcgroup
zones:
- name: zone-a
  ovdcName: ovdc1
- name: zone-b
  ovdcName: "ovdc 2"
)");
  ASSERT_TRUE(z) << describe(z.error());
  EXPECT_EQ(z->zone_type, "dcgroup");
  EXPECT_EQ(z->zone_of_vdc.at("ovdc1"), "zone-a");
  EXPECT_EQ(z->zone_of_vdc.at("ovdc 2"), "zone-b");
  auto empty = config::parse_zones("zones: []\n");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->zone_of_vdc.empty());
}

TEST(zones, bad_files_are_errors_naming_the_key) {
  struct bad_case {
    const char* text;
    config_errc code;
    const char* where;
  };
  for (const auto& c :
       {bad_case{"[1, 2", config_errc::invalid_yaml, "(root)"},
        bad_case{"- a\n", config_errc::invalid_yaml, "(root)"},
        bad_case{"zone: x\n", config_errc::unknown_key, "zone"},
        bad_case{"zones: x\n", config_errc::wrong_type, "zones"},
        bad_case{"zones:\n- name: a\n", config_errc::missing_key, "zones[0].ovdcName"},
        bad_case{"zones:\n- {name: a, ovdcName: v, colour: red}\n", config_errc::unknown_key,
                 "zones[0].colour"},
        bad_case{"zones:\n- {name: a, ovdcName: v}\n- {name: b, ovdcName: v}\n",
                 config_errc::invalid_value, "zones[1].ovdcName"}}) {
    auto z = config::parse_zones(c.text);
    ASSERT_FALSE(z) << c.text;
    EXPECT_EQ(z.error(), c.code) << c.text;
    EXPECT_NE(describe(z.error()).find(c.where), std::string::npos) << describe(z.error());
  }
  auto missing = config::load_zones("/nonexistent/zones.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), config_errc::unreadable_file);
}

} // namespace
