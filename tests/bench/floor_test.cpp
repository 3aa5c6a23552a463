// The lower bound per phase and mode.

#include "bench/floor.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::bench;
using vcdlb::config::lb_mode;
using namespace std::chrono_literals;

TEST(bench_floor, gateway_mutations_per_phase_and_mode) {
  auto c = floor_for(phase_kind::create, lb_mode::c, 10, 2, 100ms);
  EXPECT_EQ(c.gateway_mutations, 40u); // pool + VS per port
  EXPECT_EQ(c.other_mutations, 0u);
  EXPECT_EQ(c.time, 4s);
  auto a = floor_for(phase_kind::create, lb_mode::a, 10, 2, 100ms);
  EXPECT_EQ(a.gateway_mutations, 60u); // DNAT + pool + VS per port
  EXPECT_EQ(a.other_mutations, 20u);   // a profile per port, locking no gateway
  EXPECT_EQ(floor_for(phase_kind::remove, lb_mode::b, 10, 2, 100ms).gateway_mutations, 60u);
  EXPECT_EQ(floor_for(phase_kind::update, lb_mode::c, 10, 2, 100ms).gateway_mutations, 40u);
  EXPECT_EQ(floor_for(phase_kind::restart, lb_mode::c, 10, 2, 100ms).gateway_mutations, 40u)
    << "a restart with the update's change pending";
  EXPECT_EQ(floor_for(phase_kind::churn, lb_mode::a, 10, 2, 100ms).gateway_mutations, 20u);
  EXPECT_EQ(floor_for(phase_kind::churn_endpoints, lb_mode::b, 10, 2, 100ms).gateway_mutations,
            20u); // one pool update per port
  EXPECT_EQ(floor_for(phase_kind::shared_ports, lb_mode::c, 10, 2, 100ms).gateway_mutations, 20u);
  EXPECT_EQ(floor_for(phase_kind::shared_ports, lb_mode::a, 10, 2, 100ms).gateway_mutations, 40u);
  auto r = floor_for(phase_kind::resync, lb_mode::a, 10, 2, 100ms);
  EXPECT_EQ(r.gateway_mutations, 0u);
  EXPECT_EQ(r.time, 0s);
}

} // namespace
