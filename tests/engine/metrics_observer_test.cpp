#include "engine/metrics_observer.hpp"

#include <gtest/gtest.h>

#include "runtime/metrics.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;

class metrics_observer_test : public ::testing::Test {
protected:
  metrics_observer_test() {
    auto m = runtime::vcdlb_metrics::make(reg_, runtime::build_info{});
    EXPECT_TRUE(m);
    obs_ = std::make_unique<metrics_observer>(*m);
  }

  /// True when the exposition has a line that starts with `sample` followed by " value".
  bool has(const std::string& sample, const std::string& value) {
    auto text = reg_.expose();
    return text.find("\n" + sample + " " + value + "\n") != std::string::npos;
  }

  runtime::metrics::registry reg_;
  std::unique_ptr<metrics_observer> obs_;
};

TEST_F(metrics_observer_test, reconciles_count_by_result_and_track_the_active_ones) {
  obs_->reconcile_started();
  obs_->reconcile_started();
  EXPECT_TRUE(has("controller_runtime_active_workers{controller=\"service\"}", "2"))
    << reg_.expose();
  obs_->reconcile_finished(reconcile_kind::ensure, true, true, 2s);
  obs_->reconcile_finished(reconcile_kind::cleanup, false, false, 1s);
  EXPECT_TRUE(has("controller_runtime_active_workers{controller=\"service\"}", "0"));
  EXPECT_TRUE(
    has("controller_runtime_reconcile_total{controller=\"service\",result=\"success\"}", "1"));
  EXPECT_TRUE(
    has("controller_runtime_reconcile_total{controller=\"service\",result=\"error\"}", "1"));
  EXPECT_TRUE(has("controller_runtime_reconcile_errors_total{controller=\"service\"}", "1"));
}

TEST_F(metrics_observer_test, gateway_hooks_are_labelled_with_the_discovered_gateway) {
  obs_->gateway_queue(3, true); // before discovery: ignored, not a crash
  obs_->discovered("edge-1", "37.2");
  obs_->gateway_queue(4, true);
  obs_->task_polled();
  obs_->task_finished(true, 500ms);
  obs_->gateway_retry("busy_entity");
  EXPECT_TRUE(has("vcdlb_gateway_queue_depth{gateway=\"edge-1\"}", "4")) << reg_.expose();
  EXPECT_TRUE(has("cloudprovider_vcd_task_polls_total{gateway=\"edge-1\"}", "1"));
  EXPECT_TRUE(has("vcdlb_gateway_retries_total{gateway=\"edge-1\",reason=\"busy_entity\"}", "1"));
}

TEST_F(metrics_observer_test, pool_usage_reports_size_and_free_addresses) {
  obs_->discovered("edge-1", "37.2");
  obs_->pool_usage(11, 3, 99, 5);
  obs_->managed_services(3);
  EXPECT_TRUE(has("vcdlb_ip_pool_addresses{pool=\"edge-1\",kind=\"external\"}", "11"))
    << reg_.expose();
  EXPECT_TRUE(has("vcdlb_ip_pool_addresses_free{pool=\"edge-1\",kind=\"external\"}", "8"));
  EXPECT_TRUE(has("vcdlb_ip_pool_addresses_free{pool=\"edge-1\",kind=\"internal\"}", "94"));
  EXPECT_TRUE(has("vcdlb_managed_services", "3"));
}

} // namespace
