#include "actors/detail/vcd_convert.hpp"

#include <algorithm>
#include <charconv>

#include "actors/naming.hpp"

namespace vcdlb::detail {

namespace {

int32_t to_port(std::string_view s) {
  int32_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc{} ? value : 0;
}

app_profile profile_from(std::string_view type) {
  if (type == "HTTP")
    return app_profile::http;
  if (type == "HTTPS")
    return app_profile::https;
  if (type == "L4_TLS")
    return app_profile::l4_tls;
  return app_profile::l4;
}

} // namespace

bool realization_failed(const std::string& status) {
  return status == "REALIZATION_FAILED";
}

virtual_service_desc to_desc(const vcd::virtual_service_summary& x) {
  virtual_service_desc d;
  d.id = x.id;
  d.name = x.name;
  d.vip = x.virtual_ip_address;
  if (!x.service_ports.empty()) {
    const auto& p = x.service_ports.front();
    d.port = p.port_start;
    d.ssl = p.ssl_enabled;
    d.protocol = p.profile.type == "UDP_FAST_PATH" ? ip_protocol::udp : ip_protocol::tcp;
  }
  d.profile = profile_from(x.application_profile_type);
  if (d.ssl)
    d.cert_alias = x.certificate_ref.name;
  d.pool_name = x.load_balancer_pool_ref.name;
  d.failed = realization_failed(x.status);
  return d;
}

pool_desc to_desc(const vcd::pool& x) {
  pool_desc d;
  d.id = x.id;
  d.name = x.name;
  d.port = x.default_port;
  d.members.reserve(x.members.size());
  for (const auto& m : x.members) {
    d.members.push_back(m.ip_address);
    // A member on another port than the default means the pool needs rewriting.
    if (m.port != 0 && m.port != x.default_port)
      d.port = -1;
  }
  std::sort(d.members.begin(), d.members.end());
  d.tcp_health_monitor = std::any_of(x.health_monitors.begin(), x.health_monitors.end(),
                                     [](const vcd::health_monitor& h) { return h.type == "TCP"; });
  d.failed = realization_failed(x.status);
  return d;
}

dnat_rule_desc to_desc(const vcd::nat_rule& x, ip_protocol protocol) {
  dnat_rule_desc d;
  d.id = x.id;
  d.name = x.name;
  d.external_ip = x.external_addresses;
  d.internal_ip = x.internal_addresses;
  d.protocol = protocol;
  d.port = to_port(x.dnat_external_port);
  d.profile_name = x.application_port_profile.name;
  return d;
}

app_port_profile_desc to_desc(const vcd::app_port_profile& x) {
  app_port_profile_desc d;
  d.id = x.id;
  d.name = x.name;
  d.failed = realization_failed(x.status);
  if (!x.application_ports.empty()) {
    const auto& p = x.application_ports.front();
    d.protocol = p.protocol == "UDP" ? ip_protocol::udp : ip_protocol::tcp;
    if (!p.destination_ports.empty())
      d.port = to_port(p.destination_ports.front());
  }
  return d;
}

vcd::pool to_vcd(const pool_desc& x, const gateway_context& ctx) {
  vcd::pool p;
  p.id = x.id;
  p.name = x.name;
  p.description = naming::owner_marker(ctx.cluster_id);
  p.gateway_ref = ctx.gateway;
  p.enabled = true;
  p.algorithm = "ROUND_ROBIN";
  p.default_port = x.port;
  p.graceful_timeout_period = 0;
  if (x.tcp_health_monitor)
    p.health_monitors.push_back({"TCP", "", false});
  p.members.reserve(x.members.size());
  for (const auto& ip : x.members)
    p.members.push_back({ip, x.port, 1, true, ""});
  return p;
}

vcd::virtual_service to_vcd(const virtual_service_desc& x, const gateway_context& ctx,
                            vcd::entity_ref pool, vcd::entity_ref seg,
                            vcd::entity_ref certificate) {
  vcd::virtual_service vs;
  vs.id = x.id;
  vs.name = x.name;
  vs.description = naming::owner_marker(ctx.cluster_id);
  vs.enabled = true;
  vs.virtual_ip_address = x.vip;
  vs.gateway_ref = ctx.gateway;
  vs.load_balancer_pool_ref = std::move(pool);
  vs.service_engine_group_ref = std::move(seg);
  if (x.ssl)
    vs.certificate_ref = std::move(certificate);
  vs.app_profile = {std::string{system_profile_name(x.profile)}, std::string{to_string(x.profile)},
                    true};
  vcd::service_port sp;
  sp.port_start = x.port;
  sp.ssl_enabled = x.ssl;
  sp.profile.type = x.protocol == ip_protocol::udp ? "UDP_FAST_PATH" : "TCP_PROXY";
  vs.service_ports.push_back(sp);
  return vs;
}

vcd::nat_rule to_vcd(const dnat_rule_desc& x, vcd::entity_ref profile, int64_t version,
                     std::string_view cluster_id) {
  vcd::nat_rule r;
  r.id = x.id;
  r.name = x.name;
  r.description = naming::owner_marker(cluster_id);
  r.enabled = true;
  r.rule_type = "DNAT";
  r.external_addresses = x.external_ip;
  r.internal_addresses = x.internal_ip;
  r.dnat_external_port = std::to_string(x.port);
  r.application_port_profile = std::move(profile);
  r.version = version;
  return r;
}

vcd::app_port_profile to_vcd(const app_port_profile_desc& x, const gateway_context& ctx) {
  vcd::app_port_profile p;
  p.id = x.id;
  p.name = x.name;
  p.description = "App Port Profile [" + x.name + "]";
  if (!ctx.cluster_id.empty())
    p.description += " " + naming::owner_marker(ctx.cluster_id);
  p.scope = "TENANT";
  p.org_ref = ctx.org;
  p.context_entity_id = ctx.vdc_id;
  p.application_ports.push_back(
    {"", x.protocol == ip_protocol::udp ? "UDP" : "TCP", {std::to_string(x.port)}});
  return p;
}

} // namespace vcdlb::detail
