// fake_client: the edge gateway firewall (user-defined rules replaced as a whole) and IP sets.
// Kept apart from fake_client.cpp, which holds the ALB, NAT and profile objects.

#include <algorithm>
#include <set>
#include <utility>

#include "adapters/vcd/detail/fake_replies.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "adapters/vcd/ip_address.hpp"

namespace vcdlb::vcd {

namespace {

constexpr auto unknown_id = detail::fake_unknown_id;
constexpr auto unknown_parent = detail::fake_unknown_parent;
constexpr auto bad_request = detail::fake_bad_request;

// VCD's documented limit on the user-defined list (ip-spaces-rde-traffic.md §4.3).
constexpr size_t max_user_rules = 1000;

} // namespace

// -- seeding and inspection ----------------------------------------------------------------------

std::string fake_client::put_firewall_rule(const std::string& gateway_id, firewall_rule rule) {
  if (rule.id.empty())
    rule.id = next_id("");
  if (rule.version < 0)
    rule.version = 0;
  auto id = rule.id;
  firewall_rules_[gateway_id].push_back(std::move(rule));
  return id;
}

std::string fake_client::put_ip_set(ip_set s) {
  if (s.id.empty())
    s.id = next_id("urn:vcloud:firewallGroup:");
  s.status = "REALIZED";
  auto id = s.id;
  ip_sets_[id] = std::move(s);
  return id;
}

std::vector<firewall_rule> fake_client::firewall_rules_of(const std::string& gateway_id) const {
  auto i = firewall_rules_.find(gateway_id);
  return i == firewall_rules_.end() ? std::vector<firewall_rule>{} : i->second;
}

std::vector<ip_set> fake_client::ip_sets() const {
  std::vector<ip_set> out;
  out.reserve(ip_sets_.size());
  for (const auto& [id, s] : ip_sets_)
    out.push_back(s);
  return out;
}

std::optional<ip_set> fake_client::ip_set_by_name(const std::string& gateway_id,
                                                  const std::string& name) const {
  for (const auto& [id, s] : ip_sets_)
    if (s.owner_ref.id == gateway_id && s.name == name)
      return s;
  return std::nullopt;
}

// -- validation ----------------------------------------------------------------------------------

caf::error fake_client::validate_firewall_rules(const std::string& gateway_id,
                                                const std::vector<firewall_rule>& rules) const {
  if (rules.size() > max_user_rules)
    return bad_request("at most " + std::to_string(max_user_rules)
                       + " user-defined firewall rules are allowed");
  static const std::set<std::string> actions{"ALLOW", "DROP", "REJECT"};
  static const std::set<std::string> directions{"IN", "OUT", "IN_OUT"};
  static const std::set<std::string> protocols{"IPV4", "IPV6", "IPV4_IPV6"};
  std::map<std::string, int64_t> current;
  if (auto i = firewall_rules_.find(gateway_id); i != firewall_rules_.end())
    for (const auto& r : i->second)
      current[r.id] = r.version;
  std::set<std::string> seen_ids;
  for (const auto& r : rules) {
    if (r.name.empty())
      return bad_request("firewall rule name is required");
    if (!actions.contains(r.action_value))
      return bad_request("actionValue is invalid: '" + r.action_value + "'");
    if (!directions.contains(r.direction))
      return bad_request("direction is invalid: '" + r.direction + "'");
    if (!protocols.contains(r.ip_protocol))
      return bad_request("ipProtocol is invalid: '" + r.ip_protocol + "'");
    if (!r.id.empty() && !seen_ids.insert(r.id).second)
      return bad_request("firewall rule id '" + r.id + "' appears twice");
    auto existing = r.id.empty() ? current.end() : current.find(r.id);
    if (existing == current.end()) {
      if (r.version >= 0)
        return bad_request("version must not be set on the new firewall rule '" + r.name + "'");
    } else {
      if (r.version < 0)
        return bad_request("version is required on the firewall rule '" + r.name + "'");
      if (r.version != existing->second)
        return bad_request("the firewall rule '" + r.name
                           + "' was changed by someone else (version " + std::to_string(r.version)
                           + ", current " + std::to_string(existing->second) + ")");
    }
    for (const auto* groups : {&r.source_firewall_groups, &r.destination_firewall_groups})
      for (const auto& g : *groups) {
        auto s = ip_sets_.find(g.id);
        if (s == ip_sets_.end() || s->second.owner_ref.id != gateway_id)
          return bad_request("firewall group '" + g.id + "' is not usable on this gateway");
      }
    for (const auto& p : r.application_port_profiles)
      if (!profiles_.contains(p.id))
        return bad_request("applicationPortProfile is invalid: '" + p.id + "'");
  }
  return {};
}

caf::error fake_client::validate_ip_set(const ip_set& s) const {
  if (s.name.empty())
    return bad_request("firewall group name is required");
  if (!gateways_.contains(s.owner_ref.id))
    return bad_request("ownerRef is invalid: '" + s.owner_ref.id + "'");
  for (const auto& a : s.ip_addresses)
    if (!is_ip_set_address(a))
      return bad_request("IP address '" + a + "' is invalid");
  for (const auto& [id, other] : ip_sets_)
    if (id != s.id && other.owner_ref.id == s.owner_ref.id && other.name == s.name)
      return bad_request("firewall group with name '" + s.name + "' already exists");
  return {};
}

// -- client: firewall rules ----------------------------------------------------------------------

void fake_client::get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) {
  if (auto err = enter(operation::get_firewall_rules))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_parent(gateway_id));
  firewall_rules out;
  out.user_defined_rules = firewall_rules_of(gateway_id);
  done(std::move(out));
}

void fake_client::replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                                         callback<task_ref> done) {
  if (auto err = enter(operation::replace_firewall_rules))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end())
    return done(unknown_parent(gateway_id));
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  if (auto err = validate_firewall_rules(gateway_id, rules))
    return done(std::move(err));
  entity_ref owner{gw->second.name, gateway_id};
  done(start_task(operation::replace_firewall_rules, gateway_id, "Updating firewall rules", owner,
                  [this, gateway_id, rules = std::move(rules)](bool ok) mutable {
                    if (!ok)
                      return;
                    auto& list = firewall_rules_[gateway_id];
                    std::map<std::string, firewall_rule> before;
                    for (auto& r : list)
                      before.emplace(r.id, std::move(r));
                    for (auto& r : rules) {
                      auto old = r.id.empty() ? before.end() : before.find(r.id);
                      if (old == before.end()) {
                        r.id = next_id("");
                        r.version = 0;
                      } else {
                        auto unchanged = old->second;
                        unchanged.version = r.version;
                        r.version = unchanged == r ? old->second.version : old->second.version + 1;
                      }
                    }
                    list = std::move(rules);
                  }));
}

// -- client: IP sets -----------------------------------------------------------------------------

void fake_client::list_ip_sets(std::string gateway_id, fiql filter,
                               callback<std::vector<ip_set>> done) {
  if (auto err = enter(operation::list_ip_sets))
    return done(std::move(err));
  for (const auto& clause : filter.clauses())
    for (const auto& term : clause)
      if (term.field != "name" && term.field != "id" && term.field != "typeValue")
        return done(bad_request("field '" + term.field + "' is not searchable"));
  std::vector<ip_set> out;
  for (const auto& [id, s] : ip_sets_) {
    if (s.owner_ref.id != gateway_id)
      continue;
    auto get = [&s = s](std::string_view field) -> std::optional<std::string> {
      if (field == "name")
        return s.name;
      if (field == "id")
        return s.id;
      return std::string{"IP_SET"}; // typeValue
    };
    if (filter.matches(get)) {
      auto summary = s;
      summary.ip_addresses.clear(); // summaries carry no members
      out.push_back(std::move(summary));
    }
  }
  done(std::move(out));
}

void fake_client::get_ip_set(std::string ip_set_id, callback<ip_set> done) {
  if (auto err = enter(operation::get_ip_set))
    return done(std::move(err));
  auto i = ip_sets_.find(ip_set_id);
  if (i == ip_sets_.end())
    return done(unknown_id(ip_set_id));
  done(i->second);
}

void fake_client::create_ip_set(ip_set s, callback<task_ref> done) {
  if (auto err = enter(operation::create_ip_set))
    return done(std::move(err));
  if (!s.id.empty())
    return done(bad_request("id must not be set on create"));
  if (auto err = validate_ip_set(s))
    return done(std::move(err));
  auto gateway_id = s.owner_ref.id;
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  s.id = next_id("urn:vcloud:firewallGroup:");
  s.status = "PENDING";
  auto id = s.id;
  entity_ref owner{s.name, id};
  ip_sets_[id] = std::move(s);
  done(start_task(operation::create_ip_set, gateway_id, "Creating firewall group " + owner.name,
                  owner, [this, id](bool ok) {
                    auto i = ip_sets_.find(id);
                    if (i == ip_sets_.end())
                      return;
                    i->second.status = ok ? "REALIZED" : "REALIZATION_FAILED";
                  }));
}

void fake_client::update_ip_set(ip_set s, callback<task_ref> done) {
  if (auto err = enter(operation::update_ip_set))
    return done(std::move(err));
  auto i = ip_sets_.find(s.id);
  if (i == ip_sets_.end())
    return done(unknown_id(s.id));
  if (s.owner_ref.id != i->second.owner_ref.id)
    return done(bad_request("the owner of a firewall group cannot change"));
  if (auto err = validate_ip_set(s))
    return done(std::move(err));
  if (auto err = busy_check(s.owner_ref.id))
    return done(std::move(err));
  auto gateway_id = s.owner_ref.id;
  entity_ref owner{s.name, s.id};
  done(start_task(operation::update_ip_set, gateway_id, "Updating firewall group " + s.name, owner,
                  [this, s = std::move(s)](bool ok) mutable {
                    auto i = ip_sets_.find(s.id);
                    if (!ok || i == ip_sets_.end())
                      return;
                    s.status = "REALIZED";
                    i->second = std::move(s);
                  }));
}

void fake_client::delete_ip_set(std::string ip_set_id, callback<task_ref> done) {
  if (auto err = enter(operation::delete_ip_set))
    return done(std::move(err));
  auto i = ip_sets_.find(ip_set_id);
  if (i == ip_sets_.end())
    return done(unknown_id(ip_set_id));
  auto gateway_id = i->second.owner_ref.id;
  if (auto rules = firewall_rules_.find(gateway_id); rules != firewall_rules_.end())
    for (const auto& r : rules->second)
      for (const auto* groups : {&r.source_firewall_groups, &r.destination_firewall_groups})
        for (const auto& g : *groups)
          if (g.id == ip_set_id)
            return done(bad_request("firewall group '" + i->second.name
                                    + "' is in use by firewall rule '" + r.name + "'"));
  if (auto err = ip_set_in_use_by_pool(i->second))
    return done(std::move(err));
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  entity_ref owner{i->second.name, ip_set_id};
  done(start_task(operation::delete_ip_set, gateway_id, "Deleting firewall group " + owner.name,
                  owner, [this, ip_set_id](bool ok) {
                    if (ok)
                      ip_sets_.erase(ip_set_id);
                  }));
}

} // namespace vcdlb::vcd
