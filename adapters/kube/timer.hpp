#pragma once

/// @file adapters/kube/timer.hpp
/// @brief Delayed callbacks for the adapter's own policies (informer backoff, resync, client-side
/// rate limiting): Asio timers in production, a manual clock in tests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include <boost/asio/io_context.hpp>

namespace vcdlb::kube {

/// Schedules callbacks. Implementations never run a callback from inside `schedule`.
class timer_queue {
public:
  using clock = std::chrono::steady_clock;

  virtual ~timer_queue() = default;
  [[nodiscard]] virtual clock::time_point now() const = 0;
  /// Runs `f` once after `delay`; returns an id for `cancel`.
  virtual uint64_t schedule(std::chrono::milliseconds delay, std::function<void()> f) = 0;
  /// `f` of timer `id` will not run unless it already started. Unknown ids are ignored.
  virtual void cancel(uint64_t id) = 0;
};

/// Steady-clock timers on an io_context; callbacks run on its threads. Thread-safe. The queue
/// must outlive its pending timers' io_context run (stop the io_runner first).
class asio_timer_queue : public timer_queue {
public:
  explicit asio_timer_queue(boost::asio::io_context& io);
  ~asio_timer_queue() override;

  [[nodiscard]] clock::time_point now() const override { return clock::now(); }
  uint64_t schedule(std::chrono::milliseconds delay, std::function<void()> f) override;
  void cancel(uint64_t id) override;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// Virtual time for tests: nothing fires until `advance`. Not thread-safe.
class manual_timer_queue : public timer_queue {
public:
  [[nodiscard]] clock::time_point now() const override { return now_; }
  uint64_t schedule(std::chrono::milliseconds delay, std::function<void()> f) override;
  void cancel(uint64_t id) override;

  /// Moves time forward by `d`, running due callbacks in deadline order (also those they
  /// schedule, when due); returns how many ran.
  size_t advance(std::chrono::milliseconds d);
  /// Pending timers.
  [[nodiscard]] size_t pending() const { return timers_.size(); }
  /// Delay until the earliest pending timer; zero when none.
  [[nodiscard]] std::chrono::milliseconds next_delay() const;

private:
  clock::time_point now_{};
  uint64_t next_id_ = 0;
  std::multimap<clock::time_point, std::pair<uint64_t, std::function<void()>>> timers_;
};

} // namespace vcdlb::kube
