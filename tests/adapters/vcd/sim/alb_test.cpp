// Pools and virtual services: validation errors, the VIP sharing rules by API version, SEG
// assignment and capacity, certificates for HTTPS, and usedIpAddresses derived from live
// objects.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_alb : public sim_test {
protected:
  std::string reason_of(const http::response& r) {
    EXPECT_EQ(r.status, 400u) << r.body;
    auto log = sim->request_log();
    return log.empty() ? "" : log.back().reason;
  }

  http::response post_vs(const json::object& body) {
    return post("/cloudapi/1.0.0/loadBalancer/virtualServices", body);
  }
};

TEST_F(vcd_sim_alb, missing_required_fields_are_rejected) {
  auto pool = pool_body("p");
  pool.erase("name");
  EXPECT_EQ(reason_of(post("/cloudapi/1.0.0/loadBalancer/pools", pool)), "missing_field");
  pool = pool_body("p");
  pool.erase("gatewayRef");
  EXPECT_EQ(reason_of(post("/cloudapi/1.0.0/loadBalancer/pools", pool)), "missing_field");
  auto pool_id = make_pool("p");
  for (auto key : {"name", "enabled", "gatewayRef", "loadBalancerPoolRef", "serviceEngineGroupRef",
                   "servicePorts", "applicationProfile"}) {
    auto vs = vs_body("vs", pool_id, "203.0.113.10", 80);
    vs.erase(key);
    EXPECT_EQ(reason_of(post_vs(vs)), "missing_field") << key;
  }
  auto vs = vs_body("vs", pool_id, "203.0.113.10", 80);
  vs.erase("virtualIpAddress");
  EXPECT_EQ(reason_of(post_vs(vs)), "missing_field");
  auto bad = vs_body("vs", pool_id, "203.0.113.10", 80);
  bad["servicePorts"] = json::array{};
  EXPECT_EQ(reason_of(post_vs(bad)), "invalid_value");
  bad = vs_body("vs", pool_id, "203.0.113.10", 70000);
  EXPECT_EQ(reason_of(post_vs(bad)), "invalid_value");
  bad = vs_body("vs", pool_id, "203.0.113.10", 80);
  bad["applicationProfile"] = json::object{{"type", "FTP"}};
  EXPECT_EQ(reason_of(post_vs(bad)), "invalid_value");
  // Nothing was created and no task started for any of them.
  EXPECT_TRUE(sim->find("virtualService", "vs").empty());
  EXPECT_EQ(sim->stats().tasks_started, 1u);
}

TEST_F(vcd_sim_alb, duplicate_pool_and_virtual_service_names_are_rejected) {
  auto p1 = make_pool("p1");
  EXPECT_EQ(reason_of(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p1"))),
            "duplicate_name");
  auto p2 = make_pool("p2");
  make_vs("vs", p1, "203.0.113.10", 80);
  EXPECT_EQ(reason_of(post_vs(vs_body("vs", p2, "203.0.113.11", 80))), "duplicate_name");
  EXPECT_EQ(sim->stats().rejections.at("duplicate_name"), 2u);
}

TEST_F(vcd_sim_alb, a_pool_serves_one_virtual_service_and_cannot_be_deleted_while_used) {
  auto p = make_pool("p");
  auto vs = make_vs("vs1", p, "203.0.113.10", 80);
  EXPECT_EQ(reason_of(post_vs(vs_body("vs2", p, "203.0.113.11", 80))), "pool_in_use");
  EXPECT_EQ(reason_of(call("DELETE", "/cloudapi/1.0.0/loadBalancer/pools/" + p)), "pool_in_use");
  auto pool = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/pools/" + p));
  EXPECT_EQ(str(pool.at("virtualServiceRefs").at(0), "id"), vs);
  EXPECT_EQ(str(pool, "healthStatus"), "UP");
  EXPECT_EQ(str(pool, "memberCount"), "2");
  // The pool summary has no members and no gatewayRef.
  auto summary = body_of(call("GET", gw_path("/loadBalancer/poolSummaries?filter=name==p")));
  EXPECT_EQ(str(summary.at("values").at(0), "members"), "<missing>");
  EXPECT_EQ(str(summary.at("values").at(0), "gatewayRef"), "<missing>");
}

TEST_F(vcd_sim_alb, service_engine_group_must_be_assigned_and_have_room) {
  auto p = make_pool("p");
  auto vs = vs_body("vs", p, "203.0.113.10", 80);
  vs["serviceEngineGroupRef"] = json::object{{"id", "urn:vcloud:serviceEngineGroup:other"}};
  EXPECT_EQ(reason_of(post_vs(vs)), "seg_not_assigned");

  auto s = default_scenario();
  s.orgs[0].vdcs[0].edge_gateways[0].seg_assignments[0].max_virtual_services = 1;
  start(s);
  auto p1 = make_pool("p1");
  auto p2 = make_pool("p2");
  make_vs("vs1", p1, "203.0.113.10", 80);
  auto segs = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/serviceEngineGroups/assignments"
                                  "?filter=gatewayRef.id=="
                                    + gw));
  EXPECT_EQ(str(segs.at("values").at(0), "numDeployedVirtualServices"), "1");
  EXPECT_EQ(reason_of(post_vs(vs_body("vs2", p2, "203.0.113.11", 80))), "seg_full");
}

TEST_F(vcd_sim_alb, https_and_l4_tls_need_a_certificate_from_the_library) {
  auto p = make_pool("p");
  auto vs = vs_body("web", p, "203.0.113.10", 443);
  vs["applicationProfile"] = json::object{{"name", "System-Secure-HTTP"}, {"type", "HTTPS"}};
  vs["servicePorts"] = json::array{json::object{{"portStart", 443}, {"sslEnabled", true}}};
  EXPECT_EQ(reason_of(post_vs(vs)), "missing_certificate");
  vs["certificateRef"] = json::object{{"id", "urn:vcloud:certificateLibraryItem:nope"}};
  EXPECT_EQ(reason_of(post_vs(vs)), "missing_certificate");
  auto certs =
    body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?filter=alias==vcdlb-sim-cert"));
  auto cert_id = str(certs.at("values").at(0), "id");
  vs["certificateRef"] = json::object{{"id", cert_id}};
  auto r = post_vs(vs);
  EXPECT_EQ(r.status, 202u) << r.body;
  finish_tasks();
  auto stored = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/"
                                      + sim->find("virtualService", "web").at(0)));
  EXPECT_EQ(str(stored, "certificateRef.name"), "vcdlb-sim-cert");
  // A certificate in use cannot be deleted.
  EXPECT_EQ(reason_of(call("DELETE", "/cloudapi/1.0.0/ssl/certificateLibrary/" + cert_id)),
            "in_use");
}

TEST_F(vcd_sim_alb, from_api_37_only_an_overlapping_vip_protocol_port_is_rejected) {
  auto p1 = make_pool("p1");
  auto p2 = make_pool("p2");
  auto p3 = make_pool("p3");
  auto p4 = make_pool("p4");
  make_vs("vs-80", p1, "203.0.113.10", 80);
  // Same VIP, another port: fine on 10.4+.
  EXPECT_FALSE(make_vs("vs-443", p2, "203.0.113.10", 443).empty());
  // Same VIP, same port, UDP: another protocol, fine.
  EXPECT_FALSE(make_vs("vs-80-udp", p3, "203.0.113.10", 80, "UDP_FAST_PATH").empty());
  // Same VIP, same TCP port: rejected.
  EXPECT_EQ(reason_of(post_vs(vs_body("vs-80-again", p4, "203.0.113.10", 80))),
            "vip_port_conflict");
  // A port range that covers 443 overlaps as well.
  auto ranged = vs_body("vs-range", p4, "203.0.113.10", 440);
  ranged["servicePorts"].as_array()[0].as_object()["portEnd"] = 450;
  EXPECT_EQ(reason_of(post_vs(ranged)), "vip_port_conflict");
  EXPECT_EQ(sim->stats().rejections.at("vip_port_conflict"), 2u);
}

TEST_F(vcd_sim_alb, before_api_37_a_second_virtual_service_on_a_used_vip_is_rejected) {
  auto s = default_scenario();
  s.api_version = "36.2";
  start(s);
  auto p1 = make_pool("p1");
  auto p2 = make_pool("p2");
  make_vs("vs-80", p1, "203.0.113.10", 80);
  EXPECT_EQ(reason_of(post_vs(vs_body("vs-443", p2, "203.0.113.10", 443))), "duplicate_vip");
  EXPECT_FALSE(make_vs("vs-other-ip", p2, "203.0.113.11", 443).empty());
}

TEST_F(vcd_sim_alb, the_vip_of_a_shared_virtual_service_cannot_change) {
  auto p1 = make_pool("p1");
  auto p2 = make_pool("p2");
  auto a = make_vs("a", p1, "203.0.113.10", 80);
  make_vs("b", p2, "203.0.113.10", 443);
  auto body = body_of(call("GET", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + a));
  body.as_object()["virtualIpAddress"] = "203.0.113.12";
  EXPECT_EQ(reason_of(put("/cloudapi/1.0.0/loadBalancer/virtualServices/" + a, body)),
            "shared_vip_change");
  // Echoed read-only fields are accepted on a PUT of the GET body.
  body.as_object()["virtualIpAddress"] = "203.0.113.10";
  body.as_object()["servicePorts"].as_array()[0].as_object()["portStart"] = 8080;
  EXPECT_EQ(put("/cloudapi/1.0.0/loadBalancer/virtualServices/" + a, body).status, 202u);
}

TEST_F(vcd_sim_alb, used_ip_addresses_follow_live_objects) {
  auto used = [&] {
    std::vector<std::string> out;
    auto page = body_of(call("GET", gw_path("/usedIpAddresses?pageSize=128")));
    for (const auto& v : page.at("values").as_array())
      out.push_back(str(v, "ipAddress") + "/" + str(v, "category"));
    return out;
  };
  EXPECT_EQ(used(), (std::vector<std::string>{"203.0.113.2/PRIMARY_IP"}));
  auto p = make_pool("p");
  auto vs = make_vs("vs", p, "203.0.113.10", 80);
  auto p2 = make_pool("p2");
  make_vs("vs-internal", p2, "192.168.8.2", 80); // one-arm VIP: not an allocated IP
  post(gw_path("/nat/rules"), json::object{{"name", "dnat"},
                                           {"ruleType", "DNAT"},
                                           {"externalAddresses", "203.0.113.11"},
                                           {"internalAddresses", "192.168.8.2"},
                                           {"dnatExternalPort", "80"}});
  finish_tasks();
  EXPECT_EQ(used(), (std::vector<std::string>{"203.0.113.2/PRIMARY_IP",
                                              "203.0.113.10/Load_Balancer", "203.0.113.11/DNAT"}));
  auto gateway = body_of(call("GET", gw_path()));
  auto subnet = gateway.at("edgeGatewayUplinks").at(0).at("subnets").at("values").at(0);
  EXPECT_EQ(str(subnet, "totalIpCount"), "241");
  EXPECT_EQ(str(subnet, "usedIpCount"), "2");
  call("DELETE", "/cloudapi/1.0.0/loadBalancer/virtualServices/" + vs);
  finish_tasks();
  EXPECT_EQ(used(), (std::vector<std::string>{"203.0.113.2/PRIMARY_IP", "203.0.113.11/DNAT"}));
}

} // namespace
