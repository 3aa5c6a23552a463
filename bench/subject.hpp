#pragma once

/// @file bench/subject.hpp
/// @brief What the bench measures: a controller (vcdlb's engine, or the upstream model)
/// driven through the phases of a scenario against one simulator.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/workload.hpp"
#include "caf/expected.hpp"

namespace vcdlb::bench {

/// Per-phase outcome that only the subject knows.
struct phase_outcome {
  /// Per affected Service (index into the phase's Service list): seconds from the start of
  /// the phase until it converged; nullopt if it did not within the deadline.
  std::vector<std::optional<double>> latency_s;
  std::string note; ///< e.g. why a phase is not supported
};

/// Thread-safety: a subject is driven by one thread; `converged` may be read by another
/// (the progress line) while a phase runs.
class subject {
public:
  virtual ~subject() = default;

  /// "vcdlb", "vcdlb (engine only)", "upstream model".
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual bool supports(phase_kind k) const = 0;

  /// Drives the cluster from `before` to `after` (phase `k`) and returns once every affected
  /// Service converged, or at `deadline`. Affected Services: `after.services` for every kind
  /// but remove, where they are `before.services`. Increments `converged` as Services
  /// converge. An error means the phase could not be run at all.
  [[nodiscard]] virtual caf::expected<phase_outcome>
  run_phase(phase_kind k, const cluster_state& before, const cluster_state& after,
            std::chrono::steady_clock::time_point deadline, std::atomic<uint64_t>& converged) = 0;
};

} // namespace vcdlb::bench
