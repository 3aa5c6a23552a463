#pragma once

/// @file gc/detail/ownership.hpp
/// @brief Which cluster a load-balancer object belongs to, from its description marker or its
/// name. Pure functions, thread-safe.

#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::gc::detail {

struct ownership {
  enum class state : uint8_t {
    unrelated, ///< neither the name nor the description refer to a cluster: not ours to judge
    known,     ///< `cluster_id` is the owner
    unknown,   ///< looks like a cluster's object, but the owner cannot be established
  };
  state what = state::unrelated;
  std::string cluster_id; ///< known: the untrimmed cluster id
  std::string reason;     ///< how the owner was found, or why it could not be
};

/// In order: the `vcdlb-cluster-id=` marker in the description; a CAPVCD id in an upstream
/// name (`...-capvcdCluster:<uuid>-...`); a name of one of `candidates` (under either scheme:
/// vcdlb's names match by the cluster tag). Otherwise names of either scheme are `unknown`.
[[nodiscard]] ownership owner_of(std::string_view name, std::string_view description,
                                 const std::vector<std::string>& candidates);

/// The owner of an IP Space allocation from its claim marker
/// `cluster-<trimmed cluster id>-namespace-<ns>-service-<name>` (upstream's and vcdlb's, see
/// naming::ip_claim_marker): `capvcdCluster:<uuid>` gives the RDE URN; otherwise the marker of
/// one of `candidates`; otherwise `unknown`. Descriptions of another shape (e.g. CAPVCD's own
/// control-plane marker `cluster-<name>-id-<id>`, which CAPVCD releases itself) are `unrelated`.
[[nodiscard]] ownership owner_of_allocation(std::string_view marker,
                                            const std::vector<std::string>& candidates);

} // namespace vcdlb::gc::detail
