#pragma once

/// @file engine/metrics_observer.hpp
/// @brief An engine_observer that keeps the Prometheus families of runtime/vcdlb_metrics.hpp
/// (docs/metrics.md) up to date. Thread-safe; hot hooks are lock-free (children are looked
/// up once, in `discovered`, or at construction).

#include <memory>
#include <mutex>
#include <string>

#include "actors/engine_observer.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb {

class metrics_observer final : public engine_observer {
public:
  explicit metrics_observer(std::shared_ptr<const runtime::vcdlb_metrics> metrics);

  void discovered(std::string_view gateway_name, std::string_view api_version) override;
  void reconcile_started() override;
  void reconcile_finished(reconcile_kind kind, bool ok, bool mutated, caf::timespan took) override;
  void node_update_finished(bool ok, bool mutated, caf::timespan since_change,
                            caf::timespan took) override;
  void ip_allocation_failed(bool internal, std::string_view reason) override;
  void gateway_queue(size_t queued, bool in_flight) override;
  void gateway_retry(std::string_view reason) override;
  void gateway_throttled() override;
  void task_polled() override;
  void task_finished(bool ok, caf::timespan took) override;
  void managed_services(size_t n) override;
  void pool_usage(size_t external_size, size_t external_used, size_t internal_size,
                  size_t internal_used) override;
  void mailbox_depth(std::string_view actor, size_t depth) override;

  /// The `reason` label for an error code name: "vcd.busy_entity" -> "busy_entity", any
  /// "net.*" -> "connection".
  [[nodiscard]] static std::string_view retry_reason(std::string_view code);

private:
  using counter = std::shared_ptr<runtime::metrics::counter>;
  using gauge = std::shared_ptr<runtime::metrics::gauge>;
  using histogram = std::shared_ptr<runtime::metrics::histogram>;

  std::shared_ptr<const runtime::vcdlb_metrics> m_;
  std::string gateway_;
  // Service reconciles.
  gauge active_;
  counter success_, error_;
  counter errors_;
  histogram time_;
  // Node set changes.
  counter lb_syncs_, nodesync_errors_;
  histogram nodesync_latency_, host_latency_;
  // Gateway (set in `discovered`, before the gateway actor exists).
  gauge queue_, in_flight_;
  counter throttled_, polls_, tasks_ok_, tasks_failed_;
  histogram task_time_;
  std::mutex retry_mutex_; ///< retry/failure reasons are few; children made on first use
};

} // namespace vcdlb
