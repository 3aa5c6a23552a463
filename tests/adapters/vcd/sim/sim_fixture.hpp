#pragma once

// A simulator core on a manual clock with a logged-in tenant, and helpers to drive it
// without sockets.

#include <memory>
#include <string>
#include <utility>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "adapters/vcd/sim/core.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::test {

namespace json = boost::json;
namespace http = vcdlb::http;
using namespace std::chrono_literals;

inline std::string basic(const std::string& user_at_org, const std::string& password) {
  return "Basic " + detail::base64_encode(user_at_org + ":" + password);
}

inline std::string header(const http::response& r, std::string_view name) {
  return std::string{detail::header_value(r.fields, name).value_or("")};
}

inline json::value body_of(const http::response& r) {
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  return ec ? json::value{} : v;
}

inline std::string str(const json::value& v, std::string_view path) {
  const json::value* cur = &v;
  std::string_view p = path;
  while (!p.empty()) {
    auto dot = p.find('.');
    auto key = p.substr(0, dot);
    if (!cur->is_object() || !cur->get_object().contains(key))
      return "<missing>";
    cur = &cur->get_object().at(key);
    p = dot == std::string_view::npos ? std::string_view{} : p.substr(dot + 1);
  }
  if (cur->is_string())
    return std::string{cur->get_string()};
  return json::serialize(*cur);
}

class sim_test : public ::testing::Test {
protected:
  void SetUp() override { start(default_scenario()); }

  size_t task_history = core_options{}.task_history; ///< for start()

  void start(scenario s, fault_settings f = {}, uint64_t seed = 1) {
    core_options opts;
    accept = "application/json;version=" + s.api_version;
    opts.seed_state = std::move(s);
    opts.faults = f;
    opts.seed = seed;
    opts.clock = clock.fn();
    opts.base_url = "https://vcd.test";
    opts.task_history = task_history;
    sim = std::make_unique<core>(std::move(opts));
    token = login("admin@org1", "admin-password");
    auto gws = body_of(call("GET", "/cloudapi/1.0.0/edgeGateways"));
    gw = str(gws, "values").empty() ? "" : std::string{gws.at("values").at(0).at("id").as_string()};
    auto segs =
      body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"));
    if (!segs.at("values").as_array().empty())
      seg = std::string{segs.at("values").at(0).at("serviceEngineGroupRef").at("id").as_string()};
  }

  std::string login(const std::string& user_at_org, const std::string& password,
                    bool provider = false) {
    http::request req;
    req.method = "POST";
    req.target = provider ? "/cloudapi/1.0.0/sessions/provider" : "/cloudapi/1.0.0/sessions";
    req.fields = {{"Authorization", basic(user_at_org, password)}, {"Accept", accept}};
    auto r = sim->handle(req).response;
    return header(r, "X-VMWARE-VCLOUD-ACCESS-TOKEN");
  }

  http::response call(const std::string& method, const std::string& target,
                      const std::string& body = "", http::header_list extra = {},
                      const std::string& as = "") {
    http::request req;
    req.method = method;
    req.target = target;
    req.body = body;
    // Extra headers win over the defaults (header lookup takes the first match).
    req.fields = std::move(extra);
    if (!detail::header_value(req.fields, "Accept"))
      req.fields.emplace_back("Accept", accept);
    if (!detail::header_value(req.fields, "Authorization"))
      req.fields.emplace_back("Authorization", "Bearer " + (as.empty() ? token : as));
    if (!body.empty())
      req.fields.emplace_back("Content-Type", "application/json");
    return sim->handle(req).response;
  }

  http::response post(const std::string& target, const json::value& body) {
    return call("POST", target, json::serialize(body));
  }
  http::response put(const std::string& target, const json::value& body) {
    return call("PUT", target, json::serialize(body));
  }

  /// Lets every running task finish.
  void finish_tasks() { clock.advance(sim->faults().task_duration + 1ms); }

  json::object gw_ref() const { return {{"id", gw}}; }

  json::object pool_body(const std::string& name, int members = 2) const {
    json::array m;
    for (int i = 0; i < members; ++i)
      m.push_back(json::object{{"ipAddress", "10.10.0." + std::to_string(11 + i)},
                               {"port", 30080},
                               {"ratio", 1},
                               {"enabled", true}});
    return {{"name", name},
            {"enabled", true},
            {"gatewayRef", gw_ref()},
            {"algorithm", "ROUND_ROBIN"},
            {"defaultPort", 30080},
            {"members", std::move(m)},
            {"healthMonitors", json::array{json::object{{"type", "TCP"}}}}};
  }

  json::object vs_body(const std::string& name, const std::string& pool_id, const std::string& vip,
                       int port, const std::string& tcp_udp = "TCP_PROXY") const {
    return {
      {"name", name},
      {"enabled", true},
      {"virtualIpAddress", vip},
      {"gatewayRef", gw_ref()},
      {"loadBalancerPoolRef", json::object{{"id", pool_id}}},
      {"serviceEngineGroupRef", json::object{{"id", seg}}},
      {"applicationProfile",
       json::object{{"name", "System-L4-Application"}, {"type", "L4"}, {"systemDefined", true}}},
      {"servicePorts",
       json::array{json::object{{"portStart", port},
                                {"sslEnabled", false},
                                {"tcpUdpProfile", json::object{{"type", tcp_udp}}}}}}};
  }

  /// Creates a pool and waits for its task; returns its id.
  std::string make_pool(const std::string& name, int members = 2) {
    auto r = post("/cloudapi/1.0.0/loadBalancer/pools", pool_body(name, members));
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    auto ids = sim->find("pool", name);
    return ids.empty() ? "" : ids.front();
  }

  std::string make_vs(const std::string& name, const std::string& pool_id, const std::string& vip,
                      int port, const std::string& tcp_udp = "TCP_PROXY") {
    auto r = post("/cloudapi/1.0.0/loadBalancer/virtualServices",
                  vs_body(name, pool_id, vip, port, tcp_udp));
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    auto ids = sim->find("virtualService", name);
    return ids.empty() ? "" : ids.front();
  }

  std::string gw_path(const std::string& rest = "") const {
    return "/cloudapi/1.0.0/edgeGateways/" + gw + rest;
  }

  /// GET of a task URL taken from a Location header, as JSON.
  json::value task_json(const http::response& accepted) {
    auto loc = header(accepted, "Location");
    auto path = loc.substr(std::string{"https://vcd.test"}.size());
    return body_of(
      call("GET", path, "",
           {{"Accept", "application/*+json;version=" + accept.substr(accept.find('=') + 1)}}));
  }

  manual_clock clock;
  std::string accept = "application/json;version=37.2";
  std::unique_ptr<core> sim;
  std::string token;
  std::string gw;
  std::string seg;
};

} // namespace vcdlb::vcd::sim::test
