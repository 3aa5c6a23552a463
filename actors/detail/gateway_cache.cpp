// The gateway actor's read cache: the gateway's virtual services, pools, NAT rules and app port
// profiles of this cluster, indexed by owner; drift found by re-lists; NAT rule id resolution.

#include <algorithm>
#include <bit>

#include "actors/detail/gateway_internals.hpp"
#include "actors/ipv4.hpp"
#include "actors/naming.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail::gateway {

std::string owner_token(const naming::parsed_name& p) {
  return p.scheme == config::naming_scheme::upstream ? "u:" + p.service : "h:" + p.service_hash;
}

// `id` must be the key of the object's cache entry: the index keeps a pointer to it.
void index_object(self_ptr self, object_kind kind, const std::string& id, const std::string& name) {
  auto& st = self->state;
  if (auto p = naming::parse(name, st.args.cluster_id)) {
    st.objects.owners[owner_token(*p)].emplace_back(kind, &id);
    if (st.args.on_objects_changed)
      st.args.on_objects_changed();
  }
}

void add_ids(id_set& out, const std::vector<std::pair<object_kind, const std::string*>>& ids) {
  for (const auto& [kind, id] : ids)
    out.emplace(kind, *id);
}

void for_each_owned_named(const gateway_state& st, object_kind kind, const std::string& name,
                          const std::function<void(const std::string&)>& fn) {
  auto p = naming::parse(name, st.args.cluster_id);
  if (!p)
    return;
  auto i = st.objects.owners.find(owner_token(*p));
  if (i == st.objects.owners.end())
    return;
  for (const auto& [k, id] : i->second)
    if (k == kind)
      fn(*id);
}

namespace {
template <class Map>
const typename Map::value_type* find_named(const gateway_state& st, object_kind kind, const Map& m,
                                           const std::string& name) {
  const typename Map::value_type* found = nullptr;
  for_each_owned_named(st, kind, name, [&](const std::string& id) {
    if (auto i = m.find(id); found == nullptr && i != m.end() && name_of(i->second) == name)
      found = &*i;
  });
  return found;
}
} // namespace

const std::pair<const std::string, gateway_state::cached_pool>* find_pool(const gateway_state& st,
                                                                          const std::string& name) {
  return find_named(st, object_kind::pool, st.objects.pools, name);
}

const std::pair<const std::string, app_port_profile_desc>* find_profile(const gateway_state& st,
                                                                        const std::string& name) {
  return find_named(st, object_kind::app_port_profile, st.objects.profiles, name);
}

void unindex_object(self_ptr self, object_kind kind, const std::string& id,
                    const std::string& name) {
  auto& st = self->state;
  if (auto p = naming::parse(name, st.args.cluster_id)) {
    auto i = st.objects.owners.find(owner_token(*p));
    if (i != st.objects.owners.end()) {
      std::erase_if(i->second, [&](const auto& x) { return x.first == kind && *x.second == id; });
      if (i->second.empty())
        st.objects.owners.erase(i);
    }
    if (st.args.on_objects_changed)
      st.args.on_objects_changed();
  }
}

// Shares one immutable copy of each distinct member list (pools of one cluster usually have the
// same members: every eligible node).
std::shared_ptr<const std::vector<std::string>> intern(self_ptr self,
                                                       std::vector<std::string> members) {
  auto& lists = self->state.member_lists;
  auto fresh = std::make_shared<const std::vector<std::string>>(std::move(members));
  auto [i, added] = lists.insert(fresh);
  return *i;
}

std::shared_ptr<const vcd::entity_ref> intern_seg(self_ptr self, const vcd::entity_ref& ref) {
  auto& refs = self->state.seg_refs;
  for (const auto& r : refs)
    if (*r == ref)
      return r;
  refs.push_back(std::make_shared<const vcd::entity_ref>(ref));
  return refs.back();
}

// The pool name a virtual service's name implies under vcdlb's and upstream's naming ("" for
// other names).
std::string implied_pool_name(const std::string& vs_name) {
  for (auto [vs, pool] : {std::pair<std::string_view, std::string_view>{"vcdlb-vs-", "vcdlb-pool-"},
                          {"ingress-vs-", "ingress-pool-"}})
    if (vs_name.starts_with(vs))
      return std::string{pool} + vs_name.substr(vs.size());
  return {};
}

gateway_state::cached_vs to_cached(self_ptr self, const virtual_service_desc& d,
                                   const vcd::entity_ref& seg) {
  gateway_state::cached_vs v;
  v.name = d.name;
  auto vip4 = ipv4::parse(d.vip);
  v.vip4 = vip4 && *vip4 != 0 ? *vip4 : 0;
  auto pool_name = d.pool_name != implied_pool_name(d.name) ? d.pool_name : std::string{};
  auto vip_text = v.vip4 == 0 ? d.vip : std::string{};
  if (!d.cert_alias.empty() || !pool_name.empty() || !vip_text.empty())
    v.extra = std::make_shared<const gateway_state::cached_vs::rare>(
      gateway_state::cached_vs::rare{d.cert_alias, std::move(pool_name), std::move(vip_text)});
  v.port = d.port;
  v.protocol = d.protocol;
  v.profile = d.profile;
  v.ssl = d.ssl;
  v.failed = d.failed;
  v.seg = intern_seg(self, seg).get();
  return v;
}

virtual_service_desc to_desc(const std::string& id, const gateway_state::cached_vs& v) {
  virtual_service_desc d;
  d.id = id;
  d.name = v.name;
  d.vip = v.vip4 != 0 ? ipv4::format(v.vip4) : v.extra ? v.extra->vip : std::string{};
  d.protocol = v.protocol;
  d.port = v.port;
  d.profile = v.profile;
  d.ssl = v.ssl;
  if (v.extra)
    d.cert_alias = v.extra->cert_alias;
  d.pool_name =
    v.extra && !v.extra->pool_name.empty() ? v.extra->pool_name : implied_pool_name(v.name);
  d.failed = v.failed;
  return d;
}

// Forgets member lists no pool refers to any more.
void prune_member_lists(self_ptr self) {
  std::erase_if(self->state.member_lists, [](const auto& p) { return p.use_count() == 1; });
}

// Sets a cached pool's details from a full pool (read or written by us).
void set_details(self_ptr self, gateway_state::cached_pool& entry, const vcd::pool& p) {
  auto desc = detail::to_desc(p); // sorts members, flags mixed ports with -1
  entry.name = p.name;
  entry.member_count = static_cast<int32_t>(p.members.size());
  entry.enabled_member_count = static_cast<int32_t>(std::count_if(
    p.members.begin(), p.members.end(), [](const vcd::pool_member& m) { return m.enabled; }));
  entry.has_details = true;
  entry.port = desc.port;
  entry.tcp_health_monitor = desc.tcp_health_monitor;
  entry.members = intern(self, std::move(desc.members));
}

gateway_state::cached_nat to_cached(const vcd::nat_rule& r) {
  gateway_state::cached_nat n;
  // The protocol lives on the rule's app port profile; describe() fills it in.
  n.desc = without_id(detail::to_desc(r, ip_protocol::tcp));
  n.profile_id = r.application_port_profile.id;
  n.version = r.version;
  return n;
}

bool is_unlisted(const std::string& id) {
  return id.starts_with(unlisted_prefix);
}

// -- drift: what a re-list found changed ---------------------------------------------------

// Records that the object named `name` changed out of band (cached objects are this cluster's:
// their names parse).
void note_drift(self_ptr self, const std::string& name) {
  auto& st = self->state;
  if (auto p = naming::parse(name, st.args.cluster_id))
    st.drift.owners.insert(owner_token(*p));
}

bool same(const gateway_state::cached_vs& a, const gateway_state::cached_vs& b) {
  bool same_extra =
    a.extra == b.extra
    || (a.extra && b.extra && a.extra->cert_alias == b.extra->cert_alias
        && a.extra->pool_name == b.extra->pool_name && a.extra->vip == b.extra->vip);
  // SEG references are interned: one pointer per distinct reference.
  return same_extra && a.name == b.name && a.seg == b.seg && a.vip4 == b.vip4 && a.port == b.port
         && a.protocol == b.protocol && a.profile == b.profile && a.ssl == b.ssl
         && a.failed == b.failed;
}

// The version is left out: our own update leaves it unknown (-1) until the next list, and the
// planner does not look at it.
bool same(const gateway_state::cached_nat& a, const gateway_state::cached_nat& b) {
  return a.desc == b.desc && a.profile_id == b.profile_id;
}

bool same(const app_port_profile_desc& a, const app_port_profile_desc& b) {
  return a == b;
}

// What a pool summary shows (the details are compared through their member counts).
bool same_summary(const gateway_state::cached_pool& a, const gateway_state::cached_pool& b) {
  return a.name == b.name && a.member_count == b.member_count
         && a.enabled_member_count == b.enabled_member_count && a.failed == b.failed;
}

const std::string& name_of(const gateway_state::cached_vs& x) {
  return x.name;
}
const std::string& name_of(const gateway_state::cached_pool& x) {
  return x.name;
}
const std::string& name_of(const app_port_profile_desc& x) {
  return x.name;
}

// Walks two maps by key in one pass: `gone(old entry)`, `added(new entry)`, `both(old, new)`.
template <class Map, class Gone, class Added, class Both>
void walk(const Map& before, const Map& now, Gone gone, Added added, Both both) {
  auto i = before.begin();
  auto j = now.begin();
  while (i != before.end() || j != now.end()) {
    if (j == now.end() || (i != before.end() && i->first < j->first))
      gone(*i++);
    else if (i == before.end() || j->first < i->first)
      added(*j++);
    else
      both(*i++, *j++);
  }
}

// Notes the owners of the NAT rules that differ between `before` and `now` (by id); a rule cached
// under a placeholder id is the listed rule of its name.
void diff_nat_rules(self_ptr self, const std::map<std::string, gateway_state::cached_nat>& before,
                    const std::map<std::string, gateway_state::cached_nat>& now) {
  std::vector<const gateway_state::cached_nat*> placeholders;
  std::multimap<std::string_view, const gateway_state::cached_nat*> listed_only;
  walk(
    before, now,
    [&](const auto& a) {
      if (is_unlisted(a.first))
        placeholders.push_back(&a.second);
      else
        note_drift(self, a.second.desc.name);
    },
    [&](const auto& b) { listed_only.emplace(b.second.desc.name, &b.second); },
    [&](const auto& a, const auto& b) {
      if (!same(a.second, b.second)) {
        note_drift(self, a.second.desc.name);
        note_drift(self, b.second.desc.name);
      }
    });
  for (const auto* rule : placeholders) {
    auto [lo, hi] = listed_only.equal_range(rule->desc.name);
    auto match = std::find_if(lo, hi, [&](const auto& x) { return same(*rule, *x.second); });
    if (match == hi)
      note_drift(self, rule->desc.name);
    else
      listed_only.erase(match);
  }
  for (const auto& [name, rule] : listed_only)
    note_drift(self, rule->desc.name);
}

// Replaces the cached NAT rules with a list; compared with `before` when that is a baseline.
void replace_nat_rules(self_ptr self, std::vector<vcd::nat_rule> rules,
                       const std::map<std::string, gateway_state::cached_nat>* before) {
  auto& c = self->state.objects;
  for (const auto& [id, r] : c.nat_rules)
    unindex_object(self, object_kind::dnat_rule, id, r.desc.name);
  c.nat_rules.clear();
  for (auto& r : rules) {
    if (r.rule_type != "DNAT" || !naming::parse(r.name, self->state.args.cluster_id))
      continue;
    if (auto [it, added] = c.nat_rules.emplace(r.id, to_cached(r)); added)
      index_object(self, object_kind::dnat_rule, it->first, r.name);
  }
  if (before != nullptr)
    diff_nat_rules(self, *before, c.nat_rules);
}

void finish_cache_load(self_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.cache_loading = false;
  auto waiters = std::move(st.cache_waiters);
  st.cache_waiters.clear();
  for (auto& w : waiters)
    w(err);
  // A refresh that waited for this load (started by a list or an op) may go now.
  maybe_refresh(self);
}

// Brings one kind's cache map in line with a list of it, in place: entries whose listed object
// did not change are kept as they are (no name parsing, no re-indexing, no allocation), changed
// ones are updated, others added or removed. `convert(listed)` gives the cache entry of a listed
// object, `keep_entry(old, fresh)` whether the old entry stands (it may take fields from the
// fresh one). With `compare`, the owners of what differs are noted as drift.
template <class Map, class Listed, class Convert, class Keep>
void sync_kind(self_ptr self, object_kind kind, Map& cached, const std::vector<Listed>& list,
               bool compare, Convert convert, Keep keep_entry) {
  const auto& cluster = self->state.args.cluster_id;
  std::vector<const Listed*> listed;
  listed.reserve(list.size());
  for (const auto& x : list)
    listed.push_back(&x);
  std::sort(listed.begin(), listed.end(),
            [](const auto* a, const auto* b) { return a->id < b->id; });
  auto gone = [&](typename Map::iterator i) {
    if (compare)
      note_drift(self, name_of(i->second));
    unindex_object(self, kind, i->first, name_of(i->second));
    return cached.erase(i);
  };
  auto i = cached.begin();
  for (const auto* x : listed) {
    while (i != cached.end() && i->first < x->id)
      i = gone(i);
    if (i != cached.end() && i->first == x->id) {
      auto fresh = convert(*x);
      if (keep_entry(i->second, fresh)) {
        ++i;
        continue;
      }
      if (compare) {
        note_drift(self, name_of(i->second));
        note_drift(self, name_of(fresh));
      }
      if (name_of(i->second) == name_of(fresh)) {
        i->second = std::move(fresh);
        ++i;
        continue;
      }
      i = gone(i); // renamed: re-indexed below (or dropped when no longer this cluster's)
    }
    if (!naming::parse(x->name, cluster))
      continue;
    auto added = cached.emplace_hint(i, x->id, convert(*x));
    if (compare)
      note_drift(self, x->name);
    index_object(self, kind, added->first, x->name);
  }
  while (i != cached.end())
    i = gone(i);
}

// Loads what the cache lacks: the four object lists at first and after an invalidation (a
// failed op, a refresh); later callers are served from memory. The lists update the cache in
// place; with `baseline` (the cache held a complete load plus our own writes) what differs is
// drift. Pool details stay while the pool's summary shows the member counts they were read
// with, when `keep_pool_details` was set (a refresh); otherwise they are dropped.
void ensure_cache(self_ptr self, std::function<void(const caf::error&)> k) {
  auto& st = self->state;
  if (st.cache_valid()) {
    k(caf::error{});
    return;
  }
  st.cache_waiters.push_back(std::move(k));
  if (st.cache_loading)
    return;
  st.cache_loading = true;
  const bool compare = st.baseline;
  const bool keep = st.keep_pool_details;
  st.keep_pool_details = false;
  st.baseline = false;
  const uint8_t kinds = st.stale_kinds;
  st.stale_kinds = 0; // a list that fails makes its kind stale again
  auto wanted = [kinds](object_kind k) { return (kinds & (1U << uint8_t(k))) != 0; };
  auto remaining = std::make_shared<int>(std::popcount(kinds));
  auto first_error = std::make_shared<caf::error>();
  auto step = [self, remaining, first_error, compare](object_kind kind, caf::error err) {
    if (err) {
      self->state.invalidate(kind);
      if (!*first_error)
        *first_error = std::move(err);
    }
    if (--*remaining == 0) {
      auto& st = self->state;
      prune_member_lists(self);
      st.baseline = !*first_error;
      if (*first_error && compare)
        st.drift.all = true; // what changed since the last complete load is unknown now
      finish_cache_load(self, *first_error);
    }
  };
  const auto gw = st.args.ctx.gateway.id;
  auto client = st.args.client;
  if (wanted(object_kind::virtual_service))
    read<std::vector<vcd::virtual_service_summary>>(
      self, urgency::op,
      [client, gw](auto cb) { client->list_virtual_service_summaries(gw, {}, std::move(cb)); },
      [self, step, compare](caf::expected<std::vector<vcd::virtual_service_summary>> r) {
        if (r)
          sync_kind(
            self, object_kind::virtual_service, self->state.objects.vss, *r, compare,
            [self](const vcd::virtual_service_summary& vs) {
              return to_cached(self, detail::to_desc(vs), vs.service_engine_group_ref);
            },
            [](const gateway_state::cached_vs& a, const gateway_state::cached_vs& b) {
              return same(a, b);
            });
        step(object_kind::virtual_service, r ? caf::error{} : std::move(r.error()));
      });
  if (wanted(object_kind::pool))
    read<std::vector<vcd::pool_summary>>(
      self, urgency::op,
      [client, gw](auto cb) { client->list_pool_summaries(gw, {}, std::move(cb)); },
      [self, step, compare, keep](caf::expected<std::vector<vcd::pool_summary>> r) {
        if (r)
          sync_kind(
            self, object_kind::pool, self->state.objects.pools, *r, compare,
            [](const vcd::pool_summary& p) {
              gateway_state::cached_pool entry;
              entry.name = p.name;
              entry.failed = detail::realization_failed(p.status);
              entry.member_count = p.member_count;
              entry.enabled_member_count = p.enabled_member_count;
              return entry;
            },
            [keep](gateway_state::cached_pool& old, const gateway_state::cached_pool& fresh) {
              if (!same_summary(old, fresh))
                return false;
              // The details stay valid while the counts they were read with are unchanged.
              if (!keep) {
                old.has_details = false;
                old.members.reset();
              }
              return true;
            });
        step(object_kind::pool, r ? caf::error{} : std::move(r.error()));
      });
  if (wanted(object_kind::dnat_rule))
    read<std::vector<vcd::nat_rule>>(
      self, urgency::op, [client, gw](auto cb) { client->list_nat_rules(gw, std::move(cb)); },
      [self, step, compare](caf::expected<std::vector<vcd::nat_rule>> r) {
        if (r) {
          std::optional<std::map<std::string, gateway_state::cached_nat>> before;
          if (compare)
            before = self->state.objects.nat_rules;
          replace_nat_rules(self, std::move(*r), before ? &*before : nullptr);
        }
        step(object_kind::dnat_rule, r ? caf::error{} : std::move(r.error()));
      });
  if (wanted(object_kind::app_port_profile))
    read<std::vector<vcd::app_port_profile>>(
      self, urgency::op,
      [client](auto cb) {
        client->list_app_port_profiles(vcd::fiql::eq("scope", "TENANT"), std::move(cb));
      },
      [self, step, compare](caf::expected<std::vector<vcd::app_port_profile>> r) {
        if (r)
          sync_kind(
            self, object_kind::app_port_profile, self->state.objects.profiles, *r, compare,
            [](const vcd::app_port_profile& p) { return without_id(detail::to_desc(p)); },
            [](const app_port_profile_desc& a, const app_port_profile_desc& b) {
              return same(a, b);
            });
        step(object_kind::app_port_profile, r ? caf::error{} : std::move(r.error()));
      });
}

ip_protocol profile_protocol(const gateway_state::cache& c, const std::string& id,
                             const std::string& name) {
  if (auto i = c.profiles.find(id); i != c.profiles.end())
    return i->second.protocol;
  if (!name.empty())
    if (const auto* p = find_by_name(c.profiles, name))
      return p->second.protocol;
  return ip_protocol::tcp;
}

// The objects of `ids` as descriptions; pools without loaded details carry name and id only.
lb_objects describe(const gateway_state::cache& c, const id_set& ids) {
  lb_objects out;
  for (const auto& [kind, id] : ids) {
    switch (kind) {
    case object_kind::virtual_service:
      if (auto i = c.vss.find(id); i != c.vss.end())
        out.virtual_services.push_back(to_desc(id, i->second));
      break;
    case object_kind::pool:
      if (auto i = c.pools.find(id); i != c.pools.end()) {
        const auto& p = i->second;
        pool_desc d{id, p.name, p.port, {}, p.tcp_health_monitor, p.failed};
        if (p.has_details && p.members)
          d.members = *p.members;
        out.pools.push_back(std::move(d));
      }
      break;
    case object_kind::dnat_rule:
      if (auto i = c.nat_rules.find(id); i != c.nat_rules.end()) {
        auto d = i->second.desc;
        d.id = id;
        d.protocol = profile_protocol(c, i->second.profile_id, d.profile_name);
        out.dnat_rules.push_back(std::move(d));
      }
      break;
    case object_kind::app_port_profile:
      if (auto i = c.profiles.find(id); i != c.profiles.end()) {
        out.profiles.push_back(i->second);
        out.profiles.back().id = id;
      }
      break;
    }
  }
  sort_by_name(out);
  return out;
}

id_set owned(const gateway_state& st, const service_key& key) {
  id_set result;
  for (const auto& token :
       {"u:" + key.name, "h:" + naming::service_hash(st.args.cluster_id, key)}) {
    auto i = st.objects.owners.find(token);
    if (i == st.objects.owners.end())
      continue;
    // Upstream names carry no namespace: the token matches, the parse confirmed the name.
    add_ids(result, i->second);
  }
  return result;
}

// Loads missing pool details one by one, then calls k.
void load_pool_details(self_ptr self, std::shared_ptr<std::vector<std::string>> ids,
                       std::function<void(const caf::error&)> k) {
  auto& st = self->state;
  auto loaded = [&st](const std::string& id) {
    auto i = st.objects.pools.find(id);
    return i == st.objects.pools.end() || i->second.has_details;
  };
  while (!ids->empty() && loaded(ids->back()))
    ids->pop_back();
  if (ids->empty()) {
    k(caf::error{});
    return;
  }
  auto id = ids->back();
  ids->pop_back();
  auto client = st.args.client;
  read<vcd::pool>(
    self, urgency::read, [client, id](auto cb) { client->get_pool(id, std::move(cb)); },
    [self, ids, k, id](caf::expected<vcd::pool> r) {
      auto& c = self->state.objects;
      if (!r) {
        if (has_code(r.error(), vcd_errc::not_found)) {
          // Deleted behind our back: forget it.
          if (auto i = c.pools.find(id); i != c.pools.end()) {
            unindex_object(self, object_kind::pool, id, i->second.name);
            c.pools.erase(i);
          }
          load_pool_details(self, ids, k);
          return;
        }
        k(r.error());
        return;
      }
      // A refresh may have replaced the cache meanwhile: fill in only a pool it still has.
      if (auto i = c.pools.find(id); i != c.pools.end())
        set_details(self, i->second, *r);
      load_pool_details(self, ids, k);
    });
}

// Re-reads the NAT rules: the ids of the rules created and the versions of the rules updated
// since the last list, all at once.
void refresh_nat_rules(self_ptr self, std::function<void(const caf::error&)> k) {
  auto client = self->state.args.client;
  auto gw = self->state.args.ctx.gateway.id;
  read<std::vector<vcd::nat_rule>>(
    self, urgency::op, [client, gw](auto cb) { client->list_nat_rules(gw, std::move(cb)); },
    [self, k](caf::expected<std::vector<vcd::nat_rule>> r) {
      if (!r) {
        k(r.error());
        return;
      }
      auto& st = self->state;
      // The rules we know (placeholders, our own updates) against the list: a rule deleted or
      // edited out of band meanwhile is drift the next refresh reports.
      std::optional<std::map<std::string, gateway_state::cached_nat>> before;
      if (st.baseline)
        before = st.objects.nat_rules;
      replace_nat_rules(self, std::move(*r), before ? &*before : nullptr);
      k(caf::error{});
    });
}

// The cached rule an op on `id` (maybe a placeholder) named `name` means, if the cache has it
// under a real id.
std::optional<nat_target> cached_rule(const gateway_state& st, const std::string& id,
                                      const std::string& name) {
  const auto& c = st.objects;
  if (!is_unlisted(id)) {
    if (auto i = c.nat_rules.find(id); i != c.nat_rules.end())
      return nat_target{id, i->second.version};
    return std::nullopt;
  }
  std::optional<nat_target> found;
  for_each_owned_named(st, object_kind::dnat_rule, name, [&](const std::string& rid) {
    auto i = c.nat_rules.find(rid);
    if (!found && !is_unlisted(rid) && i != c.nat_rules.end() && i->second.desc.name == name)
      found = nat_target{rid, i->second.version};
  });
  return found;
}

// Resolves the rule an update or remove works on, listing the rules once when the cache cannot
// say (a rule we created or updated since the last list). `k` gets nullopt when it is gone.
void with_nat_rule(self_ptr self, const lb_op& op,
                   std::function<void(caf::expected<std::optional<nat_target>>)> k) {
  auto id = op.dnat.id;
  // A placeholder carries the name the rule was created under: an update that renames the
  // rule must look it up by that name, not by the new one.
  auto name = is_unlisted(id) ? id.substr(unlisted_prefix.size()) : op.dnat.name;
  bool need_version = op.op == op_kind::update;
  auto t = cached_rule(self->state, id, name);
  if (t && (!need_version || t->version >= 0)) {
    k(std::move(t));
    return;
  }
  if (!t && !is_unlisted(id)) {
    // A real id the cache does not have: gone (a remove still asks VCD, which may know it).
    k(need_version ? std::optional<nat_target>{} : std::optional<nat_target>{nat_target{id}});
    return;
  }
  refresh_nat_rules(self, [self, id, name, k](const caf::error& err) {
    if (err) {
      k(err);
      return;
    }
    k(cached_rule(self->state, id, name));
  });
}

void forget_nat_rule(self_ptr self, const std::string& id) {
  auto& c = self->state.objects;
  if (auto i = c.nat_rules.find(id); i != c.nat_rules.end()) {
    unindex_object(self, object_kind::dnat_rule, id, i->second.desc.name);
    c.nat_rules.erase(i);
  }
}
// Answers `list(key)`: the Service's objects with every pool's details loaded.
void list_owned(self_ptr self, caf::typed_response_promise<lb_objects> rp, service_key key) {
  ensure_cache(self, [self, rp, key](const caf::error& err) mutable {
    if (err) {
      rp.deliver(err);
      return;
    }
    auto pools = std::make_shared<std::vector<std::string>>();
    for (const auto& [kind, id] : owned(self->state, key))
      if (kind == object_kind::pool)
        pools->push_back(id);
    load_pool_details(self, pools, [self, rp, key](const caf::error& err) mutable {
      if (err) {
        rp.deliver(err);
        return;
      }
      // A reload started while the details were read: answer from the new cache.
      if (!self->state.cache_valid()) {
        list_owned(self, rp, key);
        return;
      }
      rp.deliver(describe(self->state.objects, owned(self->state, key)));
    });
  });
}
} // namespace vcdlb::detail::gateway
