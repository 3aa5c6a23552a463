#pragma once

/// @file adapters/kube/rate_limiter.hpp
/// @brief Client-side token bucket (client-go: QPS 5, burst 10 by default). Pure: time is passed
/// in, the caller waits (with a timer, never by blocking).

#include <algorithm>
#include <chrono>

namespace vcdlb::kube {

/// Reservation-style bucket like golang.org/x/time/rate: each `reserve` takes a token, and when
/// none is left the balance goes negative and the caller is told how long to wait, so requests
/// keep their order and the long-run rate is `qps`. Not thread-safe (the client locks it).
class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  /// `qps <= 0` disables limiting. `burst` is at least 1.
  token_bucket(double qps, int burst, clock::time_point now)
    : qps_(qps), burst_(std::max(burst, 1)), tokens_(static_cast<double>(burst_)), last_(now) {}

  /// Takes one token at `now`; returns how long the caller must wait before using it.
  [[nodiscard]] std::chrono::nanoseconds reserve(clock::time_point now) {
    if (qps_ <= 0)
      return std::chrono::nanoseconds{0};
    if (now > last_) {
      auto elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
      last_ = now;
    }
    tokens_ -= 1.0;
    if (tokens_ >= 0)
      return std::chrono::nanoseconds{0};
    return std::chrono::nanoseconds{static_cast<int64_t>(-tokens_ / qps_ * 1e9)};
  }

private:
  double qps_;
  int burst_;
  double tokens_;
  clock::time_point last_;
};

} // namespace vcdlb::kube
