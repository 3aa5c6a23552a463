#pragma once

/// @file actors/rde/cpi_status.hpp
/// @brief The `status.cpi` part of a CAPVCD cluster's runtime defined entity, as the upstream
/// cloud provider writes it (reference ip-spaces-rde-traffic.md §2.4-2.5): what a cluster id
/// is, which entity types carry it, and how one write changes an entity body.
///
/// `status.cpi` = `{name, version, vcdResourceSet[], eventSet[], errorSet[], ...}`:
/// - `vcdResourceSet` items `{type, id, name, additionalDetails}` with the types
///   `virtual-service` (additionalDetails `{"virtualIP": <external IP>}`), `lb-pool`,
///   `dnat-rule`, `app-port-profile`. vcdlb makes the items of this cluster's objects equal to
///   what is on the gateway: it adds what exists, drops what does not (also the stale items an
///   earlier upstream provider left) and keeps items it cannot attribute to this cluster.
/// - `eventSet` / `errorSet` items `{name, occurredAt, vcdResourceId, vcdResourceName,
///   additionalDetails: {"Detailed Event"|"Detailed Error": text}}`, each a rolling window of
///   10 (oldest dropped first).
/// Everything else in the entity, and unknown keys inside `status.cpi`, is left as it was.
///
/// Pure functions, thread-safe; malformed input is an error value, never an exception.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caf/expected.hpp"
#include "protocol/lb_objects.hpp"

namespace vcdlb::rde {

/// Upstream's rolling window for the CPI's events and errors.
inline constexpr size_t rolling_window = 10;
/// `status.cpi.name`, as upstream (the cluster's tooling looks for it).
inline constexpr std::string_view component_name = "cloud-controller-manager";

/// What a `clusterid` asks for (upstream-cpi.md §1.5).
enum class cluster_id_kind : uint8_t {
  none,    ///< "": no RDE work
  no_rde,  ///< NO_RDE_<uuid>: cluster made without an RDE; no RDE work
  capvcd,  ///< urn:vcloud:entity:vmware:capvcdCluster:<uuid>: status.cpi bookkeeping
  native,  ///< urn:vcloud:entity:cse:nativeCluster:<uuid> (CSE 3.x)
  unknown, ///< anything else: names only, and a start-up warning
};
[[nodiscard]] cluster_id_kind classify_cluster_id(std::string_view cluster_id) noexcept;

/// The capvcdCluster type versions whose `status` vcdlb knows how to keep (CAPVCD 1.0-1.2,
/// CSE 4.2's 1.3).
[[nodiscard]] bool known_capvcd_version(std::string_view version) noexcept;

/// Checks an entity's `entityType` URN: six ':'-separated parts, vendor `vmware`, nss
/// `capvcdCluster`, a known version. The error (config_errc::invalid_value) says what is wrong.
[[nodiscard]] caf::error check_entity_type(std::string_view entity_type);

/// The same check for the entity of a cluster id of `kind`: `capvcd` as above; `native`: vendor
/// `cse`, nss `nativeCluster`, any version (as upstream's IsNativeClusterEntityType). Any other
/// kind has no entity vcdlb keeps (config_errc::invalid_value).
[[nodiscard]] caf::error check_entity_type(std::string_view entity_type, cluster_id_kind kind);

/// One `vcdResourceSet` item of this cluster.
struct resource {
  std::string type; ///< virtual-service, lb-pool, dnat-rule, app-port-profile
  std::string id;   ///< "" while VCD has not told it (a NAT rule just created)
  std::string name;
  std::string virtual_ip; ///< virtual services only: the external IP clients use

  friend bool operator==(const resource&, const resource&) = default;
};

/// The upstream type literal of an object kind.
[[nodiscard]] std::string_view resource_type(object_kind k) noexcept;

/// The items for the objects of this cluster on the gateway, sorted by (type, name). A virtual
/// service's `virtual_ip` is the external address of the DNAT rule that leads to it (one-arm
/// modes), else its own VIP.
[[nodiscard]] std::vector<resource> resources_of(const lb_objects& objects);

/// One `eventSet` or `errorSet` item.
struct record {
  std::string name;        ///< e.g. CreatedLoadbalancer, CreateLoadbalancerError
  std::string occurred_at; ///< RFC 3339
  std::string resource_id;
  std::string resource_name;
  std::string detail; ///< under "Detailed Event" / "Detailed Error"

  friend bool operator==(const record&, const record&) = default;
};

/// What one write does to `status.cpi`.
struct change {
  /// The whole truth of this cluster's objects (see resources_of); nullopt leaves the set as
  /// it is (nothing is known about the gateway yet).
  std::optional<std::vector<resource>> resources;
  std::vector<record> events; ///< appended, oldest first
  std::vector<record> errors; ///< appended, oldest first
  /// Errors to drop, as (name, resource name): matched on both, as upstream matches by name
  /// and vcdResourceName.
  std::vector<std::pair<std::string, std::string>> resolved;
  std::string version; ///< `status.cpi.version`
};

/// Applies `c` to a DefinedEntity body (its `entity.status` must be an object). `cluster_id`
/// (untrimmed) decides which existing items are this cluster's. Returns the new body, or
/// nullopt when the entity already says all of it (no write needed). Errors
/// (vcd_errc::bad_response): the body is not JSON, has no `entity.status` object, or its
/// `status.cpi` is not an object.
[[nodiscard]] caf::expected<std::optional<std::string>>
apply(std::string_view entity_body, const change& c, std::string_view cluster_id);

/// The `vcdResourceSet` items of `status.cpi` in a DefinedEntity body (for tests and `gc`).
[[nodiscard]] caf::expected<std::vector<resource>> read_resources(std::string_view entity_body);

} // namespace vcdlb::rde
