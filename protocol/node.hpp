#pragma once

/// @file protocol/node.hpp
/// @brief The engine's view of a Kubernetes Node and the predicate that makes it a backend.
///
/// Plain values, safe to send between actors.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace vcdlb {

/// The fields of a Node that decide whether it serves load-balancer traffic.
struct node_description {
  std::string name;
  bool deletion_requested = false; ///< `metadata.deletionTimestamp` is set
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> taint_keys; ///< `spec.taints[].key`
  /// `status.addresses` in API order as (type, address), e.g. ("InternalIP", "10.0.0.4").
  std::vector<std::pair<std::string, std::string>> addresses;

  friend bool operator==(const node_description&, const node_description&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_description& x) {
  return f(caf::meta::type_name("vcdlb::node_description"), x.name, x.deletion_requested, x.labels,
           x.taint_keys, x.addresses);
}

/// A Node reduced to what pool membership needs.
struct node_info {
  std::string name;
  std::string internal_ip; ///< the first InternalIP, "" when the node has none
  bool eligible = false;   ///< passes is_eligible_backend()

  friend bool operator==(const node_info&, const node_info&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("vcdlb::node_info"), x.name, x.internal_ip, x.eligible);
}

/// Well-known node labels and taints.
namespace node_keys {
inline constexpr const char* exclude_from_lb =
  "node.kubernetes.io/exclude-from-external-load-balancers";
inline constexpr const char* control_plane = "node-role.kubernetes.io/control-plane";
inline constexpr const char* to_be_deleted_taint = "ToBeDeletedByClusterAutoscaler";
/// Put on a Node by a kubelet started with `--cloud-provider=external`; a cloud provider's
/// cloud-node duty removes it once the Node's provider ID and addresses are set.
inline constexpr const char* uninitialized_taint = "node.cloudprovider.kubernetes.io/uninitialized";
} // namespace node_keys

/// The backend predicate: not being deleted; no exclude-from-external-load-balancers label
/// unless its value parses (Go `strconv.ParseBool`) as false; no ToBeDeletedByClusterAutoscaler
/// taint; not uninitialized (its addresses are not the cloud's yet); no control-plane role label
/// (any value, as the upstream VCD provider does). Readiness is deliberately ignored (KEP-3458):
/// Avi health monitors decide liveness.
[[nodiscard]] bool is_eligible_backend(const node_description& node);

/// The first address of type InternalIP, or "".
[[nodiscard]] std::string first_internal_ip(const node_description& node);

/// name + first InternalIP + predicate.
[[nodiscard]] node_info summarize(const node_description& node);

/// The pool member addresses for a node list: the InternalIPs of eligible nodes that have one,
/// sorted and de-duplicated (deterministic, unlike the upstream provider's map order).
[[nodiscard]] std::vector<std::string> member_ips(const std::vector<node_info>& nodes);

} // namespace vcdlb
