// `vcdlb kube-sim`: the Kubernetes API server double as a process, for kubectl, python clients
// and manual experiments.

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>

#include <spdlog/spdlog.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/sim/api_server.hpp"
#include "app/commands.hpp"
#include "runtime/logging.hpp"
#include "runtime/shutdown_signal.hpp"

namespace vcdlb::app {

namespace {

struct kube_sim_args {
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig_out;
  bool plain_http = false;
  bool no_auth = false;
  std::string server_version = "1.30";
  uint64_t seed = 1;
  double fault_429_rate = 0.0;
  unsigned fault_retry_after_s = 1;
  double fault_500_rate = 0.0;
  double fault_503_rate = 0.0;
  unsigned fault_latency_ms = 0;
  unsigned fault_drop_watch_s = 0;
  unsigned fault_expire_history_s = 0;
  size_t history_events = 1000;
  unsigned history_age_s = 300;
  unsigned bookmark_interval_s = 60;
  unsigned event_ttl_s = 3600;
  std::string log_level = "warn";
  std::string node_port_range = "30000-32767";
};

int run_kube_sim(const kube_sim_args& a) {
  if (auto ok = runtime::setup_logging(a.log_level, config::log_format::text); !ok) {
    std::cerr << "kube-sim: " << to_string(ok.error()) << "\n";
    return 2;
  }
  kube::sim::api_server_options opts;
  opts.listen = a.listen;
  opts.tls = !a.plain_http;
  // kubectl never sends a bearer token over plain HTTP, so a plain server does not ask for one.
  opts.auth = !a.no_auth && !a.plain_http;
  opts.kubeconfig_path = a.kubeconfig_out;
  opts.core.seed = a.seed;
  opts.core.store.history_capacity = a.history_events;
  opts.core.store.history_age = std::chrono::seconds{a.history_age_s};
  opts.core.store.bookmark_interval = std::chrono::seconds{a.bookmark_interval_s};
  opts.core.store.event_ttl = std::chrono::seconds{a.event_ttl_s};
  if (int major = 0, minor = 0;
      std::sscanf(a.server_version.c_str(), "%d.%d", &major, &minor) == 2) {
    opts.core.version = {major, minor};
  } else {
    std::cerr << "kube-sim: --server-version must look like 1.30\n";
    return 2;
  }
  if (int lo = 0, hi = 0, used = 0;
      std::sscanf(a.node_port_range.c_str(), "%d-%d%n", &lo, &hi, &used) == 2
      && static_cast<size_t>(used) == a.node_port_range.size() && 1 <= lo && lo <= hi
      && hi <= 65535) {
    opts.core.node_port_min = lo;
    opts.core.node_port_max = hi;
  } else {
    std::cerr << "kube-sim: --service-node-port-range must look like 30000-32767 (1-65535)\n";
    return 2;
  }
  asio_bridge::io_runner io{"kube-sim-io", 2};
  auto server = kube::sim::api_server::start(io.context(), opts);
  if (!server) {
    std::cerr << "kube-sim: cannot start: " << to_string(server.error()) << "\n";
    return 1;
  }
  kube::sim::fault_settings faults;
  faults.rate_429 = a.fault_429_rate;
  faults.retry_after_s = a.fault_retry_after_s;
  faults.rate_500 = a.fault_500_rate;
  faults.rate_503 = a.fault_503_rate;
  faults.expire_history_every = std::chrono::seconds{a.fault_expire_history_s};
  faults.latency = std::chrono::milliseconds{a.fault_latency_ms};
  faults.drop_watch_every = std::chrono::seconds{a.fault_drop_watch_s};
  (*server)->core().set_faults(faults);

  std::mutex mtx;
  std::condition_variable cv;
  bool stop = false;
  runtime::shutdown_signal signals{io.context(), [&](int) {
                                     std::lock_guard g{mtx};
                                     stop = true;
                                     cv.notify_all();
                                   }};
  std::cout << "kube-sim listening on " << (*server)->url() << std::endl;
  {
    std::unique_lock lock{mtx};
    cv.wait(lock, [&] { return stop; });
  }
  // Watches end cleanly and the listener closes; then the I/O threads are joined.
  (*server)->stop();
  io.stop();
  return 0;
}

} // namespace

command add_kube_sim_command(CLI::App& root) {
  auto args = std::make_shared<kube_sim_args>();
  auto* cli = root.add_subcommand(
    "kube-sim", "Run the Kubernetes API server double (Services, Nodes, Events, Namespaces, "
                "EndpointSlices, Leases) for kubectl and client tests");
  cli->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free port)")
    ->capture_default_str();
  cli->add_option("--kubeconfig-out", args->kubeconfig_out,
                  "write a kubeconfig for clients (server URL, CA, token) to this file");
  cli->add_flag("--plain-http", args->plain_http,
                "serve plain HTTP instead of HTTPS (implies --no-auth)");
  cli->add_flag("--no-auth", args->no_auth, "accept requests without the bearer token");
  cli
    ->add_option("--server-version", args->server_version,
                 "Kubernetes version reported by /version (MAJOR.MINOR)")
    ->capture_default_str();
  cli
    ->add_option("--service-node-port-range", args->node_port_range,
                 "node ports to allocate from, like kube-apiserver's flag (a wider range holds "
                 "more than 2 768 NodePort/LoadBalancer Service ports)")
    ->capture_default_str();
  cli->add_option("--seed", args->seed, "seed for uids, cluster IPs, node ports and fault draws")
    ->capture_default_str();
  cli
    ->add_option("--fault-429-rate", args->fault_429_rate,
                 "fraction of resource requests answered 429 TooManyRequests")
    ->check(CLI::Range(0.0, 1.0));
  cli
    ->add_option("--fault-retry-after-s", args->fault_retry_after_s,
                 "Retry-After seconds of injected 429s and 503s")
    ->capture_default_str();
  cli
    ->add_option("--fault-500-rate", args->fault_500_rate,
                 "fraction of resource requests answered 500 InternalError")
    ->check(CLI::Range(0.0, 1.0));
  cli
    ->add_option("--fault-503-rate", args->fault_503_rate,
                 "fraction of resource requests answered 503 ServiceUnavailable (Retry-After)")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-expire-history-s", args->fault_expire_history_s,
                  "forget the watch history this often, forcing 410 Expired (0: never)");
  cli->add_option("--fault-latency-ms", args->fault_latency_ms, "delay added to every request");
  cli->add_option("--fault-drop-watch-s", args->fault_drop_watch_s,
                  "drop every open watch connection this often (0: never)");
  cli
    ->add_option("--history-events", args->history_events,
                 "watch history kept (events); older resourceVersions get 410 Expired")
    ->capture_default_str();
  cli->add_option("--history-age-s", args->history_age_s, "watch history kept (seconds)")
    ->capture_default_str();
  cli
    ->add_option("--bookmark-interval-s", args->bookmark_interval_s,
                 "BOOKMARK period for watches that allow them")
    ->capture_default_str();
  cli
    ->add_option("--event-ttl-s", args->event_ttl_s,
                 "Events are deleted this long after their last write, as kube-apiserver's "
                 "--event-ttl (0: kept)")
    ->capture_default_str();
  cli->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, off")
    ->capture_default_str();
  return command{cli, [args] { return run_kube_sim(*args); }};
}

} // namespace vcdlb::app
