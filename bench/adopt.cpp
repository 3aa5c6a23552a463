#include "bench/adopt.hpp"

#include "actors/desired_state.hpp"
#include "actors/detail/vcd_convert.hpp"
#include "actors/ipv4.hpp"
#include "engine/settings.hpp"
#include "protocol/errors.hpp"
#include "protocol/node.hpp"

namespace vcdlb::bench {

service_spec to_spec(const service_def& s) {
  service_spec spec;
  spec.key = {s.ns, s.name};
  spec.uid = "uid-" + s.ns + "-" + s.name;
  spec.type = service_type::load_balancer;
  for (const auto& p : s.ports)
    spec.ports.push_back({p.name, ip_protocol::tcp, p.port, p.node_port, ""});
  spec.annotations.sharing_key = s.sharing_key;
  spec.local_traffic_policy = s.local;
  return spec;
}

caf::expected<std::map<service_key, std::string>>
seed_objects(vcd::fake_client& fake, const std::string& gateway_id, const vcd::entity_ref& seg,
             const config::cloud_config& cfg, const cluster_state& state,
             const std::string& external_first, const std::string& internal_first) {
  auto next_external = ipv4::parse(external_first);
  auto next_internal = ipv4::parse(internal_first);
  if (!next_external || !next_internal)
    return caf::make_error(config_errc::invalid_value, "seed_objects: bad first address");
  auto settings = make_engine_settings(cfg, true);
  std::vector<node_info> nodes;
  for (const auto& n : state.nodes) {
    node_description d;
    d.name = n.name;
    d.addresses = {{"InternalIP", n.ip}};
    nodes.push_back(summarize(d));
  }
  auto members = member_ips(nodes);
  detail::gateway_context ctx;
  ctx.gateway = {"edge-1", gateway_id};
  ctx.org = fake.options().org;
  std::map<std::string, std::string> by_sharing_key;
  std::map<service_key, std::string> ips;
  for (const auto& s : state.services) {
    auto spec = to_spec(s);
    auto plan = plan_ports(spec, settings);
    if (!plan)
      return plan.error();
    ip_assignment a;
    if (auto i = by_sharing_key.find(s.sharing_key);
        !s.sharing_key.empty() && i != by_sharing_key.end()) {
      a.external_ip = i->second;
    } else {
      a.external_ip = ipv4::format((*next_external)++);
      if (!s.sharing_key.empty())
        by_sharing_key[s.sharing_key] = a.external_ip;
    }
    for (auto& slot : plan->internal_slots(settings.mode))
      a.internal_ips.emplace_back(std::move(slot), ipv4::format((*next_internal)++));
    auto objs = desired_objects(spec.key, *plan, members, a, settings, {});
    if (!objs)
      return objs.error();
    std::map<std::string, vcd::entity_ref> pools;
    for (const auto& p : objs->pools)
      pools[p.name] = {p.name, fake.put_pool(detail::to_vcd(p, ctx))};
    for (const auto& vs : objs->virtual_services) {
      auto body = detail::to_vcd(vs, ctx, pools[vs.pool_name], seg, {});
      body.gateway_ref = ctx.gateway;
      fake.put_virtual_service(std::move(body));
    }
    std::map<std::string, vcd::entity_ref> profiles;
    for (const auto& p : objs->profiles)
      profiles[p.name] = {p.name, fake.put_app_port_profile(detail::to_vcd(p, ctx))};
    for (const auto& d : objs->dnat_rules)
      fake.put_nat_rule(gateway_id, detail::to_vcd(d, profiles[d.profile_name], 0));
    ips[spec.key] = a.external_ip;
  }
  return ips;
}

} // namespace vcdlb::bench
