#pragma once

/// @file adapters/kube/detail/time.hpp
/// @brief Kubernetes timestamp formats (kubernetes-api.md 3): metav1.Time (RFC 3339, seconds)
/// and metav1.MicroTime (6 fractional digits). Pure functions.

#include <chrono>
#include <string>

namespace vcdlb::kube::detail {

/// "2024-05-01T10:00:00Z"
[[nodiscard]] std::string format_time(std::chrono::system_clock::time_point t);

/// "2024-05-01T10:00:00.123456Z"
[[nodiscard]] std::string format_micro_time(std::chrono::system_clock::time_point t);

} // namespace vcdlb::kube::detail
