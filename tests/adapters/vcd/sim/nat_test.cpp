// NAT rules (cursor paging, version checks, gateway-owned tasks) and application port
// profiles (scope, filters, duplicates, in-use protection).

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_nat : public sim_test {
protected:
  json::object dnat(const std::string& name, const std::string& ext) {
    return {{"name", name},
            {"ruleType", "DNAT"},
            {"externalAddresses", ext},
            {"internalAddresses", "192.168.8.2"},
            {"dnatExternalPort", "80"}};
  }

  std::string org_id() const { return default_scenario().orgs[0].id; }

  json::object profile(const std::string& name, const std::string& port) {
    return {{"name", name},
            {"scope", "TENANT"},
            {"orgRef", json::object{{"id", org_id()}}},
            {"contextEntityId", default_scenario().orgs[0].vdcs[0].id},
            {"applicationPorts",
             json::array{json::object{{"protocol", "TCP"},
                                      {"destinationPorts", json::array{port.c_str()}}}}}};
  }
};

TEST_F(vcd_sim_nat, create_is_owned_by_the_gateway_and_ids_are_not_urns) {
  auto r = post(gw_path("/nat/rules"), dnat("dnat-a", "203.0.113.10"));
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(str(task_json(r), "owner.id"), gw);
  finish_tasks();
  auto page = body_of(call("GET", gw_path("/nat/rules")));
  auto rule = page.at("values").at(0);
  EXPECT_EQ(str(rule, "id").find("urn:"), std::string::npos);
  EXPECT_EQ(str(rule, "type"), "DNAT");
  EXPECT_EQ(str(rule, "ruleType"), "DNAT");
  EXPECT_EQ(str(rule, "version.version"), "0");
  // Names are not unique on NAT rules.
  EXPECT_EQ(post(gw_path("/nat/rules"), dnat("dnat-a", "203.0.113.10")).status, 202u);
  // DNAT external addresses must come from the gateway's allocation.
  finish_tasks();
  auto bad = post(gw_path("/nat/rules"), dnat("x", "8.8.8.8"));
  EXPECT_EQ(bad.status, 400u);
}

TEST_F(vcd_sim_nat, cursor_paging_follows_link_next_page_only) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(post(gw_path("/nat/rules"), dnat("r" + std::to_string(i), "203.0.113.10")).status,
              202u);
    finish_tasks();
  }
  std::vector<std::string> names;
  std::string target = gw_path("/nat/rules?pageSize=2");
  int pages = 0;
  while (!target.empty() && pages < 10) {
    auto r = call("GET", target);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto j = body_of(r);
    EXPECT_EQ(str(j, "resultTotal"), "<missing>"); // no page counters on cursor lists
    for (const auto& v : j.at("values").as_array())
      names.push_back(str(v, "name"));
    target.clear();
    auto link = header(r, "Link");
    if (!link.empty()) {
      EXPECT_NE(link.find("rel=\"nextPage\""), std::string::npos);
      auto start = link.find('<') + 1;
      auto url = link.substr(start, link.find('>') - start);
      EXPECT_NE(url.find("cursor="), std::string::npos);
      target = url.substr(std::string{"https://vcd.test"}.size());
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
  // Filters are not supported on this endpoint.
  EXPECT_EQ(call("GET", gw_path("/nat/rules?filter=name==r0")).status, 400u);
}

TEST_F(vcd_sim_nat, updates_need_the_current_version) {
  post(gw_path("/nat/rules"), dnat("d", "203.0.113.10"));
  finish_tasks();
  auto rule = body_of(call("GET", gw_path("/nat/rules"))).at("values").at(0).as_object();
  auto path = gw_path("/nat/rules/" + str(rule, "id"));
  auto no_version = rule;
  no_version.erase("version");
  auto r = put(path, no_version);
  EXPECT_EQ(r.status, 400u);
  auto stale = rule;
  stale["version"] = json::object{{"version", 7}};
  EXPECT_EQ(put(path, stale).status, 400u);
  EXPECT_EQ(sim->stats().rejections.at("stale_version"), 2u);
  rule["externalAddresses"] = "203.0.113.11";
  EXPECT_EQ(put(path, rule).status, 202u);
  finish_tasks();
  auto now = body_of(call("GET", path));
  EXPECT_EQ(str(now, "version.version"), "1");
  EXPECT_EQ(str(now, "externalAddresses"), "203.0.113.11");
  // The old version is stale now.
  EXPECT_EQ(put(path, rule).status, 400u);
  EXPECT_EQ(call("DELETE", path).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("GET", path).status, 404u);
}

TEST_F(vcd_sim_nat, app_port_profiles_filter_by_name_and_scope_and_reject_duplicates) {
  auto r = post("/cloudapi/1.0.0/applicationPortProfiles", profile("appPort_dnat-x", "80"));
  ASSERT_EQ(r.status, 202u) << r.body;
  // Profiles lock no gateway.
  EXPECT_EQ(post("/cloudapi/1.0.0/loadBalancer/pools", pool_body("p")).status, 202u);
  finish_tasks();
  auto page = body_of(call("GET", "/cloudapi/1.0.0/applicationPortProfiles"
                                  "?filter=name==appPort_dnat-x;scope==TENANT"));
  ASSERT_EQ(str(page, "resultTotal"), "1");
  auto p = page.at("values").at(0);
  EXPECT_EQ(str(p, "usableForNAT"), "true");
  EXPECT_EQ(str(p, "contextEntityId"), "<missing>"); // write-only
  // The SYSTEM profiles exist too and are excluded by the scope filter.
  auto all = body_of(call("GET", "/cloudapi/1.0.0/applicationPortProfiles?pageSize=128"));
  EXPECT_EQ(str(all, "resultTotal"), "4");
  auto by_context =
    body_of(call("GET", "/cloudapi/1.0.0/applicationPortProfiles?filter=_context=="
                          + default_scenario().orgs[0].vdcs[0].id + ";scope==TENANT"));
  EXPECT_EQ(str(by_context, "resultTotal"), "1");
  auto dup = post("/cloudapi/1.0.0/applicationPortProfiles", profile("appPort_dnat-x", "81"));
  EXPECT_EQ(dup.status, 400u);
  EXPECT_EQ(sim->stats().rejections.at("duplicate_name"), 1u);
  // In use by a DNAT rule: cannot be deleted.
  auto rule = dnat("dnat-x", "203.0.113.10");
  rule["applicationPortProfile"] = json::object{{"id", str(p, "id")}};
  ASSERT_EQ(post(gw_path("/nat/rules"), rule).status, 202u);
  finish_tasks();
  auto listed = body_of(call("GET", gw_path("/nat/rules"))).at("values").at(0);
  EXPECT_EQ(str(listed, "applicationPortProfile.name"), "appPort_dnat-x");
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/applicationPortProfiles/" + str(p, "id")).status, 400u);
}

TEST_F(vcd_sim_nat, counts_dnat_rules_that_overlap_on_address_protocol_and_port) {
  auto make_profile = [&](const std::string& name, const char* proto, const char* port) {
    auto body = profile(name, port);
    body["applicationPorts"].as_array()[0].as_object()["protocol"] = proto;
    auto r = post("/cloudapi/1.0.0/applicationPortProfiles", body);
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    return sim->find("appPortProfile", name).at(0);
  };
  auto tcp80 = make_profile("tcp80", "TCP", "80");
  auto udp80 = make_profile("udp80", "UDP", "80");
  auto tcp81 = make_profile("tcp81", "TCP", "81");
  auto rule = [&](const std::string& name, const std::string& ext, const std::string& port,
                  const std::string& profile_id) {
    auto body = dnat(name, ext);
    if (port.empty())
      body.erase("dnatExternalPort");
    else
      body["dnatExternalPort"] = port;
    body["applicationPortProfile"] = json::object{{"id", profile_id}};
    auto r = post(gw_path("/nat/rules"), body);
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
  };
  rule("a", "203.0.113.10", "80", tcp80);
  rule("b", "203.0.113.10", "80", udp80); // other protocol
  rule("c", "203.0.113.11", "80", tcp80); // other address
  rule("d", "203.0.113.10", "81", tcp81); // other port
  EXPECT_EQ(sim->stats().dnat_overlaps, 0u);
  // Moving d onto a's port is accepted (NSX does) but counted.
  auto rules = body_of(call("GET", gw_path("/nat/rules"))).at("values").as_array();
  json::object d;
  for (const auto& r : rules)
    if (str(r, "name") == "d")
      d = r.as_object();
  d["dnatExternalPort"] = "80";
  d["applicationPortProfile"] = json::object{{"id", tcp80}};
  EXPECT_EQ(put(gw_path("/nat/rules/" + str(d, "id")), d).status, 202u);
  finish_tasks();
  EXPECT_EQ(sim->stats().dnat_overlaps, 1u);
  // Without dnatExternalPort the profile's port is matched.
  rule("e", "203.0.113.11", "", tcp80);
  EXPECT_EQ(sim->stats().dnat_overlaps, 2u);
  EXPECT_EQ(str(sim->stats_json(), "dnat_overlaps"), "2");
  // An SNAT rule is no listener.
  auto snat = dnat("s", "203.0.113.10");
  snat["ruleType"] = "SNAT";
  snat.erase("dnatExternalPort");
  EXPECT_EQ(post(gw_path("/nat/rules"), snat).status, 202u);
  EXPECT_EQ(sim->stats().dnat_overlaps, 2u);
}

} // namespace
