// process_* metrics read from /proc.

#include "runtime/process_metrics.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "exposition_checker.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

test::exposition scrape(const runtime::metrics::registry& reg) {
  std::string error;
  auto parsed = test::check_exposition(reg.expose(), error);
  EXPECT_TRUE(parsed) << error;
  return parsed ? *parsed : test::exposition{};
}

TEST(process_metrics, plausible_values_from_proc) {
  runtime::metrics::registry reg;
  ASSERT_FALSE(runtime::add_process_metrics(reg));
  auto first = scrape(reg);
  EXPECT_GT(first.samples.at("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(first.samples.at("process_virtual_memory_bytes"),
            first.samples.at("process_resident_memory_bytes"));
  EXPECT_GE(first.samples.at("process_open_fds"), 1);
  EXPECT_GT(first.samples.at("process_max_fds"), first.samples.at("process_open_fds"));
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  // Started during the last day, and not in the future (allowing for tick rounding).
  EXPECT_LT(first.samples.at("process_start_time_seconds"), now.count() + 5);
  EXPECT_GT(first.samples.at("process_start_time_seconds"), now.count() - 86400);

  // Burn CPU until /proc shows more (clock ticks are 10 ms); bounded by wall time.
  double cpu0 = first.samples.at("process_cpu_seconds_total");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  volatile uint64_t sink = 0;
  double cpu1 = cpu0;
  while (cpu1 <= cpu0 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1'000'000; ++i)
      sink = sink + static_cast<uint64_t>(i);
    cpu1 = scrape(reg).samples.at("process_cpu_seconds_total");
  }
  EXPECT_GT(cpu1, cpu0);
  EXPECT_EQ(first.types.at("process_cpu_seconds_total"), "counter");
}

TEST(process_metrics, second_registration_fails) {
  runtime::metrics::registry reg;
  ASSERT_FALSE(runtime::add_process_metrics(reg));
  auto again = runtime::add_process_metrics(reg);
  EXPECT_TRUE(has_code(again, config_errc::invalid_value));
}

} // namespace
