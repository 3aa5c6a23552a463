#include "actors/service_manager.hpp"

#include <utility>

#include "actors/detail/packed_spec.hpp"
#include "actors/naming.hpp"
#include "actors/plan.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = service_manager_impl::stateful_pointer<service_manager_state>;

void spawn_for(self_ptr self, const service_key& key, detail::shared_packed_spec packed,
               bool local) {
  auto& st = self->state;
  // Monitored, not linked: a link would carry a child's `kill` to the manager, and no exit
  // handler can stop that. The manager ends its children itself (see the attached functor).
  service_impl actor = self->spawn(service_behavior, key, st.deps);
  self->monitor(actor);
  self->send(st.nodes, subscribe_atom::value, key, service_actor{actor}, local);
  self->send(actor, detail::shared_spec{packed});
  st.actors->insert_or_assign(
    key, service_manager_state::child{std::move(actor), std::move(packed), local});
}

void spawn_for(self_ptr self, const service_spec& spec) {
  spawn_for(self, spec.key, detail::shared_packed_spec{detail::pack(spec)},
            spec.local_traffic_policy);
}

// -- resync ------------------------------------------------------------------------------------

void resync(self_ptr self) {
  auto& st = self->state;
  if (st.resync_running) {
    st.resync_again = true;
    return;
  }
  st.resync_running = true;
  st.swept_clean = false; // the refresh may show objects made out of band
  auto done = [self] {
    auto& st = self->state;
    st.resync_running = false;
    st.swept_clean = false; // a sweep listed meanwhile may have seen the cache before it
    if (std::exchange(st.resync_again, false))
      resync(self);
  };
  self->request(st.deps->gateway, st.deps->request_timeout, refresh_atom::value)
    .then(
      [self, done](const refresh_result& found) {
        auto& st = self->state;
        // Only the Services whose objects changed out of band have something to repair (the
        // cache already held our own writes); objects of no live Service are the sweep's.
        if (found.changed()) {
          const std::set<std::string> owners(found.owners.begin(), found.owners.end());
          bool hashed = !owners.empty() && owners.begin()->starts_with("h:"); // "h:" < "u:"
          const auto& cid = st.deps->settings.cluster_id;
          auto affected = [&](const service_key& key) {
            return found.all || owners.count("u:" + key.name) > 0
                   || (hashed && owners.count("h:" + naming::service_hash(cid, key)) > 0);
          };
          for (const auto& [key, c] : *st.actors)
            if (!st.retiring.count(key) && affected(key))
              self->send(c.handle, reconcile_atom::value);
        }
        done();
      },
      [done](caf::error& err) {
        spdlog::warn("resync: the gateway refresh failed ({}); the next resync retries",
                     describe(err));
        done();
      });
}

// -- sweep -------------------------------------------------------------------------------------

std::string token_of(const naming::parsed_name& p) {
  return p.scheme == config::naming_scheme::upstream ? "u:" + p.service : "h:" + p.service_hash;
}

struct orphans {
  lb_objects objects;
  std::set<std::string> tokens;
  std::vector<service_key> keys; ///< owners whose key the name reveals in full
  std::vector<std::string> ips;  ///< addresses the orphans use
};

// The objects of `all` that belong to no key in `existing` and to no live service actor.
orphans find_orphans(const service_manager_state& st, const lb_objects& all,
                     const std::vector<service_key>& existing) {
  const auto& cid = st.deps->settings.cluster_id;
  std::set<std::string> hashes;
  std::set<std::string> names;
  auto keep = [&](const service_key& k) {
    hashes.insert(naming::service_hash(cid, k));
    names.insert(k.name);
  };
  for (const auto& k : existing)
    keep(k);
  for (const auto& [k, c] : *st.actors)
    keep(k);
  for (const auto& [k, spec] : st.held)
    keep(k);
  orphans out;
  std::set<service_key> keys;
  std::set<std::string> ips;
  auto check = [&](const std::string& name, auto&& add) {
    auto p = naming::parse(name, cid);
    if (!p) // another cluster's object, or not ours at all
      return;
    bool orphan = p->scheme == config::naming_scheme::upstream ? !names.count(p->service)
                                                               : !hashes.count(p->service_hash);
    if (!orphan)
      return;
    out.tokens.insert(token_of(*p));
    if (p->scheme == config::naming_scheme::namespaced && p->complete)
      keys.insert({p->ns, p->service});
    add();
  };
  for (const auto& x : all.profiles)
    check(x.name, [&] { out.objects.profiles.push_back(x); });
  for (const auto& x : all.dnat_rules)
    check(x.name, [&] {
      out.objects.dnat_rules.push_back(x);
      ips.insert(x.external_ip);
      ips.insert(x.internal_ip);
    });
  for (const auto& x : all.pools)
    check(x.name, [&] { out.objects.pools.push_back(x); });
  for (const auto& x : all.virtual_services)
    check(x.name, [&] {
      out.objects.virtual_services.push_back(x);
      ips.insert(x.vip);
    });
  ips.erase(std::string{});
  out.keys.assign(keys.begin(), keys.end());
  out.ips.assign(ips.begin(), ips.end());
  sort_by_name(out.objects);
  return out;
}

void maybe_sweep(self_ptr self);

void finish_sweep(self_ptr self,
                  std::shared_ptr<std::vector<caf::typed_response_promise<uint64_t>>> waiters,
                  caf::expected<uint64_t> result) {
  auto& st = self->state;
  for (auto& rp : *waiters)
    if (result)
      rp.deliver(*result);
    else
      rp.deliver(result.error());
  st.sweeping = false;
  st.sweep_tokens.clear();
  auto held = std::move(st.held);
  st.held.clear();
  for (auto& [key, spec] : held)
    if (!st.actors->count(key))
      spawn_for(self, spec);
  maybe_sweep(self);
}

void run_sweep_ops(self_ptr self, std::shared_ptr<const std::vector<lb_op>> ops,
                   std::function<void(caf::error)> k) {
  if (ops->empty()) {
    k({});
    return;
  }
  auto& st = self->state;
  self->request(st.deps->gateway, st.deps->request_timeout, lb_plan{*ops})
    .then([k](const plan_result&) { k({}); }, [k](caf::error& err) { k(std::move(err)); });
}

// Identifies a set of keys regardless of their order.
uint64_t fingerprint(const std::vector<service_key>& keys) {
  uint64_t sum = keys.size();
  for (const auto& k : keys) {
    auto h = std::hash<service_key>{}(k) + 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL; // splitmix64's finalizer
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    sum += h ^ (h >> 31);
  }
  return sum;
}

void maybe_sweep(self_ptr self) {
  auto& st = self->state;
  if (st.sweeping || st.sweep_waiters.empty())
    return;
  st.sweeping = true;
  auto keys = std::move(st.sweep_keys);
  st.sweep_keys.clear();
  auto waiters = std::make_shared<std::vector<caf::typed_response_promise<uint64_t>>>(
    std::move(st.sweep_waiters));
  st.sweep_waiters.clear();
  auto print = fingerprint(keys);
  if (st.swept_clean && st.swept_keys == print) {
    finish_sweep(self, waiters, uint64_t{0}); // nothing could have become an orphan since
    return;
  }
  st.swept_clean = false;
  self->request(st.deps->gateway, st.deps->request_timeout, list_atom::value)
    .then(
      [self, keys, waiters, print](const lb_objects& all) {
        auto& st = self->state;
        // Decided now, not when the sweep was asked for: a Service that got an actor since
        // keeps its objects.
        auto found = find_orphans(st, all, keys);
        if (found.objects.empty()) {
          st.swept_clean = true;
          st.swept_keys = print;
          finish_sweep(self, waiters, uint64_t{0});
          return;
        }
        spdlog::info("sweep: removing {} objects of {} Services that no longer exist",
                     found.objects.size(), found.tokens.size());
        st.sweep_tokens = found.tokens;
        auto ops = std::make_shared<const std::vector<lb_op>>(make_plan({}, found.objects));
        auto count = static_cast<uint64_t>(found.objects.size());
        run_sweep_ops(self, ops,
                      [self, waiters, count, keys = std::move(found.keys),
                       ips = std::move(found.ips)](caf::error err) {
                        auto& st = self->state;
                        if (err) {
                          spdlog::warn("sweep: {}; the next sweep retries", describe(err));
                          finish_sweep(self, waiters, std::move(err));
                          return;
                        }
                        // The objects are gone: their owners' IPs and claims can go too.
                        for (const auto& key : keys)
                          self->send(st.deps->pool, release_atom::value, key);
                        if (!ips.empty())
                          self->send(st.deps->pool, release_atom::value, ips);
                        finish_sweep(self, waiters, count);
                      });
      },
      [self, waiters](caf::error& err) {
        spdlog::warn("sweep: listing the gateway failed ({}); the next sweep retries",
                     describe(err));
        finish_sweep(self, waiters, std::move(err));
      });
}

// True when a sweep is removing objects that a Service of this key would own.
bool swept(const service_manager_state& st, const service_key& key) {
  if (st.sweep_tokens.empty())
    return false;
  return st.sweep_tokens.count("u:" + key.name) > 0
         || st.sweep_tokens.count("h:" + naming::service_hash(st.deps->settings.cluster_id, key))
              > 0;
}

} // namespace

service_manager_impl::behavior_type
service_manager_behavior(self_ptr self, std::shared_ptr<const service_deps> deps,
                         node_set_actor nodes) {
  self->state.deps = std::move(deps);
  self->state.nodes = std::move(nodes);
  // However the manager ends, its service actors end with it.
  self->attach_functor([children = self->state.actors] {
    for (const auto& [key, child] : *children)
      caf::anon_send_exit(child.handle, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.swept_clean = false;
    for (auto i = st.actors->begin(); i != st.actors->end(); ++i) {
      if (i->second.handle.address() != dm.source)
        continue;
      auto key = i->first;
      auto last = std::move(i->second.last);
      bool local = i->second.local;
      st.actors->erase(i);
      auto r = st.retiring.find(key);
      if (r != st.retiring.end() && dm.reason) {
        // It died during its cleanup: a fresh actor finishes it.
        spdlog::error("service actor for {} terminated abnormally during cleanup ({}); "
                      "respawning it",
                      to_string(key), to_string(dm.reason));
        spawn_for(self, key, last, local);
        self->send(st.nodes, unsubscribe_atom::value, key);
      } else if (r != st.retiring.end()) {
        auto next = std::move(r->second);
        st.retiring.erase(r);
        if (next)
          spawn_for(self, *next);
      } else if (dm.reason) {
        // It failed; the Service must not be lost. Its state is the snapshot plus what the
        // gateway and the ip pool hold, so a fresh actor with the snapshot picks up cleanly.
        spdlog::error("service actor for {} terminated abnormally ({}); respawning it",
                      to_string(key), to_string(dm.reason));
        spawn_for(self, key, last, local);
      }
      return;
    }
  });
  if (auto interval = self->state.deps->resync_interval; interval.count() > 0)
    self->delayed_send(self, interval, tick_atom::value);
  return {
    [=](const service_spec& spec) {
      auto& st = self->state;
      if (auto r = st.retiring.find(spec.key); r != st.retiring.end()) {
        r->second = spec; // for the next actor, once the old one finished its cleanup
        return;
      }
      if (auto i = st.actors->find(spec.key); i != st.actors->end()) {
        // The actor had this very snapshot already (a relist of an unchanged Service): its
        // own view is as new or newer, nothing to forward.
        auto packed = detail::pack(spec);
        if (i->second.last.bytes() == packed)
          return;
        i->second.last = detail::shared_packed_spec{packed};
        if (i->second.local != spec.local_traffic_policy) {
          // The node set sends the members for the new policy; they trigger a reconcile of
          // their own when they differ.
          i->second.local = spec.local_traffic_policy;
          self->send(st.nodes, subscribe_atom::value, spec.key, service_actor{i->second.handle},
                     i->second.local);
        }
        self->send(i->second.handle, detail::shared_spec{i->second.last});
        return;
      }
      if (!wants_load_balancer(spec, st.deps->settings.load_balancer_class) && !spec.has_finalizer)
        return; // never ours: no actor, no memory
      if (swept(st, spec.key)) {
        st.held.insert_or_assign(spec.key, spec); // spawned once the sweep removed the leftovers
        return;
      }
      spawn_for(self, spec);
    },
    [=](remove_atom, const service_key& key) {
      auto& st = self->state;
      st.swept_clean = false;
      st.held.erase(key);
      auto i = st.actors->find(key);
      if (i == st.actors->end())
        return;
      // Gone from the API: nothing to write back any more, only objects to remove.
      service_spec deleted;
      deleted.key = key;
      deleted.uid = "(deleted)";
      deleted.deletion_requested = true;
      auto gone = detail::shared_packed_spec{detail::pack(deleted)};
      st.retiring.emplace(key, std::nullopt);
      i->second.last = gone;
      self->send(i->second.handle, detail::shared_spec{std::move(gone)});
      self->send(st.nodes, unsubscribe_atom::value, key);
    },
    [=](caf::get_atom) { return static_cast<uint64_t>(self->state.actors->size()); },
    [=](resync_atom) { resync(self); },
    [=](tick_atom) {
      resync(self);
      self->delayed_send(self, self->state.deps->resync_interval, tick_atom::value);
    },
    [=](sweep_atom, std::vector<service_key>& keys) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto rp = self->make_response_promise<uint64_t>();
      st.sweep_keys = std::move(keys); // the newest list wins
      st.sweep_waiters.push_back(rp);
      maybe_sweep(self);
      return rp;
    },
  };
}

} // namespace vcdlb
