// The CloudAPI client over a scripted HTTP client: login and version negotiation, headers,
// re-login on 401 and renewal of API tokens before expiry, paging, mutations and tasks, error
// classes, and that secrets stay out of logs. Request bodies are checked field by field.

#include "adapters/vcd/beast_client.hpp"

#include <map>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"
#include "tests/adapters/vcd/scripted_http.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
using vcdlb::vcd::test::scripted_http;
namespace bj = boost::json;

const std::string base = "https://vcd.example.com";
const std::string org_urn = "urn:vcloud:org:11111111-2222-3333-4444-555555555555";
const std::string org_uuid = "11111111-2222-3333-4444-555555555555";
const std::string gw = "urn:vcloud:gateway:2d7a";
const std::string jwt(640, 'J');

http::response json(unsigned status, std::string body, http::header_list fields = {}) {
  http::response r;
  r.status = status;
  r.fields = std::move(fields);
  r.fields.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string header(const http::request& r, std::string_view name) {
  auto v = detail::header_value(r.fields, name);
  return v ? std::string{*v} : std::string{"<absent>"};
}

std::string path_of(const std::string& target) {
  return target.substr(0, target.find('?'));
}

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos)
    return out;
  std::string_view rest{target};
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    out[std::string{kv.substr(0, eq)}] =
      eq == std::string_view::npos ? "" : std::string{kv.substr(eq + 1)};
    if (amp == std::string_view::npos)
      break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

// A scripted VCD: versions, sessions, and per-test routes for everything else.
struct fake_vcd {
  std::vector<std::string> versions{"36.0", "37.0", "37.1", "38.0"};
  std::string password = "s3cret-pass";
  std::string token = jwt;
  size_t sessions = 0;
  std::map<std::string, std::function<caf::expected<http::response>(const http::request&)>>
    routes; ///< "METHOD path"

  caf::expected<http::response> operator()(const http::request& r) {
    auto path = path_of(r.target);
    if (r.method == "GET" && path == "/api/versions") {
      std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">)";
      for (const auto& v : versions)
        xml += "<VersionInfo deprecated=\"false\"><Version>" + v + "</Version><LoginUrl>" + base
               + "/cloudapi/1.0.0/sessions</LoginUrl></VersionInfo>";
      xml += "</SupportedVersions>";
      http::response resp;
      resp.status = 200;
      resp.body = xml;
      return resp;
    }
    if (r.method == "POST"
        && (path == "/cloudapi/1.0.0/sessions" || path == "/cloudapi/1.0.0/sessions/provider")) {
      auto want = "Basic " + detail::base64_encode("lb-user@org1:" + password);
      if (path.ends_with("provider"))
        want = "Basic " + detail::base64_encode("admin@System:" + password);
      if (header(r, "Authorization") != want)
        return json(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"bad credentials"})");
      ++sessions;
      std::string org =
        path.ends_with("provider")
          ? R"({"name":"System","id":"urn:vcloud:org:a93c9db9-7471-3192-8d09-a8f7eeda85f9"})"
          : R"({"name":"org1","id":")" + org_urn + R"("})";
      return json(
        200,
        R"({"id":"urn:vcloud:session:1","user":{"name":"lb-user","id":"urn:vcloud:user:1"},"org":)"
          + org + R"(,"sessionIdleTimeoutMinutes":30})",
        {{"X-VMWARE-VCLOUD-ACCESS-TOKEN", token}, {"X-VMWARE-VCLOUD-TOKEN-TYPE", "Bearer"}});
    }
    auto key = r.method + " " + path;
    if (auto i = routes.find(key); i != routes.end()) {
      if (header(r, "Authorization") != "Bearer " + token)
        return json(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"expired"})");
      return i->second(r);
    }
    return json(404, R"({"minorErrorCode":"NOT_FOUND","message":"no route )" + key + "\"}");
  }
};

beast_client_options tenant_options() {
  beast_client_options o;
  o.org = "org1";
  o.vdc = "vdc1";
  o.user = "lb-user";
  o.password = config::secret_string{"s3cret-pass"};
  return o;
}

class beast_client_test : public ::testing::Test {
protected:
  fake_vcd vcd;
  std::shared_ptr<scripted_http> http = std::make_shared<scripted_http>(std::ref(vcd));

  std::shared_ptr<beast_client> make(beast_client_options o = tenant_options()) {
    return beast_client::make(http, base, std::move(o));
  }

  template <class T, class F>
  caf::expected<T> run(F&& f) {
    std::optional<caf::expected<T>> out;
    f([&](caf::expected<T> x) { out.emplace(std::move(x)); });
    EXPECT_TRUE(out) << "the scripted client completes synchronously";
    return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
  }

  // The requests that went to `METHOD path`.
  std::vector<http::request> sent(const std::string& method, const std::string& path) const {
    std::vector<http::request> out;
    for (const auto& r : http->requests)
      if (r.method == method && path_of(r.target) == path)
        out.push_back(r);
    return out;
  }
};

TEST_F(beast_client_test, login_negotiates_the_version_and_sets_headers) {
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw] = [](const http::request&) {
    return json(200, R"({"id":"urn:vcloud:gateway:2d7a","name":"edge-1","status":"REALIZED"})");
  };
  auto c = make();
  auto g = run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); });
  ASSERT_TRUE(g) << describe(g.error());
  EXPECT_EQ(g->name, "edge-1");

  auto versions = sent("GET", "/api/versions");
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(header(versions[0], "Authorization"), "<absent>");
  auto logins = sent("POST", "/cloudapi/1.0.0/sessions");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(header(logins[0], "Authorization"),
            "Basic " + detail::base64_encode("lb-user@org1:s3cret-pass"));
  EXPECT_EQ(header(logins[0], "Accept"), "application/json;version=37.1")
    << "38.0 is not known to vcdlb; 37.1 is the highest both speak";
  auto calls = sent("GET", "/cloudapi/1.0.0/edgeGateways/" + gw);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(header(calls[0], "Accept"), "application/json;version=37.1");
  EXPECT_EQ(header(calls[0], "Authorization"), "Bearer " + jwt);
  EXPECT_EQ(header(calls[0], "X-VMWARE-VCLOUD-TENANT-CONTEXT"), org_uuid);

  auto s = run<session_info>([&](auto cb) { c->login(cb); });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->api_version, "37.1");
  EXPECT_EQ(s->max_server_version, "38.0");
  EXPECT_EQ(s->org, (entity_ref{"org1", org_urn}));
  EXPECT_EQ(s->user.name, "lb-user");
  EXPECT_FALSE(s->provider);

  // The token is reused: no second login or version lookup.
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(vcd.sessions, 1u);
  EXPECT_EQ(sent("GET", "/api/versions").size(), 1u);
  EXPECT_EQ(c->login_count(), 1u);
}

TEST_F(beast_client_test, unsupported_server_versions_are_refused) {
  vcd.versions = {"33.0", "34.0", "35.0"};
  auto c = make();
  auto s = run<session_info>([&](auto cb) { c->login(cb); });
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), vcd_errc::unsupported));
  EXPECT_NE(describe(s.error()).find("35.0"), std::string::npos);
}

TEST_F(beast_client_test, wrong_password_is_unauthorized_and_retried_on_next_use) {
  auto o = tenant_options();
  o.password = config::secret_string{"wrong"};
  auto c = make(o);
  auto s = run<session_info>([&](auto cb) { c->login(cb); });
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), vcd_errc::unauthorized));
  EXPECT_EQ(describe(s.error()).find("wrong"), std::string::npos) << "no password in errors";
  vcd.password = "wrong";
  EXPECT_TRUE(run<session_info>([&](auto cb) { c->login(cb); }));
}

TEST_F(beast_client_test, every_login_outcome_is_reported) {
  std::vector<bool> logins;
  auto o = tenant_options();
  o.password = config::secret_string{"wrong"};
  o.on_login = [&](bool ok) { logins.push_back(ok); };
  auto c = make(o);
  EXPECT_FALSE(run<session_info>([&](auto cb) { c->login(cb); }));
  vcd.password = "wrong";
  EXPECT_TRUE(run<session_info>([&](auto cb) { c->login(cb); }));
  EXPECT_EQ(logins, (std::vector<bool>{false, true}));
}

TEST_F(beast_client_test, a_proxy_error_page_becomes_its_title_not_the_html) {
  auto c = make();
  ASSERT_TRUE(run<session_info>([&](auto cb) { c->login(cb); }));
  vcd.routes["GET /cloudapi/1.0.0/loadBalancer/virtualServices/V"] = [](const http::request&) {
    return json(502, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>"
                     "502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>");
  };
  auto r = run<virtual_service>([&](auto cb) { c->get_virtual_service("V", cb); });
  ASSERT_FALSE(r);
  EXPECT_EQ(parse_error_info(r.error()).message, "502 Bad Gateway") << describe(r.error());
  // A CloudAPI message with a stack trace is bounded.
  vcd.routes["GET /cloudapi/1.0.0/loadBalancer/virtualServices/V"] = [](const http::request&) {
    return json(500, R"({"minorErrorCode":"INTERNAL_SERVER_ERROR","message":")"
                       + std::string(10000, 'x') + "\"}");
  };
  auto big = run<virtual_service>([&](auto cb) { c->get_virtual_service("V", cb); });
  ASSERT_FALSE(big);
  EXPECT_LE(parse_error_info(big.error()).message.size(), 512u);
}

TEST_F(beast_client_test, provider_login_looks_up_the_tenant_org) {
  vcd.routes["GET /cloudapi/1.0.0/orgs"] = [](const http::request& r) {
    EXPECT_EQ(query_of(r.target)["filter"], "name%3D%3Dorg1");
    return json(
      200,
      R"({"resultTotal":1,"pageCount":1,"page":1,"pageSize":25,"values":[{"name":"org1","id":")"
        + org_urn + R"("}]})");
  };
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw] = [](const http::request&) {
    return json(200, R"({"id":"urn:vcloud:gateway:2d7a","name":"edge-1"})");
  };
  auto o = tenant_options();
  o.user = "admin";
  o.user_org = "System";
  auto c = make(o);
  auto s = run<session_info>([&](auto cb) { c->login(cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_TRUE(s->provider);
  EXPECT_EQ(s->org, (entity_ref{"org1", org_urn}));
  EXPECT_EQ(sent("POST", "/cloudapi/1.0.0/sessions/provider").size(), 1u);
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(
    header(sent("GET", "/cloudapi/1.0.0/edgeGateways/" + gw)[0], "X-VMWARE-VCLOUD-TENANT-CONTEXT"),
    org_uuid);
}

TEST_F(beast_client_test, refresh_token_is_exchanged_at_the_oauth_endpoint) {
  const std::string api_token = "api+token/with=special";
  vcd.routes.clear();
  http->set_handler([&](const http::request& r) -> caf::expected<http::response> {
    auto path = path_of(r.target);
    if (path == "/oauth/tenant/org1/token") {
      EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded");
      EXPECT_EQ(header(r, "Accept"), "application/json;version=37.1");
      EXPECT_EQ(r.body, "grant_type=refresh_token&refresh_token=api%2Btoken%2Fwith%3Dspecial");
      return json(200, R"({"access_token":")" + jwt
                         + R"(","token_type":"Bearer","expires_in":3600,"refresh_token":null})");
    }
    if (path == "/cloudapi/1.0.0/sessions/current") {
      EXPECT_EQ(header(r, "Authorization"), "Bearer " + jwt);
      return json(200, R"({"id":"urn:vcloud:session:2","org":{"name":"org1","id":")" + org_urn
                         + R"("},"user":{"name":"svc","id":"urn:vcloud:user:2"}})");
    }
    return vcd(r);
  });
  auto o = tenant_options();
  o.user.clear();
  o.password = config::secret_string{};
  o.refresh_token = config::secret_string{api_token};
  auto c = make(o);
  auto s = run<session_info>([&](auto cb) { c->login(cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->org.id, org_urn);
  EXPECT_EQ(s->user.name, "svc");
  EXPECT_TRUE(sent("POST", "/cloudapi/1.0.0/sessions").empty());

  // A System-org token goes to the provider endpoint.
  o.user_org = "system";
  http->requests.clear();
  http->set_handler([&](const http::request& r) -> caf::expected<http::response> {
    if (path_of(r.target) == "/oauth/provider/token")
      return json(200,
                  R"({"access_token":")" + jwt + R"(","token_type":"Bearer","expires_in":3600})");
    if (path_of(r.target) == "/cloudapi/1.0.0/sessions/current")
      return json(404, R"({"minorErrorCode":"NOT_FOUND","message":"old VCD"})");
    if (path_of(r.target) == "/cloudapi/1.0.0/orgs")
      return json(200, R"({"values":[{"name":"org1","id":")" + org_urn + R"("}]})");
    return vcd(r);
  });
  auto p = make(o);
  auto ps = run<session_info>([&](auto cb) { p->login(cb); });
  ASSERT_TRUE(ps) << describe(ps.error());
  EXPECT_TRUE(ps->provider);
  EXPECT_EQ(ps->org.id, org_urn);
  EXPECT_EQ(sent("POST", "/oauth/provider/token").size(), 1u);
}

TEST_F(beast_client_test, api_tokens_are_renewed_before_they_expire) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
  int exchanges = 0;
  http->set_handler([&](const http::request& r) -> caf::expected<http::response> {
    auto path = path_of(r.target);
    if (path == "/oauth/tenant/org1/token") {
      ++exchanges;
      return json(200,
                  R"({"access_token":")" + jwt + R"(","token_type":"Bearer","expires_in":100})");
    }
    if (path == "/cloudapi/1.0.0/sessions/current")
      return json(200, R"({"org":{"name":"org1","id":")" + org_urn + R"("}})");
    if (path == "/cloudapi/1.0.0/edgeGateways/" + gw)
      return json(200, R"({"id":"urn:vcloud:gateway:2d7a"})");
    return vcd(r);
  });
  auto o = tenant_options();
  o.user.clear();
  o.refresh_token = config::secret_string{"tok"};
  o.clock = [&] { return now; };
  auto c = make(o);
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  now += std::chrono::seconds{79};
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(exchanges, 1);
  now += std::chrono::seconds{2}; // past 80% of 100 s
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(exchanges, 2);
  EXPECT_EQ(c->login_count(), 2u);
  // No request was refused and replayed: the renewal came first.
  EXPECT_EQ(sent("GET", "/cloudapi/1.0.0/edgeGateways/" + gw).size(), 3u);

  // Password sessions carry no lifetime: they are kept until VCD refuses them.
  auto p = make([&] {
    auto po = tenant_options();
    po.clock = [&] { return now; };
    return po;
  }());
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { p->get_edge_gateway(gw, cb); }));
  now += std::chrono::hours{10};
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { p->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(p->login_count(), 1u);
}

TEST_F(beast_client_test, expired_token_triggers_one_relogin_and_a_replay) {
  vcd.routes["GET /cloudapi/1.0.0/loadBalancer/pools/urn:vcloud:loadBalancerPool:1"] =
    [](const http::request&) {
      return json(200, R"({"id":"urn:vcloud:loadBalancerPool:1","name":"p"})");
    };
  auto c = make();
  ASSERT_TRUE(run<pool>([&](auto cb) { c->get_pool("urn:vcloud:loadBalancerPool:1", cb); }));
  EXPECT_EQ(c->login_count(), 1u);
  vcd.token = std::string(700, 'K'); // the server forgets the old token
  auto p = run<pool>([&](auto cb) { c->get_pool("urn:vcloud:loadBalancerPool:1", cb); });
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_EQ(p->name, "p");
  EXPECT_EQ(c->login_count(), 2u);
  EXPECT_EQ(vcd.sessions, 2u);
  auto gets = sent("GET", "/cloudapi/1.0.0/loadBalancer/pools/urn:vcloud:loadBalancerPool:1");
  ASSERT_EQ(gets.size(), 3u);
  EXPECT_EQ(header(gets[1], "Authorization"), "Bearer " + jwt);
  EXPECT_EQ(header(gets[2], "Authorization"), "Bearer " + vcd.token);
  EXPECT_EQ(sent("GET", "/api/versions").size(), 1u) << "the version is negotiated once";
}

TEST_F(beast_client_test, a_401_after_relogin_is_returned_not_looped) {
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw] = [](const http::request&) {
    return json(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"no rights"})");
  };
  auto c = make();
  auto g = run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); });
  ASSERT_FALSE(g);
  EXPECT_TRUE(has_code(g.error(), vcd_errc::unauthorized));
  EXPECT_EQ(sent("GET", "/cloudapi/1.0.0/edgeGateways/" + gw).size(), 2u);
  EXPECT_EQ(c->login_count(), 2u);
}

TEST_F(beast_client_test, lists_follow_page_count) {
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw + "/loadBalancer/poolSummaries"] =
    [](const http::request& r) {
      auto q = query_of(r.target);
      EXPECT_EQ(q["pageSize"], "128");
      EXPECT_EQ(q["filter"], "name%3D%3Dingress-pool-web");
      int page = std::stoi(q["page"]);
      std::string values;
      for (int i = 0; i < (page < 3 ? 2 : 1); ++i)
        values += std::string(values.empty() ? "" : ",") + R"({"id":"urn:vcloud:loadBalancerPool:)"
                  + std::to_string(page) + "-" + std::to_string(i)
                  + R"(","name":"ingress-pool-web"})";
      return json(200, R"({"resultTotal":5,"pageCount":3,"page":)" + std::to_string(page)
                         + R"(,"pageSize":128,"values":[)" + values + "]}");
    };
  auto c = make();
  auto l = run<std::vector<pool_summary>>(
    [&](auto cb) { c->list_pool_summaries(gw, fiql::eq("name", "ingress-pool-web"), cb); });
  ASSERT_TRUE(l) << describe(l.error());
  ASSERT_EQ(l->size(), 5u);
  EXPECT_EQ(l->front().id, "urn:vcloud:loadBalancerPool:1-0");
  EXPECT_EQ(l->back().id, "urn:vcloud:loadBalancerPool:3-0");
  EXPECT_EQ(
    sent("GET", "/cloudapi/1.0.0/edgeGateways/" + gw + "/loadBalancer/poolSummaries").size(), 3u);
}

TEST_F(beast_client_test, lists_without_counters_stop_on_an_empty_page) {
  int calls = 0;
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw + "/usedIpAddresses"] =
    [&](const http::request& r) {
      ++calls;
      int page = std::stoi(query_of(r.target)["page"]);
      if (page > 2)
        return json(200, R"({"values":[]})");
      std::string values;
      for (int i = 0; i < 128; ++i)
        values += std::string(values.empty() ? "" : ",") + R"({"ipAddress":"10.0.)"
                  + std::to_string(page) + "." + std::to_string(i) + R"(","category":"SNAT"})";
      return json(200, R"({"values":[)" + values + "]}");
    };
  auto c = make();
  auto l = run<std::vector<used_ip>>([&](auto cb) { c->list_used_ip_addresses(gw, cb); });
  ASSERT_TRUE(l) << describe(l.error());
  EXPECT_EQ(l->size(), 256u);
  EXPECT_EQ(calls, 3);
}

TEST_F(beast_client_test, nat_rules_follow_the_cursor_links) {
  const std::string rules_path = "/cloudapi/1.0.0/edgeGateways/" + gw + "/nat/rules";
  vcd.routes["GET " + rules_path] = [&](const http::request& r) {
    auto q = query_of(r.target);
    EXPECT_EQ(q.count("page"), 0u);
    EXPECT_EQ(q.count("filter"), 0u);
    int n = q.count("cursor") ? std::stoi(q["cursor"]) : 0;
    http::header_list links;
    if (n < 4)
      links.emplace_back("Link",
                         "<" + base + rules_path + "?cursor=" + std::to_string(n + 1)
                           + "&pageSize=128>;rel=\"lastPage nextPage\";type=\"application/json\"");
    links.emplace_back("Link", "<" + base + "/cloudapi/1.0.0/edgeGateways>;rel=\"up\"");
    return json(200,
                R"({"status":"ok","values":[{"id":"r)" + std::to_string(n) + R"(","name":"dnat-)"
                  + std::to_string(n) + R"(","type":"DNAT","version":{"version":1}}]})",
                links);
  };
  auto c = make();
  auto l = run<std::vector<nat_rule>>([&](auto cb) { c->list_nat_rules(gw, cb); });
  ASSERT_TRUE(l) << describe(l.error());
  ASSERT_EQ(l->size(), 5u);
  EXPECT_EQ(l->back().id, "r4");
  EXPECT_EQ(l->back().version, 1);
  auto gets = sent("GET", rules_path);
  ASSERT_EQ(gets.size(), 5u);
  EXPECT_EQ(gets[0].target, rules_path + "?pageSize=128");
  EXPECT_EQ(gets[2].target, rules_path + "?cursor=2&pageSize=128");
}

TEST_F(beast_client_test, before_write_can_stop_a_write_after_the_login_but_never_a_read) {
  vcd.routes["POST /cloudapi/1.0.0/loadBalancer/virtualServices"] = [](const http::request&) {
    return json(202, "", {{"Location", base + "/api/task/3"}});
  };
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw] = [](const http::request&) {
    return json(200, R"({"id":"urn:vcloud:gateway:2d7a","name":"edge-1","status":"REALIZED"})");
  };
  bool allowed = false;
  int asked = 0;
  auto o = tenant_options();
  o.before_write = [&]() -> caf::error {
    ++asked;
    if (allowed)
      return {};
    return caf::make_error(lb_errc::not_leader, std::string{"no lease"});
  };
  auto c = make(std::move(o));
  auto refused = run<task_ref>([&](auto cb) { c->create_virtual_service({}, cb); });
  ASSERT_FALSE(refused);
  EXPECT_TRUE(has_code(refused.error(), lb_errc::not_leader));
  EXPECT_TRUE(sent("POST", "/cloudapi/1.0.0/loadBalancer/virtualServices").empty());
  EXPECT_EQ(asked, 1) << "asked once, after the login (whose POSTs are not writes)";
  EXPECT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  EXPECT_EQ(asked, 1) << "reads are never asked about";
  allowed = true;
  auto sent_ok = run<task_ref>([&](auto cb) { c->create_virtual_service({}, cb); });
  ASSERT_TRUE(sent_ok);
  EXPECT_EQ(sent_ok->id, "3");
}

TEST_F(beast_client_test, mutations_return_the_task_from_location_and_send_exact_bodies) {
  vcd.routes["POST /cloudapi/1.0.0/loadBalancer/pools"] = [](const http::request& r) {
    EXPECT_EQ(header(r, "Content-Type"), "application/json");
    auto body = bj::parse(r.body);
    EXPECT_EQ(
      body,
      bj::parse(
        R"({"name":"pool-1","enabled":true,"gatewayRef":{"name":"edge-1","id":"urn:vcloud:gateway:2d7a"},
      "algorithm":"ROUND_ROBIN","defaultPort":30080,"gracefulTimeoutPeriod":0,"passiveMonitoringEnabled":true,
      "healthMonitors":[{"type":"TCP"}],"members":[{"ipAddress":"10.0.0.1","port":30080,"ratio":1,"enabled":true}]})"))
      << r.body;
    return json(202, "", {{"Location", base + "/api/task/8d0a-1"}});
  };
  vcd.routes["DELETE /cloudapi/1.0.0/loadBalancer/pools/urn:vcloud:loadBalancerPool:1"] =
    [](const http::request& r) {
      EXPECT_TRUE(r.body.empty());
      return json(204, "");
    };
  vcd.routes["PUT /cloudapi/1.0.0/edgeGateways/" + gw + "/nat/rules/r1"] =
    [](const http::request& r) {
      auto body = bj::parse(r.body).as_object();
      EXPECT_EQ(body.at("version"), bj::parse(R"({"version":3})"));
      EXPECT_EQ(body.at("id"), "r1");
      return json(202, "");
    };
  auto c = make();
  pool p;
  p.name = "pool-1";
  p.gateway_ref = {"edge-1", gw};
  p.default_port = 30080;
  p.health_monitors = {{"TCP", "", false}};
  p.members = {{"10.0.0.1", 30080, 1, true, ""}};
  auto ref = run<task_ref>([&](auto cb) { c->create_pool(p, cb); });
  ASSERT_TRUE(ref) << describe(ref.error());
  EXPECT_EQ(ref->href, base + "/api/task/8d0a-1");
  EXPECT_EQ(ref->id, "8d0a-1");

  auto sync = run<task_ref>([&](auto cb) { c->delete_pool("urn:vcloud:loadBalancerPool:1", cb); });
  ASSERT_TRUE(sync);
  EXPECT_TRUE(sync->completed_synchronously());

  nat_rule r;
  r.id = "r1";
  r.name = "dnat-x";
  r.version = 3;
  auto missing = run<task_ref>([&](auto cb) { c->update_nat_rule(gw, r, cb); });
  ASSERT_FALSE(missing);
  EXPECT_TRUE(has_code(missing.error(), vcd_errc::bad_response)) << "202 without Location";
}

TEST_F(beast_client_test, every_operation_uses_its_reference_endpoint) {
  std::vector<std::string> hits;
  const std::string task_xml =
    R"(<Task status="success" id="urn:vcloud:task:1" href=")" + base + R"(/api/task/1"/>)";
  http->set_handler([&](const http::request& r) -> caf::expected<http::response> {
    auto path = path_of(r.target);
    if (path == "/api/versions" || path == "/cloudapi/1.0.0/sessions")
      return vcd(r);
    hits.push_back(r.method + " " + path);
    if (path.starts_with("/api/task/")) {
      EXPECT_EQ(header(r, "Accept"), "application/*+xml;version=37.1");
      http::response resp;
      resp.status = 200;
      resp.body = task_xml;
      return resp;
    }
    if (r.method == "GET")
      return json(
        200,
        R"({"id":"urn:x:1","name":"n","values":[],"connection":{"routerRef":{"id":"urn:vcloud:gateway:1"}}})");
    return json(202, "", {{"Location", base + "/api/task/1"}});
  });
  auto c = make();
  auto ignore_list = [](auto) {};
  pool up;
  up.id = "P";
  virtual_service uv;
  uv.id = "V";
  nat_rule un;
  un.id = "N";
  app_port_profile ua;
  ua.id = "A";
  c->get_edge_gateway(gw, [](auto) {});
  c->list_used_ip_addresses(gw, ignore_list);
  c->list_seg_assignments(gw, ignore_list);
  c->list_pool_summaries(gw, {}, ignore_list);
  c->get_pool("P", [](auto) {});
  c->create_pool({}, [](auto) {});
  c->update_pool(up, [](auto) {});
  c->delete_pool("P", [](auto) {});
  c->list_virtual_service_summaries(gw, {}, ignore_list);
  c->get_virtual_service("V", [](auto) {});
  c->create_virtual_service({}, [](auto) {});
  c->update_virtual_service(uv, [](auto) {});
  c->delete_virtual_service("V", [](auto) {});
  c->list_nat_rules(gw, ignore_list);
  c->get_nat_rule(gw, "N", [](auto) {});
  c->create_nat_rule(gw, {}, [](auto) {});
  c->update_nat_rule(gw, un, [](auto) {});
  c->delete_nat_rule(gw, "N", [](auto) {});
  c->list_app_port_profiles({}, ignore_list);
  c->get_app_port_profile("A", [](auto) {});
  c->create_app_port_profile({}, [](auto) {});
  c->update_app_port_profile(ua, [](auto) {});
  c->delete_app_port_profile("A", [](auto) {});
  c->find_certificates("cert", ignore_list);
  ip_set us;
  us.id = "S";
  c->get_firewall_rules(gw, [](auto) {});
  c->replace_firewall_rules(gw, {}, [](auto) {});
  c->list_ip_sets(gw, fiql::eq("name", "src"), ignore_list);
  c->get_ip_set("S", [](auto) {});
  c->create_ip_set({}, [](auto) {});
  c->update_ip_set(us, [](auto) {});
  c->delete_ip_set("S", [](auto) {});
  auto t = run<task>([&](auto cb) { c->get_task({base + "/api/task/1", "1"}, cb); });
  ASSERT_TRUE(t) << describe(t.error());
  EXPECT_EQ(t->status, task_status::success);
  const std::string g = "/cloudapi/1.0.0/edgeGateways/" + gw;
  std::vector<std::string> want{
    "GET " + g,
    "GET " + g + "/usedIpAddresses",
    "GET /cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments",
    "GET " + g + "/loadBalancer/poolSummaries",
    "GET /cloudapi/1.0.0/loadBalancer/pools/P",
    "POST /cloudapi/1.0.0/loadBalancer/pools",
    "PUT /cloudapi/1.0.0/loadBalancer/pools/P",
    "DELETE /cloudapi/1.0.0/loadBalancer/pools/P",
    "GET " + g + "/loadBalancer/virtualServiceSummaries",
    "GET /cloudapi/1.0.0/loadBalancer/virtualServices/V",
    "POST /cloudapi/1.0.0/loadBalancer/virtualServices",
    "PUT /cloudapi/1.0.0/loadBalancer/virtualServices/V",
    "DELETE /cloudapi/1.0.0/loadBalancer/virtualServices/V",
    "GET " + g + "/nat/rules",
    "GET " + g + "/nat/rules/N",
    "POST " + g + "/nat/rules",
    "PUT " + g + "/nat/rules/N",
    "DELETE " + g + "/nat/rules/N",
    "GET /cloudapi/1.0.0/applicationPortProfiles",
    "GET /cloudapi/1.0.0/applicationPortProfiles/A",
    "POST /cloudapi/1.0.0/applicationPortProfiles",
    "PUT /cloudapi/1.0.0/applicationPortProfiles/A",
    "DELETE /cloudapi/1.0.0/applicationPortProfiles/A",
    "GET /cloudapi/1.0.0/ssl/certificateLibrary",
    "GET " + g + "/firewall/rules",
    "PUT " + g + "/firewall/rules",
    "GET /cloudapi/1.0.0/firewallGroups/summaries",
    "GET /cloudapi/1.0.0/firewallGroups/S",
    "POST /cloudapi/1.0.0/firewallGroups",
    "PUT /cloudapi/1.0.0/firewallGroups/S",
    "DELETE /cloudapi/1.0.0/firewallGroups/S",
    "GET /api/task/1",
  };
  EXPECT_EQ(hits, want);
  // The SEG list filters by gateway.
  auto segs = sent("GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments");
  EXPECT_EQ(query_of(segs.at(0).target)["filter"],
            "gatewayRef.id%3D%3Durn%3Avcloud%3Agateway%3A2d7a");
  // IP sets: the caller's filter, then the gateway context and the type.
  auto sets = sent("GET", "/cloudapi/1.0.0/firewallGroups/summaries");
  EXPECT_EQ(query_of(sets.at(0).target)["filter"],
            "name%3D%3Dsrc%3B_context%3D%3Durn%3Avcloud%3Agateway%3A2d7a%3BtypeValue%3D%3DIP_SET");
  // The whole-list write sends the userDefinedRules envelope.
  auto puts = sent("PUT", g + "/firewall/rules");
  EXPECT_EQ(puts.at(0).body, R"({"userDefinedRules":[]})");
}

TEST_F(beast_client_test, error_classes) {
  struct expect {
    http::response resp;
    vcd_errc code;
    std::string minor;
  };
  std::vector<expect> cases{
    {json(
       400,
       R"({"minorErrorCode":"BUSY_ENTITY","message":"[ 39 ] The entity Ref: com.vmware.vcloud.entity.gateway:9 is busy completing an operation NAT_RULE_CREATE."})"),
     vcd_errc::busy_entity, "BUSY_ENTITY"},
    {json(400, R"({"minorErrorCode":"BAD_REQUEST","message":"Validation error"})"),
     vcd_errc::bad_request, "BAD_REQUEST"},
    {json(403, R"({"minorErrorCode":"ACCESS_TO_RESOURCE_IS_FORBIDDEN","message":"no"})"),
     vcd_errc::not_found, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
    {json(404, R"({"minorErrorCode":"NOT_FOUND","message":"gone"})"), vcd_errc::not_found,
     "NOT_FOUND"},
    {json(409, R"({"minorErrorCode":"CONFLICT","message":"version"})"), vcd_errc::conflict,
     "CONFLICT"},
    {json(429, "", {{"Retry-After", "7"}}), vcd_errc::rate_limited, ""},
    {json(500, R"({"minorErrorCode":"INTERNAL_SERVER_ERROR","message":"boom"})"),
     vcd_errc::server_error, "INTERNAL_SERVER_ERROR"},
    {json(502, "<html>bad gateway</html>"), vcd_errc::unavailable, ""},
    {json(503, "", {{"Retry-After", "3"}}), vcd_errc::unavailable, ""},
    {json(504, ""), vcd_errc::unavailable, ""},
  };
  auto c = make();
  ASSERT_TRUE(run<session_info>([&](auto cb) { c->login(cb); }));
  for (const auto& e : cases) {
    vcd.routes["GET /cloudapi/1.0.0/loadBalancer/virtualServices/V"] = [&](const http::request&) {
      return e.resp;
    };
    auto r = run<virtual_service>([&](auto cb) { c->get_virtual_service("V", cb); });
    ASSERT_FALSE(r) << e.resp.status;
    EXPECT_TRUE(has_code(r.error(), e.code)) << e.resp.status << " -> " << describe(r.error());
    auto info = parse_error_info(r.error());
    EXPECT_EQ(info.http_status, e.resp.status);
    EXPECT_EQ(info.minor_error_code, e.minor);
  }
  vcd.routes["GET /cloudapi/1.0.0/loadBalancer/virtualServices/V"] = [](const http::request&) {
    return json(429, R"({"minorErrorCode":"","message":"Too many requests"})",
                {{"Retry-After", "12"}});
  };
  auto limited = run<virtual_service>([&](auto cb) { c->get_virtual_service("V", cb); });
  EXPECT_EQ(parse_error_info(limited.error()).retry_after_seconds, 12);
  EXPECT_EQ(parse_error_info(limited.error()).message, "Too many requests");

  // A 403 on a list is a real permission problem.
  vcd.routes["GET /cloudapi/1.0.0/applicationPortProfiles"] = [](const http::request&) {
    return json(403, R"({"minorErrorCode":"ACCESS_TO_RESOURCE_IS_FORBIDDEN","message":"no"})");
  };
  auto list =
    run<std::vector<app_port_profile>>([&](auto cb) { c->list_app_port_profiles({}, cb); });
  EXPECT_TRUE(has_code(list.error(), vcd_errc::forbidden));

  // A body that does not decode.
  vcd.routes["GET /cloudapi/1.0.0/loadBalancer/virtualServices/V"] = [](const http::request&) {
    return json(200, R"({"name": "truncated)");
  };
  EXPECT_TRUE(
    has_code(run<virtual_service>([&](auto cb) { c->get_virtual_service("V", cb); }).error(),
             vcd_errc::bad_response));
}

TEST_F(beast_client_test, transport_failures_are_classified) {
  auto c = make();
  ASSERT_TRUE(run<session_info>([&](auto cb) { c->login(cb); }));
  std::vector<std::pair<net_errc, vcd_errc>> cases{
    {net_errc::connection_closed, vcd_errc::unavailable},
    {net_errc::timeout, vcd_errc::unavailable},
    {net_errc::connect_failed, vcd_errc::unavailable},
    {net_errc::resolve_failed, vcd_errc::unavailable},
    {net_errc::tls_failed, vcd_errc::tls_failed},
    {net_errc::protocol_error, vcd_errc::bad_response},
    {net_errc::body_too_large, vcd_errc::bad_response},
    {net_errc::cancelled, vcd_errc::cancelled},
  };
  for (auto [net, want] : cases) {
    http->set_handler([net = net](const http::request&) -> caf::expected<http::response> {
      return caf::make_error(net, std::string{"injected"});
    });
    auto r = run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); });
    ASSERT_FALSE(r);
    EXPECT_TRUE(has_code(r.error(), want)) << describe(r.error());
    EXPECT_EQ(is_retryable(r.error()), want == vcd_errc::unavailable);
  }
}

TEST_F(beast_client_test, busy_then_success_is_visible_to_the_caller) {
  int calls = 0;
  vcd.routes["POST /cloudapi/1.0.0/loadBalancer/virtualServices"] = [&](const http::request&) {
    if (++calls == 1)
      return json(400, R"({"minorErrorCode":"BUSY_ENTITY","message":"busy"})");
    return json(202, "", {{"Location", base + "/api/task/2"}});
  };
  auto c = make();
  auto first = run<task_ref>([&](auto cb) { c->create_virtual_service({}, cb); });
  ASSERT_FALSE(first);
  EXPECT_TRUE(has_code(first.error(), vcd_errc::busy_entity));
  EXPECT_TRUE(is_retryable(first.error()));
  auto second = run<task_ref>([&](auto cb) { c->create_virtual_service({}, cb); });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "2");
}

TEST_F(beast_client_test, network_resolution_picks_our_vdc_and_reads_the_router) {
  vcd.routes["GET /cloudapi/1.0.0/orgVdcNetworks"] = [](const http::request& r) {
    if (query_of(r.target)["filter"] != "name%3D%3Dnet-1")
      return json(200, R"({"resultTotal":0,"pageCount":0,"page":1,"pageSize":128,"values":[]})");
    return json(200, R"({"resultTotal":2,"pageCount":1,"page":1,"pageSize":128,"values":[
      {"id":"urn:vcloud:network:other","name":"net-1","orgVdc":{"name":"vdc2","id":"urn:vcloud:vdc:2"},
       "connection":{"routerRef":{"name":"edge-2","id":"urn:vcloud:gateway:2"}}},
      {"id":"urn:vcloud:network:mine","name":"net-1","orgVdc":{"name":"vdc1","id":"urn:vcloud:vdc:1"}}]})");
  };
  vcd.routes
    ["GET /cloudapi/1.0.0/orgVdcNetworks/urn:vcloud:network:mine"] = [](const http::request&) {
    return json(
      200,
      R"({"id":"urn:vcloud:network:mine","name":"net-1","orgVdc":{"name":"vdc1","id":"urn:vcloud:vdc:1"},
      "connection":{"routerRef":{"name":"edge-1","id":"urn:vcloud:gateway:1"}}})");
  };
  auto c = make();
  auto n = run<org_vdc_network>([&](auto cb) { c->get_org_vdc_network("net-1", cb); });
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(n->router_ref, (entity_ref{"edge-1", "urn:vcloud:gateway:1"}));
  EXPECT_EQ(n->org_vdc.id, "urn:vcloud:vdc:1");
  auto none = run<org_vdc_network>([&](auto cb) { c->get_org_vdc_network("net-2", cb); });
  EXPECT_TRUE(has_code(none.error(), vcd_errc::not_found));
}

TEST_F(beast_client_test, certificate_aliases_with_reserved_characters_are_matched_locally) {
  vcd.routes["GET /cloudapi/1.0.0/ssl/certificateLibrary"] = [](const http::request& r) {
    auto q = query_of(r.target);
    if (q.count("filter")) {
      EXPECT_EQ(q["filter"], "alias%3D%3Dplain-cert");
      return json(
        200,
        R"({"pageCount":1,"page":1,"values":[{"id":"urn:vcloud:certificateLibraryItem:1","alias":"plain-cert"}]})");
    }
    return json(200, R"({"pageCount":1,"page":1,"values":[
      {"id":"urn:vcloud:certificateLibraryItem:2","alias":"a, b"},
      {"id":"urn:vcloud:certificateLibraryItem:3","alias":"a; b"}]})");
  };
  auto c = make();
  auto plain =
    run<std::vector<certificate>>([&](auto cb) { c->find_certificates("plain-cert", cb); });
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->size(), 1u);
  auto odd = run<std::vector<certificate>>([&](auto cb) { c->find_certificates("a; b", cb); });
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->size(), 1u);
  EXPECT_EQ(odd->front().id, "urn:vcloud:certificateLibraryItem:3");
}

TEST_F(beast_client_test, special_names_are_encoded_in_filters) {
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw + "/loadBalancer/virtualServiceSummaries"] =
    [](const http::request& r) {
      auto q = query_of(r.target);
      EXPECT_EQ(q["filter"], "name%3D%3Dvs%2520a%252Cb%253Bc");
      EXPECT_EQ(q["filterEncoded"], "true");
      return json(200, R"({"pageCount":1,"page":1,"values":[]})");
    };
  auto c = make();
  auto l = run<std::vector<virtual_service_summary>>(
    [&](auto cb) { c->list_virtual_service_summaries(gw, fiql::eq("name", "vs a,b;c"), cb); });
  ASSERT_TRUE(l) << describe(l.error());
}

TEST_F(beast_client_test, tasks_decode_with_owner_and_error) {
  vcd.routes["GET /api/task/9"] = [](const http::request&) {
    http::response r;
    r.status = 200;
    r.body =
      R"(<?xml version="1.0"?><Task xmlns="http://www.vmware.com/vcloud/v1.5" href=")" + base
      + R"(/api/task/9" id="urn:vcloud:task:9" status="error" operation="Creating &quot;pool&quot;">
  <Link rel="task:cancel" href="x"/>
  <Owner href="o" id="urn:vcloud:loadBalancerPool:5" name="pool-1" type="t"/>
  <Error majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="member &lt;10.0.0.1&gt; invalid"/>
  <Progress>100</Progress></Task>)";
    return r;
  };
  auto c = make();
  auto t = run<task>([&](auto cb) { c->get_task({base + "/api/task/9", "9"}, cb); });
  ASSERT_TRUE(t) << describe(t.error());
  EXPECT_EQ(t->status, task_status::error);
  EXPECT_EQ(t->id, "urn:vcloud:task:9");
  EXPECT_EQ(t->operation, "Creating \"pool\"");
  EXPECT_EQ(t->owner, (entity_ref{"pool-1", "urn:vcloud:loadBalancerPool:5"}));
  EXPECT_EQ(t->error, (task_error{400, "BAD_REQUEST", "member <10.0.0.1> invalid"}));
  EXPECT_EQ(t->progress, 100);
  // By id only, and a missing task is not_found.
  auto missing = run<task>([&](auto cb) { c->get_task({"", "404"}, cb); });
  EXPECT_TRUE(has_code(missing.error(), vcd_errc::not_found));
}

TEST_F(beast_client_test, secrets_never_reach_the_logs) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  vcd.routes["GET /cloudapi/1.0.0/edgeGateways/" + gw] = [](const http::request&) {
    return json(200, R"({"id":"urn:vcloud:gateway:2d7a"})");
  };
  auto c = make();
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { c->get_edge_gateway(gw, cb); }));
  auto o = tenant_options();
  o.password = config::secret_string{"wrong-pass-xyz"};
  auto bad = make(o);
  EXPECT_FALSE(run<session_info>([&](auto cb) { bad->login(cb); }));
  spdlog::set_default_logger(previous);
  auto text = log.str();
  EXPECT_NE(text.find("GET /cloudapi/1.0.0/edgeGateways/" + gw + " -> 200"), std::string::npos)
    << text;
  EXPECT_EQ(text.find("s3cret-pass"), std::string::npos);
  EXPECT_EQ(text.find("wrong-pass-xyz"), std::string::npos);
  EXPECT_EQ(text.find(jwt.substr(0, 64)), std::string::npos);
  EXPECT_EQ(text.find(detail::base64_encode("lb-user@org1:s3cret-pass")), std::string::npos);
  std::ostringstream printed;
  printed << o.password;
  EXPECT_EQ(printed.str(), "<redacted>");
}

} // namespace

namespace {

TEST(vcd_connection_options, come_from_config_and_credentials) {
  config::cloud_config cfg;
  cfg.vcd.host = "https://vcd.example.com";
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.vcdlb.tls.ca_file = "/etc/ssl/vcd.pem";
  cfg.vcdlb.request_timeout = std::chrono::milliseconds{12000};
  cfg.vcdlb.vcd_max_concurrent_requests = 4;
  config::credentials creds;
  creds.method = config::auth_method::password;
  creds.user = "alice";
  creds.org = "System";
  creds.password = config::secret_string{"pw"};
  auto o = make_connection_options(cfg, creds);
  EXPECT_EQ(o.http.base_url, "https://vcd.example.com");
  EXPECT_TRUE(o.http.tls.verify);
  EXPECT_EQ(o.http.tls.ca_file, "/etc/ssl/vcd.pem");
  EXPECT_EQ(o.http.request_timeout, std::chrono::milliseconds{12000});
  EXPECT_EQ(o.http.max_connections, 4u);
  EXPECT_TRUE(o.http.proxy_from_environment);
  EXPECT_EQ(o.client.org, "org1");
  EXPECT_EQ(o.client.vdc, "vdc1");
  EXPECT_EQ(o.client.user, "alice");
  EXPECT_EQ(o.client.user_org, "System");
  EXPECT_EQ(o.client.password.reveal(), "pw");
  EXPECT_TRUE(o.client.refresh_token.empty());

  cfg.vcdlb.tls.insecure_skip_verify = true;
  creds.method = config::auth_method::refresh_token;
  creds.refresh_token = config::secret_string{"tok"};
  o = make_connection_options(cfg, creds);
  EXPECT_FALSE(o.http.tls.verify);
  EXPECT_EQ(o.client.refresh_token.reveal(), "tok");
  EXPECT_TRUE(o.client.password.empty());
}

} // namespace
