#include <yaml-cpp/yaml.h>

#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"
#include "adapters/vcd/sim/scenario.hpp"

// Writing a scenario as YAML (to_yaml of scenario.hpp, `vcd-sim --print-scenario`): what
// parse_scenario reads back.

namespace vcdlb::vcd::sim {

namespace {

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
  if (g.transparent_mode_enabled) // left out when off, so older scenarios print as before
    e << YAML::Key << "transparent_mode_enabled" << YAML::Value << true;
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
    if (a.ha_mode != "ELASTIC_N_PLUS_M_BUFFER")
      emit_kv(e, "ha_mode", a.ha_mode);
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
