// Paged lists: the page envelope, pageSize cap, Link headers, FIQL filters and their
// errors, sorting, and the lookups from network to gateway.

#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;

class vcd_sim_lists : public sim_test {
protected:
  void add_certs(int n) {
    auto pem = default_scenario().orgs[0].certificates[0].certificate_pem;
    for (int i = 0; i < n; ++i) {
      char alias[16];
      std::snprintf(alias, sizeof(alias), "c%02d", i);
      auto r = post("/cloudapi/1.0.0/ssl/certificateLibrary",
                    json::object{{"alias", alias}, {"certificate", pem}, {"privateKey", "secret"}});
      ASSERT_EQ(r.status, 201u) << r.body;
    }
  }
};

TEST_F(vcd_sim_lists, page_envelope_and_link_headers) {
  add_certs(29); // 30 with the scenario's own
  auto r = call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?page=2&pageSize=10");
  ASSERT_EQ(r.status, 200u);
  auto j = body_of(r);
  EXPECT_EQ(str(j, "resultTotal"), "30");
  EXPECT_EQ(str(j, "pageCount"), "3");
  EXPECT_EQ(str(j, "page"), "2");
  EXPECT_EQ(str(j, "pageSize"), "10");
  EXPECT_EQ(j.at("values").as_array().size(), 10u);
  EXPECT_TRUE(j.at("associations").is_array());
  std::string links;
  for (const auto& [k, v] : r.fields)
    if (k == "Link")
      links += v + "\n";
  EXPECT_NE(links.find("page=3&pageSize=10>;rel=\"nextPage lastPage\""), std::string::npos)
    << links;
  EXPECT_NE(links.find("page=1&pageSize=10>;rel=\"firstPage previousPage\""), std::string::npos);
  // Past the end: an empty page (the CPI loops until one), never an error.
  auto past = body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?page=4&pageSize=10"));
  EXPECT_TRUE(past.at("values").as_array().empty());
  // Defaults: page 1, 25 per page. privateKey is never returned.
  auto first = body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary"));
  EXPECT_EQ(str(first, "pageSize"), "25");
  EXPECT_EQ(str(first.at("values").at(1), "privateKey"), "<missing>");
}

TEST_F(vcd_sim_lists, page_size_is_capped_at_128_or_rejected_when_configured) {
  auto j = body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?pageSize=500"));
  EXPECT_EQ(str(j, "pageSize"), "128");
  auto s = default_scenario();
  s.reject_oversized_page = true;
  start(s);
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?pageSize=500").status, 400u);
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?pageSize=128").status, 200u);
}

TEST_F(vcd_sim_lists, fiql_filters_on_searchable_fields_only) {
  add_certs(5);
  auto count = [&](const std::string& q) {
    return str(body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?" + q)), "resultTotal");
  };
  EXPECT_EQ(count("filter=alias==c01"), "1");
  EXPECT_EQ(count("filter=alias==c01,alias==c03"), "2");
  EXPECT_EQ(count("filter=(alias==c01,alias==c03);alias==c03"), "1");
  EXPECT_EQ(count("filter=alias!=c01"), "5");
  EXPECT_EQ(count("filter=alias%3D%3Dc02"), "1"); // the query value itself is percent-decoded
  auto r = call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?filter=certificate==x");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(str(body_of(r), "message").find("not searchable"), std::string::npos);
  r = call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?filter=alias==(");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(str(body_of(r), "message").find("Cannot parse the supplied filter"), std::string::npos);
  EXPECT_EQ(sim->stats().rejections.at("bad_filter"), 2u);
  // filterEncoded lets a value carry a comma.
  auto pem = default_scenario().orgs[0].certificates[0].certificate_pem;
  post("/cloudapi/1.0.0/ssl/certificateLibrary",
       json::object{{"alias", "a,b"}, {"certificate", pem}});
  EXPECT_EQ(count("filter=alias==a%252Cb&filterEncoded=true"), "1");
}

TEST_F(vcd_sim_lists, sorting) {
  add_certs(3);
  auto j = body_of(call("GET", "/cloudapi/1.0.0/ssl/certificateLibrary?sortDesc=alias"));
  EXPECT_EQ(str(j.at("values").at(0), "alias"), "vcdlb-sim-cert");
  EXPECT_EQ(str(j.at("values").at(1), "alias"), "c02");
}

TEST_F(vcd_sim_lists, network_lookup_resolves_the_gateway_like_the_upstream_provider) {
  auto nets = body_of(call("GET", "/cloudapi/1.0.0/orgVdcNetworks?page=1&pageSize=32"));
  ASSERT_EQ(str(nets, "resultTotal"), "1");
  auto net_id = str(nets.at("values").at(0), "id");
  auto net = body_of(call("GET", "/cloudapi/1.0.0/orgVdcNetworks/" + net_id));
  EXPECT_EQ(str(net, "connection.routerRef.id"), gw);
  EXPECT_EQ(str(net, "connection.routerRef.name"), "edge-1");
  EXPECT_EQ(str(net, "orgVdc.name"), "vdc1");
  auto by_name =
    body_of(call("GET", "/cloudapi/1.0.0/edgeGateways?filter=name==edge-1;ownerRef.id=="
                          + str(net, "orgVdc.id")));
  EXPECT_EQ(str(by_name, "resultTotal"), "1");
  auto accessible =
    body_of(call("GET", "/cloudapi/1.0.0/edgeGateways?filter=_context==includeAccessible"));
  EXPECT_EQ(str(accessible, "resultTotal"), "1");
  // govcd's GetOrgByName: /api/org then the org's href.
  auto orgs = call("GET", "/api/org", "", {{"Accept", "application/*+xml;version=37.2"}});
  ASSERT_EQ(orgs.status, 200u);
  auto uuid = default_scenario().orgs[0].id.substr(default_scenario().orgs[0].id.rfind(':') + 1);
  EXPECT_NE(orgs.body.find("/api/org/" + uuid + "\" name=\"org1\""), std::string::npos);
  auto org = call("GET", "/api/org/" + uuid, "", {{"Accept", "application/*+xml;version=37.2"}});
  EXPECT_EQ(org.status, 200u);
  EXPECT_NE(org.body.find("name=\"vdc1\""), std::string::npos);
  auto vdcs = body_of(call("GET", "/cloudapi/1.0.0/vdcs?filter=name==vdc1"));
  EXPECT_EQ(str(vdcs, "resultTotal"), "1");
}

} // namespace
