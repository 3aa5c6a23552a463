// The NSX-T edge gateway firewall (ip-spaces-rde-traffic.md §4.3): the user-defined rule list,
// replaced as a whole by PUT (payload order = enforcement order; unknown or absent ids are
// created, omitted rules deleted; each existing rule must carry its current version), and IP
// sets (`/firewallGroups`, §4.4). Writes lock the gateway until their task ends, like every
// other gateway change (BUSY_ENTITY meanwhile).

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "adapters/vcd/ip_address.hpp"
#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/text.hpp"
#include "adapters/vcd/sim/detail/transparent.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

// VCD's limit on the user-defined list (§4.3).
constexpr size_t max_user_rules = 1000;
constexpr std::array<std::string_view, 3> actions{"ALLOW", "DROP", "REJECT"};
constexpr std::array<std::string_view, 3> directions{"IN", "OUT", "IN_OUT"};
constexpr std::array<std::string_view, 3> ip_protocols{"IPV4", "IPV6", "IPV4_IPV6"};

template <size_t N>
bool one_of(const std::string& v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

entry* firewall_rule_of(ctx& c, const gateway_rec& gw, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != kind::firewall_rule || e->gateway_id != gw.id)
    return nullptr;
  return e;
}

entry* ip_set_of(ctx& c, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != kind::ip_set || !c.sees_org(e->org_id))
    return nullptr;
  return e;
}

// A task that changes the gateway's rule list: it owns no single object, locks the gateway.
task_rec& start_gateway_task(ctx& c, const gateway_rec& gw, std::string operation_name,
                             std::string operation) {
  task_rec t;
  t.act = task_rec::action::update;
  t.gateway_id = gw.id;
  t.operation_name = std::move(operation_name);
  t.operation = std::move(operation);
  t.owner_id = gw.id;
  t.owner_name = gw.name;
  t.owner_type = "application/vnd.vmware.vcloud.gateway+xml";
  t.org_id = gw.org_id;
  t.org_name = gw.org_name;
  t.user_name = c.session->user_name;
  t.user_id = c.session->user_id;
  return c.st.start_task(std::move(t));
}

// Validates one rule of a PUT and normalises it to what GET returns. `existing` is the stored
// rule with the same id, if any.
std::optional<http::response> validate_rule(ctx& c, json::object& rule, const gateway_rec& gw,
                                            const entry* existing) {
  auto name = str_field(rule, "name");
  if (name.empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  auto action = str_field(rule, "action");
  auto action_value = str_field(rule, "actionValue");
  if (!action_value.empty() && c.version < 3502)
    return bad_request(c, "Unknown field 'actionValue' (API 35.2+).", "invalid_value");
  if (!action.empty() && !action_value.empty() && action != action_value)
    return bad_request(c, "'action' and 'actionValue' disagree.", "invalid_value");
  auto a = action_value.empty() ? action : action_value;
  if (a.empty())
    return bad_request(c, "Either 'actionValue' or 'action' is required.", "missing_field");
  if (!one_of(a, actions) || (a == "REJECT" && action_value.empty()))
    return bad_request(c, "Invalid firewall rule action '" + a + "'.", "invalid_value");
  auto direction = has_field(rule, "direction") ? str_field(rule, "direction") : "IN_OUT";
  if (!one_of(direction, directions))
    return bad_request(c, "Invalid direction '" + direction + "'.", "invalid_value");
  auto protocol = has_field(rule, "ipProtocol") ? str_field(rule, "ipProtocol") : "IPV4_IPV6";
  if (!one_of(protocol, ip_protocols))
    return bad_request(c, "Invalid ipProtocol '" + protocol + "'.", "invalid_value");
  for (auto key : {"sourceFirewallGroups", "destinationFirewallGroups"}) {
    const auto* refs = rule.if_contains(key);
    if (refs == nullptr || refs->is_null())
      continue;
    if (!refs->is_array() || refs->get_array().size() > 128)
      return bad_request(c, std::string{key} + " must be a list of at most 128 references.",
                         "invalid_value");
    json::array normalised;
    for (const auto& r : refs->get_array()) {
      const auto* id = r.is_object() ? r.get_object().if_contains("id") : nullptr;
      auto* g = id != nullptr && id->is_string() ? c.st.find(id->get_string()) : nullptr;
      if (g == nullptr || g->k != kind::ip_set || g->gateway_id != gw.id)
        return error_reply(c, 400, "INVALID_REFERENCE",
                           "Firewall group " + (id != nullptr ? json::serialize(*id) : "?")
                             + " is not usable on edge gateway " + gw.name + ".",
                           "invalid_value");
      normalised.push_back(json::object{{"name", str_field(g->body, "name")}, {"id", g->id}});
    }
    rule[key] = std::move(normalised);
  }
  if (const auto* refs = rule.if_contains("applicationPortProfiles");
      refs != nullptr && !refs->is_null()) {
    if (!refs->is_array())
      return bad_request(c, "applicationPortProfiles must be a list.", "invalid_value");
    json::array normalised;
    for (const auto& r : refs->get_array()) {
      const auto* id = r.is_object() ? r.get_object().if_contains("id") : nullptr;
      auto* p = id != nullptr && id->is_string() ? c.st.find(id->get_string()) : nullptr;
      if (p == nullptr || p->k != kind::app_port_profile
          || !(p->org_id.empty() || p->org_id == gw.org_id))
        return error_reply(c, 400, "INVALID_REFERENCE", "Unknown application port profile.",
                           "invalid_value");
      normalised.push_back(json::object{{"name", str_field(p->body, "name")}, {"id", p->id}});
    }
    rule["applicationPortProfiles"] = std::move(normalised);
  }
  // Optimistic locking per rule: an existing rule must carry its current version; a new one
  // none (§4.3, govcd NsxtFirewallRule).
  const auto* v = rule.if_contains("version");
  const auto* n = v != nullptr && v->is_object() ? v->get_object().if_contains("version") : nullptr;
  if (existing != nullptr) {
    if (n == nullptr || !n->is_int64())
      return bad_request(c, "The version of firewall rule '" + name + "' is required.",
                         "stale_version");
    if (n->get_int64() != existing->version)
      return bad_request(c,
                         "The firewall rule '" + name + "' was changed by someone else (version "
                           + std::to_string(n->get_int64()) + ", current "
                           + std::to_string(existing->version) + ").",
                         "stale_version");
  } else if (n != nullptr && !n->is_null()) {
    return bad_request(c, "A new firewall rule ('" + name + "') must not carry a version.",
                       "invalid_value");
  }
  for (auto key : {"id", "version", "action", "actionValue"})
    rule.erase(key);
  rule["actionValue"] = a;
  rule["direction"] = direction;
  rule["ipProtocol"] = protocol;
  if (!has_field(rule, "enabled"))
    rule["enabled"] = true;
  if (!has_field(rule, "logging"))
    rule["logging"] = false;
  if (!has_field(rule, "description"))
    rule["description"] = "";
  return std::nullopt;
}

std::optional<http::response> validate_ip_set(ctx& c, json::object& body, const entry* self,
                                              gateway_rec*& gw) {
  auto name = str_field(body, "name");
  if (name.empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  auto type_value = str_field(body, "typeValue");
  auto type = str_field(body, "type");
  auto t = type_value.empty() ? (type.empty() ? std::string{"IP_SET"} : type) : type_value;
  if (t != "IP_SET")
    return bad_request(c, "Firewall group type '" + t + "' is not supported by the simulator.",
                       "invalid_value");
  auto owner = ref_id(body, "ownerRef");
  if (owner.empty())
    owner = ref_id(body, "edgeGatewayRef");
  if (self != nullptr && !owner.empty() && owner != self->gateway_id)
    return bad_request(c, "The owner of a firewall group cannot change.", "invalid_value");
  if (self != nullptr && owner.empty())
    owner = self->gateway_id;
  gw = c.st.gateway(owner);
  if (gw == nullptr || !c.sees_org(gw->org_id))
    return error_reply(c, 400, "INVALID_REFERENCE",
                       "ownerRef '" + owner + "' is not an edge gateway of the organization.",
                       "invalid_value");
  json::array addresses;
  if (const auto* list = body.if_contains("ipAddresses"); list != nullptr && !list->is_null()) {
    if (!list->is_array())
      return bad_request(c, "ipAddresses must be a list.", "invalid_value");
    for (const auto& a : list->get_array()) {
      if (!a.is_string() || !is_ip_set_address(a.get_string()))
        return bad_request(c, "Invalid IP address " + json::serialize(a) + " in ipAddresses.",
                           "invalid_value");
      addresses.push_back(a);
    }
  }
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::ip_set && e.gateway_id == gw->id && (self == nullptr || e.id != self->id)
        && str_field(e.body, "name") == name)
      return bad_request(c, "A firewall group with name '" + name + "' already exists.",
                         "duplicate_name");
  json::object normalised{{"name", name},
                          {"description", str_field(body, "description")},
                          {"ipAddresses", std::move(addresses)}};
  body = std::move(normalised);
  return std::nullopt;
}

json::object gateway_ref_of(const gateway_rec& gw) {
  return json::object{{"name", gw.name}, {"id", gw.id}};
}

} // namespace

json::object render_firewall_rule(state&, const entry& e, int version) {
  json::object j = e.body;
  j["id"] = e.id;
  j["version"] = json::object{{"version", e.version}};
  auto a = str_field(e.body, "actionValue");
  if (a != "REJECT")
    j["action"] = a; // the deprecated field, for ALLOW and DROP only
  if (version < 3502)
    j.erase("actionValue");
  return j;
}

json::object render_ip_set(state& st, const entry& e) {
  json::object j = e.body;
  j["id"] = e.id;
  j["typeValue"] = "IP_SET";
  j["type"] = "IP_SET";
  j["status"] = e.status;
  if (auto* gw = st.gateway(e.gateway_id)) {
    j["ownerRef"] = gateway_ref_of(*gw);
    j["edgeGatewayRef"] = gateway_ref_of(*gw); // deprecated, still populated on reads
    j["orgRef"] = json::object{{"name", gw->org_name}, {"id", gw->org_id}};
  }
  return j;
}

// -- firewall rules --------------------------------------------------------------------------

http::response get_firewall_rules(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  json::array user;
  for (const auto& id : gw->firewall_order)
    if (const auto* e = firewall_rule_of(c, *gw, id))
      user.push_back(render_firewall_rule(c.st, *e, c.version));
  return json_reply(c, 200,
                    json::object{{"systemRules", json::array{}},
                                 {"userDefinedRules", std::move(user)},
                                 {"defaultRules", json::array{}},
                                 {"status", gw->status}});
}

http::response put_firewall_rules(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto* list = body->if_contains("userDefinedRules");
  if (list == nullptr || !list->is_array())
    return bad_request(c, "userDefinedRules is required.", "missing_field");
  auto& rules = list->get_array();
  if (rules.size() > max_user_rules)
    return bad_request(
      c, "At most " + std::to_string(max_user_rules) + " user-defined firewall rules are allowed.",
      "invalid_value");
  // Validate everything before changing anything: a rejected PUT changes nothing.
  std::vector<std::pair<entry*, json::object>> plan;
  std::set<std::string> ids;
  for (auto& r : rules) {
    if (!r.is_object())
      return bad_request(c, "userDefinedRules must hold objects.", "invalid_value");
    auto rule = r.get_object();
    auto id = str_field(rule, "id");
    if (!id.empty() && !ids.insert(id).second)
      return bad_request(c, "Firewall rule " + id + " appears twice.", "invalid_value");
    auto* existing = id.empty() ? nullptr : firewall_rule_of(c, *gw, id);
    if (auto bad = validate_rule(c, rule, *gw, existing))
      return std::move(*bad);
    plan.emplace_back(existing, std::move(rule));
  }
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  std::vector<std::string> order;
  std::set<std::string> kept;
  for (auto& [existing, rule] : plan) {
    if (existing != nullptr) {
      if (existing->body != rule) {
        existing->body = std::move(rule);
        ++existing->version;
      }
      kept.insert(existing->id);
      order.push_back(existing->id);
    } else {
      auto& e = c.st.insert(new_entry(c, kind::firewall_rule, gw->id, gw->org_id, std::move(rule)));
      kept.insert(e.id);
      order.push_back(e.id);
    }
  }
  for (const auto& id : gw->firewall_order)
    if (!kept.contains(id) && firewall_rule_of(c, *gw, id) != nullptr)
      c.st.erase(id);
  gw->firewall_order = std::move(order);
  return accepted(c, start_gateway_task(c, *gw, "EDGE_GATEWAY_UPDATE_FIREWALL",
                                        "Updating firewall rules of edge gateway " + gw->name));
}

http::response delete_firewall_rules(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  for (const auto& id : gw->firewall_order)
    if (firewall_rule_of(c, *gw, id) != nullptr)
      c.st.erase(id);
  gw->firewall_order.clear();
  return accepted(c, start_gateway_task(c, *gw, "EDGE_GATEWAY_UPDATE_FIREWALL",
                                        "Deleting firewall rules of edge gateway " + gw->name));
}

http::response get_firewall_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto* e = firewall_rule_of(c, *gw, c.params.at(1));
  if (e == nullptr)
    return error_reply(c, 404, "NOT_FOUND", "Firewall rule " + c.params.at(1) + " not found.",
                       "unknown_urn");
  return json_reply(c, 200, render_firewall_rule(c.st, *e, c.version));
}

http::response delete_firewall_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  if (firewall_rule_of(c, *gw, c.params.at(1)) == nullptr)
    return error_reply(c, 404, "NOT_FOUND", "Firewall rule " + c.params.at(1) + " not found.",
                       "unknown_urn");
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  c.st.erase(c.params.at(1));
  std::erase(gw->firewall_order, c.params.at(1));
  return accepted(c, start_gateway_task(c, *gw, "EDGE_GATEWAY_UPDATE_FIREWALL",
                                        "Deleting a firewall rule of edge gateway " + gw->name));
}

// -- IP sets ---------------------------------------------------------------------------------

http::response list_firewall_groups(ctx& c) {
  std::vector<json::value> items;
  auto hint = name_filter_hint(c);
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::ip_set && c.sees_org(e.org_id)
        && (!hint || str_field(e.body, "name") == *hint)) {
      auto j = render_ip_set(c.st, e);
      j.erase("ipAddresses"); // summaries carry no members (§4.4)
      j["_context"] = e.gateway_id;
      items.push_back(std::move(j));
    }
  fiql_special special = [](std::string_view field, std::string_view value,
                            const json::value& obj) {
    if (field != "_context")
      return false;
    const auto* ctxv = json_path(obj, "_context");
    return ctxv != nullptr && ctxv->is_string() && ctxv->get_string() == value;
  };
  return list_reply(c, std::move(items), {"id", "name", "typeValue", "type", "_context"}, special);
}

http::response post_firewall_group(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  gateway_rec* gw = nullptr;
  if (auto bad = validate_ip_set(c, *body, nullptr, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  auto name = str_field(*body, "name");
  auto& e = c.st.insert(new_entry(c, kind::ip_set, gw->id, gw->org_id, std::move(*body)));
  return accepted(c, start_object_task(c, e, task_rec::action::create, "FIREWALL_GROUP_CREATE",
                                       "Creating firewall group " + name, gw->id));
}

http::response get_firewall_group(ctx& c) {
  auto* e = ip_set_of(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_ip_set(c.st, *e));
}

http::response put_firewall_group(ctx& c) {
  auto* e = ip_set_of(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  gateway_rec* gw = nullptr;
  if (auto bad = validate_ip_set(c, *body, e, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  e->body = std::move(*body);
  return accepted(c, start_object_task(c, *e, task_rec::action::update, "FIREWALL_GROUP_UPDATE",
                                       "Updating firewall group " + str_field(e->body, "name"),
                                       gw->id));
}

http::response delete_firewall_group(ctx& c) {
  auto* e = ip_set_of(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  auto* gw = c.st.gateway(e->gateway_id);
  if (gw != nullptr)
    for (const auto& id : gw->firewall_order) {
      const auto* r = firewall_rule_of(c, *gw, id);
      if (r == nullptr)
        continue;
      for (auto key : {"sourceFirewallGroups", "destinationFirewallGroups"})
        if (const auto* refs = r->body.if_contains(key); refs != nullptr && refs->is_array())
          for (const auto& ref : refs->get_array())
            if (const auto* rid = json_path(ref, "id");
                rid != nullptr && rid->is_string() && rid->get_string() == e->id)
              return bad_request(c,
                                 "Firewall group '" + str_field(e->body, "name")
                                   + "' is in use by firewall rule '" + str_field(r->body, "name")
                                   + "'.",
                                 "in_use");
    }
  if (const auto* pool = pool_using_ip_set(c.st, e->id))
    return bad_request(c,
                       "Firewall group '" + str_field(e->body, "name")
                         + "' is in use by load balancer pool '" + str_field(pool->body, "name")
                         + "'.",
                       "in_use");
  if (gw != nullptr)
    if (auto busy = check_busy(c, *gw))
      return std::move(*busy);
  return accepted(c, start_object_task(c, *e, task_rec::action::remove, "FIREWALL_GROUP_DELETE",
                                       "Deleting firewall group " + str_field(e->body, "name"),
                                       e->gateway_id));
}

} // namespace vcdlb::vcd::sim::detail
