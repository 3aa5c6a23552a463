#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "adapters/vcd/ip_address.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"
#include "adapters/vcd/sim/detail/scenario_yaml.hpp"
#include "adapters/vcd/sim/scenario.hpp"
#include "protocol/errors.hpp"

// Reading a scenario from YAML (parse_scenario, load_scenario of scenario.hpp): one function
// per kind of node, each naming the node's path in its errors.

namespace vcdlb::vcd::sim {

namespace {

using detail::check_ip;
using detail::reader;
using detail::yaml_error;

caf::error parse_string(const YAML::Node& n, const std::string& w, std::string& out) {
  if (!n.IsScalar())
    return yaml_error(config_errc::wrong_type, w, "expected a string");
  out = n.as<std::string>();
  if (out.empty())
    return yaml_error(config_errc::invalid_value, w, "must not be empty");
  return {};
}

caf::error parse_user(reader& r, const YAML::Node& n, const std::string& w, user& u) {
  if (auto err = r.check_keys(n, w, {"name", "password"}))
    return err;
  if (auto err = r.str(n, "name", w, u.name, true))
    return err;
  return r.str(n, "password", w, u.password, true);
}

caf::error parse_token(reader& r, const YAML::Node& n, const std::string& w, api_token& t) {
  if (auto err = r.check_keys(n, w, {"user", "token"}))
    return err;
  if (auto err = r.str(n, "user", w, t.user, true))
    return err;
  return r.str(n, "token", w, t.token, true);
}

caf::error parse_cert(reader& r, const YAML::Node& n, const std::string& w, certificate& c) {
  if (auto err = r.check_keys(n, w, {"alias", "id", "certificate", "private_key", "description"}))
    return err;
  if (auto err = r.str(n, "alias", w, c.alias, true))
    return err;
  if (auto err = r.str(n, "id", w, c.id))
    return err;
  if (auto err = r.str(n, "certificate", w, c.certificate_pem, true))
    return err;
  if (auto err = r.str(n, "private_key", w, c.private_key_pem))
    return err;
  return r.str(n, "description", w, c.description);
}

caf::error parse_range(reader& r, const YAML::Node& n, const std::string& w, ip_range& x) {
  if (auto err = r.check_keys(n, w, {"start", "end"}))
    return err;
  if (auto err = r.str(n, "start", w, x.start, true))
    return err;
  if (auto err = r.str(n, "end", w, x.end))
    return err;
  if (auto err = check_ip(x.start, w + ".start"))
    return err;
  if (auto err = check_ip(x.end, w + ".end", true))
    return err;
  if (!x.end.empty() && *detail::parse_ipv4(x.end) < *detail::parse_ipv4(x.start))
    return yaml_error(config_errc::invalid_value, w, "end before start");
  return {};
}

caf::error parse_subnet(reader& r, const YAML::Node& n, const std::string& w, uplink_subnet& s) {
  if (auto err = r.check_keys(n, w, {"gateway", "prefix_length", "primary_ip", "ranges"}))
    return err;
  if (auto err = r.str(n, "gateway", w, s.gateway, true))
    return err;
  if (auto err = check_ip(s.gateway, w + ".gateway"))
    return err;
  if (auto err = r.scalar(n, "prefix_length", w, s.prefix_length))
    return err;
  if (s.prefix_length < 1 || s.prefix_length > 32)
    return yaml_error(config_errc::invalid_value, w + ".prefix_length", "must be 1..32");
  if (auto err = r.str(n, "primary_ip", w, s.primary_ip))
    return err;
  if (auto err = check_ip(s.primary_ip, w + ".primary_ip", true))
    return err;
  return r.list(n, "ranges", w, s.ranges,
                [&](const YAML::Node& m, const std::string& mw, ip_range& x) {
                  return parse_range(r, m, mw, x);
                });
}

caf::error parse_uplink(reader& r, const YAML::Node& n, const std::string& w, uplink& u) {
  if (auto err = r.check_keys(n, w, {"name", "id", "subnets", "ip_spaces"}))
    return err;
  if (auto err = r.str(n, "name", w, u.name, true))
    return err;
  if (auto err = r.str(n, "id", w, u.id))
    return err;
  if (u.id.empty())
    u.id = derived_urn("network", "uplink/" + u.name);
  if (auto err = r.list(n, "subnets", w, u.subnets,
                        [&](const YAML::Node& m, const std::string& mw, uplink_subnet& x) {
                          return parse_subnet(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.list(n, "ip_spaces", w, u.ip_spaces, parse_string))
    return err;
  if (!u.ip_spaces.empty() && !u.subnets.empty())
    return yaml_error(config_errc::invalid_value, w,
                      "an uplink that uses IP Spaces has no subnets (its IPs are allocated)");
  return {};
}

caf::error parse_quota(reader& r, const YAML::Node& n, const std::string& w, ip_space_quota& q) {
  if (auto err = r.check_keys(n, w, {"org", "floating_ip_quota"}))
    return err;
  if (auto err = r.str(n, "org", w, q.org, true))
    return err;
  if (auto err = r.scalar(n, "floating_ip_quota", w, q.floating_ip_quota))
    return err;
  if (q.floating_ip_quota < -1)
    return yaml_error(config_errc::invalid_value, w + ".floating_ip_quota", "must be -1 or more");
  return {};
}

caf::error parse_allocation(reader& r, const YAML::Node& n, const std::string& w,
                            ip_space_allocation& a) {
  if (auto err = r.check_keys(n, w, {"org", "value", "usage_state", "description", "id"}))
    return err;
  if (auto err = r.str(n, "org", w, a.org, true))
    return err;
  if (auto err = r.str(n, "value", w, a.value, true))
    return err;
  if (auto err = check_ip(a.value, w + ".value"))
    return err;
  if (auto err = r.str(n, "usage_state", w, a.usage_state))
    return err;
  if (a.usage_state != "UNUSED" && a.usage_state != "USED_MANUAL" && a.usage_state != "USED")
    return yaml_error(config_errc::invalid_value, w + ".usage_state",
                      "must be UNUSED, USED_MANUAL or USED");
  if (auto err = r.str(n, "description", w, a.description))
    return err;
  return r.str(n, "id", w, a.id);
}

caf::error parse_ip_space(reader& r, const YAML::Node& n, const std::string& w, ip_space& x) {
  if (auto err = r.check_keys(n, w,
                              {"name", "id", "type", "org", "internal_scopes", "ranges",
                               "default_floating_ip_quota", "org_quotas", "allocations"}))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "id", w, x.id))
    return err;
  if (auto err = r.str(n, "type", w, x.type))
    return err;
  if (x.type != "PUBLIC" && x.type != "PRIVATE" && x.type != "SHARED_SERVICES")
    return yaml_error(config_errc::invalid_value, w + ".type",
                      "must be PUBLIC, PRIVATE or SHARED_SERVICES");
  if (auto err = r.str(n, "org", w, x.org))
    return err;
  if ((x.type == "PRIVATE") != !x.org.empty())
    return yaml_error(config_errc::invalid_value, w + ".org",
                      "a PRIVATE IP Space names its org; other types do not");
  if (auto err = r.list(n, "internal_scopes", w, x.internal_scopes, parse_string))
    return err;
  if (x.internal_scopes.size() > 5)
    return yaml_error(config_errc::invalid_value, w + ".internal_scopes", "at most 5 CIDRs");
  if (auto err = r.list(n, "ranges", w, x.ranges,
                        [&](const YAML::Node& m, const std::string& mw, ip_range& v) {
                          return parse_range(r, m, mw, v);
                        }))
    return err;
  if (auto err = r.opt_scalar(n, "default_floating_ip_quota", w, x.default_floating_ip_quota))
    return err;
  if (x.default_floating_ip_quota && *x.default_floating_ip_quota < -1)
    return yaml_error(config_errc::invalid_value, w + ".default_floating_ip_quota",
                      "must be -1 or more");
  if (auto err = r.list(n, "org_quotas", w, x.org_quotas,
                        [&](const YAML::Node& m, const std::string& mw, ip_space_quota& v) {
                          return parse_quota(r, m, mw, v);
                        }))
    return err;
  return r.list(n, "allocations", w, x.allocations,
                [&](const YAML::Node& m, const std::string& mw, ip_space_allocation& v) {
                  return parse_allocation(r, m, mw, v);
                });
}

caf::error parse_seg(reader& r, const YAML::Node& n, const std::string& w, seg_assignment& s) {
  if (auto err = r.check_keys(n, w,
                              {"id", "service_engine_group", "service_engine_group_id",
                               "max_virtual_services", "min_virtual_services", "ha_mode"}))
    return err;
  if (auto err = r.str(n, "service_engine_group", w, s.seg_name, true))
    return err;
  if (auto err = r.str(n, "service_engine_group_id", w, s.seg_id))
    return err;
  if (auto err = r.str(n, "id", w, s.id))
    return err;
  if (auto err = r.opt_scalar(n, "max_virtual_services", w, s.max_virtual_services))
    return err;
  if (auto err = r.opt_scalar(n, "min_virtual_services", w, s.min_virtual_services))
    return err;
  if (auto err = r.str(n, "ha_mode", w, s.ha_mode))
    return err;
  if (s.ha_mode != "ELASTIC_N_PLUS_M_BUFFER" && s.ha_mode != "ELASTIC_ACTIVE_ACTIVE"
      && s.ha_mode != "LEGACY_ACTIVE_STANDBY")
    return yaml_error(config_errc::invalid_value, w + ".ha_mode",
                      "must be ELASTIC_N_PLUS_M_BUFFER, ELASTIC_ACTIVE_ACTIVE or "
                      "LEGACY_ACTIVE_STANDBY");
  if (s.seg_id.empty())
    s.seg_id = derived_urn("serviceEngineGroup", s.seg_name);
  return {};
}

caf::error parse_names(const YAML::Node& n, const char* key, const std::string& w,
                       std::vector<std::string>& out) {
  auto v = n[key];
  if (!v || v.IsNull())
    return {};
  if (!v.IsSequence())
    return yaml_error(config_errc::wrong_type, w + "." + key, "expected a list of strings");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar())
      return yaml_error(config_errc::wrong_type, w + "." + key + "[" + std::to_string(i) + "]",
                        "expected a string");
    out.push_back(v[i].as<std::string>());
  }
  return {};
}

caf::error parse_ip_set(reader& r, const YAML::Node& n, const std::string& w, gateway_ip_set& s) {
  if (auto err = r.check_keys(n, w, {"name", "id", "addresses"}))
    return err;
  if (auto err = r.str(n, "name", w, s.name, true))
    return err;
  if (auto err = r.str(n, "id", w, s.id))
    return err;
  if (auto err = parse_names(n, "addresses", w, s.addresses))
    return err;
  for (const auto& a : s.addresses)
    if (!is_ip_set_address(a))
      return yaml_error(config_errc::invalid_value, w + ".addresses",
                        "not an address, CIDR or range: '" + a + "'");
  return {};
}

caf::error parse_firewall_rule(reader& r, const YAML::Node& n, const std::string& w,
                               gateway_firewall_rule& x) {
  if (auto err = r.check_keys(
        n, w, {"name", "id", "action", "direction", "ip_protocol", "sources", "destinations"}))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "id", w, x.id))
    return err;
  auto one_of = [&](const char* key, std::string& v,
                    std::initializer_list<std::string_view> allowed) -> caf::error {
    if (auto err = r.str(n, key, w, v))
      return err;
    for (auto a : allowed)
      if (a == v)
        return {};
    return yaml_error(config_errc::invalid_value, w + "." + key, "unsupported value '" + v + "'");
  };
  if (auto err = one_of("action", x.action, {"ALLOW", "DROP", "REJECT"}))
    return err;
  if (auto err = one_of("direction", x.direction, {"IN", "OUT", "IN_OUT"}))
    return err;
  if (auto err = one_of("ip_protocol", x.ip_protocol, {"IPV4", "IPV6", "IPV4_IPV6"}))
    return err;
  if (auto err = parse_names(n, "sources", w, x.sources))
    return err;
  return parse_names(n, "destinations", w, x.destinations);
}

caf::error parse_gateway(reader& r, const YAML::Node& n, const std::string& w, edge_gateway& g) {
  if (auto err = r.check_keys(n, w,
                              {"name", "id", "alb_enabled", "supported_feature_set",
                               "transparent_mode_enabled", "uplinks", "seg_assignments", "ip_sets",
                               "firewall_rules", "load_balancers"}))
    return err;
  if (auto err = r.str(n, "name", w, g.name, true))
    return err;
  if (auto err = r.str(n, "id", w, g.id))
    return err;
  if (auto err = r.scalar(n, "alb_enabled", w, g.alb_enabled))
    return err;
  if (auto err = r.str(n, "supported_feature_set", w, g.supported_feature_set))
    return err;
  if (g.supported_feature_set != "STANDARD" && g.supported_feature_set != "PREMIUM")
    return yaml_error(config_errc::invalid_value, w + ".supported_feature_set",
                      "must be STANDARD or PREMIUM");
  if (auto err = r.scalar(n, "transparent_mode_enabled", w, g.transparent_mode_enabled))
    return err;
  if (auto err = r.list(n, "uplinks", w, g.uplinks,
                        [&](const YAML::Node& m, const std::string& mw, uplink& x) {
                          return parse_uplink(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.list(n, "seg_assignments", w, g.seg_assignments,
                        [&](const YAML::Node& m, const std::string& mw, seg_assignment& x) {
                          return parse_seg(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.list(n, "ip_sets", w, g.ip_sets,
                        [&](const YAML::Node& m, const std::string& mw, gateway_ip_set& x) {
                          return parse_ip_set(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.list(n, "firewall_rules", w, g.firewall_rules,
                        [&](const YAML::Node& m, const std::string& mw, gateway_firewall_rule& x) {
                          return parse_firewall_rule(r, m, mw, x);
                        }))
    return err;
  return detail::parse_load_balancers(n["load_balancers"], w, g.load_balancers);
}

caf::error parse_network(reader& r, const YAML::Node& n, const std::string& w, org_network& x) {
  if (auto err = r.check_keys(n, w, {"name", "id", "gateway", "subnet"}))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "id", w, x.id))
    return err;
  if (auto err = r.str(n, "gateway", w, x.gateway))
    return err;
  return r.str(n, "subnet", w, x.subnet);
}

caf::error parse_nic(reader& r, const YAML::Node& n, const std::string& w, nic_spec& x) {
  if (auto err = r.check_keys(n, w, {"network", "ip", "external_ip", "mac", "connected"}))
    return err;
  if (auto err = r.str(n, "network", w, x.network, true))
    return err;
  if (auto err = r.str(n, "ip", w, x.ip))
    return err;
  if (auto err = check_ip(x.ip, w + ".ip", true))
    return err;
  if (auto err = r.str(n, "external_ip", w, x.external_ip))
    return err;
  if (auto err = check_ip(x.external_ip, w + ".external_ip", true))
    return err;
  if (auto err = r.str(n, "mac", w, x.mac))
    return err;
  return r.scalar(n, "connected", w, x.connected);
}

caf::error parse_vm(reader& r, const YAML::Node& n, const std::string& w, vm_spec& x) {
  if (auto err = r.check_keys(n, w, {"name", "id", "status", "primary_nic", "nics"}))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "id", w, x.id))
    return err;
  std::string status;
  if (auto err = r.str(n, "status", w, status))
    return err;
  if (!status.empty()) {
    auto code = parse_vm_status(status);
    if (!code)
      return yaml_error(config_errc::invalid_value, w + ".status",
                        "not a VM status (POWERED_ON, POWERED_OFF, SUSPENDED, ... or a number): '"
                          + status + "'");
    x.status = *code;
  }
  if (auto err = r.scalar(n, "primary_nic", w, x.primary_nic))
    return err;
  if (auto err =
        r.list(n, "nics", w, x.nics, [&](const YAML::Node& m, const std::string& mw, nic_spec& y) {
          return parse_nic(r, m, mw, y);
        }))
    return err;
  if (x.primary_nic < 0 || (!x.nics.empty() && x.primary_nic >= static_cast<int>(x.nics.size())))
    return yaml_error(config_errc::invalid_value, w + ".primary_nic", "no NIC with this index");
  return {};
}

caf::error parse_vapp(reader& r, const YAML::Node& n, const std::string& w, vapp_spec& x) {
  if (auto err = r.check_keys(n, w, {"name", "id", "vms"}))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "id", w, x.id))
    return err;
  return r.list(n, "vms", w, x.vms, [&](const YAML::Node& m, const std::string& mw, vm_spec& y) {
    return parse_vm(r, m, mw, y);
  });
}

caf::error parse_vdc(reader& r, const YAML::Node& n, const std::string& w, vdc& v) {
  if (auto err = r.check_keys(n, w, {"name", "id", "edge_gateways", "networks", "vapps"}))
    return err;
  if (auto err = r.list(n, "vapps", w, v.vapps,
                        [&](const YAML::Node& m, const std::string& mw, vapp_spec& x) {
                          return parse_vapp(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.str(n, "name", w, v.name, true))
    return err;
  if (auto err = r.str(n, "id", w, v.id))
    return err;
  if (auto err = r.list(n, "edge_gateways", w, v.edge_gateways,
                        [&](const YAML::Node& m, const std::string& mw, edge_gateway& x) {
                          return parse_gateway(r, m, mw, x);
                        }))
    return err;
  return r.list(n, "networks", w, v.networks,
                [&](const YAML::Node& m, const std::string& mw, org_network& x) {
                  return parse_network(r, m, mw, x);
                });
}

caf::error parse_entity(reader& r, const YAML::Node& n, const std::string& w, defined_entity& x) {
  if (auto err =
        r.check_keys(n, w, {"id", "name", "entity_type", "access", "state", "second_writer_every"}))
    return err;
  if (auto err = r.str(n, "id", w, x.id, true))
    return err;
  if (auto err = r.str(n, "name", w, x.name, true))
    return err;
  if (auto err = r.str(n, "access", w, x.access))
    return err;
  if (x.access != "full" && x.access != "read" && x.access != "none")
    return yaml_error(config_errc::invalid_value, w + ".access",
                      "must be full, read or none, not '" + x.access + "'");
  if (auto err = r.str(n, "state", w, x.state))
    return err;
  if (x.state != "RESOLVED" && x.state != "IN_DELETION")
    return yaml_error(config_errc::invalid_value, w + ".state",
                      "must be RESOLVED or IN_DELETION, not '" + x.state + "'");
  if (auto err = r.scalar(n, "second_writer_every", w, x.second_writer_every))
    return err;
  if (x.second_writer_every < 0)
    return yaml_error(config_errc::invalid_value, w + ".second_writer_every", "must be >= 0");
  return r.str(n, "entity_type", w, x.entity_type);
}

caf::error parse_org(reader& r, const YAML::Node& n, const std::string& w, org& o) {
  if (auto err = r.check_keys(
        n, w, {"name", "id", "users", "api_tokens", "certificates", "vdcs", "defined_entities"}))
    return err;
  if (auto err = r.list(n, "defined_entities", w, o.defined_entities,
                        [&](const YAML::Node& m, const std::string& mw, defined_entity& x) {
                          return parse_entity(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.str(n, "name", w, o.name, true))
    return err;
  if (auto err = r.str(n, "id", w, o.id))
    return err;
  if (auto err =
        r.list(n, "users", w, o.users, [&](const YAML::Node& m, const std::string& mw, user& x) {
          return parse_user(r, m, mw, x);
        }))
    return err;
  if (auto err = r.list(n, "api_tokens", w, o.api_tokens,
                        [&](const YAML::Node& m, const std::string& mw, api_token& x) {
                          return parse_token(r, m, mw, x);
                        }))
    return err;
  if (auto err = r.list(n, "certificates", w, o.certificates,
                        [&](const YAML::Node& m, const std::string& mw, certificate& x) {
                          return parse_cert(r, m, mw, x);
                        }))
    return err;
  return r.list(n, "vdcs", w, o.vdcs, [&](const YAML::Node& m, const std::string& mw, vdc& x) {
    return parse_vdc(r, m, mw, x);
  });
}

} // namespace

caf::expected<scenario> parse_scenario(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string{yaml});
  } catch (const YAML::Exception& e) {
    return yaml_error(config_errc::invalid_yaml, "(document)", e.what());
  }
  scenario s;
  reader r;
  try {
    if (auto err = r.check_keys(root, "(root)",
                                {"api_version", "shared_vip", "max_page_size",
                                 "reject_oversized_page", "provider", "orgs", "ip_spaces"}))
      return err;
    if (auto err = r.str(root, "api_version", "(root)", s.api_version))
      return err;
    if (auto err = r.opt_scalar(root, "shared_vip", "(root)", s.shared_vip))
      return err;
    if (auto err = r.scalar(root, "max_page_size", "(root)", s.max_page_size))
      return err;
    if (auto err = r.scalar(root, "reject_oversized_page", "(root)", s.reject_oversized_page))
      return err;
    if (auto p = root["provider"]) {
      if (auto err = r.check_keys(p, "provider", {"users", "api_tokens"}))
        return err;
      if (auto err = r.list(p, "users", "provider", s.provider_users,
                            [&](const YAML::Node& m, const std::string& mw, user& x) {
                              return parse_user(r, m, mw, x);
                            }))
        return err;
      if (auto err = r.list(p, "api_tokens", "provider", s.provider_api_tokens,
                            [&](const YAML::Node& m, const std::string& mw, api_token& x) {
                              return parse_token(r, m, mw, x);
                            }))
        return err;
    }
    if (auto err = r.list(root, "orgs", "(root)", s.orgs,
                          [&](const YAML::Node& m, const std::string& mw, org& x) {
                            return parse_org(r, m, mw, x);
                          }))
      return err;
    if (auto err = r.list(root, "ip_spaces", "(root)", s.ip_spaces,
                          [&](const YAML::Node& m, const std::string& mw, ip_space& x) {
                            return parse_ip_space(r, m, mw, x);
                          }))
      return err;
  } catch (const YAML::Exception& e) {
    return yaml_error(config_errc::invalid_yaml, "(document)", e.what());
  }
  if (auto err = detail::finish_scenario(s))
    return err;
  return s;
}

caf::expected<scenario> load_scenario(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return caf::make_error(config_errc::unreadable_file, "cannot read scenario file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_scenario(buf.str());
}

} // namespace vcdlb::vcd::sim
