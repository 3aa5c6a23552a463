#pragma once

/// @file adapters/asio/io_runner.hpp
/// @brief An io_context with its own threads: where every adapter's I/O runs.

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace vcdlb::asio_bridge {

/// Owns an `io_context` and the threads that run it. The work guard keeps the threads alive
/// while no I/O is pending. `stop()` (also called by the destructor) releases the guard, stops
/// the context and joins the threads, so handlers queued afterwards are destroyed with the
/// context and release whatever actor handles they captured.
///
/// Shutdown order (caf-and-style.md A.7): actors first, then the io_runner, then the actor
/// system. Thread-safe: `context()` may be used from any thread; `stop()` must not be called
/// from one of the runner's own threads.
class io_runner {
public:
  /// Starts `threads` threads named `name` (visible in `top -H`).
  explicit io_runner(std::string name = "vcdlb-io", unsigned threads = 1);
  io_runner(const io_runner&) = delete;
  io_runner& operator=(const io_runner&) = delete;
  ~io_runner();

  [[nodiscard]] boost::asio::io_context& context() noexcept { return io_; }

  /// Idempotent.
  void stop();

  /// After `stop()`: runs, on the calling thread, the handlers that are ready or become ready
  /// while doing so (at most `max_rounds` rounds of `poll()`), e.g. an adapter's shutdown that
  /// was posted just before `stop()` and the cancellations it causes. Without it such a
  /// shutdown may never run, and a request queued in an adapter stays there with a callback
  /// that holds the adapter. Handlers that wait for I/O or a timer stay queued and are destroyed
  /// with the context. Call it while everything the handlers use is still alive.
  void drain(unsigned max_rounds = 64);

private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

} // namespace vcdlb::asio_bridge
