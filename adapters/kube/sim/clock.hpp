#pragma once

/// @file adapters/kube/sim/clock.hpp
/// @brief The clock of the API server double (wall time: it stamps creationTimestamp).

#include <chrono>

namespace vcdlb::kube::sim {

using sim_clock = std::chrono::system_clock;

} // namespace vcdlb::kube::sim
