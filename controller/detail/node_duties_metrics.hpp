#pragma once

/// @file controller/detail/node_duties_metrics.hpp
/// @brief The node duties' observer that feeds their families of runtime/vcdlb_metrics.hpp
/// (docs/metrics.md, "Node duties"): initializations, address updates, deletions, problems by
/// reason, tainted Nodes, and the VM inventory's reads.
///
/// Thread-safety: as the metric families (children are looked up once at construction, except
/// the few problem reasons, which `with` finds under the family's mutex).

#include <chrono>
#include <functional>
#include <memory>

#include "actors/node_duties_observer.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb::detail {

class node_duties_metrics final : public node_duties_observer {
public:
  using wall_clock = std::function<std::chrono::system_clock::time_point()>;

  /// Sets the gauges to 0 (no read yet, no Node known) so every family has samples at once.
  explicit node_duties_metrics(
    std::shared_ptr<const runtime::vcdlb_metrics> metrics,
    wall_clock wall = [] { return std::chrono::system_clock::now(); });

  void inventory_read(bool ok, size_t vms) override;
  void node_initialized(bool ok) override;
  void node_addresses_updated() override;
  void node_deleted() override;
  void node_problem(std::string_view reason) override;
  void nodes_tainted(size_t uninitialized, size_t shutdown) override;

private:
  using counter = std::shared_ptr<runtime::metrics::counter>;
  using gauge = std::shared_ptr<runtime::metrics::gauge>;

  std::shared_ptr<const runtime::vcdlb_metrics> m_;
  wall_clock wall_;
  counter init_ok_, init_failed_, address_updates_, deletions_, reads_ok_, reads_failed_;
  gauge uninitialized_, shutdown_, last_read_, vms_;
};

} // namespace vcdlb::detail
