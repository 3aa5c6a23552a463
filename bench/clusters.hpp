#pragma once

/// @file bench/clusters.hpp
/// @brief `vcdlb bench --clusters K`: K engines in one process, on one actor system, each the
/// engine of its own cluster (its own network, edge gateway, address space, cluster id, VCD
/// session and Service table), each against a simulator of its own (one server thread per
/// simulator: the gateways are independent in VCD, and one simulator holding every cluster's
/// objects would be the bottleneck and measure itself). Each engine
/// gets `services` new Services at once; a Service has converged at its `EnsuredLoadBalancer`
/// Event (its IP was written first). Reported per cluster and in total, against one gateway's
/// floor: gateways work in parallel, so K clusters ideally converge in the time one does.
///
/// `failing` more engines start with a wrong password: they must end in the `failed` phase
/// while the K others converge (an engine's failure stays its own).

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "config/config.hpp"

namespace vcdlb::bench {

struct clusters_options {
  int clusters = 4;
  int services = 50; ///< per cluster
  int ports = 1;
  int nodes = 3;
  config::lb_mode mode = config::lb_mode::c;
  int failing = 0;
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds task{100};
  std::chrono::milliseconds real_task{5000}; ///< what `task` stands for (time scaling)
  double vcd_qps = 10;                       ///< per gateway, unscaled
  int vcd_burst = 20;
  int concurrency = 4; ///< VCD connections per engine
  int worker_threads = 2;
  unsigned sim_io_threads = 1;
  unsigned client_io_threads = 1; ///< shared by every engine's VCD client
  std::chrono::seconds timeout{900};
  bool progress = true;
};

struct cluster_figures {
  std::string network;
  uint64_t converged = 0;
  double wall_s = 0; ///< until its last Service converged
  double p50_s = 0;  ///< Service latency from the start
};

struct clusters_report {
  clusters_options options;
  std::string machine;
  std::vector<cluster_figures> clusters;
  uint64_t services = 0;       ///< clusters x services
  uint64_t converged = 0;      ///< over all clusters
  double wall_s = 0;           ///< until the last Service of any cluster converged
  double floor_s = 0;          ///< one gateway's floor (services x ports x k tasks)
  uint64_t failed_engines = 0; ///< of the `failing` ones, those that reached `failed`
  uint64_t healthy_failed = 0; ///< of the K, those that failed (must be 0)
  double cpu_s = 0;
  uint64_t peak_rss_bytes = 0;
};

/// Runs it; fails when the simulator cannot start or an engine cannot be created.
[[nodiscard]] caf::expected<clusters_report> run_clusters(const clusters_options& o,
                                                          std::ostream& progress);

/// The table: per cluster, then the total against the floor.
void print_clusters(const clusters_report& r, std::ostream& out);

} // namespace vcdlb::bench
