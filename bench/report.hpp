#pragma once

/// @file bench/report.hpp
/// @brief The bench's outputs: a terminal table with vcdlb's ratios to the upstream model
/// and to the floor, JSON (every figure, per-Service latencies included), CSV (one row per
/// phase and subject) and a gnuplot PNG (convergence curve and latency distribution).

#include <ostream>
#include <string>

#include "bench/runner.hpp"
#include "caf/error.hpp"

namespace vcdlb::bench {

/// The table, then "vcdlb / upstream" ratios for every phase both ran.
void print_report(const bench_report& r, std::ostream& out);

[[nodiscard]] std::string to_json(const bench_report& r);
[[nodiscard]] std::string to_csv(const bench_report& r);

/// Writes `png` through gnuplot (its data and script go next to it as `<png>.dat` and
/// `<png>.gp`). When gnuplot is not installed nothing is drawn and `skipped` says so; a
/// gnuplot failure or an unwritable file is an error.
[[nodiscard]] caf::error write_plot(const bench_report& r, const std::string& png,
                                    std::string& skipped);

/// Writes `text` to `path` (config_errc::unreadable_file when it cannot).
[[nodiscard]] caf::error write_file(const std::string& path, const std::string& text);

} // namespace vcdlb::bench
