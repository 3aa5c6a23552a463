// `vcdlb bench --clusters` end to end, small: several engines in one process against their own
// gateways in one simulator, one more that cannot log in. Checks convergence and isolation and
// that the figures add up, not speed.

#include "bench/clusters.hpp"

#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::bench;
using namespace std::chrono_literals;

TEST(clusters_test, every_cluster_converges_beside_one_that_fails) {
  clusters_options o;
  o.clusters = 3;
  o.failing = 1;
  o.services = 4;
  o.ports = 2;
  o.task = 20ms;
  o.progress = false;
  o.timeout = 60s;
  std::ostringstream progress;
  auto r = run_clusters(o, progress);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->services, 12u);
  EXPECT_EQ(r->converged, 12u);
  EXPECT_EQ(r->failed_engines, 1u);
  EXPECT_EQ(r->healthy_failed, 0u);
  ASSERT_EQ(r->clusters.size(), 3u);
  for (const auto& c : r->clusters) {
    EXPECT_EQ(c.converged, 4u) << c.network;
    EXPECT_GT(c.wall_s, 0.0);
    EXPECT_LE(c.wall_s, r->wall_s);
  }
  // Mode C: pool + virtual service per port, 20 ms each, on one gateway.
  EXPECT_DOUBLE_EQ(r->floor_s, 4 * 2 * 2 * 0.020);
  std::ostringstream out;
  print_clusters(*r, out);
  EXPECT_NE(out.str().find("net-3"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1/1 reached `failed`"), std::string::npos) << out.str();
}

TEST(clusters_test, refuses_impossible_sizes) {
  clusters_options o;
  o.clusters = 61;
  auto r = run_clusters(o, std::cerr);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), config_errc::invalid_value));
}

} // namespace
