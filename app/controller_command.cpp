// `vcdlb controller`: the load-balancer controller (what the Deployment in deploy/ runs).

#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "controller/controller.hpp"
#include "controller/flags.hpp"
#include "protocol/errors.hpp"
#include "runtime/logging.hpp"

namespace vcdlb::app {

namespace {

int run_controller(const controller_flags& flags) {
  auto opts = make_controller_options(flags, config::parse_options::from_environment());
  if (!opts) {
    for (const auto& p : opts.problems())
      std::cerr << "vcdlb controller: " << config::format_problem(p, flags.cloud_config) << "\n";
    return 2;
  }
  const auto& log = opts->loaded.config.vcdlb.log;
  if (auto ok = runtime::setup_logging(log.level, log.format); !ok) {
    std::cerr << "vcdlb controller: vcdlb.log.level: " << describe(ok.error()) << "\n";
    return 2;
  }
  if (flags.concurrent_service_syncs)
    spdlog::info("--concurrent-service-syncs={} has no effect: every Service has its own "
                 "reconciler",
                 *flags.concurrent_service_syncs);
  auto ctl = controller::start(std::move(opts.value()));
  if (!ctl) {
    std::cerr << "vcdlb controller: " << describe(ctl.error()) << "\n";
    return 2;
  }
  (*ctl)->install_signal_handlers();
  int code = (*ctl)->wait();
  (*ctl)->stop();
  return code;
}

} // namespace

command add_controller_command(CLI::App& root) {
  auto flags = std::make_shared<controller_flags>();
  auto* cli = root.add_subcommand(
    "controller",
    "Run the load-balancer controller: watch Services and Nodes, reconcile VCD load balancers, "
    "write Service status; with leader election on a Lease (one active replica)");
  add_controller_flags(*cli, *flags);
  return {cli, [flags] { return run_controller(*flags); }};
}

} // namespace vcdlb::app
