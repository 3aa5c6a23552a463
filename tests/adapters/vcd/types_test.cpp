// The VCD value types: helpers, and that they travel through CAF's serializers intact.

#include "adapters/vcd/types.hpp"

#include "adapters/vcd/client.hpp" // the interface header compiles on its own

#include <gtest/gtest.h>

#include "caf/all.hpp"

namespace {

using namespace vcdlb::vcd;

template <class T>
T round_trip(const T& in) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto copy = in;
  EXPECT_FALSE(sink(copy));
  T out;
  caf::binary_deserializer source{sys, buf};
  EXPECT_FALSE(source(out));
  return out;
}

TEST(vcd_types, api_versions_compare_numerically) {
  EXPECT_LT(compare_api_versions("37.2", "37.10"), 0);
  EXPECT_GT(compare_api_versions("38.0", "37.2"), 0);
  EXPECT_EQ(compare_api_versions("37", "37.0"), 0);
  EXPECT_EQ(compare_api_versions("36.1", "36.1"), 0);
  EXPECT_LT(compare_api_versions("", "1.0"), 0);
}

TEST(vcd_types, task_helpers) {
  task t;
  for (auto s : {task_status::queued, task_status::pre_running, task_status::running,
                 task_status::post_running}) {
    t.status = s;
    EXPECT_TRUE(t.in_flight()) << to_string(s);
  }
  for (auto s : {task_status::success, task_status::error, task_status::aborted}) {
    t.status = s;
    EXPECT_FALSE(t.in_flight()) << to_string(s);
  }
  EXPECT_EQ(to_string(task_status::pre_running), "preRunning");
  EXPECT_EQ(to_string(task_status::post_running), "postRunning");
  EXPECT_TRUE(task_ref{}.completed_synchronously());
  EXPECT_FALSE((task_ref{"https://h/api/task/1", "1"}.completed_synchronously()));
}

TEST(vcd_types, seg_capacity_treats_absent_maximum_as_unlimited) {
  seg_assignment a;
  a.num_deployed_virtual_services = 500;
  EXPECT_TRUE(a.has_capacity());
  a.max_virtual_services = 500;
  EXPECT_FALSE(a.has_capacity());
  a.max_virtual_services = 501;
  EXPECT_TRUE(a.has_capacity());
}

TEST(vcd_types, gateway_ip_space_flag_comes_from_any_uplink) {
  edge_gateway gw;
  gw.uplinks.resize(2);
  EXPECT_FALSE(gw.using_ip_space());
  gw.uplinks[1].using_ip_space = true;
  EXPECT_TRUE(gw.using_ip_space());
}

TEST(vcd_types, values_survive_caf_serialization) {
  virtual_service vs;
  vs.id = "urn:vcloud:loadBalancerVirtualService:1";
  vs.name = "vs";
  vs.virtual_ip_address = "203.0.113.10";
  vs.certificate_ref = {"cert", "urn:vcloud:certificateLibraryItem:1"};
  vs.app_profile = {"System-L4-Application", "L4", true};
  vs.service_ports.push_back({80, 81, true, {"TCP_PROXY", "", true}});
  vs.health_status = "UP";
  EXPECT_EQ(round_trip(vs), vs);

  edge_gateway gw;
  gw.id = "urn:vcloud:gateway:1";
  gw.uplinks.push_back(
    {"urn:vcloud:network:1",
     "ext",
     {{"203.0.113.1", 24, {{"203.0.113.10", "203.0.113.20"}}, "203.0.113.2", true, 11, 1}},
     true,
     false,
     false});
  EXPECT_EQ(round_trip(gw), gw);

  task t;
  t.id = "urn:vcloud:task:1";
  t.status = task_status::error;
  t.error = {400, "BUSY_ENTITY", "busy"};
  t.owner = {"gw", "urn:vcloud:gateway:1"};
  EXPECT_EQ(round_trip(t), t);

  nat_rule r;
  r.name = "dnat-x";
  r.version = 3;
  r.priority = 0;
  EXPECT_EQ(round_trip(r), r);

  pool p;
  p.members.push_back({"10.0.0.1", 30080, 1, true, ""});
  p.persistence = {"CLIENT_IP", "", ""};
  EXPECT_EQ(round_trip(p), p);
}

} // namespace
