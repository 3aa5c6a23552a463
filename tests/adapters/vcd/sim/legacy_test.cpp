// vApps and VMs through the legacy XML API as VCD clients see them: the query service (types,
// govcd's URL shape, filters with wildcards, visibility, paging and the envelope), VApp and Vm
// entities, XML <Error> bodies on /api, and the /_sim/vms controls. Documents are read back with
// the client's own decoders, so client and simulator agree on the format.

#include <gtest/gtest.h>

#include "adapters/vcd/detail/legacy_xml.hpp"
#include "tests/adapters/vcd/sim/sim_fixture.hpp"

namespace vcdlb::vcd::sim::test {
namespace {

const std::string xml_accept = "application/*+xml;version=37.2";

scenario with_vms() {
  auto s = default_scenario();
  auto& org1 = s.orgs.front();
  auto& vdc1 = org1.vdcs.front();
  vapp_spec a;
  a.name = "cluster1";
  for (int i = 1; i <= 5; ++i) {
    vm_spec m;
    m.name = "node-" + std::to_string(i);
    m.nics.push_back({"net1", "192.168.1." + std::to_string(10 + i), "", "", true});
    a.vms.push_back(std::move(m));
  }
  a.vms[0].nics.push_back({"storage", "172.16.0.11", "", "", false});
  vdc1.vapps.push_back(std::move(a));
  vdc vdc2;
  vdc2.name = "vdc2";
  vapp_spec b;
  b.name = "cluster1_zone2";
  vm_spec m;
  m.name = "node-6";
  m.status = 8;
  m.nics.push_back({"net2", "192.168.2.16", "", "", true});
  b.vms.push_back(std::move(m));
  vdc2.vapps.push_back(std::move(b));
  org1.vdcs.push_back(std::move(vdc2));
  // Another tenant with a VM of the same name: invisible to org1.
  org org2;
  org2.name = "org2";
  vdc v;
  v.name = "vdc-o2";
  vapp_spec c;
  c.name = "cluster1";
  vm_spec n;
  n.name = "node-1";
  c.vms.push_back(std::move(n));
  v.vapps.push_back(std::move(c));
  org2.vdcs.push_back(std::move(v));
  s.orgs.push_back(std::move(org2));
  auto text = to_yaml(s);
  auto parsed = parse_scenario(text); // derives the ids
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : s;
}

class legacy_test : public sim_test {
protected:
  void SetUp() override { start(with_vms()); }

  http::response get(const std::string& target, const std::string& as = "") {
    return call("GET", target, "", {{"Accept", xml_accept}}, as);
  }

  vcd::detail::query_records_page query(const std::string& target, const std::string& as = "") {
    auto r = get(target, as);
    EXPECT_EQ(r.status, 200u) << r.body;
    auto page = vcd::detail::decode_query_records(r.body);
    EXPECT_TRUE(page) << r.body;
    return page ? *page : vcd::detail::query_records_page{};
  }

  static std::string attr(const vcd::detail::query_records_page& p, size_t i,
                          std::string_view key) {
    if (i >= p.records.size())
      return "<no record>";
    auto it = p.records[i].find(key);
    return it == p.records[i].end() ? "<absent>" : it->second;
  }

  std::string vm_path(const std::string& name) {
    auto p = query("/api/query?type=vm&filter=name==" + name);
    auto href = attr(p, 0, "href");
    return href.substr(href.find("/api/"));
  }
};

TEST_F(legacy_test, finds_a_vm_with_the_url_govcd_sends) {
  // Parameters unencoded, a leading empty one, any order (nodes-and-legacy-api.md §3.4).
  auto p =
    query("/api/query?&filterEncoded=true&filter=isVAppTemplate==false;name==node-1&type=vm");
  EXPECT_EQ(p.total, 1) << "org2's node-1 is not visible to org1";
  EXPECT_EQ(p.page, 1);
  EXPECT_EQ(p.page_size, 25);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(attr(p, 0, "_element"), "VMRecord");
  EXPECT_EQ(attr(p, 0, "name"), "node-1");
  EXPECT_EQ(attr(p, 0, "containerName"), "cluster1");
  EXPECT_EQ(attr(p, 0, "vdcName"), "vdc1");
  EXPECT_EQ(attr(p, 0, "status"), "POWERED_ON");
  EXPECT_EQ(attr(p, 0, "ipAddress"), "192.168.1.11");
  EXPECT_EQ(attr(p, 0, "isVAppTemplate"), "false");
  EXPECT_EQ(attr(p, 0, "href").rfind("https://vcd.test/api/vApp/vm-", 0), 0u);
  EXPECT_EQ(attr(p, 0, "vdc").rfind("https://vcd.test/api/vdc/", 0), 0u);
  // And by id, as the upstream provider does for a Node with a providerID.
  auto id = attr(p, 0, "id");
  auto by_id =
    query("/api/query?type=vm&filterEncoded=true&filter=isVAppTemplate==false;id==" + id);
  EXPECT_EQ(attr(by_id, 0, "name"), "node-1");
}

TEST_F(legacy_test, the_provider_sees_every_org_through_admin_types) {
  auto provider = login("administrator@System", "provider-password", true);
  auto p = query("/api/query?type=adminVM&filter=name==node-1", provider);
  EXPECT_EQ(p.total, 2);
  EXPECT_EQ(attr(p, 0, "_element"), "AdminVMRecord");
  auto denied = get("/api/query?type=adminVM&filter=name==node-1");
  EXPECT_EQ(denied.status, 403u);
  auto err = vcd::detail::decode_xml_error(denied.body);
  EXPECT_TRUE(err.ok) << denied.body;
  EXPECT_EQ(err.minor_error_code, "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
}

TEST_F(legacy_test, resolves_the_org_vdc_as_clients_do_at_login) {
  auto p = query("/api/query?type=orgVdc&filterEncoded=true&filter=orgName==org1;name==vdc2");
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(attr(p, 0, "_element"), "OrgVdcRecord");
  EXPECT_EQ(attr(p, 0, "name"), "vdc2");
  auto href = attr(p, 0, "href");
  auto vdc = get(href.substr(href.find("/api/")));
  EXPECT_EQ(vdc.status, 200u);
  EXPECT_NE(vdc.body.find("name=\"vdc2\""), std::string::npos);
  auto provider = login("administrator@System", "provider-password", true);
  auto admin = query("/api/query?type=adminOrgVdc&filter=name==vdc-o2", provider);
  EXPECT_EQ(attr(admin, 0, "_element"), "AdminVdcRecord");
}

TEST_F(legacy_test, vapps_by_name_and_wildcard) {
  auto exact = query("/api/query?type=vApp&filter=name==cluster1");
  ASSERT_EQ(exact.records.size(), 1u);
  auto vapps = vcd::detail::vapp_records(exact);
  ASSERT_TRUE(vapps);
  EXPECT_EQ((*vapps)[0].number_of_vms, 5);
  EXPECT_EQ((*vapps)[0].vdc_name, "vdc1");
  auto prefixed = query("/api/query?type=vApp&filterEncoded=true&filter=name%3D%3Dcluster1*");
  EXPECT_EQ(prefixed.total, 2);
  auto zone = query("/api/query?type=vApp&filterEncoded=true&filter=name==cluster1_*");
  ASSERT_EQ(zone.records.size(), 1u);
  EXPECT_EQ(attr(zone, 0, "vdcName"), "vdc2");
  EXPECT_EQ(attr(zone, 0, "status"), "POWERED_OFF");
  auto either = query(
    "/api/query?type=vm&filter=(name==node-2,name==node-6);isVAppTemplate==false&sortDesc=name");
  ASSERT_EQ(either.records.size(), 2u);
  EXPECT_EQ(attr(either, 0, "name"), "node-6");
  auto not_one = query("/api/query?type=vm&filter=containerName==cluster1;name!=node-1");
  EXPECT_EQ(not_one.total, 4);
}

TEST_F(legacy_test, pages_with_total_and_links) {
  auto first = get("/api/query?type=vm&filter=containerName==cluster1&pageSize=2&sortAsc=name");
  ASSERT_EQ(first.status, 200u);
  EXPECT_NE(first.body.find("rel=\"nextPage\""), std::string::npos);
  EXPECT_EQ(first.body.find("rel=\"previousPage\""), std::string::npos);
  std::vector<std::string> names;
  for (int page = 1; page <= 3; ++page) {
    auto p = query("/api/query?type=vm&filter=containerName==cluster1&pageSize=2&sortAsc=name&page="
                   + std::to_string(page));
    EXPECT_EQ(p.total, 5);
    EXPECT_EQ(p.page, page);
    EXPECT_EQ(p.page_size, 2);
    for (size_t i = 0; i < p.records.size(); ++i)
      names.push_back(attr(p, i, "name"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"node-1", "node-2", "node-3", "node-4", "node-5"}));
  auto clamped = query("/api/query?type=vm&pageSize=1000");
  EXPECT_EQ(clamped.page_size, 128);
}

TEST_F(legacy_test, a_vapp_carries_its_vms_with_nics_and_status) {
  auto p = query("/api/query?type=vApp&filter=name==cluster1");
  auto href = attr(p, 0, "href");
  auto r = get(href.substr(href.find("/api/")));
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(header(r, "Content-Type").find("application/vnd.vmware.vcloud.vApp+xml"),
            std::string::npos);
  auto v = vcd::detail::decode_vapp(r.body);
  ASSERT_TRUE(v) << r.body;
  EXPECT_EQ(v->name, "cluster1");
  EXPECT_EQ(v->status, 4);
  EXPECT_EQ(v->vdc_href.rfind("https://vcd.test/api/vdc/", 0), 0u);
  ASSERT_EQ(v->vms.size(), 5u);
  const auto& n1 = v->vms[0];
  EXPECT_EQ(n1.name, "node-1");
  EXPECT_EQ(n1.id.rfind("urn:vcloud:vm:", 0), 0u);
  EXPECT_EQ(n1.status, 4);
  ASSERT_EQ(n1.nics.size(), 2u);
  EXPECT_EQ(n1.nics[0].ip, "192.168.1.11");
  EXPECT_EQ(n1.nics[1].network, "storage");
  EXPECT_FALSE(n1.nics[1].connected);
  EXPECT_EQ(n1.nics[0].mac.rfind("00:50:56:", 0), 0u);

  auto vm = get(vm_path("node-2"));
  ASSERT_EQ(vm.status, 200u);
  EXPECT_NE(vm.body.find("<Link rel=\"up\" href=\"" + href
                         + "\" type=\"application/vnd.vmware.vcloud.vApp+xml\"/>"),
            std::string::npos)
    << vm.body;
  EXPECT_NE(vm.body.find("<IpAddress>192.168.1.12</IpAddress>"), std::string::npos);
}

TEST_F(legacy_test, controls_power_nics_and_deletion) {
  auto path = vm_path("node-3");
  auto off = call("PATCH", "/_sim/vms/node-3", R"({"status":"POWERED_OFF"})");
  ASSERT_EQ(off.status, 200u) << off.body;
  EXPECT_EQ(str(body_of(off), "status"), "POWERED_OFF");
  EXPECT_NE(get(path).body.find("status=\"8\""), std::string::npos);
  auto q = query("/api/query?type=vm&filter=name==node-3");
  EXPECT_EQ(attr(q, 0, "status"), "POWERED_OFF");
  EXPECT_EQ(attr(query("/api/query?type=vApp&filter=name==cluster1"), 0, "status"), "MIXED");

  auto nics = call(
    "PATCH", "/_sim/vms/node-3",
    R"({"nics":[{"network":"net1","ip":"192.168.1.99"},{"network":"other"}],"primary_nic":1})");
  ASSERT_EQ(nics.status, 200u) << nics.body;
  auto doc = get(path).body;
  EXPECT_NE(doc.find("<IpAddress>192.168.1.99</IpAddress>"), std::string::npos);
  EXPECT_NE(doc.find("<PrimaryNetworkConnectionIndex>1</PrimaryNetworkConnectionIndex>"),
            std::string::npos);
  EXPECT_EQ(call("PATCH", "/_sim/vms/node-3", R"({"primary_nic":5})").status, 400u);
  EXPECT_EQ(call("PATCH", "/_sim/vms/node-3", R"({"status":"SLEEPY"})").status, 400u);
  EXPECT_EQ(call("PATCH", "/_sim/vms/node-1", R"({"status":4})").status, 404u)
    << "node-1 is ambiguous across orgs";

  ASSERT_EQ(call("DELETE", "/_sim/vms/node-3").status, 204u);
  auto gone = get(path);
  EXPECT_EQ(gone.status, 403u);
  auto err = vcd::detail::decode_xml_error(gone.body);
  ASSERT_TRUE(err.ok) << gone.body;
  EXPECT_EQ(err.major_error_code, 403);
  EXPECT_NE(err.message.find("Either you need some or all of the following rights [Base]"),
            std::string::npos);
  EXPECT_NE(err.message.find("to perform operations [VAPP_VM_VIEW]"), std::string::npos);
  EXPECT_NE(err.message.find("target entity is invalid"), std::string::npos);
  EXPECT_EQ(query("/api/query?type=vm&filter=name==node-3").total, 0);
  EXPECT_EQ(call("DELETE", "/_sim/vms/node-3").status, 404u);
}

TEST_F(legacy_test, errors_on_api_paths_are_xml_unless_json_is_asked_for) {
  auto bad_type = get("/api/query?type=vmz");
  EXPECT_EQ(bad_type.status, 400u);
  EXPECT_TRUE(vcd::detail::decode_xml_error(bad_type.body).ok) << bad_type.body;
  auto bad_field = get("/api/query?type=vm&filter=colour==red");
  EXPECT_EQ(bad_field.status, 400u);
  EXPECT_NE(bad_field.body.find("colour"), std::string::npos);
  EXPECT_EQ(get("/api/query?type=vm&filter=name==(").status, 400u);
  EXPECT_EQ(get("/api/query?type=vm&page=0").status, 400u);
  auto unknown = get("/api/vApp/vapp-00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(unknown.status, 403u);
  EXPECT_NE(unknown.body.find("VAPP_VIEW"), std::string::npos);
  auto no_auth = call("GET", "/api/query?type=vm", "",
                      {{"Accept", xml_accept}, {"Authorization", "Bearer nope"}});
  EXPECT_EQ(no_auth.status, 401u);
  EXPECT_TRUE(vcd::detail::decode_xml_error(no_auth.body).ok) << no_auth.body;
  auto json_err =
    call("GET", "/api/query?type=vmz", "", {{"Accept", "application/json;version=37.2"}});
  EXPECT_EQ(json_err.status, 400u);
  EXPECT_EQ(str(body_of(json_err), "minorErrorCode"), "BAD_REQUEST");
  auto cloudapi = call("GET", "/cloudapi/1.0.0/edgeGateways/urn:vcloud:gateway:nope");
  EXPECT_EQ(str(body_of(cloudapi), "minorErrorCode"), "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
}

TEST(legacy_scenario, vapps_round_trip_and_bad_ones_are_refused) {
  auto s = with_vms();
  auto again = parse_scenario(to_yaml(s));
  ASSERT_TRUE(again) << to_yaml(s);
  EXPECT_EQ(to_yaml(*again), to_yaml(s));
  const auto& a = again->orgs.front().vdcs.front().vapps.at(0);
  EXPECT_EQ(a.vms.at(0).nics.size(), 2u);
  EXPECT_EQ(again->orgs.front().vdcs.at(1).vapps.at(0).vms.at(0).status, 8);

  const std::string head = "orgs:\n- name: o\n  vdcs:\n  - name: v\n    vapps:\n";
  EXPECT_FALSE(
    parse_scenario(head + "    - name: a\n      vms:\n      - {name: x, status: SLEEPY}\n"));
  EXPECT_FALSE(
    parse_scenario(head + "    - name: a\n      vms:\n      - {name: x}\n      - {name: x}\n"));
  EXPECT_FALSE(parse_scenario(
    head + "    - name: a\n      vms:\n      - {name: x, primary_nic: 1, nics: [{network: n}]}\n"));
  EXPECT_FALSE(parse_scenario(
    head + "    - name: a\n      vms:\n      - {name: x, nics: [{network: n, ip: not-an-ip}]}\n"));
  EXPECT_FALSE(parse_scenario(head + "    - name: a\n      colour: red\n"));
  auto ok = parse_scenario(head
                           + "    - name: a\n      vms:\n      - {name: x, status: 8, nics: "
                             "[{network: n, ip: 10.0.0.1}]}\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->orgs[0].vdcs[0].vapps[0].vms[0].status, 8);
}

} // namespace
} // namespace vcdlb::vcd::sim::test
