#include "adapters/vcd/sim/core.hpp"

#include <array>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/state.hpp"
#include "adapters/vcd/sim/detail/text.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd::sim {

namespace json = boost::json;
using namespace detail;

namespace {

enum class category : uint8_t { read, mutation, task_poll, auth, control };

struct route {
  std::string_view method;
  std::string_view pattern; ///< segments; "{}" matches one segment
  category cat;
  bool needs_auth;
  handler_fn fn;
};

// -- control endpoints (/_sim/...): no auth, no faults ---------------------------------------

json::value dump_state(state& st);
json::value stats_value(const state& st, bool with_log);

http::response sim_dump(ctx& c) {
  return json_reply(c, 200, dump_state(c.st));
}

http::response sim_requests(ctx& c) {
  return json_reply(c, 200, stats_value(c.st, true));
}

http::response sim_get_faults(ctx& c) {
  http::response r = json_reply(c, 200, json::parse(to_json(c.st.faults)));
  return r;
}

http::response sim_post_faults(ctx& c) {
  auto next = apply_json(c.st.faults, c.req.body);
  if (!next)
    return bad_request(c, describe(next.error()), "invalid_value");
  c.st.faults = *next;
  return json_reply(c, 200, json::parse(to_json(c.st.faults)));
}

http::response sim_expire_tokens(ctx& c) {
  c.st.sessions.clear();
  c.st.legacy.clear();
  return no_content(c);
}

json::value bodies_value(const state& st) {
  json::array entries;
  for (const auto& b : st.bodies)
    entries.push_back(json::object{{"seq", b.seq},
                                   {"method", b.method},
                                   {"target", b.target},
                                   {"status", b.status},
                                   {"request_body", b.request_body},
                                   {"response_body", b.response_body}});
  return json::object{{"enabled", st.log_bodies}, {"entries", std::move(entries)}};
}

http::response sim_get_bodies(ctx& c) {
  return json_reply(c, 200, bodies_value(c.st));
}

// {"enabled": true|false}: turns body logging on or off (off forgets what was kept).
http::response sim_post_bodies(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  const auto* on = body->if_contains("enabled");
  if (on == nullptr || !on->is_bool())
    return bad_request(c, "expected {\"enabled\": true|false}", "invalid_value");
  c.st.log_bodies = on->get_bool();
  if (!c.st.log_bodies)
    c.st.bodies.clear();
  return json_reply(c, 200, bodies_value(c.st));
}

// A body as kept in the body log: cut at the limit (at a UTF-8 boundary).
std::string kept_body(std::string_view body) {
  if (body.size() <= core::body_log_limit)
    return std::string{body};
  size_t cut = core::body_log_limit;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{body.substr(0, cut)} + "...(" + std::to_string(body.size()) + " bytes)";
}

http::response sim_reset_stats(ctx& c) {
  c.st.stats = request_stats{};
  c.st.log.clear();
  return no_content(c);
}

http::response sim_delete_object(ctx& c) {
  if (c.st.find(c.params.at(0)) == nullptr)
    return error_reply(c, 404, "NOT_FOUND", "no object " + c.params.at(0), "unknown_urn");
  c.st.erase(c.params.at(0));
  return no_content(c);
}

// Removes a defined entity at once (a cluster deleted by CAPVCD or CSE).
http::response sim_delete_entity(ctx& c) {
  if (c.st.entities.erase(c.params.at(0)) == 0)
    return error_reply(c, 404, "NOT_FOUND", "no entity " + c.params.at(0), "unknown_urn");
  return no_content(c);
}

// Another writer or an admin changes an entity: `state` (RESOLVED, IN_DELETION), `access`
// (full, read, none), and `status` whose top-level keys replace those of entity.status (a
// status change bumps the ETag, as any write does).
http::response sim_patch_entity(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  auto i = c.st.entities.find(c.params.at(0));
  if (i == c.st.entities.end())
    return error_reply(c, 404, "NOT_FOUND", "no entity " + c.params.at(0), "unknown_urn");
  auto& d = i->second;
  if (auto s = str_field(*body, "state"); !s.empty())
    d.state = s;
  if (auto a = str_field(*body, "access"); !a.empty())
    d.access = a;
  if (const auto* status = body->if_contains("status"); status != nullptr && status->is_object()) {
    auto& cur = d.entity.as_object()["status"];
    if (!cur.is_object())
      cur = json::object{};
    for (const auto& [k, v] : status->as_object())
      cur.as_object()[k] = v;
    ++d.etag;
  }
  json::object out{{"id", d.id}, {"etag", d.etag}, {"state", d.state}, {"access", d.access}};
  return json_reply(c, 200, out);
}

bool patch_locked(state& st, std::string_view id, const json::object& patch) {
  auto* e = st.find(id);
  if (e == nullptr)
    return false;
  for (const auto& [k, v] : patch) {
    if (k == "status" && v.is_string())
      e->status = std::string{v.get_string()};
    else if (k != "id")
      e->body[k] = v;
  }
  // An out-of-band edit of a firewall rule is a change like any other writer's: a client
  // still holding the old version must be refused.
  if (e->k == detail::kind::firewall_rule)
    ++e->version;
  return true;
}

http::response sim_patch_object(ctx& c) {
  http::response err;
  auto body = parse_body(c, err);
  if (!body)
    return err;
  if (!patch_locked(c.st, c.params.at(0), *body))
    return error_reply(c, 404, "NOT_FOUND", "no object " + c.params.at(0), "unknown_urn");
  return json_reply(c, 200, render(c.st, *c.st.find(c.params.at(0)), c.st.max_version, c.now));
}

std::string_view category_name(category cat) {
  switch (cat) {
  case category::read:
    return "read";
  case category::mutation:
    return "mutation";
  case category::task_poll:
    return "task_poll";
  case category::auth:
    return "auth";
  case category::control:
    return "control";
  }
  return "read";
}

constexpr category R = category::read;
constexpr category M = category::mutation;
constexpr category A = category::auth;
constexpr category C = category::control;

// Every endpoint of reference §6 plus the lookups of upstream-cpi §10.
const std::array routes{
  route{"GET", "/api/versions", A, false, get_versions},
  route{"POST", "/cloudapi/1.0.0/sessions", A, false, post_session},
  route{"POST", "/cloudapi/1.0.0/sessions/provider", A, false, post_provider_session},
  route{"GET", "/cloudapi/1.0.0/sessions/current", A, true, get_current_session},
  route{"DELETE", "/cloudapi/1.0.0/sessions/current", A, true, delete_current_session},
  route{"POST", "/oauth/tenant/{}/token", A, false, post_tenant_token},
  route{"POST", "/oauth/provider/token", A, false, post_provider_token},
  route{"GET", "/api/task/{}", category::task_poll, true, get_task},
  route{"GET", "/api/org", R, true, get_legacy_orgs},
  route{"GET", "/api/org/{}", R, true, get_legacy_org},
  route{"GET", "/api/vdc/{}", R, true, get_legacy_vdc},
  route{"GET", "/api/query", R, true, get_query},
  route{"GET", "/api/vApp/{}", R, true, get_legacy_vapp_entity},
  route{"GET", "/cloudapi/1.0.0/orgs", R, true, list_orgs},
  route{"GET", "/cloudapi/1.0.0/orgs/{}", R, true, get_org},
  route{"GET", "/cloudapi/1.0.0/vdcs", R, true, list_vdcs},
  route{"GET", "/cloudapi/1.0.0/vdcs/{}", R, true, get_vdc},
  route{"GET", "/cloudapi/1.0.0/orgVdcNetworks", R, true, list_networks},
  route{"GET", "/cloudapi/1.0.0/orgVdcNetworks/{}", R, true, get_network},
  route{"GET", "/cloudapi/1.0.0/edgeGateways", R, true, list_gateways},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}", R, true, get_gateway},
  route{"PUT", "/cloudapi/1.0.0/edgeGateways/{}", M, true, put_gateway},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/usedIpAddresses", R, true, list_used_ips},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/loadBalancer", R, true, get_alb_settings},
  route{"PUT", "/cloudapi/1.0.0/edgeGateways/{}/loadBalancer", M, true, put_alb_settings},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/loadBalancer/poolSummaries", R, true,
        list_pool_summaries},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/loadBalancer/virtualServiceSummaries", R, true,
        list_vs_summaries},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/nat/rules", R, true, list_nat_rules},
  route{"POST", "/cloudapi/1.0.0/edgeGateways/{}/nat/rules", M, true, post_nat_rule},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/nat/rules/{}", R, true, get_nat_rule},
  route{"PUT", "/cloudapi/1.0.0/edgeGateways/{}/nat/rules/{}", M, true, put_nat_rule},
  route{"DELETE", "/cloudapi/1.0.0/edgeGateways/{}/nat/rules/{}", M, true, delete_nat_rule},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/firewall/rules", R, true, get_firewall_rules},
  route{"PUT", "/cloudapi/1.0.0/edgeGateways/{}/firewall/rules", M, true, put_firewall_rules},
  route{"DELETE", "/cloudapi/1.0.0/edgeGateways/{}/firewall/rules", M, true, delete_firewall_rules},
  route{"GET", "/cloudapi/1.0.0/edgeGateways/{}/firewall/rules/{}", R, true, get_firewall_rule},
  route{"DELETE", "/cloudapi/1.0.0/edgeGateways/{}/firewall/rules/{}", M, true,
        delete_firewall_rule},
  route{"GET", "/cloudapi/1.0.0/firewallGroups/summaries", R, true, list_firewall_groups},
  route{"POST", "/cloudapi/1.0.0/firewallGroups", M, true, post_firewall_group},
  route{"GET", "/cloudapi/1.0.0/firewallGroups/{}", R, true, get_firewall_group},
  route{"PUT", "/cloudapi/1.0.0/firewallGroups/{}", M, true, put_firewall_group},
  route{"DELETE", "/cloudapi/1.0.0/firewallGroups/{}", M, true, delete_firewall_group},
  route{"GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments", R, true,
        list_seg_assignments},
  route{"POST", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments", M, true,
        post_seg_assignment},
  route{"GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments/{}", R, true,
        get_seg_assignment},
  route{"PUT", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments/{}", M, true,
        put_seg_assignment},
  route{"DELETE", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments/{}", M, true,
        delete_seg_assignment},
  route{"POST", "/cloudapi/1.0.0/loadBalancer/pools", M, true, post_pool},
  route{"GET", "/cloudapi/1.0.0/loadBalancer/pools/{}", R, true, get_pool},
  route{"PUT", "/cloudapi/1.0.0/loadBalancer/pools/{}", M, true, put_pool},
  route{"DELETE", "/cloudapi/1.0.0/loadBalancer/pools/{}", M, true, delete_pool},
  route{"POST", "/cloudapi/1.0.0/loadBalancer/virtualServices", M, true, post_vs},
  route{"GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/{}", R, true, get_vs},
  route{"PUT", "/cloudapi/1.0.0/loadBalancer/virtualServices/{}", M, true, put_vs},
  route{"DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/{}", M, true, delete_vs},
  route{"GET", "/cloudapi/1.0.0/applicationPortProfiles", R, true, list_app_port_profiles},
  route{"POST", "/cloudapi/1.0.0/applicationPortProfiles", M, true, post_app_port_profile},
  route{"GET", "/cloudapi/1.0.0/applicationPortProfiles/{}", R, true, get_app_port_profile},
  route{"PUT", "/cloudapi/1.0.0/applicationPortProfiles/{}", M, true, put_app_port_profile},
  route{"DELETE", "/cloudapi/1.0.0/applicationPortProfiles/{}", M, true, delete_app_port_profile},
  route{"GET", "/cloudapi/1.0.0/ssl/certificateLibrary", R, true, list_certificates},
  route{"POST", "/cloudapi/1.0.0/ssl/certificateLibrary", M, true, post_certificate},
  route{"GET", "/cloudapi/1.0.0/ssl/certificateLibrary/{}", R, true, get_certificate},
  route{"PUT", "/cloudapi/1.0.0/ssl/certificateLibrary/{}", M, true, put_certificate},
  route{"DELETE", "/cloudapi/1.0.0/ssl/certificateLibrary/{}", M, true, delete_certificate},
  // floatingIpSuggestions before ipSpaces/{}: the first matching pattern wins.
  route{"GET", "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions", R, true,
        get_floating_ip_suggestions},
  route{"GET", "/cloudapi/1.0.0/ipSpaces/{}", R, true, get_ip_space},
  route{"POST", "/cloudapi/1.0.0/ipSpaces/{}/allocate", M, true, post_ip_space_allocate},
  route{"GET", "/cloudapi/1.0.0/ipSpaces/{}/allocations", R, true, list_ip_allocations},
  route{"GET", "/cloudapi/1.0.0/ipSpaces/{}/allocations/{}", R, true, get_ip_allocation},
  route{"PUT", "/cloudapi/1.0.0/ipSpaces/{}/allocations/{}", M, true, put_ip_allocation},
  route{"DELETE", "/cloudapi/1.0.0/ipSpaces/{}/allocations/{}", M, true, delete_ip_allocation},
  route{"GET", "/cloudapi/1.0.0/entities/{}", R, true, get_entity},
  route{"PUT", "/cloudapi/1.0.0/entities/{}", M, true, put_entity},
  route{"DELETE", "/cloudapi/1.0.0/entities/{}", M, true, delete_entity},
  route{"GET", "/cloudapi/1.0.0/entityTypes/{}", R, true, get_entity_type},
  route{"GET", "/_sim/dump", C, false, sim_dump},
  route{"GET", "/_sim/requests", C, false, sim_requests},
  route{"GET", "/_sim/faults", C, false, sim_get_faults},
  route{"GET", "/_sim/bodies", C, false, sim_get_bodies},
  route{"POST", "/_sim/bodies", C, false, sim_post_bodies},
  route{"POST", "/_sim/faults", C, false, sim_post_faults},
  route{"POST", "/_sim/expire-tokens", C, false, sim_expire_tokens},
  route{"POST", "/_sim/reset-stats", C, false, sim_reset_stats},
  route{"DELETE", "/_sim/objects/{}", C, false, sim_delete_object},
  route{"PATCH", "/_sim/objects/{}", C, false, sim_patch_object},
  route{"GET", "/_sim/vms", C, false, sim_list_vms},
  route{"PATCH", "/_sim/vms/{}", C, false, sim_patch_vm},
  route{"DELETE", "/_sim/vms/{}", C, false, sim_delete_vm},
  route{"DELETE", "/_sim/entities/{}", C, false, sim_delete_entity},
  route{"PATCH", "/_sim/entities/{}", C, false, sim_patch_entity},
};

// Matches `segments` against a route pattern, collecting the placeholders.
bool match(std::string_view pattern, const std::vector<std::string>& segments,
           std::vector<std::string>& params) {
  auto parts = split_path(pattern);
  if (parts.size() != segments.size())
    return false;
  params.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "{}")
      params.push_back(segments[i]);
    else if (parts[i] != segments[i])
      return false;
  }
  return true;
}

// "application/json;version=37.2" -> 3702; 0 if no version is given; -1 if unparseable.
int requested_version(const http::request& req) {
  auto accept = header_value(req.fields, "Accept");
  if (!accept)
    return 0;
  auto pos = accept->find("version=");
  if (pos == std::string_view::npos)
    return 0;
  auto rest = accept->substr(pos + 8);
  auto end = rest.find_first_of(";, ");
  auto v = parse_version(rest.substr(0, end));
  return v ? *v : -1;
}

json::value dump_state(state& st) {
  auto now = st.now();
  st.settle(now);
  json::object out;
  out["api_version"] = format_version(st.max_version);
  out["shared_vip"] = st.shared_vip;
  json::array gateways;
  for (auto& [id, g] : st.gateways) {
    auto j = render_gateway(st, g, st.max_version, true);
    json::array used;
    for (auto& [ip, cat] : used_ips(st, g))
      used.push_back(json::object{{"ipAddress", ip}, {"category", cat}});
    json::array firewall_order;
    for (const auto& id : g.firewall_order)
      if (st.find(id) != nullptr)
        firewall_order.push_back(json::value(id));
    j["_sim"] = json::object{{"lock_task", g.lock_task},
                             {"alb_enabled", g.alb_enabled},
                             {"used_ips", std::move(used)},
                             {"firewall_order", std::move(firewall_order)}};
    gateways.push_back(std::move(j));
  }
  out["gateways"] = std::move(gateways);
  std::array<json::array, 8> by_kind;
  for (auto& [seq, e] : st.objects) {
    auto j = render(st, e, st.max_version, now);
    j["_sim"] = json::object{{"gateway_id", e.gateway_id},
                             {"org_id", e.org_id},
                             {"task_id", e.task_id},
                             {"kind", kind_name(e.k)}};
    by_kind[static_cast<size_t>(e.k)].push_back(std::move(j));
  }
  out["pools"] = std::move(by_kind[static_cast<size_t>(kind::pool)]);
  out["virtual_services"] = std::move(by_kind[static_cast<size_t>(kind::virtual_service)]);
  out["nat_rules"] = std::move(by_kind[static_cast<size_t>(kind::nat_rule)]);
  out["app_port_profiles"] = std::move(by_kind[static_cast<size_t>(kind::app_port_profile)]);
  out["certificates"] = std::move(by_kind[static_cast<size_t>(kind::certificate)]);
  out["seg_assignments"] = std::move(by_kind[static_cast<size_t>(kind::seg_assignment)]);
  out["firewall_rules"] = std::move(by_kind[static_cast<size_t>(kind::firewall_rule)]);
  out["ip_sets"] = std::move(by_kind[static_cast<size_t>(kind::ip_set)]);
  json::array tasks;
  for (auto& [uuid, t] : st.tasks)
    tasks.push_back(json::object{{"id", uuid},
                                 {"status", t.status},
                                 {"operation_name", t.operation_name},
                                 {"owner_id", t.owner_id},
                                 {"object_id", t.object_id},
                                 {"gateway_id", t.gateway_id}});
  out["tasks"] = std::move(tasks);
  json::array entities;
  for (auto& [id, d] : st.entities)
    entities.push_back(json::object{{"id", id},
                                    {"name", d.name},
                                    {"entityType", d.type},
                                    {"etag", d.etag},
                                    {"entityState", d.state},
                                    {"access", d.access},
                                    {"second_writer_writes", d.second_writer_writes},
                                    {"entity", d.entity}});
  out["defined_entities"] = std::move(entities);
  out["ip_spaces"] = dump_ip_spaces(st);
  out["running_tasks"] = st.running.size();
  return out;
}

json::value stats_value(const state& st, bool with_log) {
  const auto& s = st.stats;
  json::object o{{"total", s.total},
                 {"reads", s.reads},
                 {"mutations", s.mutations},
                 {"task_polls", s.task_polls},
                 {"auth", s.auth},
                 {"control", s.control},
                 {"tasks_started", s.tasks_started},
                 {"tasks_failed", s.tasks_failed},
                 {"dnat_overlaps", s.dnat_overlaps}};
  json::object routes_o;
  for (auto& [k, v] : s.by_route)
    routes_o[k] = v;
  json::object status_o;
  for (auto& [k, v] : s.by_status)
    status_o[std::to_string(k)] = v;
  json::object rej;
  for (auto& [k, v] : s.rejections)
    rej[k] = v;
  o["by_route"] = std::move(routes_o);
  o["by_status"] = std::move(status_o);
  o["rejections"] = std::move(rej);
  if (with_log) {
    json::array log;
    for (const auto& r : st.log)
      log.push_back(json::object{{"seq", r.seq},
                                 {"method", r.method},
                                 {"route", r.route},
                                 {"target", r.target},
                                 {"status", r.status},
                                 {"reason", r.reason},
                                 {"category", r.category},
                                 {"session", r.session}});
    o["log"] = std::move(log);
  }
  return o;
}

http::response fault_reply(ctx& c, unsigned status, std::string_view minor,
                           std::string_view reason) {
  auto r = error_reply(c, status, minor, "Injected fault.", reason);
  if (status == 429 || status == 503)
    r.fields.emplace_back("Retry-After", "1");
  return r;
}

} // namespace

core::core(core_options opts) : state_(std::make_unique<state>(std::move(opts))) {
  // nop
}

core::~core() = default;

handle_result core::handle(const http::request& req) {
  auto& st = *state_;
  std::lock_guard guard{st.mu};
  handle_result result;
  ctx c{req, st};
  c.now = st.now();
  st.settle(c.now);
  auto target = std::string_view{req.target};
  auto qpos = target.find('?');
  c.path = std::string{target.substr(0, qpos)};
  if (qpos != std::string_view::npos)
    c.query = split_query(target.substr(qpos + 1));
  auto client_id = header_value(req.fields, "X-VMWARE-VCLOUD-CLIENT-REQUEST-ID");
  c.request_id = (client_id ? std::string{*client_id} + "-" : std::string{}) + st.new_uuid();
  auto segments = split_path(c.path);
  const route* found = nullptr;
  bool path_known = false;
  for (const auto& r : routes) {
    std::vector<std::string> params;
    if (!match(r.pattern, segments, params))
      continue;
    path_known = true;
    if (r.method == req.method) {
      found = &r;
      c.params = std::move(params);
      break;
    }
  }
  if (found != nullptr)
    c.route = std::string{found->method} + " " + std::string{found->pattern};
  bool control = found != nullptr && found->cat == category::control;
  c.version = st.max_version;
  std::string session_id;
  if (!control) {
    result.delay = st.faults.latency;
    // One draw per request, so a seed gives the same fault sequence for the same traffic.
    std::uniform_real_distribution<double> u{0.0, 1.0};
    double draw = u(st.fault_rng);
    double edge = st.faults.drop_rate;
    if (draw < edge) {
      result.drop = true;
      st.reject("dropped");
    } else if (draw < (edge += st.faults.rate_429)) {
      result.response = fault_reply(c, 429, "TOO_MANY_REQUESTS", "injected_429");
    } else if (draw < (edge += st.faults.rate_500)) {
      result.response = fault_reply(c, 500, "INTERNAL_SERVER_ERROR", "injected_500");
    } else if (draw < (edge += st.faults.rate_503)) {
      result.response = fault_reply(c, 503, "SERVICE_UNAVAILABLE", "injected_503");
    }
  }
  bool faulted = result.drop || result.response.status != 0;
  if (!faulted) {
    if (found == nullptr) {
      result.response =
        path_known ? error_reply(c, 405, "METHOD_NOT_ALLOWED", "Method not allowed.", "no_route")
                   : error_reply(c, 404, "NOT_FOUND", "No such resource: " + c.path, "no_route");
    } else {
      int v = control || found->fn == get_versions ? 0 : requested_version(req);
      bool legacy = c.path.rfind("/api/", 0) == 0;
      auto accept = header_value(req.fields, "Accept").value_or("");
      c.xml = legacy && accept.find("json") == std::string_view::npos;
      if (v != 0 && (v < 3400 || v > st.max_version)) {
        result.response = error_reply(c, 406, "NOT_ACCEPTABLE",
                                      "The requested version is not supported (max "
                                        + format_version(st.max_version) + ").",
                                      "not_acceptable");
      } else {
        // No version in Accept: served as the highest version (lenient, for curl).
        c.version = v > 0 ? v : st.max_version;
        std::optional<http::response> denied;
        if (found->needs_auth)
          denied = authenticate(c);
        if (c.session != nullptr)
          session_id = c.session->session_id; // a handler may end the session
        result.response = denied ? std::move(*denied) : found->fn(c);
      }
    }
  }
  // Bookkeeping.
  auto& s = st.stats;
  ++s.total;
  auto cat = found != nullptr ? found->cat : category::read;
  switch (cat) {
  case category::read:
    ++s.reads;
    break;
  case category::mutation:
    ++s.mutations;
    break;
  case category::task_poll:
    ++s.task_polls;
    break;
  case category::auth:
    ++s.auth;
    break;
  case category::control:
    ++s.control;
    break;
  }
  ++s.by_route[found != nullptr ? c.route : req.method + " (unrouted)"];
  if (!result.drop)
    ++s.by_status[result.response.status];
  request_record rec{++st.log_seq,
                     req.method,
                     found != nullptr ? std::string{found->pattern} : "",
                     req.target,
                     result.drop ? 0u : result.response.status,
                     result.drop ? "dropped" : c.reason,
                     std::string{category_name(cat)},
                     std::move(session_id)};
  if (st.observer)
    st.observer(rec, req);
  if (st.log_bodies && !(found != nullptr && found->pattern == "/_sim/bodies")) {
    // Login and token exchanges carry passwords and tokens: never kept.
    const bool secret = cat == category::auth;
    const std::string redacted = "<redacted: credentials>";
    body_record b{rec.seq,
                  req.method,
                  req.target,
                  rec.status,
                  secret && !req.body.empty() ? redacted : kept_body(req.body),
                  secret && !result.response.body.empty() ? redacted
                                                          : kept_body(result.response.body)};
    if (st.on_body)
      st.on_body(b);
    st.bodies.push_back(std::move(b));
    if (st.bodies.size() > body_log_capacity)
      st.bodies.pop_front();
  }
  st.log.push_back(std::move(rec));
  if (st.log.size() > request_log_capacity)
    st.log.pop_front();
  return result;
}

void core::set_base_url(std::string url) {
  std::lock_guard guard{state_->mu};
  state_->base_url = std::move(url);
}

json::value core::dump() {
  std::lock_guard guard{state_->mu};
  return dump_state(*state_);
}

request_stats core::stats() const {
  std::lock_guard guard{state_->mu};
  return state_->stats;
}

json::value core::stats_json() const {
  std::lock_guard guard{state_->mu};
  return stats_value(*state_, false);
}

std::vector<body_record> core::body_log() const {
  std::lock_guard guard{state_->mu};
  return {state_->bodies.begin(), state_->bodies.end()};
}

void core::set_log_bodies(bool on) {
  std::lock_guard guard{state_->mu};
  state_->log_bodies = on;
  if (!on)
    state_->bodies.clear();
}

std::vector<request_record> core::request_log() const {
  std::lock_guard guard{state_->mu};
  return {state_->log.begin(), state_->log.end()};
}

std::vector<task_record> core::task_log() {
  std::lock_guard guard{state_->mu};
  state_->settle(state_->now());
  std::vector<task_record> out;
  out.reserve(state_->task_order.size());
  for (const auto& uuid : state_->task_order) {
    const auto& t = state_->tasks.at(uuid);
    out.push_back({t.uuid, t.operation_name, t.gateway_id, t.start, t.end, t.status});
  }
  return out;
}

void core::set_request_observer(request_observer fn) {
  std::lock_guard guard{state_->mu};
  state_->observer = std::move(fn);
}

void core::reset_stats() {
  std::lock_guard guard{state_->mu};
  state_->stats = request_stats{};
  state_->log.clear();
}

size_t core::running_tasks() {
  std::lock_guard guard{state_->mu};
  state_->settle(state_->now());
  return state_->running.size();
}

fault_settings core::faults() const {
  std::lock_guard guard{state_->mu};
  return state_->faults;
}

void core::set_faults(const fault_settings& f) {
  std::lock_guard guard{state_->mu};
  state_->faults = f;
}

void core::expire_tokens() {
  std::lock_guard guard{state_->mu};
  state_->sessions.clear();
  state_->legacy.clear();
}

std::vector<std::string> core::find(std::string_view kind_text, std::string_view name) {
  std::lock_guard guard{state_->mu};
  std::vector<std::string> out;
  auto k = kind_from_name(kind_text);
  if (!k)
    return out;
  for (const auto& [seq, e] : state_->objects) {
    if (e.k != *k)
      continue;
    auto n = str_field(e.body, e.k == detail::kind::certificate ? "alias" : "name");
    if (n == name)
      out.push_back(e.id);
  }
  return out;
}

bool core::remove_object(std::string_view id) {
  std::lock_guard guard{state_->mu};
  if (state_->find(id) == nullptr)
    return false;
  state_->erase(id);
  return true;
}

bool core::patch_object(std::string_view id, const json::object& patch) {
  std::lock_guard guard{state_->mu};
  return patch_locked(*state_, id, patch);
}

} // namespace vcdlb::vcd::sim
