#pragma once

/// @file tests/support/actor_fixture.hpp
/// @brief GoogleTest fixture on CAF's deterministic scheduler and virtual clock.
///
/// Nothing runs until the test calls `run()`; time moves only with `advance_time()`.
/// Blocking `request(...).receive(...)` on `self` would hang under this scheduler: send,
/// `run()`, then `try_receive` (non-blocking), or let an event-based actor make the request.

#include <chrono>

#include <gtest/gtest.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/after.hpp"
#include "caf/scheduler/test_coordinator.hpp"
#include "caf/scoped_actor.hpp"
#include "protocol/register.hpp"

namespace vcdlb::testing {

class actor_fixture : public ::testing::Test {
protected:
  actor_fixture()
    : sys_(init(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())),
      self_(sys_, true) {}

  ~actor_fixture() override { sched_.run(); }

  /// Runs every runnable actor until all mailboxes are empty; returns the messages handled.
  size_t run() { return sched_.run(); }

  /// Moves virtual time forward, fires due timeouts and runs what they woke up.
  size_t advance_time(caf::timespan d) {
    auto fired = sched_.advance_time(d);
    sched_.run();
    return fired;
  }

  /// Receives one message for `self_` if one is waiting; false otherwise. Handlers need
  /// concrete parameter types (CAF cannot match generic lambdas).
  template <class... Fs>
  bool try_receive(Fs... fs) {
    bool timed_out = false;
    self_->receive(fs..., caf::after(std::chrono::seconds(0)) >> [&] { timed_out = true; });
    return !timed_out;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;

private:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    register_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }
};

} // namespace vcdlb::testing
