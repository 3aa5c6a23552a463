#include "actors/service_actor.hpp"

#include <algorithm>
#include <functional>

#include "actors/naming.hpp"
#include "actors/plan.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = service_impl::stateful_pointer<service_state>;
using cont = std::function<void(caf::error)>;

void start(self_ptr self);

void event(self_ptr self, event_type type, std::string reason, std::string message) {
  self->send(self->state.deps->writer,
             service_event{self->state.status.key, type, std::move(reason), std::move(message)});
}

std::string current_ip(const service_spec& spec) {
  return spec.ingress_ips.empty() ? std::string{} : spec.ingress_ips.front();
}

void finish(self_ptr self, caf::error err) {
  auto& st = self->state;
  st.busy = false;
  if (err) {
    ++st.status.failures;
    st.status.phase = service_phase::failed;
    st.status.last_error = describe(err);
    spdlog::warn("service {}: {}", to_string(st.status.key), st.status.last_error);
    event(self, event_type::warning, "SyncLoadBalancerFailed",
          "Error syncing load balancer: " + st.status.last_error);
    // An invalid Service stays invalid until its spec changes; anything else is retried.
    if (!has_code(err, lb_errc::invalid_service) && !st.retry_scheduled) {
      auto delay = st.deps->backoff_base;
      for (uint32_t i = 1; i < st.status.failures && delay < st.deps->backoff_max; ++i)
        delay *= 2;
      delay = std::min(delay, st.deps->backoff_max);
      st.retry_scheduled = true;
      self->delayed_send(self, delay, reconcile_atom::value);
    }
  } else {
    st.status.failures = 0;
    st.status.last_error.clear();
  }
  if (st.dirty)
    start(self);
}

// Writes finalizer + ingress when they differ from what the snapshot shows.
void write_status(self_ptr self, bool finalizer, std::string ip, cont k) {
  auto& st = self->state;
  const auto& spec = *st.spec;
  bool same_ip = ip.empty() ? spec.ingress_ips.empty()
                            : (spec.ingress_ips.size() == 1 && spec.ingress_ips[0] == ip);
  st.status.finalizer_wanted = finalizer;
  st.status.external_ip = ip;
  if (spec.has_finalizer == finalizer && same_ip) {
    k({});
    return;
  }
  auto status = st.status;
  self->request(st.deps->writer, std::chrono::seconds{30}, status)
    .then(
      [self, finalizer, ip, k](caf::ok_atom) {
        // Our snapshot now lags the API; keep it in line so the next reconcile does not rewrite.
        auto spec = std::make_shared<service_spec>(*self->state.spec);
        spec->has_finalizer = finalizer;
        spec->ingress_ips = ip.empty() ? std::vector<std::string>{} : std::vector{ip};
        self->state.spec = std::move(spec);
        k({});
      },
      [k](caf::error& e) { k(e); });
}

void run_ops(self_ptr self, std::shared_ptr<const std::vector<lb_op>> ops, size_t i, cont k) {
  if (i == ops->size()) {
    k({});
    return;
  }
  self->request(self->state.deps->gateway, self->state.deps->request_timeout, (*ops)[i])
    .then([self, ops, i, k](const op_result&) { run_ops(self, ops, i + 1, k); },
          [k](caf::error& e) { k(e); });
}

std::vector<std::string> upstream_ports(const lb_objects& observed, const std::string& cluster_id) {
  std::vector<std::string> ports;
  auto add = [&](const std::string& name) {
    if (auto p = naming::parse(name, cluster_id); p && p->scheme == config::naming_scheme::upstream)
      ports.push_back(p->port);
  };
  for (const auto& x : observed.virtual_services)
    add(x.name);
  for (const auto& x : observed.pools)
    add(x.name);
  for (const auto& x : observed.dnat_rules)
    add(x.name);
  for (const auto& x : observed.profiles)
    add(x.name);
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

std::vector<listener_key> listeners_of(const lb_objects& objs) {
  std::vector<listener_key> result;
  for (const auto& vs : objs.virtual_services)
    result.push_back(vs.listener());
  for (const auto& d : objs.dnat_rules)
    result.push_back(listener_of(d));
  std::sort(result.begin(), result.end());
  return result;
}

// A Service that is gone from the API (the manager's synthetic snapshot) needs no actor once
// its objects are removed.
void quit_if_gone(self_ptr self) {
  auto& st = self->state;
  if (!st.busy && !st.dirty && st.spec && st.spec->deletion_requested && !st.spec->has_finalizer
      && st.status.phase == service_phase::released)
    self->quit();
}

void cleanup(self_ptr self) {
  auto& st = self->state;
  const auto key = st.status.key;
  self->request(st.deps->gateway, st.deps->request_timeout, list_atom::value, key)
    .then(
      [self, key](const lb_objects& observed) {
        auto& st = self->state;
        bool had_objects = !observed.empty();
        if (!had_objects && !st.spec->has_finalizer) {
          st.status.phase = service_phase::released;
          self->send(st.deps->pool, release_atom::value, key);
          finish(self, {});
          quit_if_gone(self);
          return;
        }
        if (had_objects)
          event(self, event_type::normal, "DeletingLoadBalancer", "Deleting load balancer");
        auto ops = std::make_shared<const std::vector<lb_op>>(make_plan({}, observed));
        run_ops(self, ops, 0, [self, key](caf::error err) {
          if (err) {
            finish(self, std::move(err));
            return;
          }
          auto& st = self->state;
          // Every object is gone: the IPs and claims can go, then the finalizer.
          self->send(st.deps->pool, release_atom::value, key);
          write_status(self, false, {}, [self](caf::error err) {
            if (!err) {
              self->state.status.phase = service_phase::released;
              event(self, event_type::normal, "DeletedLoadBalancer", "Deleted load balancer");
            }
            finish(self, std::move(err));
            quit_if_gone(self);
          });
        });
      },
      [self](caf::error& e) { finish(self, std::move(e)); });
}

void converge(self_ptr self, service_plan plan, lb_objects observed) {
  auto& st = self->state;
  const auto& spec = *st.spec;
  const auto& settings = st.deps->settings;
  ip_request req{spec.key,         spec.load_balancer_ip, current_ip(spec),
                 plan.sharing_key, plan.listeners(),      plan.internal_slots(settings.mode)};
  self->request(st.deps->pool, std::chrono::seconds{60}, allocate_atom::value, req)
    .then(
      [self, plan, observed](const ip_assignment& ips) {
        auto& st = self->state;
        const auto& settings = st.deps->settings;
        auto desired = desired_objects(st.status.key, plan, st.members.list(), ips, settings,
                                       upstream_ports(observed, settings.cluster_id));
        if (!desired) {
          finish(self, std::move(desired.error()));
          return;
        }
        auto ops = std::make_shared<const std::vector<lb_op>>(make_plan(*desired, observed));
        auto wanted = listeners_of(*desired);
        auto freed = freed_listeners(*ops, observed);
        std::erase_if(freed, [&](const listener_key& l) {
          return std::binary_search(wanted.begin(), wanted.end(), l);
        });
        auto ip = ips.external_ip;
        auto after_ops = [self, ip, freed, changed = !ops->empty()](caf::error err) {
          if (err) {
            finish(self, std::move(err));
            return;
          }
          auto& st = self->state;
          if (!freed.empty())
            self->send(st.deps->pool, unclaim_atom::value, st.status.key, freed);
          write_status(self, true, ip, [self, changed](caf::error err) {
            if (!err) {
              self->state.status.phase = service_phase::converged;
              if (changed)
                event(self, event_type::normal, "EnsuredLoadBalancer", "Ensured load balancer");
            }
            finish(self, std::move(err));
          });
        };
        if (ops->empty()) {
          after_ops({});
          return;
        }
        st.status.phase = service_phase::converging;
        event(self, event_type::normal, "EnsuringLoadBalancer", "Ensuring load balancer");
        // Claims first: a VS or DNAT rule is created only on a listener granted to us.
        self
          ->request(st.deps->pool, std::chrono::seconds{60}, claim_atom::value, st.status.key,
                    wanted)
          .then([self, ops, after_ops](caf::ok_atom) { run_ops(self, ops, 0, after_ops); },
                [self](caf::error& e) { finish(self, std::move(e)); });
      },
      [self](caf::error& e) { finish(self, std::move(e)); });
}

void ensure(self_ptr self) {
  auto& st = self->state;
  auto plan = plan_ports(*st.spec, st.deps->settings);
  if (!plan) {
    finish(self, std::move(plan.error()));
    return;
  }
  if (!st.have_members) {
    // node_set publishes once it has the full node list; until then an empty member set
    // would be wrong, so wait for it.
    st.busy = false;
    return;
  }
  if (st.members.list().empty())
    event(self, event_type::warning, "UnAvailableLoadBalancer",
          "There are no available nodes for LoadBalancer");
  // Finalizer before any cloud object, so a delete can never skip the cleanup.
  write_status(self, true, current_ip(*st.spec), [self, plan = *plan](caf::error err) {
    if (err) {
      finish(self, std::move(err));
      return;
    }
    auto& st = self->state;
    self->request(st.deps->gateway, st.deps->request_timeout, list_atom::value, st.status.key)
      .then([self, plan](const lb_objects& observed) { converge(self, plan, observed); },
            [self](caf::error& e) { finish(self, std::move(e)); });
  });
}

void start(self_ptr self) {
  auto& st = self->state;
  if (st.busy || !st.spec)
    return;
  st.busy = true;
  st.dirty = false;
  const auto& spec = *st.spec;
  const auto& own_class = st.deps->settings.load_balancer_class;
  if (wants_load_balancer(spec, own_class) && !spec.deletion_requested)
    ensure(self);
  else
    cleanup(self);
}

void trigger(self_ptr self) {
  self->state.dirty = true;
  start(self);
}

void take_spec(self_ptr self, std::shared_ptr<const service_spec> spec) {
  auto& st = self->state;
  bool same = st.spec && *st.spec == *spec;
  if (st.spec && st.spec->uid != spec->uid)
    st.status.failures = 0;  // a new object under the same key starts fresh
  st.spec = std::move(spec); // also when equal: then it is the manager's copy, shared
  if (!same)
    trigger(self);
}

} // namespace

service_impl::behavior_type service_behavior(self_ptr self, service_key key,
                                             std::shared_ptr<const service_deps> deps) {
  self->state.deps = std::move(deps);
  self->state.status.key = std::move(key);
  return {
    [=](const service_spec& spec) { take_spec(self, std::make_shared<const service_spec>(spec)); },
    [=](const detail::shared_spec& x) { take_spec(self, x.spec); },
    [=](const node_members& m) {
      auto& st = self->state;
      if (st.have_members && m.list() == st.members.list())
        return;
      st.members = m;
      st.have_members = true;
      trigger(self);
    },
    [=](reconcile_atom) {
      self->state.retry_scheduled = false;
      trigger(self);
    },
    [=](caf::get_atom) { return self->state.status; },
  };
}

} // namespace vcdlb
