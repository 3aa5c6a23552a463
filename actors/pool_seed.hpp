#pragma once

/// @file actors/pool_seed.hpp
/// @brief The ip pool's starting point after a (re)start: the gateway's address space, the
/// addresses used by others, and every Service's reservation rebuilt from its status and from
/// the objects found on the gateway. Built before the pool allocates anything, so existing load
/// balancers keep their IPs and nothing in use is handed out twice. Pure, thread-safe.

#include <string>
#include <vector>

#include "adapters/vcd/types.hpp"
#include "config/config.hpp"
#include "protocol/lb_objects.hpp"
#include "protocol/messages.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

struct seed_inputs {
  const vcd::edge_gateway* gateway = nullptr;      ///< uplink ranges
  const std::vector<vcd::used_ip>* used = nullptr; ///< usedIpAddresses
  std::string vip_subnet;
  ip_range internal_range; ///< oneArm start..end ("" in mode C)
  config::lb_mode mode = config::lb_mode::a;
  std::string cluster_id;
  const lb_objects* ours = nullptr; ///< every object of this cluster on the gateway
  const std::vector<service_spec>* services = nullptr; ///< the Services from the API
  /// IP Spaces: the gateway allocates from them, and this cluster's allocations (marker in
  /// the description) as listed at start (null: none).
  bool ip_spaces = false;
  const std::vector<vcd::ip_allocation>* allocations = nullptr;
};

/// Reservations: per Service that vcdlb serves or still has to clean up, the external IP of its
/// status (else the one its objects use), its one-arm internal IPs (its VSs' VIPs, by port name
/// in mode A, one slot in mode B), its sharing key, and the listeners of its VSs and DNAT
/// rules as claims. Upstream-named objects (no namespace) go to the Service of that name whose
/// status IP they use, else to the first such Service by key. Objects that belong to no known
/// Service keep their addresses out of the pool (used_by_others) until they are cleaned up;
/// those not also used by something other than a VS or DNAT rule are listed in leftover_ips,
/// so the pool frees them once a sweep removed the objects. On an IP Space gateway a Service
/// with no external IP from its status or objects gets the allocation that carries its claim
/// marker (a crash between allocation and the first object keeps the IP); allocations of no
/// known Service are passed on unowned, and the pool releases them.
[[nodiscard]] pool_seed make_pool_seed(const seed_inputs& in, std::string_view own_class);

} // namespace vcdlb
