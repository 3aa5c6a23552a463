#include "actors/detail/op_queue.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

using queue = vcdlb::detail::op_queue<std::string, int, 2>;
constexpr size_t gw = 0;
constexpr size_t prof = 1;

// Pops slot `s` and returns "who:item", or "" when nothing is ready there.
std::string pop(queue& q, size_t s) {
  auto next = q.pop(s);
  return next ? next->first + ":" + std::to_string(next->second) : std::string{};
}

TEST(op_queue, the_oldest_job_goes_first_and_keeps_its_place_between_its_ops) {
  queue q;
  q.push("a", 1, gw);
  q.push("a", 2, gw);
  q.push("b", 1, gw);
  EXPECT_EQ(pop(q, gw), "a:1");
  EXPECT_EQ(pop(q, gw), "b:1"); // a has an op running: its next op waits for it
  q.finished("b");
  q.finished("a");
  q.push("c", 1, gw);
  EXPECT_EQ(pop(q, gw), "a:2"); // a's place is older than c's
  q.finished("a");
  EXPECT_EQ(pop(q, gw), "c:1");
  q.finished("c");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.jobs(), 0u);
}

TEST(op_queue, a_requester_that_comes_back_queues_behind_those_waiting) {
  queue q;
  q.push("a", 1, gw);
  q.push("b", 1, gw);
  EXPECT_EQ(pop(q, gw), "a:1");
  q.finished("a"); // a's job ended
  q.push("a", 2, gw);
  EXPECT_EQ(pop(q, gw), "b:1");
  q.finished("b");
  EXPECT_EQ(pop(q, gw), "a:2");
}

TEST(op_queue, each_slot_picks_among_jobs_whose_next_op_runs_there) {
  queue q;
  q.push("a", 1, prof);
  q.push("a", 2, gw);
  q.push("b", 1, gw);
  EXPECT_EQ(pop(q, gw), "b:1");
  EXPECT_EQ(pop(q, prof), "a:1");
  EXPECT_EQ(pop(q, prof), "");
  q.finished("a");
  q.finished("b");
  EXPECT_EQ(pop(q, gw), "a:2"); // (the actor pops a slot only while it is free)
}

TEST(op_queue, a_held_job_is_skipped_until_resumed_then_keeps_its_place) {
  queue q;
  q.push("a", 1, gw);
  q.push("b", 1, gw);
  q.push("c", 1, gw);
  EXPECT_EQ(pop(q, gw), "a:1");
  q.hold("a", 1, gw); // Retry-After
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(pop(q, gw), "b:1");
  q.resume("a");
  q.finished("b");
  EXPECT_EQ(pop(q, gw), "a:1"); // before c
  q.finished("a");
  EXPECT_EQ(pop(q, gw), "c:1");
}

TEST(op_queue, remove_if_drops_queued_ops_and_leaves_the_running_one) {
  queue q;
  q.push("a", 1, gw);
  q.push("a", 2, gw);
  q.push("a", 3, prof);
  q.push("b", 1, gw);
  EXPECT_EQ(pop(q, gw), "a:1");
  auto dropped = q.remove_if("a", [](int x) { return x >= 2; });
  EXPECT_EQ(dropped, (std::vector<int>{2, 3}));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_TRUE(q.running("a"));
  q.finished("a");
  EXPECT_EQ(pop(q, gw), "b:1");
  q.finished("b");
  EXPECT_EQ(q.jobs(), 0u);
}

TEST(op_queue, clear_returns_every_queued_op_in_job_order) {
  queue q;
  q.push("b", 1, gw);
  q.push("a", 1, gw);
  q.push("a", 2, prof);
  q.push("c", 1, prof);
  EXPECT_EQ(pop(q, gw), "b:1");
  q.push("b", 2, gw);
  EXPECT_EQ(q.clear(), (std::vector<int>{2, 1, 2, 1})); // b's rest, a's two, c's
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.running("b"));
  q.finished("b");
  EXPECT_EQ(q.jobs(), 0u);
  EXPECT_EQ(pop(q, gw), "");
}

// Under a steady stream of new jobs, every job is served within the number of jobs that were
// waiting when it arrived: nobody starves.
TEST(op_queue, a_continuous_stream_of_newcomers_starves_nobody) {
  queue q;
  q.push("old", 1, gw);
  q.push("old", 2, gw);
  q.push("old", 3, gw);
  int served_before_old_ends = 0;
  int next = 0;
  bool old_done = false;
  for (int round = 0; round < 100 && !old_done; ++round) {
    q.push("n" + std::to_string(next++), 1, gw); // a newcomer every round
    auto who = q.pop(gw);
    ASSERT_TRUE(who);
    if (who->first == "old")
      old_done = who->second == 3;
    else
      ++served_before_old_ends;
    q.finished(who->first);
  }
  EXPECT_TRUE(old_done);
  EXPECT_EQ(served_before_old_ends, 0); // the oldest job's ops all came first
  // The newcomers are then served in arrival order.
  for (int i = 0; i < 3; ++i) {
    auto who = q.pop(gw);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->first, "n" + std::to_string(i));
    q.finished(who->first);
  }
}

} // namespace
