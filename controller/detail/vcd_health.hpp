#pragma once

/// @file controller/detail/vcd_health.hpp
/// @brief Whether VCD is answering, from the outcome of every VCD call: the gauges
/// `vcdlb_vcd_up` and `vcdlb_vcd_last_success_timestamp_seconds` (docs/metrics.md) and a
/// warning log line when VCD stops answering, repeated at most once per `log_interval` while
/// it stays so, and an info line when it answers again.
///
/// "Down" outcomes: no answer (connection refused or reset, timeout: vcd_errc::unavailable
/// without a status, and 502/503/504), other 5xx, an unusable answer (bad_response: e.g. an
/// HTML page from a proxy), a TLS failure and a refused login (401 after the client's own
/// re-login). Every other outcome (success, 4xx such as 404, BUSY_ENTITY or 429) shows VCD
/// working.
///
/// Thread-safety: all members may be called from any thread (one mutex, held briefly; the
/// log line is written outside it). Time comes from the injected clocks, so tests drive it.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "actors/vcd_status.hpp"
#include "caf/error.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb::detail {

class vcd_health {
public:
  using steady_clock = std::function<std::chrono::steady_clock::time_point()>;
  using wall_clock = std::function<std::chrono::system_clock::time_point()>;

  /// `status` (may be null) follows up/down, for the engine's service actors.
  explicit vcd_health(
    std::shared_ptr<const runtime::vcdlb_metrics> metrics,
    std::shared_ptr<vcd_status> status = nullptr,
    std::chrono::seconds log_interval = std::chrono::seconds{30},
    steady_clock now = [] { return std::chrono::steady_clock::now(); },
    wall_clock wall = [] { return std::chrono::system_clock::now(); });

  /// True when the outcome means VCD is not answering (see above).
  [[nodiscard]] static bool means_down(const caf::error& err);

  /// One call's outcome: `failed` null on success.
  void record(std::string_view operation, const caf::error* failed);

  [[nodiscard]] bool up() const;
  /// Failed calls since VCD went down (0 while up).
  [[nodiscard]] uint64_t failures() const;

private:
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::shared_ptr<vcd_status> status_;
  std::chrono::seconds log_interval_;
  steady_clock now_;
  wall_clock wall_;
  mutable std::mutex mtx_;
  bool up_ = true; ///< assumed until a call says otherwise (the gauge starts at 0: unknown)
  std::chrono::steady_clock::time_point down_since_, last_log_;
  uint64_t failures_ = 0;        ///< since down_since_
  uint64_t failures_at_log_ = 0; ///< at last_log_
};

} // namespace vcdlb::detail
