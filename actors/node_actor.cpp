#include "actors/node_actor.hpp"

#include <charconv>
#include <type_traits>

#include <spdlog/spdlog.h>

#include "caf/send.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

using self_ptr = caf::stateful_actor<node_actor_state>*;

template <class F>
auto in_actor(self_ptr self, F fn) {
  return [weak = caf::actor{self}, fn = std::move(fn)](auto result) mutable {
    caf::anon_send(weak, resume_atom::value,
                   detail::node_resume{
                     [fn = std::move(fn), r = std::move(result)]() mutable { fn(std::move(r)); }});
  };
}

void evaluate(self_ptr self, const std::string& name);

void ask_refresh(self_ptr self) {
  auto& st = self->state;
  if (st.refresh_asked)
    return;
  st.refresh_asked = true;
  self->send(st.args.inventory, refresh_atom::value);
}

// Every change of `nodes` goes through these two, which keep the taint counts (O(1)).
void count(self_ptr self, const kube::node_snapshot& n, int sign) {
  auto& st = self->state;
  if (has_taint(n, kube::taint_uninitialized))
    st.uninitialized += static_cast<size_t>(sign);
  if (has_taint(n, kube::taint_shutdown))
    st.shutdown += static_cast<size_t>(sign);
}

void taint_counts_changed(self_ptr self, size_t uninitialized, size_t shutdown) {
  auto& st = self->state;
  if (st.uninitialized != uninitialized || st.shutdown != shutdown)
    st.args.observer->nodes_tainted(st.uninitialized, st.shutdown);
}

void store(self_ptr self, kube::node_snapshot n) {
  auto& st = self->state;
  auto before = std::pair{st.uninitialized, st.shutdown};
  auto [it, fresh] = st.nodes.try_emplace(n.name);
  if (!fresh)
    count(self, it->second, -1);
  count(self, n, +1);
  it->second = std::move(n);
  taint_counts_changed(self, before.first, before.second);
}

void forget(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto it = st.nodes.find(name);
  if (it == st.nodes.end())
    return;
  auto before = std::pair{st.uninitialized, st.shutdown};
  count(self, it->second, -1);
  st.nodes.erase(it);
  taint_counts_changed(self, before.first, before.second);
}

void report(self_ptr self, const kube::node_snapshot& n, const node_problem& p) {
  auto& st = self->state;
  auto [it, fresh] = st.reported.emplace(n.name, p);
  if (!fresh && it->second == p)
    return; // said already; the Node is still left as it is
  it->second = p;
  ++st.stats.warnings;
  st.args.observer->node_problem(p.reason);
  spdlog::warn("node-duties: Node {} left as it is: {}: {}", n.name, p.reason, p.message);
  st.args.events(n, "Warning", p.reason, p.message);
}

// Runs a write for Node `name`; `done` sees the result, then the Node is looked at again.
// `on_error` (if any) runs when it fails.
template <class T, class Start>
void write(self_ptr self, const std::string& name, const char* what, Start start,
           std::function<void(const T&)> on_ok, std::function<void()> on_error = {}) {
  auto& st = self->state;
  st.busy.insert(name);
  start(in_actor(self, [self, name, what, on_ok, on_error](caf::expected<T> r) {
    auto& st = self->state;
    st.busy.erase(name);
    if (!r) {
      ++st.stats.failed_writes;
      if (on_error)
        on_error();
      // 409: the Node changed meanwhile; its next event brings the new version.
      auto level =
        has_code(r.error(), kube_errc::conflict) ? spdlog::level::debug : spdlog::level::warn;
      spdlog::log(level, "node-duties: {} of Node {} failed: {}", what, name, describe(r.error()));
      return;
    }
    if constexpr (std::is_same_v<T, caf::unit_t>)
      on_ok(caf::unit);
    else
      on_ok(*r);
    evaluate(self, name);
  }));
}

std::function<void()> init_failed(self_ptr self) {
  return [self] { self->state.args.observer->node_initialized(false); };
}

void write_addresses(self_ptr self, const kube::node_snapshot& n, const instance_metadata& md,
                     bool initializing) {
  auto& st = self->state;
  auto kube = st.args.kube;
  write<kube::node_snapshot>(
    self, n.name, "address update",
    [kube, name = n.name, md](auto cb) {
      kube->patch_node_addresses(name, md.addresses, md.hostname, std::move(cb));
    },
    [self, initializing, md](const kube::node_snapshot& stored) {
      auto& st = self->state;
      store(self, stored);
      if (initializing) {
        ++st.stats.initialized;
        st.args.observer->node_initialized(true);
        spdlog::info("node-duties: Node {} initialized: {} {}{}", stored.name, md.provider_id,
                     md.addresses.front().address, md.zone.empty() ? "" : " zone " + md.zone);
        st.args.events(stored, "Normal", "Synced", "Node synced successfully");
      } else {
        ++st.stats.address_updates;
        st.args.observer->node_addresses_updated();
        spdlog::info("node-duties: Node {} addresses updated ({})", stored.name,
                     md.addresses.front().address);
      }
    },
    initializing ? init_failed(self) : std::function<void()>{});
}

void cloud_node(self_ptr self, const kube::node_snapshot& n, const vm_match& m) {
  auto& st = self->state;
  bool uninitialized = has_taint(n, kube::taint_uninitialized);
  if (m.vm == nullptr) {
    bool missing = m.problem && m.problem->reason == "VMNotFound";
    if (!uninitialized) {
      // The lifecycle duty decides what a missing VM means; two VMs of the Node's name stop
      // its address refresh, which is worth a Warning.
      if (!missing && m.problem)
        report(self, n, *m.problem);
      return;
    }
    if (missing && (st.missed_at.count(n.name) == 0 || st.missed_at[n.name] >= st.generation)) {
      // Not in this inventory: the VM may be newer than it. Read again before reporting.
      st.missed_at.emplace(n.name, st.generation);
      ask_refresh(self);
      return;
    }
    return report(self, n, *m.problem);
  }
  node_problem p;
  auto md = metadata_of(*m.vm, st.args.settings, p);
  if (!md)
    return report(self, n, p);
  // Neither initialized nor its addresses rewritten while the kubelet's IP is not the VM's.
  if (auto ip = provided_ip_problem(n, *m.vm, *md))
    return report(self, n, *ip);
  st.reported.erase(n.name);
  if (uninitialized) {
    auto kube = st.args.kube;
    auto update = initialization(n, *md);
    write<kube::node_snapshot>(
      self, n.name, "initialization",
      [kube, name = n.name, update](auto cb) { kube->patch_node(name, update, std::move(cb)); },
      [self, md = *md](const kube::node_snapshot& stored) {
        store(self, stored);
        write_addresses(self, stored, md, true);
      },
      init_failed(self));
    return;
  }
  if (addresses_differ(n, *md))
    write_addresses(self, n, *md, false);
}

void lifecycle(self_ptr self, const kube::node_snapshot& n, const vm_match& m) {
  auto& st = self->state;
  auto kube = st.args.kube;
  switch (lifecycle_of(n, m)) {
  case lifecycle_action::none:
    return;
  case lifecycle_action::delete_node: {
    auto it = st.missed_at.find(n.name);
    if (it == st.missed_at.end() || it->second >= st.generation) {
      // Confirm with a read that starts after this one (a VM newer than the inventory).
      st.missed_at.emplace(n.name, st.generation);
      ask_refresh(self);
      return;
    }
    auto msg = "Deleting Node " + n.name + " because its VM does not exist anymore ("
               + m.problem->message + ")";
    spdlog::info("node-duties: {}", msg);
    st.args.events(n, "Normal", "DeletingNode", msg);
    write<caf::unit_t>(
      self, n.name, "deletion",
      [kube, name = n.name, uid = n.uid](auto cb) { kube->delete_node(name, uid, std::move(cb)); },
      [self, name = n.name](const caf::unit_t&) {
        auto& st = self->state;
        ++st.stats.deleted;
        st.args.observer->node_deleted();
        forget(self, name);
        st.missed_at.erase(name);
        st.reported.erase(name);
      });
    return;
  }
  case lifecycle_action::add_shutdown_taint:
  case lifecycle_action::remove_shutdown_taint: {
    bool add = lifecycle_of(n, m) == lifecycle_action::add_shutdown_taint;
    kube::node_update u;
    u.resource_version = n.resource_version;
    u.taints = with_shutdown_taint(n, add);
    spdlog::info("node-duties: Node {}: {} the shutdown taint (VM {})", n.name,
                 add ? "adding" : "removing",
                 m.vm != nullptr ? vcd::vm_status_name(m.vm->vm.status) : std::string{"unknown"});
    write<kube::node_snapshot>(
      self, n.name, add ? "shutdown taint" : "shutdown taint removal",
      [kube, name = n.name, u](auto cb) { kube->patch_node(name, u, std::move(cb)); },
      [self, add](const kube::node_snapshot& stored) {
        auto& st = self->state;
        store(self, stored);
        ++(add ? st.stats.shutdown_tainted : st.stats.shutdown_untainted);
      });
    return;
  }
  }
}

void evaluate(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto it = st.nodes.find(name);
  if (it == st.nodes.end() || st.busy.count(name) != 0 || it->second.deleting)
    return;
  const auto& n = it->second;
  if (!n.provider_id.empty() && vm_id_of_provider_id(n.provider_id).empty())
    return; // another provider's Node
  if (!st.inventory)
    return; // the first inventory re-evaluates every Node
  auto m = find_vm(*st.inventory, n, st.args.vapp_name);
  if (m.vm != nullptr)
    st.missed_at.erase(name);
  if (st.args.cloud_node)
    cloud_node(self, n, m);
  if (st.args.lifecycle && st.busy.count(name) == 0)
    lifecycle(self, n, m);
}

} // namespace

void node_changed(const caf::actor& node_actor, kube::node_snapshot node, bool deleted) {
  caf::anon_send(node_actor, detail::node_event{std::move(node), deleted});
}

caf::behavior node_actor_behavior(caf::stateful_actor<node_actor_state>* self,
                                  node_actor_args args) {
  self->state.args = std::move(args);
  // A stopped actor (leadership lost) counts no Nodes any more.
  self->attach_functor([obs = self->state.args.observer] { obs->nodes_tainted(0, 0); });
  self->send(self->state.args.inventory, subscribe_atom::value, caf::actor{self});
  return {
    [self](detail::node_event& e) {
      auto& st = self->state;
      auto name = e.node.name;
      if (e.deleted) {
        forget(self, name);
        st.missed_at.erase(name);
        st.reported.erase(name);
        return;
      }
      // The informer may deliver a version older than the one a write of ours returned: keep
      // the newer (resourceVersions are opaque, but the API server's are increasing numbers).
      if (auto it = st.nodes.find(name); it != st.nodes.end()) {
        uint64_t have = 0;
        uint64_t got = 0;
        const auto& a = it->second.resource_version;
        const auto& b = e.node.resource_version;
        if (std::from_chars(a.data(), a.data() + a.size(), have).ec == std::errc{}
            && std::from_chars(b.data(), b.data() + b.size(), got).ec == std::errc{} && got < have
            && it->second.uid == e.node.uid)
          return;
      }
      store(self, std::move(e.node));
      evaluate(self, name);
    },
    [self](refresh_atom, inventory_ptr& inv) {
      auto& st = self->state;
      st.inventory = std::move(inv);
      ++st.generation;
      st.refresh_asked = false;
      std::vector<std::string> names;
      names.reserve(st.nodes.size());
      for (const auto& [name, _] : st.nodes)
        names.push_back(name);
      for (const auto& name : names)
        evaluate(self, name);
    },
    [self](resume_atom, detail::node_resume& r) { r.fn(); },
    [self](caf::get_atom) {
      const auto& s = self->state.stats;
      return caf::make_message(s.initialized, s.address_updates, s.deleted, s.shutdown_tainted,
                               s.shutdown_untainted, s.warnings, s.failed_writes);
    },
  };
}

} // namespace vcdlb
