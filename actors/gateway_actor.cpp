#include "actors/gateway_actor.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "actors/ipv4.hpp"
#include "actors/naming.hpp"
#include "adapters/asio/bridge.hpp"
#include "adapters/vcd/errors.hpp"
#include "caf/actor_cast.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = gateway_impl::stateful_pointer<gateway_state>;
using pending_ptr = std::shared_ptr<gateway_state::pending_op>;
using done_fn = std::function<void(caf::expected<op_result>)>;

// -- request pacing --------------------------------------------------------------------------

void drain_io(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  while (!st.io_waiting.empty() && st.bucket->try_take(now)) {
    auto start = std::move(st.io_waiting.front());
    st.io_waiting.pop_front();
    start();
  }
  if (!st.io_waiting.empty() && !st.tick_scheduled) {
    st.args.observer->gateway_throttled();
    st.tick_scheduled = true;
    self->delayed_send(self, st.bucket->wait(now), tick_atom::value);
  }
}

// Issues one client call once a token is free. `invoke` receives the adapter callback; the
// result comes back to `k` inside the actor.
template <class T>
void call(self_ptr self, std::function<void(vcd::callback<T>)> invoke,
          std::function<void(caf::expected<T>)> k) {
  self->state.io_waiting.emplace_back([self, invoke = std::move(invoke), k = std::move(k)] {
    asio_bridge::weak_sender<gateway_impl> back{self};
    invoke([back, k](caf::expected<T> result) {
      back.send(resume_atom::value,
                detail::resume{[k, r = std::move(result)]() mutable { k(std::move(r)); }});
    });
  });
  drain_io(self);
}

void after(self_ptr self, caf::timespan delay, std::function<void()> fn) {
  self->delayed_send(self, delay, resume_atom::value, detail::resume{std::move(fn)});
}

// -- the read cache --------------------------------------------------------------------------

std::string owner_token(const naming::parsed_name& p) {
  return p.scheme == config::naming_scheme::upstream ? "u:" + p.service : "h:" + p.service_hash;
}

// `id` must be the key of the object's cache entry: the index keeps a pointer to it.
void index_object(self_ptr self, object_kind kind, const std::string& id, const std::string& name) {
  auto& st = self->state;
  if (auto p = naming::parse(name, st.args.cluster_id))
    st.objects.owners[owner_token(*p)].emplace_back(kind, &id);
}

using id_set = std::set<std::pair<object_kind, std::string>>;

void add_ids(id_set& out, const std::vector<std::pair<object_kind, const std::string*>>& ids) {
  for (const auto& [kind, id] : ids)
    out.emplace(kind, *id);
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

// The id lives in the cache's map key; a copy in the value would only cost memory.
template <class Desc>
Desc without_id(Desc d) {
  d.id.clear();
  d.id.shrink_to_fit();
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

// NAT rules we created wait in the cache under a placeholder id until a list shows their
// real one (VCD does not return it: the create task's owner is the gateway). The rule is known
// by its name, which vcdlb makes unique; the placeholder is never sent to VCD.
constexpr std::string_view unlisted_prefix = "unlisted:";

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

// Notes the owners of the objects that differ between `before` and `now` (same kind, by id).
template <class Map>
void diff_objects(self_ptr self, const Map& before, const Map& now) {
  auto note = [self](const auto& entry) { note_drift(self, name_of(entry.second)); };
  walk(before, now, note, note, [self](const auto& a, const auto& b) {
    if (!same(a.second, b.second)) {
      note_drift(self, name_of(a.second));
      note_drift(self, name_of(b.second));
    }
  });
}

// As diff_objects; a rule cached under a placeholder id is the listed rule of its name.
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

void maybe_refresh(self_ptr self);

void finish_cache_load(self_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.cache_loading = false;
  st.cache_valid = !err;
  auto waiters = std::move(st.cache_waiters);
  st.cache_waiters.clear();
  for (auto& w : waiters)
    w(err);
  // A refresh that waited for this load (started by a list or an op) may go now.
  maybe_refresh(self);
}

// Loads the four object lists once; later callers are served from memory. A load after
// `keep_pool_details` was set keeps the details of pools whose summary counts are unchanged.
void ensure_cache(self_ptr self, std::function<void(const caf::error&)> k) {
  auto& st = self->state;
  if (st.cache_valid) {
    k(caf::error{});
    return;
  }
  st.cache_waiters.push_back(std::move(k));
  if (st.cache_loading)
    return;
  st.cache_loading = true;
  // The cache being replaced: compared with the lists when it is a baseline (drift), and the
  // source of the pool details a refresh keeps.
  const bool compare = st.baseline;
  const bool keep = st.keep_pool_details;
  auto old = std::make_shared<gateway_state::cache>();
  if (compare || keep)
    *old = std::move(st.objects);
  st.keep_pool_details = false;
  st.baseline = false;
  st.objects = {};
  auto remaining = std::make_shared<int>(4);
  auto first_error = std::make_shared<caf::error>();
  auto step = [self, remaining, first_error, compare, old](caf::error err) {
    if (err && !*first_error)
      *first_error = std::move(err);
    if (--*remaining == 0) {
      auto& st = self->state;
      *old = {};
      prune_member_lists(self);
      st.baseline = !*first_error;
      if (*first_error && compare)
        st.drift.all = true; // what changed since the last complete load is unknown now
      finish_cache_load(self, *first_error);
    }
  };
  const auto gw = st.args.ctx.gateway.id;
  auto client = st.args.client;
  call<std::vector<vcd::virtual_service_summary>>(
    self, [client, gw](auto cb) { client->list_virtual_service_summaries(gw, {}, std::move(cb)); },
    [self, step, compare, old](caf::expected<std::vector<vcd::virtual_service_summary>> r) {
      if (r) {
        for (const auto& vs : *r)
          if (naming::parse(vs.name, self->state.args.cluster_id)) {
            auto [it, added] = self->state.objects.vss.emplace(
              vs.id, to_cached(self, detail::to_desc(vs), vs.service_engine_group_ref));
            if (added)
              index_object(self, object_kind::virtual_service, it->first, vs.name);
          }
        if (compare)
          diff_objects(self, old->vss, self->state.objects.vss);
      }
      step(r ? caf::error{} : std::move(r.error()));
    });
  call<std::vector<vcd::pool_summary>>(
    self, [client, gw](auto cb) { client->list_pool_summaries(gw, {}, std::move(cb)); },
    [self, step, compare, keep, old](caf::expected<std::vector<vcd::pool_summary>> r) {
      if (r) {
        for (const auto& p : *r) {
          if (!naming::parse(p.name, self->state.args.cluster_id))
            continue;
          gateway_state::cached_pool entry;
          entry.name = p.name;
          entry.failed = detail::realization_failed(p.status);
          entry.member_count = p.member_count;
          entry.enabled_member_count = p.enabled_member_count;
          auto before = old->pools.extract(p.id); // what is left in old->pools is gone
          if (compare && (before.empty() || !same_summary(before.mapped(), entry))) {
            if (!before.empty())
              note_drift(self, before.mapped().name);
            note_drift(self, entry.name);
          }
          // The details stay valid while the counts they were read with are unchanged.
          if (keep && !before.empty() && before.mapped().has_details
              && before.mapped().name == entry.name
              && before.mapped().member_count == entry.member_count
              && before.mapped().enabled_member_count == entry.enabled_member_count) {
            auto failed = entry.failed;
            entry = std::move(before.mapped());
            entry.failed = failed;
          }
          if (auto [it, added] = self->state.objects.pools.emplace(p.id, std::move(entry)); added)
            index_object(self, object_kind::pool, it->first, p.name);
        }
        if (compare)
          for (const auto& [id, gone] : old->pools)
            note_drift(self, gone.name);
      }
      old->pools.clear();
      step(r ? caf::error{} : std::move(r.error()));
    });
  call<std::vector<vcd::nat_rule>>(
    self, [client, gw](auto cb) { client->list_nat_rules(gw, std::move(cb)); },
    [self, step, compare, old](caf::expected<std::vector<vcd::nat_rule>> r) {
      if (r)
        replace_nat_rules(self, std::move(*r), compare ? &old->nat_rules : nullptr);
      step(r ? caf::error{} : std::move(r.error()));
    });
  call<std::vector<vcd::app_port_profile>>(
    self,
    [client](auto cb) {
      client->list_app_port_profiles(vcd::fiql::eq("scope", "TENANT"), std::move(cb));
    },
    [self, step, compare, old](caf::expected<std::vector<vcd::app_port_profile>> r) {
      if (r) {
        for (const auto& p : *r)
          if (naming::parse(p.name, self->state.args.cluster_id)) {
            auto [it, added] =
              self->state.objects.profiles.emplace(p.id, without_id(detail::to_desc(p)));
            if (added)
              index_object(self, object_kind::app_port_profile, it->first, p.name);
          }
        if (compare)
          diff_objects(self, old->profiles, self->state.objects.profiles);
      }
      step(r ? caf::error{} : std::move(r.error()));
    });
}

// (id, object) of the first entry named `name`, or nullptr.
template <class Map>
const typename Map::value_type* find_by_name(const Map& m, const std::string& name) {
  for (const auto& entry : m)
    if (name_of(entry.second) == name)
      return &entry;
  return nullptr;
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
lb_objects describe(const gateway_state::cache& c,
                    const std::set<std::pair<object_kind, std::string>>& ids) {
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

std::set<std::pair<object_kind, std::string>> owned(const gateway_state& st,
                                                    const service_key& key) {
  std::set<std::pair<object_kind, std::string>> result;
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
  call<vcd::pool>(
    self, [client, id](auto cb) { client->get_pool(id, std::move(cb)); },
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

gateway_state::task_kind task_kind_of(const lb_op& op) {
  return {op.kind, op.op};
}

// -- task polling ----------------------------------------------------------------------------

// One task being waited for: what its polls saw so far (times are offsets from `started`).
struct task_watch {
  vcd::task_ref ref;
  gateway_state::task_kind kind;
  caf::actor_clock::time_point started;
  caf::actor_clock::time_point deadline;
  uint32_t polls = 0; ///< polls scheduled so far
  /// When the last poll that saw the task running was sent (unset: none did yet).
  std::optional<caf::timespan> running_at;
};

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
  after(self, delay, [self, w, k] {
    auto client = self->state.args.client;
    self->state.args.observer->task_polled();
    auto sent_at = std::make_shared<caf::timespan>();
    call<vcd::task>(
      self,
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
        learn_task_time(self, *w, *sent_at);
        k(std::move(*r));
      });
  });
}

// Runs a mutation: the call, then its task. `k` gets the finished task.
void mutate(self_ptr self, gateway_state::task_kind kind,
            std::function<void(vcd::callback<vcd::task_ref>)> invoke,
            std::function<void(caf::expected<vcd::task>)> k) {
  call<vcd::task_ref>(self, std::move(invoke), [self, kind, k](caf::expected<vcd::task_ref> r) {
    if (!r) {
      k(std::move(r.error()));
      return;
    }
    auto started = self->clock().now();
    auto done = [self, started, k](caf::expected<vcd::task> t) {
      self->state.args.observer->task_finished(static_cast<bool>(t), self->clock().now() - started);
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

// -- ops -------------------------------------------------------------------------------------

// The mutation slot an op runs in (see gateway_state::slot).
gateway_state::slot_id slot_of(const lb_op& op) {
  return op.kind == object_kind::app_port_profile ? gateway_state::profile_slot
                                                  : gateway_state::gateway_slot;
}

bool any_op_in_flight(const gateway_state& st) {
  return std::any_of(st.slots.begin(), st.slots.end(), [](const auto& s) { return s.busy; });
}

void start_next_op(self_ptr self);

void maybe_refresh(self_ptr self);

void finish_op(self_ptr self, pending_ptr p, caf::expected<op_result> r);

void run_op(self_ptr self, pending_ptr p);

void run_pool_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    auto id = op.pool.id;
    mutate(
      self, task_kind_of(p->op), [client, id](auto cb) { client->delete_pool(id, std::move(cb)); },
      [self, id, done](caf::expected<vcd::task> r) {
        if (!r && !has_code(r.error(), vcd_errc::not_found)) {
          done(std::move(r.error()));
          return;
        }
        auto& c = self->state.objects;
        if (auto i = c.pools.find(id); i != c.pools.end()) {
          unindex_object(self, object_kind::pool, id, i->second.name);
          c.pools.erase(i);
        }
        done(op_result{id});
      });
    return;
  }
  auto body = detail::to_vcd(op.pool, st.args.ctx);
  bool create = op.op == op_kind::create;
  mutate(
    self, task_kind_of(p->op),
    [client, body, create](auto cb) {
      if (create)
        client->create_pool(body, std::move(cb));
      else
        client->update_pool(body, std::move(cb));
    },
    [self, body, done](caf::expected<vcd::task> r) mutable {
      if (!r) {
        done(std::move(r.error()));
        return;
      }
      if (body.id.empty())
        body.id = r->owner.id;
      auto& c = self->state.objects;
      auto [it, added] = c.pools.try_emplace(body.id);
      if (added)
        index_object(self, object_kind::pool, it->first, body.name);
      set_details(self, it->second, body);
      done(op_result{body.id});
    });
}

void run_profile_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    auto id = op.profile.id;
    mutate(
      self, task_kind_of(p->op),
      [client, id](auto cb) { client->delete_app_port_profile(id, std::move(cb)); },
      [self, id, done](caf::expected<vcd::task> r) {
        if (!r && !has_code(r.error(), vcd_errc::not_found)) {
          done(std::move(r.error()));
          return;
        }
        auto& c = self->state.objects;
        if (auto i = c.profiles.find(id); i != c.profiles.end()) {
          unindex_object(self, object_kind::app_port_profile, id, i->second.name);
          c.profiles.erase(i);
        }
        done(op_result{id});
      });
    return;
  }
  auto body = detail::to_vcd(op.profile, st.args.ctx);
  bool create = op.op == op_kind::create;
  mutate(
    self, task_kind_of(p->op),
    [client, body, create](auto cb) {
      if (create)
        client->create_app_port_profile(body, std::move(cb));
      else
        client->update_app_port_profile(body, std::move(cb));
    },
    [self, body, done](caf::expected<vcd::task> r) mutable {
      if (!r) {
        done(std::move(r.error()));
        return;
      }
      if (body.id.empty())
        body.id = r->owner.id;
      auto& c = self->state.objects;
      auto [it, added] = c.profiles.try_emplace(body.id);
      if (added)
        index_object(self, object_kind::app_port_profile, it->first, body.name);
      it->second = without_id(detail::to_desc(body));
      done(op_result{body.id});
    });
}

// Re-reads the NAT rules: the ids of the rules created and the versions of the rules updated
// since the last list, all at once.
void refresh_nat_rules(self_ptr self, std::function<void(const caf::error&)> k) {
  auto client = self->state.args.client;
  auto gw = self->state.args.ctx.gateway.id;
  call<std::vector<vcd::nat_rule>>(
    self, [client, gw](auto cb) { client->list_nat_rules(gw, std::move(cb)); },
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

// A rule as VCD knows it: its real id and current version (-1: changed by us since listed).
struct nat_target {
  std::string id;
  int64_t version = -1;
};

// The cached rule an op on `id` (maybe a placeholder) named `name` means, if the cache has it
// under a real id.
std::optional<nat_target> cached_rule(const gateway_state::cache& c, const std::string& id,
                                      const std::string& name) {
  if (!is_unlisted(id)) {
    if (auto i = c.nat_rules.find(id); i != c.nat_rules.end())
      return nat_target{id, i->second.version};
    return std::nullopt;
  }
  for (const auto& [rid, rule] : c.nat_rules)
    if (!is_unlisted(rid) && rule.desc.name == name)
      return nat_target{rid, rule.version};
  return std::nullopt;
}

// Resolves the rule an update or remove works on, listing the rules once when the cache cannot
// say (a rule we created or updated since the last list). `k` gets nullopt when it is gone.
void with_nat_rule(self_ptr self, const lb_op& op,
                   std::function<void(caf::expected<std::optional<nat_target>>)> k) {
  auto id = op.dnat.id;
  auto name = op.dnat.name;
  bool need_version = op.op == op_kind::update;
  auto t = cached_rule(self->state.objects, id, name);
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
    k(cached_rule(self->state.objects, id, name));
  });
}

void forget_nat_rule(self_ptr self, const std::string& id) {
  auto& c = self->state.objects;
  if (auto i = c.nat_rules.find(id); i != c.nat_rules.end()) {
    unindex_object(self, object_kind::dnat_rule, id, i->second.desc.name);
    c.nat_rules.erase(i);
  }
}

void run_dnat_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  auto gw = st.args.ctx.gateway.id;
  const auto& op = p->op;
  auto kind = task_kind_of(op);
  if (op.op == op_kind::remove) {
    auto op_id = op.dnat.id;
    with_nat_rule(self, op, [self, client, gw, kind, op_id, done](auto target) {
      if (!target) {
        done(std::move(target.error()));
        return;
      }
      if (!*target) { // already gone
        forget_nat_rule(self, op_id);
        done(op_result{op_id});
        return;
      }
      auto id = (*target)->id;
      mutate(
        self, kind, [client, gw, id](auto cb) { client->delete_nat_rule(gw, id, std::move(cb)); },
        [self, id, op_id, done](caf::expected<vcd::task> r) {
          if (!r && !has_code(r.error(), vcd_errc::not_found)) {
            done(std::move(r.error()));
            return;
          }
          forget_nat_rule(self, id);
          forget_nat_rule(self, op_id);
          done(op_result{id});
        });
    });
    return;
  }
  const auto* profile = find_by_name(st.objects.profiles, op.dnat.profile_name);
  if (profile == nullptr) {
    done(caf::make_error(vcd_errc::not_found,
                         "app port profile " + op.dnat.profile_name + " does not exist"));
    return;
  }
  vcd::entity_ref profile_ref{profile->second.name, profile->first};
  auto send = [self, client, gw, kind, done](vcd::nat_rule body, bool create) {
    mutate(
      self, kind,
      [client, gw, body, create](auto cb) {
        if (create)
          client->create_nat_rule(gw, body, std::move(cb));
        else
          client->update_nat_rule(gw, body, std::move(cb));
      },
      [self, body, create, done](caf::expected<vcd::task> r) mutable {
        if (!r) {
          if (has_code(r.error(), vcd_errc::conflict))
            self->state.cache_valid = false; // stale version: re-read before the retry
          done(std::move(r.error()));
          return;
        }
        // No list to learn the new id or version: a create waits under a placeholder, an
        // update's version is unknown, until a list is needed (with_nat_rule) or a refresh.
        auto id = create ? std::string{unlisted_prefix} + body.name : body.id;
        body.id = id;
        body.version = -1;
        auto& c = self->state.objects;
        auto [it, added] = c.nat_rules.try_emplace(id);
        if (added)
          index_object(self, object_kind::dnat_rule, it->first, body.name);
        it->second = to_cached(body);
        done(op_result{id});
      });
  };
  if (op.op == op_kind::create) {
    send(detail::to_vcd(op.dnat, profile_ref, -1), true);
    return;
  }
  auto desc = op.dnat;
  with_nat_rule(self, op, [desc, profile_ref, send, done](auto target) mutable {
    if (!target) {
      done(std::move(target.error()));
      return;
    }
    if (!*target) {
      done(caf::make_error(vcd_errc::not_found, "NAT rule " + desc.name + " is gone"));
      return;
    }
    desc.id = (*target)->id;
    send(detail::to_vcd(desc, profile_ref, (*target)->version), false);
  });
}

// Resolves the service engine group (first assignment with capacity), once per actor.
void with_seg(self_ptr self, std::function<void(caf::expected<vcd::entity_ref>)> k) {
  auto& st = self->state;
  if (!st.seg.id.empty()) {
    k(st.seg);
    return;
  }
  auto client = st.args.client;
  auto gw = st.args.ctx.gateway.id;
  call<std::vector<vcd::seg_assignment>>(
    self, [client, gw](auto cb) { client->list_seg_assignments(gw, std::move(cb)); },
    [self, k](caf::expected<std::vector<vcd::seg_assignment>> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      for (const auto& a : *r)
        if (a.has_capacity()) {
          self->state.seg = a.service_engine_group_ref;
          k(self->state.seg);
          return;
        }
      k(caf::make_error(vcd_errc::unsupported,
                        std::string{"no service engine group with free capacity is assigned to "
                                    "the edge gateway"}));
    });
}

void with_certificate(self_ptr self, const std::string& alias,
                      std::function<void(caf::expected<vcd::entity_ref>)> k) {
  auto& st = self->state;
  if (alias.empty()) {
    k(vcd::entity_ref{});
    return;
  }
  if (auto i = st.certificates.find(alias); i != st.certificates.end()) {
    k(i->second);
    return;
  }
  auto client = st.args.client;
  call<std::vector<vcd::certificate>>(
    self, [client, alias](auto cb) { client->find_certificates(alias, std::move(cb)); },
    [self, alias, k](caf::expected<std::vector<vcd::certificate>> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      if (r->size() != 1) {
        k(caf::make_error(vcd_errc::bad_request,
                          "certificate alias '" + alias + "' matches " + std::to_string(r->size())
                            + " items in the org's certificate library (need exactly one)"));
        return;
      }
      vcd::entity_ref ref{r->front().alias, r->front().id};
      self->state.certificates[alias] = ref;
      k(ref);
    });
}

vcd::virtual_service_summary summary_of(const vcd::virtual_service& vs) {
  vcd::virtual_service_summary s;
  s.id = vs.id;
  s.name = vs.name;
  s.enabled = vs.enabled;
  s.virtual_ip_address = vs.virtual_ip_address;
  s.gateway_ref = vs.gateway_ref;
  s.load_balancer_pool_ref = vs.load_balancer_pool_ref;
  s.service_engine_group_ref = vs.service_engine_group_ref;
  s.certificate_ref = vs.certificate_ref;
  s.service_ports = vs.service_ports;
  s.application_profile_type = vs.app_profile.type;
  return s;
}

void run_vs_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    auto id = op.vs.id;
    mutate(
      self, task_kind_of(p->op),
      [client, id](auto cb) { client->delete_virtual_service(id, std::move(cb)); },
      [self, id, done](caf::expected<vcd::task> r) {
        if (!r && !has_code(r.error(), vcd_errc::not_found)) {
          done(std::move(r.error()));
          return;
        }
        auto& c = self->state.objects;
        if (auto i = c.vss.find(id); i != c.vss.end()) {
          unindex_object(self, object_kind::virtual_service, id, i->second.name);
          c.vss.erase(i);
        }
        done(op_result{id});
      });
    return;
  }
  const auto* pool = find_by_name(st.objects.pools, op.vs.pool_name);
  if (pool == nullptr) {
    done(caf::make_error(vcd_errc::not_found, "pool " + op.vs.pool_name + " does not exist"));
    return;
  }
  vcd::entity_ref pool_ref{pool->second.name, pool->first};
  // An update keeps the SEG the virtual service already runs on.
  vcd::entity_ref current_seg;
  if (op.op == op_kind::update)
    if (auto i = st.objects.vss.find(op.vs.id); i != st.objects.vss.end())
      if (i->second.seg)
        current_seg = *i->second.seg;
  auto desc = op.vs;
  auto create = op.op == op_kind::create;
  auto kind = task_kind_of(op);
  auto with_body = [self, client, desc, pool_ref, create, kind, done](vcd::entity_ref seg) {
    with_certificate(
      self, desc.ssl ? desc.cert_alias : std::string{},
      [self, client, desc, pool_ref, create, kind, done, seg](caf::expected<vcd::entity_ref> cert) {
        if (!cert) {
          done(std::move(cert.error()));
          return;
        }
        auto body = detail::to_vcd(desc, self->state.args.ctx, pool_ref, seg, *cert);
        mutate(
          self, kind,
          [client, body, create](auto cb) {
            if (create)
              client->create_virtual_service(body, std::move(cb));
            else
              client->update_virtual_service(body, std::move(cb));
          },
          [self, body, done](caf::expected<vcd::task> r) mutable {
            if (!r) {
              done(std::move(r.error()));
              return;
            }
            if (body.id.empty())
              body.id = r->owner.id;
            auto& c = self->state.objects;
            auto [it, added] = c.vss.try_emplace(body.id);
            if (added)
              index_object(self, object_kind::virtual_service, it->first, body.name);
            it->second =
              to_cached(self, detail::to_desc(summary_of(body)), body.service_engine_group_ref);
            done(op_result{body.id});
          });
      });
  };
  if (!current_seg.id.empty()) {
    with_body(current_seg);
    return;
  }
  with_seg(self, [with_body, done](caf::expected<vcd::entity_ref> seg) {
    if (!seg) {
      done(std::move(seg.error()));
      return;
    }
    with_body(*seg);
  });
}

void run_op(self_ptr self, pending_ptr p) {
  ensure_cache(self, [self, p](const caf::error& err) {
    if (err) {
      finish_op(self, p, err);
      return;
    }
    done_fn done = [self, p](caf::expected<op_result> r) { finish_op(self, p, std::move(r)); };
    switch (p->op.kind) {
    case object_kind::pool:
      run_pool_op(self, p, std::move(done));
      break;
    case object_kind::virtual_service:
      run_vs_op(self, p, std::move(done));
      break;
    case object_kind::dnat_rule:
      run_dnat_op(self, p, std::move(done));
      break;
    case object_kind::app_port_profile:
      run_profile_op(self, p, std::move(done));
      break;
    }
  });
}

void finish_op(self_ptr self, pending_ptr p, caf::expected<op_result> r) {
  auto& st = self->state;
  const auto& s = st.args.settings;
  if (!r && !st.draining && is_retryable(r.error()) && p->attempt + 1 < s.max_attempts) {
    auto info = vcd::parse_error_info(r.error());
    auto delay = info.retry_after_seconds >= 0
                   ? caf::timespan{std::chrono::seconds{info.retry_after_seconds}}
                   : detail::retry_delay(p->attempt, s.retry_base, s.retry_max, st.rng);
    ++p->attempt;
    st.args.observer->gateway_retry(code_name(r.error()));
    spdlog::debug("gateway {}: {} failed ({}), attempt {} in {} ms", st.args.ctx.gateway.name,
                  to_string(p->op), vcdlb::describe(r.error()), p->attempt + 1,
                  std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    // The op keeps its mutation slot while it waits: the gateway is busy anyway.
    after(self, delay, [self, p] {
      if (self->state.draining) // shutting down: the retry would be a new mutation
        finish_op(self, p,
                  caf::make_error(lb_errc::shutting_down, "the controller is shutting down"));
      else
        run_op(self, p);
    });
    return;
  }
  if (r) {
    p->rp.deliver(std::move(*r));
  } else {
    // A failed mutation may still have left something behind (a create that VCD accepted
    // before a 5xx, a REALIZATION_FAILED object, DUPLICATE_NAME): re-read before the next one.
    st.cache_valid = false;
    p->rp.deliver(std::move(r.error()));
  }
  auto& slot = st.slots[slot_of(p->op)];
  slot.busy = false;
  slot.serving = caf::actor_addr{};
  if (st.draining && !any_op_in_flight(st)) {
    for (auto& rp : st.drain_waiters)
      rp.deliver(caf::ok_atom::value);
    st.drain_waiters.clear();
  }
  st.args.observer->mailbox_depth("gateway", self->mailbox().size());
  start_next_op(self);
  st.args.observer->gateway_queue(st.queued, any_op_in_flight(st));
}

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
  st.cache_valid = false;
  st.keep_pool_details = true;
  ensure_cache(self, [self, waiters](const caf::error& err) {
    auto& st = self->state;
    refresh_result found;
    if (err) {
      spdlog::warn("gateway {}: refresh failed: {}", st.args.ctx.gateway.name,
                   vcdlb::describe(err));
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
  });
}

// Starts the next op of `id`'s kind if that slot is free: round-robin over the requesters
// whose next op is of that kind, one op per requester at a time (its ops stay in order).
void start_next_op_in(self_ptr self, gateway_state::slot_id id) {
  auto& st = self->state;
  auto& slot = st.slots[id];
  if (slot.busy)
    return;
  auto eligible = [&](const caf::actor_addr& who) {
    for (const auto& s : st.slots)
      if (s.busy && s.serving == who)
        return false;
    auto q = st.queues.find(who);
    return q != st.queues.end() && slot_of(q->second.front()->op) == id;
  };
  // The requester served last goes behind the others even if it queued more ops meanwhile.
  auto pick = st.rotation.end();
  for (auto i = st.rotation.begin(); i != st.rotation.end(); ++i)
    if (eligible(*i)) {
      if (*i != slot.last_served) {
        pick = i;
        break;
      }
      if (pick == st.rotation.end())
        pick = i;
    }
  if (pick == st.rotation.end())
    return;
  auto who = *pick;
  st.rotation.erase(pick);
  auto i = st.queues.find(who);
  auto p = std::move(i->second.front());
  i->second.pop_front();
  if (i->second.empty())
    st.queues.erase(i);
  else
    st.rotation.push_back(who); // round-robin: the next op of this requester waits its turn
  --st.queued;
  slot.busy = true;
  slot.serving = who;
  slot.last_served = who;
  run_op(self, std::move(p));
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
  start_next_op_in(self, gateway_state::gateway_slot);
  start_next_op_in(self, gateway_state::profile_slot);
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
      if (!self->state.cache_valid) {
        list_owned(self, rp, key);
        return;
      }
      rp.deliver(describe(self->state.objects, owned(self->state, key)));
    });
  });
}

} // namespace

gateway_impl::behavior_type gateway_behavior(self_ptr self, gateway_args args) {
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
      auto& st = self->state;
      if (st.draining)
        return caf::make_error(lb_errc::shutting_down, "the controller is shutting down");
      // Read the sender before make_response_promise(), which takes it from the message.
      auto who = self->current_sender() ? self->current_sender()->address() : caf::actor_addr{};
      auto p = std::make_shared<gateway_state::pending_op>();
      p->op = std::move(op);
      p->rp = self->make_response_promise<op_result>();
      auto& q = st.queues[who];
      if (q.empty())
        st.rotation.push_back(who);
      q.push_back(p);
      ++st.queued;
      start_next_op(self);
      st.args.observer->gateway_queue(st.queued, any_op_in_flight(st));
      return p->rp;
    },
    [=](drain_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      st.draining = true;
      for (auto& [who, queue] : st.queues)
        for (auto& p : queue)
          p->rp.deliver(caf::make_error(lb_errc::shutting_down, "the controller is shutting down"));
      st.queues.clear();
      st.rotation.clear();
      st.queued = 0;
      if (!any_op_in_flight(st))
        return caf::ok_atom::value;
      auto rp = self->make_response_promise<caf::ok_atom>();
      st.drain_waiters.push_back(rp);
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
