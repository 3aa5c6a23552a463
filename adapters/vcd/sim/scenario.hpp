#pragma once

/// @file adapters/vcd/sim/scenario.hpp
/// @brief The seed state of the VCD simulator: orgs, VDCs, networks, edge gateways with uplink
/// ranges (or IP Spaces) and SEG assignments, IP Spaces with quotas and allocations,
/// certificates, users and API tokens, and the API version.
///
/// Plain values; loaded from YAML (`load_scenario`), printed as YAML (`to_yaml`), or taken from
/// `default_scenario()`. Missing ids are derived deterministically from the names.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caf/expected.hpp"

namespace vcdlb::vcd::sim {

struct ip_range {
  std::string start;
  std::string end; ///< "" for a single address
};

struct uplink_subnet {
  std::string gateway; ///< e.g. "203.0.113.1"
  int prefix_length = 24;
  std::string primary_ip; ///< the edge's own address; listed as PRIMARY_IP in usedIpAddresses
  std::vector<ip_range> ranges;
};

struct uplink {
  std::string name; ///< external network name
  std::string id;   ///< urn:vcloud:network:...
  std::vector<uplink_subnet> subnets;
  /// Names of the IP Spaces the provider gateway behind this uplink uses. Non-empty: the uplink
  /// reports `usingIpSpace: true` and has no subnets (its IPs are allocated from the spaces).
  std::vector<std::string> ip_spaces;
};

struct seg_assignment {
  std::string id; ///< urn:vcloud:serviceEngineGroupAssignment:...
  std::string seg_name;
  std::string seg_id;                      ///< urn:vcloud:serviceEngineGroup:...
  std::optional<int> max_virtual_services; ///< unset: DEDICATED, no limit
  std::optional<int> min_virtual_services;
  /// The SEG's HA mode (`serviceEngineGroupHaMode`): ELASTIC_N_PLUS_M_BUFFER,
  /// ELASTIC_ACTIVE_ACTIVE or LEGACY_ACTIVE_STANDBY (needed by transparent mode).
  std::string ha_mode = "ELASTIC_N_PLUS_M_BUFFER";
};

/// An IP set (firewall group of type IP_SET) on the gateway from the start: another owner's.
struct gateway_ip_set {
  std::string name;
  std::string id;                     ///< urn:vcloud:firewallGroup:...
  std::vector<std::string> addresses; ///< addresses, CIDRs or ranges (ip_address.hpp)
};

/// A user-defined firewall rule on the gateway from the start (another owner's), in
/// enforcement order. Sources and destinations name IP sets of the same gateway; none = ANY.
struct gateway_firewall_rule {
  std::string name;
  std::string id;                        ///< NSX-style uuid
  std::string action = "ALLOW";          ///< ALLOW, DROP or REJECT
  std::string direction = "IN_OUT";      ///< IN, OUT or IN_OUT
  std::string ip_protocol = "IPV4_IPV6"; ///< IPV4, IPV6 or IPV4_IPV6
  std::vector<std::string> sources;
  std::vector<std::string> destinations;
};

/// A load balancer on the gateway from the start, made by someone else: typically the cloud
/// provider of a cluster deleted since (what `vcdlb gc` cleans up). A virtual service with its
/// pool; with `dnat_rule`, the one-arm layout: the virtual service listens on `internal_ip` and
/// a DNAT rule with its application port profile forwards `virtual_ip` to it. Names are given
/// whole (upstream's `ingress-vs-...` or vcdlb's `vcdlb-vs-...`), ids are derived.
struct seeded_load_balancer {
  std::string virtual_service; ///< its name
  std::string pool;
  std::string dnat_rule;        ///< "" for a two-arm load balancer (no DNAT rule, no profile)
  std::string app_port_profile; ///< required with dnat_rule
  std::string virtual_ip;       ///< the external IP
  std::string internal_ip;      ///< one-arm only (required with dnat_rule)
  int port = 80;
  std::string protocol = "TCP";     ///< TCP or UDP
  std::vector<std::string> members; ///< pool member IPs (the nodes)
  int member_port = 30080;          ///< the NodePort
  std::string description;          ///< of every object, e.g. vcdlb's `vcdlb-cluster-id=<id>`
};

struct edge_gateway {
  std::string name;
  std::string id; ///< urn:vcloud:gateway:...
  bool alb_enabled = true;
  std::string supported_feature_set = "STANDARD";
  /// Load-balancer settings' transparentModeEnabled (API 37.1+; a provider setting).
  bool transparent_mode_enabled = false;
  std::vector<uplink> uplinks;
  std::vector<seg_assignment> seg_assignments;
  std::vector<gateway_ip_set> ip_sets;
  std::vector<gateway_firewall_rule> firewall_rules;
  std::vector<seeded_load_balancer> load_balancers;
};

struct org_network {
  std::string name;
  std::string id;      ///< urn:vcloud:network:...
  std::string gateway; ///< name of the edge gateway it is connected to ("" = isolated)
  std::string subnet = "192.168.1.1/24";
};

/// One NIC of a VM (`NetworkConnection`); its index is its position in `vm_spec::nics`.
struct nic_spec {
  std::string network; ///< the network's name (need not be one of the VDC's networks)
  std::string ip;      ///< "" = no address
  std::string external_ip;
  std::string mac; ///< "" = derived from the VM id and index
  bool connected = true;
};

/// A VM of a vApp, as the legacy API shows it (nodes-and-legacy-api.md §3.5).
struct vm_spec {
  std::string name;
  std::string id; ///< urn:vcloud:vm:...
  int status = 4; ///< VCD's numeric status: 4 POWERED_ON, 8 POWERED_OFF, 3 SUSPENDED, ...
  int primary_nic = 0;
  std::vector<nic_spec> nics;
};

struct vapp_spec {
  std::string name;
  std::string id; ///< urn:vcloud:vapp:...
  std::vector<vm_spec> vms;
};

struct vdc {
  std::string name;
  std::string id; ///< urn:vcloud:vdc:...
  std::vector<edge_gateway> edge_gateways;
  std::vector<org_network> networks;
  std::vector<vapp_spec> vapps;
};

struct certificate {
  std::string alias;
  std::string id; ///< urn:vcloud:certificateLibraryItem:...
  std::string certificate_pem;
  std::string private_key_pem; ///< stored, never returned
  std::string description;
};

/// A runtime defined entity, e.g. the cluster RDE the upstream provider keeps its status in
/// (`GET/PUT /cloudapi/1.0.0/entities/{id}` with ETag / If-Match).
struct defined_entity {
  std::string id; ///< urn:vcloud:entity:vmware:capvcdCluster:<uuid> (or cse:nativeCluster)
  std::string name;
  /// capvcdCluster 1.1.0-1.3.0, or a CSE 3 `urn:vcloud:type:cse:nativeCluster:<1.0.0|2.0.0>`
  /// (the entity then starts as CSE 3 leaves it: `status: {phase, nodes}`).
  std::string entity_type = "urn:vcloud:type:vmware:capvcdCluster:1.2.0";
  /// What the org's users may do with it: "full" (read and write), "read" (a PUT is 403), or
  /// "none" (it is invisible: 403 as for an unknown id).
  std::string access = "full";
  /// `entityState`: RESOLVED, or IN_DELETION for a cluster being deleted.
  std::string state = "RESOLVED";
  /// A second writer (CAPVCD, the CSI driver; the CSE server for a nativeCluster entity) that
  /// changes `status.capvcd` (nativeCluster: `status.nodes`) of this entity
  /// right after every Nth read of it by a client, so the client's next write based on that
  /// read hits a stale ETag (412). 0: none.
  int second_writer_every = 0;
};

struct user {
  std::string name;
  std::string password;
};

struct api_token {
  std::string user;
  std::string token; ///< the refresh token exchanged at /oauth/.../token
};

struct org {
  std::string name;
  std::string id; ///< urn:vcloud:org:...
  std::vector<user> users;
  std::vector<api_token> api_tokens;
  std::vector<certificate> certificates;
  std::vector<vdc> vdcs;
  std::vector<defined_entity> defined_entities;
};

/// A per-org override of an IP Space's default floating-IP quota (`ipSpaces/orgAssignments`).
struct ip_space_quota {
  std::string org;            ///< org name
  int floating_ip_quota = -1; ///< -1: no cap; 0: nothing allocatable
};

/// An allocation that exists when the simulator starts (e.g. made by the upstream provider).
struct ip_space_allocation {
  std::string org; ///< org name
  std::string value;
  std::string usage_state = "USED_MANUAL"; ///< UNUSED, USED_MANUAL or USED
  std::string description;                 ///< e.g. upstream's claim marker
  std::string id;                          ///< urn:vcloud:ipSpaceIpAllocation:...; derived
};

/// A provider-defined IP Space (VCD 10.4.1+, ip-spaces-rde-traffic.md §1.3).
struct ip_space {
  std::string name;
  std::string id;                           ///< urn:vcloud:ipSpace:...
  std::string type = "PUBLIC";              ///< PUBLIC, PRIVATE or SHARED_SERVICES
  std::string org;                          ///< owner org name (PRIVATE only)
  std::vector<std::string> internal_scopes; ///< 1..5 CIDRs
  std::vector<ip_range> ranges;             ///< floating IPs come from these
  /// Unset: VCD's defaults, 1 for PUBLIC and SHARED_SERVICES, -1 (no cap) for PRIVATE.
  std::optional<int> default_floating_ip_quota;
  std::vector<ip_space_quota> org_quotas;
  std::vector<ip_space_allocation> allocations;

  /// The floating-IP quota of `org_name` here.
  [[nodiscard]] int quota_of(std::string_view org_name) const;
};

struct scenario {
  std::string api_version = "37.2"; ///< the highest version the server offers
  /// Several virtual services on one VIP (VCD 10.4+). Unset: true iff api_version >= 37.0.
  std::optional<bool> shared_vip;
  int max_page_size = 128;
  bool reject_oversized_page = false; ///< pageSize > max: false clamps, true answers 400
  std::vector<user> provider_users;   ///< users of the System org (/sessions/provider)
  std::vector<api_token> provider_api_tokens;
  std::vector<org> orgs;
  std::vector<ip_space> ip_spaces; ///< provider objects; gateways' uplinks name them
};

/// The built-in scenario: org "org1", VDC "vdc1", network "net1" on edge gateway "edge-1" with
/// 203.0.113.10-203.0.113.250 allocated, a shared SEG "seg-shared" (max 1000 virtual services),
/// a certificate "vcdlb-sim-cert", tenant user admin@org1 / "admin-password", API token
/// "vcdlb-sim-api-token", provider user administrator@System / "provider-password", and a
/// capvcdCluster RDE "cluster1".
[[nodiscard]] scenario default_scenario();

/// A small scenario whose only edge gateway allocates its IPs from IP Spaces: a PUBLIC space
/// with an org quota, a seeded allocation carrying the upstream provider's claim marker, and a
/// PRIVATE space. `vcdlb vcd-sim --print-scenario` shows it (commented) after the built-in one.
[[nodiscard]] scenario ip_space_example_scenario();

/// Parses a scenario from YAML text. Unknown keys, wrong types, bad IPs and duplicate names
/// are config_errc errors naming the offending key. Missing ids are derived from names.
[[nodiscard]] caf::expected<scenario> parse_scenario(std::string_view yaml);

/// Reads and parses a YAML file (config_errc::unreadable_file if it cannot be read).
[[nodiscard]] caf::expected<scenario> load_scenario(const std::string& path);

/// Renders `s` as YAML that `parse_scenario` reads back to an equal scenario.
[[nodiscard]] std::string to_yaml(const scenario& s);

/// VCD's numeric VM/vApp status for a name ("POWERED_OFF" -> 8) or a number ("8"); nullopt
/// for anything else.
[[nodiscard]] std::optional<int> parse_vm_status(std::string_view text);
/// The name of a numeric status ("POWERED_ON"); the number as text for unknown codes.
[[nodiscard]] std::string vm_status_text(int status);

/// True for an API version like "37.2".
[[nodiscard]] bool valid_api_version(std::string_view text);

/// "urn:vcloud:<type>:<uuid>" with a uuid derived from `seed` (stable across runs).
[[nodiscard]] std::string derived_urn(std::string_view type, std::string_view seed);

} // namespace vcdlb::vcd::sim
