// The report's outputs from a hand-made result: table, JSON, CSV, plot step.

#include "bench/report.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace vcdlb::bench;

bench_report sample() {
  bench_report r;
  r.options.scenario = "create";
  r.options.services = 2;
  r.options.ports = 1;
  r.machine = "nproc=2";
  phase_result v;
  v.subject = "vcdlb";
  v.phase = "create";
  v.services = 2;
  v.ports = 2;
  v.wall_s = 1.0;
  v.converged = 2;
  v.all_converged = true;
  v.latencies_s = {0.5, 1.0};
  v.requests.reads = 10;
  v.requests.mutations = 4;
  v.requests.task_polls = 6;
  v.floor_s = 0.4;
  v.floor_ratio = 2.5;
  auto u = v;
  u.subject = "upstream model";
  u.wall_s = 4.0;
  u.requests.reads = 100;
  r.phases = {v, u};
  return r;
}

TEST(bench_report, table_prints_ratios_to_the_baseline_and_the_floor) {
  std::ostringstream out;
  print_report(sample(), out);
  auto text = out.str();
  EXPECT_NE(text.find("vcdlb / upstream model"), std::string::npos) << text;
  EXPECT_NE(text.find("wall 0.250x"), std::string::npos) << text;
  EXPECT_NE(text.find("requests 0.182x"), std::string::npos) << text; // 20 / 110
  EXPECT_NE(text.find("wall / floor = 2.50"), std::string::npos) << text;
}

TEST(bench_report, json_holds_every_figure_and_csv_one_row_per_phase) {
  auto j = boost::json::parse(to_json(sample()));
  const auto& phases = j.at("phases").as_array();
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[0].at("requests").at("total").to_number<uint64_t>(), 20u);
  EXPECT_DOUBLE_EQ(phases[0].at("requests_per_service").at("total").as_double(), 10.0);
  EXPECT_EQ(phases[0].at("latencies_s").as_array().size(), 2u);
  EXPECT_TRUE(phases[0].at("floor").as_object().contains("wall_over_floor"));
  EXPECT_TRUE(phases[0].at("latency_s").as_object().contains("p99"));
  EXPECT_DOUBLE_EQ(j.at("vcdlb_over_upstream").at(0).at("wall").as_double(), 0.25);
  auto csv = to_csv(sample());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

TEST(bench_report, plot_is_drawn_or_skipped_with_a_reason) {
  auto dir = std::filesystem::temp_directory_path() / "vcdlb-bench-report-test";
  std::filesystem::create_directories(dir);
  auto png = (dir / "plot.png").string();
  std::string skipped;
  auto err = write_plot(sample(), png, skipped);
  ASSERT_FALSE(err);
  if (skipped.empty())
    EXPECT_GT(std::filesystem::file_size(png), 0u);
  else
    EXPECT_NE(skipped.find("gnuplot"), std::string::npos);
  std::filesystem::remove_all(dir);
}

} // namespace
