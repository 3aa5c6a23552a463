#include "adapters/vcd/sim/scenario.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "adapters/vcd/ip_address.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd::sim {

namespace {

// A self-signed EC certificate (CN=vcdlb-sim.example.com, valid until 2126) so the default
// certificate library holds a real PEM document, as VCD would.
constexpr std::string_view default_cert_pem = R"(-----BEGIN CERTIFICATE-----
MIIBlzCCAT2gAwIBAgIUbK/YZELBxh13AtMs43Zrp/8HBPIwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVdmNkbGItc2ltLmV4YW1wbGUuY29tMCAXDTI2MTEyNjExMzU0
MVoYDzIxMjYxMTAyMTEzNTQxWjAgMR4wHAYDVQQDDBV2Y2RsYi1zaW0uZXhhbXBs
ZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQLFflDHUuDB8Vdk2LK0+fr
nVPn1pvNpodrS46qSkDo8TFFG4ondw5j/XB0mzVK2Jf6+DRkAwXz/s3gYsyvDk6J
o1MwUTAdBgNVHQ4EFgQU4kMC6hW4wqLcVxZ8xaRPN1BWIqwwHwYDVR0jBBgwFoAU
4kMC6hW4wqLcVxZ8xaRPN1BWIqwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNIADBFAiEA1UbWbk79/bqlxOoSpbq96WIZ/9dzktpPYigIMbTiawECIEIlCX7a
1KX+Okg0YZhbFNQNIvFmyOo6wTWpPt/2vtSH
-----END CERTIFICATE-----
)";

constexpr std::string_view default_key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtpH6Ag9qf9aBFuhF
rEq0LQ0AOajhch4p/f8P7sL0lJChRANCAAQLFflDHUuDB8Vdk2LK0+frnVPn1pvN
podrS46qSkDo8TFFG4ondw5j/XB0mzVK2Jf6+DRkAwXz/s3gYsyvDk6J
-----END PRIVATE KEY-----
)";

uint64_t fnv1a(std::string_view text, uint64_t h) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// "urn:vcloud:x:<uuid>" -> "<uuid>".
std::string_view urn_uuid_of(std::string_view urn) {
  auto colon = urn.rfind(':');
  return colon == std::string_view::npos ? urn : urn.substr(colon + 1);
}

// Errors carry the YAML path of the offending node, e.g. "orgs[0].vdcs[1].name".
caf::error yaml_error(config_errc code, const std::string& where, const std::string& what) {
  return caf::make_error(code, "scenario: " + where + ": " + what);
}

// yaml-cpp throws on type mismatches; every access goes through these helpers, which turn a
// bad node into an error value at this boundary.
class reader {
public:
  caf::error check_keys(const YAML::Node& n, const std::string& where,
                        std::initializer_list<std::string_view> allowed) {
    if (!n.IsMap())
      return yaml_error(config_errc::wrong_type, where, "expected a mapping");
    for (const auto& kv : n) {
      auto key = kv.first.as<std::string>();
      bool ok = false;
      for (auto a : allowed)
        ok = ok || a == key;
      if (!ok)
        return yaml_error(config_errc::unknown_key, where + "." + key, "unknown key");
    }
    return {};
  }

  caf::error str(const YAML::Node& n, const char* key, const std::string& where, std::string& out,
                 bool required = false) {
    auto v = n[key];
    if (!v) {
      if (required)
        return yaml_error(config_errc::missing_key, where + "." + key, "required");
      return {};
    }
    if (!v.IsScalar())
      return yaml_error(config_errc::wrong_type, where + "." + key, "expected a string");
    out = v.as<std::string>();
    if (required && out.empty())
      return yaml_error(config_errc::missing_key, where + "." + key, "must not be empty");
    return {};
  }

  template <class T>
  caf::error scalar(const YAML::Node& n, const char* key, const std::string& where, T& out) {
    auto v = n[key];
    if (!v)
      return {};
    try {
      out = v.as<T>();
    } catch (const YAML::Exception&) {
      return yaml_error(config_errc::wrong_type, where + "." + key, "wrong type");
    }
    return {};
  }

  template <class T>
  caf::error opt_scalar(const YAML::Node& n, const char* key, const std::string& where,
                        std::optional<T>& out) {
    auto v = n[key];
    if (!v || v.IsNull())
      return {};
    T x{};
    if (auto err = scalar(n, key, where, x))
      return err;
    out = x;
    return {};
  }

  template <class T, class F>
  caf::error list(const YAML::Node& n, const char* key, const std::string& where,
                  std::vector<T>& out, F parse_one) {
    auto v = n[key];
    if (!v || v.IsNull())
      return {};
    if (!v.IsSequence())
      return yaml_error(config_errc::wrong_type, where + "." + key, "expected a list");
    for (size_t i = 0; i < v.size(); ++i) {
      T item;
      auto item_where = where + "." + key + "[" + std::to_string(i) + "]";
      if (auto err = parse_one(v[i], item_where, item))
        return err;
      out.push_back(std::move(item));
    }
    return {};
  }
};

caf::error check_ip(const std::string& ip, const std::string& where, bool allow_empty = false) {
  if (ip.empty() && allow_empty)
    return {};
  if (!detail::parse_ipv4(ip))
    return yaml_error(config_errc::invalid_value, where, "not an IPv4 address: '" + ip + "'");
  return {};
}

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
                               "max_virtual_services", "min_virtual_services"}))
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
                              {"name", "id", "alb_enabled", "supported_feature_set", "uplinks",
                               "seg_assignments", "ip_sets", "firewall_rules", "load_balancers"}))
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

// Fills derived ids and checks cross references (network -> gateway, token -> user) and
// uniqueness of names where VCD enforces it.
caf::error finish(scenario& s) {
  auto dup = [](std::set<std::string>& seen, const std::string& name, const std::string& where) {
    if (!seen.insert(name).second)
      return yaml_error(config_errc::invalid_value, where, "duplicate name '" + name + "'");
    return caf::error{};
  };
  std::set<std::string> org_names;
  for (size_t oi = 0; oi < s.orgs.size(); ++oi) {
    auto& o = s.orgs[oi];
    auto ow = "orgs[" + std::to_string(oi) + "]";
    if (auto err = dup(org_names, o.name, ow + ".name"))
      return err;
    if (o.id.empty())
      o.id = derived_urn("org", o.name);
    std::set<std::string> users;
    for (auto& u : o.users)
      if (auto err = dup(users, u.name, ow + ".users"))
        return err;
    for (auto& t : o.api_tokens)
      if (!users.count(t.user))
        return yaml_error(config_errc::invalid_value, ow + ".api_tokens",
                          "unknown user '" + t.user + "'");
    std::set<std::string> aliases;
    for (auto& c : o.certificates) {
      if (auto err = dup(aliases, c.alias, ow + ".certificates"))
        return err;
      if (c.id.empty())
        c.id = derived_urn("certificateLibraryItem", o.name + "/" + c.alias);
    }
    std::set<std::string> vdc_names;
    for (auto& v : o.vdcs) {
      if (auto err = dup(vdc_names, v.name, ow + ".vdcs"))
        return err;
      if (v.id.empty())
        v.id = derived_urn("vdc", o.name + "/" + v.name);
      std::set<std::string> gws;
      for (auto& g : v.edge_gateways) {
        if (auto err = dup(gws, g.name, ow + ".vdcs." + v.name + ".edge_gateways"))
          return err;
        if (g.id.empty())
          g.id = derived_urn("gateway", o.name + "/" + v.name + "/" + g.name);
        for (auto& a : g.seg_assignments)
          if (a.id.empty())
            a.id = derived_urn("serviceEngineGroupAssignment", g.id + "/" + a.seg_id);
        auto gw_where = ow + ".vdcs." + v.name + ".edge_gateways." + g.name;
        std::set<std::string> sets;
        for (auto& x : g.ip_sets) {
          if (auto err = dup(sets, x.name, gw_where + ".ip_sets"))
            return err;
          if (x.id.empty())
            x.id = derived_urn("firewallGroup", g.id + "/" + x.name);
        }
        for (auto& x : g.firewall_rules) {
          if (x.id.empty()) // NSX-style ids: the uuid alone
            x.id = std::string{urn_uuid_of(derived_urn("firewallRule", g.id + "/" + x.name))};
          for (const auto* refs : {&x.sources, &x.destinations})
            for (const auto& ref : *refs)
              if (!sets.count(ref))
                return yaml_error(config_errc::invalid_value, gw_where + ".firewall_rules",
                                  "rule '" + x.name + "' names unknown IP set '" + ref + "'");
        }
        if (auto err = detail::check_load_balancers(g, gw_where))
          return err;
      }
      std::set<std::string> nets;
      for (auto& n : v.networks) {
        if (auto err = dup(nets, n.name, ow + ".vdcs." + v.name + ".networks"))
          return err;
        if (n.id.empty())
          n.id = derived_urn("network", o.name + "/" + v.name + "/" + n.name);
        if (!n.gateway.empty() && !gws.count(n.gateway))
          return yaml_error(config_errc::invalid_value, ow + ".vdcs." + v.name + ".networks",
                            "network '" + n.name + "' names unknown gateway '" + n.gateway + "'");
      }
      // VCD: vApp names are unique in a VDC, VM names within their vApp.
      std::set<std::string> vapps;
      for (auto& a : v.vapps) {
        auto aw = ow + ".vdcs." + v.name + ".vapps";
        if (auto err = dup(vapps, a.name, aw))
          return err;
        if (a.id.empty())
          a.id = derived_urn("vapp", o.name + "/" + v.name + "/" + a.name);
        std::set<std::string> vms;
        for (auto& m : a.vms) {
          if (auto err = dup(vms, m.name, aw + "." + a.name + ".vms"))
            return err;
          if (m.id.empty())
            m.id = derived_urn("vm", o.name + "/" + v.name + "/" + a.name + "/" + m.name);
        }
      }
    }
  }
  std::set<std::string> space_names;
  for (size_t si = 0; si < s.ip_spaces.size(); ++si) {
    auto& x = s.ip_spaces[si];
    auto sw = "ip_spaces[" + std::to_string(si) + "]";
    if (auto err = dup(space_names, x.name, sw + ".name"))
      return err;
    if (x.id.empty())
      x.id = derived_urn("ipSpace", x.name);
    auto known_org = [&](const std::string& name) { return org_names.count(name) > 0; };
    if (!x.org.empty() && !known_org(x.org))
      return yaml_error(config_errc::invalid_value, sw + ".org", "unknown org '" + x.org + "'");
    for (const auto& q : x.org_quotas)
      if (!known_org(q.org))
        return yaml_error(config_errc::invalid_value, sw + ".org_quotas",
                          "unknown org '" + q.org + "'");
    std::set<std::string> values;
    for (size_t ai = 0; ai < x.allocations.size(); ++ai) {
      auto& a = x.allocations[ai];
      auto aw = sw + ".allocations[" + std::to_string(ai) + "]";
      if (!known_org(a.org))
        return yaml_error(config_errc::invalid_value, aw + ".org", "unknown org '" + a.org + "'");
      if (!values.insert(a.value).second)
        return yaml_error(config_errc::invalid_value, aw + ".value", "allocated twice: " + a.value);
      auto ip = *detail::parse_ipv4(a.value);
      bool inside = false;
      for (const auto& rg : x.ranges) {
        auto lo = *detail::parse_ipv4(rg.start);
        auto hi = rg.end.empty() ? lo : *detail::parse_ipv4(rg.end);
        inside = inside || (lo <= ip && ip <= hi);
      }
      if (!inside)
        return yaml_error(config_errc::invalid_value, aw + ".value",
                          a.value + " is not in the IP Space's ranges");
      if (a.id.empty())
        a.id = derived_urn("ipSpaceIpAllocation", x.name + "/" + a.value);
    }
  }
  for (const auto& o : s.orgs)
    for (const auto& v : o.vdcs)
      for (const auto& g : v.edge_gateways)
        for (const auto& u : g.uplinks)
          for (const auto& name : u.ip_spaces)
            if (!space_names.count(name))
              return yaml_error(config_errc::invalid_value,
                                "orgs." + o.name + ".vdcs." + v.name + ".edge_gateways." + g.name
                                  + ".uplinks." + u.name + ".ip_spaces",
                                "unknown IP Space '" + name + "'");
  std::set<std::string> provider_users;
  for (auto& u : s.provider_users)
    if (auto err = dup(provider_users, u.name, "provider.users"))
      return err;
  for (auto& t : s.provider_api_tokens)
    if (!provider_users.count(t.user))
      return yaml_error(config_errc::invalid_value, "provider.api_tokens",
                        "unknown user '" + t.user + "'");
  if (!detail::parse_version(s.api_version))
    return yaml_error(config_errc::invalid_value, "api_version",
                      "not a version like 37.2: '" + s.api_version + "'");
  if (s.max_page_size < 1)
    return yaml_error(config_errc::invalid_value, "max_page_size", "must be positive");
  return {};
}

// -- YAML output ---------------------------------------------------------------------------

void emit_kv(YAML::Emitter& e, const char* key, const std::string& value);

void emit_vapps(YAML::Emitter& e, const std::vector<vapp_spec>& vapps) {
  e << YAML::Key << "vapps" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : vapps) {
    e << YAML::BeginMap;
    emit_kv(e, "name", a.name);
    emit_kv(e, "id", a.id);
    e << YAML::Key << "vms" << YAML::Value << YAML::BeginSeq;
    for (const auto& m : a.vms) {
      e << YAML::BeginMap;
      emit_kv(e, "name", m.name);
      emit_kv(e, "id", m.id);
      emit_kv(e, "status", vm_status_text(m.status));
      e << YAML::Key << "primary_nic" << YAML::Value << m.primary_nic;
      e << YAML::Key << "nics" << YAML::Value << YAML::BeginSeq;
      for (const auto& n : m.nics) {
        e << YAML::BeginMap;
        emit_kv(e, "network", n.network);
        emit_kv(e, "ip", n.ip);
        if (!n.external_ip.empty())
          emit_kv(e, "external_ip", n.external_ip);
        if (!n.mac.empty())
          emit_kv(e, "mac", n.mac);
        e << YAML::Key << "connected" << YAML::Value << n.connected;
        e << YAML::EndMap;
      }
      e << YAML::EndSeq << YAML::EndMap;
    }
    e << YAML::EndSeq << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void emit_kv(YAML::Emitter& e, const char* key, const std::string& value) {
  e << YAML::Key << key << YAML::Value;
  if (value.find('\n') != std::string::npos)
    e << YAML::Literal << value;
  else
    e << YAML::DoubleQuoted << value;
}

void emit_users(YAML::Emitter& e, const std::vector<user>& users) {
  e << YAML::Key << "users" << YAML::Value << YAML::BeginSeq;
  for (auto& u : users) {
    e << YAML::BeginMap;
    emit_kv(e, "name", u.name);
    emit_kv(e, "password", u.password);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void emit_tokens(YAML::Emitter& e, const std::vector<api_token>& tokens) {
  e << YAML::Key << "api_tokens" << YAML::Value << YAML::BeginSeq;
  for (auto& t : tokens) {
    e << YAML::BeginMap;
    emit_kv(e, "user", t.user);
    emit_kv(e, "token", t.token);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void emit_gateway(YAML::Emitter& e, const edge_gateway& g) {
  e << YAML::BeginMap;
  emit_kv(e, "name", g.name);
  emit_kv(e, "id", g.id);
  e << YAML::Key << "alb_enabled" << YAML::Value << g.alb_enabled;
  emit_kv(e, "supported_feature_set", g.supported_feature_set);
  e << YAML::Key << "uplinks" << YAML::Value << YAML::BeginSeq;
  for (auto& u : g.uplinks) {
    e << YAML::BeginMap;
    emit_kv(e, "name", u.name);
    emit_kv(e, "id", u.id);
    e << YAML::Key << "subnets" << YAML::Value << YAML::BeginSeq;
    for (auto& s : u.subnets) {
      e << YAML::BeginMap;
      emit_kv(e, "gateway", s.gateway);
      e << YAML::Key << "prefix_length" << YAML::Value << s.prefix_length;
      emit_kv(e, "primary_ip", s.primary_ip);
      e << YAML::Key << "ranges" << YAML::Value << YAML::BeginSeq;
      for (auto& r : s.ranges) {
        e << YAML::Flow << YAML::BeginMap;
        emit_kv(e, "start", r.start);
        emit_kv(e, "end", r.end);
        e << YAML::EndMap;
      }
      e << YAML::EndSeq << YAML::EndMap;
    }
    e << YAML::EndSeq;
    if (!u.ip_spaces.empty()) {
      e << YAML::Key << "ip_spaces" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& name : u.ip_spaces)
        e << YAML::DoubleQuoted << name;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "seg_assignments" << YAML::Value << YAML::BeginSeq;
  for (auto& a : g.seg_assignments) {
    e << YAML::BeginMap;
    emit_kv(e, "id", a.id);
    emit_kv(e, "service_engine_group", a.seg_name);
    emit_kv(e, "service_engine_group_id", a.seg_id);
    if (a.max_virtual_services)
      e << YAML::Key << "max_virtual_services" << YAML::Value << *a.max_virtual_services;
    if (a.min_virtual_services)
      e << YAML::Key << "min_virtual_services" << YAML::Value << *a.min_virtual_services;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  // Left out when empty, so scenarios without them print as before.
  if (!g.ip_sets.empty()) {
    e << YAML::Key << "ip_sets" << YAML::Value << YAML::BeginSeq;
    for (auto& x : g.ip_sets) {
      e << YAML::BeginMap;
      emit_kv(e, "name", x.name);
      emit_kv(e, "id", x.id);
      e << YAML::Key << "addresses" << YAML::Value << YAML::Flow << x.addresses;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!g.firewall_rules.empty()) {
    e << YAML::Key << "firewall_rules" << YAML::Value << YAML::BeginSeq;
    for (auto& x : g.firewall_rules) {
      e << YAML::BeginMap;
      emit_kv(e, "name", x.name);
      emit_kv(e, "id", x.id);
      emit_kv(e, "action", x.action);
      emit_kv(e, "direction", x.direction);
      emit_kv(e, "ip_protocol", x.ip_protocol);
      e << YAML::Key << "sources" << YAML::Value << YAML::Flow << x.sources;
      e << YAML::Key << "destinations" << YAML::Value << YAML::Flow << x.destinations;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  detail::emit_load_balancers(e, g.load_balancers);
  e << YAML::EndMap;
}

void emit_ip_spaces(YAML::Emitter& e, const std::vector<ip_space>& spaces) {
  e << YAML::Key << "ip_spaces" << YAML::Value << YAML::BeginSeq;
  for (const auto& x : spaces) {
    e << YAML::BeginMap;
    emit_kv(e, "name", x.name);
    emit_kv(e, "id", x.id);
    emit_kv(e, "type", x.type);
    if (!x.org.empty())
      emit_kv(e, "org", x.org);
    e << YAML::Key << "internal_scopes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& cidr : x.internal_scopes)
      e << YAML::DoubleQuoted << cidr;
    e << YAML::EndSeq;
    e << YAML::Key << "ranges" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : x.ranges) {
      e << YAML::Flow << YAML::BeginMap;
      emit_kv(e, "start", r.start);
      emit_kv(e, "end", r.end);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    if (x.default_floating_ip_quota)
      e << YAML::Key << "default_floating_ip_quota" << YAML::Value << *x.default_floating_ip_quota;
    e << YAML::Key << "org_quotas" << YAML::Value << YAML::BeginSeq;
    for (const auto& q : x.org_quotas) {
      e << YAML::Flow << YAML::BeginMap;
      emit_kv(e, "org", q.org);
      e << YAML::Key << "floating_ip_quota" << YAML::Value << q.floating_ip_quota;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    e << YAML::Key << "allocations" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : x.allocations) {
      e << YAML::BeginMap;
      emit_kv(e, "org", a.org);
      emit_kv(e, "value", a.value);
      emit_kv(e, "usage_state", a.usage_state);
      emit_kv(e, "description", a.description);
      emit_kv(e, "id", a.id);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

} // namespace

int ip_space::quota_of(std::string_view org_name) const {
  for (const auto& q : org_quotas)
    if (q.org == org_name)
      return q.floating_ip_quota;
  if (default_floating_ip_quota)
    return *default_floating_ip_quota;
  return type == "PRIVATE" ? -1 : 1;
}

bool valid_api_version(std::string_view text) {
  return detail::parse_version(text).has_value();
}

std::string derived_urn(std::string_view type, std::string_view seed) {
  auto h1 = fnv1a(seed, fnv1a(type, 14695981039346656037ULL));
  auto h2 = fnv1a(seed, fnv1a("#", h1));
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(h1 >> 32),
                static_cast<unsigned>((h1 >> 16) & 0xffff), static_cast<unsigned>(h1 & 0xffff),
                static_cast<unsigned>(h2 >> 48),
                static_cast<unsigned long long>(h2 & 0xffffffffffffULL));
  return "urn:vcloud:" + std::string{type} + ":" + buf;
}

scenario default_scenario() {
  scenario s;
  s.provider_users.push_back({"administrator", "provider-password"});
  org o;
  o.name = "org1";
  o.users.push_back({"admin", "admin-password"});
  o.api_tokens.push_back({"admin", "vcdlb-sim-api-token"});
  certificate c;
  c.alias = "vcdlb-sim-cert";
  c.certificate_pem = std::string{default_cert_pem};
  c.private_key_pem = std::string{default_key_pem};
  c.description = "built-in test certificate";
  o.certificates.push_back(std::move(c));
  vdc v;
  v.name = "vdc1";
  edge_gateway g;
  g.name = "edge-1";
  uplink u;
  u.name = "ext-net";
  uplink_subnet sn;
  sn.gateway = "203.0.113.1";
  sn.prefix_length = 24;
  sn.primary_ip = "203.0.113.2";
  sn.ranges.push_back({"203.0.113.10", "203.0.113.250"});
  u.subnets.push_back(std::move(sn));
  g.uplinks.push_back(std::move(u));
  seg_assignment a;
  a.seg_name = "seg-shared";
  a.max_virtual_services = 1000;
  a.min_virtual_services = 0;
  g.seg_assignments.push_back(std::move(a));
  v.edge_gateways.push_back(std::move(g));
  v.networks.push_back({"net1", "", "edge-1", "192.168.1.1/24"});
  o.vdcs.push_back(std::move(v));
  o.defined_entities.push_back({derived_urn("entity:vmware:capvcdCluster", "cluster1"), "cluster1",
                                "urn:vcloud:type:vmware:capvcdCluster:1.2.0"});
  s.orgs.push_back(std::move(o));
  // Derive the ids now so that --print-scenario shows them.
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().seg_assignments)
    x.seg_id = derived_urn("serviceEngineGroup", x.seg_name);
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().uplinks)
    x.id = derived_urn("network", "uplink/" + x.name);
  [[maybe_unused]] auto err = finish(s);
  return s;
}

scenario ip_space_example_scenario() {
  scenario s;
  org o;
  o.name = "org1";
  o.users.push_back({"admin", "admin-password"});
  vdc v;
  v.name = "vdc1";
  edge_gateway g;
  g.name = "edge-ips";
  uplink u;
  u.name = "provider-gateway-1";
  u.ip_spaces = {"public-1", "org1-private"};
  g.uplinks.push_back(std::move(u));
  seg_assignment a;
  a.seg_name = "seg-shared";
  a.max_virtual_services = 1000;
  g.seg_assignments.push_back(std::move(a));
  v.edge_gateways.push_back(std::move(g));
  v.networks.push_back({"net1", "", "edge-ips", "192.168.1.1/24"});
  o.vdcs.push_back(std::move(v));
  s.orgs.push_back(std::move(o));
  ip_space pub;
  pub.name = "public-1";
  pub.internal_scopes = {"198.51.100.0/24"};
  pub.ranges.push_back({"198.51.100.10", "198.51.100.200"});
  pub.default_floating_ip_quota = 1; // VCD's default for PUBLIC spaces
  pub.org_quotas.push_back({"org1", 50});
  // A load balancer IP the upstream provider reserved, with its claim marker.
  pub.allocations.push_back(
    {"org1", "198.51.100.10", "USED_MANUAL",
     "cluster-capvcdCluster:6e3c0e8a-0000-4000-8000-000000000001-namespace-default-service-web",
     ""});
  s.ip_spaces.push_back(std::move(pub));
  ip_space priv;
  priv.name = "org1-private";
  priv.type = "PRIVATE";
  priv.org = "org1";
  priv.internal_scopes = {"10.200.0.0/24"};
  priv.ranges.push_back({"10.200.0.10", "10.200.0.50"});
  s.ip_spaces.push_back(std::move(priv));
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().seg_assignments)
    x.seg_id = derived_urn("serviceEngineGroup", x.seg_name);
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().uplinks)
    x.id = derived_urn("network", "uplink/" + x.name);
  [[maybe_unused]] auto err = finish(s);
  return s;
}

namespace {

// VCD's VAppStatuses run from -1 (FAILED_CREATION) to 21 (PARTIALLY_SUSPENDED); their names are
// vcd::vm_status_name's (nodes-and-legacy-api.md §3.6).
constexpr int first_vm_status = -1;
constexpr int last_vm_status = 21;

} // namespace

std::optional<int> parse_vm_status(std::string_view text) {
  for (int i = first_vm_status; i <= last_vm_status; ++i)
    if (vm_status_name(i) == text)
      return i;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc{} && p == text.data() + text.size() && !text.empty())
    return n;
  return std::nullopt;
}

std::string vm_status_text(int status) {
  if (status >= first_vm_status && status <= last_vm_status)
    return vm_status_name(status);
  return std::to_string(status);
}

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
  if (auto err = finish(s))
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

std::string to_yaml(const scenario& s) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  emit_kv(e, "api_version", s.api_version);
  if (s.shared_vip)
    e << YAML::Key << "shared_vip" << YAML::Value << *s.shared_vip;
  e << YAML::Key << "max_page_size" << YAML::Value << s.max_page_size;
  e << YAML::Key << "reject_oversized_page" << YAML::Value << s.reject_oversized_page;
  e << YAML::Key << "provider" << YAML::Value << YAML::BeginMap;
  emit_users(e, s.provider_users);
  emit_tokens(e, s.provider_api_tokens);
  e << YAML::EndMap;
  e << YAML::Key << "orgs" << YAML::Value << YAML::BeginSeq;
  for (auto& o : s.orgs) {
    e << YAML::BeginMap;
    emit_kv(e, "name", o.name);
    emit_kv(e, "id", o.id);
    emit_users(e, o.users);
    emit_tokens(e, o.api_tokens);
    e << YAML::Key << "certificates" << YAML::Value << YAML::BeginSeq;
    for (auto& c : o.certificates) {
      e << YAML::BeginMap;
      emit_kv(e, "alias", c.alias);
      emit_kv(e, "id", c.id);
      emit_kv(e, "description", c.description);
      emit_kv(e, "certificate", c.certificate_pem);
      if (!c.private_key_pem.empty())
        emit_kv(e, "private_key", c.private_key_pem);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    e << YAML::Key << "vdcs" << YAML::Value << YAML::BeginSeq;
    for (auto& v : o.vdcs) {
      e << YAML::BeginMap;
      emit_kv(e, "name", v.name);
      emit_kv(e, "id", v.id);
      e << YAML::Key << "edge_gateways" << YAML::Value << YAML::BeginSeq;
      for (auto& g : v.edge_gateways)
        emit_gateway(e, g);
      e << YAML::EndSeq;
      e << YAML::Key << "networks" << YAML::Value << YAML::BeginSeq;
      for (auto& n : v.networks) {
        e << YAML::BeginMap;
        emit_kv(e, "name", n.name);
        emit_kv(e, "id", n.id);
        emit_kv(e, "gateway", n.gateway);
        emit_kv(e, "subnet", n.subnet);
        e << YAML::EndMap;
      }
      e << YAML::EndSeq;
      if (!v.vapps.empty())
        emit_vapps(e, v.vapps);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    e << YAML::Key << "defined_entities" << YAML::Value << YAML::BeginSeq;
    for (auto& d : o.defined_entities) {
      e << YAML::BeginMap;
      emit_kv(e, "id", d.id);
      emit_kv(e, "name", d.name);
      emit_kv(e, "entity_type", d.entity_type);
      emit_kv(e, "access", d.access);
      emit_kv(e, "state", d.state);
      e << YAML::Key << "second_writer_every" << YAML::Value << d.second_writer_every;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq << YAML::EndMap;
  }
  e << YAML::EndSeq;
  if (!s.ip_spaces.empty())
    emit_ip_spaces(e, s.ip_spaces);
  e << YAML::EndMap;
  return std::string{e.c_str()} + "\n";
}

} // namespace vcdlb::vcd::sim
