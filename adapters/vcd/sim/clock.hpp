#pragma once

/// @file adapters/vcd/sim/clock.hpp
/// @brief The time source of the VCD simulator, injectable so tests drive task lifecycles
/// deterministically.

#include <atomic>
#include <chrono>
#include <functional>

namespace vcdlb::vcd::sim {

using sim_clock = std::chrono::steady_clock;
using time_point = sim_clock::time_point;

/// Returns "now". Called under the simulator's lock; must be cheap and thread-safe.
using clock_fn = std::function<time_point()>;

/// The real monotonic clock.
[[nodiscard]] inline clock_fn system_clock_fn() {
  return [] { return sim_clock::now(); };
}

/// A clock that only moves when told to. Thread-safe. Hand `fn()` to the simulator and keep
/// the manual_clock alive at least as long as the simulator.
class manual_clock {
public:
  [[nodiscard]] time_point now() const { return time_point{std::chrono::nanoseconds{ns_.load()}}; }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }
  [[nodiscard]] clock_fn fn() {
    return [this] { return now(); };
  }

private:
  // Starts well after the epoch so "now - duration" never underflows in tests.
  std::atomic<int64_t> ns_{int64_t{1'000'000'000'000}};
};

} // namespace vcdlb::vcd::sim
