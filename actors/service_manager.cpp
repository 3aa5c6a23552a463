#include "actors/service_manager.hpp"

#include "caf/typed_event_based_actor.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = service_manager_actor::stateful_pointer<service_manager_state>;

void spawn_for(self_ptr self, const service_spec& spec) {
  auto& st = self->state;
  // Linked: service actors end with their manager (shutdown); see the exit handler.
  auto actor = self->spawn<caf::linked>(service_behavior, spec.key, st.deps);
  self->monitor(actor);
  st.children.insert(actor.address());
  self->send(st.nodes, subscribe_atom::value, spec.key, actor);
  self->send(actor, spec);
  st.actors.emplace(spec.key, std::move(actor));
}

} // namespace

service_manager_actor::behavior_type
service_manager_behavior(self_ptr self, std::shared_ptr<const service_deps> deps,
                         node_set_actor nodes) {
  self->state.deps = std::move(deps);
  self->state.nodes = std::move(nodes);
  // A child's exit is handled by the down handler; any other exit request ends the manager
  // (and, through the links, every service actor).
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (self->state.children.erase(em.source) > 0)
      return;
    self->quit(em.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto i = st.actors.begin(); i != st.actors.end(); ++i) {
      if (i->second.address() != dm.source)
        continue;
      auto key = i->first;
      st.actors.erase(i);
      auto r = st.retiring.find(key);
      if (r != st.retiring.end()) {
        auto next = std::move(r->second);
        st.retiring.erase(r);
        if (next)
          spawn_for(self, *next);
      } else if (dm.reason) {
        // It failed. The next snapshot of the key spawns a new one.
        spdlog::error("service actor for {} terminated unexpectedly: {}", to_string(key),
                      to_string(dm.reason));
      }
      return;
    }
  });
  return {
    [=](const service_spec& spec) {
      auto& st = self->state;
      if (auto r = st.retiring.find(spec.key); r != st.retiring.end()) {
        r->second = spec; // for the next actor, once the old one finished its cleanup
        return;
      }
      if (auto i = st.actors.find(spec.key); i != st.actors.end()) {
        self->send(i->second, spec);
        return;
      }
      if (!wants_load_balancer(spec, st.deps->settings.load_balancer_class) && !spec.has_finalizer)
        return; // never ours: no actor, no memory
      spawn_for(self, spec);
    },
    [=](remove_atom, const service_key& key) {
      auto& st = self->state;
      auto i = st.actors.find(key);
      if (i == st.actors.end())
        return;
      // Gone from the API: nothing to write back any more, only objects to remove.
      service_spec gone;
      gone.key = key;
      gone.uid = "(deleted)";
      gone.deletion_requested = true;
      st.retiring.emplace(key, std::nullopt);
      self->send(i->second, gone);
      self->send(st.nodes, unsubscribe_atom::value, key);
    },
    [=](caf::get_atom) { return static_cast<uint64_t>(self->state.actors.size()); },
  };
}

} // namespace vcdlb
