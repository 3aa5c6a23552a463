#pragma once

/// @file demo/report.hpp
/// @brief What `vcdlb demo` shows: per Service its status as the API reports it and the VCD
/// objects the simulator holds for it, whether that is converged for the mode, and the table
/// and progress line built from it. Pure functions over snapshots; thread-safe.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "adapters/kube/types.hpp"
#include "config/config.hpp"
#include "demo/services.hpp"

namespace vcdlb::demo {

/// VCD objects of one Service, by kind.
struct object_counts {
  int virtual_services = 0;
  int pools = 0;
  int dnat_rules = 0;
  int app_port_profiles = 0;

  [[nodiscard]] int total() const noexcept {
    return virtual_services + pools + dnat_rules + app_port_profiles;
  }
  friend bool operator==(const object_counts&, const object_counts&) = default;
};

/// What mode `mode` needs for `ports` ports: C: a virtual service and a pool per port;
/// A and B: also a DNAT rule and an application port profile per port.
[[nodiscard]] object_counts expected_counts(config::lb_mode mode, int ports) noexcept;

/// One line of the table.
struct service_row {
  std::string name; ///< namespace "default" is implied
  std::string feature;
  std::string external_ip; ///< status.loadBalancer.ingress[0].ip, "" when none
  std::string ports;       ///< "80/TCP,443/TCP"
  object_counts objects;
  bool converged = false;
  std::string problem; ///< why not converged ("" when converged)
};

/// Everything observed at one instant.
struct observation {
  std::vector<service_row> rows; ///< in the order of the demo Services
  int foreign_objects = 0;       ///< load-balancer objects of this cluster owned by no demo Service
  int converged = 0;
};

/// Matches the Services as listed by the API (`live`) and the VCD simulator's state
/// (`vcd_dump`, as `vcd::sim::core::dump()` renders it) against `wanted`: a Service is
/// converged when it has an ingress IP, its objects are exactly `expected_counts` for its
/// ports, a requested IP was honoured and a shared-IP partner has the same IP. Objects are
/// attributed to Services by their names (actors/naming.hpp; both naming schemes).
[[nodiscard]] observation observe(const std::vector<demo_service>& wanted,
                                  const std::vector<kube::service_snapshot>& live,
                                  const boost::json::value& vcd_dump, config::lb_mode mode,
                                  std::string_view cluster_id);

/// Remembers when each Service was first seen converged (time since the Services were
/// applied).
class convergence_clock {
public:
  void update(const observation& obs, std::chrono::milliseconds elapsed);
  [[nodiscard]] std::optional<std::chrono::milliseconds>
  converged_after(const std::string& name) const;

private:
  std::map<std::string, std::chrono::milliseconds> at_;
};

/// "[  3.2s] 7/12 Services converged, 31 VCD objects" (no newline).
[[nodiscard]] std::string progress_line(const observation& obs, std::chrono::milliseconds elapsed);

/// The result table: SERVICE, SHOWS, MODE, EXTERNAL-IP, PORTS, VS, POOLS, DNAT, PROFILES,
/// CONVERGED (seconds after apply, or "no: <problem>"), one line per Service, then a summary
/// line. Ends with a newline.
[[nodiscard]] std::string format_table(const observation& obs, config::lb_mode mode,
                                       const convergence_clock& clock);

/// Whether the node duties have initialized `n`: a provider ID and no uninitialized taint.
[[nodiscard]] bool node_initialized(const kube::node_snapshot& n);

/// The Node table: NODE, PROVIDER-ID, INTERNAL-IP, ZONE, TAINTS ("<none>" when empty), one
/// line per Node in name order, then "N/M Nodes initialized". Ends with a newline.
[[nodiscard]] std::string format_node_table(std::vector<kube::node_snapshot> nodes);

} // namespace vcdlb::demo
