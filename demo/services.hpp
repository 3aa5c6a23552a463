#pragma once

/// @file demo/services.hpp
/// @brief The Services `vcdlb demo` applies: a fixed set of examples that exercise the
/// features users ask about, plus generated ones for volume. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/kube/types.hpp"

namespace vcdlb::demo {

/// The certificate alias the demo's HTTPS example names; the simulator's built-in scenario
/// has it in the org's certificate library.
inline constexpr const char* demo_cert_alias = "vcdlb-sim-cert";
/// The `vcdlb.io/allow-shared-ip` key of the shared-IP pair.
inline constexpr const char* demo_sharing_key = "demo-pair";
/// The `spec.loadBalancerIP` of the pinned example (inside the simulator's uplink range).
inline constexpr const char* demo_pinned_ip = "203.0.113.200";

/// One Service to apply and what to expect of it besides objects matching the mode.
struct demo_service {
  kube::service_snapshot object; ///< what is POSTed (metadata + spec)
  std::string feature;           ///< one line for the table: what the example shows
  std::string expected_ip;       ///< "" = any IP
  std::string shares_ip_with;    ///< name of the Service that must get the same IP; ""
};

/// The examples, in this order: `web` (HTTP on 80, HTTPS with a certificate on 443 through the
/// upstream SSL annotations), `dns` (UDP 53), `shared-a` and `shared-b` (one IP through
/// `vcdlb.io/allow-shared-ip`, disjoint ports), `pinned` (`spec.loadBalancerIP`); then
/// `generated` Services `gen-001`, `gen-002`, ... with one or two TCP ports. All in namespace
/// "default".
[[nodiscard]] std::vector<demo_service> demo_services(uint32_t generated);

/// "80/TCP,443/TCP" -- the ports of a Service as kubectl prints them.
[[nodiscard]] std::string ports_text(const kube::service_snapshot& svc);

} // namespace vcdlb::demo
