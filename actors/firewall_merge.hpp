#pragma once

/// @file actors/firewall_merge.hpp
/// @brief vcdlb's firewall rules inside an edge gateway's user-defined rule list, which VCD
/// only replaces as a whole (ip-spaces-rde-traffic.md §4.3): the merge that writes vcdlb's rules
/// without changing or reordering anyone else's, and the check of a re-read after the write.
///
/// Placement: vcdlb's rules form one block at the top of the user-defined list, in the order
/// given; the other owners' rules follow exactly as read (content, ids, versions) and in their
/// order. vcdlb's rules only match the VIPs of its Services as destination, so being first
/// changes nothing for other traffic, and it is the only place where a DROP for a VIP takes
/// effect whatever broader ALLOW another owner keeps below it.
///
/// Pure functions, thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "adapters/vcd/types.hpp"

namespace vcdlb::firewall {

/// Tells vcdlb's rules (of this cluster) from everyone else's, by name.
using is_ours_fn = std::function<bool(const vcd::firewall_rule&)>;

/// True when two rules do the same: every field but id and version, references by id only
/// (VCD fills in their names on reads).
[[nodiscard]] bool same_rule(const vcd::firewall_rule& a, const vcd::firewall_rule& b);

/// The list to write: `ours` (all of vcdlb's rules for the gateway, in enforcement order; ids
/// and versions are ignored) on top, then every rule of `current` (the list as just read) that
/// `is_ours` rejects, unchanged and in order. A rule of ours keeps the id and version of the
/// first rule of ours in `current` with its name (an update, or nothing when it is the same);
/// rules of ours in `current` that `ours` does not name are left out (VCD deletes them), and
/// so are later duplicates of a name.
[[nodiscard]] std::vector<vcd::firewall_rule> merge(const std::vector<vcd::firewall_rule>& current,
                                                    const std::vector<vcd::firewall_rule>& ours,
                                                    const is_ours_fn& is_ours);

/// True when writing `merged` would change `current` (a rule added, removed, moved or edited).
[[nodiscard]] bool differs(const std::vector<vcd::firewall_rule>& current,
                           const std::vector<vcd::firewall_rule>& merged);

/// What a re-read after a write shows.
struct verdict {
  /// vcdlb's rules are exactly `ours`, in order, on top of the list.
  bool ours_in_place = false;
  /// Ids of other owners' rules that were in the list written and are gone now (a concurrent
  /// writer deleted them after our write; vcdlb never does).
  std::vector<std::string> others_gone;
  friend bool operator==(const verdict&, const verdict&) = default;
};

/// Compares `after` (read after the write) with `written` (the merged list sent) and `ours`.
[[nodiscard]] verdict verify(const std::vector<vcd::firewall_rule>& after,
                             const std::vector<vcd::firewall_rule>& written,
                             const std::vector<vcd::firewall_rule>& ours,
                             const is_ours_fn& is_ours);

} // namespace vcdlb::firewall
