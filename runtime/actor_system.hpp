#pragma once

/// @file runtime/actor_system.hpp
/// @brief Builds the CAF actor system configuration vcdlb runs on.

#include "caf/actor_system_config.hpp"

namespace vcdlb::runtime {

/// Prepares `cfg` for vcdlb: registers message types and error renderers, sets the number of
/// scheduler worker threads and CAF's work-sharing policy (idle workers block instead of
/// polling), and leaves the network layer (middleman) unloaded -- all I/O
/// happens in the adapters on Asio threads. CAF's own config files and CLI are not parsed;
/// application settings come from YAML (config/).
void configure_actor_system(caf::actor_system_config& cfg, int worker_threads);

} // namespace vcdlb::runtime
