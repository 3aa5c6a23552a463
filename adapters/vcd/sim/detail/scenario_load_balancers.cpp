#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"

#include <array>
#include <set>
#include <string_view>
#include <tuple>

#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/scenario_yaml.hpp"
#include "adapters/vcd/sim/detail/state.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

// yaml-cpp throws on type mismatches: each access is checked here first.
caf::error read_string(const YAML::Node& n, const char* key, const std::string& w, std::string& out,
                       bool required) {
  auto v = n[key];
  if (!v || v.IsNull())
    return required ? yaml_error(config_errc::missing_key, w + "." + key, "required")
                    : caf::error{};
  if (!v.IsScalar())
    return yaml_error(config_errc::wrong_type, w + "." + key, "expected a string");
  out = v.as<std::string>();
  if (required && out.empty())
    return yaml_error(config_errc::missing_key, w + "." + key, "must not be empty");
  return {};
}

caf::error read_port(const YAML::Node& n, const char* key, const std::string& w, int& out) {
  auto v = n[key];
  if (!v || v.IsNull())
    return {};
  int x = 0;
  if (!v.IsScalar() || !YAML::convert<int>::decode(v, x))
    return yaml_error(config_errc::wrong_type, w + "." + key, "expected a number");
  if (x < 1 || x > 65535)
    return yaml_error(config_errc::invalid_value, w + "." + key, "must be 1-65535");
  out = x;
  return {};
}

caf::error read_ip(const YAML::Node& n, const char* key, const std::string& w, std::string& out,
                   bool required) {
  if (auto err = read_string(n, key, w, out, required))
    return err;
  if (!out.empty() && !parse_ipv4(out))
    return yaml_error(config_errc::invalid_value, w + "." + key,
                      "not an IPv4 address: '" + out + "'");
  return {};
}

caf::error parse_one(const YAML::Node& n, const std::string& w, seeded_load_balancer& x) {
  if (!n.IsMap())
    return yaml_error(config_errc::wrong_type, w, "expected a mapping");
  static constexpr std::array<std::string_view, 11> keys{
    "virtual_service", "pool",        "dnat_rule",  "app_port_profile",
    "virtual_ip",      "internal_ip", "port",       "protocol",
    "members",         "member_port", "description"};
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    bool known = false;
    for (auto k : keys)
      known = known || k == key;
    if (!known)
      return yaml_error(config_errc::unknown_key, w + "." + key, "unknown key");
  }
  for (auto [key, field, required] : {std::tuple{"virtual_service", &x.virtual_service, true},
                                      {"pool", &x.pool, true},
                                      {"dnat_rule", &x.dnat_rule, false},
                                      {"app_port_profile", &x.app_port_profile, false},
                                      {"protocol", &x.protocol, false},
                                      {"description", &x.description, false}})
    if (auto err = read_string(n, key, w, *field, required))
      return err;
  if (auto err = read_ip(n, "virtual_ip", w, x.virtual_ip, true))
    return err;
  if (auto err = read_ip(n, "internal_ip", w, x.internal_ip, !x.dnat_rule.empty()))
    return err;
  if (x.dnat_rule.empty() != x.app_port_profile.empty())
    return yaml_error(config_errc::invalid_value, w,
                      "dnat_rule and app_port_profile go together (the one-arm layout)");
  if (x.dnat_rule.empty() && !x.internal_ip.empty())
    return yaml_error(config_errc::invalid_value, w + ".internal_ip",
                      "only with dnat_rule (the one-arm layout)");
  if (x.protocol != "TCP" && x.protocol != "UDP")
    return yaml_error(config_errc::invalid_value, w + ".protocol", "must be TCP or UDP");
  if (auto err = read_port(n, "port", w, x.port))
    return err;
  if (auto err = read_port(n, "member_port", w, x.member_port))
    return err;
  auto members = n["members"];
  if (members && !members.IsNull()) {
    if (!members.IsSequence())
      return yaml_error(config_errc::wrong_type, w + ".members", "expected a list");
    for (size_t i = 0; i < members.size(); ++i) {
      auto mw = w + ".members[" + std::to_string(i) + "]";
      if (!members[i].IsScalar())
        return yaml_error(config_errc::wrong_type, mw, "expected an IPv4 address");
      auto ip = members[i].as<std::string>();
      if (!parse_ipv4(ip))
        return yaml_error(config_errc::invalid_value, mw, "not an IPv4 address: '" + ip + "'");
      x.members.push_back(std::move(ip));
    }
  }
  return {};
}

std::string nsx_uuid(std::string_view urn) {
  auto colon = urn.rfind(':');
  return std::string{colon == std::string_view::npos ? urn : urn.substr(colon + 1)};
}

} // namespace

caf::error parse_load_balancers(const YAML::Node& node, const std::string& where,
                                std::vector<seeded_load_balancer>& out) {
  if (!node || node.IsNull())
    return {};
  if (!node.IsSequence())
    return yaml_error(config_errc::wrong_type, where + ".load_balancers", "expected a list");
  for (size_t i = 0; i < node.size(); ++i) {
    seeded_load_balancer x;
    if (auto err = parse_one(node[i], where + ".load_balancers[" + std::to_string(i) + "]", x))
      return err;
    out.push_back(std::move(x));
  }
  return {};
}

caf::error check_load_balancers(const edge_gateway& g, const std::string& where) {
  if (g.load_balancers.empty())
    return {};
  auto w = where + ".load_balancers";
  if (g.seg_assignments.empty())
    return yaml_error(config_errc::invalid_value, w,
                      "the gateway has no service engine group assignment to run them on");
  std::set<std::string> vss, pools, rules, profiles;
  for (const auto& x : g.load_balancers) {
    for (auto [seen, name] : {std::pair{&vss, &x.virtual_service},
                              {&pools, &x.pool},
                              {&rules, &x.dnat_rule},
                              {&profiles, &x.app_port_profile}})
      if (!name->empty() && !seen->insert(*name).second)
        return yaml_error(config_errc::invalid_value, w, "duplicate name '" + *name + "'");
  }
  return {};
}

void emit_load_balancers(YAML::Emitter& e, const std::vector<seeded_load_balancer>& lbs) {
  if (lbs.empty())
    return; // left out, so scenarios without them print as before
  auto kv = [&e](const char* key, const std::string& value) {
    e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
  };
  e << YAML::Key << "load_balancers" << YAML::Value << YAML::BeginSeq;
  for (const auto& x : lbs) {
    e << YAML::BeginMap;
    kv("virtual_service", x.virtual_service);
    kv("pool", x.pool);
    if (!x.dnat_rule.empty()) {
      kv("dnat_rule", x.dnat_rule);
      kv("app_port_profile", x.app_port_profile);
    }
    kv("virtual_ip", x.virtual_ip);
    if (!x.internal_ip.empty())
      kv("internal_ip", x.internal_ip);
    e << YAML::Key << "port" << YAML::Value << x.port;
    kv("protocol", x.protocol);
    e << YAML::Key << "members" << YAML::Value << YAML::Flow << x.members;
    e << YAML::Key << "member_port" << YAML::Value << x.member_port;
    kv("description", x.description);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void seed_load_balancers(state& st, const edge_gateway& g, const std::string& org_id) {
  if (g.load_balancers.empty())
    return;
  const auto& seg = g.seg_assignments.front();
  json::object gw_ref{{"name", g.name}, {"id", g.id}};
  for (const auto& x : g.load_balancers) {
    entry pool;
    pool.k = kind::pool;
    pool.id = derived_urn("loadBalancerPool", g.id + "/" + x.pool);
    pool.gateway_id = g.id;
    pool.org_id = org_id;
    json::array members;
    for (const auto& ip : x.members)
      members.push_back(
        json::object{{"ipAddress", ip}, {"port", x.member_port}, {"ratio", 1}, {"enabled", true}});
    pool.body = json::object{{"name", x.pool},
                             {"description", x.description},
                             {"enabled", true},
                             {"gatewayRef", gw_ref},
                             {"algorithm", "ROUND_ROBIN"},
                             {"defaultPort", x.member_port},
                             {"gracefulTimeoutPeriod", 1},
                             {"passiveMonitoringEnabled", true},
                             {"members", std::move(members)},
                             {"healthMonitors", json::array{}},
                             {"sslEnabled", false}};
    auto pool_ref = json::object{{"name", x.pool}, {"id", pool.id}};
    st.insert(std::move(pool));

    entry vs;
    vs.k = kind::virtual_service;
    vs.id = derived_urn("loadBalancerVirtualService", g.id + "/" + x.virtual_service);
    vs.gateway_id = g.id;
    vs.org_id = org_id;
    json::object port{{"portStart", x.port}, {"sslEnabled", false}};
    port["tcpUdpProfile"] = json::object{
      {"type", x.protocol == "UDP" ? "UDP_FAST_PATH" : "TCP_PROXY"}, {"systemDefined", true}};
    vs.body = json::object{
      {"name", x.virtual_service},
      {"description", x.description},
      {"enabled", true},
      {"virtualIpAddress", x.dnat_rule.empty() ? x.virtual_ip : x.internal_ip},
      {"gatewayRef", gw_ref},
      {"loadBalancerPoolRef", std::move(pool_ref)},
      {"serviceEngineGroupRef", json::object{{"name", seg.seg_name}, {"id", seg.seg_id}}},
      {"applicationProfile",
       json::object{{"name", "System-L4-Application"}, {"type", "L4"}, {"systemDefined", true}}},
      {"servicePorts", json::array{std::move(port)}}};
    st.insert(std::move(vs));
    if (x.dnat_rule.empty())
      continue;

    entry profile;
    profile.k = kind::app_port_profile;
    profile.id = derived_urn("applicationPortProfile", g.id + "/" + x.app_port_profile);
    profile.org_id = org_id;
    profile.context_id = g.id;
    const auto* org = st.find_org(org_id);
    profile.body = json::object{
      {"name", x.app_port_profile},
      {"description", x.description},
      {"scope", "TENANT"},
      {"orgRef", json::object{{"name", org != nullptr ? org->name : ""}, {"id", org_id}}},
      {"applicationPorts",
       json::array{json::object{{"protocol", x.protocol},
                                {"destinationPorts", json::array{std::to_string(x.port)}}}}}};
    auto profile_ref = json::object{{"name", x.app_port_profile}, {"id", profile.id}};
    st.insert(std::move(profile));

    entry rule;
    rule.k = kind::nat_rule;
    rule.id = nsx_uuid(derived_urn("natRule", g.id + "/" + x.dnat_rule));
    rule.gateway_id = g.id;
    rule.org_id = org_id;
    rule.version = 1;
    rule.body = json::object{{"name", x.dnat_rule},
                             {"description", x.description},
                             {"enabled", true},
                             {"type", "DNAT"},
                             {"ruleType", "DNAT"},
                             {"externalAddresses", x.virtual_ip},
                             {"internalAddresses", x.internal_ip},
                             {"dnatExternalPort", std::to_string(x.port)},
                             {"applicationPortProfile", std::move(profile_ref)},
                             {"firewallMatch", "MATCH_INTERNAL_ADDRESS"},
                             {"priority", 0},
                             {"logging", false}};
    st.insert(std::move(rule));
  }
}

} // namespace vcdlb::vcd::sim::detail
