#pragma once

/// @file app/commands.hpp
/// @brief The list of subcommands; each lives in its own app/*_command.cpp.

#include <vector>

#include "app/command.hpp"

namespace vcdlb::app {

/// `vcdlb controller`: the load-balancer controller (app/controller_command.cpp).
command add_controller_command(CLI::App& root);
command add_check_config_command(CLI::App& root);
command add_vcd_sim_command(CLI::App& root);
/// `vcdlb kube-sim`: the Kubernetes API server double (app/kube_sim_command.cpp).
command add_kube_sim_command(CLI::App& root);
/// `vcdlb demo`: the controller against both simulators with example Services
/// (app/demo_command.cpp).
command add_demo_command(CLI::App& root);
/// `vcdlb bench`: throughput, convergence and cost against the simulator (app/bench_command.cpp).
command add_bench_command(CLI::App& root);
/// `vcdlb gc`: remove the load balancers of deleted clusters (app/gc_command.cpp).
command add_gc_command(CLI::App& root);

/// Registers every subcommand on `root`.
inline std::vector<command> all_commands(CLI::App& root) {
  return {
    add_controller_command(root), add_check_config_command(root), add_vcd_sim_command(root),
    add_kube_sim_command(root),   add_demo_command(root),         add_bench_command(root),
    add_gc_command(root),
  };
}

} // namespace vcdlb::app
