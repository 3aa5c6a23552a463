#include "adapters/vcd/detail/json.hpp"

#include <charconv>
#include <exception>
#include <limits>
#include <type_traits>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <simdjson.h>

#include "protocol/errors.hpp"

namespace vcdlb::vcd::detail {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Forward declarations: the list helpers below are templates that call these.
error_code read(od::value& v, std::string& out);
error_code read(od::value& v, bool& out);
error_code read(od::value& v, int64_t& out);
error_code read(od::value& v, int32_t& out);
error_code read(od::value& v, ip_range& out);
error_code read(od::value& v, gateway_subnet& out);
error_code read(od::value& v, gateway_uplink& out);
error_code read(od::value& v, edge_gateway& out);
error_code read(od::value& v, org_vdc_network& out);
error_code read(od::value& v, used_ip& out);
error_code read(od::value& v, seg_assignment& out);
error_code read(od::value& v, alb_settings& out);
error_code read(od::value& v, health_monitor& out);
error_code read(od::value& v, pool_member& out);
error_code read(od::value& v, persistence_profile& out);
error_code read(od::value& v, pool& out);
error_code read(od::value& v, pool_summary& out);
error_code read(od::value& v, tcp_udp_profile& out);
error_code read(od::value& v, service_port& out);
error_code read(od::value& v, application_profile& out);
error_code read(od::value& v, virtual_service& out);
error_code read(od::value& v, virtual_service_summary& out);
error_code read(od::value& v, nat_rule& out);
error_code read(od::value& v, firewall_rule& out);
error_code read(od::value& v, ip_set& out);
error_code read(od::value& v, application_port& out);
error_code read(od::value& v, app_port_profile& out);
error_code read(od::value& v, certificate& out);
error_code read(od::value& v, floating_ip_suggestion& out);
error_code read(od::value& v, ip_space& out);
error_code read(od::value& v, ip_allocation& out);
error_code read(od::value& v, allocated_ip& out);

// -- decoding primitives -----------------------------------------------------------------------
// Each reads one value into `out`. JSON null leaves `out` untouched (absent); a wrong type is
// INCORRECT_TYPE; out-of-range numbers are NUMBER_OUT_OF_RANGE.

error_code is_null(od::value& v, bool& null) {
  od::json_type t;
  if (auto e = v.type().get(t))
    return e;
  null = t == od::json_type::null;
  return SUCCESS;
}

error_code read(od::value& v, std::string& out) {
  bool null = false;
  if (auto e = is_null(v, null); e || null)
    return e;
  std::string_view s;
  if (auto e = v.get_string().get(s))
    return e;
  out.assign(s);
  return SUCCESS;
}

error_code read(od::value& v, bool& out) {
  bool null = false;
  if (auto e = is_null(v, null); e || null)
    return e;
  return v.get_bool().get(out);
}

error_code read(od::value& v, int64_t& out) {
  bool null = false;
  if (auto e = is_null(v, null); e || null)
    return e;
  return v.get_int64().get(out);
}

error_code read(od::value& v, int32_t& out) {
  int64_t wide = out;
  if (auto e = read(v, wide))
    return e;
  if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max())
    return simdjson::NUMBER_OUT_OF_RANGE;
  out = static_cast<int32_t>(wide);
  return SUCCESS;
}

// Calls `f(key, value)` for each field of an object (null: no fields).
template <class F>
error_code for_each_field(od::value& v, F&& f) {
  bool null = false;
  if (auto e = is_null(v, null); e || null)
    return e;
  od::object obj;
  if (auto e = v.get_object().get(obj))
    return e;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key))
      return e;
    od::value value;
    if (auto e = field.value().get(value))
      return e;
    if (auto e = f(key, value))
      return e;
  }
  return SUCCESS;
}

// VCD's optimistic-concurrency token, `"version": {"version": N}` (ObjectVersion).
error_code read_object_version(od::value& v, int64_t& out) {
  return for_each_field(v, [&](std::string_view k, od::value& y) -> error_code {
    return k == "version" ? read(y, out) : SUCCESS;
  });
}

// Calls `f(element)` for each element of an array (null: none).
template <class F>
error_code for_each_element(od::value& v, F&& f) {
  bool null = false;
  if (auto e = is_null(v, null); e || null)
    return e;
  od::array arr;
  if (auto e = v.get_array().get(arr))
    return e;
  for (auto element : arr) {
    od::value value;
    if (auto e = element.get(value))
      return e;
    if (auto e = f(value))
      return e;
  }
  return SUCCESS;
}

error_code read(od::value& v, std::vector<std::string>& out) {
  return for_each_element(v, [&](od::value& x) {
    std::string s;
    auto e = read(x, s);
    out.push_back(std::move(s));
    return e;
  });
}

error_code read(od::value& v, entity_ref& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "name")
      return read(x, out.name);
    if (key == "id")
      return read(x, out.id);
    return SUCCESS;
  });
}

error_code read(od::value& v, std::vector<entity_ref>& out) {
  return for_each_element(v, [&](od::value& x) {
    entity_ref r;
    auto e = read(x, r);
    out.push_back(std::move(r));
    return e;
  });
}

// `{"values": [...]}` wrappers (subnets, ipRanges) and plain arrays of objects.
template <class T>
error_code read_list(od::value& v, std::vector<T>& out) {
  return for_each_element(v, [&](od::value& x) {
    T item;
    auto e = read(x, item);
    out.push_back(std::move(item));
    return e;
  });
}

template <class T>
error_code read_values(od::value& v, std::vector<T>& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    return key == "values" ? read_list(x, out) : SUCCESS;
  });
}

// -- decoding objects --------------------------------------------------------------------------

error_code read(od::value& v, ip_range& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "startAddress")
      return read(x, out.start_address);
    if (key == "endAddress")
      return read(x, out.end_address);
    return SUCCESS;
  });
}

error_code read(od::value& v, gateway_subnet& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "gateway")
      return read(x, out.gateway);
    if (key == "prefixLength")
      return read(x, out.prefix_length);
    if (key == "ipRanges")
      return read_values(x, out.ip_ranges);
    if (key == "primaryIp")
      return read(x, out.primary_ip);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "totalIpCount")
      return read(x, out.total_ip_count);
    if (key == "usedIpCount")
      return read(x, out.used_ip_count);
    return SUCCESS;
  });
}

error_code read(od::value& v, gateway_uplink& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "uplinkId")
      return read(x, out.uplink_id);
    if (key == "uplinkName")
      return read(x, out.uplink_name);
    if (key == "subnets")
      return read_values(x, out.subnets);
    if (key == "connected")
      return read(x, out.connected);
    if (key == "dedicated")
      return read(x, out.dedicated);
    if (key == "usingIpSpace")
      return read(x, out.using_ip_space);
    return SUCCESS;
  });
}

error_code read(od::value& v, edge_gateway& out) {
  entity_ref org_vdc;
  auto e = for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "status")
      return read(x, out.status);
    if (key == "ownerRef")
      return read(x, out.owner_ref);
    if (key == "orgVdc")
      return read(x, org_vdc);
    if (key == "orgRef")
      return read(x, out.org_ref);
    if (key == "edgeGatewayUplinks")
      return read_list(x, out.uplinks);
    if (key == "gatewayBacking")
      return for_each_field(x, [&](std::string_view k, od::value& y) -> error_code {
        return k == "gatewayType" ? read(y, out.gateway_type) : SUCCESS;
      });
    return SUCCESS;
  });
  // `orgVdc` is the deprecated spelling of the owner (before 35.0).
  if (!e && out.owner_ref.empty())
    out.owner_ref = std::move(org_vdc);
  return e;
}

error_code read(od::value& v, org_vdc_network& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "orgVdc")
      return read(x, out.org_vdc);
    if (key == "ownerRef")
      return read(x, out.owner_ref);
    if (key == "networkType")
      return read(x, out.network_type);
    if (key == "backingNetworkType" && out.network_type.empty())
      return read(x, out.network_type);
    if (key == "connection")
      return for_each_field(x, [&](std::string_view k, od::value& y) -> error_code {
        return k == "routerRef" ? read(y, out.router_ref) : SUCCESS;
      });
    return SUCCESS;
  });
}

error_code read(od::value& v, used_ip& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "ipAddress")
      return read(x, out.ip_address);
    if (key == "category")
      return read(x, out.category);
    if (key == "networkRef")
      return read(x, out.network_ref);
    return SUCCESS;
  });
}

error_code read(od::value& v, seg_assignment& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "gatewayRef")
      return read(x, out.gateway_ref);
    if (key == "serviceEngineGroupRef")
      return read(x, out.service_engine_group_ref);
    if (key == "maxVirtualServices")
      return read(x, out.max_virtual_services);
    if (key == "minVirtualServices")
      return read(x, out.min_virtual_services);
    if (key == "numDeployedVirtualServices")
      return read(x, out.num_deployed_virtual_services);
    if (key == "serviceEngineGroupHaMode")
      return read(x, out.service_engine_group_ha_mode);
    return SUCCESS;
  });
}

error_code read(od::value& v, alb_settings& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "serviceNetworkDefinition")
      return read(x, out.service_network_definition);
    if (key == "supportedFeatureSet")
      return read(x, out.supported_feature_set);
    if (key == "transparentModeEnabled")
      return read(x, out.transparent_mode_enabled);
    return SUCCESS;
  });
}

error_code read(od::value& v, health_monitor& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "type")
      return read(x, out.type);
    if (key == "name")
      return read(x, out.name);
    if (key == "systemDefined")
      return read(x, out.system_defined);
    return SUCCESS;
  });
}

error_code read(od::value& v, pool_member& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "ipAddress")
      return read(x, out.ip_address);
    if (key == "port")
      return read(x, out.port);
    if (key == "ratio")
      return read(x, out.ratio);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "healthStatus")
      return read(x, out.health_status);
    return SUCCESS;
  });
}

error_code read(od::value& v, persistence_profile& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "type")
      return read(x, out.type);
    if (key == "value")
      return read(x, out.value);
    if (key == "name")
      return read(x, out.name);
    return SUCCESS;
  });
}

error_code read(od::value& v, pool& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "gatewayRef")
      return read(x, out.gateway_ref);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "algorithm")
      return read(x, out.algorithm);
    if (key == "defaultPort")
      return read(x, out.default_port);
    if (key == "gracefulTimeoutPeriod")
      return read(x, out.graceful_timeout_period);
    if (key == "passiveMonitoringEnabled")
      return read(x, out.passive_monitoring_enabled);
    if (key == "healthMonitors")
      return read_list(x, out.health_monitors);
    if (key == "persistenceProfile")
      return read(x, out.persistence);
    if (key == "members")
      return read_list(x, out.members);
    if (key == "memberGroupRef")
      return read(x, out.member_group_ref);
    if (key == "virtualServiceRefs")
      return read(x, out.virtual_service_refs);
    if (key == "status")
      return read(x, out.status);
    if (key == "healthStatus")
      return read(x, out.health_status);
    return SUCCESS;
  });
}

error_code read(od::value& v, pool_summary& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "status")
      return read(x, out.status);
    if (key == "healthStatus")
      return read(x, out.health_status);
    if (key == "memberCount")
      return read(x, out.member_count);
    if (key == "enabledMemberCount")
      return read(x, out.enabled_member_count);
    if (key == "upMemberCount")
      return read(x, out.up_member_count);
    if (key == "virtualServiceRefs")
      return read(x, out.virtual_service_refs);
    return SUCCESS;
  });
}

error_code read(od::value& v, tcp_udp_profile& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "type")
      return read(x, out.type);
    if (key == "name")
      return read(x, out.name);
    if (key == "systemDefined")
      return read(x, out.system_defined);
    return SUCCESS;
  });
}

error_code read(od::value& v, service_port& out) {
  // An absent tcpUdpProfile reads as an empty type (and is not written back).
  out.profile.type.clear();
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "portStart")
      return read(x, out.port_start);
    if (key == "portEnd")
      return read(x, out.port_end);
    if (key == "sslEnabled")
      return read(x, out.ssl_enabled);
    if (key == "tcpUdpProfile")
      return read(x, out.profile);
    return SUCCESS;
  });
}

error_code read(od::value& v, application_profile& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "name")
      return read(x, out.name);
    if (key == "type")
      return read(x, out.type);
    if (key == "systemDefined")
      return read(x, out.system_defined);
    return SUCCESS;
  });
}

// The fields virtual services and their summaries share.
template <class T>
error_code read_vs_common(std::string_view key, od::value& x, T& out, bool& known) {
  known = true;
  if (key == "id")
    return read(x, out.id);
  if (key == "name")
    return read(x, out.name);
  if (key == "description")
    return read(x, out.description);
  if (key == "enabled")
    return read(x, out.enabled);
  if (key == "virtualIpAddress")
    return read(x, out.virtual_ip_address);
  if (key == "gatewayRef")
    return read(x, out.gateway_ref);
  if (key == "loadBalancerPoolRef")
    return read(x, out.load_balancer_pool_ref);
  if (key == "serviceEngineGroupRef")
    return read(x, out.service_engine_group_ref);
  if (key == "certificateRef")
    return read(x, out.certificate_ref);
  if (key == "servicePorts")
    return read_list(x, out.service_ports);
  if (key == "status")
    return read(x, out.status);
  if (key == "healthStatus")
    return read(x, out.health_status);
  if (key == "healthMessage")
    return read(x, out.health_message);
  if (key == "transparentModeEnabled")
    return read(x, out.transparent_mode_enabled);
  known = false;
  return SUCCESS;
}

error_code read(od::value& v, virtual_service& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    bool known = false;
    auto e = read_vs_common(key, x, out, known);
    if (known)
      return e;
    if (key == "applicationProfile")
      return read(x, out.app_profile);
    return SUCCESS;
  });
}

error_code read(od::value& v, virtual_service_summary& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    bool known = false;
    auto e = read_vs_common(key, x, out, known);
    if (known)
      return e;
    if (key == "applicationProfileType")
      return read(x, out.application_profile_type);
    return SUCCESS;
  });
}

error_code read(od::value& v, nat_rule& out) {
  std::string rule_type;
  std::string type;
  auto e = for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "ruleType")
      return read(x, rule_type);
    if (key == "type")
      return read(x, type);
    if (key == "externalAddresses")
      return read(x, out.external_addresses);
    if (key == "internalAddresses")
      return read(x, out.internal_addresses);
    if (key == "dnatExternalPort")
      return read(x, out.dnat_external_port);
    if (key == "applicationPortProfile")
      return read(x, out.application_port_profile);
    if (key == "firewallMatch")
      return read(x, out.firewall_match);
    if (key == "priority")
      return read(x, out.priority);
    if (key == "logging")
      return read(x, out.logging);
    if (key == "version")
      return read_object_version(x, out.version);
    return SUCCESS;
  });
  // 36.0+ reports `type` (and may drop the deprecated `ruleType`).
  if (!rule_type.empty())
    out.rule_type = std::move(rule_type);
  else if (!type.empty())
    out.rule_type = std::move(type);
  return e;
}

// A value's JSON text as it stands in the document.
error_code raw_text(od::value& x, std::string_view& out) {
  od::json_type type;
  if (auto e = x.type().get(type))
    return e;
  if (type == od::json_type::object) {
    od::object o;
    if (auto e = x.get_object().get(o))
      return e;
    return o.raw_json().get(out);
  }
  if (type == od::json_type::array) {
    od::array a;
    if (auto e = x.get_array().get(a))
      return e;
    return a.raw_json().get(out);
  }
  out = x.raw_json_token();
  while (!out.empty()
         && (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t'))
    out.remove_suffix(1);
  return SUCCESS;
}

error_code read(od::value& v, firewall_rule& out) {
  std::string action;
  std::string action_value;
  boost::json::object unmodelled;
  auto e = for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "enabled")
      return read(x, out.enabled);
    if (key == "action")
      return read(x, action);
    if (key == "actionValue")
      return read(x, action_value);
    if (key == "direction")
      return read(x, out.direction);
    if (key == "ipProtocol")
      return read(x, out.ip_protocol);
    if (key == "sourceFirewallGroups")
      return read(x, out.source_firewall_groups);
    if (key == "destinationFirewallGroups")
      return read(x, out.destination_firewall_groups);
    if (key == "applicationPortProfiles")
      return read(x, out.application_port_profiles);
    if (key == "logging")
      return read(x, out.logging);
    if (key == "version")
      return read_object_version(x, out.version);
    // Kept verbatim for the whole-list write (firewall_rule::unmodelled).
    std::string_view text;
    if (auto e = raw_text(x, text))
      return e;
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec)
      return simdjson::TAPE_ERROR;
    unmodelled[key] = std::move(value);
    return SUCCESS;
  });
  if (!unmodelled.empty())
    out.unmodelled = boost::json::serialize(unmodelled);
  // 35.2+ reports `actionValue` (REJECT exists only there); older servers only `action`.
  if (!action_value.empty())
    out.action_value = std::move(action_value);
  else if (!action.empty())
    out.action_value = std::move(action);
  return e;
}

error_code read(od::value& v, firewall_rules& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "systemRules")
      return read_list(x, out.system_rules);
    if (key == "userDefinedRules")
      return read_list(x, out.user_defined_rules);
    if (key == "defaultRules")
      return read_list(x, out.default_rules);
    return SUCCESS;
  });
}

error_code read(od::value& v, ip_set& out) {
  entity_ref edge_gateway_ref;
  auto e = for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "ownerRef")
      return read(x, out.owner_ref);
    if (key == "edgeGatewayRef")
      return read(x, edge_gateway_ref);
    if (key == "ipAddresses")
      return read(x, out.ip_addresses);
    if (key == "status")
      return read(x, out.status);
    return SUCCESS;
  });
  // `edgeGatewayRef` is the deprecated (pre-35.0) spelling of the owner.
  if (!e && out.owner_ref.empty())
    out.owner_ref = std::move(edge_gateway_ref);
  return e;
}

error_code read(od::value& v, application_port& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "name")
      return read(x, out.name);
    if (key == "protocol")
      return read(x, out.protocol);
    if (key == "destinationPorts")
      return read(x, out.destination_ports);
    return SUCCESS;
  });
}

error_code read(od::value& v, app_port_profile& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "scope")
      return read(x, out.scope);
    if (key == "orgRef")
      return read(x, out.org_ref);
    if (key == "contextEntityId")
      return read(x, out.context_entity_id);
    if (key == "applicationPorts")
      return read_list(x, out.application_ports);
    if (key == "usableForNAT")
      return read(x, out.usable_for_nat);
    if (key == "status")
      return read(x, out.status);
    return SUCCESS;
  });
}

error_code read(od::value& v, certificate& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "alias")
      return read(x, out.alias);
    if (key == "description")
      return read(x, out.description);
    if (key == "certificate")
      return read(x, out.certificate_pem);
    return SUCCESS;
  });
}

error_code read(od::value& v, floating_ip_suggestion& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "ipSpaceRef")
      return read(x, out.ip_space_ref);
    if (key == "unusedValues")
      return read(x, out.unused_values);
    return SUCCESS;
  });
}

// `utilization.floatingIPs` counters are strings ("-1" = no cap); numbers are accepted too.
error_code read_counter(od::value& v, int64_t& out) {
  od::json_type t;
  if (auto e = v.type().get(t))
    return e;
  if (t == od::json_type::null)
    return SUCCESS;
  if (t == od::json_type::number)
    return read(v, out);
  std::string text;
  if (auto e = read(v, text))
    return e;
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size())
    return simdjson::INCORRECT_TYPE;
  out = n;
  return SUCCESS;
}

error_code read(od::value& v, ip_space& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "name")
      return read(x, out.name);
    if (key == "description")
      return read(x, out.description);
    if (key == "type")
      return read(x, out.type);
    if (key == "orgRef")
      return read(x, out.org_ref);
    if (key == "status")
      return read(x, out.status);
    if (key == "utilization")
      return for_each_field(x, [&](std::string_view k, od::value& u) -> error_code {
        if (k != "floatingIPs")
          return SUCCESS;
        out.utilization_reported = true;
        return for_each_field(u, [&](std::string_view c, od::value& n) -> error_code {
          if (c == "totalCount")
            return read_counter(n, out.floating_ip_total);
          if (c == "allocatedCount")
            return read_counter(n, out.floating_ip_allocated);
          if (c == "usedCount")
            return read_counter(n, out.floating_ip_used);
          return SUCCESS;
        });
      });
    return SUCCESS;
  });
}

error_code read(od::value& v, ip_allocation& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "type")
      return read(x, out.type);
    if (key == "value")
      return read(x, out.value);
    if (key == "usageState")
      return read(x, out.usage_state);
    if (key == "description")
      return read(x, out.description);
    if (key == "orgRef")
      return read(x, out.org_ref);
    if (key == "allocationDate")
      return read(x, out.allocation_date);
    if (key == "usedByRef")
      return read(x, out.used_by_ref);
    if (key == "usageCategories")
      return read(x, out.usage_categories);
    return SUCCESS;
  });
}

error_code read(od::value& v, allocated_ip& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "value")
      return read(x, out.value);
    if (key == "suggestedValue")
      return read(x, out.suggested_value);
    return SUCCESS;
  });
}

error_code read(od::value& v, session_body& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "id")
      return read(x, out.id);
    if (key == "org")
      return read(x, out.org);
    if (key == "user")
      return read(x, out.user);
    return SUCCESS;
  });
}

error_code read(od::value& v, oauth_token& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "access_token")
      return read(x, out.access_token);
    if (key == "token_type")
      return read(x, out.token_type);
    if (key == "expires_in")
      return read(x, out.expires_in);
    return SUCCESS;
  });
}

error_code read(od::value& v, error_body& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "minorErrorCode")
      return read(x, out.minor_error_code);
    if (key == "message")
      return read(x, out.message);
    return SUCCESS;
  });
}

template <class T>
error_code read(od::value& v, page<T>& out) {
  return for_each_field(v, [&](std::string_view key, od::value& x) -> error_code {
    if (key == "page")
      return read(x, out.page_number);
    if (key == "pageCount")
      return read(x, out.page_count);
    if (key == "pageSize")
      return read(x, out.page_size);
    if (key == "resultTotal")
      return read(x, out.result_total);
    if (key == "values")
      return read_list(x, out.values);
    return SUCCESS;
  });
}

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

template <class T>
error_code read_root(od::value& v, T& out) {
  if constexpr (is_vector<T>::value)
    return read_list(v, out);
  else
    return read(v, out);
}

// Parses a whole document whose root must be an object (an array for vector results). Never
// throws.
template <class T>
caf::expected<T> decode(std::string_view body, const char* what) {
  auto fail = [&](std::string reason) {
    return caf::make_error(vcd_errc::bad_response,
                           std::string{"cannot decode "} + what + ": " + reason);
  };
  try {
    simdjson::padded_string padded{body};
    od::parser parser;
    od::document doc;
    if (auto e = parser.iterate(padded).get(doc))
      return fail(simdjson::error_message(e));
    od::value root;
    if (auto e = doc.get_value().get(root))
      return fail(simdjson::error_message(e));
    od::json_type t;
    if (auto e = root.type().get(t))
      return fail(simdjson::error_message(e));
    if constexpr (is_vector<T>::value) {
      if (t != od::json_type::array)
        return fail("the document is not an array");
    } else if (t != od::json_type::object) {
      return fail("the document is not an object");
    }
    T out;
    if (auto e = read_root(root, out))
      return fail(simdjson::error_message(e));
    // In bounds after the root object means more tokens follow (3.0 has no document::at_end);
    // a body with trailing content is not the document we asked for.
    const char* where = nullptr;
    if (doc.current_location().get(where) == SUCCESS)
      return fail("trailing content after the JSON document");
    return out;
  } catch (const std::exception& ex) {
    return fail(ex.what());
  }
}

// -- encoding ------------------------------------------------------------------------------------

namespace bj = boost::json;

bj::object ref_json(const entity_ref& r) {
  bj::object o;
  if (!r.name.empty())
    o["name"] = r.name;
  o["id"] = r.id;
  return o;
}

// `"version": {"version": N}` when the object was read with a version (N >= 0).
void put_object_version(bj::object& o, int64_t version) {
  if (version < 0)
    return;
  bj::object v;
  v["version"] = version;
  o["version"] = std::move(v);
}

} // namespace

caf::expected<page<org_vdc_network>> decode_org_vdc_network_page(std::string_view body) {
  return decode<page<org_vdc_network>>(body, "org VDC network page");
}

caf::expected<org_vdc_network> decode_org_vdc_network(std::string_view body) {
  return decode<org_vdc_network>(body, "org VDC network");
}

caf::expected<edge_gateway> decode_edge_gateway(std::string_view body) {
  return decode<edge_gateway>(body, "edge gateway");
}

caf::expected<page<used_ip>> decode_used_ip_page(std::string_view body) {
  return decode<page<used_ip>>(body, "used IP address page");
}

caf::expected<page<seg_assignment>> decode_seg_assignment_page(std::string_view body) {
  return decode<page<seg_assignment>>(body, "service engine group assignment page");
}

caf::expected<page<pool_summary>> decode_pool_summary_page(std::string_view body) {
  return decode<page<pool_summary>>(body, "pool summary page");
}

caf::expected<alb_settings> decode_alb_settings(std::string_view body) {
  return decode<alb_settings>(body, "load balancer settings");
}

caf::expected<pool> decode_pool(std::string_view body) {
  return decode<pool>(body, "pool");
}

caf::expected<page<virtual_service_summary>>
decode_virtual_service_summary_page(std::string_view body) {
  return decode<page<virtual_service_summary>>(body, "virtual service summary page");
}

caf::expected<virtual_service> decode_virtual_service(std::string_view body) {
  return decode<virtual_service>(body, "virtual service");
}

caf::expected<page<nat_rule>> decode_nat_rule_page(std::string_view body) {
  return decode<page<nat_rule>>(body, "NAT rule page");
}

caf::expected<nat_rule> decode_nat_rule(std::string_view body) {
  return decode<nat_rule>(body, "NAT rule");
}

caf::expected<firewall_rules> decode_firewall_rules(std::string_view body) {
  return decode<firewall_rules>(body, "firewall rules");
}

caf::expected<page<ip_set>> decode_ip_set_page(std::string_view body) {
  return decode<page<ip_set>>(body, "firewall group page");
}

caf::expected<ip_set> decode_ip_set(std::string_view body) {
  return decode<ip_set>(body, "firewall group");
}

caf::expected<page<app_port_profile>> decode_app_port_profile_page(std::string_view body) {
  return decode<page<app_port_profile>>(body, "application port profile page");
}

caf::expected<app_port_profile> decode_app_port_profile(std::string_view body) {
  return decode<app_port_profile>(body, "application port profile");
}

caf::expected<page<certificate>> decode_certificate_page(std::string_view body) {
  return decode<page<certificate>>(body, "certificate page");
}

caf::expected<page<entity_ref>> decode_entity_ref_page(std::string_view body) {
  return decode<page<entity_ref>>(body, "entity page");
}

caf::expected<page<floating_ip_suggestion>>
decode_floating_ip_suggestion_page(std::string_view body) {
  return decode<page<floating_ip_suggestion>>(body, "floating IP suggestion page");
}

caf::expected<ip_space> decode_ip_space(std::string_view body) {
  return decode<ip_space>(body, "IP space");
}

caf::expected<page<ip_allocation>> decode_ip_allocation_page(std::string_view body) {
  return decode<page<ip_allocation>>(body, "IP space allocation page");
}

caf::expected<ip_allocation> decode_ip_allocation(std::string_view body) {
  return decode<ip_allocation>(body, "IP space allocation");
}

caf::expected<std::vector<allocated_ip>> decode_allocated_ips(std::string_view body) {
  return decode<std::vector<allocated_ip>>(body, "IP space allocation result");
}

caf::expected<session_body> decode_session(std::string_view body) {
  return decode<session_body>(body, "session");
}

caf::expected<oauth_token> decode_oauth_token(std::string_view body) {
  return decode<oauth_token>(body, "OAuth token response");
}

error_body decode_error_body(std::string_view body) {
  auto out = decode<error_body>(body, "error body");
  return out ? std::move(*out) : error_body{};
}

std::string encode_pool(const pool& p) {
  bj::object o;
  if (!p.id.empty())
    o["id"] = p.id;
  o["name"] = p.name;
  if (!p.description.empty())
    o["description"] = p.description;
  o["enabled"] = p.enabled;
  o["gatewayRef"] = ref_json(p.gateway_ref);
  o["algorithm"] = p.algorithm;
  o["defaultPort"] = p.default_port;
  o["gracefulTimeoutPeriod"] = p.graceful_timeout_period;
  o["passiveMonitoringEnabled"] = p.passive_monitoring_enabled;
  bj::array monitors;
  for (const auto& m : p.health_monitors) {
    bj::object h;
    if (!m.name.empty())
      h["name"] = m.name;
    h["type"] = m.type;
    monitors.push_back(std::move(h));
  }
  o["healthMonitors"] = std::move(monitors);
  if (!p.member_group_ref.id.empty()) {
    // Group membership and member IPs exclude each other: no `members` at all.
    o["memberGroupRef"] = ref_json(p.member_group_ref);
  } else {
    bj::array members;
    for (const auto& m : p.members) {
      bj::object j;
      j["ipAddress"] = m.ip_address;
      if (m.port > 0)
        j["port"] = m.port;
      j["ratio"] = m.ratio;
      j["enabled"] = m.enabled;
      members.push_back(std::move(j));
    }
    o["members"] = std::move(members);
  }
  if (!p.persistence.type.empty()) {
    bj::object j;
    j["type"] = p.persistence.type;
    if (!p.persistence.value.empty())
      j["value"] = p.persistence.value;
    o["persistenceProfile"] = std::move(j);
  }
  return bj::serialize(o);
}

std::string encode_virtual_service(const virtual_service& vs, bool transparent_mode_field) {
  bj::object o;
  if (!vs.id.empty())
    o["id"] = vs.id;
  o["name"] = vs.name;
  if (!vs.description.empty())
    o["description"] = vs.description;
  o["enabled"] = vs.enabled;
  o["virtualIpAddress"] = vs.virtual_ip_address;
  o["gatewayRef"] = ref_json(vs.gateway_ref);
  o["loadBalancerPoolRef"] = ref_json(vs.load_balancer_pool_ref);
  o["serviceEngineGroupRef"] = ref_json(vs.service_engine_group_ref);
  if (!vs.certificate_ref.id.empty())
    o["certificateRef"] = ref_json(vs.certificate_ref);
  bj::object profile;
  if (!vs.app_profile.name.empty())
    profile["name"] = vs.app_profile.name;
  profile["type"] = vs.app_profile.type;
  profile["systemDefined"] = vs.app_profile.system_defined;
  o["applicationProfile"] = std::move(profile);
  bj::array ports;
  for (const auto& sp : vs.service_ports) {
    bj::object j;
    j["portStart"] = sp.port_start;
    if (sp.port_end > 0)
      j["portEnd"] = sp.port_end;
    j["sslEnabled"] = sp.ssl_enabled;
    if (!sp.profile.type.empty()) {
      bj::object t;
      if (!sp.profile.name.empty())
        t["name"] = sp.profile.name;
      t["type"] = sp.profile.type;
      t["systemDefined"] = sp.profile.system_defined;
      j["tcpUdpProfile"] = std::move(t);
    }
    ports.push_back(std::move(j));
  }
  o["servicePorts"] = std::move(ports);
  if (transparent_mode_field || vs.transparent_mode_enabled)
    o["transparentModeEnabled"] = vs.transparent_mode_enabled;
  return bj::serialize(o);
}

std::string encode_nat_rule(const nat_rule& r) {
  bj::object o;
  if (!r.id.empty())
    o["id"] = r.id;
  o["name"] = r.name;
  o["description"] = r.description;
  o["enabled"] = r.enabled;
  // REFLEXIVE exists only as `type`; the others go in `ruleType`, which every version accepts.
  if (r.rule_type == "REFLEXIVE")
    o["type"] = r.rule_type;
  else
    o["ruleType"] = r.rule_type;
  o["externalAddresses"] = r.external_addresses;
  o["internalAddresses"] = r.internal_addresses;
  if (!r.dnat_external_port.empty())
    o["dnatExternalPort"] = r.dnat_external_port;
  if (!r.application_port_profile.id.empty())
    o["applicationPortProfile"] = ref_json(r.application_port_profile);
  o["logging"] = r.logging;
  if (!r.firewall_match.empty())
    o["firewallMatch"] = r.firewall_match;
  if (r.priority >= 0)
    o["priority"] = r.priority;
  put_object_version(o, r.version);
  return bj::serialize(o);
}

std::string encode_allocation_request(const std::string& value) {
  bj::object o;
  o["type"] = "FLOATING_IP";
  if (value.empty())
    o["quantity"] = 1;
  else
    o["value"] = value; // API 37.2+; never together with quantity
  return bj::serialize(o);
}

std::string encode_ip_allocation(const ip_allocation& a) {
  bj::object o;
  o["id"] = a.id;
  o["type"] = a.type;
  o["value"] = a.value;
  o["usageState"] = a.usage_state;
  o["description"] = a.description;
  if (!a.org_ref.id.empty())
    o["orgRef"] = ref_json(a.org_ref);
  return bj::serialize(o);
}

std::string encode_firewall_rules(const std::vector<firewall_rule>& rules) {
  auto refs = [](const std::vector<entity_ref>& list) {
    bj::array out;
    for (const auto& r : list)
      out.push_back(ref_json(r));
    return out;
  };
  bj::array list;
  for (const auto& r : rules) {
    bj::object o;
    if (!r.id.empty())
      o["id"] = r.id;
    o["name"] = r.name;
    if (!r.description.empty())
      o["description"] = r.description;
    o["enabled"] = r.enabled;
    o["actionValue"] = r.action_value;
    // The deprecated `action` (ALLOW/DROP only) for servers before 35.2; equal when both sent.
    if (r.action_value == "ALLOW" || r.action_value == "DROP")
      o["action"] = r.action_value;
    o["direction"] = r.direction;
    o["ipProtocol"] = r.ip_protocol;
    if (!r.source_firewall_groups.empty())
      o["sourceFirewallGroups"] = refs(r.source_firewall_groups);
    if (!r.destination_firewall_groups.empty())
      o["destinationFirewallGroups"] = refs(r.destination_firewall_groups);
    if (!r.application_port_profiles.empty())
      o["applicationPortProfiles"] = refs(r.application_port_profiles);
    o["logging"] = r.logging;
    put_object_version(o, r.version);
    // What the rule held beyond the modelled fields goes back as read.
    boost::system::error_code ec;
    if (!r.unmodelled.empty())
      if (auto extra = bj::parse(r.unmodelled, ec); !ec && extra.is_object())
        for (auto& [k, val] : extra.get_object())
          if (!o.contains(k))
            o[k] = val;
    list.push_back(std::move(o));
  }
  bj::object body;
  body["userDefinedRules"] = std::move(list);
  return bj::serialize(body);
}

std::string encode_ip_set(const ip_set& s) {
  bj::object o;
  if (!s.id.empty())
    o["id"] = s.id;
  o["name"] = s.name;
  if (!s.description.empty())
    o["description"] = s.description;
  o["typeValue"] = "IP_SET";
  o["ownerRef"] = ref_json(s.owner_ref);
  bj::array addresses;
  for (const auto& a : s.ip_addresses)
    addresses.emplace_back(a);
  o["ipAddresses"] = std::move(addresses);
  return bj::serialize(o);
}

std::string encode_app_port_profile(const app_port_profile& p) {
  bj::object o;
  if (!p.id.empty())
    o["id"] = p.id;
  o["name"] = p.name;
  o["description"] = p.description;
  o["scope"] = p.scope;
  if (!p.org_ref.id.empty())
    o["orgRef"] = ref_json(p.org_ref);
  if (!p.context_entity_id.empty())
    o["contextEntityId"] = p.context_entity_id;
  bj::array ports;
  for (const auto& ap : p.application_ports) {
    bj::object j;
    if (!ap.name.empty())
      j["name"] = ap.name;
    j["protocol"] = ap.protocol;
    bj::array dest;
    for (const auto& d : ap.destination_ports)
      dest.emplace_back(d);
    j["destinationPorts"] = std::move(dest);
    ports.push_back(std::move(j));
  }
  o["applicationPorts"] = std::move(ports);
  return bj::serialize(o);
}

} // namespace vcdlb::vcd::detail
