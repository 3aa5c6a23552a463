// io_runner: stop() joins its threads; drain() then runs what was posted just before, and what
// that posts in turn, on the caller's thread, but leaves waits for timers and I/O alone.

#include "adapters/asio/io_runner.hpp"

#include <chrono>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

namespace {

using vcdlb::asio_bridge::io_runner;
namespace asio = boost::asio;

TEST(io_runner, drain_runs_what_was_posted_before_the_stop_and_what_that_posts) {
  io_runner io{"test-io", 2};
  io.stop();
  auto strand = asio::make_strand(io.context());
  int ran = 0;
  std::thread::id where;
  // Like an adapter's shutdown: posted to a strand, it posts the cancellations it causes.
  asio::post(strand, [&] {
    ++ran;
    asio::post(strand, [&] {
      ++ran;
      where = std::this_thread::get_id();
    });
  });
  bool timer_fired = false;
  asio::steady_timer timer{io.context(), std::chrono::hours{1}};
  timer.async_wait([&](auto) { timer_fired = true; });

  io.drain();
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(where, std::this_thread::get_id()) << "on the caller's thread";
  EXPECT_FALSE(timer_fired) << "a wait stays queued and is destroyed with the context";
}

} // namespace
