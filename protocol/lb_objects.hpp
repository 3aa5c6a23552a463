#pragma once

/// @file protocol/lb_objects.hpp
/// @brief Engine-level descriptions of the VCD objects that expose a Service (not JSON).
///
/// The same structs describe what a Service needs (desired; `id` empty) and what the gateway
/// holds (observed; `id` set by the vcd adapter). Each names the objects it references by name,
/// so desired state is computable without talking to VCD. Plain values, safe to send.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "protocol/service.hpp"

namespace vcdlb {

/// The four kinds of object vcdlb manages, in creation order (a kind may reference an earlier one).
enum class object_kind : uint8_t { app_port_profile, dnat_rule, pool, virtual_service };

[[nodiscard]] std::string_view to_string(object_kind x) noexcept;

/// ALB application profile type (`applicationProfile.type`).
enum class app_profile : uint8_t {
  l4,     ///< System-L4-Application (TCP or UDP)
  l4_tls, ///< System-SSL-Application (TCP with SSL)
  http,   ///< System-HTTP
  https,  ///< System-Secure-HTTP
};

[[nodiscard]] std::string_view to_string(app_profile x) noexcept;
/// The system-defined profile name VCD knows, e.g. "System-L4-Application".
[[nodiscard]] std::string_view system_profile_name(app_profile x) noexcept;

/// Where a TCP/UDP listener lives: the thing invariant 1 is about.
struct listener_key {
  std::string ip;
  ip_protocol protocol = ip_protocol::tcp;
  int32_t port = 0;

  friend bool operator==(const listener_key&, const listener_key&) = default;
  friend auto operator<=>(const listener_key&, const listener_key&) = default;
};

/// "ip/proto/port", for messages.
[[nodiscard]] std::string to_string(const listener_key& k);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listener_key& x) {
  return f(caf::meta::type_name("vcdlb::listener_key"), x.ip, x.protocol, x.port);
}

/// NSX application port profile (one-arm modes): the DNAT rule's port match.
struct app_port_profile_desc {
  std::string id;
  std::string name;
  ip_protocol protocol = ip_protocol::tcp;
  int32_t port = 0;

  bool failed = false; ///< VCD could not realize it (REALIZATION_FAILED): to be replaced
  friend bool operator==(const app_port_profile_desc&, const app_port_profile_desc&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, app_port_profile_desc& x) {
  return f(caf::meta::type_name("vcdlb::app_port_profile_desc"), x.id, x.name, x.protocol, x.port,
           x.failed);
}

/// DNAT rule (one-arm modes): external_ip:port -> internal_ip (no port translation).
struct dnat_rule_desc {
  std::string id;
  std::string name;
  std::string external_ip;
  std::string internal_ip;
  ip_protocol protocol = ip_protocol::tcp; ///< the protocol of its app port profile
  int32_t port = 0;                        ///< dnatExternalPort
  std::string profile_name;                ///< the app port profile it uses

  bool failed = false; ///< VCD could not realize it (REALIZATION_FAILED): to be replaced
  friend bool operator==(const dnat_rule_desc&, const dnat_rule_desc&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dnat_rule_desc& x) {
  return f(caf::meta::type_name("vcdlb::dnat_rule_desc"), x.id, x.name, x.external_ip,
           x.internal_ip, x.protocol, x.port, x.profile_name, x.failed);
}

/// ALB pool: every member on the same NodePort, ROUND_ROBIN, graceful timeout 0.
struct pool_desc {
  std::string id;
  std::string name;
  int32_t port = 0;                 ///< defaultPort and every member's port (the NodePort)
  std::vector<std::string> members; ///< member IPs, sorted, unique
  bool tcp_health_monitor = false;  ///< one TCP health monitor

  bool failed = false; ///< VCD could not realize it (REALIZATION_FAILED): to be replaced
  friend bool operator==(const pool_desc&, const pool_desc&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_desc& x) {
  return f(caf::meta::type_name("vcdlb::pool_desc"), x.id, x.name, x.port, x.members,
           x.tcp_health_monitor, x.failed);
}

/// ALB virtual service: one service port on one VIP, backed by one pool.
struct virtual_service_desc {
  std::string id;
  std::string name;
  std::string vip;                         ///< virtualIpAddress
  ip_protocol protocol = ip_protocol::tcp; ///< TCP => TCP_PROXY, UDP => UDP_FAST_PATH
  int32_t port = 0;                        ///< portStart (= portEnd)
  app_profile profile = app_profile::l4;
  bool ssl = false;       ///< sslEnabled on the service port
  std::string cert_alias; ///< certificate library alias; set iff ssl
  std::string pool_name;

  [[nodiscard]] listener_key listener() const { return {vip, protocol, port}; }

  bool failed = false; ///< VCD could not realize it (REALIZATION_FAILED): to be replaced
  friend bool operator==(const virtual_service_desc&, const virtual_service_desc&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, virtual_service_desc& x) {
  return f(caf::meta::type_name("vcdlb::virtual_service_desc"), x.id, x.name, x.vip, x.protocol,
           x.port, x.profile, x.ssl, x.cert_alias, x.pool_name, x.failed);
}

/// A set of objects: what one Service needs, or the part of a gateway that belongs to it.
/// Each vector is kept sorted by name (desired_state and the gateway cache guarantee it).
struct lb_objects {
  std::vector<app_port_profile_desc> profiles;
  std::vector<dnat_rule_desc> dnat_rules;
  std::vector<pool_desc> pools;
  std::vector<virtual_service_desc> virtual_services;

  [[nodiscard]] bool empty() const noexcept {
    return profiles.empty() && dnat_rules.empty() && pools.empty() && virtual_services.empty();
  }
  [[nodiscard]] size_t size() const noexcept {
    return profiles.size() + dnat_rules.size() + pools.size() + virtual_services.size();
  }

  friend bool operator==(const lb_objects&, const lb_objects&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lb_objects& x) {
  return f(caf::meta::type_name("vcdlb::lb_objects"), x.profiles, x.dnat_rules, x.pools,
           x.virtual_services);
}

/// Sorts every vector of `objs` by name (the canonical order).
void sort_by_name(lb_objects& objs);

/// One step of a plan, executed by the gateway actor. Exactly the member matching `kind` is
/// meaningful; `id` names the existing object for update/remove.
enum class op_kind : uint8_t { create, update, remove };

[[nodiscard]] std::string_view to_string(op_kind x) noexcept;

struct lb_op {
  op_kind op = op_kind::create;
  object_kind kind = object_kind::pool;
  app_port_profile_desc profile;
  dnat_rule_desc dnat;
  pool_desc pool;
  virtual_service_desc vs;

  /// The name of the object this op touches.
  [[nodiscard]] const std::string& name() const noexcept;
  /// The VCD id of the object (empty for creates).
  [[nodiscard]] const std::string& id() const noexcept;

  friend bool operator==(const lb_op&, const lb_op&) = default;
};

/// "create pool ingress-pool-..." -- for logs and test failure output.
[[nodiscard]] std::string to_string(const lb_op& x);

/// service_actor -> gateway_actor: one Service's plan, run in order as one job of the gateway's
/// queue (oldest job first); the first failure ends it and the rest is not run.
struct lb_plan {
  std::vector<lb_op> ops;

  friend bool operator==(const lb_plan&, const lb_plan&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lb_plan& x) {
  return f(caf::meta::type_name("vcdlb::lb_plan"), x.ops);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lb_op& x) {
  return f(caf::meta::type_name("vcdlb::lb_op"), x.op, x.kind, x.profile, x.dnat, x.pool, x.vs);
}

[[nodiscard]] lb_op make_create(app_port_profile_desc x);
[[nodiscard]] lb_op make_create(dnat_rule_desc x);
[[nodiscard]] lb_op make_create(pool_desc x);
[[nodiscard]] lb_op make_create(virtual_service_desc x);
[[nodiscard]] lb_op make_update(app_port_profile_desc x);
[[nodiscard]] lb_op make_update(dnat_rule_desc x);
[[nodiscard]] lb_op make_update(pool_desc x);
[[nodiscard]] lb_op make_update(virtual_service_desc x);
[[nodiscard]] lb_op make_remove(object_kind kind, std::string name, std::string id);

} // namespace vcdlb
