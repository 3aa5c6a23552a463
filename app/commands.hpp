#pragma once

/// @file app/commands.hpp
/// @brief The list of subcommands; each lives in its own app/*_command.cpp.

#include <vector>

#include "app/command.hpp"

namespace vcdlb::app {

/// `vcdlb kube-sim`: the Kubernetes API server double (app/kube_sim_command.cpp).
command add_kube_sim_command(CLI::App& root);

/// Registers every subcommand on `root`.
inline std::vector<command> all_commands([[maybe_unused]] CLI::App& root) {
  return {add_kube_sim_command(root)};
}

} // namespace vcdlb::app
