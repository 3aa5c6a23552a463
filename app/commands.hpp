#pragma once

/// @file app/commands.hpp
/// @brief The list of subcommands; each lives in its own app/*_command.cpp.

#include <vector>

#include "app/command.hpp"

namespace vcdlb::app {

/// Registers every subcommand on `root`.
inline std::vector<command> all_commands([[maybe_unused]] CLI::App& root) {
  return {};
}

} // namespace vcdlb::app
