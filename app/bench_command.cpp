// `vcdlb bench`: reconcile throughput, convergence and cost of vcdlb's engine against the VCD
// simulator, optionally beside a model of the upstream provider (bench/README.md).

#include <iostream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "bench/clusters.hpp"
#include "bench/report.hpp"
#include "bench/runner.hpp"
#include "bench/workload.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::app {

namespace {

struct bench_cli {
  bench::bench_options o;
  std::string mode = "C";
  std::string baseline;
  int64_t latency_ms = 0;
  int64_t task_ms = 100;
  int64_t real_task_ms = 5000;
  int64_t timeout_s = 900;
  bool no_gateway_lock = false;
  bool no_progress = false;
  bool no_vcdlb = false;
  bool no_org_lookups = false;
  std::string json_file;
  std::string csv_file;
  std::string plot_file;
  std::string log_level = "warn";
  int clusters = 0; ///< > 0: the many-clusters run (bench/clusters.hpp)
  int failing = 0;  ///< with --clusters: engines that must fail alone
  unsigned client_io_threads = 1;
};

// `--clusters K`: K engines in one process, each against its own gateway.
int run_clusters(const bench_cli& c) {
  const auto& o = c.o;
  bench::clusters_options co;
  co.clusters = c.clusters;
  co.failing = c.failing;
  co.services = o.services;
  co.ports = o.ports;
  co.nodes = o.nodes;
  co.mode = o.mode;
  co.latency = o.latency;
  co.task = o.task;
  co.real_task = o.real_task;
  co.vcd_qps = o.vcd_qps;
  co.vcd_burst = o.vcd_burst;
  co.concurrency = o.concurrency;
  co.worker_threads = o.worker_threads;
  co.sim_io_threads = o.sim_io_threads;
  co.client_io_threads = c.client_io_threads;
  co.timeout = o.phase_timeout;
  co.progress = o.progress;
  auto r = bench::run_clusters(co, std::cerr);
  if (!r) {
    std::cerr << "bench: " << describe(r.error()) << "\n";
    return 1;
  }
  bench::print_clusters(*r, std::cout);
  if (r->converged < r->services || r->healthy_failed > 0
      || r->failed_engines < uint64_t(c.failing)) {
    std::cerr << "bench: not every cluster converged (or a failing engine did not fail alone)\n";
    return 3;
  }
  return 0;
}

int run(bench_cli& c) {
  auto& o = c.o;
  if (c.mode == "A" || c.mode == "a")
    o.mode = config::lb_mode::a;
  else if (c.mode == "B" || c.mode == "b")
    o.mode = config::lb_mode::b;
  else if (c.mode == "C" || c.mode == "c")
    o.mode = config::lb_mode::c;
  else {
    std::cerr << "bench: --mode must be A, B or C\n";
    return 2;
  }
  if (!c.baseline.empty() && c.baseline != "upstream") {
    std::cerr << "bench: --baseline knows only 'upstream'\n";
    return 2;
  }
  o.baseline_upstream = c.baseline == "upstream";
  o.run_vcdlb = !c.no_vcdlb;
  if (!o.run_vcdlb && !o.baseline_upstream) {
    std::cerr << "bench: nothing to run (--no-vcdlb without --baseline upstream)\n";
    return 2;
  }
  if (o.engine_only && o.baseline_upstream) {
    std::cerr << "bench: --engine-only runs without the simulator; a baseline needs it\n";
    return 2;
  }
  if (o.ip_spaces && o.baseline_upstream) {
    std::cerr << "bench: the upstream model has no IP Space path; --ip-spaces runs vcdlb only\n";
    return 2;
  }
  if (o.ip_spaces && o.adopt_setup) {
    std::cerr << "bench: --adopt-setup seeds objects on uplink-range IPs; not with --ip-spaces\n";
    return 2;
  }
  if (o.adopt_setup && !o.engine_only) {
    std::cerr << "bench: --adopt-setup seeds the in-memory fake; it needs --engine-only\n";
    return 2;
  }
  if (o.first_poll_ms >= 0 && !o.engine_only) {
    std::cerr << "bench: --first-poll-ms times the in-memory fake's tasks; it needs "
                 "--engine-only\n";
    return 2;
  }
  o.latency = std::chrono::milliseconds{c.latency_ms};
  o.task = std::chrono::milliseconds{c.task_ms};
  o.real_task = std::chrono::milliseconds{c.real_task_ms};
  o.phase_timeout = std::chrono::seconds{c.timeout_s};
  o.gateway_lock = !c.no_gateway_lock;
  o.progress = !c.no_progress;
  o.org_lookup_per_helper = !c.no_org_lookups;
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  if (c.clusters > 0) {
    if (o.engine_only || o.baseline_upstream || o.ip_spaces || o.scenario != "create") {
      std::cerr << "bench: --clusters runs the create scenario against the simulator only\n";
      return 2;
    }
    return run_clusters(c);
  }
  auto report = bench::run_bench(o, std::cerr);
  if (!report) {
    std::cerr << "bench: " << describe(report.error()) << "\n";
    return 1;
  }
  bench::print_report(*report, std::cout);
  int rc = 0;
  auto save = [&](const std::string& path, const std::string& text) {
    if (path.empty())
      return;
    if (auto err = bench::write_file(path, text)) {
      std::cerr << "bench: " << describe(err) << "\n";
      rc = 1;
    } else {
      std::cout << "wrote " << path << "\n";
    }
  };
  save(c.json_file, bench::to_json(*report));
  save(c.csv_file, bench::to_csv(*report));
  if (!c.plot_file.empty()) {
    std::string skipped;
    if (auto err = bench::write_plot(*report, c.plot_file, skipped)) {
      std::cerr << "bench: " << describe(err) << "\n";
      rc = 1;
    } else if (!skipped.empty()) {
      std::cout << "plot skipped: " << skipped << "\n";
    } else {
      std::cout << "wrote " << c.plot_file << "\n";
    }
  }
  bool all = true;
  for (const auto& p : report->phases)
    all = all && (!p.supported || p.all_converged);
  if (!all) {
    std::cerr << "bench: some Services did not converge within --timeout-s\n";
    rc = rc == 0 ? 3 : rc;
  }
  return rc;
}

} // namespace

command add_bench_command(CLI::App& root) {
  auto c = std::make_shared<bench_cli>();
  auto& o = c->o;
  auto* cli = root.add_subcommand(
    "bench",
    "Measure reconcile throughput, convergence latency and VCD cost of vcdlb's engine against "
    "the in-process VCD simulator over HTTPS (or the in-memory fake with --engine-only), "
    "optionally beside a model of the upstream provider (--baseline upstream). Prints a table; "
    "writes JSON, CSV and a gnuplot PNG on request. Figures, not pass/fail.");
  std::string names;
  for (const auto& n : bench::scenario_names())
    names += (names.empty() ? "" : ", ") + n;
  cli->add_option("--scenario", o.scenario, "one of: " + names)->capture_default_str();
  cli->add_option("--services", o.services, "N: Services")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--ports", o.ports, "P: ports per Service")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--mode", c->mode, "A, B or C (DESIGN.md: the three modes)")
    ->capture_default_str();
  cli->add_option("--nodes", o.nodes, "worker nodes (pool members)")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--share-group", o.share_group, "Services per shared IP (shared-ports)")
    ->capture_default_str()
    ->check(CLI::Range(2, 1000));
  cli->add_option("--baseline", c->baseline, "'upstream': also run the upstream provider model");
  cli->add_flag("--engine-only", o.engine_only,
                "vcdlb with the in-memory fake VCD (engine CPU alone; no simulator)");
  cli->add_flag("--adopt-setup", o.adopt_setup,
                "with --engine-only: the setup create (before the measured phase) adopts objects "
                "put on the fake beforehand, as after a restart, instead of creating them");
  cli
    ->add_option("--first-poll-ms", o.first_poll_ms,
                 "with --engine-only: delay of a task's first poll (0: at once, so the run "
                 "measures the engine alone; default 1 ms)")
    ->check(CLI::NonNegativeNumber);
  cli->add_flag("--no-vcdlb", c->no_vcdlb, "run only the baseline");
  cli->add_flag("--ip-spaces", o.ip_spaces,
                "the gateway allocates external IPs from an IP Space (no uplink ranges)");
  cli->add_option("--task-ms", c->task_ms, "simulated duration of every VCD task")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli
    ->add_option("--real-task-ms", c->real_task_ms,
                 "the real VCD task duration --task-ms stands for; every controller interval is "
                 "scaled by task/real")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--latency-ms", c->latency_ms, "simulator latency added to every response")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  cli->add_flag("--no-gateway-lock", c->no_gateway_lock,
                "let mutations of the gateway overlap (what-if; real VCD locks)");
  cli->add_option("--fault-429-rate", o.rate_429, "share of requests answered 429")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-500-rate", o.rate_500, "share of requests answered 500")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-503-rate", o.rate_503, "share of requests answered 503")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-drop-rate", o.drop_rate, "share of connections dropped")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-task-failure-rate", o.task_failure_rate, "share of failing tasks")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--vcd-qps", o.vcd_qps, "vcdlb's VCD rate limit per gateway (unscaled)")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--vcd-burst", o.vcd_burst, "vcdlb's token-bucket size")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--concurrency", o.concurrency, "vcdlb's concurrent VCD connections")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--workers", o.worker_threads, "vcdlb's actor scheduler threads")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--sim-io-threads", o.sim_io_threads, "simulator io threads")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--seed", o.seed, "seed of the simulator's random draws")->capture_default_str();
  cli->add_flag("--no-org-lookup-per-helper", c->no_org_lookups,
                "upstream model without the org lookup inside every helper (sensitivity)");
  cli->add_option("--timeout-s", c->timeout_s, "deadline of each phase")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_option("--json", c->json_file, "write every figure as JSON")->type_name("FILE");
  cli->add_option("--csv", c->csv_file, "write one CSV row per phase and subject")
    ->type_name("FILE");
  cli->add_option("--plot", c->plot_file, "write a PNG (gnuplot) of convergence and latency")
    ->type_name("FILE");
  cli
    ->add_option("--clusters", c->clusters,
                 "K: run K engines in this process, each against its own edge gateway in the "
                 "simulator, --services new Services each (create only)")
    ->check(CLI::Range(1, 60));
  cli
    ->add_option("--failing-clusters", c->failing,
                 "with --clusters: as many more engines with a wrong password, which must fail "
                 "alone")
    ->check(CLI::Range(0, 59));
  cli
    ->add_option("--client-io-threads", c->client_io_threads,
                 "with --clusters: I/O threads shared by every engine's VCD client")
    ->check(CLI::Range(1, 16));
  cli->add_flag("--no-progress", c->no_progress, "no progress line on stderr");
  cli->add_option("--log-level", c->log_level, "engine log level (trace..off)")
    ->capture_default_str();
  return {cli, [c] { return run(*c); }};
}

} // namespace vcdlb::app
