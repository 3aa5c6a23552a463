#pragma once

/// @file actors/detail/vcd_convert.hpp
/// @brief Between the vcd adapter's wire-shaped values and the engine's object descriptions.
/// Pure functions, thread-safe.

#include <string>

#include "adapters/vcd/types.hpp"
#include "protocol/lb_objects.hpp"

namespace vcdlb::detail {

/// Where objects are created: the edge gateway, the org, and the VDC that scopes app port
/// profiles (`contextEntityId`).
struct gateway_context {
  vcd::entity_ref gateway;
  vcd::entity_ref org;
  std::string vdc_id;
  /// The cluster id written into the description of every object (naming::owner_marker) so
  /// that `vcdlb gc` can establish the owner; "" writes no marker. Descriptions are not
  /// compared for drift: objects adopted without a marker are not rewritten for it.
  std::string cluster_id;
};

/// True for VCD's `status` of an object it could not realize (it must be replaced).
[[nodiscard]] bool realization_failed(const std::string& status);

[[nodiscard]] virtual_service_desc to_desc(const vcd::virtual_service_summary& x);
/// A pool with its details (members, monitors).
[[nodiscard]] pool_desc to_desc(const vcd::pool& x);
/// `protocol` comes from the rule's app port profile (the rule itself does not say).
[[nodiscard]] dnat_rule_desc to_desc(const vcd::nat_rule& x, ip_protocol protocol);
[[nodiscard]] app_port_profile_desc to_desc(const vcd::app_port_profile& x);

/// The pool body vcdlb sends: ROUND_ROBIN, graceful timeout 0, every member on the NodePort,
/// one TCP monitor when asked for.
[[nodiscard]] vcd::pool to_vcd(const pool_desc& x, const gateway_context& ctx);
/// The virtual service body; `pool`, `seg` and `certificate` are resolved references.
[[nodiscard]] vcd::virtual_service to_vcd(const virtual_service_desc& x, const gateway_context& ctx,
                                          vcd::entity_ref pool, vcd::entity_ref seg,
                                          vcd::entity_ref certificate);
/// The DNAT rule body; `version` is -1 on create; `cluster_id` as in gateway_context.
[[nodiscard]] vcd::nat_rule to_vcd(const dnat_rule_desc& x, vcd::entity_ref profile,
                                   int64_t version, std::string_view cluster_id = {});
[[nodiscard]] vcd::app_port_profile to_vcd(const app_port_profile_desc& x,
                                           const gateway_context& ctx);

} // namespace vcdlb::detail
