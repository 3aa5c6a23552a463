#pragma once

/// @file adapters/vcd/sim/faults.hpp
/// @brief Timing and fault-injection knobs of the VCD simulator, changeable at runtime.

#include <chrono>
#include <cstdint>
#include <string>

#include "caf/expected.hpp"

namespace vcdlb::vcd::sim {

/// Every rate is a probability in [0, 1] drawn per request (or per task) from the simulator's
/// seeded generator, so a run with the same seed and request order repeats exactly.
struct fault_settings {
  std::chrono::milliseconds latency{0};         ///< added before every response (by the server)
  std::chrono::milliseconds task_duration{100}; ///< how long a mutating task runs
  std::chrono::milliseconds health_delay{0};    ///< after REALIZED, VS healthStatus stays PENDING
  double task_failure_rate = 0;                 ///< task ends in `error`, object REALIZATION_FAILED
  double rate_429 = 0;                          ///< 429 Too Many Requests instead of handling
  double rate_500 = 0;                          ///< 500 INTERNAL_SERVER_ERROR
  double rate_503 = 0;                          ///< 503 Service Unavailable
  double drop_rate = 0;                         ///< close the connection without a response
  std::chrono::seconds token_ttl{3600};         ///< lifetime of issued access tokens
  /// VCD's per-gateway lock: a gateway-bound mutation while another task of the gateway runs
  /// is refused with BUSY_ENTITY. Off: mutations overlap freely (what-if runs of the bench).
  bool gateway_lock = true;
};

/// JSON object with the fields above: {"latency_ms", "task_ms", "health_delay_ms",
/// "task_failure_rate", "rate_429", "rate_500", "rate_503", "drop_rate", "token_ttl_s",
/// "gateway_lock" (true/false)}.
[[nodiscard]] std::string to_json(const fault_settings& f);

/// Applies the fields present in the JSON object `text` to `base` (others stay). Errors
/// (config_errc::invalid_value) for unknown keys, wrong types, negative values or rates
/// outside [0, 1].
[[nodiscard]] caf::expected<fault_settings> apply_json(fault_settings base, std::string_view text);

} // namespace vcdlb::vcd::sim
