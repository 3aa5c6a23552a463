// Authentication and version negotiation: /api/versions, sessions, OAuth refresh tokens,
// 401 on missing/bad/expired tokens, tenant context, 406 for unsupported versions.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_auth : public sim_test {};

TEST_F(vcd_sim_auth, versions_need_no_auth_and_list_up_to_the_scenario_version) {
  auto r =
    call("GET", "/api/versions", "", {{"Authorization", ""}, {"Accept", "application/*+xml"}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("<Version>37.2</Version>"), std::string::npos);
  EXPECT_NE(r.body.find("<Version>36.0</Version>"), std::string::npos);
  EXPECT_EQ(r.body.find("<Version>38.0</Version>"), std::string::npos);
  EXPECT_NE(r.body.find("https://vcd.test/cloudapi/1.0.0/sessions/provider"), std::string::npos);
}

TEST_F(vcd_sim_auth, tenant_and_provider_sessions_return_long_bearer_tokens) {
  EXPECT_GT(token.size(), 600u);
  auto provider = login("administrator@System", "provider-password", true);
  EXPECT_GT(provider.size(), 600u);
  auto me = body_of(call("GET", "/cloudapi/1.0.0/sessions/current"));
  EXPECT_EQ(str(me, "user.name"), "admin");
  EXPECT_EQ(str(me, "org.name"), "org1");
  // The same token is accepted in govcd's header form.
  auto r = call("GET", "/cloudapi/1.0.0/sessions/current", "",
                {{"Authorization", ""}, {"X-VMWARE-VCLOUD-ACCESS-TOKEN", provider}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(str(body_of(r), "org.name"), "System");
}

TEST_F(vcd_sim_auth, wrong_credentials_or_wrong_endpoint_are_401) {
  EXPECT_EQ(login("admin@org1", "nope"), "");
  EXPECT_EQ(login("admin@org1", "admin-password", true), "");        // tenant at /provider
  EXPECT_EQ(login("administrator@System", "provider-password"), ""); // System at /sessions
  EXPECT_EQ(sim->stats().rejections.at("unauthorized"), 3u);
}

TEST_F(vcd_sim_auth, oauth_refresh_token_exchange) {
  http::request req;
  req.method = "POST";
  req.target = "/oauth/tenant/org1/token";
  req.fields = {{"Content-Type", "application/x-www-form-urlencoded"},
                {"Accept", "application/json;version=37.2"}};
  req.body = "grant_type=refresh_token&refresh_token=vcdlb-sim-api-token";
  auto r = sim->handle(req).response;
  ASSERT_EQ(r.status, 200u) << r.body;
  auto j = body_of(r);
  EXPECT_EQ(str(j, "token_type"), "Bearer");
  EXPECT_EQ(str(j, "expires_in"), "3600");
  auto access = str(j, "access_token");
  EXPECT_EQ(call("GET", gw_path(), "", {}, access).status, 200u);

  req.body = "grant_type=refresh_token&refresh_token=wrong";
  EXPECT_EQ(sim->handle(req).response.status, 400u);
  // A tenant's token is not valid at the provider endpoint.
  req.target = "/oauth/provider/token";
  req.body = "grant_type=refresh_token&refresh_token=vcdlb-sim-api-token";
  EXPECT_EQ(sim->handle(req).response.status, 400u);
}

TEST_F(vcd_sim_auth, missing_or_unknown_tokens_are_401_with_a_json_error) {
  auto r = call("GET", gw_path(), "", {{"Authorization", ""}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(str(body_of(r), "minorErrorCode"), "UNAUTHORIZED");
  EXPECT_EQ(call("GET", gw_path(), "", {}, "not-a-token").status, 401u);
}

TEST_F(vcd_sim_auth, tokens_expire_after_their_ttl_and_on_demand) {
  auto f = sim->faults();
  f.token_ttl = std::chrono::seconds{60};
  sim->set_faults(f);
  auto short_lived = login("admin@org1", "admin-password");
  EXPECT_EQ(call("GET", gw_path(), "", {}, short_lived).status, 200u);
  clock.advance(61s);
  auto r = call("GET", gw_path(), "", {}, short_lived);
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(str(body_of(r), "message").find("expired"), std::string::npos);
  // expire_tokens ends every session at once (token expiry mid-run).
  auto fresh = login("admin@org1", "admin-password");
  EXPECT_EQ(call("GET", gw_path(), "", {}, fresh).status, 200u);
  sim->expire_tokens();
  EXPECT_EQ(call("GET", gw_path(), "", {}, fresh).status, 401u);
}

TEST_F(vcd_sim_auth, tenant_context_header_accepts_urn_or_uuid_and_guards_other_orgs) {
  auto org_id = default_scenario().orgs.front().id;
  auto uuid = org_id.substr(org_id.rfind(':') + 1);
  // A tenant may name its own org in either form (the CPI sends the URN).
  EXPECT_EQ(call("GET", gw_path(), "", {{"X-VMWARE-VCLOUD-TENANT-CONTEXT", org_id}}).status, 200u);
  EXPECT_EQ(call("GET", gw_path(), "", {{"X-VMWARE-VCLOUD-TENANT-CONTEXT", uuid}}).status, 200u);
  EXPECT_EQ(
    call("GET", gw_path(), "", {{"X-VMWARE-VCLOUD-TENANT-CONTEXT", "urn:vcloud:org:nope"}}).status,
    403u);
  // A provider narrowed to the org sees its gateway.
  auto provider = login("administrator@System", "provider-password", true);
  auto r = call("GET", "/cloudapi/1.0.0/edgeGateways", "",
                {{"X-VMWARE-VCLOUD-TENANT-CONTEXT", uuid}}, provider);
  EXPECT_EQ(str(body_of(r), "resultTotal"), "1");
}

TEST_F(vcd_sim_auth, unsupported_versions_are_406_and_older_ones_drop_newer_fields) {
  auto r = call("GET", gw_path(), "", {{"Accept", "application/json;version=40.0"}});
  EXPECT_EQ(r.status, 406u);
  EXPECT_EQ(sim->stats().rejections.at("not_acceptable"), 1u);
  EXPECT_EQ(call("GET", gw_path(), "", {{"Accept", "application/json;version=33.0"}}).status, 406u);
  // usingIpSpace exists from 37.1 on.
  auto old = body_of(call("GET", gw_path(), "", {{"Accept", "application/json;version=37.0"}}));
  auto now = body_of(call("GET", gw_path()));
  EXPECT_EQ(str(old.at("edgeGatewayUplinks").at(0), "usingIpSpace"), "<missing>");
  EXPECT_EQ(str(now.at("edgeGatewayUplinks").at(0), "usingIpSpace"), "false");
}

TEST_F(vcd_sim_auth, forbidden_for_unknown_urns) {
  for (auto method : {"GET", "PUT", "DELETE"}) {
    auto r = call(method,
                  "/cloudapi/1.0.0/loadBalancer/virtualServices/"
                  "urn:vcloud:loadBalancerVirtualService:00000000-0000-0000-0000-000000000000",
                  std::string{method} == "PUT" ? "{}" : "");
    EXPECT_EQ(r.status, 403u) << method;
    EXPECT_EQ(str(body_of(r), "minorErrorCode"), "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
  }
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/edgeGateways/urn:vcloud:gateway:nope").status, 403u);
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/urn:vcloud:loadBalancerPool:x").status,
            403u);
  EXPECT_EQ(sim->stats().rejections.at("unknown_urn"), 5u);
}

TEST_F(vcd_sim_auth, provider_only_operations_are_refused_to_tenants) {
  auto r = put(gw_path("/loadBalancer"), json::object{{"enabled", false}});
  EXPECT_EQ(r.status, 403u);
  auto provider = login("administrator@System", "provider-password", true);
  r = call("PUT", gw_path("/loadBalancer"),
           R"({"enabled": true, "supportedFeatureSet": "PREMIUM"})", {}, provider);
  EXPECT_EQ(r.status, 202u);
  finish_tasks();
  EXPECT_EQ(str(body_of(call("GET", gw_path("/loadBalancer"))), "supportedFeatureSet"), "PREMIUM");
}

} // namespace
