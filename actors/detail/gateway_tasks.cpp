// Mutations of the gateway actor and the polling of their tasks, timed to a duration learnt per
// kind of task.

#include "actors/detail/gateway_internals.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail::gateway {

gateway_state::task_kind task_kind_of(const lb_op& op) {
  return {op.kind, op.op};
}

// One task being waited for: what its polls saw so far (times are offsets from `started`).
struct task_watch {
  vcd::task_ref ref;
  gateway_state::task_kind kind;
  caf::actor_clock::time_point started;
  caf::actor_clock::time_point deadline;
  uint32_t polls = 0; ///< polls scheduled so far
  /// When the last poll that saw the task running was sent (unset: none did yet).
  std::optional<caf::timespan> running_at;
  /// When the poll under way was due (its send time is later when the token bucket held it).
  caf::timespan due_at{0};
};

// A poll held back longer than this by the token bucket says only when a token was free, not
// when the task finished: it is not learnt from (after a restart, polls queued behind a burst of
// reads taught a 15 s "task time" to tasks of 0.1 s, and every later mutation waited that long).
constexpr caf::timespan max_poll_hold = std::chrono::milliseconds{20};

// The estimate that times a task of `kind`: its own once known, else the gateway's overall
// one, else none (the fixed schedule).
const detail::task_time_estimate& estimate_for(const gateway_state& st,
                                               gateway_state::task_kind kind) {
  if (auto i = st.task_times.find(kind); i != st.task_times.end() && i->second.known())
    return i->second;
  return st.any_task_time;
}

// A successful task was seen done by the poll sent at `done_at`: learn from it.
void learn_task_time(self_ptr self, const task_watch& w, caf::timespan done_at) {
  auto& st = self->state;
  for (auto* e : {&st.task_times[w.kind], &st.any_task_time}) {
    if (w.running_at)
      e->finished_between(*w.running_at, done_at);
    else
      e->finished_by(done_at);
  }
}

void wait_task(self_ptr self, std::shared_ptr<task_watch> w,
               std::function<void(caf::expected<vcd::task>)> k) {
  const auto& s = self->state.args.settings;
  auto delay =
    detail::task_poll_delay(w->polls++, estimate_for(self->state, w->kind),
                            detail::poll_schedule{s.poll_initial, s.poll_max, s.poll_multiplier});
  w->due_at = self->clock().now() + delay - w->started;
  after(self, delay, [self, w, k] {
    auto client = self->state.args.client;
    self->state.args.observer->task_polled();
    auto sent_at = std::make_shared<caf::timespan>();
    call<vcd::task>(
      self, urgency::op,
      [self, client, w, sent_at](auto cb) {
        // The token bucket may hold the poll back: its send time is what the task took.
        *sent_at = self->clock().now() - w->started;
        client->get_task(w->ref, std::move(cb));
      },
      [self, w, sent_at, k](caf::expected<vcd::task> r) {
        if (!r) {
          // A failed poll says nothing about the task: poll again unless hopeless.
          if (is_retryable(r.error()) && self->clock().now() < w->deadline)
            wait_task(self, w, k);
          else
            k(std::move(r.error()));
          return;
        }
        if (r->in_flight()) {
          w->running_at = *sent_at;
          if (self->clock().now() >= w->deadline)
            k(caf::make_error(vcd_errc::task_failed,
                              "task " + w->ref.id + " still running after the task timeout"));
          else
            wait_task(self, w, k);
          return;
        }
        if (r->status != vcd::task_status::success) {
          k(vcd::make_task_error(*r));
          return;
        }
        if (*sent_at - w->due_at <= max_poll_hold)
          learn_task_time(self, *w, *sent_at);
        k(std::move(*r));
      });
  });
}

// Runs a mutation: the call, then its task. `k` gets the finished task.
void mutate(self_ptr self, gateway_state::task_kind kind,
            std::function<void(vcd::callback<vcd::task_ref>)> invoke,
            std::function<void(caf::expected<vcd::task>)> k) {
  call<vcd::task_ref>(self, urgency::op, std::move(invoke),
                      [self, kind, k](caf::expected<vcd::task_ref> r) {
                        if (!r) {
                          k(std::move(r.error()));
                          return;
                        }
                        auto started = self->clock().now();
                        auto done = [self, started, k](caf::expected<vcd::task> t) {
                          self->state.args.observer->task_finished(static_cast<bool>(t),
                                                                   self->clock().now() - started);
                          k(std::move(t));
                        };
                        if (r->completed_synchronously()) {
                          vcd::task t;
                          t.status = vcd::task_status::success;
                          done(std::move(t));
                          return;
                        }
                        auto w = std::make_shared<task_watch>();
                        w->ref = *r;
                        w->kind = kind;
                        w->started = started;
                        w->deadline = started + self->state.args.settings.task_timeout;
                        wait_task(self, std::move(w), std::move(done));
                      });
}
} // namespace vcdlb::detail::gateway
