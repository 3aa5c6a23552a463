#include "actors/firewall_merge.hpp"

#include <set>
#include <unordered_map>

namespace vcdlb::firewall {

namespace {

std::vector<std::string> ids_of(const std::vector<vcd::entity_ref>& refs) {
  std::vector<std::string> out;
  out.reserve(refs.size());
  for (const auto& r : refs)
    out.push_back(r.id);
  return out;
}

} // namespace

bool same_rule(const vcd::firewall_rule& a, const vcd::firewall_rule& b) {
  return a.name == b.name && a.description == b.description && a.enabled == b.enabled
         && a.action_value == b.action_value && a.direction == b.direction
         && a.ip_protocol == b.ip_protocol && a.logging == b.logging
         && ids_of(a.source_firewall_groups) == ids_of(b.source_firewall_groups)
         && ids_of(a.destination_firewall_groups) == ids_of(b.destination_firewall_groups)
         && ids_of(a.application_port_profiles) == ids_of(b.application_port_profiles);
}

std::vector<vcd::firewall_rule> merge(const std::vector<vcd::firewall_rule>& current,
                                      const std::vector<vcd::firewall_rule>& ours,
                                      const is_ours_fn& is_ours) {
  // The first existing rule of ours per name lends its id and version to the desired rule.
  std::unordered_map<std::string, const vcd::firewall_rule*> existing;
  for (const auto& r : current)
    if (is_ours(r))
      existing.emplace(r.name, &r);
  std::vector<vcd::firewall_rule> out;
  out.reserve(ours.size() + current.size());
  std::set<std::string> placed;
  for (const auto& want : ours) {
    if (!placed.insert(want.name).second)
      continue; // a name twice in `ours`: the first wins
    auto rule = want;
    if (auto i = existing.find(want.name); i != existing.end()) {
      rule.id = i->second->id;
      rule.version = i->second->version;
    } else {
      rule.id.clear();
      rule.version = -1;
    }
    out.push_back(std::move(rule));
  }
  for (const auto& r : current)
    if (!is_ours(r))
      out.push_back(r);
  return out;
}

bool differs(const std::vector<vcd::firewall_rule>& current,
             const std::vector<vcd::firewall_rule>& merged) {
  if (current.size() != merged.size())
    return true;
  for (size_t i = 0; i < current.size(); ++i)
    if (current[i].id != merged[i].id || !same_rule(current[i], merged[i]))
      return true;
  return false;
}

verdict verify(const std::vector<vcd::firewall_rule>& after,
               const std::vector<vcd::firewall_rule>& written,
               const std::vector<vcd::firewall_rule>& ours, const is_ours_fn& is_ours) {
  verdict v;
  // Ours: the first ours.size() rules, each the desired one, and no other rule of ours below.
  v.ours_in_place = after.size() >= ours.size();
  for (size_t i = 0; v.ours_in_place && i < ours.size(); ++i)
    v.ours_in_place = is_ours(after[i]) && same_rule(after[i], ours[i]);
  for (size_t i = ours.size(); v.ours_in_place && i < after.size(); ++i)
    v.ours_in_place = !is_ours(after[i]);
  std::set<std::string> present;
  for (const auto& r : after)
    present.insert(r.id);
  for (const auto& r : written)
    if (!is_ours(r) && !r.id.empty() && !present.contains(r.id))
      v.others_gone.push_back(r.id);
  return v;
}

} // namespace vcdlb::firewall
