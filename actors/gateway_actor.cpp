#include "actors/gateway_actor.hpp"

#include <algorithm>

#include "actors/detail/gateway_internals.hpp"
#include "adapters/vcd/errors.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {
namespace detail::gateway {

namespace {

// The mutation slot an op runs in (see gateway_state::slot).
gateway_state::slot_id slot_of(const lb_op& op) {
  return op.kind == object_kind::app_port_profile ? gateway_state::profile_slot
                                                  : gateway_state::gateway_slot;
}

bool any_op_in_flight(const gateway_state& st) {
  return std::any_of(st.slots.begin(), st.slots.end(), [](const auto& s) { return s.busy; });
}

caf::error shutting_down() {
  return caf::make_error(lb_errc::shutting_down, "the controller is shutting down");
}

// VCD answered 429 or 503 to the request itself: it accepted nothing, so nothing is left behind
// and the gateway is free for another op while this one waits.
bool refused_before_accepting(const caf::error& err) {
  auto info = vcd::parse_error_info(err);
  return !info.from_task && (info.http_status == 429 || info.http_status == 503);
}

// A request VCD rejected outright (nothing was created or changed): the cache still holds.
bool rejected_outright(const caf::error& err) {
  return refused_before_accepting(err) || has_code(err, vcd_errc::bad_request)
         || has_code(err, vcd_errc::forbidden) || has_code(err, vcd_errc::not_found)
         || has_code(err, vcd_errc::busy_entity) || has_code(err, lb_errc::shutting_down);
}

// Delivers one op's outcome to its caller: the single op's promise, or its plan (which answers
// after its last op, or with its first failure).
void reply(pending_ptr p, caf::expected<op_result> r) {
  if (!p->plan) {
    if (r)
      p->rp.deliver(std::move(*r));
    else
      p->rp.deliver(std::move(r.error()));
    return;
  }
  auto& plan = *p->plan;
  if (plan.failed)
    return;
  if (!r) {
    plan.failed = true;
    plan.rp.deliver(std::move(r.error()));
    return;
  }
  plan.done.results.push_back(std::move(*r));
  if (plan.done.results.size() == plan.size)
    plan.rp.deliver(std::move(plan.done));
}

void start_next_op(self_ptr self);

void report_queue(self_ptr self) {
  auto& st = self->state;
  st.args.observer->gateway_queue(st.queue.size(), any_op_in_flight(st));
}

void finish_op(self_ptr self, caf::actor_addr who, pending_ptr p, caf::expected<op_result> r);

void run(self_ptr self, caf::actor_addr who, pending_ptr p) {
  run_op(self, p,
         [self, who, p](caf::expected<op_result> r) { finish_op(self, who, p, std::move(r)); });
}

// Frees slot `index`; the last op out of a draining gateway answers the drain waiters.
void free_slot(self_ptr self, gateway_state::slot_id index) {
  auto& st = self->state;
  auto& slot = st.slots[index];
  slot.busy = false;
  slot.serving = caf::actor_addr{};
  if (st.draining && !any_op_in_flight(st)) {
    for (auto& rp : st.drain_waiters)
      rp.deliver(caf::ok_atom::value);
    st.drain_waiters.clear();
  }
}

void release_slot(self_ptr self, const lb_op& op) {
  free_slot(self, slot_of(op));
}

void finish_op(self_ptr self, caf::actor_addr who, pending_ptr p, caf::expected<op_result> r) {
  auto& st = self->state;
  const auto& s = st.args.settings;
  if (!r && !st.draining && is_retryable(r.error()) && p->attempt + 1 < s.max_attempts) {
    auto delay = retry_backoff(self, r.error(), p->attempt);
    ++p->attempt;
    st.args.observer->gateway_retry(code_name(r.error()));
    spdlog::debug("gateway {}: {} failed ({}), attempt {} in {} ms", st.args.ctx.gateway.name,
                  to_string(p->op), vcdlb::describe(r.error()), p->attempt + 1,
                  std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    if (refused_before_accepting(r.error())) {
      // Nothing was accepted: free the slot for the others while this op waits, then it comes
      // back at its job's place in the queue.
      release_slot(self, p->op);
      st.queue.hold(who, p, slot_of(p->op));
      after(self, delay, [self, who] {
        self->state.queue.resume(who);
        start_next_op(self);
      });
      start_next_op(self);
      report_queue(self);
      return;
    }
    // Otherwise the op keeps its mutation slot while it waits: the gateway is busy anyway.
    after(self, delay, [self, who, p] {
      if (self->state.draining) // shutting down: the retry would be a new mutation
        finish_op(self, who, p, shutting_down());
      else
        run(self, who, p);
    });
    return;
  }
  if (!r && !rejected_outright(r.error())) {
    // A failed mutation may still have left something behind (a create that VCD accepted
    // before a 5xx, a REALIZATION_FAILED object, DUPLICATE_NAME): re-read its kind before the
    // next op (the other kinds stay as they are).
    st.invalidate(p->op.kind);
  }
  if (!r && p->plan) {
    // The rest of a failed plan does not run: it was planned on what this op should have done.
    auto plan = p->plan.get();
    st.queue.remove_if(who, [plan](const pending_ptr& x) { return x->plan.get() == plan; });
  }
  reply(p, std::move(r));
  release_slot(self, p->op);
  st.queue.finished(who);
  st.args.observer->mailbox_depth("gateway", self->mailbox().size());
  start_next_op(self);
  report_queue(self);
}

// Starts the next op of slot `id` if it is free: the oldest job's whose next op runs there.
void start_next_op_in(self_ptr self, gateway_state::slot_id id) {
  auto& st = self->state;
  auto& slot = st.slots[id];
  if (slot.busy)
    return;
  auto next = st.queue.pop(id);
  if (!next)
    return;
  slot.busy = true;
  slot.serving = next->first;
  run(self, std::move(next->first), std::move(next->second));
}

void start_next_op(self_ptr self) {
  auto& st = self->state;
  if (st.refresh_pending && !any_op_in_flight(st) && !st.cache_loading) {
    maybe_refresh(self); // a due refresh goes before the next mutation
    return;
  }
  // A due refresh waits for the ops in flight; no new op starts before it.
  if (st.refresh_pending || st.refreshing)
    return;
  if (!maybe_start_firewall_wave(self))
    start_next_op_in(self, gateway_state::gateway_slot);
  start_next_op_in(self, gateway_state::profile_slot);
}

// Queues `p` as the next op of `who`'s job.
void enqueue(self_ptr self, const caf::actor_addr& who, pending_ptr p) {
  auto& st = self->state;
  auto slot = slot_of(p->op);
  st.queue.push(who, std::move(p), slot);
}

caf::actor_addr sender(self_ptr self) {
  return self->current_sender() ? self->current_sender()->address() : caf::actor_addr{};
}

} // namespace

void firewall_wave_finished(self_ptr self) {
  free_slot(self, gateway_state::gateway_slot);
  start_next_op(self);
  report_queue(self);
}

void start_ops(self_ptr self) {
  start_next_op(self);
}

namespace {

// Answers the refresh callers: the owners of what re-lists found changed out of band.
void finish_refresh(
  self_ptr self, std::shared_ptr<std::vector<caf::typed_response_promise<refresh_result>>> waiters,
  const caf::error& err, std::set<std::string> firewall_owners) {
  auto& st = self->state;
  st.drift.owners.merge(firewall_owners);
  refresh_result found;
  if (err) {
    spdlog::warn("gateway {}: refresh failed: {}", st.args.ctx.gateway.name, vcdlb::describe(err));
  } else {
    // Reported once: what the next refresh finds is new again.
    found.all = st.drift.all;
    found.owners.assign(st.drift.owners.begin(), st.drift.owners.end());
    st.drift = {};
    if (found.changed())
      spdlog::info("gateway {}: refresh found {} changed out of band", st.args.ctx.gateway.name,
                   found.all ? std::string{"objects of unknown owners"}
                             : std::to_string(found.owners.size()) + " Services' objects");
  }
  for (auto& rp : *waiters)
    if (err)
      rp.deliver(err);
    else
      rp.deliver(found);
  self->state.refreshing = false;
  if (self->state.refresh_pending)
    maybe_refresh(self);
  else
    start_next_op(self);
}

} // namespace

// Starts a due refresh once no mutation is in flight and no load is running. Refresh callers
// that arrive while it runs wait for the next one (their out-of-band change may postdate it).
void maybe_refresh(self_ptr self) {
  auto& st = self->state;
  if (!st.refresh_pending || st.refreshing || any_op_in_flight(st) || st.cache_loading)
    return;
  st.refresh_pending = false;
  st.refreshing = true;
  auto waiters = std::make_shared<std::vector<caf::typed_response_promise<refresh_result>>>(
    std::move(st.refresh_waiters));
  st.refresh_waiters.clear();
  st.invalidate_all();
  st.keep_pool_details = true;
  ensure_cache(self, [self, waiters](const caf::error& err) {
    if (err) {
      finish_refresh(self, waiters, err, {});
      return;
    }
    check_firewall_drift(self, [self, waiters](std::set<std::string> firewall_owners) {
      finish_refresh(self, waiters, {}, std::move(firewall_owners));
    });
  });
}

} // namespace detail::gateway

using detail::gateway::self_ptr;

gateway_impl::behavior_type gateway_behavior(self_ptr self, gateway_args args) {
  using namespace detail::gateway;
  auto& st = self->state;
  st.bucket.emplace(args.settings.qps, static_cast<double>(args.settings.burst),
                    self->clock().now());
  st.rng.seed(args.settings.jitter_seed);
  st.args = std::move(args);
  return {
    [=](list_atom) -> caf::result<lb_objects> {
      auto rp = self->make_response_promise<lb_objects>();
      ensure_cache(self, [self, rp](const caf::error& err) mutable {
        if (err) {
          rp.deliver(err);
          return;
        }
        id_set all;
        for (const auto& [token, ids] : self->state.objects.owners)
          add_ids(all, ids);
        rp.deliver(describe(self->state.objects, all));
      });
      return rp;
    },
    [=](list_atom, const service_key& key) -> caf::result<lb_objects> {
      auto rp = self->make_response_promise<lb_objects>();
      list_owned(self, rp, key);
      return rp;
    },
    [=](refresh_atom) -> caf::result<refresh_result> {
      auto& st = self->state;
      auto rp = self->make_response_promise<refresh_result>();
      st.refresh_waiters.push_back(rp);
      st.refresh_pending = true;
      maybe_refresh(self);
      return rp;
    },
    [=](lb_op& op) -> caf::result<op_result> {
      if (self->state.draining)
        return shutting_down();
      // Read the sender before make_response_promise(), which takes it from the message.
      auto who = sender(self);
      auto p = std::make_shared<gateway_state::pending_op>();
      p->op = std::move(op);
      p->rp = self->make_response_promise<op_result>();
      enqueue(self, who, p);
      start_next_op(self);
      report_queue(self);
      return p->rp;
    },
    [=](lb_plan& plan) -> caf::result<plan_result> {
      if (self->state.draining)
        return shutting_down();
      if (plan.ops.empty())
        return plan_result{};
      auto who = sender(self);
      auto run = std::make_shared<gateway_state::plan_run>();
      run->rp = self->make_response_promise<plan_result>();
      run->size = plan.ops.size();
      run->done.results.reserve(plan.ops.size());
      for (auto& op : plan.ops) {
        auto p = std::make_shared<gateway_state::pending_op>();
        p->op = std::move(op);
        p->plan = run;
        enqueue(self, who, std::move(p));
      }
      start_next_op(self);
      report_queue(self);
      return run->rp;
    },
    [=](drain_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      st.draining = true;
      for (auto& p : st.queue.clear())
        reply(p, shutting_down());
      fail_firewall_waiting(self, shutting_down());
      report_queue(self);
      if (!any_op_in_flight(st))
        return caf::ok_atom::value;
      auto rp = self->make_response_promise<caf::ok_atom>();
      st.drain_waiters.push_back(rp);
      return rp;
    },
    [=](ip_space_request& req) -> caf::result<ip_space_grant> {
      if (self->state.draining)
        return shutting_down();
      auto rp = self->make_response_promise<ip_space_grant>();
      run_ip_space_request(self, std::move(req), rp);
      return rp;
    },
    [=](source_range_request& req) -> caf::result<caf::ok_atom> {
      if (self->state.draining)
        return shutting_down();
      auto rp = self->make_response_promise<caf::ok_atom>();
      accept_source_ranges(self, std::move(req), rp);
      return rp;
    },
    [=](resume_atom, detail::resume& r) { r.fn(); },
    [=](tick_atom) {
      self->state.tick_scheduled = false;
      drain_io(self);
    },
  };
}

} // namespace vcdlb
