// The upstream model against the simulator over HTTPS: it converges Services in every mode,
// sends exactly the request sequence of upstream-cpi.md §2.4 for a create (polls aside), and
// every request it counts is one the simulator logged.

#include "bench/upstream_model.hpp"

#include <set>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "bench/accounting.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::bench;
using namespace std::chrono_literals;

class upstream_model_test : public ::testing::TestWithParam<config::lb_mode> {
protected:
  void SetUp() override {
    vcd::sim::simulator_options so;
    so.core.faults.task_duration = 20ms;
    auto s = vcd::sim::simulator::start(std::move(so));
    ASSERT_TRUE(s) << describe(s.error());
    sim_ = std::move(*s);
    sim_->core().set_request_observer(acc_.observer());
    http::client_options ho;
    ho.base_url = sim_->url();
    ho.tls.ca_pem = sim_->ca_pem();
    ho.max_connections = 1;
    ho.proxy_from_environment = false;
    auto h = http::client::make(io_.context(), ho);
    ASSERT_TRUE(h) << describe(h.error());
    http_ = *h;
    auto scenario = vcd::sim::default_scenario();
    opts_.mode = GetParam();
    opts_.poll_interval = 5ms;
    opts_.refresh_token = scenario.orgs[0].api_tokens[0].token;
    opts_.cluster_id = scenario.orgs[0].defined_entities[0].id;
    opts_.one_arm_start = "192.168.8.2";
    opts_.one_arm_end = "192.168.8.100";
  }

  void TearDown() override {
    if (http_)
      http_->shutdown();
    if (sim_) {
      sim_->core().set_request_observer({});
      sim_->stop();
    }
    io_.stop();
  }

  service_def service(int i) {
    service_def s;
    s.name = "svc-" + std::to_string(i);
    s.ports = {{"http", 80, 30080 + i}, {"https", 443, 30443 + i}};
    return s;
  }

  size_t count(const boost::json::value& dump, const char* kind) {
    return dump.at(kind).as_array().size();
  }

  asio_bridge::io_runner io_{"upstream-test", 1};
  std::unique_ptr<vcd::sim::simulator> sim_;
  request_accounting acc_;
  std::shared_ptr<http::client> http_;
  upstream_options opts_;
};

TEST_P(upstream_model_test, create_update_and_delete_follow_the_upstream_sequence) {
  auto mode = GetParam();
  bool one_arm = mode != config::lb_mode::c;
  upstream_model m{http_, sim_->url(), opts_};
  std::vector<node_def> nodes{{"n1", "10.0.0.2"}, {"n2", "10.0.0.3"}};
  uint64_t model_total = 0;
  std::set<std::string> ips;
  for (int i = 0; i < 3; ++i) {
    auto ip = m.ensure(service(i), nodes);
    ASSERT_TRUE(ip) << describe(ip.error());
    ips.insert(*ip);
    const auto& st = m.last_call();
    model_total += st.requests;
    // Two ports per Service: 2 virtual services per earlier Service; the primary IP plus
    // one external IP per earlier Service.
    auto expected = upstream_model::expected_create_requests(mode, 2, true, 2u * i, 1u + i);
    EXPECT_EQ(st.requests - st.task_polls, expected) << "Service " << i;
    EXPECT_EQ(st.tasks, upstream_model::expected_create_tasks(mode, 2));
    EXPECT_GE(st.task_polls, st.tasks); // at least one GET per task
    if (mode == config::lb_mode::a) {
      EXPECT_GT(st.requests, 100u); // "well over 100" for a 2-port mode-A create (§5)
    }
  }
  EXPECT_EQ(ips.size(), 3u);
  auto dump = sim_->core().dump();
  EXPECT_EQ(count(dump, "virtual_services"), 6u);
  EXPECT_EQ(count(dump, "pools"), 6u);
  EXPECT_EQ(count(dump, "nat_rules"), one_arm ? 6u : 0u);
  // Three SYSTEM profiles always exist.
  EXPECT_EQ(count(dump, "app_port_profiles"), one_arm ? 9u : 3u);

  // Re-ensure of an unchanged Service: the update path, which PUTs every VS (§2.5).
  auto before = acc_.counts();
  ASSERT_TRUE(m.ensure(service(0), nodes));
  EXPECT_EQ(m.last_call().tasks, 2u);
  EXPECT_EQ((acc_.counts() - before).total(), m.last_call().requests);
  model_total += m.last_call().requests;

  // A node change updates every pool (and PUTs every VS).
  ASSERT_FALSE(m.update_nodes(service(1), {{"n3", "10.0.0.9"}}));
  EXPECT_EQ(m.last_call().tasks, 4u);
  model_total += m.last_call().requests;

  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(m.remove(service(i)));
    model_total += m.last_call().requests;
    EXPECT_EQ(m.last_call().tasks, one_arm ? 8u : 4u);
  }
  dump = sim_->core().dump();
  EXPECT_EQ(count(dump, "virtual_services"), 0u);
  EXPECT_EQ(count(dump, "pools"), 0u);
  EXPECT_EQ(count(dump, "nat_rules"), 0u);
  EXPECT_EQ(count(dump, "app_port_profiles"), 3u);
  // Deleting what is gone asks GetLoadBalancer and stops there.
  ASSERT_FALSE(m.remove(service(0)));
  EXPECT_EQ(m.last_call().tasks, 0u);
  model_total += m.last_call().requests;

  // Every request the model counted reached the simulator, and nothing else did.
  auto c = acc_.counts();
  EXPECT_EQ(c.total(), model_total);
  EXPECT_EQ(c.retries, 0u);
  auto s = sim_->core().stats();
  EXPECT_EQ(c.total(), s.total - s.control);
  EXPECT_EQ(c.reads, s.reads);
  EXPECT_EQ(c.auth, s.auth);
  EXPECT_EQ(c.mutations, s.mutations);
  EXPECT_EQ(c.task_polls, s.task_polls);
}

INSTANTIATE_TEST_SUITE_P(modes, upstream_model_test,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         [](const auto& info) {
                           return std::string{config::to_string(info.param)};
                         });

TEST(upstream_model_counts, mode_a_two_port_create_is_well_over_100_requests_with_polls) {
  auto n = upstream_model::expected_create_requests(config::lb_mode::a, 2, true, 0, 1);
  // Without task polls already close to 100; each of the 8 tasks adds at least one poll.
  EXPECT_GE(n + upstream_model::expected_create_tasks(config::lb_mode::a, 2), 100u);
  EXPECT_LT(upstream_model::expected_create_requests(config::lb_mode::c, 2, true, 0, 1), n);
  EXPECT_LT(upstream_model::expected_create_requests(config::lb_mode::a, 2, false, 0, 1), n);
}

} // namespace
