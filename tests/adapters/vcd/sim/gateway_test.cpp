// Provider-side gateway changes (SEG assignments, uplink ranges), request ids, the legacy
// session header and logout.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_gateway : public sim_test {
protected:
  void SetUp() override {
    sim_test::SetUp();
    provider = login("administrator@System", "provider-password", true);
  }
  http::response as_provider(const std::string& method, const std::string& target,
                             const json::value& body = nullptr) {
    return call(method, target, body.is_null() ? "" : json::serialize(body), {}, provider);
  }
  std::string provider;
};

TEST_F(vcd_sim_gateway, seg_assignments_are_created_updated_and_deleted_by_the_provider) {
  const std::string base = "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments";
  json::object body{{"gatewayRef", json::object{{"id", gw}}},
                    {"serviceEngineGroupRef",
                     json::object{{"name", "seg-2"}, {"id", "urn:vcloud:serviceEngineGroup:2"}}},
                    {"maxVirtualServices", 1},
                    {"minVirtualServices", 0}};
  // Tenants may read but not assign.
  EXPECT_EQ(post(base, body).status, 403u);
  auto r = as_provider("POST", base, body);
  ASSERT_EQ(r.status, 202u) << r.body;
  // The assignment locks the gateway while its task runs.
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p")).status, 400u);
  finish_tasks();
  EXPECT_EQ(as_provider("POST", base, body).status, 400u); // already assigned
  auto page = body_of(
    call("GET", base + "?filter=serviceEngineGroupRef.id==urn:vcloud:serviceEngineGroup:2"));
  ASSERT_EQ(str(page, "resultTotal"), "1");
  auto id = str(page.at("values").at(0), "id");
  EXPECT_EQ(str(page.at("values").at(0), "numDeployedVirtualServices"), "0");
  // A VS on the new SEG counts against its capacity of 1.
  seg = "urn:vcloud:serviceEngineGroup:2";
  auto p1 = make_pool("p1");
  auto p2 = make_pool("p2");
  make_vs("vs1", p1, "203.0.113.10", 80);
  auto full =
    post("/cloudapi/1.0.0/loadBalancer/virtualServices", vs_body("vs2", p2, "203.0.113.11", 80));
  EXPECT_EQ(full.status, 400u);
  body["maxVirtualServices"] = 2;
  ASSERT_EQ(as_provider("PUT", base + "/" + id, body).status, 202u);
  finish_tasks();
  EXPECT_EQ(
    post("/cloudapi/1.0.0/loadBalancer/virtualServices", vs_body("vs2", p2, "203.0.113.11", 80))
      .status,
    202u);
  finish_tasks();
  // Still serving virtual services: cannot be unassigned.
  EXPECT_EQ(as_provider("DELETE", base + "/" + id).status, 400u);
  for (auto name : {"vs1", "vs2"}) {
    call("DELETE",
         "/cloudapi/1.0.0/loadBalancer/virtualServices/" + sim->find("virtualService", name).at(0));
    finish_tasks();
  }
  EXPECT_EQ(as_provider("DELETE", base + "/" + id).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("GET", base + "/" + id).status, 403u);
}

TEST_F(vcd_sim_gateway, provider_can_reallocate_uplink_ranges) {
  auto g = body_of(call("GET", gw_path())).as_object();
  auto& range = g["edgeGatewayUplinks"]
                  .as_array()[0]
                  .as_object()["subnets"]
                  .as_object()["values"]
                  .as_array()[0]
                  .as_object()["ipRanges"]
                  .as_object()["values"]
                  .as_array()[0]
                  .as_object();
  range["endAddress"] = "203.0.113.19";
  EXPECT_EQ(put(gw_path(), g).status, 403u); // tenant
  auto r = as_provider("PUT", gw_path(), g);
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(str(body_of(call("GET", gw_path())), "status"), "CONFIGURING");
  finish_tasks();
  auto now = body_of(call("GET", gw_path()));
  EXPECT_EQ(str(now, "status"), "REALIZED");
  auto subnet = now.at("edgeGatewayUplinks").at(0).at("subnets").at("values").at(0);
  EXPECT_EQ(str(subnet, "totalIpCount"), "10");
}

TEST_F(vcd_sim_gateway, request_ids_legacy_session_header_and_logout) {
  auto r = call("GET", gw_path(), "", {{"X-VMWARE-VCLOUD-CLIENT-REQUEST-ID", "abc-1"}});
  EXPECT_EQ(header(r, "X-VMWARE-VCLOUD-REQUEST-ID").rfind("abc-1-", 0), 0u);
  // The legacy x-vcloud-authorization session id works like the bearer token.
  http::request login_req;
  login_req.method = "POST";
  login_req.target = "/cloudapi/1.0.0/sessions";
  login_req.fields = {{"Authorization", basic("admin@org1", "admin-password")}};
  auto session = sim->handle(login_req).response;
  auto legacy = header(session, "x-vcloud-authorization");
  ASSERT_EQ(legacy.size(), 32u);
  auto bearer = header(session, "X-VMWARE-VCLOUD-ACCESS-TOKEN");
  EXPECT_EQ(
    call("GET", gw_path(), "", {{"Authorization", ""}, {"x-vcloud-authorization", legacy}}).status,
    200u);
  // Logout ends the session for both forms.
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/sessions/current", "", {}, bearer).status, 204u);
  EXPECT_EQ(call("GET", gw_path(), "", {}, bearer).status, 401u);
  EXPECT_EQ(
    call("GET", gw_path(), "", {{"Authorization", ""}, {"x-vcloud-authorization", legacy}}).status,
    401u);
}

TEST_F(vcd_sim_gateway, name_lookups_combined_with_other_terms_stay_exact) {
  auto p = make_pool("web");
  make_pool("web2");
  auto q = [&](const std::string& filter) {
    return str(body_of(call("GET", gw_path("/loadBalancer/poolSummaries?filter=" + filter))),
               "resultTotal");
  };
  EXPECT_EQ(q("name==web"), "1");
  EXPECT_EQ(q("name==web;enabled==true"), "1");
  EXPECT_EQ(q("name==web;enabled==false"), "0");
  EXPECT_EQ(q("enabled==true;name==web2"), "1");
  EXPECT_EQ(q("name==web,name==web2"), "2");
  EXPECT_EQ(q("name==nothing"), "0");
}

} // namespace
