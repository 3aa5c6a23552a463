#include "actors/detail/pacing.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using vcdlb::detail::poll_schedule;
using vcdlb::detail::task_poll_delay;
using vcdlb::detail::task_time_estimate;

const poll_schedule schedule{250ms, 3s, 1.5, 0.05};

TEST(task_time_estimate, unknown_until_a_task_was_seen) {
  task_time_estimate e;
  EXPECT_FALSE(e.known());
  EXPECT_EQ(e.value(), caf::timespan{0});
  // Nothing known: the configured schedule.
  EXPECT_EQ(task_poll_delay(0, e, schedule), caf::timespan{250ms});
  EXPECT_EQ(task_poll_delay(1, e, schedule), caf::timespan{375ms});
  EXPECT_EQ(task_poll_delay(20, e, schedule), caf::timespan{3s});
}

TEST(task_time_estimate, learns_the_midpoint_of_the_polls_around_the_end) {
  task_time_estimate e;
  e.finished_between(4800ms, 5200ms);
  EXPECT_TRUE(e.known());
  EXPECT_EQ(e.value(), caf::timespan{5s});
  // First poll at the estimate, follow-ups at 5 % of it (250 ms) backing off x1.5 to 3 s.
  EXPECT_EQ(task_poll_delay(0, e, schedule), caf::timespan{5s});
  EXPECT_EQ(task_poll_delay(1, e, schedule), caf::timespan{250ms});
  EXPECT_EQ(task_poll_delay(2, e, schedule), caf::timespan{375ms});
  EXPECT_EQ(task_poll_delay(30, e, schedule), caf::timespan{3s});
}

TEST(task_time_estimate, follow_ups_stay_within_initial_and_max) {
  task_time_estimate quick;
  quick.finished_between(10ms, 30ms); // 20 ms: below poll_initial
  EXPECT_EQ(task_poll_delay(0, quick, schedule), caf::timespan{250ms});
  EXPECT_EQ(task_poll_delay(1, quick, schedule), caf::timespan{250ms});
  task_time_estimate slow;
  slow.finished_between(9min, 11min); // 5 % of 10 min = 30 s: above poll_max
  EXPECT_EQ(task_poll_delay(0, slow, schedule), caf::timespan{10min});
  EXPECT_EQ(task_poll_delay(1, slow, schedule), caf::timespan{3s});
}

TEST(task_time_estimate, one_stuck_task_does_not_move_the_median) {
  task_time_estimate e;
  for (int i = 0; i < 4; ++i)
    e.finished_between(4900ms, 5100ms);
  e.finished_between(59s, 61s);
  EXPECT_EQ(e.value(), caf::timespan{5s});
}

TEST(task_time_estimate, a_new_duration_takes_over_within_the_window) {
  task_time_estimate e;
  for (int i = 0; i < 5; ++i)
    e.finished_between(4900ms, 5100ms);
  for (int i = 0; i < 3; ++i)
    e.finished_between(1900ms, 2100ms);
  EXPECT_EQ(e.value(), caf::timespan{2s});
}

TEST(task_time_estimate, early_finishes_pull_the_estimate_down) {
  task_time_estimate e;
  e.finished_between(4900ms, 5100ms);
  // Tasks now end long before the first poll: each one lowers the estimate a little, so the
  // first poll moves towards the real end instead of staying late for ever.
  auto before = e.value();
  e.finished_by(e.value());
  EXPECT_LT(e.value(), before);
  EXPECT_GT(e.value(), caf::timespan{4800ms}); // one early task: a small step
  for (int i = 0; i < 9; ++i)
    e.finished_by(e.value());
  EXPECT_LT(e.value(), caf::timespan{3s}); // ten in a row: the steps grow
  // Once a first poll is early again, the bracket brings it back to the real duration.
  for (int i = 0; i < 5; ++i)
    e.finished_between(2500ms, 2700ms);
  EXPECT_EQ(e.value(), caf::timespan{2600ms});
}

TEST(task_time_estimate, steps_down_stay_small_while_first_polls_alternate) {
  task_time_estimate e;
  for (int i = 0; i < 5; ++i)
    e.finished_between(4900ms, 5100ms);
  for (int i = 0; i < 10; ++i) {
    e.finished_by(e.value());
    e.finished_between(e.value(), e.value() + 250ms);
  }
  EXPECT_GT(e.value(), caf::timespan{4800ms});
  EXPECT_LT(e.value(), caf::timespan{5400ms});
}

TEST(task_time_estimate, a_first_poll_that_finds_it_done_is_an_upper_bound) {
  task_time_estimate e;
  e.finished_by(1s);
  EXPECT_TRUE(e.known());
  EXPECT_LT(e.value(), caf::timespan{1s});
  EXPECT_GT(e.value(), caf::timespan{900ms});
}

TEST(poll_delay, backs_off_to_the_cap) {
  EXPECT_EQ(vcdlb::detail::poll_delay(0, 250ms, 3s, 1.5), caf::timespan{250ms});
  EXPECT_EQ(vcdlb::detail::poll_delay(2, 250ms, 3s, 1.5), caf::timespan{562500us});
  EXPECT_EQ(vcdlb::detail::poll_delay(50, 250ms, 3s, 1.5), caf::timespan{3s});
}

} // namespace
