#pragma once

/// @file actors/engine_observer.hpp
/// @brief What the engine's actors report as they work, so metrics (and the bench) can be kept
/// outside them. Every hook defaults to doing nothing.
///
/// Thread-safety: hooks are called from actor threads, concurrently; implementations must be
/// thread-safe, cheap and must never block. Durations come from the actors' CAF clock.

#include <cstddef>
#include <string_view>

#include "caf/timespan.hpp"

namespace vcdlb {

/// What one reconcile of a Service did.
enum class reconcile_kind : uint8_t { ensure, cleanup };

class engine_observer {
public:
  virtual ~engine_observer() = default;

  /// Start-up discovery found the gateway; called once, before any other hook.
  virtual void discovered(std::string_view /*gateway_name*/, std::string_view /*api_version*/) {}

  // -- service actors -------------------------------------------------------------------------

  /// A reconcile started (`active` +1) ...
  virtual void reconcile_started() {}
  /// ... and ended (`active` -1): `ok` false when it failed (the Service backs off);
  /// `mutated` when it ran at least one VCD mutation.
  virtual void reconcile_finished(reconcile_kind, bool /*ok*/, bool /*mutated*/, caf::timespan) {}
  /// A reconcile that applied a change of the Service's node members ended: `ok` false when
  /// it failed, `mutated` when it changed the gateway (the pool members), `since_change` from
  /// the first member change it applied until now, `took` the reconcile itself.
  virtual void node_update_finished(bool /*ok*/, bool /*mutated*/, caf::timespan /*since_change*/,
                                    caf::timespan /*took*/) {}
  /// The IP pool refused a Service: `internal` for the one-arm pool, else the external one;
  /// `reason` is "exhausted", "unavailable" or "port_conflict".
  virtual void ip_allocation_failed(bool /*internal*/, std::string_view /*reason*/) {}

  // -- gateway actor --------------------------------------------------------------------------

  /// Ops waiting (all requesters) and whether one is in flight, after every change.
  virtual void gateway_queue(size_t /*queued*/, bool /*in_flight*/) {}
  /// A retryable failure is retried; `reason` is the error code's name (e.g. "busy_entity").
  virtual void gateway_retry(std::string_view /*reason*/) {}
  /// A call waited for a token of the rate limiter.
  virtual void gateway_throttled() {}
  virtual void task_polled() {}
  /// A VCD task (one mutation) ended.
  virtual void task_finished(bool /*ok*/, caf::timespan) {}

  // -- periodic samples (the engine's core actor) ---------------------------------------------

  virtual void managed_services(size_t) {}
  /// Addresses of the external / internal (one-arm) pool and how many are in use.
  virtual void pool_usage(size_t /*external_size*/, size_t /*external_used*/,
                          size_t /*internal_size*/, size_t /*internal_used*/) {}
  /// An actor's mailbox depth, sampled by the actor itself.
  virtual void mailbox_depth(std::string_view /*actor*/, size_t) {}
};

} // namespace vcdlb
