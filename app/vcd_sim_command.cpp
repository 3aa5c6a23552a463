// `vcdlb vcd-sim`: the VMware Cloud Director simulator as a process, for manual runs, the
// upstream-replay benchmark and end-to-end tests.

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <boost/asio/io_context.hpp>

#include "adapters/vcd/sim/simulator.hpp"
#include "app/commands.hpp"
#include "protocol/errors.hpp"
#include "runtime/shutdown_signal.hpp"

namespace vcdlb::app {

namespace {

struct vcd_sim_options {
  std::string listen = "127.0.0.1:8443";
  std::string scenario_file;
  bool plain_http = false;
  std::string cert_file;
  std::string key_file;
  int64_t task_ms = 100;
  int64_t latency_ms = 0;
  int64_t health_delay_ms = 0;
  double rate_429 = 0;
  double rate_500 = 0;
  double rate_503 = 0;
  double drop_rate = 0;
  double task_failure_rate = 0;
  int64_t token_ttl_s = 3600;
  bool no_gateway_lock = false;
  uint64_t seed = 1;
  std::string api_version;
  bool log_bodies = false;
  bool print_scenario = false;
  unsigned io_threads = 1;
};

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in{path};
  if (!in)
    return false;
  std::stringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

int run(const vcd_sim_options& o) {
  auto scenario = o.scenario_file.empty()
                    ? caf::expected<vcd::sim::scenario>{vcd::sim::default_scenario()}
                    : vcd::sim::load_scenario(o.scenario_file);
  if (!scenario) {
    std::cerr << "vcd-sim: " << describe(scenario.error()) << "\n";
    return 1;
  }
  if (!o.api_version.empty()) {
    if (!vcd::sim::valid_api_version(o.api_version)) {
      std::cerr << "vcd-sim: --api-version must look like 37.2\n";
      return 1;
    }
    scenario->api_version = o.api_version;
  }
  if (o.print_scenario) {
    std::cout << vcd::sim::to_yaml(*scenario);
    if (scenario->ip_spaces.empty()) {
      // The built-in gateway takes its IPs from uplink ranges; show how an IP Space setup is
      // written, as a comment so the output still loads as the same scenario.
      std::cout << "\n# Example: an edge gateway whose uplink allocates its IPs from IP Spaces "
                   "(VCD 10.4.1+).\n# Save without the leading '# ' and pass with --scenario.\n";
      std::istringstream example{vcd::sim::to_yaml(vcd::sim::ip_space_example_scenario())};
      for (std::string line; std::getline(example, line);)
        std::cout << "# " << line << "\n";
    }
    std::cout << std::flush;
    return 0;
  }
  vcd::sim::simulator_options so;
  so.core.seed_state = std::move(*scenario);
  so.core.seed = o.seed;
  auto& f = so.core.faults;
  f.task_duration = std::chrono::milliseconds{o.task_ms};
  f.latency = std::chrono::milliseconds{o.latency_ms};
  f.health_delay = std::chrono::milliseconds{o.health_delay_ms};
  f.rate_429 = o.rate_429;
  f.rate_500 = o.rate_500;
  f.rate_503 = o.rate_503;
  f.drop_rate = o.drop_rate;
  f.task_failure_rate = o.task_failure_rate;
  f.token_ttl = std::chrono::seconds{o.token_ttl_s};
  f.gateway_lock = !o.no_gateway_lock;
  if (o.log_bodies) {
    so.core.log_bodies = true;
    // One block per request on stderr; login and token bodies arrive redacted.
    so.core.on_body = [](const vcd::sim::body_record& b) {
      std::cerr << "vcd-sim #" << b.seq << " " << b.method << " " << b.target << " -> " << b.status
                << "\n  > " << (b.request_body.empty() ? "(no body)" : b.request_body) << "\n  < "
                << (b.response_body.empty() ? "(no body)" : b.response_body) << std::endl;
    };
  }
  so.listen = o.listen;
  so.plain_http = o.plain_http;
  so.io_threads = o.io_threads;
  if (!o.cert_file.empty() || !o.key_file.empty()) {
    if (o.cert_file.empty() || o.key_file.empty()) {
      std::cerr << "vcd-sim: --cert and --key go together\n";
      return 1;
    }
    if (!read_file(o.cert_file, so.certificate.cert_pem)
        || !read_file(o.key_file, so.certificate.key_pem)) {
      std::cerr << "vcd-sim: cannot read --cert/--key\n";
      return 1;
    }
  }
  // The signal handler is installed before any thread starts, so every thread inherits it.
  boost::asio::io_context main_io;
  runtime::shutdown_signal signals{main_io, [&](int) { main_io.stop(); }};
  auto sim = vcd::sim::simulator::start(std::move(so));
  if (!sim) {
    std::cerr << "vcd-sim: " << describe(sim.error()) << "\n";
    return 1;
  }
  std::cout << "vcd-sim listening on " << (*sim)->url() << std::endl;
  main_io.run();
  (*sim)->stop();
  return 0;
}

} // namespace

command add_vcd_sim_command(CLI::App& root) {
  auto o = std::make_shared<vcd_sim_options>();
  auto* cli = root.add_subcommand(
    "vcd-sim",
    "Serve a stateful VMware Cloud Director simulator (CloudAPI subset for NSX-T edge gateways, "
    "ALB and NAT) with fault injection. Control endpoints: GET /_sim/dump, GET /_sim/requests, "
    "GET|POST /_sim/faults, GET|POST /_sim/bodies, POST /_sim/expire-tokens, "
    "POST /_sim/reset-stats, "
    "DELETE|PATCH /_sim/objects/{id}.");
  cli->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
    ->capture_default_str();
  cli->add_option("--scenario", o->scenario_file, "YAML scenario (default: built-in)")
    ->type_name("FILE");
  cli->add_flag("--plain-http", o->plain_http, "serve HTTP instead of HTTPS");
  cli->add_option("--cert", o->cert_file, "PEM server certificate (default: self-signed)")
    ->type_name("FILE");
  cli->add_option("--key", o->key_file, "PEM private key of --cert")->type_name("FILE");
  cli->add_option("--task-ms", o->task_ms, "duration of every mutating task")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  cli->add_option("--latency-ms", o->latency_ms, "added to every response")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  cli
    ->add_option("--health-delay-ms", o->health_delay_ms,
                 "virtual service healthStatus stays PENDING this long after realization")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  cli->add_option("--fault-429-rate", o->rate_429, "share of requests answered 429")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-500-rate", o->rate_500, "share of requests answered 500")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-503-rate", o->rate_503, "share of requests answered 503")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--fault-drop-rate", o->drop_rate, "share of connections dropped unanswered")
    ->check(CLI::Range(0.0, 1.0));
  cli
    ->add_option("--fault-task-failure-rate", o->task_failure_rate,
                 "share of tasks that end in error")
    ->check(CLI::Range(0.0, 1.0));
  cli->add_option("--token-ttl-s", o->token_ttl_s, "lifetime of issued access tokens")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  cli->add_flag("--no-gateway-lock", o->no_gateway_lock,
                "let mutations of one gateway overlap instead of answering BUSY_ENTITY");
  cli->add_option("--seed", o->seed, "seed of every random draw (faults, ids, tokens)")
    ->capture_default_str();
  cli->add_option("--api-version", o->api_version,
                  "highest API version offered (overrides the scenario), e.g. 36.2");
  cli->add_flag("--log-bodies", o->log_bodies,
                "print every request and response body to stderr (login and token bodies "
                "redacted); toggle at run time with POST /_sim/bodies {\"enabled\": BOOL}");
  cli->add_flag(
    "--print-scenario", o->print_scenario,
    "print the effective scenario as YAML (with a commented IP Space example) and exit");
  cli->add_option("--io-threads", o->io_threads, "server threads")
    ->capture_default_str()
    ->check(CLI::Range(1u, 64u));
  return {cli, [o] { return run(*o); }};
}

} // namespace vcdlb::app
