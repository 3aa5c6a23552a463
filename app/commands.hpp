#pragma once

/// @file app/commands.hpp
/// @brief The list of subcommands; each lives in its own app/*_command.cpp.

#include <vector>

#include "app/command.hpp"

namespace vcdlb::app {

command add_check_config_command(CLI::App& root);

/// Registers every subcommand on `root`.
inline std::vector<command> all_commands(CLI::App& root) {
  return {
    add_check_config_command(root),
  };
}

} // namespace vcdlb::app
