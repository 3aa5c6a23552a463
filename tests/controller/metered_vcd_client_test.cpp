#include "controller/detail/metered_vcd_client.hpp"

#include <gtest/gtest.h>

#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "adapters/vcd/fake_vm_client.hpp"

namespace vcdlb::detail {
namespace {

class metered_vcd_client_test : public ::testing::Test {
protected:
  metered_vcd_client_test() : fake_(std::make_shared<vcd::fake_client>()) {
    metrics_ = *runtime::vcdlb_metrics::make(registry_, {});
    client_ = std::make_shared<metered_vcd_client>(fake_, metrics_, nullptr);
  }

  double requests(const char* op, const char* code) const {
    return metrics_->vcd_requests_total.with(op, code)->value();
  }
  uint64_t timed(const char* op, const char* code) const {
    return metrics_->vcd_request_duration_seconds.with(op, code)->read().count;
  }

  runtime::metrics::registry registry_;
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::shared_ptr<vcd::fake_client> fake_;
  std::shared_ptr<metered_vcd_client> client_;
};

TEST_F(metered_vcd_client_test, successes_count_by_operation) {
  int done = 0;
  client_->login([&](caf::expected<vcd::session_info> r) { done += r ? 1 : 0; });
  client_->login([&](caf::expected<vcd::session_info> r) { done += r ? 1 : 0; });
  EXPECT_EQ(done, 2);
  EXPECT_EQ(requests("login", "200"), 2.0);
  EXPECT_EQ(timed("login", "200"), 2u);
}

TEST_F(metered_vcd_client_test, errors_count_by_http_status) {
  fake_->fail_next(vcd::operation::get_org_vdc_network,
                   vcd::make_http_error(503, "", "maintenance", 5, false));
  caf::error seen;
  client_->get_org_vdc_network(
    "net", [&](caf::expected<vcd::org_vdc_network> r) { seen = r ? caf::error{} : r.error(); });
  EXPECT_TRUE(has_code(seen, vcd_errc::unavailable)); // the caller still gets the error
  EXPECT_EQ(requests("get_org_vdc_network", "503"), 1.0);
  EXPECT_EQ(timed("get_org_vdc_network", "503"), 1u);
  // ... and by reason, the vcd_errc name without its category.
  EXPECT_EQ(metrics_->vcd_request_errors_total.with("get_org_vdc_network", "unavailable")->value(),
            1.0);
}

TEST_F(metered_vcd_client_test, outcomes_feed_the_vcd_health) {
  auto status = std::make_shared<vcd_status>();
  auto health = std::make_shared<vcd_health>(metrics_, status);
  auto client = std::make_shared<metered_vcd_client>(fake_, metrics_, health);
  fake_->fail_next(vcd::operation::get_edge_gateway,
                   caf::make_error(vcd_errc::unavailable, "connection refused"));
  client->get_edge_gateway("gw", [](caf::expected<vcd::edge_gateway>) {});
  EXPECT_FALSE(health->up());
  EXPECT_EQ(metrics_->vcd_up.with()->value(), 0.0);
  EXPECT_TRUE(status->problem());
  client->login([](caf::expected<vcd::session_info>) {});
  EXPECT_TRUE(health->up());
  EXPECT_EQ(metrics_->vcd_up.with()->value(), 1.0);
  EXPECT_FALSE(status->problem());
}

TEST_F(metered_vcd_client_test, no_response_counts_as_error_code) {
  fake_->fail_next(vcd::operation::get_edge_gateway,
                   caf::make_error(vcd_errc::unavailable, "connection refused"));
  client_->get_edge_gateway("gw", [](caf::expected<vcd::edge_gateway>) {});
  EXPECT_EQ(requests("get_edge_gateway", "<error>"), 1.0);
}

TEST_F(metered_vcd_client_test, a_rejected_mutation_counts_its_status) {
  // Unknown ids answer 403 in VCD (and the fake), not the 202 of an accepted task.
  client_->delete_pool("urn:vcloud:pool:nope", [](caf::expected<vcd::task_ref>) {});
  EXPECT_EQ(requests("delete_pool", "403"), 1.0);
  EXPECT_EQ(requests("delete_pool", "202"), 0.0);
}

TEST_F(metered_vcd_client_test, the_node_duties_legacy_reads_are_counted_too) {
  auto vms = std::make_shared<vcd::fake_vm_client>();
  auto href = vms->add_vapp("cluster1", "vdc1");
  auto status = std::make_shared<vcd_status>();
  auto health = std::make_shared<vcd_health>(metrics_, status);
  metered_vm_client client{vms, metrics_, health};
  size_t found = 0;
  client.query_vapps("cluster1", false, [&](caf::expected<std::vector<vcd::vapp_record>> r) {
    found = r ? r->size() : 0;
  });
  EXPECT_EQ(found, 1u);
  EXPECT_EQ(requests("query_vapps", "200"), 1.0);
  vms->fail_next(caf::make_error(vcd_errc::unavailable, "connection refused"));
  caf::error seen;
  client.get_vapp(href, [&](caf::expected<vcd::vapp> r) { seen = r ? caf::error{} : r.error(); });
  EXPECT_TRUE(has_code(seen, vcd_errc::unavailable)); // the caller still gets the error
  EXPECT_EQ(requests("get_vapp", "<error>"), 1.0);
  EXPECT_EQ(metrics_->vcd_request_errors_total.with("get_vapp", "unavailable")->value(), 1.0);
  EXPECT_FALSE(health->up());
}

} // namespace
} // namespace vcdlb::detail
