#pragma once

/// @file app/command.hpp
/// @brief How a subcommand of the `vcdlb` binary plugs into main().

#include <functional>

#include <CLI/CLI.hpp>

namespace vcdlb::app {

/// A subcommand: its CLI11 node (options bound to the command's own state) and what to run
/// when it was chosen. `run` returns the process exit code.
struct command {
  CLI::App* cli = nullptr;
  std::function<int()> run;
};

} // namespace vcdlb::app
