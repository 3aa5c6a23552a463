#include "actors/desired_state.hpp"

#include <algorithm>
#include <set>

#include "actors/ipv4.hpp"
#include "actors/naming.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

caf::error invalid(std::string msg) {
  return caf::make_error(lb_errc::invalid_service, std::move(msg));
}

// Values from the Service are quoted in error messages, which become Events and log lines; an
// oversized annotation must not make an oversized message. Cuts at a UTF-8 boundary.
std::string shown(std::string_view value) {
  constexpr size_t max_shown = 64;
  if (value.size() <= max_shown)
    return std::string{value};
  size_t cut = max_shown;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{value.substr(0, cut)} + "... (" + std::to_string(value.size()) + " bytes)";
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string port_label(const service_port& p) {
  std::string out = std::to_string(p.port);
  out += '/';
  out += to_string(p.protocol);
  if (!p.name.empty()) {
    out += " (";
    out += shown(p.name);
    out += ')';
  }
  return out;
}

// Kubernetes port names: lowercase alphanumerics and '-', starting and ending alphanumeric.
bool valid_port_name(std::string_view name) {
  if (name.empty())
    return true;
  if (name.size() > 63 || name.front() == '-' || name.back() == '-')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// `vcloud-avi-ssl-ports`: comma-separated port numbers. Spaces around items are tolerated
// (upstream rejects "80, 443"; nothing is gained by refusing it).
caf::expected<std::set<int32_t>> parse_ssl_ports(std::string_view text) {
  std::set<int32_t> result;
  if (trim(text).empty())
    return result;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto item = trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    int32_t value = 0;
    // At most 5 digits: the value cannot overflow before the range check.
    bool ok = !item.empty() && item.size() <= 5;
    for (size_t i = 0; ok && i < item.size(); ++i) {
      char c = item[i];
      if (c < '0' || c > '9')
        ok = false;
      else
        value = value * 10 + (c - '0');
    }
    if (!ok || value < 1 || value > 65535)
      return invalid("annotation " + std::string{annotations::ssl_ports} + ": '" + shown(item)
                     + "' is not a port number (expected e.g. \"443,8443\")");
    result.insert(value);
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return result;
}

// As upstream's shouldSkipAviSSLTermination: exactly "true" in any letter case turns SSL
// termination off; every other value (absent, "", "false", "yes", " true") leaves it on.
bool parse_no_termination(std::string_view text) {
  return text.size() == 4 && lower(text) == "true";
}

const std::string* find_slot(const ip_assignment& ips, std::string_view slot) {
  for (const auto& [s, ip] : ips.internal_ips)
    if (s == slot)
      return &ip;
  return nullptr;
}

} // namespace

std::vector<listener_key> service_plan::listeners() const {
  std::vector<listener_key> result;
  result.reserve(ports.size());
  for (const auto& p : ports)
    result.push_back({{}, p.protocol, p.port});
  return result;
}

std::vector<std::string> service_plan::internal_slots(config::lb_mode mode) const {
  switch (mode) {
  case config::lb_mode::c:
    return {};
  case config::lb_mode::b:
    return {std::string{}};
  case config::lb_mode::a:
    break;
  }
  std::vector<std::string> result;
  result.reserve(ports.size());
  for (const auto& p : ports)
    result.push_back(p.name);
  return result;
}

caf::expected<service_plan> plan_ports(const service_spec& svc, const engine_settings& settings) {
  if (settings.mode != config::lb_mode::a && !settings.shared_vip_supported)
    return caf::make_error(vcd_errc::unsupported,
                           std::string{"enableVirtualServiceSharedIP needs VCD 10.4 (API 37.0) "
                                       "or newer; this VCD is older: use oneArm without "
                                       "virtual service shared IP"});
  if (svc.ports.empty())
    return invalid("the Service has no ports");
  if (!svc.load_balancer_ip.empty() && !ipv4::parse(svc.load_balancer_ip))
    return invalid("spec.loadBalancerIP '" + shown(svc.load_balancer_ip)
                   + "' is not an IPv4 address");
  auto ssl_ports = parse_ssl_ports(svc.annotations.ssl_ports);
  if (!ssl_ports)
    return std::move(ssl_ports.error());
  const auto no_termination = parse_no_termination(svc.annotations.ssl_no_termination);
  service_plan result;
  result.sharing_key = svc.annotations.sharing_key;
  result.ports.reserve(svc.ports.size());
  std::set<std::pair<ip_protocol, int32_t>> seen_ports;
  std::set<std::string_view> seen_names;
  bool any_ssl = false;
  for (const auto& p : svc.ports) {
    const auto label = port_label(p);
    if (!valid_port_name(p.name))
      return invalid("port " + label + ": '" + shown(p.name) + "' is not a valid port name");
    if (!seen_names.insert(p.name).second)
      return invalid("port name '" + shown(p.name) + "' is used twice");
    if (p.protocol == ip_protocol::sctp)
      return invalid("port " + label + ": SCTP is not supported by NSX ALB; use TCP or UDP");
    if (p.port < 1 || p.port > 65535)
      return invalid("port " + label + ": port must be 1-65535");
    if (p.node_port == 0)
      return invalid("port " + label
                     + " has no nodePort (allocateLoadBalancerNodePorts: false is not supported)");
    if (p.node_port < 1 || p.node_port > 65535)
      return invalid("port " + label + ": nodePort must be 1-65535");
    if (!seen_ports.emplace(p.protocol, p.port).second)
      return invalid("port " + label + " is listed twice");
    port_plan pp;
    pp.name = p.name;
    pp.protocol = p.protocol;
    pp.port = p.port;
    pp.node_port = p.node_port;
    const bool listed_ssl = ssl_ports->count(p.port) > 0;
    if (p.protocol == ip_protocol::udp) {
      if (listed_ssl && !no_termination)
        return invalid("port " + label + " is UDP and cannot terminate SSL ("
                       + std::string{annotations::ssl_ports} + ")");
      pp.profile = app_profile::l4;
    } else {
      pp.tcp_health_monitor = true;
      if (no_termination) {
        pp.profile = app_profile::l4;
      } else {
        auto app = lower(p.app_protocol);
        if (app == "http") {
          pp.profile = app_profile::http;
          pp.ssl = listed_ssl;
        } else if (app == "https") {
          pp.profile = app_profile::https;
          pp.ssl = true;
        } else {
          pp.ssl = listed_ssl;
          pp.profile = pp.ssl ? app_profile::l4_tls : app_profile::l4;
        }
      }
    }
    any_ssl = any_ssl || pp.ssl;
    result.ports.push_back(std::move(pp));
  }
  if (any_ssl) {
    result.cert_alias = !svc.annotations.ssl_cert_alias.empty() ? svc.annotations.ssl_cert_alias
                                                                : settings.cert_alias;
    if (result.cert_alias.empty())
      return invalid("SSL ports need a certificate alias: set annotation "
                     + std::string{annotations::ssl_cert_alias} + " or loadbalancer.certAlias");
  }
  return result;
}

caf::expected<lb_objects> desired_objects(const service_key& key, const service_plan& plan,
                                          const std::vector<std::string>& members,
                                          const ip_assignment& ips, const engine_settings& settings,
                                          const std::vector<std::string>& upstream_ports) {
  if (ips.external_ip.empty())
    return caf::make_error(lb_errc::ip_unavailable,
                           std::string{"no external IP assigned to " + to_string(key)});
  const bool one_arm = settings.mode != config::lb_mode::c;
  lb_objects result;
  result.pools.reserve(plan.ports.size());
  result.virtual_services.reserve(plan.ports.size());
  if (one_arm) {
    result.dnat_rules.reserve(plan.ports.size());
    result.profiles.reserve(plan.ports.size());
  }
  for (const auto& p : plan.ports) {
    auto names = std::binary_search(upstream_ports.begin(), upstream_ports.end(), p.name)
                   ? naming::upstream_names(settings.cluster_id, key.name, p.name)
                   : naming::names_for(settings.naming, settings.cluster_id, key, p.name);
    std::string vip = ips.external_ip;
    if (one_arm) {
      const auto* internal =
        find_slot(ips, settings.mode == config::lb_mode::a ? std::string_view{p.name} : "");
      if (internal == nullptr || internal->empty())
        return caf::make_error(lb_errc::ip_unavailable, "no internal IP assigned to "
                                                          + to_string(key) + " port '" + p.name
                                                          + "'");
      vip = *internal;
      result.profiles.push_back({{}, names.app_port_profile, p.protocol, p.port});
      result.dnat_rules.push_back(
        {{}, names.dnat_rule, ips.external_ip, vip, p.protocol, p.port, names.app_port_profile});
    }
    result.pools.push_back({{}, names.pool, p.node_port, members, p.tcp_health_monitor});
    result.virtual_services.push_back({{},
                                       names.virtual_service,
                                       std::move(vip),
                                       p.protocol,
                                       p.port,
                                       p.profile,
                                       p.ssl,
                                       p.ssl ? plan.cert_alias : std::string{},
                                       names.pool});
  }
  sort_by_name(result);
  return result;
}

} // namespace vcdlb
