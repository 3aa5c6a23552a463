#pragma once

/// @file actors/desired_state.hpp
/// @brief What a Service needs on the gateway: a pure function of the Service, the pool
/// members, the settings and the IPs the ip pool assigned (modes A, B, C of DESIGN.md).
///
/// Two steps so that the IP request can be made between them:
///  1. `plan_ports(svc, settings)` validates the Service and decides per port the profile,
///     SSL and health monitor (errors: lb_errc::invalid_service, vcd_errc::unsupported);
///  2. `desired_objects(...)` turns that plan plus IPs and members into object descriptions.
/// Pure functions, thread-safe.

#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "config/config.hpp"
#include "protocol/lb_objects.hpp"
#include "protocol/messages.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

/// The engine-wide inputs of desired state (from the config and the VCD version).
struct engine_settings {
  config::lb_mode mode = config::lb_mode::a;
  std::string cluster_id; ///< untrimmed `clusterid`
  std::string cert_alias; ///< `loadbalancer.certAlias` (already defaulted by config)
  config::naming_scheme naming = config::naming_scheme::namespaced;
  std::string load_balancer_class;  ///< vcdlb's own class; "" = class-less Services only
  bool shared_vip_supported = true; ///< VCD API >= 37.0 (VCD 10.4): modes B and C allowed
};

/// The decisions for one Service port.
struct port_plan {
  std::string name;
  ip_protocol protocol = ip_protocol::tcp;
  int32_t port = 0;
  int32_t node_port = 0;
  app_profile profile = app_profile::l4;
  bool ssl = false;
  bool tcp_health_monitor = false;

  friend bool operator==(const port_plan&, const port_plan&) = default;
};

/// The validated, per-port view of a Service.
struct service_plan {
  std::vector<port_plan> ports; ///< in spec order
  std::string cert_alias;       ///< non-empty iff some port uses SSL
  std::string sharing_key;

  /// (protocol, port) of every port, with an empty IP (for ip_request::listeners).
  [[nodiscard]] std::vector<listener_key> listeners() const;
  /// One-arm IP slots this plan needs in `mode`: none (C), {""} (B), port names (A).
  [[nodiscard]] std::vector<std::string> internal_slots(config::lb_mode mode) const;
};

/// Validates `svc` and decides profile/SSL/monitor per port:
///  - UDP: L4 profile on UDP_FAST_PATH, no SSL, no health monitor; SCTP is refused;
///  - TCP with `vcloud-avi-ssl-no-termination: "true"` (any letter case; other values are
///    accepted and mean "terminate", as upstream): plain L4, appProtocol and SSL ignored;
///  - otherwise `appProtocol` http|https|tcp (case-insensitive) selects HTTP|HTTPS|L4, other
///    values mean L4; a port listed in `vcloud-avi-ssl-ports` gets SSL (L4 becomes L4_TLS);
///    HTTPS always terminates SSL (VCD requires a certificate for it);
///  - every TCP port gets a TCP health monitor;
///  - the cert alias is the annotation, else `settings.cert_alias`; SSL without one is an error.
/// Errors (lb_errc::invalid_service with a message for the Service's Events): no ports,
/// duplicate (protocol, port) or port names, bad port names, ports/NodePorts out of range or
/// missing, bad annotation values, a malformed loadBalancerIP. vcd_errc::unsupported: a shared
/// mode (B, C) on VCD older than API 37.0.
[[nodiscard]] caf::expected<service_plan> plan_ports(const service_spec& svc,
                                                     const engine_settings& settings);

/// The objects the Service needs. `members` are the pool member IPs (sorted, unique);
/// `ips` must hold an internal IP for every slot of plan.internal_slots(settings.mode);
/// `upstream_ports` (sorted) lists the ports whose existing objects carry upstream names and
/// are adopted under those names. Result vectors are sorted by name.
/// Error (lb_errc::ip_unavailable): `ips` lacks the external IP or a slot.
[[nodiscard]] caf::expected<lb_objects>
desired_objects(const service_key& key, const service_plan& plan,
                const std::vector<std::string>& members, const ip_assignment& ips,
                const engine_settings& settings, const std::vector<std::string>& upstream_ports);

} // namespace vcdlb
