#pragma once

/// @file actors/detail/pacing.hpp
/// @brief Timing policies of the gateway actor as pure values: a token bucket, jittered
/// exponential retry backoff, and the task-poll schedule (fixed, or timed to a learned task
/// duration). Time is passed in (CAF's actor clock), never read here. Not thread-safe (owned by
/// one actor).

#include <algorithm>
#include <array>
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

/// A running estimate of how long one kind of task takes, measured from the moment its
/// mutation was accepted to the send time of the first poll that can see it finished: the
/// median of the last `window` samples (robust: one stuck or failed-slow task does not move it).
///
/// Samples come from the polls around a completion: a poll that found the task running and
/// the next one that found it done give their midpoint. A first poll that already finds the
/// task done says only "finished by then": its sample lies a little below both that time and
/// the estimate, by `shrink` doubling with each such task in a row (up to `max_shrink`), so the
/// estimate follows tasks that got faster (within about ten tasks for half the time) instead
/// of sticking at a poll time that is always late. In steady state the first poll lands near
/// the typical completion: about half the tasks need it alone, the others one short follow-up.
class task_time_estimate {
public:
  static constexpr size_t window = 5;
  static constexpr double shrink = 0.02;
  static constexpr double max_shrink = 0.25;

  [[nodiscard]] bool known() const noexcept { return count_ > 0; }

  /// The estimate (zero while unknown).
  [[nodiscard]] caf::timespan value() const {
    if (count_ == 0)
      return caf::timespan{0};
    auto sorted = samples_;
    auto n = std::min(count_, window);
    std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
    return caf::timespan{sorted[(n - 1) / 2]}; // the lower median for an even count
  }

  /// A poll sent at `running_at` saw the task running; the next one, sent at `done_at`, done.
  void finished_between(caf::timespan running_at, caf::timespan done_at) {
    early_in_a_row_ = 0;
    add((running_at.count() + done_at.count()) / 2);
  }

  /// The first poll, sent at `done_at`, already saw the task done.
  void finished_by(caf::timespan done_at) {
    auto bound = done_at.count();
    if (known())
      bound = std::min(bound, value().count());
    auto s = shrink;
    for (uint32_t i = 0; i < early_in_a_row_ && s < max_shrink; ++i)
      s *= 2;
    ++early_in_a_row_;
    add(static_cast<int64_t>(static_cast<double>(bound) * (1.0 - std::min(s, max_shrink))));
  }

private:
  void add(int64_t sample) {
    samples_[count_ % window] = std::max<int64_t>(sample, 1);
    ++count_;
  }

  std::array<int64_t, window> samples_{}; // nanoseconds, a ring
  size_t count_ = 0;                      // samples ever added
  uint32_t early_in_a_row_ = 0;           // tasks in a row seen done by their first poll
};

/// How the gateway times its task polls.
struct poll_schedule {
  caf::timespan initial;         ///< first poll of an unknown kind; the shortest interval
  caf::timespan max;             ///< the longest interval
  double multiplier = 1.5;       ///< backoff between polls
  double follow_fraction = 0.05; ///< first follow-up after the expected end: this x estimate
};

/// The delay before poll `n` (0 = the first, counted from the task's acceptance; later ones
/// from the previous poll's answer). Unknown durations use the fixed schedule (`poll_delay`).
/// Known ones: the first poll at the estimate (at least `initial`), then follow-ups starting
/// at `follow_fraction` x estimate and backing off by `multiplier`, all within [initial, max],
/// so a task that overruns its estimate is polled gently, never in a hot loop.
inline caf::timespan task_poll_delay(uint32_t n, const task_time_estimate& estimate,
                                     const poll_schedule& s) {
  if (!estimate.known())
    return poll_delay(n, s.initial, s.max, s.multiplier);
  if (n == 0)
    return std::max(estimate.value(), s.initial);
  auto base = caf::timespan{
    static_cast<int64_t>(static_cast<double>(estimate.value().count()) * s.follow_fraction)};
  base = std::clamp(base, s.initial, std::max(s.initial, s.max));
  return poll_delay(n - 1, base, std::max(s.initial, s.max), s.multiplier);
}

} // namespace vcdlb::detail
