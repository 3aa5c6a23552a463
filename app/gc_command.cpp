// `vcdlb gc`: remove the load balancers (and release the IP Space allocations) of deleted
// CAPVCD/CSE clusters from the edge gateway.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/asio/io_runner.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "app/commands.hpp"
#include "controller/flags.hpp"
#include "gc/collect.hpp"
#include "gc/detail/blocking.hpp"
#include "protocol/errors.hpp"
#include "runtime/logging.hpp"

namespace vcdlb::app {

namespace {

struct gc_flags {
  controller_flags source; ///< only the configuration and secret flags are used
  std::vector<std::string> cluster_ids;
  bool apply = false;
  int timeout_seconds = 120;
};

int run_gc(const gc_flags& flags) {
  auto opts = make_controller_options(flags.source, config::parse_options::from_environment());
  if (!opts) {
    for (const auto& p : opts.problems())
      std::cerr << "vcdlb gc: " << config::format_problem(p, flags.source.cloud_config) << "\n";
    return 2;
  }
  const auto& cfg = opts->loaded.config;
  // Logs go to stderr; stdout carries only the report.
  if (auto ok = runtime::setup_logging(cfg.vcdlb.log.level, cfg.vcdlb.log.format); !ok) {
    std::cerr << "vcdlb gc: vcdlb.log.level: " << describe(ok.error()) << "\n";
    return 2;
  }
  asio_bridge::io_runner io{"vcdlb-gc-io", 1};
  auto vo = vcd::make_connection_options(cfg, opts->loaded.creds);
  auto client = vcd::beast_client::connect(io.context(), std::move(vo.http), std::move(vo.client));
  if (!client) {
    std::cerr << "vcdlb gc: " << describe(client.error()) << "\n";
    return 2;
  }
  gc::options go;
  go.candidate_cluster_ids = flags.cluster_ids;
  go.apply = flags.apply;
  go.request_timeout = std::chrono::seconds{flags.timeout_seconds};
  auto network = gc::detail::await<vcd::org_vdc_network>(
    [&](auto done) { (*client)->get_org_vdc_network(cfg.loadbalancer.network, std::move(done)); },
    go.request_timeout, "looking up loadbalancer.network");
  if (!network || network->router_ref.id.empty()) {
    std::cerr << "vcdlb gc: looking up loadbalancer.network \"" << cfg.loadbalancer.network
              << "\": "
              << (network ? "the network is not connected to an edge gateway"
                          : describe(network.error()))
              << "\n";
    return 1;
  }
  go.gateway_id = network->router_ref.id;
  auto report = gc::collect(**client, go);
  if (!report) {
    std::cerr << "vcdlb gc: edge gateway " << network->router_ref.name << ": "
              << describe(report.error()) << "\n";
    return 1;
  }
  std::cout << "edge gateway " << network->router_ref.name << " (" << go.gateway_id << ")"
            << (flags.apply ? "" : ", dry run (--apply removes)") << "\n"
            << gc::format_report(*report, flags.apply) << std::flush;
  io.stop();
  return report->failed() == 0 ? 0 : 1;
}

} // namespace

command add_gc_command(CLI::App& root) {
  auto flags = std::make_shared<gc_flags>();
  auto* cli = root.add_subcommand(
    "gc", "Find the load balancers of deleted CAPVCD/CSE clusters on the edge gateway of "
          "loadbalancer.network, and the IPs they reserved from IP Spaces (cluster RDE gone or "
          "IN_DELETION), and print what would be removed and what is skipped, and why; --apply "
          "removes them and releases the IPs. Exit 0 on success, 1 if VCD could not be read or a "
          "removal failed, 2 on usage or configuration errors.");
  cli->add_option("--cloud-config", flags->source.cloud_config, "the configuration file")
    ->capture_default_str()
    ->type_name("FILE");
  cli
    ->add_option("--secrets-dir", flags->source.secrets_dir,
                 "directory with the refreshToken, username and password files")
    ->capture_default_str()
    ->type_name("DIR");
  add_vcdlb_source_flags(*cli, flags->source.vcdlb_config, flags->source.vcd_ca_file);
  cli
    ->add_option("--cluster-id", flags->cluster_ids,
                 "a cluster id (RDE URN) whose objects' names carry only its tag "
                 "(vcdlb names without the description marker); repeatable")
    ->type_name("URN");
  cli->add_flag("--apply", flags->apply, "remove the objects (default: dry run)");
  cli->add_option("--timeout", flags->timeout_seconds, "seconds to wait for each VCD request")
    ->capture_default_str()
    ->check(CLI::Range(1, 3600))
    ->type_name("SECONDS");
  return {cli, [flags] { return run_gc(*flags); }};
}

} // namespace vcdlb::app
