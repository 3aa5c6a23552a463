#pragma once

/// @file adapters/kube/service_writer.hpp
/// @brief The Service writes of a load-balancer controller (kubernetes-api.md 2.3-2.5, 3.6):
/// status ingress (only when it changed) and the cleanup finalizer (optimistic concurrency,
/// re-read and retry on 409 like client-go's RetryOnConflict).

#include <chrono>
#include <string>
#include <vector>

#include "adapters/kube/client.hpp"
#include "adapters/kube/timer.hpp"

namespace vcdlb::kube {

struct service_writer_options {
  int conflict_attempts = 5;                    ///< client-go retry.DefaultRetry steps
  std::chrono::milliseconds conflict_delay{10}; ///< between attempts
  std::string finalizer{load_balancer_cleanup_finalizer};
};

/// Thread-safe; completions run on the client's threads (or the timer queue's), never inside
/// the call. `client` and `timers` must outlive pending operations.
class service_writer {
public:
  service_writer(client_ptr c, timer_queue& timers, service_writer_options opts = {});

  /// Sets `status.loadBalancer.ingress` to `ingress` (merge patch on `/status`) unless
  /// `current` already has it (missing ipMode counts as VIP). `done` gets the stored Service, or
  /// `current` when nothing was written. kube_errc::not_found when the Service is gone.
  void update_status(const service_snapshot& current, std::vector<lb_ingress> ingress,
                     callback<service_snapshot> done);

  /// Adds the cleanup finalizer (call before any cloud change). No write when present. On 409
  /// re-reads the Service and retries; kube_errc::invalid when the Service is being deleted.
  void add_finalizer(const service_snapshot& current, callback<service_snapshot> done);

  /// Removes the cleanup finalizer (call last, after the cloud objects are gone). No write when
  /// absent. kube_errc::not_found means the Service is gone, which is what removal leads to.
  void remove_finalizer(const service_snapshot& current, callback<service_snapshot> done);

  /// Writes so far (for tests and metrics).
  [[nodiscard]] uint64_t writes() const;

  struct state;

private:
  void set_finalizer(const service_snapshot& current, bool present,
                     callback<service_snapshot> done);

  std::shared_ptr<state> st_;
};

} // namespace vcdlb::kube
