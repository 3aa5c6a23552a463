// NAT rules with cursor paging and version checks (reference §5.1, §6.7, §4.4), and
// application port profiles (§6.8).

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr std::array<std::string_view, 5> nat_types{"DNAT", "SNAT", "NO_DNAT", "NO_SNAT",
                                                    "REFLEXIVE"};
constexpr std::array<std::string_view, 3> firewall_matches{"MATCH_INTERNAL_ADDRESS",
                                                           "MATCH_EXTERNAL_ADDRESS", "BYPASS"};
constexpr std::array<std::string_view, 4> port_protocols{"TCP", "UDP", "ICMPv4", "ICMPv6"};

template <size_t N>
bool one_of(const std::string& v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// "80", "1000-1010" (and "ANY" where allowed).
bool valid_port_spec(const std::string& s, bool allow_any) {
  if (allow_any && s == "ANY")
    return true;
  auto dash = s.find('-');
  auto num = [](std::string_view x) -> std::optional<int> {
    if (x.empty() || x.size() > 5)
      return std::nullopt;
    int v = 0;
    for (char ch : x) {
      if (ch < '0' || ch > '9')
        return std::nullopt;
      v = v * 10 + (ch - '0');
    }
    return v >= 1 && v <= 65535 ? std::optional<int>{v} : std::nullopt;
  };
  if (dash == std::string::npos)
    return num(s).has_value();
  auto a = num(std::string_view{s}.substr(0, dash));
  auto b = num(std::string_view{s}.substr(dash + 1));
  return a && b && *a <= *b;
}

void drop_newer_nat_fields(json::object& o, int version) {
  if (version < 3502) {
    o.erase("firewallMatch");
    o.erase("priority");
  }
  if (version < 3600)
    o.erase("type");
  if (version < 3602)
    o.erase("appliedTo");
}

std::optional<http::response> validate_nat(ctx& c, json::object& body, const gateway_rec& gw) {
  if (str_field(body, "name").empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  auto rule_type = str_field(body, "ruleType");
  auto type = str_field(body, "type");
  if (rule_type.empty() && type.empty())
    return bad_request(c, "Either 'type' or 'ruleType' is required.", "missing_field");
  if (!rule_type.empty() && !type.empty() && rule_type != type)
    return bad_request(c, "'type' and 'ruleType' disagree.", "invalid_value");
  auto t = type.empty() ? rule_type : type;
  if (!one_of(t, nat_types) || (t == "REFLEXIVE" && c.version < 3600))
    return bad_request(c, "Invalid NAT rule type '" + t + "'.", "invalid_value");
  if (t == "REFLEXIVE" && !rule_type.empty())
    return bad_request(c, "REFLEXIVE rules are set with 'type', not 'ruleType'.", "invalid_value");
  auto* ext = body.if_contains("externalAddresses");
  auto* in = body.if_contains("internalAddresses");
  if (ext == nullptr || !ext->is_string() || in == nullptr || !in->is_string())
    return bad_request(c, "externalAddresses and internalAddresses are required.", "missing_field");
  auto ext_s = std::string{ext->get_string()};
  if (ext_s.empty() && t != "NO_SNAT" && t != "NO_DNAT")
    return bad_request(c, "externalAddresses must not be empty.", "missing_field");
  if (t == "DNAT" && parse_ipv4(ext_s) && !in_gateway_ranges(gw, ext_s)
      && !floating_ip_of_gateway(c.st, gw, ext_s)) {
    bool primary = false;
    for (const auto& u : gw.uplinks)
      for (const auto& s : u.subnets)
        primary = primary || s.primary_ip == ext_s;
    if (!primary)
      return bad_request(
        c,
        "externalAddresses " + ext_s
          + " is not in the IP ranges allocated to the edge gateway (nor a floating IP "
            "allocated to the org from its IP Spaces).",
        "invalid_value");
  }
  if (has_field(body, "dnatExternalPort")) {
    auto p = str_field(body, "dnatExternalPort");
    if (!valid_port_spec(p, true))
      return bad_request(c, "Invalid dnatExternalPort '" + p + "'.", "invalid_value");
  }
  if (has_field(body, "firewallMatch")
      && !one_of(str_field(body, "firewallMatch"), firewall_matches))
    return bad_request(c, "Invalid firewallMatch.", "invalid_value");
  if (has_field(body, "priority")) {
    auto p = int_field(body, "priority");
    if (!p || *p < 0 || *p > 2147481599)
      return bad_request(c, "priority must be within 0..2147481599.", "invalid_value");
  }
  if (auto pid = ref_id(body, "applicationPortProfile"); !pid.empty()) {
    auto* p = c.st.find(pid);
    if (p == nullptr || p->k != kind::app_port_profile
        || !(p->org_id.empty() || p->org_id == gw.org_id))
      return error_reply(c, 400, "INVALID_REFERENCE", "Unknown application port profile " + pid,
                         "invalid_value");
    body["applicationPortProfile"] =
      json::object{{"name", str_field(p->body, "name")}, {"id", p->id}};
  }
  // Normalise: both fields at 36.0+ for DNAT/SNAT/NO_*, `type` alone for REFLEXIVE.
  body["type"] = t;
  if (t != "REFLEXIVE")
    body["ruleType"] = t;
  else
    body.erase("ruleType");
  for (auto key : {"id", "version", "systemRule"})
    body.erase(key);
  if (!has_field(body, "enabled"))
    body["enabled"] = true;
  if (!has_field(body, "dnatExternalPort") && t == "DNAT")
    body["dnatExternalPort"] = "ANY";
  if (!has_field(body, "firewallMatch"))
    body["firewallMatch"] = "MATCH_INTERNAL_ADDRESS";
  if (!has_field(body, "priority"))
    body["priority"] = 0;
  if (!has_field(body, "description"))
    body["description"] = "";
  body["logging"] = false; // always reads back false for org users
  return std::nullopt;
}

entry* nat_rule_of(ctx& c, const gateway_rec& gw, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != kind::nat_rule || e->gateway_id != gw.id)
    return nullptr;
  return e;
}

http::response rule_not_found(ctx& c, std::string_view id) {
  return error_reply(c, 404, "NOT_FOUND", "NAT rule " + std::string{id} + " not found.",
                     "unknown_urn");
}

task_rec& start_nat_task(ctx& c, entry& e, task_rec::action act, const gateway_rec& gw) {
  auto op = act == task_rec::action::create   ? "NAT_RULE_CREATE"
            : act == task_rec::action::remove ? "NAT_RULE_DELETE"
                                              : "NAT_RULE_UPDATE";
  auto& t =
    start_object_task(c, e, act, op, std::string{op} + " " + str_field(e.body, "name"), gw.id);
  // The owner of a NAT task is the gateway: the API does not return the new rule's id.
  t.owner_id = gw.id;
  t.owner_name = gw.name;
  t.owner_type = "application/vnd.vmware.vcloud.gateway+xml";
  return t;
}

// The (protocol, external port range) a DNAT rule matches: the port from dnatExternalPort,
// else from its application port profile; "ANY" or nothing is the whole range.
struct dnat_match {
  std::string protocol = "TCP";
  int lo = 1;
  int hi = 65535;
};

std::pair<int, int> port_range(const std::string& spec) {
  if (spec.empty() || spec == "ANY" || !valid_port_spec(spec, false))
    return {1, 65535};
  auto dash = spec.find('-');
  if (dash == std::string::npos)
    return {std::stoi(spec), std::stoi(spec)};
  return {std::stoi(spec.substr(0, dash)), std::stoi(spec.substr(dash + 1))};
}

dnat_match match_of(state& st, const json::object& rule) {
  dnat_match m;
  std::string port = str_field(rule, "dnatExternalPort");
  if (const auto* p = st.find(ref_id(rule, "applicationPortProfile"));
      p != nullptr && p->k == kind::app_port_profile) {
    const auto* ports = p->body.if_contains("applicationPorts");
    if (ports != nullptr && ports->is_array() && !ports->get_array().empty()
        && ports->get_array()[0].is_object()) {
      const auto& first = ports->get_array()[0].get_object();
      m.protocol = str_field(first, "protocol");
      const auto* dp = first.if_contains("destinationPorts");
      if ((port.empty() || port == "ANY") && dp != nullptr && dp->is_array()
          && dp->get_array().size() == 1 && dp->get_array()[0].is_string())
        port = std::string{dp->get_array()[0].get_string()};
    }
  }
  std::tie(m.lo, m.hi) = port_range(port);
  return m;
}

// Counts an accepted rule that shares (external address, protocol, port) with another DNAT
// rule of the gateway (stats.dnat_overlaps; see core.hpp).
void count_dnat_overlap(ctx& c, const entry& rule) {
  if (str_field(rule.body, "type") != "DNAT")
    return;
  auto ext = str_field(rule.body, "externalAddresses");
  auto mine = match_of(c.st, rule.body);
  for (const auto& [seq, e] : c.st.objects) {
    if (e.k != kind::nat_rule || e.id == rule.id || e.gateway_id != rule.gateway_id
        || str_field(e.body, "type") != "DNAT" || str_field(e.body, "externalAddresses") != ext)
      continue;
    auto other = match_of(c.st, e.body);
    if (other.protocol == mine.protocol && other.lo <= mine.hi && mine.lo <= other.hi) {
      ++c.st.stats.dnat_overlaps;
      return;
    }
  }
}

} // namespace

json::object render_nat_rule(state&, const entry& e, int version) {
  json::object j = e.body;
  j["id"] = e.id;
  j["version"] = json::object{{"version", e.version}};
  j["systemRule"] = false;
  drop_newer_nat_fields(j, version);
  return j;
}

http::response list_nat_rules(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  if (c.q("filter"))
    return bad_request(c, "This endpoint does not support filters.", "bad_filter");
  int64_t offset = 0;
  int64_t page_size = 25;
  if (auto cursor = c.q("cursor"); cursor && !cursor->empty()) {
    // When a cursor is given every other paging parameter is ignored (reference §5.1).
    auto raw = base64_decode(*cursor);
    json::error_code ec;
    auto v = raw ? json::parse(*raw, ec) : json::value{};
    const auto* off =
      v.is_object() ? v.get_object().if_contains("NETWORKING_CURSOR_OFFSET") : nullptr;
    const auto* size = v.is_object() ? v.get_object().if_contains("pageSize") : nullptr;
    if (ec || off == nullptr || !off->is_string() || size == nullptr || !size->is_int64())
      return bad_request(c, "Invalid cursor.", "invalid_value");
    try {
      offset = std::stoll(std::string{off->get_string()});
    } catch (const std::exception&) {
      return bad_request(c, "Invalid cursor.", "invalid_value");
    }
    page_size = size->get_int64();
  } else if (auto ps = c.q("pageSize")) {
    try {
      page_size = std::stoll(*ps);
    } catch (const std::exception&) {
      return bad_request(c, "pageSize must be an integer.", "invalid_value");
    }
  }
  if (page_size < 1 || offset < 0)
    return bad_request(c, "pageSize must be positive.", "invalid_value");
  if (page_size > c.st.sc.max_page_size) {
    if (c.st.sc.reject_oversized_page)
      return bad_request(c, "pageSize must be at most " + std::to_string(c.st.sc.max_page_size),
                         "invalid_value");
    page_size = c.st.sc.max_page_size;
  }
  std::vector<const entry*> rules;
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::nat_rule && e.gateway_id == gw->id)
      rules.push_back(&e);
  json::array values;
  auto total = static_cast<int64_t>(rules.size());
  for (int64_t i = offset; i < std::min(total, offset + page_size); ++i)
    values.push_back(render_nat_rule(c.st, *rules[static_cast<size_t>(i)], c.version));
  auto r = json_reply(c, 200, json::object{{"status", gw->status}, {"values", std::move(values)}});
  if (offset + page_size < total) {
    char pos[24]; // room for any int64 so the formatting can never truncate
    std::snprintf(pos, sizeof(pos), "%05lld", static_cast<long long>(offset + page_size));
    json::object cur{{"NETWORKING_CURSOR_OFFSET", std::to_string(offset + page_size)},
                     {"pageSize", page_size},
                     {"NETWORKING_CURSOR", pos}};
    r.fields.emplace_back("Link", "<" + c.base() + c.path
                                    + "?cursor=" + url_encode(base64_encode(json::serialize(cur)))
                                    + ">;rel=\"nextPage\";type=\"application/json\"");
  }
  return r;
}

http::response post_nat_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (auto bad = validate_nat(c, *body, *gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  auto& e = c.st.insert(new_entry(c, kind::nat_rule, gw->id, gw->org_id, std::move(*body)));
  count_dnat_overlap(c, e);
  return accepted(c, start_nat_task(c, e, task_rec::action::create, *gw));
}

http::response get_nat_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto* e = nat_rule_of(c, *gw, c.params.at(1));
  if (e == nullptr)
    return rule_not_found(c, c.params.at(1));
  return json_reply(c, 200, render_nat_rule(c.st, *e, c.version));
}

http::response put_nat_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto* e = nat_rule_of(c, *gw, c.params.at(1));
  if (e == nullptr)
    return rule_not_found(c, c.params.at(1));
  auto body = parse_body(c, err);
  if (!body)
    return err;
  // Optimistic locking: the update must carry the current version (reference §4.4).
  const auto* v = body->if_contains("version");
  const auto* n = v != nullptr && v->is_object() ? v->get_object().if_contains("version") : nullptr;
  if (n == nullptr || !n->is_int64())
    return bad_request(c, "The version of the NAT rule is required for an update.",
                       "stale_version");
  if (n->get_int64() != e->version)
    return bad_request(c,
                       "The NAT rule was changed by someone else (version "
                         + std::to_string(n->get_int64()) + ", current "
                         + std::to_string(e->version) + ").",
                       "stale_version");
  // Fields the client's version does not know are kept from the stored rule.
  json::object kept;
  for (auto key : {"firewallMatch", "priority", "appliedTo"})
    if (auto* old = e->body.if_contains(key))
      kept[key] = *old;
  drop_newer_nat_fields(*body, c.version);
  for (auto& [k, val] : kept)
    if (!body->contains(k))
      (*body)[k] = val;
  if (c.version < 3600)
    body->erase("type");
  if (auto bad = validate_nat(c, *body, *gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  e->body = std::move(*body);
  ++e->version;
  count_dnat_overlap(c, *e);
  return accepted(c, start_nat_task(c, *e, task_rec::action::update, *gw));
}

http::response delete_nat_rule(ctx& c) {
  http::response err;
  auto* gw = visible_gateway(c, c.params.at(0), err, true);
  if (gw == nullptr)
    return err;
  auto* e = nat_rule_of(c, *gw, c.params.at(1));
  if (e == nullptr)
    return rule_not_found(c, c.params.at(1));
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  return accepted(c, start_nat_task(c, *e, task_rec::action::remove, *gw));
}

// -- application port profiles -------------------------------------------------------------

namespace {

bool profile_visible(ctx& c, const entry& e) {
  return e.org_id.empty() || c.sees_org(e.org_id);
}

entry* visible_profile(ctx& c, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != kind::app_port_profile || !profile_visible(c, *e))
    return nullptr;
  return e;
}

std::optional<http::response> validate_profile(ctx& c, json::object& body, const entry* self,
                                               std::string& org_id) {
  auto name = str_field(body, "name");
  if (name.empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  auto scope = str_field(body, "scope");
  if (scope.empty())
    scope = "TENANT";
  if (scope == "SYSTEM")
    return bad_request(c, "SYSTEM application port profiles are read-only.", "invalid_value");
  if (scope != "TENANT" && scope != "PROVIDER")
    return bad_request(c, "scope must be TENANT or PROVIDER.", "invalid_value");
  if (scope == "PROVIDER" && !c.provider())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "PROVIDER profiles need the System Administrator role.", "forbidden");
  body["scope"] = scope;
  org_id.clear();
  if (scope == "TENANT") {
    auto oid = ref_id(body, "orgRef");
    if (oid.empty())
      return bad_request(c, "Validation error on field 'orgRef': required for TENANT scope.",
                         "missing_field");
    const auto* o = c.st.find_org(oid);
    if (o == nullptr || !c.sees_org(o->id))
      return error_reply(c, 400, "INVALID_REFERENCE", "Unknown org " + oid, "invalid_value");
    org_id = o->id;
    body["orgRef"] = json::object{{"name", o->name}, {"id", o->id}};
  }
  auto* ports = body.if_contains("applicationPorts");
  if (ports == nullptr || !ports->is_array() || ports->get_array().empty())
    return bad_request(c, "applicationPorts must list at least one port.", "missing_field");
  for (const auto& p : ports->get_array()) {
    if (!p.is_object())
      return bad_request(c, "An application port must be an object.", "invalid_value");
    auto proto = str_field(p.get_object(), "protocol");
    if (!one_of(proto, port_protocols))
      return bad_request(c, "Invalid protocol '" + proto + "'.", "invalid_value");
    if (auto* dp = p.get_object().if_contains("destinationPorts");
        dp != nullptr && !dp->is_null()) {
      if (!dp->is_array())
        return bad_request(c, "destinationPorts must be a list.", "invalid_value");
      for (const auto& x : dp->get_array())
        if (!x.is_string() || !valid_port_spec(std::string{x.get_string()}, false))
          return bad_request(c, "Invalid destination port.", "invalid_value");
    }
  }
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::app_port_profile && (self == nullptr || e.id != self->id) && e.org_id == org_id
        && str_field(e.body, "scope") == scope && str_field(e.body, "name") == name)
      return bad_request(
        c, "An application port profile named '" + name + "' already exists in this scope.",
        "duplicate_name");
  for (auto key : {"id", "status", "usableForNAT", "networkProviderScope"})
    body.erase(key);
  if (!has_field(body, "description"))
    body["description"] = "";
  return std::nullopt;
}

} // namespace

json::object render_app_port_profile(state&, const entry& e) {
  json::object j = e.body;
  j.erase("contextEntityId"); // write-only: "unset on reads"
  j["id"] = e.id;
  j["status"] = e.status;
  j["networkProviderScope"] = nullptr;
  bool usable = false;
  if (auto* ports = e.body.if_contains("applicationPorts");
      ports != nullptr && ports->is_array() && ports->get_array().size() == 1) {
    const auto* dp = json_path(ports->get_array()[0], "destinationPorts");
    usable = dp == nullptr || dp->is_null() || (dp->is_array() && dp->get_array().size() <= 1);
  }
  j["usableForNAT"] = usable;
  return j;
}

http::response list_app_port_profiles(ctx& c) {
  std::vector<json::value> items;
  auto hint = name_filter_hint(c);
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::app_port_profile && profile_visible(c, e)
        && (!hint || str_field(e.body, "name") == *hint)) {
      auto j = render_app_port_profile(c.st, e);
      j["_context"] = e.context_id; // hidden; list_reply strips '_' fields
      items.push_back(std::move(j));
    }
  fiql_special special = [](std::string_view field, std::string_view value,
                            const json::value& obj) {
    if (field != "_context")
      return false;
    auto scope = json_path(obj, "scope");
    if (scope != nullptr && scope->is_string() && scope->get_string() != "TENANT")
      return true; // SYSTEM and PROVIDER profiles are usable in every context
    const auto* ctxv = json_path(obj, "_context");
    return ctxv != nullptr && ctxv->is_string() && ctxv->get_string() == value;
  };
  return list_reply(c, std::move(items), {"id", "name", "scope", "_context"}, special);
}

http::response post_app_port_profile(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  std::string org_id;
  if (auto bad = validate_profile(c, *body, nullptr, org_id))
    return std::move(*bad);
  auto context = str_field(*body, "contextEntityId");
  auto name = str_field(*body, "name");
  auto e = new_entry(c, kind::app_port_profile, "", org_id, std::move(*body));
  e.context_id = context;
  auto& stored = c.st.insert(std::move(e));
  // Profiles belong to the org, not to a gateway: their tasks lock nothing.
  auto& t =
    start_object_task(c, stored, task_rec::action::create, "APPLICATION_PORT_PROFILE_CREATE",
                      "Creating Application Port Profile " + name, "");
  return accepted(c, t);
}

http::response get_app_port_profile(ctx& c) {
  auto* e = visible_profile(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_app_port_profile(c.st, *e));
}

http::response put_app_port_profile(ctx& c) {
  auto* e = visible_profile(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  if (str_field(e->body, "scope") == "SYSTEM")
    return bad_request(c, "SYSTEM application port profiles are read-only.", "invalid_value");
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  std::string org_id;
  if (auto bad = validate_profile(c, *body, e, org_id))
    return std::move(*bad);
  if (org_id != e->org_id)
    return bad_request(c, "The org of a profile cannot change.", "invalid_value");
  if (auto ctx_id = str_field(*body, "contextEntityId"); !ctx_id.empty())
    e->context_id = ctx_id;
  e->body = std::move(*body);
  // NAT rules show the profile's current name.
  for (auto& [seq, o] : c.st.objects)
    if (o.k == kind::nat_rule && ref_id(o.body, "applicationPortProfile") == e->id)
      o.body["applicationPortProfile"] =
        json::object{{"name", str_field(e->body, "name")}, {"id", e->id}};
  auto& t =
    start_object_task(c, *e, task_rec::action::update, "APPLICATION_PORT_PROFILE_UPDATE",
                      "Updating Application Port Profile " + str_field(e->body, "name"), "");
  return accepted(c, t);
}

http::response delete_app_port_profile(ctx& c) {
  auto* e = visible_profile(c, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  if (str_field(e->body, "scope") == "SYSTEM")
    return bad_request(c, "SYSTEM application port profiles are read-only.", "invalid_value");
  for (const auto& [seq, o] : c.st.objects)
    if (o.k == kind::nat_rule && ref_id(o.body, "applicationPortProfile") == e->id)
      return bad_request(
        c, "The application port profile is used by NAT rule '" + str_field(o.body, "name") + "'.",
        "in_use");
  for (const auto& [seq, o] : c.st.objects)
    if (o.k == kind::firewall_rule)
      if (const auto* refs = o.body.if_contains("applicationPortProfiles");
          refs != nullptr && refs->is_array())
        for (const auto& r : refs->get_array())
          if (const auto* id = json_path(r, "id");
              id != nullptr && id->is_string() && id->get_string() == e->id)
            return bad_request(c,
                               "The application port profile is used by firewall rule '"
                                 + str_field(o.body, "name") + "'.",
                               "in_use");
  auto& t =
    start_object_task(c, *e, task_rec::action::remove, "APPLICATION_PORT_PROFILE_DELETE",
                      "Deleting Application Port Profile " + str_field(e->body, "name"), "");
  return accepted(c, t);
}

} // namespace vcdlb::vcd::sim::detail
