// The metrics registry: exposition format (golden), escaping, histogram semantics, ordering,
// registration errors and concurrent updates.

#include "runtime/metrics.hpp"

#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "exposition_checker.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::runtime::metrics;

std::string checked(const registry& reg) {
  auto text = reg.expose();
  std::string error;
  auto parsed = test::check_exposition(text, error);
  EXPECT_TRUE(parsed) << error << "\n" << text;
  return text;
}

TEST(metrics_registry, golden_exposition_with_escaping_and_ordering) {
  registry reg;
  // Registered out of order: exposition sorts by family name, children by label values.
  auto g = reg.add_gauge<1>("zeta_depth", "Queue depth.", {"queue"});
  auto c = reg.add_counter<2>("alpha_requests_total", "Requests with \\ and\nnewline.",
                              {"operation", "code"});
  auto plain = reg.add_counter("beta_events_total", "Events.");
  ASSERT_TRUE(g && c && plain);
  (*g).with("b")->set(2.5);
  (*g).with("a")->set(-1);
  (*c).with("list", "200")->inc();
  (*c).with("list", "200")->inc(2);
  (*c).with("get \"x\"", "a\\b\nc")->inc(0.5);
  (*plain).with()->inc();
  EXPECT_EQ(checked(reg),
            "# HELP alpha_requests_total Requests with \\\\ and\\nnewline.\n"
            "# TYPE alpha_requests_total counter\n"
            "alpha_requests_total{operation=\"get \\\"x\\\"\",code=\"a\\\\b\\nc\"} 0.5\n"
            "alpha_requests_total{operation=\"list\",code=\"200\"} 3\n"
            "# HELP beta_events_total Events.\n"
            "# TYPE beta_events_total counter\n"
            "beta_events_total 1\n"
            "# HELP zeta_depth Queue depth.\n"
            "# TYPE zeta_depth gauge\n"
            "zeta_depth{queue=\"a\"} -1\n"
            "zeta_depth{queue=\"b\"} 2.5\n");
}

TEST(metrics_registry, histogram_buckets_are_cumulative_with_sum_and_count) {
  registry reg;
  auto h = reg.add_histogram<1>("op_seconds", "Op latency.", {0.125, 1, 10}, {"op"});
  ASSERT_TRUE(h);
  auto child = h->with("x");
  for (double v : {0.0625, 0.125, 0.5, 1.0, 3.0, 100.0})
    child->observe(v);
  child->observe(NAN); // ignored
  EXPECT_EQ(checked(reg), "# HELP op_seconds Op latency.\n"
                          "# TYPE op_seconds histogram\n"
                          "op_seconds_bucket{op=\"x\",le=\"0.125\"} 2\n"
                          "op_seconds_bucket{op=\"x\",le=\"1\"} 4\n"
                          "op_seconds_bucket{op=\"x\",le=\"10\"} 5\n"
                          "op_seconds_bucket{op=\"x\",le=\"+Inf\"} 6\n"
                          "op_seconds_sum{op=\"x\"} 104.6875\n"
                          "op_seconds_count{op=\"x\"} 6\n");
  auto snap = child->read();
  EXPECT_EQ(snap.cumulative, (std::vector<uint64_t>{2, 4, 5, 6}));
  EXPECT_EQ(snap.count, 6u);
}

TEST(metrics_registry, unlabelled_histogram_and_empty_families) {
  registry reg;
  auto h = reg.add_histogram("wait_seconds", "Wait.", {0.5, INFINITY});
  auto c = reg.add_counter<1>("unused_total", "Never touched.", {"x"});
  ASSERT_TRUE(h && c);
  h->with()->observe(0.25);
  // A family without children still has HELP and TYPE (scrapers learn it exists).
  EXPECT_EQ(checked(reg), "# HELP unused_total Never touched.\n"
                          "# TYPE unused_total counter\n"
                          "# HELP wait_seconds Wait.\n"
                          "# TYPE wait_seconds histogram\n"
                          "wait_seconds_bucket{le=\"0.5\"} 1\n"
                          "wait_seconds_bucket{le=\"+Inf\"} 1\n"
                          "wait_seconds_sum 0.25\n"
                          "wait_seconds_count 1\n");
}

TEST(metrics_registry, counters_never_decrease_and_gauges_do) {
  registry reg;
  auto c = reg.add_counter("c_total", "C.");
  auto g = reg.add_gauge("g", "G.");
  ASSERT_TRUE(c && g);
  auto cc = c->with();
  cc->inc(3);
  cc->inc(-1);
  cc->inc(NAN);
  EXPECT_EQ(cc->value(), 3);
  auto gg = g->with();
  gg->inc(3);
  gg->dec(5);
  EXPECT_EQ(gg->value(), -2);
  gg->set(INFINITY);
  EXPECT_NE(checked(reg).find("g +Inf\n"), std::string::npos);
  gg->set(NAN);
  EXPECT_NE(checked(reg).find("g NaN\n"), std::string::npos);
}

TEST(metrics_registry, value_formatting) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("a\"b\\c\nd"), "a\"b\\\\c\\nd");
}

TEST(metrics_registry, rejects_bad_names_duplicates_and_bad_buckets) {
  registry reg;
  auto bad = [](const auto& r) { return !r && has_code(r.error(), config_errc::invalid_value); };
  EXPECT_TRUE(bad(reg.add_counter("1abc", "x")));
  EXPECT_TRUE(bad(reg.add_counter("a-b", "x")));
  EXPECT_TRUE(bad(reg.add_counter("", "x")));
  EXPECT_TRUE(bad(reg.add_counter<1>("ok_total", "x", {"__reserved"})));
  EXPECT_TRUE(bad(reg.add_counter<1>("ok_total", "x", {"a:b"})));
  EXPECT_TRUE(bad(reg.add_counter<2>("ok_total", "x", {"a", "a"})));
  EXPECT_TRUE(bad(reg.add_histogram<1>("h", "x", {1, 2}, {"le"})));
  EXPECT_TRUE(bad(reg.add_histogram("h", "x", {})));
  EXPECT_TRUE(bad(reg.add_histogram("h", "x", {2, 1})));
  EXPECT_TRUE(bad(reg.add_histogram("h", "x", {1, 1})));
  EXPECT_TRUE(bad(reg.add_histogram("h", "x", {NAN, 1})));
  ASSERT_TRUE(reg.add_counter("ns:ok_total", "x"));
  EXPECT_TRUE(bad(reg.add_gauge("ns:ok_total", "again")));
  // Histogram samples must not collide with other families, in either order.
  ASSERT_TRUE(reg.add_histogram("lat", "x", {1}));
  EXPECT_TRUE(bad(reg.add_counter("lat_count", "x")));
  EXPECT_TRUE(bad(reg.add_gauge("lat_sum", "x")));
  EXPECT_TRUE(bad(reg.add_gauge("lat_bucket", "x")));
  ASSERT_TRUE(reg.add_gauge("depth_sum", "x"));
  EXPECT_TRUE(bad(reg.add_histogram("depth", "x", {1})));
  ASSERT_TRUE(reg.add_gauge("lat_total", "not a histogram sample"));
  // Nothing half-registered by the failures.
  EXPECT_EQ(checked(reg), "# HELP depth_sum x\n# TYPE depth_sum gauge\n"
                          "# HELP lat x\n# TYPE lat histogram\n"
                          "# HELP lat_total not a histogram sample\n# TYPE lat_total gauge\n"
                          "# HELP ns:ok_total x\n# TYPE ns:ok_total counter\n");
}

TEST(metrics_registry, remove_drops_a_child_but_handles_stay_valid) {
  registry reg;
  auto g = reg.add_gauge<1>("pool_free", "Free.", {"pool"});
  ASSERT_TRUE(g);
  auto a = g->with("a");
  g->with("b")->set(1);
  a->set(5);
  EXPECT_TRUE(g->remove("a"));
  EXPECT_FALSE(g->remove("a"));
  a->set(6); // still safe
  EXPECT_EQ(checked(reg),
            "# HELP pool_free Free.\n# TYPE pool_free gauge\npool_free{pool=\"b\"} 1\n");
  // Asking again creates a fresh child.
  EXPECT_EQ(g->with("a")->value(), 0);
  g->clear();
  EXPECT_EQ(checked(reg), "# HELP pool_free Free.\n# TYPE pool_free gauge\n");
}

TEST(metrics_registry, same_labels_give_the_same_child) {
  registry reg;
  auto c = reg.add_counter<1>("x_total", "X.", {"k"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->with("v").get(), c->with(std::string{"v"}).get());
  EXPECT_EQ(c->with("v").get(), c->with_values({"v"}).get());
  EXPECT_NE(c->with("v").get(), c->with("w").get());
}

TEST(metrics_registry, collect_hooks_run_before_exposition) {
  registry reg;
  auto g = reg.add_gauge("sampled", "Sampled.");
  ASSERT_TRUE(g);
  int calls = 0;
  auto child = g->with();
  reg.add_collect_hook([&] { child->set(++calls); });
  EXPECT_NE(checked(reg).find("sampled 1\n"), std::string::npos);
  EXPECT_NE(checked(reg).find("sampled 2\n"), std::string::npos);
}

TEST(metrics_registry, concurrent_updates_sum_exactly) {
  registry reg;
  auto c = reg.add_counter<1>("hits_total", "Hits.", {"worker"});
  auto g = reg.add_gauge("level", "Level.");
  auto h = reg.add_histogram("lat_seconds", "Latency.", {1, 2, 3});
  ASSERT_TRUE(c && g && h);
  constexpr int threads = 4;
  constexpr int per_thread = 50'000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto shared = c->with("shared");
      auto own = c->with("w" + std::to_string(t));
      auto level = g->with();
      auto lat = h->with();
      for (int i = 0; i < per_thread; ++i) {
        shared->inc();
        own->inc(0.5);
        level->inc();
        level->dec(0.5);
        lat->observe(i % 4 + 0.5); // 0.5, 1.5, 2.5, 3.5 round robin
      }
    });
  }
  // Scrape while writers run: every intermediate exposition must be well-formed.
  for (int i = 0; i < 20; ++i)
    checked(reg);
  for (auto& th : pool)
    th.join();
  EXPECT_EQ(c->with("shared")->value(), threads * per_thread);
  for (int t = 0; t < threads; ++t)
    EXPECT_EQ(c->with("w" + std::to_string(t))->value(), per_thread * 0.5);
  EXPECT_EQ(g->with()->value(), threads * per_thread * 0.5);
  auto snap = h->with()->read();
  EXPECT_EQ(snap.cumulative,
            (std::vector<uint64_t>{threads * per_thread / 4, threads * per_thread / 2,
                                   threads * per_thread * 3 / 4, threads * per_thread}));
  EXPECT_EQ(snap.sum, threads * per_thread / 4 * (0.5 + 1.5 + 2.5 + 3.5));
}

TEST(metrics_registry, exponential_buckets) {
  EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_TRUE(exponential_buckets(1, 2, 0).empty());
}

TEST(exposition_checker, rejects_malformed_text) {
  auto rejects = [](std::string_view text) {
    std::string error;
    return !test::check_exposition(text, error) && !error.empty();
  };
  EXPECT_TRUE(rejects("x 1\n"));                                         // no HELP/TYPE
  EXPECT_TRUE(rejects("# HELP x X.\nx 1\n"));                            // no TYPE
  EXPECT_TRUE(rejects("# HELP x X.\n# TYPE x gauge\nx{a=\"b} 1\n"));     // unterminated
  EXPECT_TRUE(rejects("# HELP x X.\n# TYPE x gauge\nx{a=\"\\t\"} 1\n")); // bad escape
  EXPECT_TRUE(rejects("# HELP x X.\n# TYPE x gauge\nx  1\n"));           // two spaces
  EXPECT_TRUE(rejects("# HELP x X.\n# TYPE x gauge\ny 1\n"));            // foreign sample
  EXPECT_TRUE(rejects("# HELP x X.\n# TYPE x gauge\nx 1"));              // no final newline
  EXPECT_TRUE(rejects("# HELP y Y.\n# TYPE y gauge\n# HELP x X.\n# TYPE x gauge\n")); // order
  EXPECT_TRUE(rejects("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                      "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")); // not cumulative
  EXPECT_TRUE(rejects("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\n"
                      "h_sum 1\nh_count 1\n")); // count != +Inf
  std::string error;
  EXPECT_TRUE(test::check_exposition("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                                     "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
                                     error))
    << error;
}

} // namespace
