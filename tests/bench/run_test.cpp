// A small bench run end to end: vcdlb's engine over HTTPS and the upstream model against the
// simulator. Checks that everything converged and that the counts add up, not speed.

#include "bench/runner.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "bench/upstream_model.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::bench;
using namespace std::chrono_literals;

bench_options small(config::lb_mode mode, std::string scenario) {
  bench_options o;
  o.scenario = std::move(scenario);
  o.services = 3;
  o.ports = 2;
  o.mode = mode;
  o.task = 20ms;
  o.real_task = 5000ms;
  o.baseline_upstream = true;
  o.progress = false;
  o.phase_timeout = 60s;
  return o;
}

void check_counts(const phase_result& p) {
  SCOPED_TRACE(p.subject + " " + p.phase);
  // Requests by kind sum to what the simulator itself counted.
  EXPECT_EQ(p.requests.total(), p.simulator_counts.total());
  EXPECT_EQ(p.requests.auth + p.requests.reads + p.requests.mutations + p.requests.task_polls
              + p.requests.retries,
            p.simulator_counts.auth + p.simulator_counts.reads + p.simulator_counts.mutations
              + p.simulator_counts.task_polls);
  EXPECT_LE(p.requests.retries, p.requests.rejected);
  EXPECT_GE(p.busy_fraction, 0.0);
  EXPECT_LE(p.busy_fraction, 1.0 + 1e-9);
  EXPECT_EQ(p.latencies_s.size(), p.converged);
  EXPECT_LE(p.p50_s, p.p99_s);
}

TEST(bench_run, create_in_mode_c_and_a_converges_and_counts_add_up) {
  for (auto mode : {config::lb_mode::c, config::lb_mode::a}) {
    SCOPED_TRACE(std::string{config::to_string(mode)});
    std::ostringstream progress;
    auto r = run_bench(small(mode, "create"), progress);
    ASSERT_TRUE(r) << describe(r.error());
    ASSERT_EQ(r->phases.size(), 2u);
    const auto& v = r->phases[0];
    const auto& u = r->phases[1];
    EXPECT_EQ(v.subject, "vcdlb");
    EXPECT_EQ(u.subject, "upstream model");
    for (const auto* p : {&v, &u}) {
      EXPECT_TRUE(p->all_converged);
      EXPECT_EQ(p->converged, 3u);
      EXPECT_EQ(p->services, 3u);
      EXPECT_EQ(p->ports, 6u);
      check_counts(*p);
      // Without faults nothing is refused, so each kind matches the simulator's own count.
      EXPECT_EQ(p->requests.retries, 0u);
      EXPECT_EQ(p->requests.reads, p->simulator_counts.reads);
      EXPECT_EQ(p->requests.mutations, p->simulator_counts.mutations);
      EXPECT_EQ(p->requests.task_polls, p->simulator_counts.task_polls);
      EXPECT_GT(p->gateway_busy_s, 0.0);
      EXPECT_GT(p->wall_s, 0.0);
      EXPECT_GT(p->floor_s, 0.0);
    }
    bool one_arm = mode != config::lb_mode::c;
    // vcdlb issues exactly the necessary mutations: the floor's, profiles included, and the
    // writes of the cluster's RDE (status.cpi).
    EXPECT_GT(v.requests.rde_writes, 0u);
    EXPECT_EQ(v.requests.mutations - v.requests.rde_writes,
              v.floor.gateway_mutations + v.floor.other_mutations);
    EXPECT_EQ(v.gateway_tasks, v.floor.gateway_mutations);
    // The upstream replay: per Service the model's sequence, polls aside (3 Services
    // created one after another on a growing gateway), plus its 2 RDE PUTs among mutations.
    uint64_t expected = 0;
    for (uint64_t i = 0; i < 3; ++i)
      expected += upstream_model::expected_create_requests(mode, 2, true, 2 * i, 1 + i);
    EXPECT_EQ(u.requests.total() - u.requests.task_polls, expected);
    EXPECT_EQ(u.requests.mutations,
              3 * (upstream_model::expected_create_tasks(mode, 2) + 2)); // + RDE PUTs
    EXPECT_EQ(u.gateway_tasks, u.floor.gateway_mutations);
    EXPECT_EQ(u.floor.gateway_mutations, 3u * 2u * (one_arm ? 3u : 2u));
    EXPECT_TRUE(progress.str().empty()); // progress was off
  }
}

TEST(bench_run, every_phase_with_faults_still_converges_and_counts_retries) {
  // vcdlb through every phase; the upstream model (whose ~60-request calls rarely get through
  // a high fault rate) through a create at a lower one.
  auto o = small(config::lb_mode::c, "all");
  o.services = 2;
  o.baseline_upstream = false;
  o.rate_503 = 0.03;
  o.seed = 7;
  auto u = small(config::lb_mode::c, "create");
  u.services = 2;
  u.run_vcdlb = false;
  u.rate_503 = 0.01;
  u.seed = 7;
  uint64_t rejected = 0;
  uint64_t retries = 0;
  size_t phases = 0;
  for (const auto& opts : {o, u}) {
    std::ostringstream progress;
    auto r = run_bench(opts, progress);
    ASSERT_TRUE(r) << describe(r.error());
    phases += r->phases.size();
    for (const auto& p : r->phases) {
      EXPECT_TRUE(p.all_converged) << p.subject << " " << p.phase;
      check_counts(p);
      rejected += p.requests.rejected;
      retries += p.requests.retries;
    }
  }
  EXPECT_EQ(phases, 6u);   // 5 phases of vcdlb, 1 of the model
  EXPECT_GT(rejected, 0u); // the fault rate did bite
  EXPECT_GT(retries, 0u);
}

TEST(bench_run, a_restarted_engine_adopts_and_does_the_pending_work) {
  auto o = small(config::lb_mode::c, "restart");
  o.baseline_upstream = false;
  std::ostringstream progress;
  auto r = run_bench(o, progress);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->phases.size(), 1u);
  const auto& p = r->phases[0];
  EXPECT_EQ(p.phase, "restart");
  EXPECT_TRUE(p.all_converged);
  check_counts(p);
  // Only the pending change is made: nothing adopted is re-created.
  EXPECT_GT(p.gateway_tasks, 0u);
  EXPECT_LE(p.gateway_tasks, p.floor.gateway_mutations);
  EXPECT_GE(p.first_task_s, 0.0);
  EXPECT_LE(p.first_task_s, p.wall_s);
}

TEST(bench_run, port_edits_on_shared_ips_converge_and_the_baseline_says_unsupported) {
  auto o = small(config::lb_mode::a, "shared-ports");
  o.services = 4;
  o.ports = 1;
  std::ostringstream progress;
  auto r = run_bench(o, progress);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->phases.size(), 2u);
  const auto& v = r->phases[0];
  EXPECT_TRUE(v.all_converged);
  check_counts(v);
  EXPECT_GE(v.requests.mutations, v.floor.gateway_mutations);
  EXPECT_FALSE(r->phases[1].supported);
  EXPECT_EQ(r->phases[1].subject, "upstream model");
}

TEST(bench_run, engine_only_runs_without_a_simulator) {
  auto o = small(config::lb_mode::b, "create");
  o.engine_only = true;
  o.baseline_upstream = false;
  std::ostringstream progress;
  auto r = run_bench(o, progress);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->phases.size(), 1u);
  const auto& p = r->phases[0];
  EXPECT_EQ(p.subject, "vcdlb (engine only)");
  EXPECT_TRUE(p.all_converged);
  EXPECT_GT(p.requests.rde_writes, 0u); // the cluster's status.cpi
  EXPECT_EQ(p.requests.mutations - p.requests.rde_writes,
            p.floor.gateway_mutations + p.floor.other_mutations);
  EXPECT_EQ(p.gateway_busy_s, 0.0); // no simulator, no gateway tasks to time
}

TEST(bench_run, engine_only_resync_of_adopted_services_sends_no_request) {
  // The setup create adopts objects seeded on the fake (as after a restart); the relist of
  // the unchanged Services that follows must not reach VCD at all.
  for (auto mode : {config::lb_mode::c, config::lb_mode::a}) {
    SCOPED_TRACE(std::string{config::to_string(mode)});
    auto o = small(mode, "resync");
    o.services = 20;
    o.engine_only = true;
    o.adopt_setup = true;
    o.baseline_upstream = false;
    std::ostringstream progress;
    auto r = run_bench(o, progress);
    ASSERT_TRUE(r) << describe(r.error());
    ASSERT_EQ(r->phases.size(), 1u);
    const auto& p = r->phases[0];
    EXPECT_EQ(p.phase, "resync");
    EXPECT_TRUE(p.all_converged);
    EXPECT_EQ(p.services, 20u);
    EXPECT_EQ(p.requests.total(), 0u);
    EXPECT_GT(p.cpu_s, 0.0);
  }
}

TEST(bench_run, engine_only_drift_repair_of_unchanged_services_only_lists_the_gateway) {
  // engine::resync() after an adopted setup: the gateway's refresh (4 lists) finds nothing
  // changed, so no Service reconciles and nothing else reaches VCD.
  auto o = small(config::lb_mode::c, "drift-repair");
  o.services = 20;
  o.engine_only = true;
  o.adopt_setup = true;
  o.baseline_upstream = false;
  std::ostringstream progress;
  auto r = run_bench(o, progress);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->phases.size(), 1u);
  const auto& p = r->phases[0];
  EXPECT_EQ(p.phase, "drift-repair");
  EXPECT_TRUE(p.all_converged);
  EXPECT_EQ(p.services, 20u);
  EXPECT_EQ(p.requests.reads, 4u);
  EXPECT_EQ(p.requests.total(), 4u);
  EXPECT_GT(p.cpu_s, 0.0);
}

TEST(bench_run, unknown_scenario_is_an_error) {
  auto o = small(config::lb_mode::c, "bogus");
  std::ostringstream progress;
  auto r = run_bench(o, progress);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), config_errc::invalid_value));
}

} // namespace
