#include "actors/plan.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace vcdlb {

namespace {

// Equality of the fields the gateway holds, ignoring the id.
bool same(const app_port_profile_desc& a, const app_port_profile_desc& b) {
  return a.protocol == b.protocol && a.port == b.port;
}

bool same_members(const std::vector<std::string>& want, const std::vector<std::string>& have) {
  if (want.size() != have.size())
    return false;
  if (std::is_sorted(have.begin(), have.end()))
    return want == have;
  auto sorted = have;
  std::sort(sorted.begin(), sorted.end());
  return want == sorted;
}

bool same(const pool_desc& a, const pool_desc& b) {
  return a.port == b.port && a.tcp_health_monitor == b.tcp_health_monitor
         && same_members(a.members, b.members);
}

bool same(const dnat_rule_desc& a, const dnat_rule_desc& b) {
  return a.external_ip == b.external_ip && a.internal_ip == b.internal_ip
         && a.protocol == b.protocol && a.port == b.port && a.profile_name == b.profile_name;
}

bool same(const virtual_service_desc& a, const virtual_service_desc& b) {
  return a.vip == b.vip && a.protocol == b.protocol && a.port == b.port && a.profile == b.profile
         && a.ssl == b.ssl && a.cert_alias == b.cert_alias && a.pool_name == b.pool_name;
}

// The listener a VS or DNAT rule takes on the gateway (moves are checked for these kinds only).
std::optional<listener_key> listener_or_none(const dnat_rule_desc& d) {
  return listener_of(d);
}
std::optional<listener_key> listener_or_none(const virtual_service_desc& vs) {
  return vs.listener();
}

// The key that pairs an object no longer wanted under its old name with a new one under
// another name (a renamed Service port): its (protocol, port), unique among one Service's
// ports. Pools and profiles are paired through the VS or DNAT rule that uses them.
std::pair<ip_protocol, int32_t> port_key(const virtual_service_desc& vs) {
  return {vs.protocol, vs.port};
}
std::pair<ip_protocol, int32_t> port_key(const dnat_rule_desc& d) {
  return {d.protocol, d.port};
}

constexpr object_kind kind_of(const app_port_profile_desc*) {
  return object_kind::app_port_profile;
}
constexpr object_kind kind_of(const dnat_rule_desc*) {
  return object_kind::dnat_rule;
}
constexpr object_kind kind_of(const pool_desc*) {
  return object_kind::pool;
}
constexpr object_kind kind_of(const virtual_service_desc*) {
  return object_kind::virtual_service;
}

// An in-place update: `want` carries the id of `have`, the observed object it rewrites.
template <class T>
struct update {
  T want;
  const T* have;
  const T* desired;
};

// The diff of one kind, split by operation so the caller can interleave kinds.
template <class T>
struct kind_diff {
  std::vector<const T*> creates; ///< desired objects no observed one matches (yet)
  std::vector<update<T>> updates;
  std::vector<const T*> orphans; ///< observed objects no desired one matches (yet)
  /// Duplicates of a name: removed whatever else happens.
  std::vector<lb_op> removes;
  /// Removes of objects VCD failed to realize that are created again under the same name:
  /// they must go before the create (names are unique per kind).
  std::vector<lb_op> replaced;
};

template <class T>
kind_diff<T> diff(const std::vector<T>& desired, const std::vector<T>& observed) {
  kind_diff<T> result;
  auto remove = [&](const T& x) {
    result.removes.push_back(make_remove(kind_of(&x), x.name, x.id));
  };
  size_t i = 0;
  size_t j = 0;
  while (i < desired.size() || j < observed.size()) {
    if (j == observed.size() || (i < desired.size() && desired[i].name < observed[j].name)) {
      result.creates.push_back(&desired[i]);
      ++i;
      continue;
    }
    if (i == desired.size() || observed[j].name < desired[i].name) {
      if (observed[j].failed)
        remove(observed[j]);
      else
        result.orphans.push_back(&observed[j]);
      ++j;
      continue;
    }
    // Same name: VCD does not enforce unique names for every kind (NAT rules), so a name may
    // appear more than once. Keep one (an equal one if there is one), remove the rest.
    const auto& want = desired[i];
    size_t end = j;
    while (end < observed.size() && observed[end].name == want.name)
      ++end;
    size_t keep = j;
    for (size_t k = j; k < end; ++k)
      if (same(want, observed[k]) && !observed[k].failed) {
        keep = k;
        break;
      }
    for (size_t k = j; k < end; ++k)
      if (k != keep)
        remove(observed[k]);
    const auto& have = observed[keep];
    if (have.failed) {
      result.replaced.push_back(make_remove(kind_of(&have), have.name, have.id));
      result.creates.push_back(&want);
    } else if (!same(want, have)) {
      T updated = want;
      updated.id = have.id;
      result.updates.push_back({std::move(updated), &have, &want});
    }
    ++i;
    j = end;
  }
  return result;
}

// The object a VS (DNAT rule) names: its pool (app port profile).
const std::string& used_name(const virtual_service_desc& vs) {
  return vs.pool_name;
}
const std::string& used_name(const dnat_rule_desc& d) {
  return d.profile_name;
}

// Pairs orphans with creates of the same (protocol, port) into renaming updates; returns the
// names of the objects they use as (old, new), for pairing those too.
template <class T>
std::vector<std::pair<std::string, std::string>> pair_renamed(kind_diff<T>& d) {
  std::vector<std::pair<std::string, std::string>> renamed;
  if (d.orphans.empty() || d.creates.empty())
    return renamed;
  using key = std::pair<ip_protocol, int32_t>;
  auto unique_keys = [](const std::vector<const T*>& xs) {
    std::map<key, const T*> m;
    std::set<key> twice;
    for (const auto* x : xs)
      if (!m.emplace(port_key(*x), x).second)
        twice.insert(port_key(*x));
    for (const auto& k : twice)
      m.erase(k);
    return m;
  };
  auto fresh = unique_keys(d.creates);
  auto old = unique_keys(d.orphans);
  std::set<const T*> paired;
  for (const auto& [k, have] : old) {
    auto f = fresh.find(k);
    if (f == fresh.end())
      continue;
    T updated = *f->second;
    updated.id = have->id;
    d.updates.push_back({std::move(updated), have, f->second});
    renamed.emplace_back(used_name(*have), used_name(*f->second));
    paired.insert(have);
    paired.insert(f->second);
  }
  auto is_paired = [&](const T* x) { return paired.count(x) > 0; };
  std::erase_if(d.creates, is_paired);
  std::erase_if(d.orphans, is_paired);
  return renamed;
}

// Pairs orphan pools (profiles) with new ones whose VSs (DNAT rules) were paired by
// pair_renamed: the pool of a renamed port is renamed with it.
template <class T>
void pair_used(kind_diff<T>& d, const std::vector<std::pair<std::string, std::string>>& users) {
  for (const auto& [old_name, new_name] : users) {
    auto o = std::find_if(d.orphans.begin(), d.orphans.end(),
                          [&](const T* x) { return x->name == old_name; });
    auto c = std::find_if(d.creates.begin(), d.creates.end(),
                          [&](const T* x) { return x->name == new_name; });
    if (o == d.orphans.end() || c == d.creates.end())
      continue;
    T updated = **c;
    updated.id = (*o)->id;
    d.updates.push_back({std::move(updated), *o, *c});
    d.orphans.erase(o);
    d.creates.erase(c);
  }
}

// Turns update `u` into remove + create.
template <class T>
void replace(kind_diff<T>& d, typename std::vector<update<T>>::iterator u) {
  d.removes.push_back(make_remove(kind_of(u->have), u->have->name, u->have->id));
  d.creates.push_back(u->desired);
  d.updates.erase(u);
}

// A VS whose virtual IP changes is replaced, not updated: VCD refuses to change a VIP that
// another virtual service shares, and the old address may have been given to another Service
// meanwhile (in mode A a renamed port's old internal IP is free once the new one is assigned).
void replace_vip_moves(kind_diff<virtual_service_desc>& d) {
  for (auto u = d.updates.begin(); u != d.updates.end();) {
    if (u->want.vip != u->have->vip) {
      auto at = u - d.updates.begin();
      replace(d, u);
      u = d.updates.begin() + at;
    } else {
      ++u;
    }
  }
}

// An update that moves an object to a listener another of the Service's objects still holds
// (two ports that swap numbers, a chain of moves) cannot run in place without two objects on
// one listener for a moment (invariant 1). Such an update becomes remove + create: the remove
// runs first and frees its listener, which may let another move stay in place.
template <class T>
void replace_blocked_moves(kind_diff<T>& d) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto u = d.updates.begin(); u != d.updates.end(); ++u) {
      auto from = listener_or_none(*u->have);
      auto to = listener_or_none(u->want);
      if (from == to)
        continue;
      bool blocked = std::any_of(d.updates.begin(), d.updates.end(), [&](const update<T>& o) {
        return &o != &*u && listener_or_none(*o.have) == to;
      });
      if (!blocked)
        continue;
      replace(d, u);
      changed = true;
      break;
    }
  }
}

template <class T>
void append_removes(std::vector<lb_op>& out, kind_diff<T>& d) {
  for (const auto* x : d.orphans)
    d.removes.push_back(make_remove(kind_of(x), x->name, x->id));
  std::stable_sort(d.removes.begin(), d.removes.end(),
                   [](const lb_op& a, const lb_op& b) { return a.name() < b.name(); });
  std::move(d.removes.begin(), d.removes.end(), std::back_inserter(out));
}

template <class T>
void append_creates(std::vector<lb_op>& out, const kind_diff<T>& d) {
  auto creates = d.creates;
  std::sort(creates.begin(), creates.end(),
            [](const T* a, const T* b) { return a->name < b->name; });
  for (const auto* x : creates)
    out.push_back(make_create(*x));
}

template <class T>
void append_updates(std::vector<lb_op>& out, const kind_diff<T>& d) {
  std::vector<const update<T>*> updates;
  updates.reserve(d.updates.size());
  for (const auto& u : d.updates)
    updates.push_back(&u);
  std::sort(updates.begin(), updates.end(),
            [](const update<T>* a, const update<T>* b) { return a->want.name < b->want.name; });
  for (const auto* u : updates)
    out.push_back(make_update(u->want));
}

void append(std::vector<lb_op>& out, std::vector<lb_op>& xs) {
  std::move(xs.begin(), xs.end(), std::back_inserter(out));
}

template <class T>
bool apply_to(std::vector<T>& xs, const lb_op& op, const T& payload, const std::string& new_id) {
  switch (op.op) {
  case op_kind::create: {
    T x = payload;
    x.id = new_id;
    auto pos = std::upper_bound(xs.begin(), xs.end(), x,
                                [](const T& a, const T& b) { return a.name < b.name; });
    xs.insert(pos, std::move(x));
    return true;
  }
  case op_kind::update:
    for (auto i = xs.begin(); i != xs.end(); ++i)
      if (i->id == payload.id) {
        if (i->name == payload.name) {
          *i = payload;
          return true;
        }
        // Renamed: keep the vector sorted by name.
        xs.erase(i);
        auto pos = std::upper_bound(xs.begin(), xs.end(), payload,
                                    [](const T& a, const T& b) { return a.name < b.name; });
        xs.insert(pos, payload);
        return true;
      }
    return false;
  case op_kind::remove:
    for (auto i = xs.begin(); i != xs.end(); ++i)
      if (i->id == payload.id) {
        xs.erase(i);
        return true;
      }
    return false;
  }
  return false;
}

} // namespace

listener_key listener_of(const dnat_rule_desc& d) {
  return {d.external_ip, d.protocol, d.port};
}

std::vector<lb_op> make_plan(const lb_objects& desired, const lb_objects& observed) {
  auto profiles = diff(desired.profiles, observed.profiles);
  auto dnats = diff(desired.dnat_rules, observed.dnat_rules);
  auto pools = diff(desired.pools, observed.pools);
  auto vss = diff(desired.virtual_services, observed.virtual_services);
  // A renamed port: its objects are renamed in place, not replaced (same ids, no outage).
  pair_used(pools, pair_renamed(vss));
  pair_used(profiles, pair_renamed(dnats));
  replace_vip_moves(vss);
  replace_blocked_moves(vss);
  replace_blocked_moves(dnats);
  std::vector<lb_op> plan;
  plan.reserve(vss.replaced.size() + dnats.replaced.size() + pools.replaced.size()
               + profiles.replaced.size() + profiles.creates.size() + profiles.updates.size()
               + profiles.removes.size() + profiles.orphans.size() + dnats.creates.size()
               + dnats.updates.size() + dnats.removes.size() + dnats.orphans.size()
               + pools.creates.size() + pools.updates.size() + pools.removes.size()
               + pools.orphans.size() + vss.creates.size() + vss.updates.size() + vss.removes.size()
               + vss.orphans.size());
  append_removes(plan, vss);
  append(plan, vss.replaced);
  append_removes(plan, dnats);
  append(plan, dnats.replaced);
  append(plan, pools.replaced);
  append(plan, profiles.replaced);
  // Application port profiles run in their own slot beside the gateway's tasks (they lock no
  // gateway): a Service's profile steps sit between gateway steps, so while it waits for them
  // the gateway works for the others. Profiles before the DNAT rules that use them; removed
  // right after the last rule that used them, before the pools. Pools and profiles are
  // created and renamed before the VSs and DNAT rules that name them.
  append_creates(plan, pools);
  append_updates(plan, pools);
  append_creates(plan, profiles);
  append_updates(plan, profiles);
  append_updates(plan, dnats);
  append_updates(plan, vss);
  append_removes(plan, profiles);
  append_removes(plan, pools);
  append_creates(plan, dnats);
  append_creates(plan, vss);
  return plan;
}

bool apply(lb_objects& objs, const lb_op& op, const std::string& new_id) {
  // VCD references pools and profiles by id: a renamed one shows its new name in its users.
  if (op.op == op_kind::update && op.kind == object_kind::pool)
    for (const auto& p : objs.pools)
      if (p.id == op.pool.id && p.name != op.pool.name) {
        for (auto& vs : objs.virtual_services)
          if (vs.pool_name == p.name)
            vs.pool_name = op.pool.name;
        break;
      }
  if (op.op == op_kind::update && op.kind == object_kind::app_port_profile)
    for (const auto& p : objs.profiles)
      if (p.id == op.profile.id && p.name != op.profile.name) {
        for (auto& d : objs.dnat_rules)
          if (d.profile_name == p.name)
            d.profile_name = op.profile.name;
        break;
      }
  switch (op.kind) {
  case object_kind::app_port_profile:
    return apply_to(objs.profiles, op, op.profile, new_id);
  case object_kind::dnat_rule:
    return apply_to(objs.dnat_rules, op, op.dnat, new_id);
  case object_kind::pool:
    return apply_to(objs.pools, op, op.pool, new_id);
  case object_kind::virtual_service:
    return apply_to(objs.virtual_services, op, op.vs, new_id);
  }
  return false;
}

} // namespace vcdlb
