#include "engine/settings.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"
#include "tests/engine/engine_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;

TEST(engine_settings_test, gateway_pacing_comes_from_the_vcdlb_section) {
  auto cfg = vcdlb::testing::make_config(config::lb_mode::c);
  cfg.vcdlb.vcd_qps = 3.5;
  cfg.vcdlb.vcd_burst = 7;
  cfg.vcdlb.task_poll.initial_interval = 100ms;
  cfg.vcdlb.task_poll.max_interval = 2s;
  cfg.vcdlb.task_poll.multiplier = 2.0;
  cfg.vcdlb.task_poll.timeout = 5min;
  auto s = make_gateway_settings(cfg);
  EXPECT_EQ(s.qps, 3.5);
  EXPECT_EQ(s.burst, 7);
  EXPECT_EQ(s.poll_initial, caf::timespan{100ms});
  EXPECT_EQ(s.poll_max, caf::timespan{2s});
  EXPECT_EQ(s.poll_multiplier, 2.0);
  EXPECT_EQ(s.task_timeout, caf::timespan{5min});
}

TEST(engine_settings_test, engine_settings_carry_mode_naming_and_class) {
  auto cfg = vcdlb::testing::make_config(config::lb_mode::b);
  cfg.vcdlb.load_balancer_class = "vcdlb.io/lb";
  cfg.vcdlb.naming = config::naming_scheme::upstream;
  auto s = make_engine_settings(cfg, true);
  EXPECT_EQ(s.mode, config::lb_mode::b);
  EXPECT_EQ(s.cluster_id, vcdlb::testing::test_cluster_id);
  EXPECT_EQ(s.cert_alias, "cert");
  EXPECT_EQ(s.naming, config::naming_scheme::upstream);
  EXPECT_EQ(s.load_balancer_class, "vcdlb.io/lb");
  EXPECT_TRUE(s.shared_vip_supported);
  EXPECT_EQ(internal_range(cfg), (ip_range{"192.168.8.2", "192.168.8.100"}));
  EXPECT_EQ(internal_range(vcdlb::testing::make_config(config::lb_mode::c)), ip_range{});
}

TEST(engine_settings_test, shared_vip_needs_api_37) {
  EXPECT_TRUE(supports_shared_vip("37.0"));
  EXPECT_TRUE(supports_shared_vip("38.1"));
  EXPECT_FALSE(supports_shared_vip("36.3"));
  EXPECT_FALSE(check_mode_supported(vcdlb::testing::make_config(config::lb_mode::a), "36.0"));
  EXPECT_FALSE(check_mode_supported(vcdlb::testing::make_config(config::lb_mode::c), "37.0"));
  auto err = check_mode_supported(vcdlb::testing::make_config(config::lb_mode::c), "36.0");
  ASSERT_TRUE(err);
  EXPECT_TRUE(has_code(err, config_errc::invalid_value));
  EXPECT_NE(describe(err).find("enableVirtualServiceSharedIP"), std::string::npos);
}

} // namespace
