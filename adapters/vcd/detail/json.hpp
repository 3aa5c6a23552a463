#pragma once

/// @file adapters/vcd/detail/json.hpp
/// @brief CloudAPI JSON <-> adapters/vcd/types.hpp. Private to the VCD adapter.
///
/// Decoders use simdjson's on-demand API. They accept fields in any order, skip unknown fields,
/// treat `null` like an absent field, and turn wrong types, truncated or otherwise malformed
/// input into `vcd_errc::bad_response`; they never throw. Encoders use Boost.JSON and write
/// exactly the CloudAPI field names (vcd-cloudapi.md §6, §8; upstream-cpi.md §2.6), leaving out
/// optional fields that are unset and every read-only field. All functions are thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/vcd/types.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::detail {

/// A page envelope: `{"resultTotal", "pageCount", "page", "pageSize", "values": [...]}`. NAT rule
/// lists carry only `values`; absent counters stay at their defaults.
template <class T>
struct page {
  int32_t page_number = 0; ///< "page"; 0 when absent
  int32_t page_count = 0;  ///< "pageCount"; 0 when absent
  int32_t page_size = 0;
  int64_t result_total = -1; ///< -1 when absent
  std::vector<T> values;
};

[[nodiscard]] caf::expected<page<org_vdc_network>> decode_org_vdc_network_page(std::string_view);
[[nodiscard]] caf::expected<org_vdc_network> decode_org_vdc_network(std::string_view);
[[nodiscard]] caf::expected<edge_gateway> decode_edge_gateway(std::string_view);
[[nodiscard]] caf::expected<page<used_ip>> decode_used_ip_page(std::string_view);
[[nodiscard]] caf::expected<page<seg_assignment>> decode_seg_assignment_page(std::string_view);
[[nodiscard]] caf::expected<page<pool_summary>> decode_pool_summary_page(std::string_view);
[[nodiscard]] caf::expected<alb_settings> decode_alb_settings(std::string_view);
[[nodiscard]] caf::expected<pool> decode_pool(std::string_view);
[[nodiscard]] caf::expected<page<virtual_service_summary>>
  decode_virtual_service_summary_page(std::string_view);
[[nodiscard]] caf::expected<virtual_service> decode_virtual_service(std::string_view);
[[nodiscard]] caf::expected<page<nat_rule>> decode_nat_rule_page(std::string_view);
[[nodiscard]] caf::expected<nat_rule> decode_nat_rule(std::string_view);
[[nodiscard]] caf::expected<firewall_rules> decode_firewall_rules(std::string_view);
[[nodiscard]] caf::expected<page<ip_set>> decode_ip_set_page(std::string_view);
[[nodiscard]] caf::expected<ip_set> decode_ip_set(std::string_view);
[[nodiscard]] caf::expected<page<app_port_profile>> decode_app_port_profile_page(std::string_view);
[[nodiscard]] caf::expected<app_port_profile> decode_app_port_profile(std::string_view);
[[nodiscard]] caf::expected<page<certificate>> decode_certificate_page(std::string_view);
[[nodiscard]] caf::expected<page<floating_ip_suggestion>>
  decode_floating_ip_suggestion_page(std::string_view);
[[nodiscard]] caf::expected<ip_space> decode_ip_space(std::string_view);
/// Allocations as read; `ip_space_id` is left empty (the caller knows the space).
[[nodiscard]] caf::expected<page<ip_allocation>> decode_ip_allocation_page(std::string_view);
[[nodiscard]] caf::expected<ip_allocation> decode_ip_allocation(std::string_view);
/// An allocate task's `ResultContent`: a JSON array `[{"id","value","suggestedValue"}]`.
[[nodiscard]] caf::expected<std::vector<allocated_ip>> decode_allocated_ips(std::string_view);
/// A page of `{name, id}` objects (e.g. `/cloudapi/1.0.0/orgs`).
[[nodiscard]] caf::expected<page<entity_ref>> decode_entity_ref_page(std::string_view);

/// The parts of a `Session` body the client uses.
struct session_body {
  std::string id;
  entity_ref org;
  entity_ref user;
};
[[nodiscard]] caf::expected<session_body> decode_session(std::string_view);

/// An OAuth token response (`/oauth/.../token`).
struct oauth_token {
  std::string access_token;
  std::string token_type;
  int64_t expires_in = -1; ///< seconds; -1 when absent
};
[[nodiscard]] caf::expected<oauth_token> decode_oauth_token(std::string_view);

/// A CloudAPI error body `{"minorErrorCode", "message", "stackTrace"}`. Best effort: empty
/// fields for anything that is not such a body (the HTTP status still classifies the error).
struct error_body {
  std::string minor_error_code;
  std::string message;
};
[[nodiscard]] error_body decode_error_body(std::string_view);

/// Request bodies. `id` is written only when set (updates); read-only fields never.
[[nodiscard]] std::string encode_pool(const pool& p);
/// `transparentModeEnabled` is written when it is true, and also when false if
/// `transparent_mode_field` (the session speaks API 37.1+, where a PUT without it would not
/// say "off" explicitly); older versions do not know the field.
[[nodiscard]] std::string encode_virtual_service(const virtual_service& vs,
                                                 bool transparent_mode_field = false);
[[nodiscard]] std::string encode_nat_rule(const nat_rule& r);
[[nodiscard]] std::string encode_app_port_profile(const app_port_profile& p);
/// `IpSpaceIpAllocationRequest` for one floating IP: `{"type":"FLOATING_IP","quantity":1}`, or
/// with `value` (API 37.2+) that specific IP instead of a quantity.
[[nodiscard]] std::string encode_allocation_request(const std::string& value);
/// The whole `IpSpaceIpAllocation` for a PUT (id, type, value, usageState, description, orgRef).
[[nodiscard]] std::string encode_ip_allocation(const ip_allocation& a);
/// The body of `PUT .../firewall/rules`: `{"userDefinedRules": [...]}` in the given order.
[[nodiscard]] std::string encode_firewall_rules(const std::vector<firewall_rule>& rules);
/// A firewall group of type IP_SET.
[[nodiscard]] std::string encode_ip_set(const ip_set& s);

} // namespace vcdlb::vcd::detail
