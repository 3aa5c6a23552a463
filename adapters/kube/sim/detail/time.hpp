#pragma once

/// @file adapters/kube/sim/detail/time.hpp
/// @brief metav1.Time formatting (RFC 3339, UTC, seconds).

#include <chrono>
#include <ctime>
#include <string>

namespace vcdlb::kube::sim::detail {

inline std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace vcdlb::kube::sim::detail
