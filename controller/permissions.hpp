#pragma once

/// @file controller/permissions.hpp
/// @brief Every kind of Kubernetes API request `vcdlb controller` makes, as RBAC names it: the
/// one table that the RBAC in deploy/manifests/rbac.yaml and the Helm chart must grant, no more
/// and no less. Two tests hold both sides to it: tests/controller/controller_test.cpp records
/// the requests a running controller makes against the API server double (each must be in the
/// table, each entry must be used), tests/controller/permissions_test.cpp compares the
/// manifests and the chart with it. Plain constants; thread-safe.

#include <array>
#include <string_view>

namespace vcdlb {

enum class permission_scope {
  cluster, ///< ClusterRole: every namespace
  lease,   ///< Role in the lease namespace; get/update restricted to the lease's name
};

struct kube_permission {
  std::string_view group;    ///< "" = core
  std::string_view resource; ///< with "/status" for the subresource
  std::string_view verb;
  permission_scope scope = permission_scope::cluster;
  std::string_view used_by; ///< the code that makes the request
};

inline constexpr std::array<kube_permission, 17> controller_permissions{{
  {"", "services", "list", permission_scope::cluster, "service informer"},
  {"", "services", "watch", permission_scope::cluster, "service informer"},
  {"", "services", "get", permission_scope::cluster,
   "status sink on an informer cache miss; service_writer re-read after a 409"},
  {"", "services", "patch", permission_scope::cluster,
   "service_writer: the load-balancer-cleanup finalizer (merge patch)"},
  {"", "services/status", "patch", permission_scope::cluster,
   "service_writer: status.loadBalancer.ingress (merge patch)"},
  {"", "nodes", "list", permission_scope::cluster, "node informer"},
  {"", "nodes", "watch", permission_scope::cluster, "node informer"},
  {"", "nodes", "patch", permission_scope::cluster,
   "node duties: providerID, zone labels, taints (strategic merge patch)"},
  {"", "nodes/status", "patch", permission_scope::cluster, "node duties: status.addresses"},
  {"", "nodes", "delete", permission_scope::cluster,
   "cloud-node-lifecycle: a Node whose VM is gone"},
  {"discovery.k8s.io", "endpointslices", "list", permission_scope::cluster,
   "endpoint slice informer (externalTrafficPolicy: Local pools)"},
  {"discovery.k8s.io", "endpointslices", "watch", permission_scope::cluster,
   "endpoint slice informer (externalTrafficPolicy: Local pools)"},
  {"", "events", "create", permission_scope::cluster, "event_recorder (core/v1 Events)"},
  {"", "events", "patch", permission_scope::cluster, "event_recorder: repeats counted"},
  {"coordination.k8s.io", "leases", "create", permission_scope::lease, "leader_elector"},
  {"coordination.k8s.io", "leases", "get", permission_scope::lease, "leader_elector"},
  {"coordination.k8s.io", "leases", "update", permission_scope::lease, "leader_elector"},
}};

} // namespace vcdlb
