#pragma once

/// @file adapters/kube/lease_fence.hpp
/// @brief Whether this process may act as the leader right now, judged on its own monotonic
/// clock, for work that must never overlap a successor's (VCD mutations).
///
/// The leader elector extends the fence after every successful acquire or renew to the moment
/// that request was *sent* plus renewDeadline, and revokes it when leadership is lost or
/// released. A follower takes over only after leaseDuration (> renewDeadline) of its own
/// observation time without a change of the Lease record, and it cannot observe a renewal before
/// it was sent. So a leader that acts only while the fence holds stops at least
/// leaseDuration - renewDeadline before any successor starts -- also when the process was frozen
/// (SIGSTOP, a paused VM) and wakes up with its timers overdue, before the elector has noticed
/// that the lease is gone. That margin (5 s by default) also covers a request admitted at the
/// last moment travelling to VCD.
///
/// Thread-safety: every member may be called from any thread (one atomic).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace vcdlb::kube {

class lease_fence {
public:
  using clock = std::chrono::steady_clock;

  /// Leadership holds until `until` (a later call may move it either way).
  void extend(clock::time_point until) noexcept {
    until_.store(until.time_since_epoch().count(), std::memory_order_release);
  }

  /// Leadership is gone now.
  void revoke() noexcept { until_.store(revoked, std::memory_order_release); }

  /// True while `now` is before the last extension's end.
  [[nodiscard]] bool held(clock::time_point now = clock::now()) const noexcept {
    return now.time_since_epoch().count() < until_.load(std::memory_order_acquire);
  }

private:
  static constexpr clock::rep revoked = std::numeric_limits<clock::rep>::min();
  std::atomic<clock::rep> until_{revoked};
};

} // namespace vcdlb::kube
