#pragma once

/// @file actors/detail/pacing.hpp
/// @brief Timing policies of the gateway actor as pure values: a token bucket, jittered
/// exponential retry backoff, and the task-poll schedule. Time is passed in (CAF's actor clock),
/// never read here. Not thread-safe (owned by one actor).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>

#include "caf/actor_clock.hpp"
#include "caf/timespan.hpp"

namespace vcdlb::detail {

/// `rate` tokens per second, at most `burst` saved up; starts full.
class token_bucket {
public:
  using time_point = caf::actor_clock::time_point;

  token_bucket(double rate, double burst, time_point now)
    : rate_(rate > 0 ? rate : 1.0), burst_(burst >= 1 ? burst : 1.0), tokens_(burst_), last_(now) {}

  /// Takes a token if one is there.
  bool try_take(time_point now) {
    refill(now);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

  /// How long until the next token (zero when one is there).
  [[nodiscard]] caf::timespan wait(time_point now) {
    refill(now);
    if (tokens_ >= 1.0)
      return caf::timespan{0};
    auto seconds = (1.0 - tokens_) / rate_;
    // Round up so the timer never fires a hair before the token exists.
    return caf::timespan{static_cast<int64_t>(std::ceil(seconds * 1e9))};
  }

private:
  void refill(time_point now) {
    if (now <= last_)
      return;
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  time_point last_;
};

/// base * 2^attempt capped at `max`, then "equal jitter": a uniform pick in [d/2, d].
inline caf::timespan retry_delay(uint32_t attempt, caf::timespan base, caf::timespan max,
                                 std::mt19937_64& rng) {
  auto d = base;
  for (uint32_t i = 0; i < attempt && d < max; ++i)
    d *= 2;
  d = std::min(d, max);
  std::uniform_int_distribution<int64_t> pick{d.count() / 2, d.count()};
  return caf::timespan{pick(rng)};
}

/// The n-th task poll waits initial * multiplier^n, capped at `max`: quick for the common
/// short task, gentle for long ones.
inline caf::timespan poll_delay(uint32_t n, caf::timespan initial, caf::timespan max,
                                double multiplier) {
  double d = static_cast<double>(initial.count());
  for (uint32_t i = 0; i < n && d < static_cast<double>(max.count()); ++i)
    d *= multiplier;
  return std::min(caf::timespan{static_cast<int64_t>(d)}, max);
}

} // namespace vcdlb::detail
