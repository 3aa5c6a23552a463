#pragma once

// Request handlers of the simulator, one file per resource family. Each runs with the state
// lock held and the request already authenticated (unless its route says otherwise).

#include <optional>

#include <boost/json.hpp>

#include "adapters/http/message.hpp"
#include "adapters/vcd/sim/detail/context.hpp"

namespace vcdlb::vcd::sim::detail {

using handler_fn = http::response (*)(ctx&);

// -- handlers_auth.cpp: /api/versions, sessions, OAuth -----------------------------------------
http::response get_versions(ctx& c);
http::response post_session(ctx& c);
http::response post_provider_session(ctx& c);
http::response get_current_session(ctx& c);
http::response delete_current_session(ctx& c);
http::response post_tenant_token(ctx& c);
http::response post_provider_token(ctx& c);
/// Resolves the bearer token and tenant context into `c`; a 401/403 reply on failure.
std::optional<http::response> authenticate(ctx& c);

// -- handlers_org.cpp: orgs, VDCs, org VDC networks ----------------------------------------
http::response get_legacy_orgs(ctx& c);
http::response get_legacy_org(ctx& c);
http::response get_legacy_vdc(ctx& c);
http::response list_orgs(ctx& c);
http::response get_org(ctx& c);
http::response list_vdcs(ctx& c);
http::response get_vdc(ctx& c);
http::response list_networks(ctx& c);
http::response get_network(ctx& c);

// -- handlers_gateway.cpp: edge gateways, used IPs, ALB settings, SEG assignments ----------
http::response list_gateways(ctx& c);
http::response get_gateway(ctx& c);
http::response put_gateway(ctx& c);
http::response list_used_ips(ctx& c);
http::response get_alb_settings(ctx& c);
http::response put_alb_settings(ctx& c);
http::response list_seg_assignments(ctx& c);
http::response get_seg_assignment(ctx& c);
http::response post_seg_assignment(ctx& c);
http::response put_seg_assignment(ctx& c);
http::response delete_seg_assignment(ctx& c);
/// The visible gateway with this id, or nullptr (then `error` holds the 403/404 reply).
/// `parent`: the id is a path parent (edgeGateways/{id}/...): 404 instead of 403.
gateway_rec* visible_gateway(ctx& c, std::string_view id, http::response& error,
                             bool parent = false);

// -- handlers_alb.cpp: pools and virtual services ------------------------------------------
http::response list_pool_summaries(ctx& c);
http::response post_pool(ctx& c);
http::response get_pool(ctx& c);
http::response put_pool(ctx& c);
http::response delete_pool(ctx& c);
http::response list_vs_summaries(ctx& c);
http::response post_vs(ctx& c);
http::response get_vs(ctx& c);
http::response put_vs(ctx& c);
http::response delete_vs(ctx& c);

// -- handlers_nat.cpp: NAT rules and application port profiles -----------------------------
http::response list_nat_rules(ctx& c);
http::response post_nat_rule(ctx& c);
http::response get_nat_rule(ctx& c);
http::response put_nat_rule(ctx& c);
http::response delete_nat_rule(ctx& c);
http::response list_app_port_profiles(ctx& c);
http::response post_app_port_profile(ctx& c);
http::response get_app_port_profile(ctx& c);
http::response put_app_port_profile(ctx& c);
http::response delete_app_port_profile(ctx& c);

// -- handlers_firewall.cpp: edge gateway firewall rules and IP sets ------------------------
http::response get_firewall_rules(ctx& c);
http::response put_firewall_rules(ctx& c);
http::response delete_firewall_rules(ctx& c);
http::response get_firewall_rule(ctx& c);
http::response delete_firewall_rule(ctx& c);
http::response list_firewall_groups(ctx& c);
http::response post_firewall_group(ctx& c);
http::response get_firewall_group(ctx& c);
http::response put_firewall_group(ctx& c);
http::response delete_firewall_group(ctx& c);

// -- handlers_misc.cpp: certificate library, tasks -----------------------------------------
http::response list_certificates(ctx& c);
http::response post_certificate(ctx& c);
http::response get_certificate(ctx& c);
http::response put_certificate(ctx& c);
http::response delete_certificate(ctx& c);
http::response get_task(ctx& c);
http::response get_entity(ctx& c);
http::response put_entity(ctx& c);
http::response delete_entity(ctx& c);
http::response get_entity_type(ctx& c);

// -- handlers_ip_spaces.cpp: IP Spaces, floating IP suggestions, allocations --------------
http::response get_floating_ip_suggestions(ctx& c);
http::response get_ip_space(ctx& c);
http::response post_ip_space_allocate(ctx& c);
http::response list_ip_allocations(ctx& c);
http::response get_ip_allocation(ctx& c);
http::response put_ip_allocation(ctx& c);
http::response delete_ip_allocation(ctx& c);
/// The IP Spaces the gateway's uplinks use (none: a range-based gateway).
std::vector<const ip_space_rec*> gateway_ip_spaces(const state& st, const gateway_rec& g);
/// True if `ip` is a floating IP allocated to the gateway's org from one of its IP Spaces.
bool floating_ip_of_gateway(const state& st, const gateway_rec& g, std::string_view ip);
/// Every IP Space with its allocations, for the dump.
json::array dump_ip_spaces(state& st);
// -- handlers_legacy.cpp: the query service, vApps and VMs, /_sim/vms controls ------------
http::response get_query(ctx& c);
/// `GET /api/vApp/{vapp-<uuid>|vm-<uuid>}`.
http::response get_legacy_vapp_entity(ctx& c);
http::response sim_list_vms(ctx& c);
http::response sim_patch_vm(ctx& c);
http::response sim_delete_vm(ctx& c);
/// Every VM of the scenario (all orgs) as the /_sim/vms controls show it.
json::array render_vms(ctx& c);

// -- rendering (also used by the dump) -----------------------------------------------------
json::object render_gateway(state& st, const gateway_rec& g, int version, bool provider);
json::object render(state& st, const entry& e, int version, time_point now);
json::object render_seg_assignment(state& st, const entry& e);
json::object render_pool(state& st, const entry& e);
json::object render_vs(state& st, const entry& e, int version, time_point now);
json::object render_nat_rule(state& st, const entry& e, int version);
json::object render_app_port_profile(state& st, const entry& e);
json::object render_certificate(state& st, const entry& e);
json::object render_firewall_rule(state& st, const entry& e, int version);
json::object render_ip_set(state& st, const entry& e);
/// True if `ip` lies in one of the gateway's allocated uplink ranges.
bool in_gateway_ranges(const gateway_rec& g, std::string_view ip);
/// A new entry of kind `k` with a fresh URN (or NSX-style id for NAT rules).
entry new_entry(ctx& c, kind k, std::string gateway_id, std::string org_id, json::object body);
/// Starts the task for a change of `e` (status PENDING or CONFIGURING); locks `gateway_id`.
task_rec& start_object_task(ctx& c, entry& e, task_rec::action act, std::string operation_name,
                            std::string operation, std::string gateway_id);
/// Used IPs of a gateway: (ip, category) pairs, derived from live objects.
std::vector<std::pair<std::string, std::string>> used_ips(state& st, const gateway_rec& g);

} // namespace vcdlb::vcd::sim::detail
