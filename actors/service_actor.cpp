#include "actors/service_actor.hpp"

#include <algorithm>
#include <functional>

#include "actors/detail/event_text.hpp"
#include "actors/detail/packed_spec.hpp"
#include "actors/naming.hpp"
#include "actors/plan.hpp"
#include "actors/source_ranges.hpp"
#include "caf/sec.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = service_impl::stateful_pointer<service_state>;
using cont = std::function<void(caf::error)>;

void start(self_ptr self);

// The current snapshot, unpacked on first use; finish() drops it again.
const service_spec& spec_of(self_ptr self) {
  auto& st = self->state;
  if (!st.spec)
    st.spec = std::make_shared<const service_spec>(detail::unpack(st.packed.bytes()));
  return *st.spec;
}

// Between reconciles only the packed snapshot is kept.
void rest(self_ptr self) {
  if (!self->state.busy)
    self->state.spec.reset();
}

// Replaces the snapshot with `spec` (e.g. after our own status write).
void set_spec(self_ptr self, std::shared_ptr<const service_spec> spec) {
  self->state.packed = detail::shared_packed_spec{detail::pack(*spec)};
  self->state.spec = std::move(spec);
}

void event(self_ptr self, event_type type, std::string reason, std::string message) {
  self->state.last_warning = type == event_type::warning;
  self->send(self->state.deps->writer,
             service_event{self->state.status.key, type, std::move(reason), std::move(message)});
}

std::string current_ip(const service_spec& spec) {
  return spec.ingress_ips.empty() ? std::string{} : spec.ingress_ips.front();
}

// Reports the reconcile that starts now to the observer (finish() reports its end).
void begin(self_ptr self, reconcile_kind kind) {
  auto& st = self->state;
  st.observed = true;
  st.mutated = false;
  st.kind = kind;
  st.started = self->clock().now();
  // A member change alone is the reference controller's UpdateLoadBalancer: its own Event.
  st.node_sync = kind == reconcile_kind::ensure && st.nodes_pending;
  st.node_only = st.node_sync && !st.spec_pending && st.status.failures == 0
                 && st.status.phase == service_phase::converged;
  st.node_sync_since = st.nodes_changed_at;
  st.nodes_pending = false;
  st.spec_pending = false;
  st.held_up_reported = false;
  ++st.reconcile_seq;
  if (st.deps->vcd && st.deps->held_up_after > caf::timespan::zero())
    self->delayed_send(self, st.deps->held_up_after, held_up_atom::value, st.reconcile_seq);
  st.deps->observer->reconcile_started();
}

// Reconcile `seq` may still wait for VCD: while VCD does not answer, its Service hears why
// (once per reconcile; the Normal Event at the end follows the Warning). Checked again every
// `held_up_after` until the reconcile ends.
void check_held_up(self_ptr self, uint32_t seq) {
  auto& st = self->state;
  if (!st.busy || !st.observed || seq != st.reconcile_seq || st.held_up_reported)
    return;
  if (auto problem = st.deps->vcd->problem()) {
    st.held_up_reported = true;
    event(self, event_type::warning, "SyncLoadBalancerDelayed",
          "VCD requests are failing, changes to this load balancer wait for them to succeed: "
            + detail::strip_request_ids(detail::bounded_text(*problem, 300)));
    return;
  }
  self->delayed_send(self, st.deps->held_up_after, held_up_atom::value, seq);
}

// The Normal Event before a converge changes the gateway; none for a member change alone.
void ensuring_event(self_ptr self) {
  if (!self->state.node_only)
    event(self, event_type::normal, "EnsuringLoadBalancer", "Ensuring load balancer");
}

// The Normal Event after a converge: when it changed something, and after any Warning, so a
// Warning never stays the last word of a Service whose load balancer is fine.
void ensured_event(self_ptr self, bool changed) {
  auto& st = self->state;
  if (!changed && !st.last_warning)
    return;
  if (st.node_only && changed)
    event(self, event_type::normal, "UpdatedLoadBalancer", "Updated load balancer with new hosts");
  else
    event(self, event_type::normal, "EnsuredLoadBalancer", "Ensured load balancer");
}

// The ip pool's refusals, for vcdlb_ip_pool_allocation_failures_total: the reason label, or
// "" for other errors.
std::string_view pool_failure(const caf::error& err) {
  if (!err) // has_code needs an error (CAF 0.17's category() of none is undefined)
    return {};
  if (has_code(err, lb_errc::ip_exhausted))
    return "exhausted";
  if (has_code(err, lb_errc::ip_unavailable))
    return "unavailable";
  if (has_code(err, lb_errc::port_conflict))
    return "port_conflict";
  return {};
}

// The reconcile was cut short because the engine stops (or lost leadership): nothing failed.
bool stopping(const caf::error& err) {
  // request_receiver_down: the gateway or the pool actor is gone, which happens only while
  // the engine stops.
  return has_code(err, lb_errc::shutting_down) || has_code(err, lb_errc::not_leader)
         || (err.category() == caf::atom("system")
             && err.code() == static_cast<uint8_t>(caf::sec::request_receiver_down));
}

void finish(self_ptr self, caf::error err) {
  auto& st = self->state;
  st.busy = false;
  if (st.observed) {
    st.observed = false;
    auto now = self->clock().now();
    st.deps->observer->reconcile_finished(st.kind, !err, st.mutated, now - st.started);
    if (st.node_sync) {
      st.deps->observer->node_update_finished(!err, st.mutated, now - st.node_sync_since,
                                              now - st.started);
      if (err && !st.nodes_pending) { // the retry still applies that change
        st.nodes_pending = true;
        st.nodes_changed_at = st.node_sync_since;
      }
    }
    st.node_sync = false;
  }
  if (err && stopping(err)) {
    // Not a failure of the Service: no Warning, no backoff (the engine is going away).
    spdlog::debug("service {}: reconcile stopped: {}", to_string(st.status.key), describe(err));
    if (st.dirty)
      start(self);
    rest(self);
    return;
  }
  if (auto reason = pool_failure(err); !reason.empty()) {
    // Only the internal pool's refusals name its setting (ip_pool.cpp).
    bool internal = error_detail(err).find("loadbalancer.oneArm") != std::string::npos;
    st.deps->observer->ip_allocation_failed(internal, reason);
  }
  if (err) {
    ++st.status.failures;
    st.status.phase = service_phase::failed;
    st.status.last_error = describe(err);
    // An invalid spec is reported once (a member change or a retry re-runs the same check);
    // the log keeps VCD's request ids, the Event drops them so repeats aggregate.
    bool invalid = has_code(err, lb_errc::invalid_service);
    if (!invalid || !st.invalid_reported) {
      spdlog::warn("service {}: {}", to_string(st.status.key), st.status.last_error);
      event(self, event_type::warning, "SyncLoadBalancerFailed",
            "Error syncing load balancer: " + detail::event_text(err));
    }
    st.invalid_reported = invalid;
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
  rest(self);
}

// Writes finalizer + ingress when they differ from what the snapshot shows.
void write_status(self_ptr self, bool finalizer, std::string ip, cont k) {
  auto& st = self->state;
  const auto& spec = spec_of(self);
  bool same_ip = ip.empty() ? spec.ingress_ips.empty()
                            : (spec.ingress_ips.size() == 1 && spec.ingress_ips[0] == ip);
  st.status.finalizer_wanted = finalizer;
  st.status.external_ip = ip;
  if (spec.has_finalizer == finalizer && same_ip) {
    k({});
    return;
  }
  auto status = st.status;
  self->request(st.deps->writer, st.deps->status_timeout, status)
    .then(
      [self, finalizer, ip, k](caf::ok_atom) {
        // Our snapshot now lags the API; keep it in line so the next reconcile does not rewrite.
        auto spec = std::make_shared<service_spec>(spec_of(self));
        spec->has_finalizer = finalizer;
        spec->ingress_ips = ip.empty() ? std::vector<std::string>{} : std::vector{ip};
        set_spec(self, std::move(spec));
        k({});
      },
      [k](caf::error& e) { k(e); });
}

// Sends the plan as one job: the gateway runs its ops in order, the next the moment the previous
// one finished, and stops at the first failure.
void run_ops(self_ptr self, std::shared_ptr<const std::vector<lb_op>> ops, cont k) {
  if (ops->empty()) {
    k({});
    return;
  }
  self->request(self->state.deps->gateway, self->state.deps->request_timeout, lb_plan{*ops})
    .then([k](const plan_result&) { k({}); }, [k](caf::error& e) { k(e); });
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
  if (st.busy || st.dirty || !st.packed || st.status.phase != service_phase::released)
    return;
  const auto& spec = spec_of(self);
  bool gone = spec.deletion_requested && !spec.has_finalizer;
  rest(self);
  if (gone)
    self->quit();
}

// Asks the gateway for the Service's source-range firewall (`cidrs` empty: none, its objects go).
// The destinations are the listeners of its virtual services: the address and port the edge
// firewall sees, the VIP in mode C and, behind DNAT rules without `firewallMatch` (NSX's
// default matches the translated address), the internal VIPs in modes A and B.
void sync_source_ranges(self_ptr self, std::vector<std::string> cidrs, const lb_objects& objects,
                        cont k) {
  auto& st = self->state;
  if (cidrs.empty() && st.firewall_clean) {
    k({}); // the gateway confirmed it holds nothing of this Service's
    return;
  }
  st.firewall_clean = false;
  source_range_request req{st.status.key, std::move(cidrs), {}};
  if (!req.cidrs.empty())
    for (const auto& vs : objects.virtual_services)
      req.destinations.push_back(vs.listener());
  bool none = req.cidrs.empty();
  self->request(st.deps->gateway, st.deps->request_timeout, std::move(req))
    .then(
      [self, k, none](caf::ok_atom) {
        self->state.firewall_clean = none;
        k({});
      },
      [k](caf::error& e) { k(e); });
}

void cleanup(self_ptr self) {
  begin(self, reconcile_kind::cleanup);
  auto& st = self->state;
  const auto key = st.status.key;
  self->request(st.deps->gateway, st.deps->request_timeout, list_atom::value, key)
    .then(
      [self, key](const lb_objects& observed) {
        auto& st = self->state;
        bool had_objects = !observed.empty();
        if (!had_objects && !spec_of(self).has_finalizer) {
          st.status.phase = service_phase::released;
          st.claimed.clear(); // the release drops them in the pool
          self->send(st.deps->pool, release_atom::value, key);
          finish(self, {});
          quit_if_gone(self);
          return;
        }
        if (had_objects)
          event(self, event_type::normal, "DeletingLoadBalancer", "Deleting load balancer");
        auto ops = std::make_shared<const std::vector<lb_op>>(make_plan({}, observed));
        st.mutated = !ops->empty();
        // The source-range rules go first: they name the VIPs that are released below.
        auto remove_objects = [self, key, ops](caf::error err) {
          if (err) {
            finish(self, std::move(err));
            return;
          }
          run_ops(self, ops, [self, key](caf::error err) {
            if (err) {
              finish(self, std::move(err));
              return;
            }
            auto& st = self->state;
            // Every object is gone: the IPs and claims can go, then the finalizer.
            st.claimed.clear(); // the release drops them in the pool
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
        };
        sync_source_ranges(self, {}, {}, remove_objects);
      },
      [self](caf::error& e) { finish(self, std::move(e)); });
}

using port_set = std::vector<std::pair<ip_protocol, int32_t>>;

port_set ports_of(const std::vector<listener_key>& ls) {
  port_set ports;
  for (const auto& l : ls)
    ports.emplace_back(l.protocol, l.port);
  std::sort(ports.begin(), ports.end());
  return ports;
}

bool wants_port(const port_set& wanted, const listener_key& l) {
  return std::binary_search(wanted.begin(), wanted.end(), std::pair{l.protocol, l.port});
}

// Releases claims the Service holds on listeners outside `keep` (all of them are free of its
// objects by now).
void release_claims(self_ptr self, std::vector<listener_key> extra,
                    const std::vector<listener_key>& keep) {
  auto& st = self->state;
  std::vector<listener_key> release;
  for (auto* from : {&st.claimed, &extra})
    for (const auto& l : *from)
      if (!std::binary_search(keep.begin(), keep.end(), l))
        release.push_back(l);
  std::sort(release.begin(), release.end());
  release.erase(std::unique(release.begin(), release.end()), release.end());
  std::erase_if(st.claimed, [&](const listener_key& l) {
    return std::binary_search(release.begin(), release.end(), l);
  });
  if (!release.empty())
    self->send(st.deps->pool, unclaim_atom::value, st.status.key, std::move(release));
}

// Drops the objects VCD could not realize (a failed create leaves them behind) from `keep`, with
// nothing that still uses them: they serve no port, and a Service that waits for a listener
// must not keep them on the gateway until it gets it (the next converge creates them anew).
void drop_unrealized(lb_objects& keep) {
  std::erase_if(keep.virtual_services, [](const virtual_service_desc& vs) { return vs.failed; });
  std::erase_if(keep.dnat_rules, [](const dnat_rule_desc& d) { return d.failed; });
  std::erase_if(keep.pools, [&](const pool_desc& p) {
    return p.failed
           && std::none_of(keep.virtual_services.begin(), keep.virtual_services.end(),
                           [&](const auto& vs) { return vs.pool_name == p.name; });
  });
  std::erase_if(keep.profiles, [&](const app_port_profile_desc& p) {
    return p.failed
           && std::none_of(keep.dnat_rules.begin(), keep.dnat_rules.end(),
                           [&](const auto& d) { return d.profile_name == p.name; });
  });
}

// The Service was refused a port another Service on its shared IP holds. Before backing off,
// it gives up what it no longer wants: the virtual services and DNAT rules on ports outside
// `wanted`, and their claims, and whatever VCD could not realize. Two Services that swap ports
// would otherwise each wait for the other forever.
void give_up_unwanted(self_ptr self, const lb_objects& observed, const port_set& wanted,
                      caf::error refused) {
  auto keep = observed;
  std::vector<listener_key> dropped;
  std::erase_if(keep.virtual_services, [&](const virtual_service_desc& vs) {
    bool drop = !wants_port(wanted, vs.listener());
    if (drop)
      dropped.push_back(vs.listener());
    return drop;
  });
  std::erase_if(keep.dnat_rules, [&](const dnat_rule_desc& d) {
    bool drop = !wants_port(wanted, listener_of(d));
    if (drop)
      dropped.push_back(listener_of(d));
    return drop;
  });
  drop_unrealized(keep);
  auto ops = std::make_shared<const std::vector<lb_op>>(make_plan(keep, observed));
  self->state.mutated = !ops->empty();
  run_ops(self, ops, [self, dropped, wanted, refused](caf::error err) {
    if (!err) {
      std::vector<listener_key> still; // claims on ports it still wants stay
      for (const auto& l : self->state.claimed)
        if (wants_port(wanted, l))
          still.push_back(l);
      release_claims(self, dropped, still);
    }
    finish(self, err ? std::move(err) : refused);
  });
}

void converge(self_ptr self, service_plan plan, lb_objects observed) {
  auto& st = self->state;
  const auto& spec = spec_of(self);
  const auto& settings = st.deps->settings;
  ip_request req{spec.key,         spec.load_balancer_ip, current_ip(spec),
                 plan.sharing_key, plan.listeners(),      plan.internal_slots(settings.mode)};
  auto wanted_ports = ports_of(req.listeners);
  // On an IP Space gateway an allocation may run VCD tasks first: the ops' timeout applies.
  self->request(st.deps->pool, st.deps->request_timeout, allocate_atom::value, req)
    .then(
      [self, plan, observed, wanted_ports](const ip_assignment& ips) {
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
        auto ip = ips.external_ip;
        auto after_ops = [self, ip, wanted, had = listeners_of(observed), changed = !ops->empty(),
                          desired = std::move(*desired)](caf::error err) {
          if (err) {
            finish(self, std::move(err));
            return;
          }
          // Every object is where it should be: claims outside `wanted` (listeners of
          // removed or moved objects, leftovers of failed attempts) can go.
          release_claims(self, had, wanted);
          auto done = [self, changed](caf::error err) {
            if (!err) {
              self->state.status.phase = service_phase::converged;
              ensured_event(self, changed);
            }
            finish(self, std::move(err));
          };
          const auto& spec = spec_of(self);
          auto ranges =
            parse_source_ranges(spec.load_balancer_source_ranges, spec.annotations.source_ranges);
          if (!ranges) {
            // Bad input loses nothing: the rules of the last valid list stay until it is fixed.
            auto& st = self->state;
            if (!st.ranges_reported) {
              st.ranges_reported = true;
              event(self, event_type::warning, "InvalidSourceRanges",
                    "Source ranges not applied, the firewall keeps the last valid ones: "
                      + detail::event_text(ranges.error()));
            }
            write_status(self, true, ip, done);
            return;
          }
          self->state.ranges_reported = false;
          if (ranges->allow_all) {
            // The IP first (it does not wait for a firewall wave), then any old rules go.
            write_status(self, true, ip, [self, done](caf::error err) {
              if (err)
                finish(self, std::move(err));
              else
                sync_source_ranges(self, {}, {}, done);
            });
            return;
          }
          // The rules first: the address is published once only the ranges reach it.
          sync_source_ranges(self, ranges->cidrs, desired, [self, ip, done](caf::error err) {
            if (err)
              finish(self, std::move(err));
            else
              write_status(self, true, ip, done);
          });
        };
        if (ops->empty()) {
          after_ops({});
          return;
        }
        st.status.phase = service_phase::converging;
        st.mutated = true;
        ensuring_event(self);
        // Claims first: a VS or DNAT rule is created only on a listener granted to us.
        self
          ->request(st.deps->pool, std::chrono::seconds{60}, claim_atom::value, st.status.key,
                    wanted)
          .then(
            [self, ops, wanted, after_ops](caf::ok_atom) {
              auto& claimed = self->state.claimed;
              claimed.insert(claimed.end(), wanted.begin(), wanted.end());
              std::sort(claimed.begin(), claimed.end());
              claimed.erase(std::unique(claimed.begin(), claimed.end()), claimed.end());
              run_ops(self, ops, after_ops);
            },
            [self, observed, wanted_ports](caf::error& e) {
              if (has_code(e, lb_errc::port_conflict))
                give_up_unwanted(self, observed, wanted_ports, std::move(e));
              else
                finish(self, std::move(e));
            });
      },
      [self, observed, wanted_ports](caf::error& e) {
        if (has_code(e, lb_errc::port_conflict))
          give_up_unwanted(self, observed, wanted_ports, std::move(e));
        else
          finish(self, std::move(e));
      });
}

void ensure(self_ptr self) {
  auto& st = self->state;
  auto plan = plan_ports(spec_of(self), st.deps->settings);
  if (!plan) {
    begin(self, reconcile_kind::ensure);
    finish(self, std::move(plan.error()));
    return;
  }
  if (!st.have_members) {
    // node_set publishes once it has the full node list; until then an empty member set
    // would be wrong, so wait for it.
    st.busy = false;
    rest(self);
    return;
  }
  begin(self, reconcile_kind::ensure);
  if (st.members.list().empty())
    event(self, event_type::warning, "UnAvailableLoadBalancer",
          "There are no available nodes for LoadBalancer");
  // Finalizer before any cloud object, so a delete can never skip the cleanup.
  write_status(self, true, current_ip(spec_of(self)), [self, plan = *plan](caf::error err) {
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
  if (st.busy || !st.packed)
    return;
  st.busy = true;
  st.dirty = false;
  const auto& spec = spec_of(self);
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

void take_spec(self_ptr self, detail::shared_packed_spec packed) {
  auto& st = self->state;
  bool same = st.packed && st.packed.bytes() == packed.bytes(); // equal specs, equal bytes
  if (same) {
    st.packed = std::move(packed); // the manager's copy, shared
    return;
  }
  if (st.packed) {
    auto next = std::make_shared<const service_spec>(detail::unpack(packed.bytes()));
    if (spec_of(self).uid != next->uid)
      st.status.failures = 0; // a new object under the same key starts fresh
    st.spec = std::move(next);
  }
  st.packed = std::move(packed);
  st.spec_pending = true;
  st.invalid_reported = false;
  st.ranges_reported = false;
  trigger(self); // an idle actor drops the unpacked copy again when the reconcile ends
}

} // namespace

service_impl::behavior_type service_behavior(self_ptr self, service_key key,
                                             std::shared_ptr<const service_deps> deps) {
  self->state.deps = std::move(deps);
  self->state.status.key = std::move(key);
  return {
    [=](const service_spec& spec) {
      take_spec(self, detail::shared_packed_spec{detail::pack(spec)});
    },
    [=](const detail::shared_spec& x) { take_spec(self, x.packed); },
    [=](const node_members& m) {
      auto& st = self->state;
      if (st.have_members && m.list() == st.members.list())
        return;
      if (st.have_members && !st.nodes_pending) { // the first list is no change
        st.nodes_pending = true;
        st.nodes_changed_at = self->clock().now();
      }
      st.members = m;
      st.have_members = true;
      trigger(self);
    },
    [=](reconcile_atom) {
      self->state.retry_scheduled = false;
      trigger(self);
    },
    [=](held_up_atom, uint32_t seq) { check_held_up(self, seq); },
    [=](caf::get_atom) { return self->state.status; },
  };
}

} // namespace vcdlb
