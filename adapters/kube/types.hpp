#pragma once

/// @file adapters/kube/types.hpp
/// @brief Typed snapshots of the Kubernetes objects vcdlb reads and writes: only the fields the
/// engine uses. Plain values (default-constructible, copyable, comparable, CAF-inspectable) so
/// they can travel in actor messages. No I/O; header-only so `protocol/` may include it.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "caf/actor_system_config.hpp"
#include "caf/meta/type_name.hpp"

namespace vcdlb::kube {

/// The finalizer a load-balancer controller adds before it creates cloud objects and removes
/// after they are gone (`kubernetes/cloud-provider` service/helpers LoadBalancerCleanupFinalizer).
inline constexpr std::string_view load_balancer_cleanup_finalizer =
  "service.kubernetes.io/load-balancer-cleanup";

/// Node label that removes a node from load-balancer backends (value parsed as a bool).
inline constexpr std::string_view exclude_from_lb_label =
  "node.kubernetes.io/exclude-from-external-load-balancers";

/// Taint the cluster autoscaler puts on nodes it is about to delete.
inline constexpr std::string_view to_be_deleted_taint = "ToBeDeletedByClusterAutoscaler";

/// Node annotation the kubelet sets when started with `--node-ip` and an external cloud
/// provider: the cloud provider must find this exact IP among the instance's addresses
/// (nodes-and-legacy-api.md §1.2, §1.3 (b)).
inline constexpr std::string_view provided_node_ip_annotation =
  "alpha.kubernetes.io/provided-node-ip";

/// EndpointSlice label naming the owning Service.
inline constexpr std::string_view service_name_label = "kubernetes.io/service-name";

/// Event reasons of the reference service controller (peers.md 1.4).
namespace reasons {
inline constexpr std::string_view ensuring_load_balancer = "EnsuringLoadBalancer";
inline constexpr std::string_view ensured_load_balancer = "EnsuredLoadBalancer";
inline constexpr std::string_view sync_load_balancer_failed = "SyncLoadBalancerFailed";
inline constexpr std::string_view deleting_load_balancer = "DeletingLoadBalancer";
inline constexpr std::string_view deleted_load_balancer = "DeletedLoadBalancer";
inline constexpr std::string_view delete_load_balancer_failed = "DeleteLoadBalancerFailed";
inline constexpr std::string_view updated_load_balancer = "UpdatedLoadBalancer";
inline constexpr std::string_view update_load_balancer_failed = "UpdateLoadBalancerFailed";
inline constexpr std::string_view unavailable_load_balancer = "UnAvailableLoadBalancer";
} // namespace reasons

// -- keys ------------------------------------------------------------------------------------

/// Identifies a namespaced object (Service, EndpointSlice, Lease, Event).
struct service_key {
  std::string ns;
  std::string name;

  friend bool operator==(const service_key&, const service_key&) = default;
  friend auto operator<=>(const service_key&, const service_key&) = default;
};

/// "ns/name", as kubectl and client-go print keys.
inline std::string to_string(const service_key& k) {
  return k.ns + "/" + k.name;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_key& x) {
  return f(caf::meta::type_name("vcdlb::kube::service_key"), x.ns, x.name);
}

// -- Service ---------------------------------------------------------------------------------

/// One entry of `spec.ports`.
struct service_port {
  std::string name;
  std::string protocol = "TCP"; ///< "TCP" | "UDP" | "SCTP" (server default TCP)
  int32_t port = 0;
  int32_t node_port = 0; ///< 0 when the apiserver allocated none
  std::string app_protocol;

  friend bool operator==(const service_port&, const service_port&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_port& x) {
  return f(caf::meta::type_name("vcdlb::kube::service_port"), x.name, x.protocol, x.port,
           x.node_port, x.app_protocol);
}

/// One entry of `status.loadBalancer.ingress[].ports`.
struct port_status {
  int32_t port = 0;
  std::string protocol = "TCP";
  std::string error; ///< "" when absent

  friend bool operator==(const port_status&, const port_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, port_status& x) {
  return f(caf::meta::type_name("vcdlb::kube::port_status"), x.port, x.protocol, x.error);
}

/// One entry of `status.loadBalancer.ingress`.
struct lb_ingress {
  std::string ip;
  std::string hostname;
  std::string
    ip_mode; ///< "" (absent, the server defaults it to "VIP" when ip is set) | "VIP" | "Proxy"
  std::vector<port_status> ports;

  friend bool operator==(const lb_ingress&, const lb_ingress&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lb_ingress& x) {
  return f(caf::meta::type_name("vcdlb::kube::lb_ingress"), x.ip, x.hostname, x.ip_mode, x.ports);
}

/// `status.loadBalancer.ingress` compared the way the apiserver stores it: an entry with an `ip`
/// and no `ipMode` equals the same entry with `ipMode: VIP` (kubernetes-api.md 2.3), so a
/// controller does not patch forever.
[[nodiscard]] inline bool same_ingress(const std::vector<lb_ingress>& a,
                                       const std::vector<lb_ingress>& b) {
  if (a.size() != b.size())
    return false;
  auto mode = [](const lb_ingress& x) -> std::string_view {
    if (x.ip_mode.empty() && !x.ip.empty())
      return "VIP";
    return x.ip_mode;
  };
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ip != b[i].ip || a[i].hostname != b[i].hostname || mode(a[i]) != mode(b[i])
        || a[i].ports != b[i].ports)
      return false;
  }
  return true;
}

/// What the engine needs of a core/v1 Service.
struct service_snapshot {
  std::string ns;
  std::string name;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  bool deleting = false;          ///< `metadata.deletionTimestamp` is set
  std::string deletion_timestamp; ///< RFC 3339, "" when not deleting
  std::vector<std::string> finalizers;
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> labels;
  std::string type;                ///< "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
  std::string load_balancer_class; ///< "" when unset (a set class is never empty)
  std::string load_balancer_ip;    ///< deprecated `spec.loadBalancerIP`, "" when unset
  std::vector<service_port> ports;
  std::string external_traffic_policy; ///< "Cluster" | "Local" | "" (unset)
  int32_t health_check_node_port = 0;
  std::vector<std::string> load_balancer_source_ranges;
  std::vector<lb_ingress> ingress; ///< `status.loadBalancer.ingress`

  [[nodiscard]] service_key key() const { return {ns, name}; }
  [[nodiscard]] bool has_finalizer(std::string_view f) const {
    for (const auto& x : finalizers)
      if (x == f)
        return true;
    return false;
  }

  friend bool operator==(const service_snapshot&, const service_snapshot&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_snapshot& x) {
  return f(caf::meta::type_name("vcdlb::kube::service_snapshot"), x.ns, x.name, x.uid,
           x.resource_version, x.generation, x.deleting, x.deletion_timestamp, x.finalizers,
           x.annotations, x.labels, x.type, x.load_balancer_class, x.load_balancer_ip, x.ports,
           x.external_traffic_policy, x.health_check_node_port, x.load_balancer_source_ranges,
           x.ingress);
}

// -- Node ------------------------------------------------------------------------------------

struct node_taint {
  std::string key;
  std::string value;
  std::string effect; ///< "NoSchedule" | "PreferNoSchedule" | "NoExecute"

  friend bool operator==(const node_taint&, const node_taint&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_taint& x) {
  return f(caf::meta::type_name("vcdlb::kube::node_taint"), x.key, x.value, x.effect);
}

struct node_address {
  std::string type; ///< "InternalIP" | "ExternalIP" | "Hostname" | "InternalDNS" | "ExternalDNS"
  std::string address;

  friend bool operator==(const node_address&, const node_address&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_address& x) {
  return f(caf::meta::type_name("vcdlb::kube::node_address"), x.type, x.address);
}

/// What the engine needs of a core/v1 Node (cluster-scoped: no namespace).
struct node_snapshot {
  std::string name;
  std::string uid;
  std::string resource_version;
  bool deleting = false; ///< `metadata.deletionTimestamp` is set
  std::map<std::string, std::string> labels;
  std::vector<node_taint> taints;
  bool unschedulable = false;
  std::vector<node_address> addresses; ///< InternalIP/ExternalIP entries only, in server order
  std::string ready; ///< Ready condition status: "True" | "False" | "Unknown" | ""
  std::string provider_id;
  std::string provided_node_ip; ///< the `alpha.kubernetes.io/provided-node-ip` annotation, or ""

  /// The first address of `type` ("InternalIP"), or "".
  [[nodiscard]] std::string first_address(std::string_view type) const {
    for (const auto& a : addresses)
      if (a.type == type)
        return a.address;
    return {};
  }

  friend bool operator==(const node_snapshot&, const node_snapshot&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_snapshot& x) {
  return f(caf::meta::type_name("vcdlb::kube::node_snapshot"), x.name, x.uid, x.resource_version,
           x.deleting, x.labels, x.taints, x.unschedulable, x.addresses, x.ready, x.provider_id,
           x.provided_node_ip);
}

// -- EndpointSlice ---------------------------------------------------------------------------

struct endpoint {
  std::vector<std::string> addresses;
  bool ready = false; ///< conditions.ready (absent counts as ready, like the API says)
  bool serving = false;
  bool terminating = false;
  std::string node_name;

  friend bool operator==(const endpoint&, const endpoint&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint& x) {
  return f(caf::meta::type_name("vcdlb::kube::endpoint"), x.addresses, x.ready, x.serving,
           x.terminating, x.node_name);
}

struct endpoint_port {
  std::string name;
  std::string protocol = "TCP";
  int32_t port = 0;

  friend bool operator==(const endpoint_port&, const endpoint_port&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_port& x) {
  return f(caf::meta::type_name("vcdlb::kube::endpoint_port"), x.name, x.protocol, x.port);
}

/// A discovery.k8s.io/v1 EndpointSlice, reduced to where a Service's endpoints run.
struct endpoint_slice_snapshot {
  std::string ns;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string service_name; ///< label kubernetes.io/service-name, "" when absent
  std::string address_type; ///< "IPv4" | "IPv6" | "FQDN"
  std::vector<endpoint> endpoints;
  std::vector<endpoint_port> ports;

  [[nodiscard]] service_key service() const { return {ns, service_name}; }

  friend bool operator==(const endpoint_slice_snapshot&, const endpoint_slice_snapshot&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_slice_snapshot& x) {
  return f(caf::meta::type_name("vcdlb::kube::endpoint_slice_snapshot"), x.ns, x.name, x.uid,
           x.resource_version, x.service_name, x.address_type, x.endpoints, x.ports);
}

// -- Lease -----------------------------------------------------------------------------------

/// A coordination.k8s.io/v1 Lease (leader-election record).
struct lease {
  std::string ns;
  std::string name;
  std::string resource_version; ///< "" on create
  std::string holder_identity;  ///< "" when released
  int32_t lease_duration_seconds = 0;
  std::string acquire_time; ///< MicroTime "2024-05-01T10:00:00.000000Z", "" when unset
  std::string renew_time;   ///< MicroTime, "" when unset
  int32_t lease_transitions = 0;

  friend bool operator==(const lease&, const lease&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease& x) {
  return f(caf::meta::type_name("vcdlb::kube::lease"), x.ns, x.name, x.resource_version,
           x.holder_identity, x.lease_duration_seconds, x.acquire_time, x.renew_time,
           x.lease_transitions);
}

// -- Event -----------------------------------------------------------------------------------

struct object_reference {
  std::string kind; ///< "Service", "Node"
  std::string ns;   ///< "" for cluster-scoped objects
  std::string name;
  std::string uid;
  std::string api_version = "v1";
  std::string resource_version;

  friend bool operator==(const object_reference&, const object_reference&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object_reference& x) {
  return f(caf::meta::type_name("vcdlb::kube::object_reference"), x.kind, x.ns, x.name, x.uid,
           x.api_version, x.resource_version);
}

/// The reference to a Service, as Events name it.
inline object_reference reference_to(const service_snapshot& s) {
  return {"Service", s.ns, s.name, s.uid, "v1", s.resource_version};
}

enum class event_type : uint8_t { normal, warning };

/// "Normal" | "Warning", as the API spells them.
inline std::string to_string(event_type t) {
  return t == event_type::warning ? "Warning" : "Normal";
}

/// A core/v1 Event.
struct event {
  std::string ns; ///< the involved object's namespace, "default" for cluster-scoped objects
  std::string name;
  std::string resource_version;
  object_reference involved_object;
  std::string reason;
  std::string message;
  event_type type = event_type::normal;
  std::string source_component;
  std::string source_host;
  std::string first_timestamp; ///< RFC 3339, second precision
  std::string last_timestamp;
  int32_t count = 1;

  friend bool operator==(const event&, const event&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("vcdlb::kube::event"), x.ns, x.name, x.resource_version,
           x.involved_object, x.reason, x.message, x.type, x.source_component, x.source_host,
           x.first_timestamp, x.last_timestamp, x.count);
}

// -- registration ----------------------------------------------------------------------------

/// Registers the snapshot types with an actor system config (idempotent per config).
inline void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<service_key>("vcdlb::kube::service_key");
  cfg.add_message_type<service_snapshot>("vcdlb::kube::service_snapshot");
  cfg.add_message_type<node_snapshot>("vcdlb::kube::node_snapshot");
  cfg.add_message_type<endpoint_slice_snapshot>("vcdlb::kube::endpoint_slice_snapshot");
  cfg.add_message_type<lease>("vcdlb::kube::lease");
  cfg.add_message_type<event>("vcdlb::kube::event");
  cfg.add_message_type<lb_ingress>("vcdlb::kube::lb_ingress");
}

} // namespace vcdlb::kube

template <>
struct std::hash<vcdlb::kube::service_key> {
  size_t operator()(const vcdlb::kube::service_key& k) const noexcept {
    auto h = std::hash<std::string>{}(k.ns);
    return h ^ (std::hash<std::string>{}(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};
