#pragma once

/// @file adapters/kube/event_recorder.hpp
/// @brief Best-effort core/v1 Events with client-go's correlation (tools/record/events_cache.go,
/// kubernetes-api.md 3.4), so a failing Service does not flood the API:
///
/// 1. Spam filter: a token bucket per involved object (burst 25, one token per 5 min); events
///    beyond it are dropped.
/// 2. Aggregation: once an object has produced 10 different messages for the same type+reason
///    within 10 min, further ones become one "(combined from similar events): <msg>" Event.
/// 3. Deduplication: a repeat of the same object+type+reason+message within 10 min patches the
///    existing Event's count, lastTimestamp and message instead of creating a new one.
///
/// Writes that fail with a retryable error are retried (up to 12 tries, 10 s apart, like
/// client-go); others are logged and dropped. Messages are written as given: callers must never
/// put credentials in them.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/kube/client.hpp"
#include "adapters/kube/timer.hpp"

namespace vcdlb::kube {

struct event_recorder_options {
  std::string component = "vcdlb"; ///< source.component / reportingComponent
  std::string host;                ///< source.host / reportingInstance (e.g. the pod name)
  size_t cache_size = 4096;        ///< correlation entries kept (LRU)
  std::chrono::milliseconds window{std::chrono::minutes{10}};
  size_t max_similar = 10; ///< distinct messages per type+reason before combining
  double spam_burst = 25;
  std::chrono::milliseconds spam_refill{std::chrono::minutes{5}}; ///< one token per this
  int max_tries = 12;
  std::chrono::milliseconds retry_delay{10'000};
  size_t max_message_bytes = 1024;
  /// Wall clock for the Event timestamps (tests pin it).
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] {
    return std::chrono::system_clock::now();
  };
};

struct event_recorder_stats {
  uint64_t created = 0;
  uint64_t patched = 0;
  uint64_t dropped = 0; ///< by the spam filter
  uint64_t failed = 0;  ///< gave up after errors
};

/// Thread-safe. `client` and `timers` must outlive it and its pending writes.
class event_recorder {
public:
  event_recorder(client_ptr c, timer_queue& timers, event_recorder_options opts = {});
  ~event_recorder();

  /// Records an Event about `obj`; returns at once, the write happens asynchronously.
  void record(const object_reference& obj, event_type type, std::string_view reason,
              std::string message);

  /// Convenience for Services.
  void record(const service_snapshot& svc, event_type type, std::string_view reason,
              std::string message) {
    record(reference_to(svc), type, reason, std::move(message));
  }

  [[nodiscard]] event_recorder_stats stats() const;

  struct state;

private:
  std::shared_ptr<state> st_;
};

} // namespace vcdlb::kube
