// Runtime defined entities in the simulator: entity types, GET with ETag, PUT with If-Match
// (412 on a stale one), rights (read-only and invisible entities), deletion (API and /_sim),
// IN_DELETION, and the scenario's second writer.

#include "tests/adapters/vcd/sim/sim_fixture.hpp"

namespace vcdlb::vcd::sim::test {
namespace {

class vcd_sim_entities : public sim_test {
protected:
  std::string rde_path() const {
    return "/cloudapi/1.0.0/entities/" + default_scenario().orgs[0].defined_entities[0].id;
  }

  // Writes `status.cpi` as a client would: with the ETag of `read`.
  http::response write_cpi(const http::response& read, const std::string& version) {
    auto body = body_of(read).as_object();
    body["entity"].as_object()["status"].as_object()["cpi"] =
      json::object{{"name", "cloud-controller-manager"}, {"version", version}};
    return call("PUT", rde_path(), json::serialize(body), {{"If-Match", header(read, "ETag")}});
  }
};

TEST_F(vcd_sim_entities, capvcd_entity_types_are_registered) {
  for (const char* v : {"1.1.0", "1.2.0", "1.3.0"}) {
    auto r = call(
      "GET", std::string{"/cloudapi/1.0.0/entityTypes/urn:vcloud:type:vmware:capvcdCluster:"} + v);
    ASSERT_EQ(r.status, 200u) << v;
    EXPECT_EQ(str(body_of(r), "nss"), "capvcdCluster");
    EXPECT_EQ(str(body_of(r), "version"), v);
  }
  EXPECT_EQ(
    call("GET", "/cloudapi/1.0.0/entityTypes/urn:vcloud:type:vmware:capvcdCluster:9.9.9").status,
    403u);
}

TEST_F(vcd_sim_entities, an_entity_has_capvcd_status_and_an_etag_that_moves) {
  auto r = call("GET", rde_path());
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(header(r, "ETag"), "\"1\"");
  EXPECT_EQ(str(body_of(r), "entityState"), "RESOLVED");
  EXPECT_EQ(str(body_of(r), "entity.status.capvcd"), "{}");
  auto w = write_cpi(r, "0.1.0");
  ASSERT_EQ(w.status, 200u) << w.body;
  EXPECT_EQ(header(w, "ETag"), "\"2\"");
  EXPECT_EQ(str(body_of(w), "entity.status.cpi.version"), "0.1.0");
  auto stale = write_cpi(r, "0.1.1");
  EXPECT_EQ(stale.status, 412u);
  EXPECT_EQ(str(body_of(stale), "minorErrorCode"), "PRECONDITION_FAILED");
}

TEST_F(vcd_sim_entities, rights_and_deletion) {
  auto s = default_scenario();
  s.orgs[0].defined_entities[0].access = "read";
  auto invisible = s.orgs[0].defined_entities[0];
  invisible.id = "urn:vcloud:entity:vmware:capvcdCluster:00000000-0000-4000-8000-00000000dead";
  invisible.name = "hidden";
  invisible.access = "none";
  s.orgs[0].defined_entities.push_back(invisible);
  start(s);
  auto r = call("GET", rde_path());
  ASSERT_EQ(r.status, 200u);
  auto refused = write_cpi(r, "0.1.0");
  EXPECT_EQ(refused.status, 403u) << "read-only: the write is refused";
  EXPECT_EQ(call("DELETE", rde_path()).status, 403u);
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/entities/" + invisible.id).status, 403u);
  // An admin marks it for deletion, then removes it.
  auto p = call("PATCH", "/_sim/entities/" + s.orgs[0].defined_entities[0].id,
                R"({"state":"IN_DELETION","access":"full"})");
  ASSERT_EQ(p.status, 200u) << p.body;
  EXPECT_EQ(str(body_of(call("GET", rde_path())), "entityState"), "IN_DELETION");
  EXPECT_EQ(call("DELETE", rde_path()).status, 204u);
  EXPECT_EQ(call("GET", rde_path()).status, 404u) << "gone: like an id that never existed";
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/entities/urn:vcloud:entity:vmware:capvcdCluster:"
                        "00000000-0000-4000-8000-0000000000ff")
              .status,
            404u);
  EXPECT_EQ(call("DELETE", "/_sim/entities/" + invisible.id).status, 204u);
  EXPECT_EQ(call("DELETE", "/_sim/entities/" + invisible.id).status, 404u);
}

TEST_F(vcd_sim_entities, the_second_writer_changes_capvcd_after_every_nth_read) {
  auto s = default_scenario();
  s.orgs[0].defined_entities[0].second_writer_every = 2;
  start(s);
  auto first = call("GET", rde_path());
  EXPECT_EQ(write_cpi(first, "a").status, 200u) << "1st read: no concurrent write";
  auto second = call("GET", rde_path());
  EXPECT_EQ(write_cpi(second, "b").status, 412u) << "2nd read: the other writer came between";
  auto third = call("GET", rde_path());
  EXPECT_EQ(str(body_of(third), "entity.status.capvcd.simSecondWriter"), "1");
  EXPECT_EQ(str(body_of(third), "entity.status.cpi.version"), "a");
  EXPECT_EQ(write_cpi(third, "c").status, 200u);
  auto dump = sim->dump();
  EXPECT_EQ(str(dump.at("defined_entities").at(0), "second_writer_writes"), "1");
  // /_sim can also write other parts of status, as CAPVCD or the CSI driver would.
  auto p = call("PATCH", "/_sim/entities/" + s.orgs[0].defined_entities[0].id,
                R"({"status":{"csi":{"name":"csi-driver"}}})");
  ASSERT_EQ(p.status, 200u);
  auto fourth = call("GET", rde_path());
  EXPECT_EQ(str(body_of(fourth), "entity.status.csi.name"), "csi-driver");
  EXPECT_EQ(str(body_of(fourth), "entity.status.cpi.version"), "c");
}

TEST_F(vcd_sim_entities, a_native_cluster_entity_has_cse_status_and_its_own_second_writer) {
  for (const char* v : {"1.0.0", "2.0.0"}) {
    auto r = call(
      "GET", std::string{"/cloudapi/1.0.0/entityTypes/urn:vcloud:type:cse:nativeCluster:"} + v);
    ASSERT_EQ(r.status, 200u) << v;
    EXPECT_EQ(str(body_of(r), "vendor"), "cse");
    EXPECT_EQ(str(body_of(r), "nss"), "nativeCluster");
  }
  auto s = default_scenario();
  auto native = s.orgs[0].defined_entities[0];
  native.id = "urn:vcloud:entity:cse:nativeCluster:5d2e0000-0000-4000-8000-000000000001";
  native.name = "native1";
  native.entity_type = "urn:vcloud:type:cse:nativeCluster:2.0.0";
  native.second_writer_every = 2;
  s.orgs[0].defined_entities.push_back(native);
  start(s);
  auto path = "/cloudapi/1.0.0/entities/" + native.id;
  auto first = call("GET", path);
  ASSERT_EQ(first.status, 200u);
  EXPECT_EQ(str(body_of(first), "entityType"), native.entity_type);
  EXPECT_EQ(str(body_of(first), "entity.kind"), "native");
  EXPECT_EQ(str(body_of(first), "entity.status.phase"), "CREATE:SUCCEEDED");
  EXPECT_FALSE(body_of(first).at("entity").at("status").as_object().contains("capvcd"));
  // A client rewrites status.virtual_IPs with the ETag it read; the CSE server's write of
  // status.nodes after the 2nd read makes the next such write stale.
  auto write_vips = [&](const http::response& read, json::array vips) {
    auto body = body_of(read).as_object();
    body["entity"].as_object()["status"].as_object()["virtual_IPs"] = std::move(vips);
    return call("PUT", path, json::serialize(body), {{"If-Match", header(read, "ETag")}});
  };
  EXPECT_EQ(write_vips(first, {"203.0.113.10"}).status, 200u);
  auto second = call("GET", path);
  EXPECT_EQ(write_vips(second, {}).status, 412u);
  auto third = call("GET", path);
  EXPECT_EQ(str(body_of(third), "entity.status.nodes.simSecondWriter"), "1");
  EXPECT_EQ(body_of(third).at("entity").at("status").at("virtual_IPs"),
            (json::array{"203.0.113.10"}));
}

TEST_F(vcd_sim_entities, scenario_options_round_trip_and_are_checked) {
  auto s = default_scenario();
  s.orgs[0].defined_entities[0].access = "read";
  s.orgs[0].defined_entities[0].state = "IN_DELETION";
  s.orgs[0].defined_entities[0].second_writer_every = 3;
  auto back = parse_scenario(to_yaml(s));
  ASSERT_TRUE(back);
  const auto& d = back->orgs[0].defined_entities[0];
  EXPECT_EQ(d.access, "read");
  EXPECT_EQ(d.state, "IN_DELETION");
  EXPECT_EQ(d.second_writer_every, 3);
  auto bad = to_yaml(s);
  auto pos = bad.find("access: ");
  ASSERT_NE(pos, std::string::npos);
  bad.replace(pos, bad.find('\n', pos) - pos, "access: some");
  EXPECT_FALSE(parse_scenario(bad));
}

} // namespace
} // namespace vcdlb::vcd::sim::test
