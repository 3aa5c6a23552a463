#pragma once

/// @file adapters/kube/detail/encode.hpp
/// @brief Request bodies for the writes vcdlb makes (Boost.JSON). Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kube/types.hpp"

namespace vcdlb::kube::detail {

/// Merge patch for `/status`: `{"status":{"loadBalancer":{"ingress":[...]}}}`; an empty list
/// becomes `"ingress":null`, which removes the field.
[[nodiscard]] std::string encode_status_patch(const std::vector<lb_ingress>& ingress);

/// Merge patch replacing `metadata.finalizers` (null when empty), conditional on
/// `resource_version` when it is not empty (kubernetes-api.md 2.2).
[[nodiscard]] std::string encode_finalizers_patch(const std::vector<std::string>& finalizers,
                                                  std::string_view resource_version);

/// A core/v1 Event for POST.
[[nodiscard]] std::string encode_event(const event& ev);

/// Merge patch of a repeated Event: count, lastTimestamp, message.
[[nodiscard]] std::string encode_event_patch(int32_t count, std::string_view last_timestamp,
                                             std::string_view message);

/// A core/v1 Service for POST: metadata (name, namespace, labels, annotations) and the spec
/// fields of `service_snapshot` (type, ports, loadBalancerClass, loadBalancerIP,
/// externalTrafficPolicy, loadBalancerSourceRanges). Unset values (empty, 0) are left out so
/// the server applies its defaults (e.g. allocates NodePorts). Status and server-owned
/// metadata are never sent.
[[nodiscard]] std::string encode_service(const service_snapshot& svc);

/// A coordination.k8s.io/v1 Lease for POST or PUT (resourceVersion included when set).
[[nodiscard]] std::string encode_lease(const lease& l);

} // namespace vcdlb::kube::detail
