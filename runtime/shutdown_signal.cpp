#include "runtime/shutdown_signal.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

namespace vcdlb::runtime {

shutdown_signal::shutdown_signal(boost::asio::io_context& io, std::function<void(int)> on_signal)
  : signals_(io, SIGTERM, SIGINT), on_signal_(std::move(on_signal)) {
  wait();
}

void shutdown_signal::cancel() {
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void shutdown_signal::wait() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec)
      return; // cancelled
    if (fired_) {
      spdlog::warn("received signal {} again; still shutting down", signo);
    } else {
      fired_ = true;
      spdlog::info("received signal {}; shutting down", signo);
      on_signal_(signo);
    }
    wait();
  });
}

} // namespace vcdlb::runtime
