#pragma once

/// @file actors/vm_inventory_actor.hpp
/// @brief The one owner of the cluster's VM inventory: the VMs of the cluster's vApp (with
/// `isZoneEnabledCluster`, of every `<vAppName>_<vdc uuid>…` vApp across the zones' VDCs), read
/// in batches — one paged vApp query, then one GET per vApp, which carries all its VMs with their
/// NICs and power status (adapters/vcd/vm_client.hpp) — never one VCD request per Node.
///
/// - Refreshes every `period`, and on demand (`refresh_atom`, e.g. for a Node whose VM is not
///   known yet): requests while a read is in flight join it; on-demand reads are at least
///   `min_interval` apart (a burst of new Nodes costs one read).
/// - Publishes each complete inventory to its subscribers as `(refresh_atom, inventory_ptr)`
///   (a new subscriber gets the current one at once). A failed read (VCD down, a refused
///   query, a vApp GET that fails, the cluster vApp not found) publishes nothing: the last
///   inventory stays the truth, so an outage never looks like deleted VMs. Failures are retried
///   after `retry` (not waiting for the next period).
///
/// Adapter callbacks come back as `resume` messages; time only through the actor clock.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/node_duties.hpp"
#include "actors/node_duties_observer.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "protocol/type_ids.hpp"

namespace vcdlb {

namespace detail {
/// Internal: an adapter completion or an outside event, run in the node actors' context.
struct node_resume {
  std::function<void()> fn;
};
} // namespace detail

} // namespace vcdlb

// Never leave the process: a closure from an adapter callback, and a shared immutable snapshot.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::detail::node_resume)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::inventory_ptr)

namespace vcdlb {

struct vm_inventory_settings {
  std::string vapp_name;      ///< the cloud config's `vAppName`
  bool zones_enabled = false; ///< also `<vAppName>_<vdc uuid>…` vApps (upstream's multi-zone names)
  caf::timespan period = std::chrono::minutes{1};
  caf::timespan min_interval = std::chrono::seconds{10};
  caf::timespan retry = std::chrono::seconds{15};
};

struct vm_inventory_args {
  std::shared_ptr<vcd::vm_client> client;
  vm_inventory_settings settings;
  /// Sees every read that ends.
  std::shared_ptr<node_duties_observer> observer = std::make_shared<node_duties_observer>();
};

/// Counters for tests, metrics and the docs' request figures.
struct vm_inventory_stats {
  uint64_t reads = 0; ///< complete reads published
  uint64_t failed_reads = 0;
  uint64_t vcd_requests = 0; ///< vApp queries (each all pages, counted once) and vApp GETs
  uint64_t on_demand = 0;    ///< refresh_atom requests received
};

struct vm_inventory_state {
  vm_inventory_args args;
  inventory_ptr current;
  std::vector<caf::actor> subscribers;
  bool reading = false;
  bool again = false; ///< an on-demand request arrived during the read
  bool demand_scheduled = false;
  caf::actor_clock::time_point last_start{};
  bool started = false;
  uint64_t generation = 0; ///< of the periodic timer (a refresh re-arms it)
  vm_inventory_stats stats;
  static constexpr const char* name = "vm-inventory";
};

/// Spawn with `sys.spawn(vm_inventory_behavior, args)`. Messages: `refresh_atom` (on demand),
/// `(subscribe_atom, actor)`, `get_atom` -> `(uint64_t reads, uint64_t failed_reads,
/// uint64_t vcd_requests, uint64_t on_demand)`.
caf::behavior vm_inventory_behavior(caf::stateful_actor<vm_inventory_state>* self,
                                    vm_inventory_args args);

/// Whether a vApp belongs to the cluster: its name is `vapp_name`, or with zones
/// `<vapp_name>_<uuid of its VDC>` optionally followed by more (upstream's multi-zone rule).
[[nodiscard]] bool is_cluster_vapp(const vcd::vapp_record& r, const vm_inventory_settings& s);

} // namespace vcdlb
