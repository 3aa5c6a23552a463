#pragma once

/// @file adapters/vcd/types.hpp
/// @brief Plain values for the VCD CloudAPI objects vcdlb reads and writes (edge gateways, ALB
/// pools and virtual services, NAT rules, application port profiles, certificates, tasks, IP
/// Space allocations).
///
/// Field names follow the CloudAPI JSON names in snake_case (`virtualIpAddress` ->
/// `virtual_ip_address`). No JSON type leaks out of the adapter: decoding and encoding live in
/// `adapters/vcd/detail/`. Optional wire fields use explicit "unset" values documented per field
/// (empty string, 0 or -1) instead of std::optional, so every type stays inspectable by CAF 0.17
/// and can travel in actor messages. All types are regular values: copyable, comparable, no
/// shared state.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace vcdlb::vcd {

/// `{"name": ..., "id": ...}`. Both may be empty; an empty `id` means "no reference".
struct entity_ref {
  std::string name;
  std::string id; ///< a URN such as "urn:vcloud:gateway:<uuid>"

  [[nodiscard]] bool empty() const noexcept { return id.empty() && name.empty(); }
  friend bool operator==(const entity_ref&, const entity_ref&) = default;
};

/// Inclusive IPv4/IPv6 range; `end_address` empty means the single address `start_address`.
struct ip_range {
  std::string start_address;
  std::string end_address;
  friend bool operator==(const ip_range&, const ip_range&) = default;
};

/// One subnet of an edge gateway uplink (`EdgeGatewaySubnet`).
struct gateway_subnet {
  std::string gateway;
  int32_t prefix_length = 0;
  std::vector<ip_range> ip_ranges; ///< the IPs sub-allocated to this edge
  std::string primary_ip;          ///< the edge's own IP, "" if not reported
  bool enabled = true;
  int32_t total_ip_count = 0;
  int32_t used_ip_count = 0;
  friend bool operator==(const gateway_subnet&, const gateway_subnet&) = default;
};

/// One uplink of an edge gateway (`EdgeGatewayUplink`).
struct gateway_uplink {
  std::string uplink_id; ///< external network URN
  std::string uplink_name;
  std::vector<gateway_subnet> subnets; ///< may be empty with IP spaces
  bool connected = true;
  bool dedicated = false;
  bool using_ip_space = false;
  friend bool operator==(const gateway_uplink&, const gateway_uplink&) = default;
};

/// An NSX-T edge gateway (`EdgeGateway`), the parts vcdlb needs.
struct edge_gateway {
  std::string id; ///< "urn:vcloud:gateway:<uuid>"
  std::string name;
  std::string description;
  std::string status;   ///< PENDING, CONFIGURING, REALIZED, REALIZATION_FAILED, UNKNOWN
  entity_ref owner_ref; ///< VDC or VDC group
  entity_ref org_ref;
  std::vector<gateway_uplink> uplinks;
  std::string gateway_type; ///< gatewayBacking.gatewayType, e.g. "NSXT_BACKED"; "" if absent

  /// True when any uplink allocates its IPs from IP spaces (API 37.1+).
  [[nodiscard]] bool using_ip_space() const noexcept {
    for (const auto& u : uplinks)
      if (u.using_ip_space)
        return true;
    return false;
  }
  friend bool operator==(const edge_gateway&, const edge_gateway&) = default;
};

/// An org VDC network (`orgVdcNetworks`), used to find the load balancer's edge gateway.
struct org_vdc_network {
  std::string id; ///< "urn:vcloud:network:<uuid>"
  std::string name;
  entity_ref org_vdc;       ///< empty for a VDC-group network
  entity_ref owner_ref;     ///< VDC or VDC group
  entity_ref router_ref;    ///< connection.routerRef: the edge gateway; empty if isolated
  std::string network_type; ///< networkType / backingNetworkType as reported
  friend bool operator==(const org_vdc_network&, const org_vdc_network&) = default;
};

/// An entry of `edgeGateways/{id}/usedIpAddresses`.
struct used_ip {
  std::string ip_address;
  std::string category; ///< SNAT, DNAT, Load_Balancer, IPsec_VPN, SSL_VPN, L2_VPN, PRIMARY_IP
  entity_ref network_ref;
  friend bool operator==(const used_ip&, const used_ip&) = default;
};

/// A service engine group assignment to an edge gateway.
struct seg_assignment {
  std::string id; ///< "urn:vcloud:serviceEngineGroupAssignment:<uuid>"
  entity_ref gateway_ref;
  entity_ref service_engine_group_ref;
  int32_t max_virtual_services = -1; ///< -1: absent (DEDICATED SEG: unlimited here)
  int32_t min_virtual_services = -1; ///< -1: absent
  int32_t num_deployed_virtual_services = 0;
  /// `serviceEngineGroupHaMode` (read-only): ELASTIC_N_PLUS_M_BUFFER, ELASTIC_ACTIVE_ACTIVE or
  /// LEGACY_ACTIVE_STANDBY; "" when not reported. Transparent mode needs LEGACY_ACTIVE_STANDBY.
  std::string service_engine_group_ha_mode;

  /// True when another virtual service fits (absent maximum = no limit).
  [[nodiscard]] bool has_capacity() const noexcept {
    return max_virtual_services < 0 || num_deployed_virtual_services < max_virtual_services;
  }
  friend bool operator==(const seg_assignment&, const seg_assignment&) = default;
};

/// An edge gateway's load-balancer settings (`EdgeGatewayLoadBalancerConfig`,
/// `GET /edgeGateways/{id}/loadBalancer`); tenants read them, only providers change them.
struct alb_settings {
  bool enabled = false;
  std::string service_network_definition; ///< e.g. "192.168.255.1/25"
  std::string supported_feature_set;      ///< STANDARD or PREMIUM (API 37.0+); "" if absent
  /// API 37.1+: the gateway is set up for transparent load balancing; virtual services can
  /// enable transparent mode only while it is true. False when not reported (older API).
  bool transparent_mode_enabled = false;
  friend bool operator==(const alb_settings&, const alb_settings&) = default;
};

/// A pool health monitor; `type` is HTTP, HTTPS, TCP, UDP or PING.
struct health_monitor {
  std::string type;
  std::string name;            ///< "" when not set
  bool system_defined = false; ///< read-only, never sent
  friend bool operator==(const health_monitor&, const health_monitor&) = default;
};

/// A pool member.
struct pool_member {
  std::string ip_address;
  int32_t port = 0; ///< 0: not set (the pool's default_port applies)
  int32_t ratio = 1;
  bool enabled = true;
  std::string health_status; ///< read-only
  friend bool operator==(const pool_member&, const pool_member&) = default;
};

/// Pool persistence; an empty `type` means "no persistence profile".
struct persistence_profile {
  std::string type; ///< CLIENT_IP, HTTP_COOKIE, CUSTOM_HTTP_HEADER, APP_COOKIE, TLS
  std::string value;
  std::string name; ///< read-only
  friend bool operator==(const persistence_profile&, const persistence_profile&) = default;
};

/// A full ALB pool (`EdgeLoadBalancerPool`).
struct pool {
  std::string id; ///< "" on create; "urn:vcloud:loadBalancerPool:<uuid>" otherwise
  std::string name;
  std::string description;
  entity_ref gateway_ref;
  bool enabled = true;
  std::string algorithm = "ROUND_ROBIN";
  int32_t default_port = 80;
  int32_t graceful_timeout_period = 0; ///< minutes; always sent (the CPI sends 0)
  bool passive_monitoring_enabled = true;
  std::vector<health_monitor> health_monitors;
  persistence_profile persistence;
  std::vector<pool_member> members;
  /// `memberGroupRef` (API 37.1+): the members are the addresses of this IP set (an edge
  /// firewall group) instead of `members`, which must then be empty. Empty: not a group pool.
  /// Transparent-mode virtual services need a group pool.
  entity_ref member_group_ref;
  // Read-only fields, filled by reads and never sent.
  std::vector<entity_ref> virtual_service_refs;
  std::string status;
  std::string health_status;
  friend bool operator==(const pool&, const pool&) = default;
};

/// An entry of `edgeGateways/{id}/loadBalancer/poolSummaries` (no members, no gatewayRef).
struct pool_summary {
  std::string id;
  std::string name;
  std::string description;
  bool enabled = true;
  std::string status;
  std::string health_status;
  int32_t member_count = 0;
  int32_t enabled_member_count = 0;
  int32_t up_member_count = 0;
  std::vector<entity_ref> virtual_service_refs; ///< the first 10 only
  friend bool operator==(const pool_summary&, const pool_summary&) = default;
};

/// `tcpUdpProfile` of a service port; `type` is TCP_PROXY, TCP_FAST_PATH or UDP_FAST_PATH.
struct tcp_udp_profile {
  std::string type = "TCP_PROXY";
  std::string name; ///< "" when not set
  bool system_defined = true;
  friend bool operator==(const tcp_udp_profile&, const tcp_udp_profile&) = default;
};

/// One `servicePorts` entry of a virtual service.
struct service_port {
  int32_t port_start = 0;
  int32_t port_end = 0; ///< 0: not set (a single port)
  bool ssl_enabled = false;
  tcp_udp_profile profile; ///< empty `type`: omitted

  /// The last port covered (port_start when port_end is unset).
  [[nodiscard]] int32_t last_port() const noexcept { return port_end > 0 ? port_end : port_start; }
  friend bool operator==(const service_port&, const service_port&) = default;
};

/// `applicationProfile`: `type` is HTTP, HTTPS, L4 or L4_TLS.
struct application_profile {
  std::string name; ///< e.g. "System-L4-Application"
  std::string type;
  bool system_defined = true;
  friend bool operator==(const application_profile&, const application_profile&) = default;
};

/// A full ALB virtual service (`EdgeLoadBalancerVirtualService`).
struct virtual_service {
  std::string id; ///< "" on create
  std::string name;
  std::string description;
  bool enabled = true;
  std::string virtual_ip_address;
  entity_ref gateway_ref;
  entity_ref load_balancer_pool_ref;
  entity_ref service_engine_group_ref;
  entity_ref certificate_ref; ///< empty: omitted (plain L4/HTTP)
  application_profile app_profile;
  std::vector<service_port> service_ports;
  /// `transparentModeEnabled` (API 37.1+): "Preserve Client IP". Needs the gateway's
  /// transparent mode, a pool with `member_group_ref` and a LEGACY_ACTIVE_STANDBY SEG.
  bool transparent_mode_enabled = false;
  // Read-only fields, filled by reads and never sent.
  std::string status;        ///< PENDING, CONFIGURING, REALIZED, REALIZATION_FAILED, UNKNOWN
  std::string health_status; ///< UP, DOWN, DISABLED, UNAVAILABLE, PENDING, UNKNOWN
  std::string health_message;
  friend bool operator==(const virtual_service&, const virtual_service&) = default;
};

/// An entry of `virtualServiceSummaries`: the common fields plus `applicationProfileType`.
struct virtual_service_summary {
  std::string id;
  std::string name;
  std::string description;
  bool enabled = true;
  std::string virtual_ip_address;
  entity_ref gateway_ref;
  entity_ref load_balancer_pool_ref;
  entity_ref service_engine_group_ref;
  entity_ref certificate_ref;
  std::vector<service_port> service_ports;
  std::string application_profile_type;
  bool transparent_mode_enabled = false; ///< API 37.1+
  std::string status;
  std::string health_status;
  std::string health_message;
  friend bool operator==(const virtual_service_summary&, const virtual_service_summary&) = default;
};

/// An edge gateway NAT rule (`EdgeNatRule`). Its id is not a URN.
struct nat_rule {
  std::string id; ///< "" on create (the server does not return it; find the rule by name)
  std::string name;
  std::string description;
  bool enabled = true;
  std::string rule_type = "DNAT"; ///< DNAT, SNAT, NO_DNAT, NO_SNAT (read from `type` as well)
  std::string external_addresses;
  std::string internal_addresses;
  std::string dnat_external_port;      ///< "" : omitted
  entity_ref application_port_profile; ///< empty: omitted (any port)
  std::string firewall_match;          ///< "" : omitted; else MATCH_INTERNAL_ADDRESS, ...
  int32_t priority = -1;               ///< -1: omitted
  bool logging = false;
  int64_t version = -1; ///< optimistic-lock version; -1 on create (omitted), required on update
  friend bool operator==(const nat_rule&, const nat_rule&) = default;
};

/// An edge gateway firewall rule (`EdgeFirewallRule`). Empty group and profile lists mean ANY.
struct firewall_rule {
  std::string id; ///< "" for a rule to create (VCD assigns it on the next whole-list write)
  std::string name;
  std::string description;
  bool enabled = true;
  std::string action_value = "ALLOW";    ///< ALLOW, DROP or REJECT (`actionValue`, 35.2+)
  std::string direction = "IN_OUT";      ///< IN, OUT or IN_OUT
  std::string ip_protocol = "IPV4_IPV6"; ///< IPV4, IPV6 or IPV4_IPV6
  std::vector<entity_ref> source_firewall_groups;
  std::vector<entity_ref> destination_firewall_groups;
  std::vector<entity_ref> application_port_profiles;
  bool logging = false;
  /// Optimistic-lock version of an existing rule; -1 for a new rule (omitted). A write must
  /// carry the version last read for each existing rule.
  int64_t version = -1;
  /// The fields of a read rule that this type does not model (`comments`, `appliedTo`,
  /// `networkContextProfiles`, raw IP addresses of later API versions, ...) as one JSON object
  /// text, "" when none: a whole-list write sends them back as read, so another owner's rule
  /// loses nothing.
  std::string unmodelled;
  friend bool operator==(const firewall_rule&, const firewall_rule&) = default;
};

/// `GET /edgeGateways/{id}/firewall/rules`: the three lists in enforcement order. Only
/// `user_defined_rules` is writable (and only as a whole).
struct firewall_rules {
  std::vector<firewall_rule> system_rules;
  std::vector<firewall_rule> user_defined_rules;
  std::vector<firewall_rule> default_rules;
  friend bool operator==(const firewall_rules&, const firewall_rules&) = default;
};

/// A firewall group of type IP_SET (`FirewallGroupDetails`) owned by an edge gateway.
struct ip_set {
  std::string id; ///< "urn:vcloud:firewallGroup:<uuid>"; "" on create
  std::string name;
  std::string description;
  entity_ref owner_ref; ///< the edge gateway
  /// IPv4/IPv6 addresses, ranges "a-b" or CIDRs. Summaries (lists) leave it empty.
  std::vector<std::string> ip_addresses;
  std::string status; ///< read-only (REALIZED, ...)
  friend bool operator==(const ip_set&, const ip_set&) = default;
};

/// One `applicationPorts` entry; `protocol` is TCP, UDP, ICMPv4 or ICMPv6.
struct application_port {
  std::string name; ///< "" : omitted
  std::string protocol = "TCP";
  std::vector<std::string> destination_ports; ///< "80" or "1000-1010"
  friend bool operator==(const application_port&, const application_port&) = default;
};

/// An application port profile (`ApplicationPortProfile`).
struct app_port_profile {
  std::string id; ///< "" on create
  std::string name;
  std::string description;
  std::string scope = "TENANT"; ///< SYSTEM, PROVIDER or TENANT
  entity_ref org_ref;
  std::string context_entity_id; ///< VDC or VDC-group URN for TENANT; write-only
  std::vector<application_port> application_ports;
  // Read-only.
  bool usable_for_nat = false;
  std::string status;
  friend bool operator==(const app_port_profile&, const app_port_profile&) = default;
};

/// A certificate library item. The private key is never returned by VCD and never kept here.
struct certificate {
  std::string id; ///< "urn:vcloud:certificateLibraryItem:<uuid>"
  std::string alias;
  std::string description;
  std::string certificate_pem;
  friend bool operator==(const certificate&, const certificate&) = default;
};

/// `GET /api/task/{id}` status.
enum class task_status : uint8_t {
  queued,
  pre_running,
  running,
  post_running,
  success,
  error,
  aborted,
};

/// "queued", "preRunning", ... as on the wire.
[[nodiscard]] std::string to_string(task_status x);

/// The `Error` element of a failed task.
struct task_error {
  int32_t major_error_code = 0; ///< HTTP-like class, 0 when absent
  std::string minor_error_code; ///< e.g. "BUSY_ENTITY", "BAD_REQUEST"
  std::string message;
  friend bool operator==(const task_error&, const task_error&) = default;
};

/// Where to poll the task started by an asynchronous mutation (the 202 `Location` header).
/// `href` is empty when the server completed the mutation synchronously (200/201/204).
struct task_ref {
  std::string href; ///< absolute task URL, e.g. "https://vcd/api/task/<uuid>"
  std::string id;   ///< the last path segment of href: the task's uuid

  [[nodiscard]] bool completed_synchronously() const noexcept { return href.empty(); }
  friend bool operator==(const task_ref&, const task_ref&) = default;
};

/// A task snapshot.
struct task {
  std::string id; ///< "urn:vcloud:task:<uuid>" as reported, else the uuid
  std::string href;
  task_status status = task_status::queued;
  std::string operation; ///< human-readable description
  entity_ref owner;      ///< the created/updated object (the edge gateway for NAT rules)
  task_error error;      ///< set when status == error
  int32_t progress = 0;
  /// `Result/ResultContent` text (entities unescaped), "" when absent. IP Space allocations put
  /// the allocated values here as a JSON array (see `decode_allocation_result`).
  std::string result_content;

  /// True while VCD still works on it (queued, preRunning, running, postRunning).
  [[nodiscard]] bool in_flight() const noexcept {
    return status == task_status::queued || status == task_status::pre_running
           || status == task_status::running || status == task_status::post_running;
  }
  friend bool operator==(const task&, const task&) = default;
};

// -- IP Spaces (API 37.1+) ------------------------------------------------------------------

/// One entry of `ipSpaces/floatingIpSuggestions`: an IP Space that can give the gateway floating
/// IPs, with up to 5 IPs already allocated to the org there and not used by any network service.
struct floating_ip_suggestion {
  entity_ref ip_space_ref;
  std::vector<std::string> unused_values;
  friend bool operator==(const floating_ip_suggestion&, const floating_ip_suggestion&) = default;
};

/// An IP Space (`IpSpace`), the parts a tenant reads. Ranges and scopes are visible to provider
/// users only and not kept here.
struct ip_space {
  std::string id; ///< "urn:vcloud:ipSpace:<uuid>"
  std::string name;
  std::string description;
  std::string type;   ///< PUBLIC, PRIVATE or SHARED_SERVICES
  entity_ref org_ref; ///< PRIVATE spaces only
  std::string status;
  /// `utilization.floatingIPs` (strings on the wire). `floating_ip_total` is the org's quota
  /// for a space it does not own, -1 = no cap. `utilization_reported` is false when absent.
  bool utilization_reported = false;
  int64_t floating_ip_total = -1;
  int64_t floating_ip_allocated = 0;
  int64_t floating_ip_used = 0;
  friend bool operator==(const ip_space&, const ip_space&) = default;
};

/// An IP Space allocation (`IpSpaceIpAllocation`).
struct ip_allocation {
  std::string id;                   ///< "urn:vcloud:ipSpaceIpAllocation:<uuid>"
  std::string type = "FLOATING_IP"; ///< FLOATING_IP or IP_PREFIX
  std::string value;                ///< the IP (or prefix)
  std::string usage_state;          ///< UNUSED, USED, USED_MANUAL
  std::string description;          ///< meaningful with USED_MANUAL (the claim marker)
  entity_ref org_ref;
  // Read-only, never sent.
  std::string allocation_date;
  entity_ref used_by_ref;
  std::vector<std::string> usage_categories;
  /// Not a wire field: the space the allocation belongs to (from the request path). Filled by
  /// list/get; required by update.
  std::string ip_space_id;
  friend bool operator==(const ip_allocation&, const ip_allocation&) = default;
};

/// One element of an allocate task's result (`[{"id","value","suggestedValue"}]`).
struct allocated_ip {
  std::string id; ///< the allocation's URN
  std::string value;
  std::string suggested_value;
  friend bool operator==(const allocated_ip&, const allocated_ip&) = default;
};

/// What the client learnt while logging in.
struct session_info {
  std::string api_version;        ///< the negotiated version sent in Accept, e.g. "37.2"
  std::string max_server_version; ///< the highest version /api/versions listed
  entity_ref org;                 ///< the org the client works in (name and URN)
  entity_ref user;                ///< the logged-in user, if reported
  bool provider = false;          ///< logged in to the System org
  friend bool operator==(const session_info&, const session_info&) = default;
};

/// Compares dotted API versions numerically ("37.10" > "37.2"); non-numeric parts compare as 0.
[[nodiscard]] int compare_api_versions(const std::string& a, const std::string& b);

// -- CAF inspection (message passing between actors) ---------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_ref& x) {
  return f(caf::meta::type_name("vcd::entity_ref"), x.name, x.id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_range& x) {
  return f(caf::meta::type_name("vcd::ip_range"), x.start_address, x.end_address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_subnet& x) {
  return f(caf::meta::type_name("vcd::gateway_subnet"), x.gateway, x.prefix_length, x.ip_ranges,
           x.primary_ip, x.enabled, x.total_ip_count, x.used_ip_count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_uplink& x) {
  return f(caf::meta::type_name("vcd::gateway_uplink"), x.uplink_id, x.uplink_name, x.subnets,
           x.connected, x.dedicated, x.using_ip_space);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, edge_gateway& x) {
  return f(caf::meta::type_name("vcd::edge_gateway"), x.id, x.name, x.description, x.status,
           x.owner_ref, x.org_ref, x.uplinks, x.gateway_type);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, org_vdc_network& x) {
  return f(caf::meta::type_name("vcd::org_vdc_network"), x.id, x.name, x.org_vdc, x.owner_ref,
           x.router_ref, x.network_type);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, used_ip& x) {
  return f(caf::meta::type_name("vcd::used_ip"), x.ip_address, x.category, x.network_ref);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, seg_assignment& x) {
  return f(caf::meta::type_name("vcd::seg_assignment"), x.id, x.gateway_ref,
           x.service_engine_group_ref, x.max_virtual_services, x.min_virtual_services,
           x.num_deployed_virtual_services, x.service_engine_group_ha_mode);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alb_settings& x) {
  return f(caf::meta::type_name("vcd::alb_settings"), x.enabled, x.service_network_definition,
           x.supported_feature_set, x.transparent_mode_enabled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_monitor& x) {
  return f(caf::meta::type_name("vcd::health_monitor"), x.type, x.name, x.system_defined);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_member& x) {
  return f(caf::meta::type_name("vcd::pool_member"), x.ip_address, x.port, x.ratio, x.enabled,
           x.health_status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persistence_profile& x) {
  return f(caf::meta::type_name("vcd::persistence_profile"), x.type, x.value, x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool& x) {
  return f(caf::meta::type_name("vcd::pool"), x.id, x.name, x.description, x.gateway_ref, x.enabled,
           x.algorithm, x.default_port, x.graceful_timeout_period, x.passive_monitoring_enabled,
           x.health_monitors, x.persistence, x.members, x.virtual_service_refs, x.status,
           x.health_status, x.member_group_ref);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_summary& x) {
  return f(caf::meta::type_name("vcd::pool_summary"), x.id, x.name, x.description, x.enabled,
           x.status, x.health_status, x.member_count, x.enabled_member_count, x.up_member_count,
           x.virtual_service_refs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tcp_udp_profile& x) {
  return f(caf::meta::type_name("vcd::tcp_udp_profile"), x.type, x.name, x.system_defined);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_port& x) {
  return f(caf::meta::type_name("vcd::service_port"), x.port_start, x.port_end, x.ssl_enabled,
           x.profile);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, application_profile& x) {
  return f(caf::meta::type_name("vcd::application_profile"), x.name, x.type, x.system_defined);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, virtual_service& x) {
  return f(caf::meta::type_name("vcd::virtual_service"), x.id, x.name, x.description, x.enabled,
           x.virtual_ip_address, x.gateway_ref, x.load_balancer_pool_ref,
           x.service_engine_group_ref, x.certificate_ref, x.app_profile, x.service_ports, x.status,
           x.health_status, x.health_message, x.transparent_mode_enabled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, virtual_service_summary& x) {
  return f(caf::meta::type_name("vcd::virtual_service_summary"), x.id, x.name, x.description,
           x.enabled, x.virtual_ip_address, x.gateway_ref, x.load_balancer_pool_ref,
           x.service_engine_group_ref, x.certificate_ref, x.service_ports,
           x.application_profile_type, x.status, x.health_status, x.health_message,
           x.transparent_mode_enabled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, nat_rule& x) {
  return f(caf::meta::type_name("vcd::nat_rule"), x.id, x.name, x.description, x.enabled,
           x.rule_type, x.external_addresses, x.internal_addresses, x.dnat_external_port,
           x.application_port_profile, x.firewall_match, x.priority, x.logging, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, firewall_rule& x) {
  return f(caf::meta::type_name("vcd::firewall_rule"), x.id, x.name, x.description, x.enabled,
           x.action_value, x.direction, x.ip_protocol, x.source_firewall_groups,
           x.destination_firewall_groups, x.application_port_profiles, x.logging, x.version,
           x.unmodelled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, firewall_rules& x) {
  return f(caf::meta::type_name("vcd::firewall_rules"), x.system_rules, x.user_defined_rules,
           x.default_rules);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_set& x) {
  return f(caf::meta::type_name("vcd::ip_set"), x.id, x.name, x.description, x.owner_ref,
           x.ip_addresses, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, application_port& x) {
  return f(caf::meta::type_name("vcd::application_port"), x.name, x.protocol, x.destination_ports);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, app_port_profile& x) {
  return f(caf::meta::type_name("vcd::app_port_profile"), x.id, x.name, x.description, x.scope,
           x.org_ref, x.context_entity_id, x.application_ports, x.usable_for_nat, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, certificate& x) {
  return f(caf::meta::type_name("vcd::certificate"), x.id, x.alias, x.description,
           x.certificate_pem);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_error& x) {
  return f(caf::meta::type_name("vcd::task_error"), x.major_error_code, x.minor_error_code,
           x.message);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_ref& x) {
  return f(caf::meta::type_name("vcd::task_ref"), x.href, x.id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task& x) {
  return f(caf::meta::type_name("vcd::task"), x.id, x.href, x.status, x.operation, x.owner, x.error,
           x.progress, x.result_content);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, floating_ip_suggestion& x) {
  return f(caf::meta::type_name("vcd::floating_ip_suggestion"), x.ip_space_ref, x.unused_values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_space& x) {
  return f(caf::meta::type_name("vcd::ip_space"), x.id, x.name, x.description, x.type, x.org_ref,
           x.status, x.utilization_reported, x.floating_ip_total, x.floating_ip_allocated,
           x.floating_ip_used);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ip_allocation& x) {
  return f(caf::meta::type_name("vcd::ip_allocation"), x.id, x.type, x.value, x.usage_state,
           x.description, x.org_ref, x.allocation_date, x.used_by_ref, x.usage_categories,
           x.ip_space_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocated_ip& x) {
  return f(caf::meta::type_name("vcd::allocated_ip"), x.id, x.value, x.suggested_value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("vcd::session_info"), x.api_version, x.max_server_version, x.org,
           x.user, x.provider);
}

/// A runtime defined entity (`/cloudapi/1.0.0/entities/{id}`, reference
/// ip-spaces-rde-traffic.md §2.2-2.3). The whole DefinedEntity is kept as VCD sent it (`body`),
/// so a writer changes only the part it owns and a PUT returns everything else unchanged.
struct defined_entity {
  std::string id;          ///< urn:vcloud:entity:vmware:capvcdCluster:<uuid>
  std::string entity_type; ///< urn:vcloud:type:vmware:capvcdCluster:1.2.0
  std::string name;
  /// `entityState` (37.1+: RESOLVED, IN_DELETION, ...), else the older `state`; "" if neither.
  std::string state;
  std::string body; ///< the whole DefinedEntity JSON object
  std::string etag; ///< the ETag response header, verbatim (quotes included)
};

/// A defined entity type (`/cloudapi/1.0.0/entityTypes/{id}`): the parts a writer checks.
struct defined_entity_type {
  std::string id; ///< urn:vcloud:type:vmware:capvcdCluster:1.2.0
  std::string name;
  std::string vendor;
  std::string nss;
  std::string version;
};

} // namespace vcdlb::vcd
