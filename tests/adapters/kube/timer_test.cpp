#include "adapters/kube/timer.hpp"

#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;

TEST(asio_timer_queue_test, fires_in_deadline_order_and_honours_cancel) {
  asio_bridge::io_runner io{"timer-test", 1};
  asio_timer_queue timers{io.context()};
  std::mutex mtx;
  std::vector<int> fired;
  std::promise<void> last;
  auto record = [&](int x) {
    std::lock_guard guard{mtx};
    fired.push_back(x);
  };
  timers.schedule(60ms, [&] {
    record(3);
    last.set_value();
  });
  auto cancelled = timers.schedule(20ms, [&] { record(99); });
  timers.schedule(30ms, [&] { record(2); });
  timers.schedule(0ms, [&] { record(1); });
  timers.cancel(cancelled);
  timers.cancel(12345); // unknown ids are ignored
  ASSERT_EQ(last.get_future().wait_for(10s), std::future_status::ready);
  std::lock_guard guard{mtx};
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(timers.now().time_since_epoch().count(), 0);
}

TEST(asio_timer_queue_test, destroying_the_queue_drops_pending_timers) {
  asio_bridge::io_runner io{"timer-test", 1};
  auto flag = std::make_shared<std::atomic<bool>>(false);
  {
    asio_timer_queue timers{io.context()};
    timers.schedule(30ms, [flag] { *flag = true; });
  }
  std::promise<void> later;
  asio_timer_queue other{io.context()};
  other.schedule(80ms, [&] { later.set_value(); });
  ASSERT_EQ(later.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(*flag);
}

TEST(manual_timer_queue_test, advance_runs_due_callbacks_in_order) {
  manual_timer_queue t;
  std::vector<int> fired;
  t.schedule(100ms, [&] {
    fired.push_back(2);
    t.schedule(10ms, [&] { fired.push_back(3); }); // due within the same advance
  });
  t.schedule(50ms, [&] { fired.push_back(1); });
  auto id = t.schedule(500ms, [&] { fired.push_back(9); });
  EXPECT_EQ(t.next_delay(), 50ms);
  EXPECT_EQ(t.advance(200ms), 3u);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  t.cancel(id);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.advance(1s), 0u);
}

} // namespace
} // namespace vcdlb::kube
