#pragma once

/// @file actors/node_duties_observer.hpp
/// @brief What the node duties' actors (actors/vm_inventory_actor.hpp, actors/node_actor.hpp)
/// report as they work, so metrics can be kept outside them. Every hook defaults to doing
/// nothing.
///
/// Thread-safety: hooks are called from actor threads; implementations must be thread-safe,
/// cheap and must never block.

#include <cstddef>
#include <string_view>

namespace vcdlb {

class node_duties_observer {
public:
  virtual ~node_duties_observer() = default;

  // -- VM inventory actor ---------------------------------------------------------------------

  /// A read of the cluster's VMs ended: `ok` with the number of VMs it found (and published),
  /// or failed (nothing published, the last inventory stays).
  virtual void inventory_read(bool /*ok*/, size_t /*vms*/) {}

  // -- node actor -----------------------------------------------------------------------------

  /// The initialization of an uninitialized Node ended: `ok` when both of its writes (spec,
  /// then status) succeeded, else a write failed (the Node is looked at again later).
  virtual void node_initialized(bool /*ok*/) {}
  /// An initialized Node's addresses were rewritten because its VM's NICs changed.
  virtual void node_addresses_updated() {}
  /// A Node was deleted because its VM is gone.
  virtual void node_deleted() {}
  /// A Node was left as it is for `reason` (the Warning Event's reason, e.g. "VMNotFound");
  /// once per distinct problem, as the Warning.
  virtual void node_problem(std::string_view /*reason*/) {}
  /// The Nodes the duties know that carry the `uninitialized` / `shutdown` taint, after every
  /// change of either number.
  virtual void nodes_tainted(size_t /*uninitialized*/, size_t /*shutdown*/) {}
};

} // namespace vcdlb
