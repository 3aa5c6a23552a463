#pragma once

/// @file protocol/messages.hpp
/// @brief Messages between the engine's actors (besides the snapshots in service.hpp,
/// node.hpp and lb_objects.hpp). Plain values with a free `inspect()`; registered in
/// protocol/type_ids.hpp.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "protocol/lb_objects.hpp"
#include "protocol/node.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

/// node_set -> service_actor: the current pool member addresses (sorted, unique) and a version
/// that grows with every change. The list is immutable and shared by every copy (node_set
/// sends one list to all subscribers), so thousands of service actors hold one vector.
struct node_members {
  uint64_t version = 0;
  std::shared_ptr<const std::vector<std::string>> ips; ///< never mutated; null = empty

  /// The addresses (empty when none).
  [[nodiscard]] const std::vector<std::string>& list() const noexcept {
    static const std::vector<std::string> none;
    return ips ? *ips : none;
  }

  friend bool operator==(const node_members& a, const node_members& b) {
    return a.version == b.version && (a.ips == b.ips || a.list() == b.list());
  }
};

/// A node_members with its own copy of `ips`.
[[nodiscard]] inline node_members make_node_members(uint64_t version,
                                                    std::vector<std::string> ips) {
  return {version, std::make_shared<const std::vector<std::string>>(std::move(ips))};
}

// Reads the shared list in place; a load builds a fresh one.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_members& x) {
  if constexpr (Inspector::reads_state) {
    return f(caf::meta::type_name("vcdlb::node_members"), x.version,
             const_cast<std::vector<std::string>&>(x.list()));
  } else {
    auto fresh = std::make_shared<std::vector<std::string>>();
    x.ips = fresh;
    return f(caf::meta::type_name("vcdlb::node_members"), x.version, *fresh);
  }
}

/// An inclusive IPv4 range ("10.0.0.10".."10.0.0.20"); `last` "" means a single address.
struct ip_range {
  std::string first;
  std::string last;

  friend bool operator==(const ip_range&, const ip_range&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_range& x) {
  return f(caf::meta::type_name("vcdlb::ip_range"), x.first, x.last);
}

/// What a Service holds (or held before a restart): its external IP, its internal one-arm IPs
/// by slot ("" in mode B, the port name in mode A), its sharing key and its listener claims.
struct ip_reservation {
  service_key key;
  std::string external_ip;
  std::vector<std::pair<std::string, std::string>> internal_ips; ///< (slot, ip)
  std::string sharing_key;
  std::vector<listener_key> claims;

  friend bool operator==(const ip_reservation&, const ip_reservation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_reservation& x) {
  return f(caf::meta::type_name("vcdlb::ip_reservation"), x.key, x.external_ip, x.internal_ips,
           x.sharing_key, x.claims);
}

/// An external IP held as a floating-IP allocation of a VCD IP Space (ip-spaces-rde-traffic.md
/// §1): it is the org's until released, so the pool gives it back only once nothing uses it.
struct held_allocation {
  std::string ip;
  std::string ip_space_id;
  std::string allocation_id;

  friend bool operator==(const held_allocation&, const held_allocation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, held_allocation& x) {
  return f(caf::meta::type_name("vcdlb::held_allocation"), x.ip, x.ip_space_id, x.allocation_id);
}

/// Everything ip_pool needs to start allocating: the address space and what is already taken.
/// Built once at start from the gateway and from Service statuses + the gateway's objects.
struct pool_seed {
  std::vector<ip_range> external_ranges;   ///< the gateway's uplink ranges
  std::string vip_subnet;                  ///< optional CIDR narrowing external picks
  ip_range internal_range;                 ///< oneArm start..end; empty in mode C
  std::vector<std::string> used_by_others; ///< usedIpAddresses that no Service of ours holds
  std::vector<ip_reservation> reservations;
  /// The part of used_by_others held back only for objects of this cluster that belong to no
  /// known Service (freed by `release` with addresses once a sweep removed them).
  std::vector<std::string> leftover_ips;
  /// The gateway allocates from IP Spaces: external IPs are also floating IPs allocated on
  /// demand (in addition to `external_ranges`, which may be empty).
  bool ip_spaces = false;
  /// This cluster's floating-IP allocations (by claim marker) found at start.
  std::vector<held_allocation> allocations;
  /// `cluster-<trimmed cluster id>-namespace-`: a Service's marker is this + ns +
  /// "-service-" + name (naming::ip_claim_marker).
  std::string claim_marker_prefix;

  friend bool operator==(const pool_seed&, const pool_seed&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_seed& x) {
  return f(caf::meta::type_name("vcdlb::pool_seed"), x.external_ranges, x.vip_subnet,
           x.internal_range, x.used_by_others, x.reservations, x.leftover_ips, x.ip_spaces,
           x.allocations, x.claim_marker_prefix);
}

/// service_actor -> ip_pool: the IPs this Service needs now.
struct ip_request {
  service_key key;
  std::string requested_ip;                ///< `spec.loadBalancerIP`; "" = any
  std::string current_ip;                  ///< the IP in the Service status, kept when still valid
  std::string sharing_key;                 ///< "" = no sharing
  std::vector<listener_key> listeners;     ///< (protocol, port) the Service uses (ip ignored)
  std::vector<std::string> internal_slots; ///< one-arm slots ("" mode B, port names mode A)

  friend bool operator==(const ip_request&, const ip_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_request& x) {
  return f(caf::meta::type_name("vcdlb::ip_request"), x.key, x.requested_ip, x.current_ip,
           x.sharing_key, x.listeners, x.internal_slots);
}

/// ip_pool -> service_actor: the external IP and one internal IP per requested slot (same order).
struct ip_assignment {
  std::string external_ip;
  std::vector<std::pair<std::string, std::string>> internal_ips; ///< (slot, ip)

  friend bool operator==(const ip_assignment&, const ip_assignment&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_assignment& x) {
  return f(caf::meta::type_name("vcdlb::ip_assignment"), x.external_ip, x.internal_ips);
}

/// ip_pool counters, for tests and metrics.
struct pool_stats {
  bool initialized = false;
  uint32_t services = 0;
  uint32_t external_in_use = 0;
  uint32_t internal_in_use = 0;
  uint32_t claims = 0;
  uint32_t waiting = 0; ///< requests parked until the rebuild

  friend bool operator==(const pool_stats&, const pool_stats&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  return f(caf::meta::type_name("vcdlb::pool_stats"), x.initialized, x.services, x.external_in_use,
           x.internal_in_use, x.claims, x.waiting);
}

/// gateway_actor -> caller: the outcome of one lb_op (the VCD id of a created object).
struct op_result {
  std::string id;

  friend bool operator==(const op_result&, const op_result&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, op_result& x) {
  return f(caf::meta::type_name("vcdlb::op_result"), x.id);
}

/// gateway_actor -> caller of an lb_plan: the outcome of each op, in order.
struct plan_result {
  std::vector<op_result> results;

  friend bool operator==(const plan_result&, const plan_result&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_result& x) {
  return f(caf::meta::type_name("vcdlb::plan_result"), x.results);
}

/// gateway_actor -> caller of `refresh`: what the re-list found changed out of band since the
/// previous refresh, against the cache (which already holds vcdlb's own writes). `owners` are
/// the owner tokens of the changed objects ("u:<Service name>" for upstream names,
/// "h:<service hash>" for vcdlb's; see naming.hpp), sorted, unique. `all`: changes the gateway
/// cannot attribute (a list failed since the last refresh): every Service must look.
struct refresh_result {
  bool all = false;
  std::vector<std::string> owners;

  /// True when some Service may have to repair something.
  [[nodiscard]] bool changed() const noexcept { return all || !owners.empty(); }

  friend bool operator==(const refresh_result&, const refresh_result&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refresh_result& x) {
  return f(caf::meta::type_name("vcdlb::refresh_result"), x.all, x.owners);
}

/// Kubernetes Event severity.
enum class event_type : uint8_t { normal, warning };

/// service_actor -> status writer: an Event on the Service (reasons as the reference controller).
struct service_event {
  service_key key;
  event_type type = event_type::normal;
  std::string reason;
  std::string message;

  friend bool operator==(const service_event&, const service_event&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_event& x) {
  return f(caf::meta::type_name("vcdlb::service_event"), x.key, x.type, x.reason, x.message);
}

/// Where a service_actor stands.
enum class service_phase : uint8_t { pending, converging, converged, failed, released };

/// service_actor -> caller (and status writer): the Service's state as the engine sees it.
struct service_status {
  service_key key;
  service_phase phase = service_phase::pending;
  std::string external_ip; ///< for status.loadBalancer.ingress; "" = none
  bool finalizer_wanted = false;
  uint32_t failures = 0;  ///< consecutive failed reconciles (drives backoff)
  std::string last_error; ///< describe() of the last failure, "" after success

  friend bool operator==(const service_status&, const service_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_status& x) {
  return f(caf::meta::type_name("vcdlb::service_status"), x.key, x.phase, x.external_ip,
           x.finalizer_wanted, x.failures, x.last_error);
}

/// ip_pool -> gateway_actor: an IP Space operation. Allocate: one floating IP for the Service
/// whose claim `marker` it gets (`value` "" = any free IP, else that IP), from the first IP
/// Space of the gateway that gives one, reserved as USED_MANUAL with the marker. Release
/// (`release` true): `allocation` stops being reserved and goes back to its space.
struct ip_space_request {
  bool release = false;
  std::string value;
  std::string marker;
  held_allocation allocation; ///< release only

  friend bool operator==(const ip_space_request&, const ip_space_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_space_request& x) {
  return f(caf::meta::type_name("vcdlb::ip_space_request"), x.release, x.value, x.marker,
           x.allocation);
}

/// gateway_actor -> ip_pool: the allocation made (or released).
struct ip_space_grant {
  held_allocation allocation;

  friend bool operator==(const ip_space_grant&, const ip_space_grant&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_space_grant& x) {
  return f(caf::meta::type_name("vcdlb::ip_space_grant"), x.allocation);
}

/// service_actor -> gateway_actor: the edge firewall a Service's `loadBalancerSourceRanges` need
/// (docs/operating.md): only `cidrs` may reach `destinations`, the addresses and ports the
/// gateway firewall sees for the Service (the VIP in mode C, the internal VIPs behind the DNAT
/// rules in modes A and B). `cidrs` empty: the Service has no restriction (anymore), its
/// firewall objects go. Replied to once the gateway holds what is asked.
struct source_range_request {
  service_key key;
  std::vector<std::string> cidrs;
  std::vector<listener_key> destinations;

  friend bool operator==(const source_range_request&, const source_range_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, source_range_request& x) {
  return f(caf::meta::type_name("vcdlb::source_range_request"), x.key, x.cidrs, x.destinations);
}

} // namespace vcdlb
