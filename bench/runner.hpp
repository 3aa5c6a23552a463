#pragma once

/// @file bench/runner.hpp
/// @brief One bench run: a simulator per subject, the scenario's phases driven through each
/// subject, and every figure of the report measured around each phase.
///
/// Time scaling: the simulator's task duration stands for `real_task` of a real VCD; every
/// other interval of both controllers (upstream's 3 s task poll and 5-300 s requeue backoff,
/// vcdlb's task-poll schedule and its VCD rate limit) is multiplied by the same factor
/// `task / real_task`, so their ratios to the task time, and hence the ratios between the two
/// controllers, are those of the unscaled system (see bench/README.md).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench/accounting.hpp"
#include "bench/floor.hpp"
#include "bench/subject.hpp"
#include "bench/workload.hpp"
#include "caf/expected.hpp"
#include "config/config.hpp"

namespace vcdlb::bench {

struct bench_options {
  std::string scenario = "create";
  int services = 10;
  int ports = 2;
  int nodes = 3;
  int share_group = 4;
  config::lb_mode mode = config::lb_mode::c;
  // Simulator.
  std::chrono::milliseconds latency{0};      ///< added to every response
  std::chrono::milliseconds task{100};       ///< simulated task duration
  std::chrono::milliseconds real_task{5000}; ///< the VCD task duration `task` stands for
  bool gateway_lock = true;
  double rate_429 = 0;
  double rate_500 = 0;
  double rate_503 = 0;
  double drop_rate = 0;
  double task_failure_rate = 0;
  unsigned sim_io_threads = 1;
  // vcdlb (unscaled, as in the configuration file).
  double vcd_qps = 10;
  int vcd_burst = 20;
  int concurrency = 8; ///< vcd.maxConcurrentRequests
  int worker_threads = 2;
  uint64_t seed = 1;
  // What to run.
  bool run_vcdlb = true;
  bool engine_only = false; ///< vcdlb with the in-memory fake instead of HTTPS + simulator
  /// Engine only: a setup create (not measured) adopts objects put on the fake beforehand
  /// instead of creating them (fast at any size; for the phases after it).
  bool adopt_setup = false;
  /// Engine only: when the first poll of a task goes (the fake's tasks are done at once); 0
  /// polls at once, so the run measures the engine alone; negative: 250 ms x 0.004 = 1 ms.
  int first_poll_ms = -1;
  /// The gateway's uplink uses IP Spaces: every external IP is a floating IP allocated (and
  /// released) through VCD's IP Space API, from one PUBLIC space with the same /16 and no quota.
  bool ip_spaces = false;
  bool baseline_upstream = false; ///< also the upstream model
  bool org_lookup_per_helper = true;
  std::chrono::seconds phase_timeout{900};
  bool progress = true;

  /// task / real_task.
  [[nodiscard]] double time_scale() const noexcept {
    return real_task.count() > 0
             ? static_cast<double>(task.count()) / static_cast<double>(real_task.count())
             : 1.0;
  }
};

/// Everything measured about one phase of one subject.
struct phase_result {
  std::string subject;
  std::string phase;
  bool measured = true;
  bool supported = true;
  std::string note;
  uint64_t services = 0; ///< Services the phase touched
  uint64_t ports = 0;    ///< their ports
  double wall_s = 0;     ///< until the last affected Service converged (or the deadline)
  uint64_t converged = 0;
  bool all_converged = false;
  std::vector<double> latencies_s; ///< per converged Service
  double p50_s = 0;
  double p90_s = 0;
  double p99_s = 0;
  double services_per_s = 0;
  request_counts requests; ///< every request the simulator handled, classified (accounting.hpp)
  /// The simulator's own counters over the phase (auth, reads, mutations, task polls by
  /// route; retries and rejected stay 0): a cross-check, the totals must equal `requests`'.
  request_counts simulator_counts;
  uint64_t gateway_tasks = 0;
  /// From the phase's start until its first gateway task started (its first gateway
  /// mutation); -1 when none did or there is no simulator.
  double first_task_s = -1;
  double gateway_busy_s = 0;
  double busy_fraction = 0;
  double cpu_s = 0;            ///< the whole process during the phase
  double simulator_cpu_s = 0;  ///< the simulator's io threads (in-process) during the phase
  double controller_cpu_s = 0; ///< cpu_s - simulator_cpu_s
  uint64_t peak_rss_bytes = 0; ///< the process's peak so far
  int64_t rss_delta_bytes = 0; ///< resident memory after the phase minus before
  double bytes_per_service = 0;
  mutation_floor floor;
  double floor_s = 0;
  double floor_ratio = 0; ///< wall_s / floor_s (0 when the floor is 0)
};

struct bench_report {
  bench_options options;
  std::string machine; ///< nproc, uname, load average
  std::vector<phase_result> phases;
};

/// Runs the scenario. Progress lines go to `progress` (a carriage-return updated line) when
/// enabled. Fails for an unknown scenario or a simulator that cannot start.
[[nodiscard]] caf::expected<bench_report> run_bench(const bench_options& o, std::ostream& progress);

} // namespace vcdlb::bench
