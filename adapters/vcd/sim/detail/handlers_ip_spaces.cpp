// IP Spaces (VCD 10.4.1+, API 37.1; ip-spaces-rde-traffic.md §1): the spaces, floating IP
// suggestions for a gateway, allocation as a task whose result carries the values, and the
// allocations (list, get, update, release). Choices where VCD's behaviour is not established
// (§5): a refused allocation is a failed task with the wording of adapters/vcd/ip_spaces.hpp;
// an allocation consumed by a virtual service or DNAT rule reads `USED` unless its tenant
// reserved it (`USED_MANUAL` stays); spaces are suggested even with no unused IP of the org.

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "adapters/vcd/ip_spaces.hpp"
#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr int ip_spaces_version = 3701;      // API 37.1 (VCD 10.4.1)
constexpr int allocate_value_version = 3702; // `value` in the allocate request (10.4.2)

bool in_space_ranges(const ip_space& sp, uint32_t ip) {
  for (const auto& r : sp.ranges) {
    auto lo = parse_ipv4(r.start);
    auto hi = r.end.empty() ? lo : parse_ipv4(r.end);
    if (lo && hi && *lo <= ip && ip <= *hi)
      return true;
  }
  return false;
}

// Per IP: the gateway and category of the live object that consumes it (one pass).
struct consumer {
  std::string gateway_id;
  std::string gateway_name;
  std::string category; ///< LOAD_BALANCER or DNAT
};

std::map<std::string, consumer> consumed_ips(state& st) {
  std::map<std::string, consumer> out;
  for (const auto& [seq, e] : st.objects) {
    std::string ip;
    std::string cat;
    if (e.k == kind::virtual_service) {
      ip = str_field(e.body, "virtualIpAddress");
      cat = "LOAD_BALANCER";
    } else if (e.k == kind::nat_rule) {
      auto type = str_field(e.body, "type");
      if (type.empty())
        type = str_field(e.body, "ruleType");
      if (type != "DNAT")
        continue;
      ip = str_field(e.body, "externalAddresses");
      cat = "DNAT";
    } else {
      continue;
    }
    if (ip.empty() || out.contains(ip))
      continue;
    auto* g = st.gateway(e.gateway_id);
    out.emplace(ip, consumer{e.gateway_id, g != nullptr ? g->name : "", cat});
  }
  return out;
}

json::object render_allocation(const allocation_rec& a,
                               const std::map<std::string, consumer>& used) {
  json::object j{{"id", a.id},
                 {"type", "FLOATING_IP"},
                 {"value", a.value},
                 {"allocationDate", a.allocation_date},
                 {"orgRef", json::object{{"name", a.org_name}, {"id", a.org_id}}},
                 {"usageState", a.usage_state},
                 {"description", a.description},
                 {"usedByRef", nullptr},
                 {"usageCategories", json::array{}}};
  if (auto u = used.find(a.value); u != used.end()) {
    if (a.usage_state == "UNUSED")
      j["usageState"] = "USED";
    j["usedByRef"] = json::object{{"name", u->second.gateway_name}, {"id", u->second.gateway_id}};
    j["usageCategories"] = json::array{json::value(u->second.category)};
  }
  return j;
}

// The space with this id if the caller may see it: provider, PUBLIC and SHARED_SERVICES spaces
// for every tenant, a PRIVATE one for its org only.
ip_space_rec* visible_space(ctx& c, std::string_view id) {
  auto i = c.st.ip_spaces.find(std::string{id});
  if (i == c.st.ip_spaces.end())
    return nullptr;
  const auto& def = i->second.def;
  if (def.type == "PRIVATE" && !c.scope_org.empty()) {
    const auto* o = c.st.find_org(c.scope_org);
    if (o == nullptr || o->name != def.org)
      return nullptr;
  }
  return &i->second;
}

// The tenant org of the request (its session org, or the provider's tenant context).
const org* tenant(ctx& c) {
  return c.scope_org.empty() ? nullptr : c.st.find_org(c.scope_org);
}

http::response too_old(ctx& c) {
  return error_reply(c, 404, "NOT_FOUND", "No such resource: " + c.path, "no_route");
}

// True if some edge gateway of `org_id` has an uplink that uses the space.
bool org_reaches_space(const state& st, const std::string& org_id, const std::string& space) {
  for (const auto& [id, g] : st.gateways) {
    if (g.org_id != org_id)
      continue;
    for (const auto& u : g.uplinks)
      if (std::find(u.ip_spaces.begin(), u.ip_spaces.end(), space) != u.ip_spaces.end())
        return true;
  }
  return false;
}

// Takes `gatewayId==X` (required) and `ipType==Y` out of a conjunction filter.
bool suggestion_filter(ctx& c, std::string& gateway_id, std::string& ip_type) {
  auto filter = c.q("filter");
  if (!filter)
    return false;
  auto ast = parse_fiql(*filter, c.q("filterEncoded").value_or("") == "true");
  if (!ast)
    return false;
  std::vector<const fiql_node*> terms;
  if (ast->op == fiql_node::type::equals)
    terms.push_back(&*ast);
  else if (ast->op == fiql_node::type::all_of)
    for (const auto& ch : ast->children)
      terms.push_back(&ch);
  for (const auto* t : terms) {
    if (t->op != fiql_node::type::equals)
      return false;
    if (t->field == "gatewayId")
      gateway_id = t->value;
    else if (t->field == "ipType")
      ip_type = t->value;
    else
      return false;
  }
  return !gateway_id.empty();
}

} // namespace

std::vector<const ip_space_rec*> gateway_ip_spaces(const state& st, const gateway_rec& g) {
  std::vector<const ip_space_rec*> out;
  for (const auto& u : g.uplinks)
    for (const auto& name : u.ip_spaces)
      for (const auto& [id, sp] : st.ip_spaces)
        if (sp.def.name == name && std::find(out.begin(), out.end(), &sp) == out.end())
          out.push_back(&sp);
  return out;
}

bool floating_ip_of_gateway(const state& st, const gateway_rec& g, std::string_view ip) {
  for (const auto* sp : gateway_ip_spaces(st, g))
    for (const auto& [id, a] : sp->allocations)
      if (a.visible && a.value == ip && a.org_id == g.org_id)
        return true;
  return false;
}

http::response get_floating_ip_suggestions(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  std::string gateway_id;
  std::string ip_type;
  if (!suggestion_filter(c, gateway_id, ip_type))
    return bad_request(c,
                       "The filter must name the gateway (gatewayId==<urn>), optionally with "
                       "ipType==IPV4|IPV6.",
                       "bad_filter");
  http::response err;
  auto* g = visible_gateway(c, gateway_id, err);
  if (g == nullptr)
    return err;
  auto spaces = gateway_ip_spaces(c.st, *g);
  if (spaces.empty())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "Edge gateway " + g->name + " does not use IP Spaces.", "forbidden");
  std::vector<json::value> items;
  if (ip_type.empty() || ip_type == "IPV4") {
    for (const auto* sp : spaces) {
      json::array unused;
      std::vector<const allocation_rec*> mine;
      for (const auto& [id, a] : sp->allocations)
        if (a.visible && a.org_id == g->org_id && a.usage_state == "UNUSED")
          mine.push_back(&a);
      std::sort(mine.begin(), mine.end(),
                [](const auto* a, const auto* b) { return a->seq < b->seq; });
      auto used = consumed_ips(c.st);
      for (const auto* a : mine)
        if (!used.contains(a->value) && unused.size() < 5)
          unused.push_back(json::value(a->value));
      items.push_back(
        json::object{{"ipSpaceRef", json::object{{"name", sp->def.name}, {"id", sp->def.id}}},
                     {"unusedValues", std::move(unused)}});
    }
  }
  // The filter's fields are not fields of the suggestions: drop it before paging.
  std::erase_if(c.query, [](const auto& kv) { return kv.first == "filter"; });
  return list_reply(c, std::move(items), {});
}

http::response get_ip_space(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  auto* sp = visible_space(c, c.params.at(0));
  if (sp == nullptr)
    return forbidden(c, c.params.at(0));
  const auto& d = sp->def;
  json::object j{{"id", d.id},     {"name", d.name},       {"description", ""},
                 {"type", d.type}, {"status", "REALIZED"}, {"routeAdvertisementEnabled", false}};
  if (const auto* o = d.org.empty() ? nullptr : c.st.find_org_by_name(d.org))
    j["orgRef"] = json::object{{"name", o->name}, {"id", o->id}};
  // Utilization: for a tenant, its own allocations against its quota.
  const auto* o = tenant(c);
  int64_t total = o != nullptr ? d.quota_of(o->name) : -1;
  int64_t allocated = 0;
  int64_t used = 0;
  auto consumed = consumed_ips(c.st);
  for (const auto& [id, a] : sp->allocations) {
    if (!a.visible || (o != nullptr && a.org_id != o->id))
      continue;
    ++allocated;
    if (a.usage_state != "UNUSED" || consumed.contains(a.value))
      ++used;
  }
  auto pct = [&](int64_t n) {
    return total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0;
  };
  j["utilization"] =
    json::object{{"floatingIPs", json::object{{"totalCount", std::to_string(total)},
                                              {"allocatedCount", std::to_string(allocated)},
                                              {"usedCount", std::to_string(used)},
                                              {"unusedCount", std::to_string(allocated - used)},
                                              {"allocatedPercentage", pct(allocated)},
                                              {"usedPercentage", pct(used)}}}};
  if (c.provider()) { // ranges and scopes: provider users only
    json::array ranges;
    for (const auto& r : d.ranges)
      ranges.push_back(json::object{{"startIpAddress", r.start},
                                    {"endIpAddress", r.end.empty() ? r.start : r.end}});
    json::array scopes;
    for (const auto& s : d.internal_scopes)
      scopes.push_back(json::value(s));
    j["ipSpaceRanges"] =
      json::object{{"ipRanges", std::move(ranges)},
                   {"defaultFloatingIpQuota",
                    d.default_floating_ip_quota.value_or(d.type == "PRIVATE" ? -1 : 1)}};
    j["ipSpaceInternalScope"] = std::move(scopes);
  }
  return json_reply(c, 200, j);
}

http::response post_ip_space_allocate(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  auto* sp = visible_space(c, c.params.at(0));
  if (sp == nullptr)
    return forbidden(c, c.params.at(0));
  const auto* o = tenant(c);
  if (o == nullptr)
    return bad_request(c, "Allocation needs a tenant org (X-VMWARE-VCLOUD-TENANT-CONTEXT).",
                       "missing_field");
  if (sp->def.type == "SHARED_SERVICES" && !c.provider())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "Only the provider allocates from SHARED_SERVICES IP Space '" + sp->def.name
                         + "'.",
                       "forbidden");
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto type = str_field(*body, "type");
  if (type != "FLOATING_IP" && type != "IP_PREFIX")
    return bad_request(c, "Validation error on field 'type': must be FLOATING_IP or IP_PREFIX.",
                       "invalid_value");
  if (type == "IP_PREFIX")
    return bad_request(c, "IP prefix allocation is not modelled by the simulator.",
                       "invalid_value");
  bool has_value = has_field(*body, "value");
  if (has_value && c.version < allocate_value_version)
    return bad_request(c, "Unrecognized field \"value\" (API 37.2 and later).", "invalid_value");
  auto quantity = int_field(*body, "quantity");
  if (has_value && quantity)
    return bad_request(c, "Specify either 'quantity' or 'value', not both.", "invalid_value");
  if (!has_value && (!quantity || *quantity < 1 || *quantity > 5))
    return bad_request(c, "Validation error on field 'quantity': must be between 1 and 5.",
                       "invalid_value");
  auto value = str_field(*body, "value");
  if (has_value && !parse_ipv4(value))
    return bad_request(c, "Validation error on field 'value': not an IPv4 address.",
                       "invalid_value");
  int64_t count = has_value ? 1 : *quantity;

  // Decide now (values are reserved so two allocations never pick the same IP); the outcome
  // shows when the task ends: a refusal is a failed task (§1.8).
  std::string refusal;
  std::string minor = "BAD_REQUEST";
  int major = 400;
  int64_t held = 0;
  std::set<uint32_t> taken;
  for (const auto& [id, a] : sp->allocations) {
    if (a.org_id == o->id)
      ++held;
    if (auto ip = parse_ipv4(a.value))
      taken.insert(*ip);
  }
  auto quota = sp->def.quota_of(o->name);
  std::vector<std::string> values;
  if (!org_reaches_space(c.st, o->id, sp->def.name)) {
    refusal = "This operation is denied: no edge gateway of org '" + o->name
              + "' is connected to a provider gateway that uses IP Space '" + sp->def.name + "'.";
    minor = "ACCESS_TO_RESOURCE_IS_FORBIDDEN";
    major = 403;
  } else if (quota >= 0 && held + count > quota) {
    refusal = ip_space_quota_message(sp->def.name, quota);
  } else if (has_value) {
    auto ip = *parse_ipv4(value);
    if (!in_space_ranges(sp->def, ip))
      refusal = "IP " + value + " is not in the ranges of IP Space '" + sp->def.name + "'.";
    else if (taken.contains(ip))
      refusal = "IP " + value + " of IP Space '" + sp->def.name + "' is already allocated.";
    else
      values.push_back(value);
  } else {
    for (const auto& r : sp->def.ranges) {
      auto lo = *parse_ipv4(r.start);
      auto hi = r.end.empty() ? lo : *parse_ipv4(r.end);
      for (uint64_t ip = lo; ip <= hi && static_cast<int64_t>(values.size()) < count; ++ip)
        if (!taken.contains(static_cast<uint32_t>(ip)))
          values.push_back(format_ipv4(static_cast<uint32_t>(ip)));
    }
    if (static_cast<int64_t>(values.size()) < count) {
      values.clear();
      refusal = ip_space_exhausted_message(sp->def.name);
    }
  }

  task_rec t;
  t.operation = "Allocating IP from IP Space " + sp->def.name;
  t.operation_name = "ipSpaceIpAllocate";
  t.owner_id = sp->def.id;
  t.owner_name = sp->def.name;
  t.owner_type = "application/json";
  t.org_id = o->id;
  t.org_name = o->name;
  if (c.session != nullptr) {
    t.user_name = c.session->user_name;
    t.user_id = c.session->user_id;
  }
  t.act = task_rec::action::ip_allocate;
  t.ip_space_id = sp->def.id;
  json::array result;
  json::array ids;
  std::string first_id;
  for (const auto& v : values) {
    allocation_rec a;
    a.id = "urn:vcloud:ipSpaceIpAllocation:" + c.st.new_uuid();
    a.space_id = sp->def.id;
    a.org_id = o->id;
    a.org_name = o->name;
    a.value = v;
    a.allocation_date = c.st.wall(c.now);
    a.seq = c.st.next_allocation_seq++;
    a.visible = false;
    result.push_back(json::object{{"id", a.id}, {"value", v}, {"suggestedValue", nullptr}});
    ids.push_back(json::value(a.id));
    if (first_id.empty())
      first_id = a.id;
    sp->allocations.emplace(a.id, std::move(a));
  }
  // One task per request: every value it allocated shows (or goes) when it ends.
  t.object_id = first_id;
  t.change["ids"] = std::move(ids);
  t.result_content = json::serialize(result);
  auto& started = c.st.start_task(std::move(t));
  if (!refusal.empty()) {
    started.will_fail = true;
    started.error_message = refusal;
    started.error_major = major;
    started.error_minor = minor;
    c.reason = "ip_space_refused";
  }
  return accepted(c, started);
}

http::response list_ip_allocations(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  auto* sp = visible_space(c, c.params.at(0));
  if (sp == nullptr)
    return error_reply(c, 404, "NOT_FOUND", "No such IP Space: " + c.params.at(0), "unknown_urn");
  // The allocation type must be part of the filter (§1.5).
  auto filter = c.q("filter").value_or("");
  if (filter.find("type==") == std::string::npos)
    return bad_request(c,
                       "The filter must name the allocation type (type==FLOATING_IP or "
                       "type==IP_PREFIX).",
                       "bad_filter");
  auto used = consumed_ips(c.st);
  std::vector<const allocation_rec*> rows;
  for (const auto& [id, a] : sp->allocations)
    if (a.visible && (c.scope_org.empty() || a.org_id == c.scope_org))
      rows.push_back(&a);
  // Default order: allocationDate descending (newest first).
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->seq > b->seq; });
  std::vector<json::value> items;
  items.reserve(rows.size());
  for (const auto* a : rows)
    items.push_back(render_allocation(*a, used));
  return list_reply(c, std::move(items), {"id", "type", "value", "usageState", "orgRef.id"});
}

namespace {

allocation_rec* visible_allocation(ctx& c, ip_space_rec*& sp) {
  sp = visible_space(c, c.params.at(0));
  if (sp == nullptr)
    return nullptr;
  auto i = sp->allocations.find(c.params.at(1));
  if (i == sp->allocations.end() || !i->second.visible || !c.sees_org(i->second.org_id))
    return nullptr;
  return &i->second;
}

task_rec allocation_task(ctx& c, const ip_space_rec& sp, const allocation_rec& a,
                         task_rec::action act, std::string operation, std::string name) {
  task_rec t;
  t.operation = std::move(operation);
  t.operation_name = std::move(name);
  t.owner_id = a.id;
  t.owner_name = a.value;
  t.owner_type = "application/json";
  t.org_id = a.org_id;
  t.org_name = a.org_name;
  if (c.session != nullptr) {
    t.user_name = c.session->user_name;
    t.user_id = c.session->user_id;
  }
  t.act = act;
  t.ip_space_id = sp.def.id;
  t.object_id = a.id;
  return t;
}

} // namespace

http::response get_ip_allocation(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  ip_space_rec* sp = nullptr;
  auto* a = visible_allocation(c, sp);
  if (a == nullptr)
    return forbidden(c, c.params.at(1));
  return json_reply(c, 200, render_allocation(*a, consumed_ips(c.st)));
}

http::response put_ip_allocation(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  ip_space_rec* sp = nullptr;
  auto* a = visible_allocation(c, sp);
  if (a == nullptr)
    return forbidden(c, c.params.at(1));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (has_field(*body, "value") && str_field(*body, "value") != a->value)
    return bad_request(c, "The value of an allocation cannot change.", "invalid_value");
  if (has_field(*body, "type") && str_field(*body, "type") != "FLOATING_IP")
    return bad_request(c, "The type of an allocation cannot change.", "invalid_value");
  auto state = str_field(*body, "usageState");
  if (state != "UNUSED" && state != "USED_MANUAL")
    return bad_request(c,
                       "Validation error on field 'usageState': a tenant sets UNUSED or "
                       "USED_MANUAL (USED is set by the system).",
                       "invalid_value");
  auto t = allocation_task(c, *sp, *a, task_rec::action::ip_update,
                           "Updating IP allocation " + a->value, "ipSpaceIpAllocationUpdate");
  t.change["usageState"] = state;
  // The description only means something for a manual reservation.
  t.change["description"] = state == "USED_MANUAL" ? str_field(*body, "description") : "";
  return accepted(c, c.st.start_task(std::move(t)));
}

http::response delete_ip_allocation(ctx& c) {
  if (c.version < ip_spaces_version)
    return too_old(c);
  ip_space_rec* sp = nullptr;
  auto* a = visible_allocation(c, sp);
  if (a == nullptr)
    return forbidden(c, c.params.at(1));
  auto t = allocation_task(c, *sp, *a, task_rec::action::ip_release,
                           "Releasing IP allocation " + a->value, "ipSpaceIpAllocationDelete");
  return accepted(c, c.st.start_task(std::move(t)));
}

json::array dump_ip_spaces(state& st) {
  auto used = consumed_ips(st);
  json::array out;
  for (const auto& [id, sp] : st.ip_spaces) {
    json::array allocs;
    for (const auto& [aid, a] : sp.allocations) {
      auto j = render_allocation(a, used);
      j["_sim"] = json::object{{"visible", a.visible}};
      allocs.push_back(std::move(j));
    }
    out.push_back(json::object{{"id", sp.def.id},
                               {"name", sp.def.name},
                               {"type", sp.def.type},
                               {"allocations", std::move(allocs)}});
  }
  return out;
}

} // namespace vcdlb::vcd::sim::detail
