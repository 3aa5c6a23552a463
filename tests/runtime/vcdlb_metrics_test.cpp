// vcdlb's metric families: registered once, valid exposition, names as documented.

#include "runtime/vcdlb_metrics.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "exposition_checker.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::runtime;

TEST(vcdlb_metrics, registers_every_family_with_a_valid_exposition) {
  metrics::registry reg;
  auto m = vcdlb_metrics::make(reg, build_info{"0.1.0", "abc123", "gcc 12", "0.17.6"});
  ASSERT_TRUE(m) << describe(m.error());
  const auto& mm = **m;
  mm.reconcile_total.with(metric_labels::controller_service, metric_labels::result_success)->inc();
  mm.reconcile_time_seconds.with(metric_labels::controller_service)->observe(0.3);
  mm.vcd_requests_total.with("create_virtual_service", "202")->inc();
  mm.vcd_request_duration_seconds.with("create_virtual_service", "202")->observe(1.5);
  mm.ip_pool_addresses.with("edge-1", metric_labels::pool_external)->set(16);
  mm.ip_pool_addresses_free.with("edge-1", metric_labels::pool_external)->set(3);
  mm.leader_election_master_status.with("vcdlb")->set(1);
  mm.nodesync_latency_seconds.with()->observe(2);
  mm.reconcile_duration_seconds.with(metric_labels::operation_delete, metric_labels::result_error)
    ->observe(400); // beyond the last bound: only +Inf

  auto text = reg.expose();
  std::string error;
  auto parsed = test::check_exposition(text, error);
  ASSERT_TRUE(parsed) << error << "\n" << text;
  EXPECT_EQ(parsed->samples.at("vcdlb_build_info{version=\"0.1.0\",revision=\"abc123\","
                               "compiler=\"gcc 12\",caf_version=\"0.17.6\"}"),
            1);
  EXPECT_EQ(parsed->samples.at(
              "controller_runtime_reconcile_total{controller=\"service\",result=\"success\"}"),
            1);
  EXPECT_EQ(parsed->samples.at("cloudprovider_vcd_api_request_duration_seconds_bucket{operation="
                               "\"create_virtual_service\",code=\"202\",le=\"2.56\"}"),
            1);
  EXPECT_EQ(parsed->samples.at("vcdlb_ip_pool_addresses_free{pool=\"edge-1\",kind=\"external\"}"),
            3);
  EXPECT_EQ(parsed->samples.at("cloudprovider_vcd_reconcile_duration_seconds_bucket{operation="
                               "\"delete\",result=\"error\",le=\"327.68\"}"),
            0);
  EXPECT_EQ(parsed->samples.at("cloudprovider_vcd_reconcile_duration_seconds_count{operation="
                               "\"delete\",result=\"error\"}"),
            1);
  // Every histogram reaches minutes (cloud calls must not end up in +Inf).
  EXPECT_TRUE(parsed->samples.count(
    "controller_runtime_reconcile_time_seconds_bucket{controller=\"service\",le=\"327.68\"}"));
  EXPECT_TRUE(
    parsed->samples.count("service_controller_nodesync_latency_seconds_bucket{le=\"16384\"}"));

  // Counters end in _total, nothing else does.
  for (const auto& [name, type] : parsed->types) {
    EXPECT_EQ(name.ends_with("_total"), type == "counter") << name;
  }

  // A second registration in the same registry fails: names are unique per registry...
  auto again = vcdlb_metrics::make(reg, build_info{});
  ASSERT_FALSE(again);
  EXPECT_TRUE(has_code(again.error(), config_errc::invalid_value));
  // ...but several registries are independent.
  metrics::registry other;
  EXPECT_TRUE(vcdlb_metrics::make(other, build_info{}));
}

// docs/metrics.md documents exactly the families that exist.
TEST(vcdlb_metrics, every_family_is_documented) {
  std::ifstream in{VCDLB_SOURCE_DIR "/docs/metrics.md"};
  ASSERT_TRUE(in) << "docs/metrics.md missing";
  std::stringstream doc;
  doc << in.rdbuf();
  metrics::registry reg;
  ASSERT_TRUE(vcdlb_metrics::make(reg, build_info{}));
  std::string error;
  auto parsed = test::check_exposition(reg.expose(), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->types.size(), 46u);
  for (const auto& [name, type] : parsed->types) {
    auto row = "| `" + name + "` | " + type + " |";
    EXPECT_NE(doc.str().find(row), std::string::npos) << "not documented: " << row;
  }
}

} // namespace
