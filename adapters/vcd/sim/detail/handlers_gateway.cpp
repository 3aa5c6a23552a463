// Edge gateways, their used IP addresses, ALB settings and SEG assignments (reference §6.1-6.4).

#include <set>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/transparent.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

http::response provider_only(ctx& c) {
  return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                     "This operation requires the System Administrator role.", "forbidden");
}

uint64_t range_size(const ip_range& r) {
  auto a = parse_ipv4(r.start).value_or(0);
  auto b = r.end.empty() ? a : parse_ipv4(r.end).value_or(a);
  return b >= a ? uint64_t{b} - a + 1 : 0;
}

bool in_range(const ip_range& r, uint32_t ip) {
  auto a = parse_ipv4(r.start).value_or(1);
  auto b = r.end.empty() ? a : parse_ipv4(r.end).value_or(a);
  return ip >= a && ip <= b;
}

} // namespace

bool in_gateway_ranges(const gateway_rec& g, std::string_view ip) {
  auto x = parse_ipv4(ip);
  if (!x)
    return false;
  for (const auto& u : g.uplinks)
    for (const auto& s : u.subnets)
      for (const auto& r : s.ranges)
        if (in_range(r, *x))
          return true;
  return false;
}

std::vector<std::pair<std::string, std::string>> used_ips(state& st, const gateway_rec& g) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](std::string ip, std::string category) {
    if (seen.emplace(ip, category).second)
      out.emplace_back(std::move(ip), std::move(category));
  };
  for (const auto& u : g.uplinks)
    for (const auto& s : u.subnets)
      if (!s.primary_ip.empty())
        add(s.primary_ip, "PRIMARY_IP");
  for (const auto& [seq, e] : st.objects) {
    if (e.gateway_id != g.id)
      continue;
    if (e.k == kind::nat_rule) {
      auto type = str_field(e.body, "type");
      if (type.empty())
        type = str_field(e.body, "ruleType");
      auto ext = str_field(e.body, "externalAddresses");
      if ((type == "DNAT" || type == "SNAT" || type == "REFLEXIVE")
          && (in_gateway_ranges(g, ext) || floating_ip_of_gateway(st, g, ext)))
        add(ext, type == "DNAT" ? "DNAT" : "SNAT");
    } else if (e.k == kind::virtual_service) {
      auto vip = str_field(e.body, "virtualIpAddress");
      if (in_gateway_ranges(g, vip) || floating_ip_of_gateway(st, g, vip))
        add(vip, "Load_Balancer");
    }
  }
  return out;
}

json::object render_gateway(state& st, const gateway_rec& g, int version, bool provider) {
  auto used = used_ips(st, g);
  json::array uplinks;
  for (const auto& u : g.uplinks) {
    json::array subnets;
    for (const auto& s : u.subnets) {
      json::array ranges;
      uint64_t total = 0;
      for (const auto& r : s.ranges) {
        ranges.push_back(
          json::object{{"startAddress", r.start}, {"endAddress", r.end.empty() ? r.start : r.end}});
        total += range_size(r);
      }
      std::set<std::string> in_subnet;
      for (const auto& [ip, cat] : used) {
        auto x = parse_ipv4(ip);
        for (const auto& r : s.ranges)
          if (x && in_range(r, *x))
            in_subnet.insert(ip);
      }
      subnets.push_back(json::object{{"gateway", s.gateway},
                                     {"prefixLength", s.prefix_length},
                                     {"ipRanges", json::object{{"values", std::move(ranges)}}},
                                     {"enabled", true},
                                     {"totalIpCount", total},
                                     {"usedIpCount", in_subnet.size()},
                                     {"primaryIp", s.primary_ip}});
    }
    // An uplink backed by IP Spaces has no subnets: its IPs exist only once allocated.
    bool ip_space = !u.ip_spaces.empty();
    json::object uj{{"uplinkId", u.id},
                    {"uplinkName", u.name},
                    {"subnets", ip_space
                                  ? json::value(nullptr)
                                  : json::value(json::object{{"values", std::move(subnets)}})},
                    {"connected", true},
                    {"dedicated", false},
                    {"vrfLiteBacked", false}};
    if (version >= 3701) {
      uj["usingIpSpace"] = ip_space;
      uj["backingType"] = "NSXT_TIER0";
    }
    uplinks.push_back(std::move(uj));
  }
  size_t networks = 0;
  for (const auto& o : st.sc.orgs)
    for (const auto& v : o.vdcs)
      for (const auto& n : v.networks)
        if (v.id == g.vdc_id && n.gateway == g.name)
          ++networks;
  json::object backing{
    {"gatewayType", "NSXT_BACKED"},
    {"networkProvider",
     json::object{{"name", "nsxt-manager"}, {"id", derived_urn("nsxtmanager", "nsx")}}}};
  if (provider)
    backing["backingId"] = std::string{urn_uuid(g.id)};
  json::object j{{"id", g.id},
                 {"name", g.name},
                 {"description", g.description},
                 {"status", g.status},
                 {"ownerRef", json::object{{"name", g.vdc_name}, {"id", g.vdc_id}}},
                 {"orgVdc", json::object{{"name", g.vdc_name}, {"id", g.vdc_id}}},
                 {"orgRef", json::object{{"name", g.org_name}, {"id", g.org_id}}},
                 {"edgeGatewayUplinks", std::move(uplinks)},
                 {"gatewayBacking", std::move(backing)},
                 {"orgVdcNetworkCount", networks},
                 {"distributedRoutingEnabled", true},
                 {"serviceNetworkDefinition", "192.168.255.225/27"}};
  return j;
}

gateway_rec* visible_gateway(ctx& c, std::string_view id, http::response& error, bool parent) {
  auto* g = c.st.gateway(id);
  if (g != nullptr && c.sees_org(g->org_id))
    return g;
  if (parent)
    error = error_reply(c, 404, "NOT_FOUND", "Edge gateway " + std::string{id} + " not found.",
                        "unknown_urn");
  else
    error = forbidden(c, id);
  return nullptr;
}

http::response list_gateways(ctx& c) {
  std::vector<json::value> items;
  for (auto& [id, g] : c.st.gateways)
    if (c.sees_org(g.org_id))
      items.push_back(render_gateway(c.st, g, c.version, c.provider()));
  fiql_special special = [](std::string_view field, std::string_view value,
                            const json::value& obj) {
    if (field != "_context")
      return false;
    if (value == "includeAccessible")
      return true;
    const auto* owner = json_path(obj, "ownerRef.id");
    return owner != nullptr && owner->is_string() && owner->get_string() == value;
  };
  return list_reply(c, std::move(items),
                    {"id", "name", "ownerRef.id", "orgVdc.id", "orgRef.id", "status", "_context",
                     "gatewayBacking.gatewayType"},
                    special);
}

http::response get_gateway(ctx& c) {
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err);
  if (g == nullptr)
    return err;
  return json_reply(c, 200, render_gateway(c.st, *g, c.version, c.provider()));
}

http::response put_gateway(ctx& c) {
  if (!c.provider())
    return provider_only(c);
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err);
  if (g == nullptr)
    return err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (str_field(*body, "name").empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  if (auto busy = check_busy(c, *g))
    return std::move(*busy);
  // Ranges may be replaced per uplink (matched by uplinkId), e.g. to allocate more IPs.
  std::vector<uplink> uplinks = g->uplinks;
  if (auto* ul = body->if_contains("edgeGatewayUplinks"); ul != nullptr && ul->is_array()) {
    for (const auto& uv : ul->get_array()) {
      if (!uv.is_object())
        continue;
      auto uid = str_field(uv.get_object(), "uplinkId");
      const auto* subnets = json_path(uv, "subnets.values");
      for (auto& u : uplinks) {
        if (u.id != uid || subnets == nullptr || !subnets->is_array())
          continue;
        auto& arr = subnets->get_array();
        for (size_t i = 0; i < arr.size() && i < u.subnets.size(); ++i) {
          const auto* ranges = json_path(arr[i], "ipRanges.values");
          if (ranges == nullptr || !ranges->is_array())
            continue;
          std::vector<ip_range> next;
          for (const auto& rv : ranges->get_array()) {
            if (!rv.is_object())
              continue;
            ip_range r{str_field(rv.get_object(), "startAddress"),
                       str_field(rv.get_object(), "endAddress")};
            if (!parse_ipv4(r.start) || (!r.end.empty() && !parse_ipv4(r.end)))
              return bad_request(c, "Invalid IP range " + r.start + "-" + r.end, "invalid_value");
            next.push_back(r);
          }
          u.subnets[i].ranges = std::move(next);
        }
      }
    }
  }
  g->uplinks = std::move(uplinks);
  g->name = str_field(*body, "name");
  g->description = str_field(*body, "description");
  g->status = "CONFIGURING";
  task_rec t;
  t.act = task_rec::action::gateway_update;
  t.object_id = g->id;
  t.gateway_id = g->id;
  t.operation_name = "EDGE_GATEWAY_UPDATE";
  t.operation = "Updating Edge Gateway " + g->name;
  t.owner_id = g->id;
  t.owner_name = g->name;
  t.owner_type = "application/vnd.vmware.vcloud.gateway+xml";
  t.org_id = g->org_id;
  t.org_name = g->org_name;
  t.user_name = c.session->user_name;
  t.user_id = c.session->user_id;
  return accepted(c, c.st.start_task(std::move(t)));
}

http::response list_used_ips(ctx& c) {
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err, true);
  if (g == nullptr)
    return err;
  std::vector<json::value> items;
  for (auto& [ip, category] : used_ips(c.st, *g)) {
    json::object net;
    if (!g->uplinks.empty())
      net = json::object{{"name", g->uplinks.front().name}, {"id", g->uplinks.front().id}};
    items.push_back(
      json::object{{"networkRef", std::move(net)}, {"ipAddress", ip}, {"category", category}});
  }
  return list_reply(c, std::move(items), {"ipAddress", "category"});
}

namespace {

json::object alb_json(const gateway_rec& g, int version) {
  json::object j{{"enabled", g.alb_enabled}, {"serviceNetworkDefinition", "192.168.255.1/25"}};
  if (version >= 3700)
    j["supportedFeatureSet"] = g.feature_set;
  else
    j["licenseType"] = g.feature_set == "PREMIUM" ? "ENTERPRISE" : "BASIC";
  if (version >= 3701)
    j["transparentModeEnabled"] = g.transparent_mode;
  return j;
}

} // namespace

http::response get_alb_settings(ctx& c) {
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err, true);
  if (g == nullptr)
    return err;
  return json_reply(c, 200, alb_json(*g, c.version));
}

http::response put_alb_settings(ctx& c) {
  if (!c.provider())
    return provider_only(c);
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err, true);
  if (g == nullptr)
    return err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto* enabled = body->if_contains("enabled");
  if (enabled == nullptr || !enabled->is_bool())
    return bad_request(c, "Validation error on field 'enabled': must be a boolean.",
                       "missing_field");
  auto fs = str_field(*body, "supportedFeatureSet");
  if (!fs.empty() && fs != "STANDARD" && fs != "PREMIUM")
    return bad_request(c, "supportedFeatureSet must be STANDARD or PREMIUM.", "invalid_value");
  // transparentModeEnabled is part of the schema from 37.1; absent keeps the current value.
  std::optional<bool> transparent;
  if (const auto* t = body->if_contains("transparentModeEnabled");
      c.version >= 3701 && t != nullptr && !t->is_null()) {
    if (!t->is_bool())
      return bad_request(c, "transparentModeEnabled must be a boolean.", "invalid_value");
    transparent = t->get_bool();
  }
  if (g->transparent_mode && (transparent == false || !enabled->get_bool()))
    if (auto in_use = check_gateway_transparent_off(c, *g))
      return std::move(*in_use);
  if (auto busy = check_busy(c, *g))
    return std::move(*busy);
  g->alb_enabled = enabled->get_bool();
  if (!fs.empty())
    g->feature_set = fs;
  if (transparent)
    g->transparent_mode = *transparent;
  g->status = "CONFIGURING";
  task_rec t;
  t.act = task_rec::action::gateway_update;
  t.object_id = g->id;
  t.gateway_id = g->id;
  t.operation_name = "EDGE_GATEWAY_ALB_UPDATE";
  t.operation = "Updating load balancer settings of " + g->name;
  t.owner_id = g->id;
  t.owner_name = g->name;
  t.owner_type = "application/vnd.vmware.vcloud.gateway+xml";
  t.org_id = g->org_id;
  t.org_name = g->org_name;
  t.user_name = c.session->user_name;
  t.user_id = c.session->user_id;
  return accepted(c, c.st.start_task(std::move(t)));
}

json::object render_seg_assignment(state& st, const entry& e) {
  json::object j = e.body;
  j["id"] = e.id;
  auto seg = ref_id(e.body, "serviceEngineGroupRef");
  int64_t deployed = 0;
  for (const auto& [seq, o] : st.objects)
    if (o.k == kind::virtual_service && o.gateway_id == e.gateway_id
        && ref_id(o.body, "serviceEngineGroupRef") == seg)
      ++deployed;
  j["numDeployedVirtualServices"] = deployed;
  if (const auto* g = st.gateway(e.gateway_id)) {
    j["gatewayOrgRef"] = json::object{{"name", g->org_name}, {"id", g->org_id}};
    j["gatewayOwnerRef"] = json::object{{"name", g->vdc_name}, {"id", g->vdc_id}};
    j["gatewaySupportedFeatureSet"] = g->feature_set;
  }
  j["serviceEngineGroupSupportedFeatureSet"] = "STANDARD";
  if (!has_field(j, "serviceEngineGroupHaMode"))
    j["serviceEngineGroupHaMode"] = "ELASTIC_N_PLUS_M_BUFFER";
  return j;
}

http::response list_seg_assignments(ctx& c) {
  std::vector<json::value> items;
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::seg_assignment && c.sees_org(e.org_id))
      items.push_back(render_seg_assignment(c.st, e));
  return list_reply(c, std::move(items), {"id", "gatewayRef.id", "serviceEngineGroupRef.id"});
}

namespace {

entry* visible_entry(ctx& c, kind k, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != k || !c.sees_org(e->org_id))
    return nullptr;
  return e;
}

// min/max are "required for SHARED SEGs"; the simulator accepts them absent (DEDICATED).
std::optional<http::response> check_seg_limits(ctx& c, const json::object& body) {
  for (auto key : {"maxVirtualServices", "minVirtualServices"}) {
    if (!has_field(body, key))
      continue;
    auto v = int_field(body, key);
    if (!v || *v < 0)
      return bad_request(c, std::string{key} + " must be a non-negative integer.", "invalid_value");
  }
  return std::nullopt;
}

} // namespace

http::response get_seg_assignment(ctx& c) {
  auto* e = visible_entry(c, kind::seg_assignment, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_seg_assignment(c.st, *e));
}

http::response post_seg_assignment(ctx& c) {
  if (!c.provider())
    return provider_only(c);
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto gw_id = ref_id(*body, "gatewayRef");
  auto seg_id = ref_id(*body, "serviceEngineGroupRef");
  if (gw_id.empty() || seg_id.empty())
    return bad_request(c, "gatewayRef and serviceEngineGroupRef are required.", "missing_field");
  auto* g = c.st.gateway(gw_id);
  if (g == nullptr || !c.sees_org(g->org_id))
    return bad_request(c, "Unknown gateway " + gw_id, "invalid_value");
  if (auto bad = check_seg_limits(c, *body))
    return std::move(*bad);
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::seg_assignment && e.gateway_id == gw_id
        && ref_id(e.body, "serviceEngineGroupRef") == seg_id)
      return bad_request(c, "The service engine group is already assigned to this gateway.",
                         "duplicate_name");
  if (auto busy = check_busy(c, *g))
    return std::move(*busy);
  json::object stored;
  stored["gatewayRef"] = json::object{{"name", g->name}, {"id", g->id}};
  stored["serviceEngineGroupRef"] = body->at("serviceEngineGroupRef");
  for (auto key : {"maxVirtualServices", "minVirtualServices"})
    if (has_field(*body, key))
      stored[key] = body->at(key);
  // The HA mode is the SEG's own (read-only here): as another assignment of it shows.
  for (const auto& [seq, o] : c.st.objects)
    if (o.k == kind::seg_assignment && ref_id(o.body, "serviceEngineGroupRef") == seg_id
        && has_field(o.body, "serviceEngineGroupHaMode"))
      stored["serviceEngineGroupHaMode"] = o.body.at("serviceEngineGroupHaMode");
  auto& e = c.st.insert(new_entry(c, kind::seg_assignment, g->id, g->org_id, std::move(stored)));
  auto& t = start_object_task(c, e, task_rec::action::create, "SERVICE_ENGINE_GROUP_ASSIGN",
                              "Assigning service engine group to " + g->name, g->id);
  return accepted(c, t);
}

http::response put_seg_assignment(ctx& c) {
  if (!c.provider())
    return provider_only(c);
  auto* e = visible_entry(c, kind::seg_assignment, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (auto bad = check_seg_limits(c, *body))
    return std::move(*bad);
  auto* g = c.st.gateway(e->gateway_id);
  if (auto busy = check_busy(c, *g))
    return std::move(*busy);
  for (auto key : {"maxVirtualServices", "minVirtualServices"}) {
    if (has_field(*body, key))
      e->body[key] = body->at(key);
    else
      e->body.erase(key);
  }
  auto& t = start_object_task(c, *e, task_rec::action::update, "SERVICE_ENGINE_GROUP_ASSIGN_UPDATE",
                              "Updating service engine group assignment", g->id);
  return accepted(c, t);
}

http::response delete_seg_assignment(ctx& c) {
  if (!c.provider())
    return provider_only(c);
  auto* e = visible_entry(c, kind::seg_assignment, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  auto seg = ref_id(e->body, "serviceEngineGroupRef");
  for (const auto& [seq, o] : c.st.objects)
    if (o.k == kind::virtual_service && o.gateway_id == e->gateway_id
        && ref_id(o.body, "serviceEngineGroupRef") == seg)
      return bad_request(c, "The service engine group still serves virtual services.", "in_use");
  auto* g = c.st.gateway(e->gateway_id);
  if (auto busy = check_busy(c, *g))
    return std::move(*busy);
  auto& t = start_object_task(c, *e, task_rec::action::remove, "SERVICE_ENGINE_GROUP_UNASSIGN",
                              "Unassigning service engine group", g->id);
  return accepted(c, t);
}

} // namespace vcdlb::vcd::sim::detail
