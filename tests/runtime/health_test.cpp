// Liveness/readiness check registry.

#include "runtime/health.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::runtime;

TEST(health, no_checks_is_ok) {
  health h;
  auto r = h.run(health::kind::readiness);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.results.empty());
  EXPECT_EQ(format_verbose(r, "readyz"), "readyz check passed\n");
}

TEST(health, runs_checks_of_one_kind_in_registration_order) {
  health h;
  std::atomic<bool> synced{false};
  h.add_readiness("informer-sync", [&]() -> std::optional<std::string> {
    if (synced)
      return std::nullopt;
    return "services not listed yet";
  });
  h.add_readiness("ping", [] { return std::optional<std::string>{}; });
  h.add_liveness("io", [] { return std::optional<std::string>{}; });

  auto r = h.run(health::kind::readiness);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].name, "informer-sync");
  EXPECT_EQ(r.results[0].failure, "services not listed yet");
  EXPECT_EQ(r.results[1].name, "ping");
  EXPECT_FALSE(r.results[1].failure);
  EXPECT_EQ(format_verbose(r, "readyz"),
            "[-]informer-sync failed: services not listed yet\n[+]ping ok\nreadyz check failed\n");
  EXPECT_TRUE(h.run(health::kind::liveness).ok);

  synced = true;
  r = h.run(health::kind::readiness);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(format_verbose(r, "readyz"), "[+]informer-sync ok\n[+]ping ok\nreadyz check passed\n");
}

TEST(health, add_replaces_by_name_and_remove_works) {
  health h;
  h.add_liveness("x", [] { return std::optional<std::string>{"bad"}; });
  h.add_liveness("x", [] { return std::optional<std::string>{}; });
  auto r = h.run(health::kind::liveness);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(h.remove(health::kind::readiness, "x")); // other kind
  EXPECT_TRUE(h.remove(health::kind::liveness, "x"));
  EXPECT_TRUE(h.run(health::kind::liveness).results.empty());
  EXPECT_FALSE(h.run_one(health::kind::liveness, "x"));
}

TEST(health, status_check_is_shared_and_settable) {
  health h;
  auto leader = std::make_shared<status_check>("leader election not started");
  h.add(health::kind::readiness, "leader-election", leader);
  auto one = h.run_one(health::kind::readiness, "leader-election");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->failure, "leader election not started");
  leader->set_ok();
  EXPECT_TRUE(h.run(health::kind::readiness).ok);
  leader->set_failing("");
  EXPECT_EQ(h.run_one(health::kind::readiness, "leader-election")->failure, "failing");
  EXPECT_FALSE(status_check{}().has_value());
}

TEST(health, multi_line_reasons_stay_on_one_line) {
  health h;
  h.add_readiness("x", [] { return std::optional<std::string>{"a\nb"}; });
  EXPECT_EQ(format_verbose(h.run(health::kind::readiness), "readyz"),
            "[-]x failed: a b\nreadyz check failed\n");
}

TEST(health, checks_may_use_the_registry_and_run_concurrently) {
  health h;
  // A check that itself reads the registry must not deadlock (checks run outside the lock).
  h.add_readiness("self", [&h] {
    return h.run_one(health::kind::liveness, "none") ? std::optional<std::string>{"?"}
                                                     : std::nullopt;
  });
  auto flag = std::make_shared<status_check>();
  h.add(health::kind::readiness, "flag", flag);
  std::vector<std::thread> threads;
  std::atomic<int> runs{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        (void)h.run(health::kind::readiness);
        ++runs;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    if (i % 2)
      flag->set_ok();
    else
      flag->set_failing("x" + std::to_string(i));
    h.add_liveness("churn", [] { return std::optional<std::string>{}; });
    h.remove(health::kind::liveness, "churn");
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(runs.load(), 6000);
  flag->set_ok();
  EXPECT_TRUE(h.run(health::kind::readiness).ok);
}

} // namespace
