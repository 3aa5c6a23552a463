#pragma once

/// @file engine/status_sink.hpp
/// @brief Where the engine's decisions go: the Service status (finalizer + ingress IP) and
/// Events. The controller implements it over the Kubernetes API; an embedding control plane
/// implements it over its own store.
///
/// Thread-safety: the engine calls both members from its actor threads, possibly
/// concurrently, and never blocks on them; implementations must not block either (hand the
/// work to an I/O thread and report back through `done`).

#include <chrono>
#include <cstddef>
#include <functional>

#include "caf/error.hpp"
#include "caf/timespan.hpp"
#include "protocol/messages.hpp"

namespace vcdlb {

/// How the engine drives a sink (`engine_options::status_writes`). One writer per engine
/// queues the status writes of all its Services: at most `max_in_flight` reach the sink at
/// once, writes that finish a Service (its IP, or the finalizer's removal) go before writes
/// that start one (the finalizer), a newer status for a Service replaces a queued one, and a
/// write that fails with a retryable error (is_retryable: 429, 5xx, timeouts, 409) is retried
/// with backoff by the writer, so a Service whose VCD objects are done waits for its status
/// instead of failing and redoing the reconcile.
struct status_write_options {
  size_t max_in_flight = 32;
  caf::timespan retry_base = std::chrono::seconds{1}; ///< doubling up to `retry_max`
  caf::timespan retry_max = std::chrono::seconds{30};
  /// A sink call that has not answered by then counts as a timeout (and is retried).
  caf::timespan attempt_timeout = std::chrono::seconds{60};
  /// From the first queueing: a write still failing after this is reported to the Service
  /// (which then backs off). The Service waits at most `deadline + attempt_timeout`.
  caf::timespan deadline = std::chrono::minutes{10};
};

class status_sink {
public:
  using done_fn = std::function<void(caf::error)>;

  virtual ~status_sink() = default;

  /// Make the Service `status.key` carry the finalizer `lb_cleanup_finalizer` iff
  /// `status.finalizer_wanted`, and `status.loadBalancer.ingress` = [{ip: external_ip}] (empty
  /// when `external_ip` is ""). Call `done` exactly once, from any thread: `{}` once the change
  /// is stored, or an error: a retryable one (is_retryable) is written again by the engine's
  /// status writer with backoff (`status_write_options`); any other fails the Service's
  /// reconcile, which is retried with the Service's backoff. A Service that no longer exists is
  /// not an error when the finalizer is being removed.
  virtual void write_status(const service_status& status, done_fn done) = 0;

  /// Record an Event on the Service (best effort, no reply).
  virtual void record_event(const service_event& event) = 0;
};

/// A sink made of two callables (for embedding and tests).
class callback_sink final : public status_sink {
public:
  using write_fn = std::function<void(const service_status&, done_fn)>;
  using event_fn = std::function<void(const service_event&)>;

  callback_sink(write_fn write, event_fn event)
    : write_(std::move(write)), event_(std::move(event)) {}

  void write_status(const service_status& status, done_fn done) override {
    write_(status, std::move(done));
  }
  void record_event(const service_event& event) override {
    if (event_)
      event_(event);
  }

private:
  write_fn write_;
  event_fn event_;
};

} // namespace vcdlb
