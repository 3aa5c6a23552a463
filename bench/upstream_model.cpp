#include "bench/upstream_model.hpp"

#include <algorithm>
#include <future>
#include <optional>
#include <regex>
#include <set>
#include <thread>
#include <utility>

#include <boost/json.hpp>

#include "config/cluster_id.hpp"
#include "config/ipv4.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::bench {

namespace json = boost::json;

namespace {

using opt_obj = std::optional<json::object>;

std::string str_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

std::string ip_text(config::ipv4_address a) {
  auto v = a.value;
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "."
         + std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

caf::error status_error(const http::response& r, std::string_view what) {
  auto msg = std::string{what} + ": HTTP " + std::to_string(r.status);
  auto code = r.status == 401                                   ? vcd_errc::unauthorized
              : r.status == 404 || r.status == 403              ? vcd_errc::not_found
              : r.status == 429                                 ? vcd_errc::rate_limited
              : r.status == 412                                 ? vcd_errc::conflict
              : r.status >= 502 && r.status <= 504              ? vcd_errc::unavailable
              : r.status >= 500                                 ? vcd_errc::server_error
              : r.body.find("BUSY_ENTITY") != std::string::npos ? vcd_errc::busy_entity
                                                                : vcd_errc::bad_request;
  return caf::make_error(code, std::move(msg));
}

caf::error model_error(std::string msg) {
  return caf::make_error(vcd_errc::bad_response, std::move(msg));
}

} // namespace

struct upstream_model::impl {
  std::shared_ptr<http::client> http;
  std::string base_url;
  upstream_options opts;
  std::string trimmed;
  upstream_call_stats* stats = nullptr;

  // Session state, renewed by every RefreshBearerToken.
  std::string token;
  std::string org_urn;
  std::string org_uuid;
  std::string vdc_urn;
  std::string gateway_id;
  std::string gateway_name;

  // -- transport ------------------------------------------------------------------------------

  caf::expected<http::response> send(std::string method, std::string target, std::string body,
                                     http::header_list fields) {
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.fields = std::move(fields);
    auto p = std::make_shared<std::promise<caf::expected<http::response>>>();
    auto f = p->get_future();
    http->async_request(
      std::move(req), [p](caf::expected<http::response> r) { p->set_value(std::move(r)); },
      opts.request_timeout);
    ++stats->requests;
    return f.get();
  }

  http::header_list api_headers(bool xml) const {
    http::header_list h{{"Accept", xml ? "application/*+xml;version=" + opts.api_version
                                       : "application/json;version=" + opts.api_version},
                        {"User-Agent", "Swagger-Codegen/1.0.0/go"}};
    if (!token.empty())
      h.emplace_back("Authorization", "Bearer " + token);
    if (!org_urn.empty())
      h.emplace_back("X-VMWARE-VCLOUD-TENANT-CONTEXT", org_urn);
    return h;
  }

  // One cloudapi/legacy call; any non-2xx status is an error.
  caf::expected<http::response> call(const std::string& method, const std::string& target,
                                     std::string body = {}, http::header_list extra = {}) {
    auto h = api_headers(target.rfind("/api/", 0) == 0);
    for (auto& e : extra)
      h.push_back(std::move(e));
    if (!body.empty())
      h.emplace_back("Content-Type", "application/json");
    auto r = send(method, target, std::move(body), std::move(h));
    if (!r)
      return r.error();
    if (r->status < 200 || r->status > 299)
      return status_error(*r, method + " " + target.substr(0, target.find('?')));
    return r;
  }

  caf::expected<json::value> get_json(const std::string& target) {
    auto r = call("GET", target);
    if (!r)
      return r.error();
    json::error_code ec;
    auto v = json::parse(r->body, ec);
    if (ec)
      return model_error("GET " + target + ": not JSON");
    return v;
  }

  caf::expected<json::array> get_values(const std::string& target) {
    auto v = get_json(target);
    if (!v)
      return v.error();
    if (!v->is_object() || !v->as_object().contains("values")
        || !v->as_object().at("values").is_array())
      return model_error("GET " + target + ": no values");
    return v->as_object().at("values").as_array();
  }

  // govcd WaitTaskCompletion: GET the task at once, then every poll interval until it ends.
  caf::expected<std::string> wait_task(const http::response& accepted) {
    ++stats->tasks;
    auto loc = accepted.header("Location");
    if (!loc)
      return model_error("202 without Location");
    std::string target{*loc};
    if (target.rfind(base_url, 0) == 0)
      target = target.substr(base_url.size());
    static const std::regex status_re{R"re(<Task [^>]*status="([a-z]+)")re"};
    static const std::regex owner_re{R"re(<Owner [^>]*id="([^"]*)")re"};
    for (;;) {
      ++stats->task_polls;
      auto r = call("GET", target);
      if (!r)
        return r.error();
      std::smatch m;
      if (!std::regex_search(r->body, m, status_re))
        return model_error("task without status");
      auto status = m[1].str();
      if (status == "success") {
        std::smatch o;
        return std::regex_search(r->body, o, owner_re) ? o[1].str() : std::string{};
      }
      if (status == "error" || status == "aborted")
        return caf::make_error(vcd_errc::task_failed, "task " + target + " ended in " + status);
      std::this_thread::sleep_for(opts.poll_interval);
    }
  }

  caf::expected<std::string> mutate(const std::string& method, const std::string& target,
                                    std::string body = {}, http::header_list extra = {}) {
    auto r = call(method, target, std::move(body), std::move(extra));
    if (!r)
      return r.error();
    if (r->status != 202)
      return std::string{};
    return wait_task(*r);
  }

  // -- building blocks (§2.1) -----------------------------------------------------------------

  static std::string q(std::string_view v) { return http::percent_encode(v); }

  std::string gw_path(const std::string& rest = {}) const {
    return "/cloudapi/1.0.0/edgeGateways/" + gateway_id + rest;
  }

  // govcd GetOrgByName: the org list, then the org.
  caf::error org_lookup_raw() {
    auto list = call("GET", "/api/org");
    if (!list)
      return list.error();
    static const std::regex org_re{R"re(/api/org/([^"/]+)")re"};
    std::smatch m;
    if (!std::regex_search(list->body, m, org_re))
      return model_error("no org in /api/org");
    org_uuid = m[1].str();
    auto org = call("GET", "/api/org/" + org_uuid);
    if (!org)
      return org.error();
    static const std::regex id_re{R"re(<Org [^>]*id="([^"]+)")re"};
    static const std::regex vdc_re{R"re(/api/vdc/([^"/]+)" name="([^"]*)")re"};
    if (std::regex_search(org->body, m, id_re))
      org_urn = m[1].str();
    auto begin = std::sregex_iterator(org->body.begin(), org->body.end(), vdc_re);
    for (auto i = begin; i != std::sregex_iterator(); ++i)
      if ((*i)[2].str() == opts.vdc)
        vdc_urn = "urn:vcloud:vdc:" + (*i)[1].str();
    return {};
  }

  // The org lookup upstream repeats inside nearly every helper.
  caf::error helper() { return opts.org_lookup_per_helper ? org_lookup_raw() : caf::error{}; }

  // RefreshBearerToken: the provider token endpoint first, then the tenant one; then the org
  // and the VDC are resolved again.
  caf::error refresh_bearer_token() {
    token.clear();
    auto form = "grant_type=refresh_token&refresh_token=" + q(opts.refresh_token);
    http::header_list h{{"Accept", "application/json;version=" + opts.api_version},
                        {"Content-Type", "application/x-www-form-urlencoded"}};
    auto provider = send("POST", "/oauth/provider/token", form, h);
    if (!provider)
      return provider.error();
    http::response tenant;
    if (provider->status == 200) {
      tenant = *provider;
    } else {
      auto r = send("POST", "/oauth/tenant/" + opts.org + "/token", form, h);
      if (!r)
        return r.error();
      if (r->status != 200)
        return status_error(*r, "token exchange");
      tenant = std::move(*r);
    }
    json::error_code ec;
    auto v = json::parse(tenant.body, ec);
    if (ec || !v.is_object())
      return model_error("token: not JSON");
    token = str_of(v.as_object(), "access_token");
    if (auto err = org_lookup_raw())
      return err;
    auto uuid = vdc_urn.substr(vdc_urn.rfind(':') + 1);
    auto vdc = call("GET", "/api/vdc/" + uuid);
    return vdc ? caf::error{} : vdc.error();
  }

  // NewGatewayManager -> getOVDCNetwork: page through the networks until an empty page,
  // then GET the match for its gateway reference.
  caf::error gateway_manager() {
    if (auto err = helper())
      return err;
    std::string net_id;
    for (int page = 1;; ++page) {
      auto values =
        get_values("/cloudapi/1.0.0/orgVdcNetworks?page=" + std::to_string(page) + "&pageSize=32");
      if (!values)
        return values.error();
      if (values->empty())
        break;
      for (const auto& n : *values)
        if (n.is_object() && str_of(n.as_object(), "name") == opts.network)
          net_id = str_of(n.as_object(), "id");
    }
    if (net_id.empty())
      return caf::make_error(vcd_errc::not_found, "network " + opts.network);
    auto net = get_json("/cloudapi/1.0.0/orgVdcNetworks/" + net_id);
    if (!net)
      return net.error();
    auto* ref = net->is_object() ? net->as_object().if_contains("connection") : nullptr;
    ref = ref != nullptr && ref->is_object() ? ref->as_object().if_contains("routerRef") : nullptr;
    if (ref == nullptr || !ref->is_object())
      return model_error("gateway reference should not be nil");
    gateway_id = str_of(ref->as_object(), "id");
    gateway_name = str_of(ref->as_object(), "name");
    return {};
  }

  // -- lookups (raw: the caller charged the helper's org lookup) -------------------------------

  caf::expected<opt_obj> one_by_name(const std::string& path, const std::string& name) {
    auto values = get_values(path + "?page=1&pageSize=25&filter=" + q("name==" + name));
    if (!values)
      return values.error();
    if (values->size() != 1 || !values->at(0).is_object())
      return opt_obj{};
    return opt_obj{values->at(0).as_object()};
  }
  caf::expected<opt_obj> vs_summary(const std::string& name) {
    return one_by_name(gw_path("/loadBalancer/virtualServiceSummaries"), name);
  }
  caf::expected<opt_obj> pool_summary(const std::string& name) {
    return one_by_name(gw_path("/loadBalancer/poolSummaries"), name);
  }
  caf::expected<opt_obj> profile(const std::string& name) {
    auto values = get_values("/cloudapi/1.0.0/applicationPortProfiles?filter="
                             + q("name==" + name + ";scope==TENANT"));
    if (!values)
      return values.error();
    if (values->size() != 1 || !values->at(0).is_object())
      return opt_obj{};
    return opt_obj{values->at(0).as_object()};
  }

  // NAT rules: every page (cursor from the Link header), matched by name client-side.
  caf::expected<opt_obj> nat_rule(const std::string& name) {
    std::string target = gw_path("/nat/rules?pageSize=128");
    opt_obj found;
    static const std::regex next_re{R"re(<([^>]*)>;rel="nextPage")re"};
    for (;;) {
      auto r = call("GET", target);
      if (!r)
        return r.error();
      json::error_code ec;
      auto v = json::parse(r->body, ec);
      if (ec || !v.is_object() || !v.as_object().contains("values"))
        return model_error("nat rules: not a page");
      for (const auto& rule : v.as_object().at("values").as_array())
        if (rule.is_object() && str_of(rule.as_object(), "name") == name)
          found = rule.as_object();
      auto link = r->header("Link");
      std::string links = link ? std::string{*link} : std::string{};
      std::smatch m;
      if (!std::regex_search(links, m, next_re))
        break;
      target = m[1].str();
      if (target.rfind(base_url, 0) == 0)
        target = target.substr(base_url.size());
    }
    return found;
  }

  caf::expected<bool> gateway_ready() {
    if (auto err = helper())
      return err;
    auto g = get_json(gw_path());
    if (!g)
      return g.error();
    return g->is_object() && str_of(g->as_object(), "status") == "REALIZED";
  }

  // GetUnusedInternalIPAddress: every VS summary page until an empty one.
  caf::expected<std::string> unused_internal_ip() {
    if (auto err = helper())
      return err;
    std::set<std::string> used;
    for (int page = 1;; ++page) {
      auto values = get_values(gw_path(
        "/loadBalancer/virtualServiceSummaries?page=" + std::to_string(page) + "&pageSize=25"));
      if (!values)
        return values.error();
      if (values->empty())
        break;
      for (const auto& v : *values)
        if (v.is_object())
          used.insert(str_of(v.as_object(), "virtualIpAddress"));
    }
    auto a = config::parse_ipv4(opts.one_arm_start);
    auto b = config::parse_ipv4(opts.one_arm_end);
    if (!a || !b)
      return model_error("bad oneArm range");
    for (auto x = a->value; x <= b->value; ++x)
      if (!used.count(ip_text({x})))
        return ip_text({x});
    return caf::make_error(lb_errc::ip_exhausted, "no free internal IP");
  }

  // IsUsingIpSpaces, then GetUnusedExternalIPAddress: gateway ranges minus used IPs.
  caf::expected<std::string> unused_external_ip() {
    if (auto err = helper())
      return err;
    if (auto g = get_json(gw_path()); !g)
      return g.error();
    if (auto err = helper())
      return err;
    auto g = get_json(gw_path());
    if (!g)
      return g.error();
    std::set<std::string> used;
    for (int page = 1;; ++page) {
      auto values =
        get_values(gw_path("/usedIpAddresses?page=" + std::to_string(page) + "&pageSize=25"));
      if (!values)
        return values.error();
      if (values->empty())
        break;
      for (const auto& v : *values)
        if (v.is_object())
          used.insert(str_of(v.as_object(), "ipAddress"));
    }
    const auto* uplinks =
      g->is_object() ? g->as_object().if_contains("edgeGatewayUplinks") : nullptr;
    if (uplinks == nullptr || !uplinks->is_array())
      return model_error("gateway without uplinks");
    for (const auto& u : uplinks->as_array()) {
      const auto* subnets = u.as_object().if_contains("subnets");
      if (subnets == nullptr || !subnets->is_object())
        continue;
      for (const auto& s : subnets->as_object().at("values").as_array()) {
        const auto* ranges = s.as_object().if_contains("ipRanges");
        if (ranges == nullptr || !ranges->is_object())
          continue;
        for (const auto& r : ranges->as_object().at("values").as_array()) {
          auto a = config::parse_ipv4(str_of(r.as_object(), "startAddress"));
          auto b = config::parse_ipv4(str_of(r.as_object(), "endAddress"));
          if (!a)
            continue;
          auto last = b ? b->value : a->value;
          for (auto x = a->value; x <= last; ++x)
            if (!used.count(ip_text({x})))
              return ip_text({x});
        }
      }
    }
    return caf::make_error(lb_errc::ip_exhausted, "all external IPs are used");
  }

  // -- names ----------------------------------------------------------------------------------

  std::string vs_name(const service_def& s, const port_def& p) const {
    return "ingress-vs-" + s.name + "-" + trimmed + "-" + p.name;
  }
  std::string pool_name(const service_def& s, const port_def& p) const {
    return "ingress-pool-" + s.name + "-" + trimmed + "-" + p.name;
  }

  // -- RDE bookkeeping (§6.3): GET, then PUT with If-Match; 412 retried at once -------------

  caf::error rde_write(std::string_view what) {
    auto path = "/cloudapi/1.0.0/entities/" + opts.cluster_id;
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto r = call("GET", path);
      if (!r)
        return r.error();
      auto etag = r->header("ETag");
      json::error_code ec;
      auto v = json::parse(r->body, ec);
      if (ec || !v.is_object())
        return model_error("RDE: not JSON");
      auto& entity = v.as_object()["entity"];
      if (!entity.is_object())
        entity = json::object{};
      auto& status = entity.as_object()["status"];
      if (!status.is_object())
        status = json::object{};
      // Only the latest event is kept here so the entity does not grow with the run.
      status.as_object()["cpi"] = json::object{
        {"name", "cloud-controller-manager"}, {"version", "1.6.1"}, {"lastEvent", what}};
      auto put = call("PUT", path, json::serialize(v),
                      {{"If-Match", etag ? std::string{*etag} : std::string{}}});
      if (put)
        return {};
      if (!has_code(put.error(), vcd_errc::conflict))
        return put.error();
    }
    return caf::make_error(vcd_errc::conflict, "RDE update retries exhausted");
  }

  // -- objects (§2.6) -------------------------------------------------------------------------

  json::array members(const std::vector<node_def>& nodes, int node_port) const {
    json::array m;
    std::set<std::string> seen;
    for (const auto& n : nodes)
      if (seen.insert(n.ip).second)
        m.push_back(
          json::object{{"ipAddress", n.ip}, {"port", node_port}, {"ratio", 1}, {"enabled", true}});
    return m;
  }

  json::object pool_body(const std::string& name, const std::vector<node_def>& nodes,
                         int node_port) const {
    return json::object{{"enabled", true},
                        {"name", name},
                        {"defaultPort", node_port},
                        {"gracefulTimeoutPeriod", 0},
                        {"algorithm", "ROUND_ROBIN"},
                        {"gatewayRef", json::object{{"name", gateway_name}, {"id", gateway_id}}},
                        {"members", members(nodes, node_port)},
                        {"healthMonitors", json::array{json::object{{"type", "TCP"}}}}};
  }

  // -- getLoadBalancer (§2.3) -----------------------------------------------------------------

  // Per port: the VIP ("" when the VS or, one-arm, the DNAT rule is missing).
  caf::expected<std::vector<std::string>> get_load_balancer(const service_def& svc) {
    std::vector<std::string> vips;
    bool one_arm = opts.mode != config::lb_mode::c;
    for (const auto& p : svc.ports) {
      if (auto err = helper())
        return err;
      auto vs = vs_summary(vs_name(svc, p));
      if (!vs)
        return vs.error();
      if (!*vs) {
        vips.emplace_back();
        continue;
      }
      if (auto err = helper())
        return err;
      auto pool = pool_summary(pool_name(svc, p));
      if (!pool)
        return pool.error();
      if (!*pool)
        return model_error("pool of " + vs_name(svc, p) + " missing");
      if (auto err = check_not_pending(svc, p))
        return err;
      if (one_arm) {
        if (auto err = helper())
          return err;
        auto rule = nat_rule("dnat-" + vs_name(svc, p));
        if (!rule)
          return rule.error();
        vips.push_back(*rule ? str_of(**rule, "externalAddresses") : std::string{});
      } else {
        vips.push_back(str_of(**vs, "virtualIpAddress"));
      }
    }
    std::string seen;
    for (const auto& v : vips) {
      if (v.empty())
        continue;
      if (!seen.empty() && v != seen)
        return model_error("more than one virtual ip found");
      seen = v;
    }
    return vips;
  }

  // CheckIfVirtualServiceIsPending: re-GET the summary; health must be UP or DOWN.
  caf::error check_not_pending(const service_def& svc, const port_def& p) {
    if (auto err = helper())
      return err;
    auto vs = vs_summary(vs_name(svc, p));
    if (!vs)
      return vs.error();
    if (!*vs)
      return model_error("virtual service vanished");
    auto health = str_of(**vs, "healthStatus");
    if (health != "UP" && health != "DOWN")
      return caf::make_error(vcd_errc::busy_entity, "virtual service pending");
    return {};
  }

  // -- create path (§2.4 3b) ------------------------------------------------------------------

  caf::expected<std::string> create_load_balancer(const service_def& svc,
                                                  const std::vector<node_def>& nodes,
                                                  const std::vector<std::string>& vips) {
    auto mode = opts.mode;
    bool one_arm = mode != config::lb_mode::c;
    std::string external_ip;
    std::string shared_internal_ip;
    if (one_arm) {
      for (const auto& p : svc.ports) {
        if (auto err = helper())
          return err;
        auto rule = nat_rule("dnat-" + vs_name(svc, p));
        if (!rule)
          return rule.error();
        if (*rule) {
          auto ext = str_of(**rule, "externalAddresses");
          if (!external_ip.empty() && ext != external_ip)
            return model_error("two external IP rules for the same service");
          external_ip = ext;
          if (mode == config::lb_mode::b)
            shared_internal_ip = str_of(**rule, "internalAddresses");
        }
      }
    }
    if (mode == config::lb_mode::c)
      for (const auto& v : vips)
        if (!v.empty())
          external_ip = v;
    if (mode == config::lb_mode::b && shared_internal_ip.empty()) {
      auto ip = unused_internal_ip();
      if (!ip)
        return ip.error();
      shared_internal_ip = *ip;
    }
    if (external_ip.empty()) {
      auto ip = unused_external_ip();
      if (!ip)
        return ip.error();
      external_ip = *ip;
    }
    for (const auto& p : svc.ports) {
      auto vsn = vs_name(svc, p);
      auto pooln = pool_name(svc, p);
      if (auto err = helper())
        return err;
      auto existing = vs_summary(vsn);
      if (!existing)
        return existing.error();
      if (*existing) {
        auto* ref = (*existing)->if_contains("loadBalancerPoolRef");
        if (ref != nullptr && ref->is_object() && str_of(ref->as_object(), "name") != pooln)
          return model_error("virtual service found with unexpected loadbalancer pool");
        if (auto err = check_not_pending(svc, p))
          return err;
        continue;
      }
      std::string vip = external_ip;
      if (one_arm) {
        std::string internal_ip = shared_internal_ip;
        if (mode == config::lb_mode::a) {
          auto ip = unused_internal_ip();
          if (!ip)
            return ip.error();
          internal_ip = *ip;
        }
        auto prof = create_app_port_profile(vsn, p);
        if (!prof)
          return prof.error();
        if (auto err = create_dnat_rule(vsn, p, external_ip, internal_ip, *prof))
          return err;
        if (auto err = helper())
          return err;
        auto rule = nat_rule("dnat-" + vsn);
        if (!rule)
          return rule.error();
        if (!*rule)
          return model_error("DNAT rule vanished");
        vip = internal_ip;
        external_ip = str_of(**rule, "externalAddresses");
      }
      auto seg = load_balancer_seg();
      if (!seg)
        return seg.error();
      auto pool = create_pool(pooln, nodes, p.node_port);
      if (!pool)
        return pool.error();
      if (auto err = create_virtual_service(vsn, *pool, *seg, vip, p.port))
        return err;
    }
    return external_ip;
  }

  // CreateAppPortProfile: get-or-create by name; returns its id.
  caf::expected<std::string> create_app_port_profile(const std::string& vsn, const port_def& p) {
    if (auto err = helper())
      return err;
    auto name = "appPort_dnat-" + vsn;
    auto found = profile(name);
    if (!found)
      return found.error();
    if (*found)
      return str_of(**found, "id");
    json::object body{
      {"name", name},
      {"description", "App Port Profile [" + name + "]"},
      {"applicationPorts",
       json::array{json::object{{"protocol", "TCP"},
                                {"destinationPorts", json::array{std::to_string(p.port)}}}}},
      {"orgRef", json::object{{"name", opts.org}, {"id", org_urn}}},
      {"contextEntityId", vdc_urn},
      {"scope", "TENANT"}};
    return mutate("POST", "/cloudapi/1.0.0/applicationPortProfiles", json::serialize(body));
  }

  // CreateDNATRule: get-or-create (an existing rule is left as it is), then verified.
  caf::error create_dnat_rule(const std::string& vsn, const port_def& p,
                              const std::string& external_ip, const std::string& internal_ip,
                              const std::string& profile_id) {
    if (auto err = helper())
      return err;
    auto name = "dnat-" + vsn;
    auto found = nat_rule(name);
    if (!found)
      return found.error();
    if (*found)
      return {};
    json::object body{
      {"name", name},
      {"enabled", true},
      {"ruleType", "DNAT"},
      {"externalAddresses", external_ip},
      {"internalAddresses", internal_ip},
      {"dnatExternalPort", std::to_string(p.port)},
      {"applicationPortProfile", json::object{{"name", "appPort_" + name}, {"id", profile_id}}}};
    if (auto done = mutate("POST", gw_path("/nat/rules"), json::serialize(body)); !done)
      return done.error();
    auto verify = nat_rule(name);
    if (!verify)
      return verify.error();
    return *verify ? caf::error{} : model_error("DNAT rule not found after create");
  }

  caf::expected<json::object> load_balancer_seg() {
    if (auto err = helper())
      return err;
    auto values = get_values("/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"
                             "?page=1&pageSize=25&filter="
                             + q("gatewayRef.id==" + gateway_id));
    if (!values)
      return values.error();
    for (const auto& a : *values) {
      const auto& o = a.as_object();
      auto* max = o.if_contains("maxVirtualServices");
      auto* cur = o.if_contains("numDeployedVirtualServices");
      int64_t mx = max != nullptr && max->is_int64() ? max->as_int64() : 0;
      int64_t n = cur != nullptr && cur->is_int64() ? cur->as_int64() : 0;
      if (n < mx && o.contains("serviceEngineGroupRef"))
        return o.at("serviceEngineGroupRef").as_object();
    }
    return model_error("obtained no service engine group assignment for gateway");
  }

  // CreateLoadBalancerPool: get-or-create by name; returns the pool reference.
  caf::expected<json::object> create_pool(const std::string& name,
                                          const std::vector<node_def>& nodes, int node_port) {
    if (auto err = helper())
      return err;
    auto found = pool_summary(name);
    if (!found)
      return found.error();
    if (!*found) {
      auto done = mutate("POST", "/cloudapi/1.0.0/loadBalancer/pools",
                         json::serialize(pool_body(name, nodes, node_port)));
      if (!done)
        return done.error();
      found = pool_summary(name);
      if (!found)
        return found.error();
      if (!*found)
        return model_error("pool not found after create");
    }
    return json::object{{"name", name}, {"id", str_of(**found, "id")}};
  }

  caf::error create_virtual_service(const std::string& name, const json::object& pool_ref,
                                    const json::object& seg_ref, const std::string& vip, int port) {
    if (auto err = helper())
      return err;
    auto found = vs_summary(name);
    if (!found)
      return found.error();
    if (!*found) {
      json::object body{
        {"name", name},
        {"enabled", true},
        {"virtualIpAddress", vip},
        {"loadBalancerPoolRef", pool_ref},
        {"gatewayRef", json::object{{"name", gateway_name}, {"id", gateway_id}}},
        {"serviceEngineGroupRef", seg_ref},
        {"servicePorts",
         json::array{json::object{{"tcpUdpProfile", json::object{{"type", "TCP_PROXY"}}},
                                  {"portStart", port},
                                  {"sslEnabled", false}}}},
        {"applicationProfile",
         json::object{{"systemDefined", true}, {"name", "System-L4-Application"}, {"type", "L4"}}}};
      auto done =
        mutate("POST", "/cloudapi/1.0.0/loadBalancer/virtualServices", json::serialize(body));
      if (!done)
        return done.error();
    }
    // The reference, then the pending check (a pending VS is tolerated here).
    for (int i = 0; i < 2; ++i) {
      auto vs = vs_summary(name);
      if (!vs)
        return vs.error();
      if (!*vs)
        return model_error("virtual service not found after create");
    }
    return {};
  }

  // -- update primitive (§2.5 GatewayManager.UpdateLoadBalancer) ------------------------------

  caf::error gm_update_load_balancer(const service_def& svc, const port_def& p,
                                     const std::vector<node_def>& nodes) {
    auto vsn = vs_name(svc, p);
    auto pooln = pool_name(svc, p);
    // UpdateLoadBalancerPool
    if (auto err = helper())
      return err;
    auto ps = pool_summary(pooln);
    if (!ps)
      return ps.error();
    if (!*ps)
      return model_error("pool " + pooln + " not found");
    auto pool_path = "/cloudapi/1.0.0/loadBalancer/pools/" + str_of(**ps, "id");
    auto pool = get_json(pool_path);
    if (!pool)
      return pool.error();
    std::set<std::string> have;
    int64_t have_port = -1;
    if (auto* m = pool->as_object().if_contains("members"); m != nullptr && m->is_array()) {
      for (const auto& x : m->as_array()) {
        have.insert(str_of(x.as_object(), "ipAddress"));
        if (have_port < 0 && x.as_object().contains("port") && x.as_object().at("port").is_int64())
          have_port = x.as_object().at("port").as_int64();
      }
    }
    std::set<std::string> want;
    for (const auto& n : nodes)
      want.insert(n.ip);
    if (have != want || have_port != p.node_port) {
      if (auto err = helper())
        return err;
      auto again = pool_summary(pooln);
      if (!again)
        return again.error();
      if (!*again || str_of(**again, "status") != "REALIZED")
        return caf::make_error(vcd_errc::busy_entity, "pool busy");
      auto ready = gateway_ready();
      if (!ready)
        return ready.error();
      if (!*ready)
        return caf::make_error(vcd_errc::busy_entity, "gateway busy");
      if (auto re = get_json(pool_path); !re)
        return re.error();
      auto body = pool_body(pooln, nodes, p.node_port);
      body["id"] = str_of(**ps, "id");
      if (auto done = mutate("PUT", pool_path, json::serialize(body)); !done)
        return done.error();
    }
    // UpdateVirtualService: normally a PUT on every call (the VIP compared is "").
    if (auto err = helper())
      return err;
    auto vs = vs_summary(vsn);
    if (!vs)
      return vs.error();
    if (!*vs)
      return model_error("virtual service " + vsn + " not found");
    if (auto err = helper())
      return err;
    auto ready_vs = vs_summary(vsn);
    if (!ready_vs)
      return ready_vs.error();
    if (!*ready_vs || str_of(**ready_vs, "status") != "REALIZED")
      return caf::make_error(vcd_errc::busy_entity, "virtual service busy");
    auto vs_path = "/cloudapi/1.0.0/loadBalancer/virtualServices/" + str_of(**vs, "id");
    auto full = get_json(vs_path);
    if (!full)
      return full.error();
    auto& o = full->as_object();
    if (auto* sp = o.if_contains("servicePorts");
        sp != nullptr && sp->is_array() && !sp->as_array().empty()) {
      auto& first = sp->as_array()[0].as_object();
      first["portStart"] = p.port;
      first["portEnd"] = p.port;
    }
    if (auto done = mutate("PUT", vs_path, json::serialize(o)); !done)
      return done.error();
    if (opts.mode == config::lb_mode::c)
      return {};
    // UpdateAppPortProfile
    if (auto err = helper())
      return err;
    auto prof = profile("appPort_dnat-" + vsn);
    if (!prof)
      return prof.error();
    if (*prof) {
      auto& po = **prof;
      std::string dest;
      if (auto* ap = po.if_contains("applicationPorts");
          ap != nullptr && ap->is_array() && !ap->as_array().empty()) {
        const auto* d = ap->as_array()[0].as_object().if_contains("destinationPorts");
        if (d != nullptr && d->is_array() && !d->as_array().empty() && d->as_array()[0].is_string())
          dest = std::string{d->as_array()[0].as_string()};
      }
      if (dest != std::to_string(p.port)) {
        po["applicationPorts"] = json::array{json::object{
          {"protocol", "TCP"}, {"destinationPorts", json::array{std::to_string(p.port)}}}};
        if (auto done = mutate("PUT", "/cloudapi/1.0.0/applicationPortProfiles/" + str_of(po, "id"),
                               json::serialize(po));
            !done)
          return done.error();
      }
    }
    // UpdateDNATRule
    if (auto err = helper())
      return err;
    auto ready = gateway_ready();
    if (!ready)
      return ready.error();
    if (!*ready)
      return caf::make_error(vcd_errc::busy_entity, "gateway busy");
    auto rule = nat_rule("dnat-" + vsn);
    if (!rule)
      return rule.error();
    if (!*rule)
      return model_error("DNAT rule missing");
    if (str_of(**rule, "dnatExternalPort") != std::to_string(p.port)) {
      auto& r = **rule;
      r["dnatExternalPort"] = std::to_string(p.port);
      if (auto done = mutate("PUT", gw_path("/nat/rules/" + str_of(r, "id")), json::serialize(r));
          !done)
        return done.error();
    }
    return {};
  }

  // -- delete (§2.10) -------------------------------------------------------------------------

  caf::error delete_port(const service_def& svc, const port_def& p) {
    auto vsn = vs_name(svc, p);
    bool one_arm = opts.mode != config::lb_mode::c;
    // Remember the VIP.
    if (auto err = helper())
      return err;
    if (one_arm) {
      if (auto r = nat_rule("dnat-" + vsn); !r)
        return r.error();
    } else if (auto v = vs_summary(vsn); !v) {
      return v.error();
    }
    // DeleteVirtualService
    if (auto err = helper())
      return err;
    auto vs = vs_summary(vsn);
    if (!vs)
      return vs.error();
    if (*vs) {
      if (str_of(**vs, "status") != "REALIZED")
        return caf::make_error(vcd_errc::busy_entity, "virtual service busy");
      if (auto done =
            mutate("DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + str_of(**vs, "id"));
          !done)
        return done.error();
    }
    // DeleteLoadBalancerPool
    if (auto err = helper())
      return err;
    auto pool = pool_summary(pool_name(svc, p));
    if (!pool)
      return pool.error();
    if (*pool) {
      if (str_of(**pool, "status") != "REALIZED")
        return caf::make_error(vcd_errc::busy_entity, "pool busy");
      if (auto done =
            mutate("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + str_of(**pool, "id"));
          !done)
        return done.error();
    }
    if (!one_arm)
      return {};
    // DeleteDNATRule
    auto ready = gateway_ready();
    if (!ready)
      return ready.error();
    if (!*ready)
      return caf::make_error(vcd_errc::busy_entity, "gateway busy");
    auto rule = nat_rule("dnat-" + vsn);
    if (!rule)
      return rule.error();
    if (*rule)
      if (auto done = mutate("DELETE", gw_path("/nat/rules/" + str_of(**rule, "id"))); !done)
        return done.error();
    // DeleteAppPortProfile
    if (auto err = helper())
      return err;
    auto prof = profile("appPort_dnat-" + vsn);
    if (!prof)
      return prof.error();
    if (*prof)
      if (auto done =
            mutate("DELETE", "/cloudapi/1.0.0/applicationPortProfiles/" + str_of(**prof, "id"));
          !done)
        return done.error();
    return {};
  }

  // VerifyVCDResourcesForApplicationLB: does any piece of the LB exist?
  caf::expected<bool> any_resource(const service_def& svc) {
    bool one_arm = opts.mode != config::lb_mode::c;
    for (const auto& p : svc.ports) {
      auto vsn = vs_name(svc, p);
      if (auto err = helper())
        return err;
      auto vs = vs_summary(vsn);
      if (!vs)
        return vs.error();
      if (*vs)
        return true;
      if (auto err = helper())
        return err;
      auto pool = pool_summary(pool_name(svc, p));
      if (!pool)
        return pool.error();
      if (*pool)
        return true;
      if (!one_arm)
        continue;
      if (auto err = helper())
        return err;
      auto rule = nat_rule("dnat-" + vsn);
      if (!rule)
        return rule.error();
      if (*rule)
        return true;
      if (auto err = helper())
        return err;
      auto prof = profile("appPort_dnat-" + vsn);
      if (!prof)
        return prof.error();
      if (*prof)
        return true;
    }
    return false;
  }
};

upstream_model::upstream_model(std::shared_ptr<http::client> http, std::string base_url,
                               upstream_options opts)
  : impl_(std::make_shared<impl>()) {
  impl_->http = std::move(http);
  impl_->base_url = std::move(base_url);
  impl_->trimmed = std::string{config::trimmed_cluster_id(opts.cluster_id)};
  impl_->opts = std::move(opts);
}

caf::expected<std::string> upstream_model::ensure(const service_def& svc,
                                                  const std::vector<node_def>& nodes) {
  last_ = {};
  auto& m = *impl_;
  m.stats = &last_;
  if (auto err = m.refresh_bearer_token())
    return err;
  if (auto err = m.gateway_manager())
    return err;
  auto vips = m.get_load_balancer(svc);
  if (!vips)
    return vips.error();
  bool exists =
    !vips->empty() && std::none_of(vips->begin(), vips->end(), [](auto& v) { return v.empty(); });
  if (!exists) {
    auto ip = m.create_load_balancer(svc, nodes, *vips);
    if (!ip)
      return ip.error();
    if (auto err = m.rde_write("vcdResourceSet"))
      return err;
    if (auto err = m.rde_write("CreatedLoadbalancer"))
      return err;
    return ip;
  }
  // Update path (3a): the update primitive per port, RDE bookkeeping, the VS re-read, and a
  // final getLoadBalancer for the status.
  for (const auto& p : svc.ports) {
    if (auto err = m.gm_update_load_balancer(svc, p, nodes))
      return err;
    if (auto err = m.rde_write("vcdResourceSet"))
      return err;
    if (auto err = m.helper())
      return err;
    auto vs = m.vs_summary(m.vs_name(svc, p));
    if (!vs)
      return vs.error();
    if (!*vs)
      return model_error("virtual service missing after update");
  }
  if (auto err = m.rde_write("UpdatedLoadbalancer"))
    return err;
  auto after = m.get_load_balancer(svc);
  if (!after)
    return after.error();
  return after->empty() ? std::string{} : after->front();
}

caf::error upstream_model::update_nodes(const service_def& svc,
                                        const std::vector<node_def>& nodes) {
  last_ = {};
  auto& m = *impl_;
  m.stats = &last_;
  if (auto err = m.refresh_bearer_token())
    return err;
  for (const auto& p : svc.ports) {
    if (auto err = m.gateway_manager()) // a new GatewayManager per port
      return err;
    if (auto err = m.gm_update_load_balancer(svc, p, nodes))
      return err;
    if (auto err = m.rde_write("vcdResourceSet"))
      return err;
    if (auto err = m.helper())
      return err;
    auto vs = m.vs_summary(m.vs_name(svc, p));
    if (!vs)
      return vs.error();
    if (!*vs)
      return model_error("virtual service missing");
  }
  return m.rde_write("UpdatedLoadbalancer");
}

caf::error upstream_model::remove(const service_def& svc) {
  last_ = {};
  auto& m = *impl_;
  m.stats = &last_;
  // GetLoadBalancer (the controller asks whether it exists).
  if (auto err = m.refresh_bearer_token())
    return err;
  if (auto err = m.gateway_manager())
    return err;
  auto vips = m.get_load_balancer(svc);
  if (!vips)
    return vips.error();
  bool complete =
    !vips->empty() && std::none_of(vips->begin(), vips->end(), [](auto& v) { return v.empty(); });
  if (!complete) {
    auto any = m.any_resource(svc);
    if (!any)
      return any.error();
    if (!*any)
      return {};
  }
  // EnsureLoadBalancerDeleted
  if (auto err = m.refresh_bearer_token())
    return err;
  if (auto err = m.gateway_manager())
    return err;
  for (const auto& p : svc.ports)
    if (auto err = m.delete_port(svc, p))
      return err;
  if (auto err = m.rde_write("vcdResourceSet"))
    return err;
  return m.rde_write("DeletedLoadbalancer");
}

uint64_t upstream_model::expected_create_requests(config::lb_mode mode, uint64_t ports,
                                                  bool org_lookup_per_helper,
                                                  uint64_t existing_virtual_services,
                                                  uint64_t used_ips) {
  const uint64_t h = org_lookup_per_helper ? 2 : 0; // GetOrgByName inside a helper
  // A list read "until an empty page" of 25: the full pages plus the empty one.
  auto pages = [](uint64_t items) { return (items + 24) / 25 + 1; };
  const bool one_arm = mode != config::lb_mode::c;
  uint64_t n = 0;
  n += 2 + 3;           // RefreshBearerToken: provider + tenant token, org (2), VDC
  n += h + 3;           // network pages (1 full + 1 empty) and the network
  n += ports * (h + 1); // getLoadBalancer: VS summary per port (not found)
  if (one_arm)
    n += ports * (h + 1); // existing DNAT rule per port
  if (mode == config::lb_mode::b)
    n += h + pages(existing_virtual_services); // one internal-IP scan
  n += h + 1;                                  // IsUsingIpSpaces
  n += h + 1 + pages(used_ips);                // gateway ranges + used IPs
  for (uint64_t i = 0; i < ports; ++i) {
    n += h + 1; // VS lookup (not found)
    if (mode == config::lb_mode::a)
      n += h + pages(existing_virtual_services + i); // internal-IP scan
    if (one_arm)
      n += (h + 2) + (h + 3) + (h + 1); // profile GET+POST; DNAT GET+POST+GET; re-read
    n += h + 1;                         // SEG assignments
    n += h + 3;                         // pool GET, POST, GET
    n += h + 4;                         // VS GET, POST, GET x2
  }
  n += 4; // RDE: resources and event, GET + PUT each
  return n;
}

uint64_t upstream_model::expected_create_tasks(config::lb_mode mode, uint64_t ports) {
  return ports * (mode == config::lb_mode::c ? 2 : 4);
}

} // namespace vcdlb::bench
