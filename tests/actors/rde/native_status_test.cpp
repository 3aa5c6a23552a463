// status.virtual_IPs of a CSE 3 nativeCluster entity: which VIPs are this cluster's, and how
// one write changes the array (kept: other entries and everything else in the entity).

#include "actors/rde/native_status.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "actors/rde/cpi_status.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
namespace json = boost::json;

std::string native_entity(json::object status) {
  return json::serialize(json::object{
    {"id", "urn:vcloud:entity:cse:nativeCluster:5d2e0000-0000-4000-8000-000000000001"},
    {"entityType", "urn:vcloud:type:cse:nativeCluster:2.0.0"},
    {"name", "native1"},
    {"entity", json::object{{"kind", "native"},
                            {"spec", json::object{{"settings", json::object{{"network", "n1"}}}}},
                            {"status", std::move(status)}}}});
}

json::array vips_in(const std::string& body) {
  return json::parse(body).at("entity").at("status").at("virtual_IPs").as_array();
}

TEST(native_status, the_entity_type_must_be_cse_native_cluster_of_any_version) {
  using rde::cluster_id_kind;
  EXPECT_FALSE(
    rde::check_entity_type("urn:vcloud:type:cse:nativeCluster:1.0.0", cluster_id_kind::native));
  EXPECT_FALSE(
    rde::check_entity_type("urn:vcloud:type:cse:nativeCluster:2.1.0", cluster_id_kind::native));
  auto capvcd =
    rde::check_entity_type("urn:vcloud:type:vmware:capvcdCluster:1.2.0", cluster_id_kind::native);
  ASSERT_TRUE(capvcd);
  EXPECT_NE(describe(capvcd).find("nativeCluster"), std::string::npos) << describe(capvcd);
  EXPECT_TRUE(
    rde::check_entity_type("urn:vcloud:type:cse:nativeCluster:", cluster_id_kind::native));
  EXPECT_TRUE(rde::check_entity_type("urn:vcloud:type:cse:nativeCluster", cluster_id_kind::native));
  // And a capvcd id still refuses a native entity.
  EXPECT_TRUE(
    rde::check_entity_type("urn:vcloud:type:cse:nativeCluster:2.0.0", cluster_id_kind::capvcd));
}

TEST(native_status, virtual_ips_are_the_external_ips_clients_use) {
  lb_objects o;
  // Two-arm: the virtual service's own VIP.
  virtual_service_desc a;
  a.name = "a";
  a.vip = "203.0.113.10";
  a.port = 80;
  // One-arm: the DNAT rule's external address in front of the internal VIP.
  virtual_service_desc b;
  b.name = "b";
  b.vip = "192.168.8.2";
  b.port = 443;
  dnat_rule_desc d;
  d.name = "b-dnat";
  d.internal_ip = "192.168.8.2";
  d.port = 443;
  d.external_ip = "203.0.113.11";
  // A second port of the same Service: one VIP.
  virtual_service_desc a2 = a;
  a2.name = "a2";
  a2.port = 8080;
  o.virtual_services = {a, b, a2};
  o.dnat_rules = {d};
  EXPECT_EQ(rde::virtual_ips_of(o), (std::set<std::string>{"203.0.113.10", "203.0.113.11"}));
  EXPECT_TRUE(rde::virtual_ips_of(lb_objects{}).empty());
}

TEST(native_status, owned_vips_are_added_retired_ones_dropped_and_others_kept) {
  json::object status{{"phase", "CREATE:SUCCEEDED"},
                      {"nodes", json::object{{"master", json::object{{"ip", "10.0.0.2"}}}}},
                      {"virtual_IPs", json::array{"198.51.100.7", "203.0.113.10", "203.0.113.9",
                                                  "203.0.113.10", 42}}};
  auto body = native_entity(status);
  rde::vip_change c;
  c.owned = {"203.0.113.10", "203.0.113.12"};
  c.retired = {"203.0.113.9"};
  auto out = rde::apply_virtual_ips(body, c);
  ASSERT_TRUE(out) << describe(out.error());
  ASSERT_TRUE(*out);
  EXPECT_EQ(vips_in(**out), (json::array{"198.51.100.7", "203.0.113.10", 42, "203.0.113.12"}))
    << "a user's entry and a non-string stay in place; the duplicate goes; the new one is "
       "appended";
  auto doc = json::parse(**out);
  auto before = json::parse(body);
  EXPECT_EQ(doc.at("entity").at("spec"), before.at("entity").at("spec"));
  EXPECT_EQ(doc.at("entity").at("status").at("nodes"),
            before.at("entity").at("status").at("nodes"));
  EXPECT_EQ(doc.at("entity").at("status").at("phase"), "CREATE:SUCCEEDED");
  EXPECT_FALSE(doc.at("entity").at("status").as_object().contains("cpi"))
    << "upstream writes no status.cpi into a native entity";
  // Applying the same again changes nothing: no write.
  auto again = rde::apply_virtual_ips(**out, c);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto read = rde::read_virtual_ips(**out);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, (std::vector<std::string>{"198.51.100.7", "203.0.113.10", "203.0.113.12"}));
}

TEST(native_status, the_array_is_made_when_needed_and_emptied_when_all_vips_are_gone) {
  auto body = native_entity(json::object{{"phase", "CREATE:SUCCEEDED"}});
  rde::vip_change none;
  auto unchanged = rde::apply_virtual_ips(body, none);
  ASSERT_TRUE(unchanged);
  EXPECT_FALSE(*unchanged) << "no VIPs and no array: nothing to write";
  rde::vip_change one;
  one.owned = {"203.0.113.10"};
  auto made = rde::apply_virtual_ips(body, one);
  ASSERT_TRUE(made && *made);
  EXPECT_EQ(vips_in(**made), (json::array{"203.0.113.10"}));
  rde::vip_change gone;
  gone.retired = {"203.0.113.10"};
  auto emptied = rde::apply_virtual_ips(**made, gone);
  ASSERT_TRUE(emptied && *emptied);
  EXPECT_TRUE(vips_in(**emptied).empty());
}

TEST(native_status, malformed_entities_are_errors) {
  rde::vip_change c;
  c.owned = {"203.0.113.10"};
  for (const std::string& body :
       {std::string{"not json"}, std::string{"[]"}, std::string{R"({"entity": 1})"},
        std::string{R"({"entity": {"kind": "native"}})"},
        native_entity(json::object{{"virtual_IPs", "203.0.113.10"}})}) {
    auto out = rde::apply_virtual_ips(body, c);
    ASSERT_FALSE(out) << body;
    EXPECT_TRUE(has_code(out.error(), vcd_errc::bad_response)) << body;
  }
  EXPECT_FALSE(rde::read_virtual_ips("nope"));
}

} // namespace
