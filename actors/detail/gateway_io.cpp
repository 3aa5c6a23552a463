// Request pacing of the gateway actor: one token bucket for every request to VCD, with the calls
// of ops in flight ahead of plan-preparing reads, and retried reads.

#include "actors/detail/gateway_internals.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb::detail::gateway {

void enqueue_io(self_ptr self, urgency u, std::function<void()> start) {
  self->state.io_waiting[static_cast<size_t>(u)].push_back(std::move(start));
  drain_io(self);
}

void drain_io(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto next = [&st]() -> std::deque<std::function<void()>>* {
    for (auto& q : st.io_waiting) // in urgency order
      if (!q.empty())
        return &q;
    return nullptr;
  };
  for (auto* q = next(); q != nullptr && st.bucket->try_take(now); q = next()) {
    auto start = std::move(q->front());
    q->pop_front();
    start();
  }
  if (next() != nullptr && !st.tick_scheduled) {
    st.args.observer->gateway_throttled();
    st.tick_scheduled = true;
    self->delayed_send(self, st.bucket->wait(now), tick_atom::value);
  }
}

void after(self_ptr self, caf::timespan delay, std::function<void()> fn) {
  self->delayed_send(self, delay, resume_atom::value, detail::resume{std::move(fn)});
}

caf::timespan retry_backoff(self_ptr self, const caf::error& err, uint32_t attempt) {
  auto& st = self->state;
  const auto& s = st.args.settings;
  auto info = vcd::parse_error_info(err);
  if (info.retry_after_seconds >= 0)
    return info.retry_after_seconds * s.retry_after_unit;
  return detail::retry_delay(attempt, s.retry_base, s.retry_max, st.rng);
}

bool retry_read(self_ptr self, const caf::error& err, uint32_t attempt) {
  auto& st = self->state;
  if (st.draining || !is_retryable(err) || attempt + 1 >= st.args.settings.max_attempts)
    return false;
  st.args.observer->gateway_retry(code_name(err));
  spdlog::debug("gateway {}: read failed ({}), attempt {}", st.args.ctx.gateway.name,
                vcdlb::describe(err), attempt + 2);
  return true;
}

} // namespace vcdlb::detail::gateway
