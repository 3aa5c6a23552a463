#pragma once

/// @file adapters/kube/convert.hpp
/// @brief From the kube adapter's snapshots to the engine's protocol values
/// (protocol/service.hpp, protocol/node.hpp, protocol/endpoints.hpp). Pure functions.

#include "adapters/kube/types.hpp"
#include "protocol/endpoints.hpp"
#include "protocol/node.hpp"
#include "protocol/service.hpp"

namespace vcdlb::kube {

[[nodiscard]] vcdlb::service_key to_engine_key(const service_key& k);

/// Maps type, class, loadBalancerIP, ports (unknown protocols count as TCP, which the apiserver
/// never sends), the engine's annotations, deletion, the cleanup finalizer and the ingress IPs.
[[nodiscard]] vcdlb::service_spec to_service_spec(const service_snapshot& s);

[[nodiscard]] vcdlb::node_description to_node_description(const node_snapshot& n);

/// The Nodes on which the slice has endpoints that are ready (an absent condition counts as
/// ready) and not terminating, as kube-proxy counts local endpoints for a Local Service.
/// Endpoints without `nodeName` count for no Node.
[[nodiscard]] vcdlb::endpoint_slice_info to_endpoint_slice_info(const endpoint_slice_snapshot& s);

} // namespace vcdlb::kube
