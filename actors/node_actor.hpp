#pragma once

/// @file actors/node_actor.hpp
/// @brief The cloud provider's node duties on the Nodes the informer reports and the VM
/// inventory (actors/vm_inventory_actor.hpp) publishes; decisions in actors/node_duties.hpp.
///
/// cloud-node (upstream's cloud-node controller, nodes-and-legacy-api.md §1.3):
/// - a Node with the `uninitialized` taint gets its provider ID (only if it has none), zone
///   labels, the taint removed (one patch, conditional on its resourceVersion), then its
///   addresses (`/status`), and a Normal `Synced` Event;
/// - an initialized Node of ours whose VM's addresses changed gets them rewritten.
///
/// cloud-node-lifecycle (upstream's lifecycle controller, §1.4; lifecycle_of):
/// - a Node whose VM is gone is deleted (Normal `DeletingNode` Event first; uid precondition),
///   but only once a VM read that started after the VM was first missed confirms it: a read
///   fails as a whole (no inventory is published), so an outage never deletes a Node;
/// - a Node not Ready whose VM is not powered on gets the `shutdown` taint; it goes when the VM is
///   powered on again or the Node is Ready.
///
/// Bad input (no VM, two VMs of the Node's name, no NIC with an address on the cluster
/// network, an unusable zones file, a kubelet `--node-ip` that is not the VM's) leaves the Node as
/// it is, with one Warning Event per distinct problem and a log line. A Node whose VM is not known
/// yet makes the inventory read again (on demand, coalesced) before it is reported.
///
/// One write per Node at a time; a write that fails (409 included) is not retried blindly: the
/// Node is looked at again on its next change or the next inventory. Work per inventory is
/// O(Nodes); per Node event O(log Nodes).

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "actors/node_duties.hpp"
#include "actors/node_duties_observer.hpp"
#include "actors/vm_inventory_actor.hpp"
#include "adapters/kube/node_client.hpp"

namespace vcdlb {

namespace detail {
/// Internal: a Node added, changed or deleted, as the informer reports it.
struct node_event {
  kube::node_snapshot node;
  bool deleted = false;
};
} // namespace detail

} // namespace vcdlb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::detail::node_event)

namespace vcdlb {

/// Receives the Events the duties emit about a Node: type "Normal" or "Warning", reason,
/// message. Must not block.
using node_event_sink = std::function<void(const kube::node_snapshot& node, const std::string& type,
                                           const std::string& reason, const std::string& message)>;

struct node_actor_args {
  std::shared_ptr<kube::node_client> kube;
  caf::actor inventory; ///< a vm_inventory_behavior actor
  std::string vapp_name;
  node_duty_settings settings;
  bool cloud_node = true;
  bool lifecycle = true;
  node_event_sink events = [](const kube::node_snapshot&, const std::string&, const std::string&,
                              const std::string&) {};
  /// Sees initializations, address updates, deletions, problems, taint counts (0 once the actor is
  /// gone).
  std::shared_ptr<node_duties_observer> observer = std::make_shared<node_duties_observer>();
};

struct node_actor_stats {
  uint64_t initialized = 0;
  uint64_t address_updates = 0;
  uint64_t deleted = 0;
  uint64_t shutdown_tainted = 0;
  uint64_t shutdown_untainted = 0;
  uint64_t warnings = 0;
  uint64_t failed_writes = 0;
};

struct node_actor_state {
  node_actor_args args;
  std::map<std::string, kube::node_snapshot> nodes;
  inventory_ptr inventory;
  uint64_t generation = 0;                   ///< of `inventory` (1 = the first)
  std::set<std::string> busy;                ///< Nodes with a write in flight
  std::map<std::string, uint64_t> missed_at; ///< Node -> generation its VM was first missed in
  std::map<std::string, node_problem> reported;
  bool refresh_asked = false; ///< an on-demand read was asked for since the last inventory
  size_t uninitialized = 0;   ///< Nodes in `nodes` with the uninitialized taint
  size_t shutdown = 0;        ///< Nodes in `nodes` with the shutdown taint
  node_actor_stats stats;
  static constexpr const char* name = "node-duties";
};

/// Spawn with `sys.spawn(node_actor_behavior, args)`; it subscribes to the inventory actor.
/// Feed it `detail::node_event`s (see `node_changed`). `get_atom` -> `(initialized,
/// address_updates, deleted, shutdown_tainted, shutdown_untainted, warnings, failed_writes)`.
caf::behavior node_actor_behavior(caf::stateful_actor<node_actor_state>* self,
                                  node_actor_args args);

/// Tells the node actor about a Node (any thread).
void node_changed(const caf::actor& node_actor, kube::node_snapshot node, bool deleted);

} // namespace vcdlb
