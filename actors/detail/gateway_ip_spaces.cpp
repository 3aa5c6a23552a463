// The gateway actor's IP Space operations (ip-spaces-rde-traffic.md §1): allocate a floating
// IP from the first IP Space of the gateway that gives one and reserve it with the Service's
// claim marker, or release one. Allocation, update and delete are org-scoped tasks: they take
// no mutation slot (VCD locks no edge gateway for them) and go through the token bucket.

#include <memory>

#include "actors/detail/gateway_internals.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/ip_spaces.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail::gateway {

namespace {

using grant_promise = caf::typed_response_promise<ip_space_grant>;

// Task durations are learnt per kind; allocation tasks are timed with the other org-scoped
// ones (application port profiles).
constexpr gateway_state::task_kind org_task{object_kind::app_port_profile, op_kind::create};

// One allocation under way.
struct alloc_job {
  ip_space_request req;
  grant_promise rp;
  std::vector<vcd::floating_ip_suggestion> spaces; ///< usable ones, in VCD's order
  size_t next = 0;
  std::string refusals; ///< "IP Space 'a': why; ..." for the final error
};
using job_ptr = std::shared_ptr<alloc_job>;

void try_next_space(self_ptr self, job_ptr job);

// Reserves `a` for the Service (USED_MANUAL + marker, as upstream does); a failure gives the
// allocation back rather than leaving it allocated and unmarked.
void mark_and_grant(self_ptr self, job_ptr job, vcd::ip_allocation a, bool fresh) {
  auto client = self->state.args.client;
  a.usage_state = "USED_MANUAL";
  a.description = job->req.marker;
  mutate(
    self, org_task, [client, a](auto cb) { client->update_ip_allocation(a, std::move(cb)); },
    [self, client, job, a, fresh](caf::expected<vcd::task> r) {
      if (r) {
        job->rp.deliver(ip_space_grant{{a.value, a.ip_space_id, a.id}});
        return;
      }
      auto err = std::move(r.error());
      if (!fresh) {
        job->rp.deliver(std::move(err));
        return;
      }
      mutate(
        self, org_task,
        [client, a](auto cb) { client->delete_ip_allocation(a.ip_space_id, a.id, std::move(cb)); },
        [job, err](caf::expected<vcd::task>) mutable { job->rp.deliver(std::move(err)); });
    });
}

// `spec.loadBalancerIP` that the org already holds unused: found by value, then reserved.
void take_unused(self_ptr self, job_ptr job, const std::string& space_id) {
  auto client = self->state.args.client;
  auto value = job->req.value;
  read<std::vector<vcd::ip_allocation>>(
    self, urgency::op,
    [client, space_id, value](auto cb) {
      client->list_ip_allocations(
        space_id, vcd::fiql::eq("type", "FLOATING_IP").with("value", value), std::move(cb));
    },
    [self, job](caf::expected<std::vector<vcd::ip_allocation>> r) {
      if (!r) {
        job->rp.deliver(std::move(r.error()));
        return;
      }
      if (r->size() != 1) {
        job->rp.deliver(
          caf::make_error(lb_errc::ip_unavailable,
                          "IP " + job->req.value + " is not allocated to the org exactly once"));
        return;
      }
      mark_and_grant(self, job, std::move(r->front()), false);
    });
}

void try_next_space(self_ptr self, job_ptr job) {
  if (job->next == job->spaces.size()) {
    auto what = job->req.value.empty()
                  ? std::string{"no IP Space of the edge gateway gave a "
                                "floating IP"}
                  : "IP " + job->req.value + " could not be allocated from any IP Space";
    if (job->spaces.empty())
      what += " (the gateway's IP Spaces offer no PUBLIC or PRIVATE space)";
    else
      what += ": " + job->refusals;
    job->rp.deliver(caf::make_error(lb_errc::ip_exhausted, std::move(what)));
    return;
  }
  const auto space = job->spaces[job->next++].ip_space_ref;
  auto client = self->state.args.client;
  auto value = job->req.value;
  mutate(
    self, org_task,
    [client, id = space.id, value](auto cb) {
      client->allocate_floating_ip(id, value, std::move(cb));
    },
    [self, job, space](caf::expected<vcd::task> r) {
      auto refused = [&](const caf::error& err) {
        auto why = vcdlb::describe(err);
        if (!job->req.value.empty() && has_code(err, vcd_errc::bad_request))
          why += " (allocating a specific IP needs VCD 10.4.2 / API 37.2; on older VCD "
                 "allocate it to the org first, then vcdlb takes it)";
        job->refusals += (job->refusals.empty() ? "" : "; ") + std::string{"IP Space '"}
                         + space.name + "': " + why;
        // VCD unavailable is no refusal: the Service retries later.
        if (is_retryable(err) && !has_code(err, vcd_errc::task_failed)) {
          job->rp.deliver(err);
          return;
        }
        try_next_space(self, job);
      };
      if (!r) {
        refused(r.error());
        return;
      }
      auto values = vcd::parse_allocation_result(*r);
      if (!values || values->size() != 1) {
        refused(values ? caf::make_error(vcd_errc::bad_response, "the allocate task reported "
                                                                   + std::to_string(values->size())
                                                                   + " values")
                       : values.error());
        return;
      }
      vcd::ip_allocation a;
      a.id = values->front().id;
      a.value = values->front().value;
      a.ip_space_id = space.id;
      a.org_ref = self->state.args.ctx.org;
      mark_and_grant(self, job, std::move(a), true);
    });
}

// Learns each suggested space's type (once per space) and keeps PUBLIC and PRIVATE ones.
void with_spaces(self_ptr self, job_ptr job, std::vector<vcd::floating_ip_suggestion> all,
                 size_t i) {
  auto& st = self->state;
  for (; i < all.size(); ++i) {
    auto t = st.ip_space_types.find(all[i].ip_space_ref.id);
    if (t == st.ip_space_types.end())
      break;
    if (t->second == "PUBLIC" || t->second == "PRIVATE")
      job->spaces.push_back(all[i]);
  }
  if (i < all.size()) {
    auto client = st.args.client;
    auto id = all[i].ip_space_ref.id;
    read<vcd::ip_space>(
      self, urgency::op, [client, id](auto cb) { client->get_ip_space(id, std::move(cb)); },
      [self, job, all = std::move(all), i, id](caf::expected<vcd::ip_space> r) mutable {
        if (!r) {
          job->rp.deliver(std::move(r.error()));
          return;
        }
        self->state.ip_space_types[id] = r->type;
        with_spaces(self, job, std::move(all), i);
      });
    return;
  }
  // A specific IP the org already holds unused is taken as it is.
  if (!job->req.value.empty())
    for (const auto& s : job->spaces)
      for (const auto& v : s.unused_values)
        if (v == job->req.value) {
          take_unused(self, job, s.ip_space_ref.id);
          return;
        }
  try_next_space(self, job);
}

void release(self_ptr self, held_allocation a, grant_promise rp) {
  auto client = self->state.args.client;
  vcd::ip_allocation unmark;
  unmark.id = a.allocation_id;
  unmark.ip_space_id = a.ip_space_id;
  unmark.value = a.ip;
  unmark.usage_state = "UNUSED";
  unmark.org_ref = self->state.args.ctx.org;
  // As upstream: end the reservation, then give the IP back. Gone already counts as done.
  mutate(
    self, org_task,
    [client, unmark](auto cb) { client->update_ip_allocation(unmark, std::move(cb)); },
    [self, client, a, rp](caf::expected<vcd::task> r) mutable {
      if (!r && !has_code(r.error(), vcd_errc::not_found)) {
        rp.deliver(std::move(r.error()));
        return;
      }
      mutate(
        self, org_task,
        [client, a](auto cb) {
          client->delete_ip_allocation(a.ip_space_id, a.allocation_id, std::move(cb));
        },
        [a, rp](caf::expected<vcd::task> d) mutable {
          if (!d && !has_code(d.error(), vcd_errc::not_found))
            rp.deliver(std::move(d.error()));
          else
            rp.deliver(ip_space_grant{a});
        });
    });
}

} // namespace

void run_ip_space_request(self_ptr self, ip_space_request req, grant_promise rp) {
  if (req.release) {
    release(self, std::move(req.allocation), std::move(rp));
    return;
  }
  auto job = std::make_shared<alloc_job>();
  job->req = std::move(req);
  job->rp = std::move(rp);
  auto client = self->state.args.client;
  auto gw = self->state.args.ctx.gateway.id;
  read<std::vector<vcd::floating_ip_suggestion>>(
    self, urgency::op,
    [client, gw](auto cb) { client->list_floating_ip_suggestions(gw, std::move(cb)); },
    [self, job](caf::expected<std::vector<vcd::floating_ip_suggestion>> r) {
      if (!r) {
        job->rp.deliver(std::move(r.error()));
        return;
      }
      with_spaces(self, job, std::move(*r), 0);
    });
}

} // namespace vcdlb::detail::gateway
