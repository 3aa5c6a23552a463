#include "runtime/shutdown_signal.hpp"

#include <csignal>
#include <future>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"

namespace {

using namespace std::chrono_literals;

TEST(shutdown_signal, sigterm_calls_back_once_on_the_io_thread) {
  vcdlb::asio_bridge::io_runner io{"test-io"};
  std::promise<int> got;
  int calls = 0;
  vcdlb::runtime::shutdown_signal sig{io.context(), [&](int signo) {
                                        ++calls;
                                        got.set_value(signo);
                                      }};
  std::raise(SIGTERM);
  auto fut = got.get_future();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(fut.get(), SIGTERM);
  std::raise(SIGINT); // a second signal is swallowed, not delivered again
  io.stop();
  EXPECT_EQ(calls, 1);
}

} // namespace
