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
  // The internal pool is the one-arm range, not the gateway.
  EXPECT_TRUE(has("vcdlb_ip_pool_addresses{pool=\"one-arm\",kind=\"internal\"}", "99"));
  EXPECT_TRUE(has("vcdlb_ip_pool_addresses_free{pool=\"one-arm\",kind=\"internal\"}", "94"));
  EXPECT_EQ(reg_.expose().find("pool=\"edge-1\",kind=\"internal\""), std::string::npos);
  EXPECT_TRUE(has("vcdlb_managed_services", "3"));
}

TEST_F(metrics_observer_test, without_a_one_arm_range_there_is_no_internal_pool) {
  obs_->discovered("edge-1", "37.2");
  obs_->pool_usage(11, 3, 0, 0);
  EXPECT_EQ(reg_.expose().find("kind=\"internal\""), std::string::npos) << reg_.expose();
}

TEST_F(metrics_observer_test, retry_reasons_are_the_bare_code_names) {
  obs_->discovered("edge-1", "37.2");
  obs_->gateway_retry("vcd.busy_entity");
  obs_->gateway_retry("vcd.rate_limited");
  obs_->gateway_retry("net.connection_closed");
  EXPECT_TRUE(has("vcdlb_gateway_retries_total{gateway=\"edge-1\",reason=\"busy_entity\"}", "1"))
    << reg_.expose();
  EXPECT_TRUE(has("vcdlb_gateway_retries_total{gateway=\"edge-1\",reason=\"rate_limited\"}", "1"));
  EXPECT_TRUE(has("vcdlb_gateway_retries_total{gateway=\"edge-1\",reason=\"connection\"}", "1"));
  EXPECT_EQ(reg_.expose().find("reason=\"vcd."), std::string::npos);
}

TEST_F(metrics_observer_test, only_node_driven_updates_count_as_load_balancer_syncs) {
  obs_->discovered("edge-1", "37.2");
  // Spec-driven reconciles that mutate are no node sync.
  obs_->reconcile_finished(reconcile_kind::ensure, true, true, 2s);
  EXPECT_TRUE(has("service_controller_loadbalancer_sync_total", "0")) << reg_.expose();
  obs_->node_update_finished(true, true, 3s, 1s);
  obs_->node_update_finished(true, false, 3s, 1s); // nothing to change on the gateway
  obs_->node_update_finished(false, true, 5s, 2s);
  EXPECT_TRUE(has("service_controller_loadbalancer_sync_total", "1"));
  EXPECT_TRUE(has("service_controller_nodesync_error_total", "1"));
  EXPECT_TRUE(has("service_controller_nodesync_latency_seconds_count", "1"));
  EXPECT_TRUE(has("service_controller_nodesync_latency_seconds_sum", "3"));
  EXPECT_TRUE(has("service_controller_update_loadbalancer_host_latency_seconds_sum", "1"));
}

TEST_F(metrics_observer_test, ip_allocation_failures_name_the_pool_and_reason) {
  obs_->discovered("edge-1", "37.2");
  obs_->ip_allocation_failed(false, "exhausted");
  obs_->ip_allocation_failed(true, "exhausted");
  obs_->ip_allocation_failed(false, "port_conflict");
  EXPECT_TRUE(
    has("vcdlb_ip_pool_allocation_failures_total{pool=\"edge-1\",reason=\"exhausted\"}", "1"))
    << reg_.expose();
  EXPECT_TRUE(
    has("vcdlb_ip_pool_allocation_failures_total{pool=\"one-arm\",reason=\"exhausted\"}", "1"));
  EXPECT_TRUE(
    has("vcdlb_ip_pool_allocation_failures_total{pool=\"edge-1\",reason=\"port_conflict\"}", "1"));
}

} // namespace
