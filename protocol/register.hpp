#pragma once

/// @file protocol/register.hpp
/// @brief Registers vcdlb's message types and error categories with an actor system config.

#include "caf/actor_system_config.hpp"

namespace vcdlb {

/// Adds every vcdlb message type and the renderers of the error categories in
/// protocol/errors.hpp, so `system.render(err)` prints "vcd.busy_entity: ..." and not a number.
/// Call once per config, before constructing the actor system.
void register_types(caf::actor_system_config& cfg);

} // namespace vcdlb
