// ALB pools and virtual services (reference §6.5, §6.6, §7): validation, VIP sharing rules,
// SEG capacity, async create/update/delete, summaries with derived status and health.

#include <algorithm>
#include <array>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/transparent.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

template <size_t N>
bool one_of(const std::string& v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

constexpr std::array<std::string_view, 3> standard_algorithms{"LEAST_CONNECTIONS", "ROUND_ROBIN",
                                                              "CONSISTENT_HASH"};
constexpr std::array<std::string_view, 6> premium_algorithms{
  "FASTEST_RESPONSE", "LEAST_LOAD", "FEWEST_SERVERS", "RANDOM", "FEWEST_TASKS", "CORE_AFFINITY"};
constexpr std::array<std::string_view, 5> monitor_types{"HTTP", "HTTPS", "TCP", "UDP", "PING"};
constexpr std::array<std::string_view, 5> persistence_types{
  "CLIENT_IP", "HTTP_COOKIE", "CUSTOM_HTTP_HEADER", "APP_COOKIE", "TLS"};
constexpr std::array<std::string_view, 4> app_profile_types{"HTTP", "HTTPS", "L4", "L4_TLS"};
constexpr std::array<std::string_view, 3> tcp_udp_types{"TCP_PROXY", "TCP_FAST_PATH",
                                                        "UDP_FAST_PATH"};

// Read-only fields a client may echo back in a PUT; they are dropped, never stored.
void strip_read_only(json::object& o) {
  for (auto key : {"id", "status", "healthStatus", "healthMessage", "detailedHealthMessage",
                   "memberCount", "enabledMemberCount", "upMemberCount", "virtualServiceRefs"})
    o.erase(key);
}

entry* visible(ctx& c, kind k, std::string_view id) {
  auto* e = c.st.find(id);
  if (e == nullptr || e->k != k || !c.sees_org(e->org_id))
    return nullptr;
  return e;
}

bool truthy(const json::object& o, std::string_view key, bool fallback) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
}

// -- pools ---------------------------------------------------------------------------------

int64_t enabled_members(state& st, const json::object& pool) {
  // A group pool's members are its IP set's entries, all enabled.
  if (auto group = group_member_count(st, pool); group >= 0)
    return group;
  int64_t n = 0;
  if (auto* m = pool.if_contains("members"); m != nullptr && m->is_array())
    for (const auto& x : m->get_array())
      if (x.is_object() && truthy(x.get_object(), "enabled", true))
        ++n;
  return n;
}

std::vector<const entry*> users_of_pool(state& st, const entry& pool) {
  std::vector<const entry*> out;
  for (const auto& [seq, e] : st.objects)
    if (e.k == kind::virtual_service && ref_id(e.body, "loadBalancerPoolRef") == pool.id)
      out.push_back(&e);
  return out;
}

// Validates a pool body; fills `gw` and returns nullopt when it is acceptable.
std::optional<http::response> validate_pool(ctx& c, json::object& body, const entry* self,
                                            gateway_rec*& gw) {
  auto name = str_field(body, "name");
  if (name.empty())
    return bad_request(c, "Validation error on field 'name': must not be empty.", "missing_field");
  auto gw_id = ref_id(body, "gatewayRef");
  if (gw_id.empty())
    return bad_request(c, "Validation error on field 'gatewayRef': must not be null.",
                       "missing_field");
  gw = c.st.gateway(gw_id);
  if (gw == nullptr || !c.sees_org(gw->org_id))
    return error_reply(c, 400, "INVALID_REFERENCE", "Unknown edge gateway " + gw_id,
                       "invalid_value");
  if (self != nullptr && self->gateway_id != gw_id)
    return bad_request(c, "The gateway of a pool cannot change.", "invalid_value");
  if (!gw->alb_enabled)
    return bad_request(c, "Load balancing is not enabled on edge gateway " + gw->name,
                       "invalid_value");
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::pool && e.gateway_id == gw_id && (self == nullptr || e.id != self->id)
        && str_field(e.body, "name") == name)
      return bad_request(c, "A pool named '" + name + "' already exists on this edge gateway.",
                         "duplicate_name");
  auto algo = str_field(body, "algorithm");
  if (!algo.empty()) {
    bool premium = one_of(algo, premium_algorithms);
    if (!premium && !one_of(algo, standard_algorithms))
      return bad_request(c, "Invalid algorithm '" + algo + "'.", "invalid_value");
    if (premium && gw->feature_set != "PREMIUM")
      return bad_request(c, "Algorithm " + algo + " needs the PREMIUM feature set.",
                         "invalid_value");
  }
  if (has_field(body, "defaultPort")) {
    auto p = int_field(body, "defaultPort");
    if (!p || *p < 1 || *p > 65535)
      return bad_request(c, "defaultPort must be within 1..65535.", "invalid_value");
  }
  if (has_field(body, "gracefulTimeoutPeriod")) {
    auto p = int_field(body, "gracefulTimeoutPeriod");
    if (!p || *p < -1 || *p > 7200)
      return bad_request(c, "gracefulTimeoutPeriod must be within -1..7200.", "invalid_value");
  }
  if (auto* hm = body.if_contains("healthMonitors"); hm != nullptr && !hm->is_null()) {
    if (!hm->is_array())
      return bad_request(c, "healthMonitors must be a list.", "invalid_value");
    for (const auto& m : hm->get_array())
      if (!m.is_object() || !one_of(str_field(m.get_object(), "type"), monitor_types))
        return bad_request(c, "Invalid health monitor type.", "invalid_value");
  }
  if (auto* pp = body.if_contains("persistenceProfile"); pp != nullptr && !pp->is_null()) {
    if (!pp->is_object() || !one_of(str_field(pp->get_object(), "type"), persistence_types))
      return bad_request(c, "Invalid persistence profile type.", "invalid_value");
  }
  if (auto* members = body.if_contains("members"); members != nullptr && !members->is_null()) {
    if (!members->is_array())
      return bad_request(c, "members must be a list.", "invalid_value");
    if (members->get_array().size() > 100)
      return bad_request(c, "A pool holds at most 100 members.", "invalid_value");
    for (auto& m : members->get_array()) {
      if (!m.is_object())
        return bad_request(c, "A member must be an object.", "invalid_value");
      auto& mo = m.get_object();
      auto ip = str_field(mo, "ipAddress");
      if (!parse_ipv4(ip) && ip.find(':') == std::string::npos)
        return bad_request(c, "Member ipAddress '" + ip + "' is not an IP address.",
                           "invalid_value");
      if (has_field(mo, "port")) {
        auto p = int_field(mo, "port");
        if (!p || *p < 1 || *p > 65535)
          return bad_request(c, "Member port must be within 1..65535.", "invalid_value");
      }
      if (has_field(mo, "ratio")) {
        auto r = int_field(mo, "ratio");
        if (!r || *r < 1 || *r > 20)
          return bad_request(c, "Member ratio must be within 1..20.", "invalid_value");
      }
      for (auto key : {"healthStatus", "markedDownBy", "detailedHealthMessage"})
        mo.erase(key);
      if (!has_field(mo, "ratio"))
        mo["ratio"] = 1;
      if (!has_field(mo, "enabled"))
        mo["enabled"] = true;
    }
  }
  return check_group_pool(c, body, self, *gw);
}

void pool_defaults(json::object& body, const gateway_rec& gw) {
  body["gatewayRef"] = json::object{{"name", gw.name}, {"id", gw.id}};
  if (!has_field(body, "enabled"))
    body["enabled"] = true;
  if (!has_field(body, "algorithm"))
    body["algorithm"] = "LEAST_CONNECTIONS";
  if (!has_field(body, "defaultPort"))
    body["defaultPort"] = 80;
  if (!has_field(body, "gracefulTimeoutPeriod"))
    body["gracefulTimeoutPeriod"] = 1;
  if (!has_field(body, "passiveMonitoringEnabled"))
    body["passiveMonitoringEnabled"] = true;
  if (!has_field(body, "members"))
    body["members"] = json::array{};
  if (!has_field(body, "healthMonitors"))
    body["healthMonitors"] = json::array{};
  if (!has_field(body, "sslEnabled"))
    body["sslEnabled"] = false;
}

json::object pool_summary(const json::object& full) {
  json::object s;
  for (auto key :
       {"id", "name", "description", "enabled", "status", "healthStatus", "healthMessage",
        "passiveMonitoringEnabled", "memberCount", "enabledMemberCount", "upMemberCount"})
    if (auto* v = full.if_contains(key))
      s[key] = *v;
  auto* hm = full.if_contains("healthMonitors");
  s["activeMonitoringEnabled"] = hm != nullptr && hm->is_array() && !hm->get_array().empty();
  s["memberSslEnabled"] = truthy(full, "sslEnabled", false);
  json::array refs;
  if (auto* r = full.if_contains("virtualServiceRefs"); r != nullptr && r->is_array())
    for (size_t i = 0; i < r->get_array().size() && i < 10; ++i)
      refs.push_back(r->get_array()[i]);
  s["virtualServiceRefs"] = std::move(refs);
  return s;
}

// -- virtual services ----------------------------------------------------------------------

struct port_span {
  std::string protocol;
  int64_t start = 0;
  int64_t end = 0;
};

std::vector<port_span> port_spans(const json::object& vs) {
  std::vector<port_span> out;
  auto* ports = vs.if_contains("servicePorts");
  if (ports == nullptr || !ports->is_array())
    return out;
  for (const auto& p : ports->get_array()) {
    if (!p.is_object())
      continue;
    const auto& po = p.get_object();
    port_span s;
    s.start = int_field(po, "portStart").value_or(0);
    s.end = int_field(po, "portEnd").value_or(s.start);
    const auto* type = json_path(p, "tcpUdpProfile.type");
    s.protocol =
      type != nullptr && type->is_string() && type->get_string() == "UDP_FAST_PATH" ? "UDP" : "TCP";
    out.push_back(s);
  }
  return out;
}

bool overlaps(const std::vector<port_span>& a, const std::vector<port_span>& b) {
  for (const auto& x : a)
    for (const auto& y : b)
      if (x.protocol == y.protocol && x.start <= y.end && y.start <= x.end)
        return true;
  return false;
}

std::optional<http::response> validate_vs(ctx& c, json::object& body, const entry* self,
                                          gateway_rec*& gw) {
  for (auto key : {"name", "gatewayRef", "loadBalancerPoolRef", "serviceEngineGroupRef",
                   "servicePorts", "applicationProfile"})
    if (!has_field(body, key))
      return bad_request(c,
                         "Validation error on field '" + std::string{key} + "': must not be null.",
                         "missing_field");
  auto* enabled = body.if_contains("enabled");
  if (enabled == nullptr || !enabled->is_bool())
    return bad_request(c, "Validation error on field 'enabled': must not be null.",
                       "missing_field");
  auto name = str_field(body, "name");
  if (name.empty())
    return bad_request(c, "Validation error on field 'name': size must be at least 1.",
                       "missing_field");
  auto gw_id = ref_id(body, "gatewayRef");
  gw = c.st.gateway(gw_id);
  if (gw == nullptr || !c.sees_org(gw->org_id))
    return error_reply(c, 400, "INVALID_REFERENCE", "Unknown edge gateway " + gw_id,
                       "invalid_value");
  if (self != nullptr && self->gateway_id != gw_id)
    return bad_request(c, "The gateway of a virtual service cannot change.", "invalid_value");
  if (!gw->alb_enabled)
    return bad_request(c, "Load balancing is not enabled on edge gateway " + gw->name,
                       "invalid_value");
  auto self_id = self != nullptr ? self->id : std::string{};
  std::vector<const entry*> siblings;
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::virtual_service && e.gateway_id == gw_id && e.id != self_id)
      siblings.push_back(&e);
  for (const auto* e : siblings)
    if (str_field(e->body, "name") == name)
      return bad_request(
        c, "A virtual service named '" + name + "' already exists on this edge gateway.",
        "duplicate_name");
  // Application profile, ports, certificate.
  const auto& ap = body.at("applicationProfile");
  auto ap_type = ap.is_object() ? str_field(ap.get_object(), "type") : std::string{};
  if (!one_of(ap_type, app_profile_types))
    return bad_request(c, "applicationProfile.type must be HTTP, HTTPS, L4 or L4_TLS.",
                       "invalid_value");
  if (ap_type == "L4_TLS" && gw->feature_set != "PREMIUM")
    return bad_request(c, "L4_TLS virtual services need the PREMIUM feature set.", "invalid_value");
  const auto& ports = body.at("servicePorts");
  if (!ports.is_array() || ports.get_array().empty() || ports.get_array().size() > 10)
    return bad_request(c, "servicePorts must list 1 to 10 ports.", "invalid_value");
  bool any_ssl = false;
  for (const auto& p : ports.get_array()) {
    if (!p.is_object())
      return bad_request(c, "A service port must be an object.", "invalid_value");
    const auto& po = p.get_object();
    auto start = int_field(po, "portStart");
    if (!start || *start < 0 || *start > 65535)
      return bad_request(c, "portStart must be within 0..65535.", "invalid_value");
    if (has_field(po, "portEnd")) {
      auto end = int_field(po, "portEnd");
      if (!end || *end < *start || *end > 65535)
        return bad_request(c, "portEnd must be within portStart..65535.", "invalid_value");
    }
    any_ssl = any_ssl || truthy(po, "sslEnabled", false);
    if (const auto* t = json_path(p, "tcpUdpProfile.type")) {
      auto type = t->is_string() ? std::string{t->get_string()} : std::string{};
      if (!one_of(type, tcp_udp_types))
        return bad_request(c, "Invalid tcpUdpProfile type '" + type + "'.", "invalid_value");
      if (type != "TCP_PROXY" && ap_type != "L4")
        return bad_request(c,
                           "Only TCP_PROXY is allowed with an " + ap_type + " application profile.",
                           "invalid_value");
    }
  }
  if (ap_type == "HTTPS" || ap_type == "L4_TLS") {
    auto cert_id = ref_id(body, "certificateRef");
    auto* cert = cert_id.empty() ? nullptr : c.st.find(cert_id);
    if (cert == nullptr || cert->k != kind::certificate || cert->org_id != gw->org_id)
      return bad_request(
        c, "A certificate from the library is required for " + ap_type + " virtual services.",
        "missing_certificate");
    body["certificateRef"] =
      json::object{{"name", str_field(cert->body, "alias")}, {"id", cert->id}};
    if (!any_ssl)
      return bad_request(c, ap_type + " needs at least one service port with sslEnabled.",
                         "invalid_value");
  }
  // Pool: same gateway, and used by no other virtual service.
  auto pool_id = ref_id(body, "loadBalancerPoolRef");
  auto* pool = c.st.find(pool_id);
  if (pool == nullptr || pool->k != kind::pool || pool->gateway_id != gw_id)
    return error_reply(c, 400, "INVALID_REFERENCE",
                       "Pool " + pool_id + " does not exist on this edge gateway.",
                       "invalid_value");
  for (const auto* e : siblings)
    if (ref_id(e->body, "loadBalancerPoolRef") == pool_id)
      return bad_request(c,
                         "Pool '" + str_field(pool->body, "name")
                           + "' is already used by virtual service '" + str_field(e->body, "name")
                           + "'.",
                         "pool_in_use");
  body["loadBalancerPoolRef"] =
    json::object{{"name", str_field(pool->body, "name")}, {"id", pool->id}};
  // SEG: assigned to this gateway, with room unless this VS already counts against it.
  auto seg_id = ref_id(body, "serviceEngineGroupRef");
  const entry* assignment = nullptr;
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::seg_assignment && e.gateway_id == gw_id
        && ref_id(e.body, "serviceEngineGroupRef") == seg_id)
      assignment = &e;
  if (assignment == nullptr)
    return bad_request(
      c, "Service engine group " + seg_id + " is not assigned to edge gateway " + gw->name + ".",
      "seg_not_assigned");
  bool counted = self != nullptr && ref_id(self->body, "serviceEngineGroupRef") == seg_id;
  if (auto max = int_field(assignment->body, "maxVirtualServices"); max && !counted) {
    int64_t deployed = 0;
    for (const auto* e : siblings)
      if (ref_id(e->body, "serviceEngineGroupRef") == seg_id)
        ++deployed;
    if (deployed >= *max)
      return bad_request(c,
                         "Service engine group " + seg_id + " has no capacity left ("
                           + std::to_string(*max) + " virtual services).",
                         "seg_full");
  }
  body["serviceEngineGroupRef"] = assignment->body.at("serviceEngineGroupRef");
  if (auto bad = check_transparent_vs(c, body, *gw, *pool, *assignment))
    return bad;
  // VIP rules (reference §7.5).
  auto vip = str_field(body, "virtualIpAddress");
  auto vip6 = c.version >= 3700 ? str_field(body, "ipv6VirtualIpAddress") : std::string{};
  if (vip.empty() && vip6.empty())
    return bad_request(c, "Validation error on field 'virtualIpAddress': must not be null.",
                       "missing_field");
  if (!vip.empty() && !parse_ipv4(vip))
    return bad_request(c, "virtualIpAddress '" + vip + "' is not an IPv4 address.",
                       "invalid_value");
  auto mine = port_spans(body);
  if (self != nullptr) {
    auto old_vip = str_field(self->body, "virtualIpAddress");
    if (old_vip != vip) {
      for (const auto* e : siblings)
        if (str_field(e->body, "virtualIpAddress") == old_vip)
          return bad_request(c,
                             "The virtual IP of a virtual service that shares it with "
                             "others cannot be changed.",
                             "shared_vip_change");
    }
  }
  for (const auto* e : siblings) {
    if (vip.empty() || str_field(e->body, "virtualIpAddress") != vip)
      continue;
    if (!c.st.shared_vip)
      return bad_request(c,
                         "Virtual IP " + vip + " is already used by virtual service '"
                           + str_field(e->body, "name") + "'.",
                         "duplicate_vip");
    if (ref_id(e->body, "serviceEngineGroupRef") != seg_id)
      return bad_request(c,
                         "Virtual services sharing virtual IP " + vip
                           + " must use the same service engine group.",
                         "vip_seg_mismatch");
    if (overlaps(mine, port_spans(e->body)))
      return bad_request(c,
                         "Virtual IP " + vip + " already serves an overlapping port on "
                           + "virtual service '" + str_field(e->body, "name") + "'.",
                         "vip_port_conflict");
  }
  return std::nullopt;
}

void drop_newer_vs_fields(json::object& o, int version) {
  if (version < 3700)
    o.erase("ipv6VirtualIpAddress");
  if (version < 3701)
    o.erase("transparentModeEnabled");
}

std::string operation_text(task_rec::action act, std::string_view what, std::string_view name) {
  auto verb = act == task_rec::action::create   ? "Creating "
              : act == task_rec::action::remove ? "Deleting "
                                                : "Updating ";
  return verb + std::string{what} + " " + std::string{name};
}

} // namespace

json::object render_pool(state& st, const entry& e) {
  json::object j = e.body;
  j["id"] = e.id;
  j["status"] = e.status;
  auto users = users_of_pool(st, e);
  json::array refs;
  for (const auto* u : users)
    refs.push_back(json::object{{"name", str_field(u->body, "name")}, {"id", u->id}});
  auto members = j.if_contains("members");
  int64_t count = members != nullptr && members->is_array()
                    ? static_cast<int64_t>(members->get_array().size())
                    : 0;
  if (auto group = group_member_count(st, e.body); group >= 0)
    count = group;
  auto enabled = enabled_members(st, e.body);
  bool realized = e.status == "REALIZED";
  std::string health = !truthy(e.body, "enabled", true) ? "DISABLED"
                       : users.empty() || count == 0    ? "UNAVAILABLE"
                       : !realized                      ? "UNKNOWN"
                       : enabled > 0                    ? "UP"
                                                        : "DOWN";
  if (members != nullptr && members->is_array())
    for (auto& m : members->get_array())
      if (m.is_object())
        m.get_object()["healthStatus"] = !truthy(m.get_object(), "enabled", true) ? "DISABLED"
                                         : health == "UP"                         ? "UP"
                                                                                  : "UNKNOWN";
  j["virtualServiceRefs"] = std::move(refs);
  j["memberCount"] = count;
  j["enabledMemberCount"] = enabled;
  j["upMemberCount"] = health == "UP" ? enabled : 0;
  j["healthStatus"] = health;
  j["healthMessage"] = health == "UP" ? "The pool is up." : "The pool is " + health + ".";
  return j;
}

json::object render_vs(state& st, const entry& e, int version, time_point now) {
  json::object j = e.body;
  j["id"] = e.id;
  j["status"] = e.status;
  std::string health;
  if (e.status == "REALIZATION_FAILED")
    health = "DOWN";
  else if (!e.realized_at || now < *e.realized_at + st.faults.health_delay)
    health = "PENDING";
  else if (!truthy(e.body, "enabled", true))
    health = "DISABLED";
  else {
    auto* pool = st.find(ref_id(e.body, "loadBalancerPoolRef"));
    health =
      pool != nullptr && truthy(pool->body, "enabled", true) && enabled_members(st, pool->body) > 0
        ? "UP"
        : "DOWN";
  }
  j["healthStatus"] = health;
  j["healthMessage"] = health == "UP"        ? "The virtual service is up."
                       : health == "PENDING" ? "The virtual service is being deployed."
                                             : "The virtual service is " + health + ".";
  json::value message = j["healthMessage"];
  j["detailedHealthMessage"] = std::move(message);
  drop_newer_vs_fields(j, version);
  return j;
}

http::response list_pool_summaries(ctx& c) {
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err, true);
  if (g == nullptr)
    return err;
  std::vector<json::value> items;
  auto hint = name_filter_hint(c);
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::pool && e.gateway_id == g->id && (!hint || str_field(e.body, "name") == *hint))
      items.push_back(pool_summary(render_pool(c.st, e)));
  return list_reply(c, std::move(items), {"id", "name", "enabled", "status"});
}

http::response post_pool(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  strip_read_only(*body);
  gateway_rec* gw = nullptr;
  if (auto bad = validate_pool(c, *body, nullptr, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  pool_defaults(*body, *gw);
  auto name = str_field(*body, "name");
  auto& e = c.st.insert(new_entry(c, kind::pool, gw->id, gw->org_id, std::move(*body)));
  auto& t =
    start_object_task(c, e, task_rec::action::create, "LOAD_BALANCER_POOL_CREATE",
                      operation_text(task_rec::action::create, "Load Balancer Pool", name), gw->id);
  return accepted(c, t);
}

http::response get_pool(ctx& c) {
  auto* e = visible(c, kind::pool, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_pool(c.st, *e));
}

http::response put_pool(ctx& c) {
  auto* e = visible(c, kind::pool, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (auto id = str_field(*body, "id"); !id.empty() && id != e->id)
    return bad_request(c, "The id in the body does not match the URL.", "invalid_value");
  strip_read_only(*body);
  gateway_rec* gw = nullptr;
  if (auto bad = validate_pool(c, *body, e, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  pool_defaults(*body, *gw);
  e->body = std::move(*body);
  // A VS that references the pool by name sees the new name.
  for (auto& [seq, o] : c.st.objects)
    if (o.k == kind::virtual_service && ref_id(o.body, "loadBalancerPoolRef") == e->id)
      o.body["loadBalancerPoolRef"] =
        json::object{{"name", str_field(e->body, "name")}, {"id", e->id}};
  auto& t = start_object_task(
    c, *e, task_rec::action::update, "LOAD_BALANCER_POOL_UPDATE",
    operation_text(task_rec::action::update, "Load Balancer Pool", str_field(e->body, "name")),
    gw->id);
  return accepted(c, t);
}

http::response delete_pool(ctx& c) {
  auto* e = visible(c, kind::pool, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  auto users = users_of_pool(c.st, *e);
  if (!users.empty())
    return bad_request(c,
                       "Pool '" + str_field(e->body, "name") + "' is used by virtual service '"
                         + str_field(users.front()->body, "name") + "'.",
                       "pool_in_use");
  auto* gw = c.st.gateway(e->gateway_id);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  auto& t = start_object_task(
    c, *e, task_rec::action::remove, "LOAD_BALANCER_POOL_DELETE",
    operation_text(task_rec::action::remove, "Load Balancer Pool", str_field(e->body, "name")),
    gw->id);
  return accepted(c, t);
}

http::response list_vs_summaries(ctx& c) {
  http::response err;
  auto* g = visible_gateway(c, c.params.at(0), err, true);
  if (g == nullptr)
    return err;
  std::vector<json::value> items;
  auto hint = name_filter_hint(c);
  for (const auto& [seq, e] : c.st.objects) {
    if (e.k != kind::virtual_service || e.gateway_id != g->id
        || (hint && str_field(e.body, "name") != *hint))
      continue;
    auto j = render_vs(c.st, e, c.version, c.now);
    // Copy before inserting: operator[] may rehash and move the pointed-to value.
    if (const auto* t = json_path(j, "applicationProfile.type")) {
      json::value type = *t;
      j["applicationProfileType"] = std::move(type);
    }
    j.erase("applicationProfile");
    items.push_back(std::move(j));
  }
  return list_reply(c, std::move(items),
                    {"id", "name", "virtualIpAddress", "ipv6VirtualIpAddress", "enabled", "status",
                     "loadBalancerPoolRef.id", "loadBalancerPoolRef.name",
                     "serviceEngineGroupRef.id", "serviceEngineGroupRef.name"});
}

http::response post_vs(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  strip_read_only(*body);
  drop_newer_vs_fields(*body, c.version);
  gateway_rec* gw = nullptr;
  if (auto bad = validate_vs(c, *body, nullptr, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  (*body)["gatewayRef"] = json::object{{"name", gw->name}, {"id", gw->id}};
  auto name = str_field(*body, "name");
  auto& e = c.st.insert(new_entry(c, kind::virtual_service, gw->id, gw->org_id, std::move(*body)));
  auto& t = start_object_task(
    c, e, task_rec::action::create, "LOAD_BALANCER_VIRTUAL_SERVICE_CREATE",
    operation_text(task_rec::action::create, "Load Balancer Virtual Service", name), gw->id);
  return accepted(c, t);
}

http::response get_vs(ctx& c) {
  auto* e = visible(c, kind::virtual_service, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, render_vs(c.st, *e, c.version, c.now));
}

http::response put_vs(ctx& c) {
  auto* e = visible(c, kind::virtual_service, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (auto id = str_field(*body, "id"); !id.empty() && id != e->id)
    return bad_request(c, "The id in the body does not match the URL.", "invalid_value");
  strip_read_only(*body);
  drop_newer_vs_fields(*body, c.version);
  gateway_rec* gw = nullptr;
  if (auto bad = validate_vs(c, *body, e, gw))
    return std::move(*bad);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  (*body)["gatewayRef"] = json::object{{"name", gw->name}, {"id", gw->id}};
  // Fields of newer versions the client did not speak survive its update.
  for (auto key : {"ipv6VirtualIpAddress", "transparentModeEnabled"})
    if (!has_field(*body, key) && has_field(e->body, key)
        && (c.version < (std::string_view{key} == "transparentModeEnabled" ? 3701 : 3700)))
      (*body)[key] = e->body.at(key);
  e->body = std::move(*body);
  auto& t =
    start_object_task(c, *e, task_rec::action::update, "LOAD_BALANCER_VIRTUAL_SERVICE_UPDATE",
                      operation_text(task_rec::action::update, "Load Balancer Virtual Service",
                                     str_field(e->body, "name")),
                      gw->id);
  return accepted(c, t);
}

http::response delete_vs(ctx& c) {
  auto* e = visible(c, kind::virtual_service, c.params.at(0));
  if (e == nullptr)
    return forbidden(c, c.params.at(0));
  auto* gw = c.st.gateway(e->gateway_id);
  if (auto busy = check_busy(c, *gw))
    return std::move(*busy);
  auto& t =
    start_object_task(c, *e, task_rec::action::remove, "LOAD_BALANCER_VIRTUAL_SERVICE_DELETE",
                      operation_text(task_rec::action::remove, "Load Balancer Virtual Service",
                                     str_field(e->body, "name")),
                      gw->id);
  return accepted(c, t);
}

} // namespace vcdlb::vcd::sim::detail
