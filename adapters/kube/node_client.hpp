#pragma once

/// @file adapters/kube/node_client.hpp
/// @brief The Node writes of the cloud provider's node duties (nodes-and-legacy-api.md §1.6):
/// provider ID, labels and taints in one strategic merge patch, the addresses on the status
/// subresource, and deletion. Implementations: `beast_client` and `fake_client`.
///
/// Same contract as `client` (adapters/kube/client.hpp): `done` is called exactly once, never
/// inside the call; API errors are kube_errc (404 not_found, 409 conflict, 422 invalid).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kube/client.hpp"
#include "caf/unit.hpp"

namespace vcdlb::kube {

/// Well-known keys (nodes-and-legacy-api.md §1.2).
inline constexpr std::string_view taint_uninitialized =
  "node.cloudprovider.kubernetes.io/uninitialized";
inline constexpr std::string_view taint_shutdown = "node.cloudprovider.kubernetes.io/shutdown";
inline constexpr std::string_view label_zone = "topology.kubernetes.io/zone";
inline constexpr std::string_view label_zone_beta = "failure-domain.beta.kubernetes.io/zone";
inline constexpr std::string_view label_region = "topology.kubernetes.io/region";
inline constexpr std::string_view label_region_beta = "failure-domain.beta.kubernetes.io/region";
inline constexpr std::string_view label_instance_type = "node.kubernetes.io/instance-type";
inline constexpr std::string_view label_instance_type_beta = "beta.kubernetes.io/instance-type";

/// A change of one Node's `spec` and `metadata`, written as one strategic merge patch
/// (`PATCH /api/v1/nodes/{name}`, `application/strategic-merge-patch+json`).
struct node_update {
  /// Precondition: the patch carries `metadata.resourceVersion`, so the server answers 409
  /// when the Node changed since it was read. "" = unconditional.
  std::string resource_version;
  std::optional<std::string> provider_id;    ///< sets `spec.providerID`
  std::map<std::string, std::string> labels; ///< added or overwritten
  /// The whole new `spec.taints` (the list has no merge key, so a patch replaces it); an
  /// empty list clears it (`null`, as upstream's taint helper writes).
  std::optional<std::vector<node_taint>> taints;
};

/// The JSON body of `node_update`.
[[nodiscard]] std::string encode_node_update(const node_update& u);

/// The JSON body replacing `status.addresses` (strategic merge patch; `$patch: replace` so
/// addresses of the old list that are not in the new one go away). Entries are written in
/// order; `hostname` (when not empty) is appended as a `Hostname` address.
[[nodiscard]] std::string encode_node_addresses(const std::vector<node_address>& addresses,
                                                const std::string& hostname);

/// The DeleteOptions body with the precondition `uid` ("" when `uid` is empty).
[[nodiscard]] std::string encode_node_delete_options(const std::string& uid);

class node_client {
public:
  virtual ~node_client() = default;

  /// Applies `u`; returns the stored Node.
  virtual void patch_node(std::string name, node_update u, callback<node_snapshot> done) = 0;

  /// `PATCH /api/v1/nodes/{name}/status` replacing `status.addresses` (see
  /// encode_node_addresses); returns the stored Node.
  virtual void patch_node_addresses(std::string name, std::vector<node_address> addresses,
                                    std::string hostname, callback<node_snapshot> done) = 0;

  /// `DELETE /api/v1/nodes/{name}` with the precondition `uid` (409 conflict when the name now
  /// belongs to another Node, e.g. a kubelet that registered again). not_found when gone.
  virtual void delete_node(std::string name, std::string uid, callback<caf::unit_t> done) = 0;
};

using node_client_ptr = std::shared_ptr<node_client>;

} // namespace vcdlb::kube
