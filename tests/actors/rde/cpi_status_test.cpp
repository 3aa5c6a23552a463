#include "actors/rde/cpi_status.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "actors/naming.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
namespace json = boost::json;

const std::string cid =
  "urn:vcloud:entity:vmware:capvcdCluster:6e3c0000-0000-4000-8000-000000000001";

std::string entity_with(json::object status) {
  return json::serialize(json::object{{"id", cid},
                                      {"entityType", "urn:vcloud:type:vmware:capvcdCluster:1.2.0"},
                                      {"name", "cluster1"},
                                      {"entity", json::object{{"kind", "CAPVCDCluster"},
                                                              {"spec", json::object{{"x", 1}}},
                                                              {"status", status}}}});
}

json::value parse(const std::string& s) {
  return json::parse(s);
}

TEST(cpi_status, classifies_cluster_ids_like_upstream) {
  EXPECT_EQ(rde::classify_cluster_id(""), rde::cluster_id_kind::none);
  EXPECT_EQ(rde::classify_cluster_id("NO_RDE_1234"), rde::cluster_id_kind::no_rde);
  EXPECT_EQ(rde::classify_cluster_id(cid), rde::cluster_id_kind::capvcd);
  EXPECT_EQ(rde::classify_cluster_id("urn:vcloud:entity:cse:nativeCluster:abc"),
            rde::cluster_id_kind::native);
  EXPECT_EQ(rde::classify_cluster_id("my-cluster"), rde::cluster_id_kind::unknown);
}

TEST(cpi_status, checks_the_entity_type) {
  EXPECT_FALSE(rde::check_entity_type("urn:vcloud:type:vmware:capvcdCluster:1.2.0"));
  EXPECT_FALSE(rde::check_entity_type("urn:vcloud:type:vmware:capvcdCluster:1.3.0"));
  auto v = rde::check_entity_type("urn:vcloud:type:vmware:capvcdCluster:9.0.0");
  ASSERT_TRUE(v);
  EXPECT_NE(describe(v).find("9.0.0"), std::string::npos);
  EXPECT_TRUE(rde::check_entity_type("urn:vcloud:type:cse:nativeCluster:2.0.0"));
  EXPECT_TRUE(rde::check_entity_type("urn:vcloud:type:vmware:capvcdCluster"));
  EXPECT_TRUE(rde::check_entity_type(""));
}

lb_objects one_arm_objects() {
  auto names = naming::upstream_names(cid, "web", "http");
  lb_objects o;
  o.profiles.push_back(
    {"urn:vcloud:applicationPortProfile:1", names.app_port_profile, ip_protocol::tcp, 80, false});
  dnat_rule_desc d;
  d.id = "unlisted:" + names.dnat_rule;
  d.name = names.dnat_rule;
  d.external_ip = "203.0.113.10";
  d.internal_ip = "192.168.8.2";
  d.port = 80;
  o.dnat_rules.push_back(d);
  pool_desc p;
  p.id = "urn:vcloud:loadBalancerPool:1";
  p.name = names.pool;
  o.pools.push_back(p);
  virtual_service_desc vs;
  vs.id = "urn:vcloud:loadBalancerVirtualService:1";
  vs.name = names.virtual_service;
  vs.vip = "192.168.8.2";
  vs.port = 80;
  o.virtual_services.push_back(vs);
  return o;
}

TEST(cpi_status, resources_carry_the_external_ip_and_no_placeholder_ids) {
  auto r = rde::resources_of(one_arm_objects());
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].type, "app-port-profile");
  EXPECT_EQ(r[1].type, "dnat-rule");
  EXPECT_EQ(r[1].id, "") << "VCD has not told the rule's id yet";
  EXPECT_EQ(r[2].type, "lb-pool");
  EXPECT_EQ(r[3].type, "virtual-service");
  EXPECT_EQ(r[3].virtual_ip, "203.0.113.10") << "the DNAT rule's external address";
}

TEST(cpi_status, upgrade_keeps_everything_outside_and_unknown_keys_inside) {
  json::object status{{"capvcd", json::object{{"phase", "Provisioned"}}},
                      {"csi", json::object{{"name", "csi"}}},
                      {"cpi", json::object{{"name", "cloud-controller-manager"},
                                           {"version", "1.4.0"},
                                           {"virtualIPs", json::array{"1.2.3.4"}}}}};
  auto body = entity_with(status);
  rde::change c;
  c.version = "0.1.0";
  auto out = rde::apply(body, c, cid);
  ASSERT_TRUE(out) << describe(out.error());
  ASSERT_TRUE(*out);
  auto doc = parse(**out);
  auto before = parse(body);
  EXPECT_EQ(doc.at("entity").at("spec"), before.at("entity").at("spec"));
  EXPECT_EQ(doc.at("entity").at("status").at("capvcd"),
            before.at("entity").at("status").at("capvcd"));
  EXPECT_EQ(doc.at("entity").at("status").at("csi"), before.at("entity").at("status").at("csi"));
  const auto& cpi = doc.at("entity").at("status").at("cpi");
  EXPECT_EQ(cpi.at("version"), "0.1.0");
  EXPECT_EQ(cpi.at("virtualIPs"), (json::array{"1.2.3.4"}));
  // Applying the same again changes nothing: no write.
  auto again = rde::apply(**out, c, cid);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST(cpi_status, resources_replace_this_clusters_items_and_keep_others) {
  auto other = naming::upstream_names("urn:vcloud:entity:vmware:capvcdCluster:other", "db", "pg");
  auto stale = naming::upstream_names(cid, "gone", "http");
  json::array set{
    json::object{{"type", "virtual-service"},
                 {"id", "urn:x:1"},
                 {"name", stale.virtual_service},
                 {"additionalDetails", json::object{{"virtualIP", "203.0.113.99"}}}},
    json::object{{"type", "lb-pool"}, {"id", "urn:x:2"}, {"name", other.pool}},
    json::object{{"type", "VApp"}, {"id", "urn:vcloud:vapp:1"}, {"name", "cluster1"}}};
  auto body = entity_with(json::object{{"cpi", json::object{{"vcdResourceSet", set}}}});
  rde::change c;
  c.version = "0.1.0";
  c.resources = rde::resources_of(one_arm_objects());
  auto out = rde::apply(body, c, cid);
  ASSERT_TRUE(out && *out);
  auto items = rde::read_resources(**out);
  ASSERT_TRUE(items);
  std::vector<std::string> names;
  for (const auto& r : *items)
    names.push_back(r.name);
  EXPECT_EQ(std::count(names.begin(), names.end(), stale.virtual_service), 0)
    << "an item of this cluster whose object is gone is dropped";
  EXPECT_EQ(std::count(names.begin(), names.end(), other.pool), 1) << "not ours: kept";
  EXPECT_EQ(std::count(names.begin(), names.end(), "cluster1"), 1) << "other types: kept";
  EXPECT_EQ(items->size(), 6u);
}

TEST(cpi_status, events_and_errors_roll_at_ten_and_errors_resolve) {
  auto body = entity_with(json::object{});
  rde::change c;
  c.version = "v";
  for (int i = 0; i < 12; ++i)
    c.events.push_back({"CreatedLoadbalancer", "t", "", "ns/s" + std::to_string(i), "ok"});
  c.errors.push_back({"CreateLoadbalancerError", "t", "", "ns/a", "boom"});
  c.errors.push_back({"CreateLoadbalancerError", "t", "", "ns/b", "boom"});
  auto out = rde::apply(body, c, cid);
  ASSERT_TRUE(out && *out);
  auto doc = parse(**out);
  const auto& cpi = doc.at("entity").at("status").at("cpi").as_object();
  const auto& events = cpi.at("eventSet").as_array();
  ASSERT_EQ(events.size(), rde::rolling_window);
  EXPECT_EQ(events.front().at("vcdResourceName"), "ns/s2") << "the oldest dropped first";
  EXPECT_EQ(events.back().at("additionalDetails").at("Detailed Event"), "ok");
  EXPECT_EQ(cpi.at("errorSet").as_array().size(), 2u);
  rde::change fix;
  fix.version = "v";
  fix.resolved.emplace_back("CreateLoadbalancerError", "ns/a");
  auto fixed = rde::apply(**out, fix, cid);
  ASSERT_TRUE(fixed && *fixed);
  auto fixed_doc = parse(**fixed);
  const auto& errors = fixed_doc.at("entity").at("status").at("cpi").at("errorSet").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("vcdResourceName"), "ns/b");
}

TEST(cpi_status, bad_entities_are_errors) {
  rde::change c;
  EXPECT_FALSE(rde::apply("not json", c, cid));
  EXPECT_FALSE(rde::apply(R"({"entity":{}})", c, cid)) << "no status";
  EXPECT_FALSE(rde::apply(R"({"entity":{"status":{"cpi":[1]}}})", c, cid));
  EXPECT_FALSE(rde::apply(R"([1,2])", c, cid));
}

} // namespace
