#pragma once

/// @file engine/status_sink.hpp
/// @brief Where the engine's decisions go: the Service status (finalizer + ingress IP) and
/// Events. The controller implements it over the Kubernetes API; an embedding control plane
/// implements it over its own store.
///
/// Thread-safety: the engine calls both members from its actor threads, possibly
/// concurrently, and never blocks on them; implementations must not block either (hand the
/// work to an I/O thread and report back through `done`).

#include <functional>

#include "caf/error.hpp"
#include "protocol/messages.hpp"

namespace vcdlb {

class status_sink {
public:
  using done_fn = std::function<void(caf::error)>;

  virtual ~status_sink() = default;

  /// Make the Service `status.key` carry the finalizer `lb_cleanup_finalizer` iff
  /// `status.finalizer_wanted`, and `status.loadBalancer.ingress` = [{ip: external_ip}] (empty
  /// when `external_ip` is ""). Call `done` exactly once, from any thread: `{}` once the change
  /// is stored, or an error (the engine retries the Service with backoff). A Service that no
  /// longer exists is not an error when the finalizer is being removed.
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
