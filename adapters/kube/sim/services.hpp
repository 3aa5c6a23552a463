#pragma once

/// @file adapters/kube/sim/services.hpp
/// @brief Service defaulting, validation and clusterIP / nodePort allocation, as the apiserver's
/// Service REST storage does it.

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "adapters/kube/sim/status.hpp"

namespace vcdlb::kube::sim {

/// Tracks which cluster IPs (service CIDR 10.96.0.0/12, 10.96.0.1 reserved for the
/// `kubernetes` Service) and node ports (kube-apiserver's `--service-node-port-range`, by
/// default 30000-32767) are taken. Picks free values at random
/// from a seeded generator, so runs are reproducible. Not thread-safe (owned by `api_core`).
class service_allocator {
public:
  static constexpr int default_node_port_min = 30000;
  static constexpr int default_node_port_max = 32767;

  /// Node ports from `node_port_min`..`node_port_max` (1 <= min <= max <= 65535, checked by
  /// the caller).
  explicit service_allocator(uint64_t seed, int node_port_min = default_node_port_min,
                             int node_port_max = default_node_port_max);

  [[nodiscard]] int node_port_min() const noexcept { return node_port_min_; }
  [[nodiscard]] int node_port_max() const noexcept { return node_port_max_; }

  /// A free cluster IP, now taken; nullopt when the range is full.
  std::optional<std::string> allocate_ip();
  /// Takes `ip`; false when it is taken or outside the service CIDR.
  bool reserve_ip(const std::string& ip);
  void release_ip(const std::string& ip);

  /// A free node port, now taken; nullopt when the range is full.
  std::optional<int> allocate_node_port();
  /// Takes `port`; false when it is taken or outside the range.
  bool reserve_node_port(int port);
  void release_node_port(int port);
  [[nodiscard]] bool node_port_taken(int port) const { return node_ports_.count(port) > 0; }

private:
  int node_port_min_;
  int node_port_max_;
  std::set<uint32_t> ips_;
  std::set<int> node_ports_;
  std::mt19937_64 rng_;
};

/// Create: validates `svc`, applies the server defaults (type, protocol, targetPort,
/// sessionAffinity, traffic policies, ipFamilies, allocateLoadBalancerNodePorts) and allocates
/// clusterIP, nodePorts and healthCheckNodePort; status becomes `{loadBalancer: {}}`.
/// On error nothing stays allocated.
[[nodiscard]] result<boost::json::object> prepare_service_create(boost::json::object svc,
                                                                 service_allocator& alloc);

/// Main-resource update: status is kept from `old`; clusterIP is immutable (copied when the
/// update leaves it out); nodePorts of unchanged ports are kept, new ones allocated, unused
/// ones released; `loadBalancerClass` is immutable. On error nothing changes.
[[nodiscard]] result<boost::json::object> prepare_service_update(const boost::json::object& old,
                                                                 boost::json::object svc,
                                                                 service_allocator& alloc);

/// /status update: spec is kept from `old` (metadata and status are taken from `svc`);
/// ingress entries with `ip` get `ipMode: VIP` by default; invalid ingress IPs are 422.
[[nodiscard]] result<boost::json::object>
prepare_service_status_update(const boost::json::object& old, boost::json::object svc);

/// Returns the clusterIP and node ports of a deleted Service to the allocator.
void release_service(const boost::json::object& svc, service_allocator& alloc);

} // namespace vcdlb::kube::sim
