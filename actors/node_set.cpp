#include "actors/node_set.hpp"

#include "caf/typed_event_based_actor.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = node_set_actor::stateful_pointer<node_set_state>;

std::vector<node_info> snapshot(const std::map<std::string, node_info>& nodes) {
  std::vector<node_info> result;
  result.reserve(nodes.size());
  for (const auto& [name, info] : nodes)
    result.push_back(info);
  return result;
}

void publish(self_ptr self) {
  auto& st = self->state;
  for (auto& [key, sub] : st.subscribers) {
    if (sub.sent_version == st.current.version)
      continue;
    sub.sent_version = st.current.version;
    self->send(sub.handle, st.current);
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (!st.synced)
    return;
  auto ips = member_ips(snapshot(st.nodes));
  if (st.current.version != 0 && ips == st.current.list())
    return; // churn that did not change membership (e.g. a label unrelated to LBs)
  st.current = make_node_members(st.current.version + 1, std::move(ips));
  spdlog::info("node set: {} eligible backend nodes (version {})", st.current.list().size(),
               st.current.version);
  publish(self);
}

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_pending || !st.synced)
    return;
  st.flush_pending = true;
  self->delayed_send(self, st.debounce, flush_atom::value);
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
      schedule_flush(self);
    },
    [=](remove_atom, const std::string& name) {
      if (self->state.nodes.erase(name) > 0)
        schedule_flush(self);
    },
    [=](subscribe_atom, const service_key& key, service_actor handle) {
      auto& st = self->state;
      auto [i, added] = st.subscribers.try_emplace(key);
      if (!added && i->second.handle == handle)
        return;
      if (added || i->second.handle != handle)
        self->monitor(handle);
      i->second = {std::move(handle), 0};
      if (st.current.version != 0)
        publish(self);
    },
    [=](unsubscribe_atom, const service_key& key) {
      auto& st = self->state;
      auto i = st.subscribers.find(key);
      if (i == st.subscribers.end())
        return;
      self->demonitor(i->second.handle.address());
      st.subscribers.erase(i);
    },
    [=](flush_atom) { flush(self); },
    [=](caf::get_atom) { return self->state.current; },
  };
}

} // namespace vcdlb
