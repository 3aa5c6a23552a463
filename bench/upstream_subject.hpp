#pragma once

/// @file bench/upstream_subject.hpp
/// @brief The upstream provider as a bench subject: the Kubernetes service controller's one
/// worker (§2.0, §5: `--concurrent-service-syncs` 1, one global lock) calling the upstream
/// model for one Service at a time, with the controller's per-key requeue backoff
/// (5 s doubling to 300 s, scaled like every other interval) after a failed call.

#include <chrono>
#include <memory>

#include "bench/subject.hpp"
#include "bench/upstream_model.hpp"

namespace vcdlb::bench {

struct upstream_subject_options {
  upstream_options model;
  std::chrono::milliseconds backoff_base{5000};
  std::chrono::milliseconds backoff_max{300000};
};

class upstream_subject final : public subject {
public:
  upstream_subject(std::shared_ptr<http::client> http, std::string base_url,
                   upstream_subject_options opts);

  [[nodiscard]] std::string name() const override { return "upstream model"; }
  /// Everything but shared-ports: upstream cannot share one IP between Services.
  [[nodiscard]] bool supports(phase_kind k) const override;
  [[nodiscard]] caf::expected<phase_outcome>
  run_phase(phase_kind k, const cluster_state& before, const cluster_state& after,
            std::chrono::steady_clock::time_point deadline,
            std::atomic<uint64_t>& converged) override;

  /// Counts of every call made so far, by outcome.
  struct totals {
    uint64_t calls = 0;
    uint64_t failed_calls = 0;
    uint64_t requests = 0; ///< as counted by the model itself
    uint64_t task_polls = 0;
    uint64_t tasks = 0;
  };
  [[nodiscard]] const totals& call_totals() const noexcept { return totals_; }
  /// What each successful call of the last phase sent, in the order the Services converged
  /// (index into the phase's Service list, stats).
  [[nodiscard]] const std::vector<std::pair<size_t, upstream_call_stats>>&
  last_phase_calls() const noexcept {
    return calls_;
  }

private:
  upstream_model model_;
  upstream_subject_options opts_;
  totals totals_;
  std::vector<std::pair<size_t, upstream_call_stats>> calls_;
};

} // namespace vcdlb::bench
