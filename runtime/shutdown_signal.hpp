#pragma once

/// @file runtime/shutdown_signal.hpp
/// @brief Turns SIGTERM/SIGINT into one orderly shutdown.

#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace vcdlb::runtime {

/// Waits on `io` for SIGTERM or SIGINT and calls `on_signal(signo)` once, on an `io` thread.
/// A second signal while shutting down is logged and otherwise ignored, so a slow drain
/// is not cut short by an impatient Ctrl-C; SIGKILL remains the hard stop.
class shutdown_signal {
public:
  shutdown_signal(boost::asio::io_context& io, std::function<void(int)> on_signal);

  /// Stops listening; pending callbacks are not called.
  void cancel();

private:
  void wait();

  boost::asio::signal_set signals_;
  std::function<void(int)> on_signal_;
  bool fired_ = false;
};

} // namespace vcdlb::runtime
