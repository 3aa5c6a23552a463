#include "adapters/asio/io_runner.hpp"

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace vcdlb::asio_bridge {

io_runner::io_runner(std::string name, unsigned threads) : guard_(io_.get_executor()) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, name] {
      // Linux limits thread names to 15 characters.
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      for (;;) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          // A handler must not throw; if one does, log it and keep serving the others.
          spdlog::error("unhandled exception on I/O thread: {}", e.what());
        }
      }
    });
  }
}

io_runner::~io_runner() {
  stop();
}

void io_runner::stop() {
  guard_.reset();
  io_.stop();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  threads_.clear();
}

void io_runner::drain(unsigned max_rounds) {
  io_.restart();
  for (unsigned round = 0; round < max_rounds; ++round) {
    try {
      if (io_.poll() == 0)
        break;
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception on I/O thread: {}", e.what());
    }
  }
  io_.stop();
}

} // namespace vcdlb::asio_bridge
