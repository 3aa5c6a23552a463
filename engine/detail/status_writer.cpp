#include "engine/detail/status_writer.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "adapters/asio/bridge.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail {

namespace {

using self_ptr = status_writer_impl::stateful_pointer<status_writer_state>;
using entry = status_writer_state::entry;
using request = status_writer_state::request;

// Writes that complete a Service (its IP is known, or its cleanup is done) go first: the
// Service's VCD work is finished and only this write stands between it and its user.
bool finishes(const service_status& s) {
  return !s.external_ip.empty() || !s.finalizer_wanted;
}

void make_ready(self_ptr self, const service_key& key, entry& e) {
  if (e.ready || e.in_flight)
    return;
  e.ready = true;
  auto& st = self->state;
  (finishes(e.current.status) ? st.finishing : st.starting).push_back(key);
}

void answer(request& r, const caf::error& err) {
  for (auto& rp : r.waiting) {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(caf::ok_atom::value);
  }
  r.waiting.clear();
}

void pump(self_ptr self);

// The end of sink call `attempt` for `key` (its answer, or its attempt timeout: whichever
// comes first counts, the other finds the attempt over and is ignored).
void on_done(self_ptr self, const service_key& key, uint64_t attempt, caf::error err) {
  auto& st = self->state;
  auto it = st.writes.find(key);
  if (it == st.writes.end() || !it->second.in_flight || it->second.attempt != attempt)
    return;
  auto& e = it->second;
  e.in_flight = false;
  e.attempt = 0;
  --st.in_flight;
  auto now = self->clock().now();
  if (err && is_retryable(err)) {
    ++e.failures;
    auto delay = st.opts.retry_base;
    for (uint32_t i = 1; i < e.failures && delay < st.opts.retry_max; ++i)
      delay *= 2;
    delay = std::min(delay, st.opts.retry_max);
    if (now + delay - e.since <= st.opts.deadline) {
      ++st.retries;
      spdlog::debug("status of {}: {}; retrying in {} ms", to_string(key), describe(err),
                    std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
      // A newer status that arrived meanwhile is what the retry writes.
      if (e.next) {
        for (auto& rp : e.current.waiting)
          e.next->waiting.push_back(std::move(rp));
        e.current = std::move(*e.next);
        e.next.reset();
      }
      self->delayed_send(self, delay, resume_atom::value, resume{[self, key] {
                           auto& w = self->state.writes;
                           if (auto i = w.find(key); i != w.end()) {
                             make_ready(self, key, i->second);
                             pump(self);
                           }
                         }});
      pump(self);
      return;
    }
  }
  if (err)
    spdlog::warn("status of {}: {}", to_string(key), describe(err));
  answer(e.current, err);
  if (e.next) {
    // Written from scratch: its own failures and deadline.
    e.current = std::move(*e.next);
    e.next.reset();
    e.failures = 0;
    e.since = now;
    make_ready(self, key, e);
  } else {
    st.writes.erase(it);
  }
  pump(self);
}

void pump(self_ptr self) {
  auto& st = self->state;
  while (st.in_flight < std::max<size_t>(st.opts.max_in_flight, 1)) {
    auto& q = !st.finishing.empty() ? st.finishing : st.starting;
    if (q.empty())
      return;
    auto key = std::move(q.front());
    q.pop_front();
    auto it = st.writes.find(key);
    if (it == st.writes.end() || !it->second.ready)
      continue; // served already (a key requeued in `finishing` leaves a stale entry)
    auto& e = it->second;
    e.ready = false;
    e.in_flight = true;
    e.attempt = st.next_attempt++;
    ++st.in_flight;
    auto attempt = e.attempt;
    // A sink that never answers must not hold the key (or a slot) forever.
    self->delayed_send(
      self, st.opts.attempt_timeout, resume_atom::value, resume{[self, key, attempt] {
        on_done(self, key, attempt,
                caf::make_error(net_errc::timeout, "the status write got no answer in time"));
      }});
    asio_bridge::weak_sender<status_writer_impl> back{self};
    // `self` is only used inside the resume closure, which runs in this actor's context.
    st.sink->write_status(e.current.status, [back, self, key, attempt](caf::error err) {
      back.send(resume_atom::value,
                resume{[self, key, attempt, err] { on_done(self, key, attempt, err); }});
    });
  }
}

} // namespace

status_writer_impl::behavior_type
status_writer_behavior(status_writer_impl::stateful_pointer<status_writer_state> self,
                       std::shared_ptr<status_sink> sink, status_write_options opts) {
  self->state.sink = std::move(sink);
  self->state.opts = opts;
  return {
    [self](const service_status& status) {
      auto& st = self->state;
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto [it, fresh] = st.writes.try_emplace(status.key);
      auto& e = it->second;
      if (fresh) {
        e.current.status = status;
        e.current.waiting.push_back(rp);
        e.since = self->clock().now();
        make_ready(self, status.key, e);
        pump(self);
      } else if (e.in_flight) {
        // The sink is writing an older status: this one follows once it is done.
        if (!e.next)
          e.next.emplace();
        e.next->status = status;
        e.next->waiting.push_back(rp);
      } else {
        // Queued or waiting out a retry delay: write this instead of the older one. A write
        // that starts a Service may now finish it: requeue it in the right class.
        bool was_finishing = finishes(e.current.status);
        e.current.status = status;
        e.current.waiting.push_back(rp);
        if (e.ready && !was_finishing && finishes(status)) {
          // Its entry in `starting` stays behind and is skipped once this one is served.
          st.finishing.push_back(status.key);
          pump(self);
        }
      }
      return rp;
    },
    [self](const service_event& event) { self->state.sink->record_event(event); },
    [](resume_atom, resume& r) { r.fn(); },
  };
}

} // namespace vcdlb::detail
