#pragma once

/// @file bench/stats.hpp
/// @brief Small statistics helpers for the report.

#include <vector>

namespace vcdlb::bench {

/// The nearest-rank `p`-th percentile (0 < p <= 100) of `values` (any order); 0 for none.
[[nodiscard]] double percentile(std::vector<double> values, double p);

} // namespace vcdlb::bench
