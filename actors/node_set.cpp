#include "actors/node_set.hpp"

#include <algorithm>
#include <iterator>

#include "caf/typed_event_based_actor.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = node_set_actor::stateful_pointer<node_set_state>;
using slice_map = std::map<std::string, std::vector<std::string>>;

std::vector<node_info> snapshot(const std::map<std::string, node_info>& nodes) {
  std::vector<node_info> result;
  result.reserve(nodes.size());
  for (const auto& [name, info] : nodes)
    result.push_back(info);
  return result;
}

// The members of a Local Service: the eligible nodes with a ready endpoint of it; when there are
// none, what it had (`previous`, still eligible), else every eligible node. Never empty while
// some node is eligible.
std::vector<std::string> local_ips(const node_set_state& st, const service_key& key,
                                   const std::vector<std::string>* previous) {
  std::vector<std::string> ips;
  if (auto i = st.endpoints.find(key); i != st.endpoints.end())
    for (const auto& [slice, names] : i->second)
      for (const auto& name : names)
        if (auto n = st.nodes.find(name);
            n != st.nodes.end() && n->second.eligible && !n->second.internal_ip.empty())
          ips.push_back(n->second.internal_ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  if (!ips.empty())
    return ips;
  const auto& all = st.current.list(); // sorted, unique, eligible
  if (previous != nullptr)
    std::set_intersection(previous->begin(), previous->end(), all.begin(), all.end(),
                          std::back_inserter(ips));
  return ips.empty() ? all : ips;
}

// Sends `sub` its member set if it differs from the last one it got. `recompute`: a Local
// subscriber's set may have changed (its endpoints or the nodes did).
void publish_one(self_ptr self, const service_key& key, node_set_state::subscriber& sub,
                 bool recompute) {
  auto& st = self->state;
  if (sub.local && st.endpoints_synced) {
    if (sub.sent && !recompute)
      return;
    auto ips = local_ips(st, key, sub.sent.get());
    if (sub.sent && *sub.sent == ips)
      return;
    auto members = make_node_members(++st.local_version, std::move(ips));
    sub.sent = members.ips;
    sub.sent_version = 0;
    self->send(sub.handle, std::move(members));
    return;
  }
  if (sub.sent_version == st.current.version)
    return;
  sub.sent_version = st.current.version;
  sub.sent.reset();
  self->send(sub.handle, st.current);
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (!st.synced)
    return;
  bool all = std::exchange(st.nodes_dirty, false) || st.current.version == 0;
  auto ips = member_ips(snapshot(st.nodes));
  if (st.current.version == 0 || ips != st.current.list()) {
    st.current = make_node_members(st.current.version + 1, std::move(ips));
    spdlog::info("node set: {} eligible backend nodes (version {})", st.current.list().size(),
                 st.current.version);
  }
  if (all) {
    // A node change may move every Local set too.
    for (auto& [key, sub] : st.subscribers)
      publish_one(self, key, sub, true);
  } else {
    // Only endpoints moved: only their Services are looked at (O(changed), not O(Services)).
    for (const auto& key : st.endpoints_dirty)
      if (auto i = st.subscribers.find(key); i != st.subscribers.end())
        publish_one(self, key, i->second, true);
  }
  st.endpoints_dirty.clear();
}

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_pending || !st.synced)
    return;
  st.flush_pending = true;
  self->delayed_send(self, st.debounce, flush_atom::value);
}

// A node changed: after the debounce every subscriber is looked at.
void nodes_changed(self_ptr self) {
  self->state.nodes_dirty = true;
  schedule_flush(self);
}

// The endpoints of `key` changed: a Local subscriber hears it after the debounce.
void endpoints_changed(self_ptr self, const service_key& key) {
  auto& st = self->state;
  if (!st.endpoints_synced)
    return;
  auto i = st.subscribers.find(key);
  if (i == st.subscribers.end() || !i->second.local)
    return;
  st.endpoints_dirty.insert(key);
  schedule_flush(self);
}

void replace_endpoints(self_ptr self, const std::vector<endpoint_slice_info>& all) {
  auto& st = self->state;
  std::map<service_key, slice_map> next;
  for (const auto& s : all)
    if (!s.ready_nodes.empty())
      next[s.service][s.name] = s.ready_nodes;
  bool first = !st.endpoints_synced;
  st.endpoints_synced = true;
  if (first) {
    st.endpoints = std::move(next);
    // Local subscribers were served like Cluster ones until now.
    st.nodes_dirty = true;
    schedule_flush(self);
    return;
  }
  // A relist: the Services whose slices differ (merge walk over both sorted maps).
  auto a = st.endpoints.begin();
  auto b = next.begin();
  while (a != st.endpoints.end() || b != next.end()) {
    if (b == next.end() || (a != st.endpoints.end() && a->first < b->first)) {
      endpoints_changed(self, a->first);
      ++a;
    } else if (a == st.endpoints.end() || b->first < a->first) {
      endpoints_changed(self, b->first);
      ++b;
    } else {
      if (a->second != b->second)
        endpoints_changed(self, a->first);
      ++a;
      ++b;
    }
  }
  st.endpoints = std::move(next);
}

void upsert_slice(self_ptr self, const endpoint_slice_info& s) {
  auto& st = self->state;
  if (s.ready_nodes.empty()) { // stored only while it has ready endpoints
    auto i = st.endpoints.find(s.service);
    if (i == st.endpoints.end() || i->second.erase(s.name) == 0)
      return;
    if (i->second.empty())
      st.endpoints.erase(i);
  } else {
    auto& slot = st.endpoints[s.service][s.name];
    if (slot == s.ready_nodes)
      return;
    slot = s.ready_nodes;
  }
  endpoints_changed(self, s.service);
}

void subscribe(self_ptr self, const service_key& key, service_actor handle, bool local) {
  auto& st = self->state;
  auto [i, added] = st.subscribers.try_emplace(key);
  if (!added && i->second.handle == handle && i->second.local == local)
    return;
  if (added || i->second.handle != handle)
    self->monitor(handle);
  i->second = {std::move(handle), 0, local, nullptr};
  if (st.current.version != 0)
    publish_one(self, key, i->second, true);
}

} // namespace

node_set_actor::behavior_type node_set_behavior(self_ptr self, caf::timespan debounce) {
  self->state.debounce = debounce;
  self->set_down_handler([self](caf::down_msg& dm) {
    std::erase_if(self->state.subscribers,
                  [&](const auto& kv) { return kv.second.handle.address() == dm.source; });
  });
  return {
    [=](const std::vector<node_description>& all) {
      auto& st = self->state;
      st.nodes.clear();
      for (const auto& n : all)
        st.nodes[n.name] = summarize(n);
      bool first = !st.synced;
      st.synced = true;
      st.nodes_dirty = true;
      if (first)
        flush(self); // the first full list is published at once: Services are waiting for it
      else
        schedule_flush(self);
    },
    [=](const node_description& n) {
      auto info = summarize(n);
      auto& slot = self->state.nodes[n.name];
      if (slot == info)
        return;
      slot = std::move(info);
      nodes_changed(self);
    },
    [=](remove_atom, const std::string& name) {
      if (self->state.nodes.erase(name) > 0)
        nodes_changed(self);
    },
    [=](const std::vector<endpoint_slice_info>& all) { replace_endpoints(self, all); },
    [=](const endpoint_slice_info& s) { upsert_slice(self, s); },
    [=](remove_atom, const endpoint_slice_info& s) {
      upsert_slice(self, endpoint_slice_info{s.service, s.name, {}});
    },
    [=](subscribe_atom, const service_key& key, service_actor handle) {
      subscribe(self, key, std::move(handle), false);
    },
    [=](subscribe_atom, const service_key& key, service_actor handle, bool local) {
      subscribe(self, key, std::move(handle), local);
    },
    [=](unsubscribe_atom, const service_key& key) {
      auto& st = self->state;
      auto i = st.subscribers.find(key);
      if (i == st.subscribers.end())
        return;
      self->demonitor(i->second.handle.address());
      st.subscribers.erase(i);
      st.endpoints_dirty.erase(key);
    },
    [=](flush_atom) { flush(self); },
    [=](caf::get_atom) { return self->state.current; },
  };
}

} // namespace vcdlb
