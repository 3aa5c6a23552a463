#include "tests/integration/firewall_check.hpp"

#include <algorithm>

#include "actors/naming.hpp"
#include "actors/source_ranges.hpp"

namespace vcdlb::integration {

namespace json = boost::json;

namespace {

std::string text(const json::value* v) {
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

std::string field(const json::value& v, std::string_view key) {
  return v.is_object() ? text(v.get_object().if_contains(key)) : std::string{};
}

const json::array* array(const json::value& v, std::string_view key) {
  const auto* a = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return a != nullptr && a->is_array() ? &a->get_array() : nullptr;
}

std::vector<std::string> strings(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = array(v, key))
    for (const auto& x : *a)
      out.push_back(text(&x));
  std::sort(out.begin(), out.end());
  return out;
}

// The ids of a reference list (sourceFirewallGroups, ...).
std::vector<std::string> ref_ids(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = array(v, key))
    for (const auto& x : *a)
      out.push_back(field(x, "id"));
  return out;
}

std::map<std::string, const json::value*> named(const json::value& dump, std::string_view list) {
  std::map<std::string, const json::value*> out;
  if (const auto* a = array(dump, list))
    for (const auto& o : *a)
      out.emplace(field(o, "name"), &o);
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

} // namespace

std::vector<std::pair<std::string, json::value>> firewall_rules_in_order(const json::value& dump) {
  std::map<std::string, const json::value*> by_id;
  if (const auto* a = array(dump, "firewall_rules"))
    for (const auto& r : *a)
      by_id.emplace(field(r, "id"), &r);
  std::vector<std::pair<std::string, json::value>> out;
  if (const auto* gws = array(dump, "gateways"))
    for (const auto& g : *gws) {
      const auto* sim = g.is_object() ? g.get_object().if_contains("_sim") : nullptr;
      if (sim == nullptr)
        continue;
      if (const auto* order = array(*sim, "firewall_order"))
        for (const auto& id : *order)
          if (auto i = by_id.find(text(&id)); i != by_id.end())
            out.emplace_back(field(*i->second, "name"), *i->second);
    }
  return out;
}

void check_source_ranges(const json::value& dump, const std::vector<service_spec>& services,
                         const std::map<service_key, std::vector<listener_key>>& destinations,
                         const std::string& cluster_id, std::set<std::string>& expected_profiles,
                         std::vector<std::string>& problems) {
  auto bad = [&](std::string t) { problems.push_back(std::move(t)); };
  auto sets = named(dump, "ip_sets");
  auto profiles = named(dump, "app_port_profiles");
  auto rules = firewall_rules_in_order(dump);
  std::set<std::string> wanted; // vcdlb firewall object names that must exist
  // Where the first rule of another owner is: all of vcdlb's rules must come before it.
  size_t first_other = rules.size();
  for (size_t i = 0; i < rules.size(); ++i)
    if (!naming::firewall_owner(rules[i].first, cluster_id)) {
      first_other = i;
      break;
    }
  for (const auto& svc : services) {
    if (svc.deletion_requested || svc.type != service_type::load_balancer)
      continue;
    auto ranges =
      parse_source_ranges(svc.load_balancer_source_ranges, svc.annotations.source_ranges);
    if (!ranges || ranges->allow_all)
      continue; // invalid: the test that makes it checks what stays
    const auto who = to_string(svc.key) + " source ranges";
    auto names = naming::firewall_names_for(cluster_id, svc.key);
    wanted.insert({names.sources, names.vip, names.allow_rule, names.drop_rule, names.ports});
    expected_profiles.insert(names.ports);
    std::vector<std::string> vips, ports;
    if (auto d = destinations.find(svc.key); d != destinations.end())
      for (const auto& l : d->second) {
        vips.push_back(l.ip);
        ports.push_back(std::string{l.protocol == ip_protocol::udp ? "UDP" : "TCP"} + ":"
                        + std::to_string(l.port));
      }
    std::sort(vips.begin(), vips.end());
    vips.erase(std::unique(vips.begin(), vips.end()), vips.end());
    std::sort(ports.begin(), ports.end());
    auto set_id = [&](const std::string& name, const std::vector<std::string>& want) {
      auto i = sets.find(name);
      if (i == sets.end()) {
        bad(who + ": IP set " + name + " missing");
        return std::string{};
      }
      auto got = strings(*i->second, "ipAddresses");
      if (got != want)
        bad(who + ": IP set " + name + " holds {" + join(got) + "}, want {" + join(want) + "}");
      return field(*i->second, "id");
    };
    auto sources_id = set_id(names.sources, ranges->cidrs);
    auto vip_id = set_id(names.vip, vips);
    std::string ports_id;
    if (auto i = profiles.find(names.ports); i == profiles.end()) {
      bad(who + ": port profile " + names.ports + " missing");
    } else {
      ports_id = field(*i->second, "id");
      std::vector<std::string> got;
      if (const auto* a = array(*i->second, "applicationPorts"))
        for (const auto& ap : *a)
          for (const auto& p : strings(ap, "destinationPorts"))
            got.push_back(field(ap, "protocol") + ":" + p);
      std::sort(got.begin(), got.end());
      if (got != ports)
        bad(who + ": port profile has {" + join(got) + "}, want {" + join(ports) + "}");
    }
    auto rule_at = [&](const std::string& name) {
      for (size_t i = 0; i < rules.size(); ++i)
        if (rules[i].first == name)
          return i;
      return rules.size();
    };
    auto allow = rule_at(names.allow_rule);
    auto drop = rule_at(names.drop_rule);
    if (allow == rules.size() || drop == rules.size()) {
      bad(who + ": ALLOW or DROP rule missing");
      continue;
    }
    if (!(allow < drop))
      bad(who + ": the DROP rule comes before the ALLOW rule");
    if (drop > first_other)
      bad(who + ": its rules are not above every rule of another owner");
    const auto& a = rules[allow].second;
    const auto& d = rules[drop].second;
    if (field(a, "actionValue") != "ALLOW" || field(d, "actionValue") != "DROP")
      bad(who + ": rule actions " + field(a, "actionValue") + "/" + field(d, "actionValue"));
    if (ref_ids(a, "sourceFirewallGroups") != std::vector{sources_id})
      bad(who + ": ALLOW rule sources are not its IP set");
    if (!ref_ids(d, "sourceFirewallGroups").empty())
      bad(who + ": DROP rule sources are not ANY");
    for (const auto* r : {&a, &d}) {
      if (ref_ids(*r, "destinationFirewallGroups") != std::vector{vip_id})
        bad(who + ": rule " + field(*r, "name") + " destinations are not its VIP set");
      if (ref_ids(*r, "applicationPortProfiles") != std::vector{ports_id})
        bad(who + ": rule " + field(*r, "name") + " ports are not its port profile");
    }
  }
  // No vcdlb firewall object that no Service needs.
  for (const auto& [name, obj] : sets)
    if (naming::firewall_owner(name, cluster_id) && !wanted.contains(name))
      bad("leaked IP set " + name);
  for (const auto& [name, obj] : rules)
    if (naming::firewall_owner(name, cluster_id) && !wanted.contains(name))
      bad("leaked firewall rule " + name);
}

} // namespace vcdlb::integration
