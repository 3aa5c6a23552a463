#pragma once

/// @file actors/naming.hpp
/// @brief Names of the VCD objects of a Service port, under the upstream provider's scheme and
/// under vcdlb's namespaced one, and the way back from a name to its owner.
///
/// Upstream (`ingress-vs-<svc>-<clusterid>-<port>`, `ingress-pool-...`, `dnat-<vs>`,
/// `appPort_dnat-<vs>`) omits the namespace; names are exact so existing objects are adopted.
///
/// vcdlb's scheme: `<prefix><tag>-<hash>-<ns>.<name>.<port>` with prefix `vcdlb-vs-`,
/// `vcdlb-pool-`, `vcdlb-dnat-`, `vcdlb-app-`; `tag` = 6 hex of a hash of the cluster id,
/// `hash` = 10 hex of a hash of (cluster id, namespace, name). The readable `<ns>.<name>` part is
/// cut when the whole would exceed 128 characters; the port name is always kept, and the hash
/// keeps names of different Services distinct even when the readable part is cut. '.' cannot
/// occur in Kubernetes namespaces, names or port names, so it separates the parts; characters
/// outside [a-z0-9-] are replaced by '_' (the hash still covers the original).
///
/// Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "protocol/lb_objects.hpp"
#include "protocol/service.hpp"

namespace vcdlb::naming {

/// VCD's limit on object names.
inline constexpr size_t max_name_length = 128;

/// The cluster id as upstream embeds it in names: without `urn:vcloud:entity:vmware:` or
/// `urn:vcloud:entity:cse:nativeCluster:` (CAPVCD => `capvcdCluster:<uuid>`).
[[nodiscard]] std::string trim_cluster_id(std::string_view cluster_id);

/// The upstream provider's IP claim marker for a Service, written in the description of its
/// IP Space allocation: `cluster-<trimmed cluster id>-namespace-<ns>-service-<name>`
/// (ip-spaces-rde-traffic.md §1.10). vcdlb writes the same, so each adopts the other's.
[[nodiscard]] std::string ip_claim_marker(std::string_view cluster_id, const service_key& key);
/// The part every marker of this cluster starts with (`cluster-<trimmed id>-namespace-`).
[[nodiscard]] std::string ip_claim_marker_prefix(std::string_view cluster_id);

/// The four object names of one Service port.
struct port_names {
  std::string virtual_service;
  std::string pool;
  std::string dnat_rule;
  std::string app_port_profile;

  friend bool operator==(const port_names&, const port_names&) = default;
};

/// Upstream names (`cluster_id` untrimmed; it is trimmed here). May exceed 128 characters,
/// exactly like upstream; see fits().
[[nodiscard]] port_names upstream_names(std::string_view cluster_id, std::string_view svc_name,
                                        std::string_view port_name);

/// vcdlb's namespaced names; always within max_name_length.
[[nodiscard]] port_names namespaced_names(std::string_view cluster_id, const service_key& key,
                                          std::string_view port_name);

/// The names to create under `scheme`: the upstream scheme falls back to the namespaced one
/// when an upstream name would exceed VCD's limit.
[[nodiscard]] port_names names_for(config::naming_scheme scheme, std::string_view cluster_id,
                                   const service_key& key, std::string_view port_name);

/// True when every name is within max_name_length.
[[nodiscard]] bool fits(const port_names& names) noexcept;

/// 10 lowercase hex digits identifying (cluster id, namespace, name); stable across builds.
[[nodiscard]] std::string service_hash(std::string_view cluster_id, const service_key& key);

/// 6 lowercase hex digits identifying the cluster id.
[[nodiscard]] std::string cluster_tag(std::string_view cluster_id);

/// What an object name says about its owner.
struct parsed_name {
  object_kind kind = object_kind::virtual_service;
  config::naming_scheme scheme = config::naming_scheme::namespaced;
  /// Upstream: "" (the name has no namespace). Namespaced: the namespace when the readable
  /// part was not cut (`complete`), else "".
  std::string ns;
  /// Upstream: the Service name. Namespaced: the name when `complete`, else "".
  std::string service;
  std::string port;         ///< the port name (both schemes; "" for an unnamed port)
  std::string service_hash; ///< namespaced only
  bool complete = false;    ///< namespaced: ns and name were recovered in full

  friend bool operator==(const parsed_name&, const parsed_name&) = default;
};

/// Parses a VS, pool, DNAT rule or app port profile name of this cluster under either scheme.
/// Returns nothing for names of other clusters or of objects vcdlb does not manage.
[[nodiscard]] std::optional<parsed_name> parse(std::string_view object_name,
                                               std::string_view cluster_id);

/// True when an object whose name parsed to `p` belongs to Service `key` of this cluster:
/// namespaced names by their hash, upstream names by the Service name (they carry no namespace).
[[nodiscard]] bool owned_by(const parsed_name& p, std::string_view cluster_id,
                            const service_key& key);

/// The marker vcdlb writes into the description of every object it creates: the full cluster id
/// (`vcdlb-cluster-id=<id>`), so that `vcdlb gc` can tell the owner of an object whose name
/// carries only the cluster's tag. Empty for an empty cluster id.
[[nodiscard]] std::string owner_marker(std::string_view cluster_id);

/// The cluster id of the marker in `description`; "" when there is none.
[[nodiscard]] std::string owner_from_description(std::string_view description);

/// The gateway firewall objects of a Service whose `loadBalancerSourceRanges` restrict its
/// sources (one of each per Service, not per port): IP sets `vcdlb-fws-<tag>-<hash>-<ns>.<name>`
/// (the allowed sources) and `vcdlb-fwv-...` (the Service's VIP), rules `vcdlb-fwa-...` (ALLOW)
/// and `vcdlb-fwd-...` (DROP), and the application port profile `vcdlb-fwp-...` (the Service's
/// ports, so that a VIP shared with other Services is filtered on its own ports only).
/// Always namespaced (the upstream provider has no such objects);
/// within max_name_length; the readable part is cut like namespaced_names' and the hash keeps
/// names of different Services distinct.
struct firewall_names {
  std::string sources;
  std::string vip;
  std::string allow_rule;
  std::string drop_rule;
  std::string ports;

  friend bool operator==(const firewall_names&, const firewall_names&) = default;
};

[[nodiscard]] firewall_names firewall_names_for(std::string_view cluster_id,
                                                const service_key& key);

/// The service hash (service_hash) of the owner of a firewall object name of this cluster;
/// nothing for other clusters' names and names vcdlb does not make.
[[nodiscard]] std::optional<std::string> firewall_owner(std::string_view object_name,
                                                        std::string_view cluster_id);

} // namespace vcdlb::naming
