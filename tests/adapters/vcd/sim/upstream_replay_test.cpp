// The upstream provider's call sequence (upstream-cpi.md §1.6, §2.1, §2.4 mode A, §2.10)
// for a 2-port Service, replayed against the simulator: every step answers as the upstream
// code expects. Also its RDE bookkeeping (GET, PUT with If-Match, 412 on a stale ETag).

#include <set>

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_upstream : public sim_test {
protected:
  // The upstream provider sends the org URN as tenant context on every call.
  http::response cpi(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    return call(method, target, body,
                {{"X-VMWARE-VCLOUD-TENANT-CONTEXT", default_scenario().orgs[0].id}});
  }

  json::value cpi_json(const std::string& target) {
    auto r = cpi("GET", target);
    EXPECT_EQ(r.status, 200u) << target << " " << r.body;
    return body_of(r);
  }

  // govcd WaitTaskCompletion: poll the Location until the task is no longer running.
  void wait(const http::response& accepted) {
    ASSERT_EQ(accepted.status, 202u) << accepted.body;
    for (int i = 0; i < 10; ++i) {
      auto path = header(accepted, "Location").substr(std::string{"https://vcd.test"}.size());
      auto t = cpi("GET", path);
      ASSERT_EQ(t.status, 200u);
      auto j = body_of(t);
      if (str(j, "status") == "success")
        return;
      ASSERT_EQ(str(j, "status"), "running");
      clock.advance(40ms);
    }
    FAIL() << "task did not finish";
  }

  size_t count(const std::string& target) {
    return body_of(cpi("GET", target)).at("values").as_array().size();
  }
};

TEST_F(vcd_sim_upstream, mode_a_two_port_create_and_delete) {
  auto org = default_scenario().orgs[0];
  // Startup: org and VDC lookups (govcd GetOrgByName / GetVDCByNameOrId, XML).
  auto orgs = call("GET", "/api/org", "", {{"Accept", "application/*+xml;version=37.2"}});
  ASSERT_EQ(orgs.status, 200u);
  auto org_uuid = org.id.substr(org.id.rfind(':') + 1);
  auto org_xml =
    call("GET", "/api/org/" + org_uuid, "", {{"Accept", "application/*+xml;version=37.2"}});
  ASSERT_EQ(org_xml.status, 200u);
  auto vdc_uuid = org.vdcs[0].id.substr(org.vdcs[0].id.rfind(':') + 1);
  ASSERT_EQ(
    call("GET", "/api/vdc/" + vdc_uuid, "", {{"Accept", "application/*+xml;version=37.2"}}).status,
    200u);
  // RDE status upgrade: GET, then PUT with If-Match.
  auto rde_path = "/cloudapi/1.0.0/entities/" + org.defined_entities[0].id;
  auto rde = cpi("GET", rde_path);
  ASSERT_EQ(rde.status, 200u);
  auto etag = header(rde, "ETag");
  auto rde_body = body_of(rde).as_object();
  rde_body["entity"].as_object()["status"].as_object()["cpi"] =
    json::object{{"name", "cloud-controller-manager"}, {"version", "1.6.0"}};
  auto put_rde = call("PUT", rde_path, json::serialize(rde_body),
                      {{"If-Match", etag}, {"X-VMWARE-VCLOUD-TENANT-CONTEXT", org.id}});
  ASSERT_EQ(put_rde.status, 200u) << put_rde.body;
  EXPECT_NE(header(put_rde, "ETag"), etag);
  // A stale ETag is 412; the upstream provider re-GETs and retries.
  EXPECT_EQ(call("PUT", rde_path, json::serialize(rde_body), {{"If-Match", etag}}).status, 412u);

  // Gateway from the network: page through orgVdcNetworks until an empty page.
  std::string net_id;
  for (int page = 1; page < 5; ++page) {
    auto j =
      cpi_json("/cloudapi/1.0.0/orgVdcNetworks?page=" + std::to_string(page) + "&pageSize=32");
    if (j.at("values").as_array().empty())
      break;
    for (const auto& n : j.at("values").as_array())
      if (str(n, "name") == "net1")
        net_id = str(n, "id");
  }
  ASSERT_FALSE(net_id.empty());
  auto net = cpi_json("/cloudapi/1.0.0/orgVdcNetworks/" + net_id);
  EXPECT_EQ(str(net, "backingNetworkType"), "NSXT_FLEXIBLE_SEGMENT");
  auto gwid = str(net, "connection.routerRef.id");
  ASSERT_EQ(gwid, gw);
  auto vsum = gw_path("/loadBalancer/virtualServiceSummaries");

  const std::string cluster = "cluster1";
  std::vector<std::pair<std::string, int>> ports{{"http", 80}, {"https", 443}};
  for (auto& [name, port] : ports) {
    auto vs = "ingress-vs-svc-" + cluster + "-" + name;
    EXPECT_EQ(count(vsum + "?page=1&pageSize=25&filter=name==" + vs), 0u);
    EXPECT_EQ(cpi("GET", gw_path("/nat/rules?pageSize=128")).status, 200u);
  }
  // IPAM: gateway ranges minus used IPs (paged until empty).
  auto g = cpi_json(gw_path());
  EXPECT_EQ(str(g, "status"), "REALIZED");
  std::set<std::string> used;
  for (int page = 1; page < 5; ++page) {
    auto j = cpi_json(gw_path("/usedIpAddresses?page=" + std::to_string(page) + "&pageSize=25"));
    if (j.at("values").as_array().empty())
      break;
    for (const auto& u : j.at("values").as_array())
      used.insert(str(u, "ipAddress"));
  }
  auto range = g.at("edgeGatewayUplinks").at(0).at("subnets").at("values").at(0).at("ipRanges");
  auto external_ip = str(range.at("values").at(0), "startAddress");
  ASSERT_EQ(used.count(external_ip), 0u);

  int internal = 2;
  for (auto& [name, port] : ports) {
    auto vs = "ingress-vs-svc-" + cluster + "-" + name;
    auto pool = "ingress-pool-svc-" + cluster + "-" + name;
    auto dnat = "dnat-" + vs;
    auto app = "appPort_" + dnat;
    auto internal_ip = "192.168.8." + std::to_string(internal++);
    EXPECT_EQ(count(vsum + "?filter=name==" + vs), 0u);
    EXPECT_EQ(
      count("/cloudapi/1.0.0/applicationPortProfiles?filter=name==" + app + ";scope==TENANT"), 0u);
    wait(cpi("POST", "/cloudapi/1.0.0/applicationPortProfiles",
             json::serialize(json::object{
               {"name", app},
               {"description", "App Port Profile [" + app + "]"},
               {"applicationPorts",
                json::array{json::object{{"protocol", "TCP"},
                                         {"destinationPorts", json::array{std::to_string(port)}}}}},
               {"orgRef", json::object{{"name", org.name}, {"id", org.id}}},
               {"contextEntityId", org.vdcs[0].id},
               {"scope", "TENANT"}})));
    auto profile = body_of(cpi("GET", "/cloudapi/1.0.0/applicationPortProfiles?filter=name==" + app
                                        + ";scope==TENANT"))
                     .at("values")
                     .at(0);
    wait(
      cpi("POST", gw_path("/nat/rules"),
          json::serialize(json::object{
            {"name", dnat},
            {"enabled", true},
            {"ruleType", "DNAT"},
            {"externalAddresses", external_ip},
            {"internalAddresses", internal_ip},
            {"dnatExternalPort", std::to_string(port)},
            {"applicationPortProfile", json::object{{"name", app}, {"id", str(profile, "id")}}}})));
    auto segs = cpi_json("/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"
                         "?page=1&pageSize=25&filter=gatewayRef.id=="
                         + gw);
    auto seg_ref = segs.at("values").at(0).at("serviceEngineGroupRef");
    EXPECT_EQ(count(gw_path("/loadBalancer/poolSummaries?page=1&pageSize=25&filter=name==" + pool)),
              0u);
    auto pb = pool_body(pool);
    pb["gracefulTimeoutPeriod"] = 0;
    wait(cpi("POST", "/cloudapi/1.0.0/loadBalancer/pools", json::serialize(pb)));
    auto pool_summary =
      cpi_json(gw_path("/loadBalancer/poolSummaries?page=1&pageSize=25&filter=name==" + pool))
        .at("values")
        .at(0);
    auto vb = vs_body(vs, str(pool_summary, "id"), internal_ip, port);
    vb["serviceEngineGroupRef"] = seg_ref;
    wait(cpi("POST", "/cloudapi/1.0.0/loadBalancer/virtualServices", json::serialize(vb)));
    auto created = cpi_json(vsum + "?page=1&pageSize=25&filter=name==" + vs).at("values").at(0);
    EXPECT_EQ(str(created, "healthStatus"), "UP");
  }
  // Both DNAT rules hold the one external IP; it is now used.
  auto after = cpi_json(gw_path("/usedIpAddresses?page=1&pageSize=25"));
  bool seen = false;
  for (const auto& u : after.at("values").as_array())
    seen = seen || (str(u, "ipAddress") == external_ip && str(u, "category") == "DNAT");
  EXPECT_TRUE(seen);

  // Delete in reverse: VS -> pool -> DNAT -> app port profile, each checked REALIZED first.
  for (auto& [name, port] : ports) {
    auto vs = "ingress-vs-svc-" + cluster + "-" + name;
    auto v = cpi_json(vsum + "?filter=name==" + vs).at("values").at(0);
    ASSERT_EQ(str(v, "status"), "REALIZED");
    wait(cpi("DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + str(v, "id")));
    auto p = cpi_json(gw_path("/loadBalancer/poolSummaries?filter=name==ingress-pool-svc-" + cluster
                              + "-" + name))
               .at("values")
               .at(0);
    wait(cpi("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + str(p, "id")));
    auto rules = cpi_json(gw_path("/nat/rules?pageSize=128"));
    for (const auto& r : rules.at("values").as_array())
      if (str(r, "name") == "dnat-" + vs)
        wait(cpi("DELETE", gw_path("/nat/rules/" + str(r, "id"))));
    auto app = cpi_json("/cloudapi/1.0.0/applicationPortProfiles?filter=name==appPort_dnat-" + vs
                        + ";scope==TENANT")
                 .at("values")
                 .at(0);
    wait(cpi("DELETE", "/cloudapi/1.0.0/applicationPortProfiles/" + str(app, "id")));
  }
  auto d = sim->dump();
  EXPECT_TRUE(d.at("virtual_services").as_array().empty());
  EXPECT_TRUE(d.at("pools").as_array().empty());
  EXPECT_TRUE(d.at("nat_rules").as_array().empty());
  EXPECT_EQ(d.at("app_port_profiles").as_array().size(), 3u); // SYSTEM ones remain
  auto st = sim->stats();
  EXPECT_EQ(st.tasks_started, 16u);
  EXPECT_EQ(st.tasks_failed, 0u);
  EXPECT_EQ(st.rejections.count("busy_entity"), 0u);
}

} // namespace
