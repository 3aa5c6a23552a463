#pragma once

/// @file actors/ip_pool_actor.hpp
/// @brief The ip_pool_actor (protocol/interfaces.hpp) around ip_pool: the single owner of IP
/// decisions. Until the first `rebuild` arrives, allocations, claims and releases wait (their
/// replies come later), so nothing is handed out before the pool knows what is already in use.

#include <functional>
#include <optional>
#include <vector>

#include "actors/ip_pool.hpp"
#include "caf/actor_system.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

struct ip_pool_state {
  std::optional<ip_pool> pool;
  std::vector<std::function<void()>> waiting; ///< requests parked until the first rebuild
  static constexpr const char* name = "ip-pool";
};

/// The behavior; spawn with `sys.spawn(ip_pool_behavior)`.
ip_pool_actor::behavior_type ip_pool_behavior(ip_pool_actor::stateful_pointer<ip_pool_state> self);

} // namespace vcdlb
