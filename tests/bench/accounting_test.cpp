// Request classification (retries after transient refusals) and the gateway's busy time.

#include "bench/accounting.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::bench;
using namespace std::chrono_literals;
namespace sim = vcdlb::vcd::sim;

sim::request_record rec(std::string method, std::string target, unsigned status,
                        std::string category, std::string reason = "") {
  sim::request_record r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.status = status;
  r.category = std::move(category);
  r.reason = std::move(reason);
  return r;
}

vcdlb::http::request req(std::string body = "") {
  vcdlb::http::request r;
  r.body = std::move(body);
  return r;
}

TEST(bench_accounting, kinds_partition_requests_and_repeats_of_refusals_are_retries) {
  request_accounting acc;
  acc.record(rec("POST", "/oauth/tenant/org1/token", 200, "auth"), req());
  acc.record(rec("GET", "/g", 200, "read"), req());
  acc.record(rec("GET", "/g", 503, "read"), req()); // refused
  acc.record(rec("GET", "/g", 200, "read"), req()); // its retry
  acc.record(rec("GET", "/g", 200, "read"), req()); // a plain read again
  acc.record(rec("POST", "/pools", 400, "mutation", "busy_entity"), req("a"));
  acc.record(rec("POST", "/pools", 202, "mutation"), req("b")); // another body: not a retry
  acc.record(rec("POST", "/pools", 202, "mutation"), req("a")); // the retry
  acc.record(rec("POST", "/pools", 400, "mutation", "duplicate_name"), req("c")); // terminal
  acc.record(rec("POST", "/pools", 202, "mutation"), req("c")); // not a retry of a transient one
  acc.record(rec("GET", "/api/task/1", 200, "task_poll"), req());
  acc.record(rec("GET", "/api/task/1", 0, "task_poll", "dropped"), req());
  acc.record(rec("GET", "/api/task/1", 200, "task_poll"), req());
  acc.record(rec("GET", "/_sim/dump", 200, "control"), req()); // not counted
  auto c = acc.counts();
  EXPECT_EQ(c.auth, 1u);
  EXPECT_EQ(c.reads, 3u);
  EXPECT_EQ(c.mutations, 4u);
  EXPECT_EQ(c.task_polls, 2u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.rejected, 3u);
  EXPECT_EQ(c.total(), 13u);
  auto d = c - request_counts{1, 1, 1, 1, 1, 1};
  EXPECT_EQ(d.total(), 8u);
  d += request_counts{1, 1, 1, 1, 1, 1};
  EXPECT_EQ(d.total(), c.total());
}

TEST(bench_accounting, transient_refusals) {
  EXPECT_TRUE(transient_refusal(rec("GET", "/", 0, "read")));
  EXPECT_TRUE(transient_refusal(rec("GET", "/", 401, "read")));
  EXPECT_TRUE(transient_refusal(rec("GET", "/", 429, "read")));
  EXPECT_TRUE(transient_refusal(rec("GET", "/", 503, "read")));
  EXPECT_TRUE(transient_refusal(rec("POST", "/", 400, "mutation", "busy_entity")));
  EXPECT_FALSE(transient_refusal(rec("POST", "/", 400, "mutation", "duplicate_name")));
  EXPECT_FALSE(transient_refusal(rec("GET", "/", 404, "read")));
}

TEST(bench_accounting, busy_time_is_the_union_of_gateway_tasks_within_the_window) {
  sim::time_point t0{std::chrono::seconds{100}};
  std::vector<sim::task_record> tasks{
    {"a", "X", "gw", t0, t0 + 100ms, "success"},
    {"b", "X", "gw", t0 + 50ms, t0 + 150ms, "success"}, // overlaps a
    {"c", "X", "", t0 + 200ms, t0 + 900ms, "success"},  // no gateway: left out
    {"d", "X", "gw", t0 + 300ms, t0 + 400ms, "success"},
    {"e", "X", "gw", t0 + 950ms, t0 + 1100ms, "running"}, // clipped at the end
  };
  EXPECT_EQ(gateway_busy_time(tasks, t0, t0 + 1s), 150ms + 100ms + 50ms);
  EXPECT_EQ(gateway_busy_time(tasks, t0 + 320ms, t0 + 360ms), 40ms);
  EXPECT_EQ(gateway_busy_time({}, t0, t0 + 1s), 0ms);
  EXPECT_EQ(gateway_tasks_started(tasks, t0, t0 + 1s), 4u);
  EXPECT_EQ(gateway_tasks_started(tasks, t0 + 1ms, t0 + 1s), 3u);
  EXPECT_EQ(first_gateway_task(tasks, t0, t0 + 1s), t0);
  EXPECT_EQ(first_gateway_task(tasks, t0 + 60ms, t0 + 1s), t0 + 300ms) << "c has no gateway";
  EXPECT_EQ(first_gateway_task(tasks, t0 + 960ms, t0 + 1s), std::nullopt);
}

} // namespace
