// `vcdlb demo`: the controller against in-process simulators of VCD and Kubernetes, with a set
// of example Services, a progress line while they converge, and a table of the result.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "adapters/asio/io_runner.hpp"
#include "app/commands.hpp"
#include "controller/controller.hpp"
#include "demo/environment.hpp"
#include "demo/report.hpp"
#include "demo/services.hpp"
#include "protocol/errors.hpp"
#include "runtime/logging.hpp"
#include "runtime/shutdown_signal.hpp"

namespace vcdlb::app {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct demo_args {
  std::string mode = "C";
  uint32_t services = 5;
  bool keep_running = false;
  unsigned timeout_s = 120;
  std::string log_level = "warn";
};

/// SIGINT/SIGTERM, seen by the polling loops below.
class stop_flag {
public:
  void set() {
    {
      std::lock_guard guard{mutex_};
      stopped_ = true;
    }
    changed_.notify_all();
  }
  [[nodiscard]] bool is_set() const {
    std::lock_guard guard{mutex_};
    return stopped_;
  }
  /// Waits up to `d`; true when stopped.
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, d, [this] { return stopped_; });
  }
  /// Waits until stopped or `done()` (re-checked whenever `set` or `poke` is called).
  template <class Pred>
  void wait_until(Pred done) {
    std::unique_lock lock{mutex_};
    changed_.wait(lock, [&] { return stopped_ || done(); });
  }
  void poke() { changed_.notify_all(); }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
};

template <class T, class F>
caf::expected<T> call(F start, std::chrono::seconds bound = 30s) {
  auto p = std::make_shared<std::promise<caf::expected<T>>>();
  auto f = p->get_future();
  start([p](caf::expected<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(bound) != std::future_status::ready)
    return caf::make_error(net_errc::timeout, std::string{"no answer from the API server"});
  return f.get();
}

/// POSTs every Service (all in flight at once, like `kubectl apply -f dir/`).
caf::error apply_services(kube::beast_client& client,
                          const std::vector<demo::demo_service>& services) {
  std::vector<std::future<caf::expected<kube::service_snapshot>>> results;
  for (const auto& s : services) {
    auto p = std::make_shared<std::promise<caf::expected<kube::service_snapshot>>>();
    results.push_back(p->get_future());
    client.create_service(
      s.object, [p](caf::expected<kube::service_snapshot> r) { p->set_value(std::move(r)); });
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].wait_for(30s) != std::future_status::ready)
      return caf::make_error(net_errc::timeout, "creating Service " + services[i].object.name);
    if (auto r = results[i].get(); !r)
      return caf::make_error(kube_errc::invalid, "creating Service " + services[i].object.name
                                                   + ": " + describe(r.error()));
  }
  return {};
}

std::optional<config::lb_mode> parse_mode(const std::string& text) {
  if (text == "A" || text == "a")
    return config::lb_mode::a;
  if (text == "B" || text == "b")
    return config::lb_mode::b;
  if (text == "C" || text == "c")
    return config::lb_mode::c;
  return std::nullopt;
}

int run_demo(const demo_args& a, config::lb_mode mode_value, stop_flag& stop) {
  const auto* mode = &mode_value;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;

  std::cout << "vcdlb demo: mode " << config::describe(*mode) << "\n";
  std::cout << "Starting the VCD simulator and the Kubernetes API server double on loopback "
               "(HTTPS)...\n";
  auto env = demo::environment::start({*mode});
  if (!env) {
    std::cerr << "demo: cannot start the simulators: " << describe(env.error()) << "\n";
    return 1;
  }
  auto& world = **env;
  std::cout << "  VCD simulator:      " << world.vcd().url() << "\n";
  std::cout << "  Kubernetes API:     " << world.kube().url() << "\n";
  std::cout << "  files:              " << world.dir().string()
            << " (vcloud-ccm-config.yaml, basic-auth/, vcd-ca.pem, kubeconfig)\n";

  auto loaded = world.load_config();
  if (!loaded) {
    std::cerr << "demo: the generated configuration does not load: " << describe(loaded.error())
              << "\n";
    return 1;
  }
  // The demo keeps its own log level; the file's `vcdlb.log` would otherwise apply.
  loaded->config.vcdlb.log.level = a.log_level;
  controller_options co;
  co.loaded = std::move(*loaded);
  co.kubeconfig = world.kubeconfig().string();
  co.leader_elect = true;
  co.identity = "vcdlb-demo-" + std::to_string(::getpid());
  co.metrics_address = "127.0.0.1:0";
  co.stats_period = 1s;
  // The API server double is in-process: no client-side rate limit, so a burst of status and
  // Event writes never delays the Lease renewals behind it (they share the client).
  co.kube_qps = 0;
  // The node duties: the demo's cluster spans two VDCs (zones), its Nodes start uninitialized.
  co.zones_file = world.zones_file().string();
  co.vm_read_min_interval = 1s;
  std::cout << "Starting the controller (leader election on, lease kube-system/"
            << co.loaded.config.vcdlb.leader_election.lease_name << ")...\n";
  auto started = controller::start(std::move(co));
  if (!started) {
    std::cerr << "demo: the controller did not start: " << describe(started.error()) << "\n";
    return 1;
  }
  auto& ctrl = **started;

  auto client = world.make_client();
  if (!client) {
    std::cerr << "demo: no client for the API server double: " << describe(client.error()) << "\n";
    return 1;
  }
  auto services = demo::demo_services(a.services);
  std::cout << "Applying " << services.size() << " Services (" << services.size() - a.services
            << " examples + " << a.services << " generated) through the Kubernetes API...\n";
  if (auto err = apply_services(**client, services)) {
    std::cerr << "demo: " << describe(err) << "\n";
    return 1;
  }

  // -- converge -----------------------------------------------------------------------------
  const auto t0 = steady::now();
  const auto deadline = t0 + std::chrono::seconds{a.timeout_s};
  const auto cluster_id = std::string{demo::demo_cluster_id};
  demo::convergence_clock clock;
  demo::observation obs;
  std::vector<kube::node_snapshot> nodes;
  int last_printed = -1;
  auto last_print_at = t0;
  for (;;) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
    kube::list_options in_default;
    in_default.ns = "default";
    auto listed = call<kube::list_result<kube::service_snapshot>>(
      [&](auto cb) { (*client)->list_services(in_default, cb); });
    if (listed) {
      obs = demo::observe(services, listed->items, world.vcd().core().dump(), *mode, cluster_id);
      clock.update(obs, elapsed);
    }
    auto line = demo::progress_line(obs, elapsed) + "  (controller "
                + (ctrl.leading() ? "leading" : "standing by") + ", engine "
                + std::string{to_string(ctrl.phase())} + ")";
    auto node_list =
      call<kube::list_result<kube::node_snapshot>>([&](auto cb) { (*client)->list_nodes({}, cb); });
    if (node_list)
      nodes = node_list->items;
    bool nodes_done =
      !nodes.empty() && std::all_of(nodes.begin(), nodes.end(), demo::node_initialized);
    bool all = obs.converged == static_cast<int>(services.size()) && nodes_done;
    if (tty) {
      std::cout << "\r" << line << "   " << std::flush;
    } else if (obs.converged != last_printed || steady::now() - last_print_at > 5s || all) {
      std::cout << line << "\n";
      last_printed = obs.converged;
      last_print_at = steady::now();
    }
    // Like in a pod, a controller that lost its Lease or whose engine failed ends for good.
    auto phase = ctrl.phase();
    bool ended = phase == engine_phase::stopped || phase == engine_phase::failed;
    if (all || ended || steady::now() >= deadline || stop.is_set())
      break;
    if (stop.wait_for(250ms))
      break;
  }
  if (tty)
    std::cout << "\n";
  bool converged = obs.converged == static_cast<int>(services.size());
  std::cout << "\n" << demo::format_table(obs, *mode, clock);
  std::cout << "\n" << demo::format_node_table(nodes);
  auto vcd_stats = world.vcd().core().stats();
  std::cout << "VCD simulator: " << vcd_stats.mutations << " mutating requests, "
            << vcd_stats.tasks_started << " tasks, " << vcd_stats.reads << " reads, "
            << vcd_stats.task_polls << " task polls\n";
  if (!converged) {
    auto phase = ctrl.phase();
    if (phase == engine_phase::stopped || phase == engine_phase::failed)
      std::cout << "The controller ended (engine " << to_string(phase)
                << "; it lost its Lease or its engine failed, see the log above)";
    else if (stop.is_set())
      std::cout << "Interrupted";
    else
      std::cout << "Timed out after " << a.timeout_s << " s";
    std::cout << " before every Service converged.\n";
  }

  // -- keep running -------------------------------------------------------------------------
  if (a.keep_running && !stop.is_set()) {
    std::cout << "\nThe controller keeps running. Try:\n"
              << "  kubeconfig: " << world.kubeconfig().string() << "\n"
              << "  kubectl --kubeconfig " << world.kubeconfig().string()
              << " get services -o wide\n"
              << "  metrics:    " << ctrl.metrics_url() << "/metrics\n"
              << "Press Ctrl-C (SIGINT) or send SIGTERM to stop.\n"
              << std::flush;
    std::atomic<bool> ended{false};
    int controller_rc = 0;
    std::thread waiter{[&] {
      controller_rc = ctrl.wait();
      ended = true;
      stop.poke();
    }};
    stop.wait_until([&] { return ended.load(); });
    ctrl.stop();
    waiter.join();
    if (controller_rc != 0)
      std::cout << "The controller ended on its own (exit code " << controller_rc << ").\n";
  }
  std::cout << "Stopping the controller...\n";
  ctrl.stop();
  ctrl.wait();
  return converged ? 0 : 1;
}

int run_demo(const demo_args& a) {
  if (auto ok = runtime::setup_logging(a.log_level, config::log_format::text); !ok) {
    std::cerr << "demo: " << describe(ok.error()) << "\n";
    return 2;
  }
  auto mode = parse_mode(a.mode);
  if (!mode) {
    std::cerr << "demo: --mode must be A, B or C\n";
    return 2;
  }
  stop_flag stop;
  asio_bridge::io_runner signal_io{"demo-signals", 1};
  runtime::shutdown_signal signals{signal_io.context(), [&stop](int) { stop.set(); }};
  int rc = run_demo(a, *mode, stop);
  // The signal handler runs on signal_io's thread and uses `signals`: end that thread before
  // `signals` goes away, or a late Ctrl-C would touch a destroyed object.
  signals.cancel();
  signal_io.stop();
  return rc;
}

} // namespace

command add_demo_command(CLI::App& root) {
  auto args = std::make_shared<demo_args>();
  auto* cli = root.add_subcommand(
    "demo", "Run the controller against in-process simulators of VCD and Kubernetes, apply "
            "example Services and show what it built");
  cli->add_option("--mode", args->mode, "load-balancer mode: A, B or C (see docs/operating.md)")
    ->check(CLI::IsMember({"A", "B", "C", "a", "b", "c"}))
    ->capture_default_str();
  cli->add_option("--services", args->services, "generated Services to add to the five examples")
    ->check(CLI::Range(0u, 2000u))
    ->capture_default_str();
  cli->add_flag("--keep-running", args->keep_running,
                "after the table, keep the controller and simulators running until SIGINT or "
                "SIGTERM (prints the kubeconfig and the /metrics URL)");
  cli->add_option("--timeout", args->timeout_s, "seconds to wait for convergence")
    ->check(CLI::Range(1u, 3600u))
    ->capture_default_str();
  cli->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, off")
    ->capture_default_str();
  return command{cli, [args] { return run_demo(*args); }};
}

} // namespace vcdlb::app
