#pragma once

/// @file config/cluster_id.hpp
/// @brief The `clusterid` value: what kind it is, and the trimmed form used in VCD object names.
///
/// Upstream (`getTrimmedClusterID`) removes the prefix `urn:vcloud:entity:vmware:` and then the
/// prefix `urn:vcloud:entity:cse:nativeCluster:`, one after the other, so a CAPVCD id
/// `urn:vcloud:entity:vmware:capvcdCluster:<uuid>` becomes `capvcdCluster:<uuid>`, a CSE-native id
/// becomes `<uuid>`, and `NO_RDE_...` or "" stay as they are. Pure functions, thread-safe.

#include <string_view>

namespace vcdlb::config {

enum class cluster_id_kind {
  empty,   ///< "": no RDE bookkeeping
  no_rde,  ///< starts with "NO_RDE_": no RDE bookkeeping
  rde_urn, ///< urn:vcloud:entity:<vendor>:<type>:<uuid>
  invalid, ///< anything else (upstream fails at startup with such an id)
};

[[nodiscard]] cluster_id_kind classify_cluster_id(std::string_view id) noexcept;

/// The cluster id as it appears in upstream object names (see the file comment).
[[nodiscard]] std::string_view trimmed_cluster_id(std::string_view id) noexcept;

} // namespace vcdlb::config
