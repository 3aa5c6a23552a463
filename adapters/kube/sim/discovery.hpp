#pragma once

/// @file adapters/kube/sim/discovery.hpp
/// @brief Discovery documents of the API server double: /version, /api, /apis and the
/// APIResourceLists, built from the resource table.

#include <string_view>

#include <boost/json/object.hpp>

namespace vcdlb::kube::sim {

/// The Kubernetes version the double claims (kubectl's dispatcher picks a client by it).
struct server_version {
  int major = 1;
  int minor = 30;
};

/// `GET /version`.
[[nodiscard]] boost::json::object version_document(server_version v);
/// `GET /api` (APIVersions); `server_address` is "host:port".
[[nodiscard]] boost::json::object core_versions_document(std::string_view server_address);
/// `GET /apis` (APIGroupList).
[[nodiscard]] boost::json::object group_list_document();
/// `GET /apis/<group>` (APIGroup), or an empty object for an unknown group.
[[nodiscard]] boost::json::object group_document(std::string_view group);
/// `GET /api/v1` (group "") or `GET /apis/<group>/<version>` (APIResourceList); an empty object
/// for an unknown group version.
[[nodiscard]] boost::json::object resource_list_document(std::string_view group,
                                                         std::string_view version);

} // namespace vcdlb::kube::sim
