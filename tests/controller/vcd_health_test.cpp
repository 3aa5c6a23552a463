// VCD up/down from call outcomes: the gauges, the shared status and the rate-limited log.

#include "controller/detail/vcd_health.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "controller/detail/kube_request_metrics.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail {
namespace {

using namespace std::chrono_literals;

class vcd_health_test : public ::testing::Test {
protected:
  vcd_health_test() {
    auto m = runtime::vcdlb_metrics::make(reg_, runtime::build_info{});
    EXPECT_TRUE(m);
    metrics_ = *m;
    status_ = std::make_shared<vcd_status>();
    health_ = std::make_unique<vcd_health>(
      metrics_, status_, 30s, [this] { return now_; },
      [] { return std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}}; });
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink_));
  }
  ~vcd_health_test() override { spdlog::set_default_logger(previous_); }

  double gauge(const std::string& name) {
    auto text = reg_.expose();
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
  }

  size_t warnings() {
    auto text = log_.str();
    size_t n = 0;
    for (size_t at = text.find("[warning]"); at != std::string::npos;
         at = text.find("[warning]", at + 1))
      ++n;
    return n;
  }

  runtime::metrics::registry reg_;
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::shared_ptr<vcd_status> status_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours{1}};
  std::unique_ptr<vcd_health> health_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(vcd_health_test, unknown_until_the_first_call_then_up) {
  EXPECT_EQ(gauge("vcdlb_vcd_up"), 0);
  EXPECT_EQ(gauge("vcdlb_vcd_last_success_timestamp_seconds"), 0);
  health_->record("get_edge_gateway", nullptr);
  EXPECT_EQ(gauge("vcdlb_vcd_up"), 1);
  EXPECT_EQ(gauge("vcdlb_vcd_last_success_timestamp_seconds"), 1.8e9);
  EXPECT_FALSE(status_->problem());
}

TEST_F(vcd_health_test, an_outage_warns_at_once_then_at_most_every_interval) {
  health_->record("get_edge_gateway", nullptr);
  auto err = caf::make_error(vcd_errc::unavailable, "connection refused");
  health_->record("create_pool", &err);
  EXPECT_EQ(gauge("vcdlb_vcd_up"), 0);
  EXPECT_EQ(warnings(), 1u) << log_.str();
  ASSERT_TRUE(status_->problem());
  EXPECT_NE(status_->problem()->find("connection refused"), std::string::npos);
  // A thousand more failures within the interval: no more lines.
  for (int i = 0; i < 1000; ++i) {
    now_ += 10ms;
    health_->record("get_task", &err);
  }
  EXPECT_EQ(warnings(), 1u);
  now_ += 30s;
  health_->record("get_task", &err);
  EXPECT_EQ(warnings(), 2u);
  EXPECT_NE(log_.str().find("still not answering"), std::string::npos) << log_.str();
  EXPECT_EQ(health_->failures(), 1002u);
  // Back: one info line, the gauge and the status follow.
  health_->record("get_task", nullptr);
  EXPECT_TRUE(health_->up());
  EXPECT_EQ(gauge("vcdlb_vcd_up"), 1);
  EXPECT_FALSE(status_->problem());
  EXPECT_NE(log_.str().find("answering again"), std::string::npos) << log_.str();
}

TEST_F(vcd_health_test, answers_that_show_vcd_working_are_no_outage) {
  for (auto code : {vcd_errc::busy_entity, vcd_errc::rate_limited, vcd_errc::not_found,
                    vcd_errc::conflict, vcd_errc::bad_request, vcd_errc::task_failed}) {
    auto err = caf::make_error(code, "x");
    health_->record("create_pool", &err);
    EXPECT_TRUE(health_->up()) << to_string(code);
  }
  for (auto code : {vcd_errc::unavailable, vcd_errc::server_error, vcd_errc::bad_response,
                    vcd_errc::tls_failed, vcd_errc::unauthorized})
    EXPECT_TRUE(vcd_health::means_down(caf::make_error(code, "x"))) << to_string(code);
  EXPECT_EQ(warnings(), 0u);
}

TEST(kube_request_metrics, host_label_is_host_and_port) {
  EXPECT_EQ(kube_request_metrics::host_of("https://10.0.0.1:6443"), "10.0.0.1:6443");
  EXPECT_EQ(kube_request_metrics::host_of("https://api.example.com/prefix?x=1"), "api.example.com");
  EXPECT_EQ(kube_request_metrics::host_of("127.0.0.1:8080"), "127.0.0.1:8080");
}

} // namespace
} // namespace vcdlb::detail
