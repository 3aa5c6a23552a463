#pragma once

/// @file protocol/service.hpp
/// @brief The engine's view of a Kubernetes Service: a key and a value snapshot.
///
/// The kube adapter converts API objects into these (an embedding control plane may build them
/// directly). Plain values: copyable, no references to shared state, safe to send between actors.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace vcdlb {

/// Identifies one Service: namespace + name. Ordered and hashable.
struct service_key {
  std::string ns;
  std::string name;

  friend bool operator==(const service_key&, const service_key&) = default;
  friend auto operator<=>(const service_key&, const service_key&) = default;
};

/// "ns/name", as kubectl prints it.
[[nodiscard]] std::string to_string(const service_key& key);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_key& x) {
  return f(caf::meta::type_name("vcdlb::service_key"), x.ns, x.name);
}

/// `spec.type`.
enum class service_type : uint8_t { cluster_ip, node_port, load_balancer, external_name };

/// `spec.ports[].protocol`.
enum class ip_protocol : uint8_t { tcp, udp, sctp };

[[nodiscard]] std::string_view to_string(ip_protocol x) noexcept;

/// One entry of `spec.ports`.
struct service_port {
  std::string name; ///< may be "" for a single unnamed port
  ip_protocol protocol = ip_protocol::tcp;
  int32_t port = 0;         ///< the external (service) port
  int32_t node_port = 0;    ///< 0 = not allocated
  std::string app_protocol; ///< `appProtocol`, "" when unset

  friend bool operator==(const service_port&, const service_port&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_port& x) {
  return f(caf::meta::type_name("vcdlb::service_port"), x.name, x.protocol, x.port, x.node_port,
           x.app_protocol);
}

/// Annotation keys the engine reads.
namespace annotations {
inline constexpr std::string_view ssl_ports = "service.beta.kubernetes.io/vcloud-avi-ssl-ports";
inline constexpr std::string_view ssl_cert_alias =
  "service.beta.kubernetes.io/vcloud-avi-ssl-cert-alias";
inline constexpr std::string_view ssl_no_termination =
  "service.beta.kubernetes.io/vcloud-avi-ssl-no-termination";
/// vcdlb's opt-in IP sharing (MetalLB semantics): Services with the same non-empty key may share
/// one external IP when their (protocol, port) sets are disjoint.
inline constexpr std::string_view allow_shared_ip = "vcdlb.io/allow-shared-ip";
/// The legacy form of `spec.loadBalancerSourceRanges` (comma-separated CIDRs), read when the
/// field is empty.
inline constexpr std::string_view source_ranges =
  "service.beta.kubernetes.io/load-balancer-source-ranges";
} // namespace annotations

/// The values of the annotations above, raw ("" = absent); desired_state validates them.
struct service_annotations {
  std::string ssl_ports;
  std::string ssl_cert_alias;
  std::string ssl_no_termination;
  std::string sharing_key;
  std::string source_ranges;

  friend bool operator==(const service_annotations&, const service_annotations&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_annotations& x) {
  return f(caf::meta::type_name("vcdlb::service_annotations"), x.ssl_ports, x.ssl_cert_alias,
           x.ssl_no_termination, x.sharing_key, x.source_ranges);
}

/// Everything the engine needs from one Service object.
struct service_spec {
  service_key key;
  std::string uid;
  service_type type = service_type::cluster_ip;
  std::string load_balancer_class; ///< "" = nil (Kubernetes rejects an empty class)
  std::string load_balancer_ip;    ///< `spec.loadBalancerIP`, "" when unset
  std::vector<service_port> ports;
  service_annotations annotations;
  bool deletion_requested = false;      ///< `metadata.deletionTimestamp` is set
  bool has_finalizer = false;           ///< carries `service.kubernetes.io/load-balancer-cleanup`
  std::vector<std::string> ingress_ips; ///< `status.loadBalancer.ingress[].ip`
  /// `spec.externalTrafficPolicy: Local`: the pool's members are only the Nodes with a ready
  /// endpoint of the Service (node_set.hpp); false = `Cluster` (the default).
  bool local_traffic_policy = false;
  /// `spec.loadBalancerSourceRanges` as written (actors/source_ranges.hpp reads it).
  std::vector<std::string> load_balancer_source_ranges;

  friend bool operator==(const service_spec&, const service_spec&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_spec& x) {
  return f(caf::meta::type_name("vcdlb::service_spec"), x.key, x.uid, x.type, x.load_balancer_class,
           x.load_balancer_ip, x.ports, x.annotations, x.deletion_requested, x.has_finalizer,
           x.ingress_ips, x.local_traffic_policy, x.load_balancer_source_ranges);
}

/// The finalizer that guards cloud cleanup (same as the reference service controller).
inline constexpr std::string_view lb_cleanup_finalizer =
  "service.kubernetes.io/load-balancer-cleanup";

/// True when vcdlb should serve this Service: `type: LoadBalancer` and either no
/// `loadBalancerClass` or exactly `own_class` (vcdlb's configurable class; "" = none).
[[nodiscard]] bool wants_load_balancer(const service_spec& svc, std::string_view own_class);

/// True when vcdlb must tear down what it created and then drop the finalizer: the finalizer is
/// present and the Service is being deleted or no longer wants a load balancer from us.
[[nodiscard]] bool needs_cleanup(const service_spec& svc, std::string_view own_class);

} // namespace vcdlb

template <>
struct std::hash<vcdlb::service_key> {
  size_t operator()(const vcdlb::service_key& k) const noexcept {
    auto h = std::hash<std::string>{}(k.ns);
    return h ^ (std::hash<std::string>{}(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};
