#pragma once

/// @file adapters/kube/sim/resources.hpp
/// @brief The resource kinds the API server double serves, and how each behaves.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::kube::sim {

/// One served resource (immutable table entry).
struct resource_info {
  std::string group;    ///< "" for core/v1
  std::string version;  ///< "v1"
  std::string name;     ///< plural, as in URLs: "services"
  std::string singular; ///< "service"
  std::string kind;     ///< "Service"
  bool namespaced = true;
  bool has_status = false;          ///< serves the /status subresource
  bool unconditional_update = true; ///< PUT without metadata.resourceVersion allowed
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> field_labels; ///< selectable fields besides metadata.name/namespace

  /// "v1" or "coordination.k8s.io/v1".
  [[nodiscard]] std::string api_version() const {
    return group.empty() ? version : group + "/" + version;
  }
  /// The store key: "services" or "leases.coordination.k8s.io".
  [[nodiscard]] std::string id() const { return group.empty() ? name : name + "." + group; }
};

/// Every served resource, in discovery order.
[[nodiscard]] std::span<const resource_info> all_resources();

/// The resource at `/api/v1/<name>` (group "") or `/apis/<group>/<version>/<name>`, or null.
[[nodiscard]] const resource_info* find_resource(std::string_view group, std::string_view version,
                                                 std::string_view name);

/// The served resource of `kind` in `api_version` ("v1", "coordination.k8s.io/v1"), or null.
[[nodiscard]] const resource_info* find_kind(std::string_view api_version, std::string_view kind);

/// The groups other than core, each with its single version, in discovery order.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> api_groups();

} // namespace vcdlb::kube::sim
