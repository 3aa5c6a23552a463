#pragma once

/// @file protocol/endpoints.hpp
/// @brief The engine's view of an EndpointSlice: on which Nodes a Service has ready endpoints
/// (what `externalTrafficPolicy: Local` pools are made of). Plain values, safe to send between
/// actors.

#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

/// One EndpointSlice reduced to the Nodes it puts ready endpoints on.
struct endpoint_slice_info {
  service_key service; ///< the slice's namespace + its `kubernetes.io/service-name` label
  std::string name;    ///< the slice's own name (a Service may have several slices)
  /// Distinct `nodeName`s of the endpoints that are ready and not terminating, sorted.
  std::vector<std::string> ready_nodes;

  friend bool operator==(const endpoint_slice_info&, const endpoint_slice_info&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_slice_info& x) {
  return f(caf::meta::type_name("vcdlb::endpoint_slice_info"), x.service, x.name, x.ready_nodes);
}

} // namespace vcdlb
