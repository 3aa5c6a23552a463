#pragma once

/// @file engine/detail/status_writer.hpp
/// @brief The status_writer_actor (protocol/interfaces.hpp) over a status_sink.
///
/// A wave of new Services makes two writes each (finalizer, then the IP), far more than the
/// API server's client budget serves at once; this actor is where they wait, so no Service's
/// request times out while its write merely queues (status_write_options, status_sink.hpp):
/// - one write per Service key at the sink at a time, at most `max_in_flight` in all;
/// - ready writes are served in arrival order, those that finish a Service first;
/// - a newer status for a key replaces the queued one; its requesters are answered together;
/// - retryable failures are retried with backoff until `deadline`, others answered at once.
/// The sink's callback may come from any thread; it comes back into the actor as a message.
/// Per write O(1) (hash map + deques); nothing is scheduled while nothing is pending.

#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "actors/gateway_actor.hpp"
#include "engine/status_sink.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb::detail {

using status_writer_impl = status_writer_actor::extend<caf::reacts_to<resume_atom, resume>>;

struct status_writer_state {
  using promise = caf::typed_response_promise<caf::ok_atom>;

  struct request {
    service_status status;
    std::vector<promise> waiting;
  };

  struct entry {
    request current;
    std::optional<request> next;        ///< arrived while `current` was at the sink
    caf::actor_clock::time_point since; ///< first queued; the deadline counts from here
    uint32_t failures = 0;
    uint64_t attempt = 0; ///< id of the sink call in flight (0 = none)
    bool in_flight = false;
    bool ready = false; ///< in one of the ready queues
  };

  std::shared_ptr<status_sink> sink;
  status_write_options opts;
  std::unordered_map<service_key, entry> writes;
  std::deque<service_key> finishing; ///< ready writes that carry an IP or drop the finalizer
  std::deque<service_key> starting;  ///< ready writes that only add the finalizer
  size_t in_flight = 0;
  uint64_t next_attempt = 1;
  uint64_t retries = 0; ///< retried sink calls so far (logged, for tests)
  static constexpr const char* name = "status-writer";
};

status_writer_impl::behavior_type
status_writer_behavior(status_writer_impl::stateful_pointer<status_writer_state> self,
                       std::shared_ptr<status_sink> sink, status_write_options opts = {});

} // namespace vcdlb::detail
