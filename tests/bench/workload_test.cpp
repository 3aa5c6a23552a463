// Scenario plans and how each phase changes the synthetic cluster.

#include "bench/workload.hpp"

#include <set>

#include <gtest/gtest.h>

#include "bench/stats.hpp"

namespace {

using namespace vcdlb::bench;

TEST(bench_workload, plans_name_their_measured_phases) {
  auto all = plan_for("all");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->steps.size(), 5u);
  for (const auto& s : all->steps)
    EXPECT_TRUE(s.measured);
  auto upd = plan_for("update");
  ASSERT_TRUE(upd);
  ASSERT_EQ(upd->steps.size(), 2u);
  EXPECT_EQ(upd->steps[0].kind, phase_kind::create);
  EXPECT_FALSE(upd->steps[0].measured);
  EXPECT_EQ(upd->steps[1].kind, phase_kind::update);
  EXPECT_TRUE(upd->steps[1].measured);
  EXPECT_TRUE(plan_for("shared-ports")->shared);
  auto restart = plan_for("restart");
  ASSERT_TRUE(restart);
  ASSERT_EQ(restart->steps.size(), 2u);
  EXPECT_EQ(restart->steps[1].kind, phase_kind::restart);
  auto s = initial_state({3, 2, 2, 4}, false);
  EXPECT_EQ(apply_phase(phase_kind::restart, s, 1).services,
            apply_phase(phase_kind::update, s, 1).services)
    << "the pending work is the update's change";
  EXPECT_FALSE(plan_for("nope"));
  for (const auto& n : scenario_names())
    EXPECT_TRUE(plan_for(n)) << n;
}

TEST(bench_workload, churn_endpoints_moves_every_local_pod_to_the_next_node) {
  auto plan = plan_for("churn-endpoints");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->local);
  ASSERT_EQ(plan->steps.size(), 2u);
  EXPECT_EQ(plan->steps[1].kind, phase_kind::churn_endpoints);
  EXPECT_TRUE(plan->steps[1].measured);
  auto s = initial_state({4, 2, 3, 4}, false);
  make_local(s);
  for (size_t i = 0; i < s.services.size(); ++i) {
    EXPECT_TRUE(s.services[i].local);
    EXPECT_EQ(s.services[i].endpoint_nodes, std::vector<std::string>{s.nodes[i % 3].name});
  }
  auto moved = apply_phase(phase_kind::churn_endpoints, s, 1);
  EXPECT_EQ(moved.nodes, s.nodes);
  for (size_t i = 0; i < s.services.size(); ++i) {
    EXPECT_EQ(moved.services[i].ports, s.services[i].ports);
    EXPECT_EQ(moved.services[i].endpoint_nodes,
              std::vector<std::string>{s.nodes[(i + 1) % 3].name});
  }
}

TEST(bench_workload, initial_state_has_unique_node_ports_and_nodes) {
  auto s = initial_state({5, 3, 4, 4}, false);
  ASSERT_EQ(s.services.size(), 5u);
  ASSERT_EQ(s.nodes.size(), 4u);
  std::set<int> node_ports;
  for (const auto& svc : s.services) {
    EXPECT_TRUE(svc.sharing_key.empty());
    ASSERT_EQ(svc.ports.size(), 3u);
    EXPECT_EQ(svc.ports[0].port, 8000);
    for (const auto& p : svc.ports)
      node_ports.insert(p.node_port);
  }
  EXPECT_EQ(node_ports.size(), 15u);
  std::set<std::string> ips;
  for (const auto& n : s.nodes)
    ips.insert(n.ip);
  EXPECT_EQ(ips.size(), 4u);
}

TEST(bench_workload, update_replaces_the_last_port_and_churn_one_node) {
  auto s = initial_state({2, 2, 3, 4}, false);
  auto u = apply_phase(phase_kind::update, s, 1);
  for (size_t i = 0; i < s.services.size(); ++i) {
    ASSERT_EQ(u.services[i].ports.size(), 2u);
    EXPECT_EQ(u.services[i].ports[0], s.services[i].ports[0]);
    EXPECT_NE(u.services[i].ports[1].name, s.services[i].ports[1].name);
    EXPECT_NE(u.services[i].ports[1].port, s.services[i].ports[1].port);
  }
  auto c = apply_phase(phase_kind::churn, s, 2);
  ASSERT_EQ(c.nodes.size(), 3u);
  EXPECT_EQ(c.services, s.services);
  EXPECT_NE(c.nodes.back().ip, s.nodes.back().ip);
  EXPECT_NE(c.nodes.front().ip, s.nodes.front().ip);
  EXPECT_TRUE(apply_phase(phase_kind::remove, s, 3).services.empty());
  EXPECT_EQ(apply_phase(phase_kind::resync, s, 4).services, s.services);
  EXPECT_EQ(apply_phase(phase_kind::drift_repair, s, 5).services, s.services);
}

TEST(bench_workload, shared_ports_shift_along_a_group_and_stay_disjoint) {
  auto s = initial_state({6, 2, 3, 3}, true);
  EXPECT_EQ(s.services[0].sharing_key, s.services[2].sharing_key);
  EXPECT_NE(s.services[2].sharing_key, s.services[3].sharing_key);
  auto r = apply_phase(phase_kind::shared_ports, s, 1);
  for (size_t g = 0; g < 6; g += 3) {
    std::set<int> after;
    for (size_t i = g; i < g + 3; ++i) {
      for (const auto& p : r.services[i].ports)
        after.insert(p.port);
      EXPECT_NE(r.services[i].ports[0].port, s.services[i].ports[0].port);
    }
    EXPECT_EQ(after.size(), 6u); // still disjoint on the shared IP
    // Service i took what Service i+1 had; the last one moved to unused numbers.
    EXPECT_EQ(r.services[g].ports[0].port, s.services[g + 1].ports[0].port);
    EXPECT_EQ(r.services[g + 1].ports[1].port, s.services[g + 2].ports[1].port);
    for (size_t i = g; i < g + 3; ++i)
      for (const auto& p : s.services[i].ports)
        EXPECT_NE(r.services[g + 2].ports[0].port, p.port);
  }
}

TEST(bench_stats, nearest_rank_percentiles) {
  EXPECT_EQ(percentile({}, 50), 0);
  EXPECT_EQ(percentile({3, 1, 2}, 50), 2);
  EXPECT_EQ(percentile({3, 1, 2}, 99), 3);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i)
    v.push_back(i);
  EXPECT_EQ(percentile(v, 90), 90);
  EXPECT_EQ(percentile(v, 1), 1);
}

} // namespace
