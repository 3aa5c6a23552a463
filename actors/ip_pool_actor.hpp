#pragma once

/// @file actors/ip_pool_actor.hpp
/// @brief The ip_pool_actor (protocol/interfaces.hpp) around ip_pool: the single owner of IP
/// decisions. Until the first `rebuild` arrives, allocations, claims and releases wait (their
/// replies come later), so nothing is handed out before the pool knows what is already in use.
///
/// IP Spaces (`pool_seed::ip_spaces`, rebuilt with the gateway actor): when a Service needs an
/// external IP and no free one is held, the actor asks the gateway to allocate a floating IP
/// reserved with the Service's claim marker (a specific one for `spec.loadBalancerIP`), adds
/// it, and answers the parked request; other requests go on meanwhile (one allocation in
/// flight per Service). An allocation is released (through the gateway) only once no Service
/// holds it and no listener is claimed on it, i.e. after every object on it is gone; a failed
/// release is retried later. Allocation refusals reach the Service as lb_errc::ip_exhausted
/// (or ip_unavailable for a specific IP) with VCD's reason.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/ip_pool.hpp"
#include "caf/actor_system.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

struct ip_pool_state {
  std::optional<ip_pool> pool;
  std::vector<std::function<void()>> waiting; ///< requests parked until the first rebuild
  gateway_actor gateway;                      ///< IP Space allocations; null without
  std::string marker_prefix;                  ///< pool_seed::claim_marker_prefix
  /// Services with an allocation in flight -> requests that wait for it (retried after).
  std::map<service_key, std::vector<std::function<void()>>> allocating;
  /// Sharing keys with an allocation in flight -> the Service it is for: a Service that may
  /// share that IP waits for it instead of allocating one of its own.
  std::map<std::string, service_key> sharing_in_flight;
  size_t releases_in_flight = 0;
  bool release_retry_scheduled = false;
  static constexpr const char* name = "ip-pool";
};

/// How long the actor waits for the gateway's answer to an allocation or release (tasks
/// included); the gateway's own task timeout is shorter.
inline constexpr auto ip_space_call_timeout = std::chrono::minutes{15};
/// A failed release is tried again after this long.
inline constexpr auto ip_space_release_retry = std::chrono::seconds{30};

/// The behavior; spawn with `sys.spawn(ip_pool_behavior)`.
ip_pool_actor::behavior_type ip_pool_behavior(ip_pool_actor::stateful_pointer<ip_pool_state> self);

} // namespace vcdlb
