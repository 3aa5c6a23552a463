#include "demo/report.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actors/naming.hpp"
#include "demo/environment.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::demo;
using namespace std::chrono_literals;
namespace json = boost::json;

/// A simulator dump holding the objects `mode` needs for every port of `svcs`, named the
/// way the engine names them.
struct dump_builder {
  json::array vs, pools, nat, profiles;

  void add(const kube::service_snapshot& s, config::lb_mode mode,
           config::naming_scheme scheme = config::naming_scheme::namespaced) {
    for (const auto& p : s.ports) {
      auto n = naming::names_for(scheme, demo_cluster_id, {s.ns, s.name}, p.name);
      vs.push_back(json::object{{"name", n.virtual_service}});
      pools.push_back(json::object{{"name", n.pool}});
      if (mode != config::lb_mode::c) {
        nat.push_back(json::object{{"name", n.dnat_rule}});
        profiles.push_back(json::object{{"name", n.app_port_profile}});
      }
    }
  }
  json::value value() const {
    return json::object{{"virtual_services", vs},
                        {"pools", pools},
                        {"nat_rules", nat},
                        {"app_port_profiles", profiles}};
  }
};

std::vector<kube::service_snapshot> live_with_ips(const std::vector<demo_service>& svcs) {
  std::vector<kube::service_snapshot> live;
  int i = 10;
  for (const auto& s : svcs) {
    auto l = s.object;
    std::string ip = !s.expected_ip.empty() ? s.expected_ip : "203.0.113." + std::to_string(i++);
    if (!s.shares_ip_with.empty())
      for (const auto& other : live)
        if (other.name == s.shares_ip_with)
          ip = other.ingress[0].ip;
    l.ingress = {{ip, "", "", {}}};
    live.push_back(std::move(l));
  }
  return live;
}

TEST(demo_report, expected_counts_follow_the_mode) {
  EXPECT_EQ(expected_counts(config::lb_mode::c, 2), (object_counts{2, 2, 0, 0}));
  EXPECT_EQ(expected_counts(config::lb_mode::b, 2), (object_counts{2, 2, 2, 2}));
  EXPECT_EQ(expected_counts(config::lb_mode::a, 1), (object_counts{1, 1, 1, 1}));
}

TEST(demo_report, everything_in_place_is_converged_in_every_mode) {
  for (auto mode : {config::lb_mode::a, config::lb_mode::b, config::lb_mode::c}) {
    auto svcs = demo_services(2);
    dump_builder d;
    for (const auto& s : svcs)
      d.add(s.object, mode);
    auto obs = observe(svcs, live_with_ips(svcs), d.value(), mode, demo_cluster_id);
    EXPECT_EQ(obs.converged, static_cast<int>(svcs.size())) << config::to_string(mode);
    EXPECT_EQ(obs.foreign_objects, 0);
    EXPECT_EQ(obs.rows[0].objects, expected_counts(mode, 2));
    EXPECT_EQ(obs.rows[0].ports, "80/TCP,443/TCP");
  }
}

TEST(demo_report, upstream_names_are_attributed_too) {
  auto svcs = demo_services(0);
  dump_builder d;
  for (const auto& s : svcs)
    d.add(s.object, config::lb_mode::b, config::naming_scheme::upstream);
  auto obs = observe(svcs, live_with_ips(svcs), d.value(), config::lb_mode::b, demo_cluster_id);
  EXPECT_EQ(obs.converged, 5);
}

TEST(demo_report, says_what_is_missing) {
  auto svcs = demo_services(0);
  dump_builder d;
  for (size_t i = 0; i < svcs.size(); ++i)
    if (i != 1) // dns has no objects
      d.add(svcs[i].object, config::lb_mode::b);
  d.vs.push_back(
    json::object{{"name", naming::names_for(config::naming_scheme::namespaced, demo_cluster_id,
                                            {"default", "gone"}, "http")
                            .virtual_service}});
  d.vs.push_back(json::object{{"name", "someone-elses-vs"}});
  auto live = live_with_ips(svcs);
  live[0].ingress.clear();                // web: no IP yet
  live[3].ingress[0].ip = "203.0.113.99"; // shared-b: not sharing
  live[4].ingress[0].ip = "203.0.113.98"; // pinned: wrong IP
  auto obs = observe(svcs, live, d.value(), config::lb_mode::b, demo_cluster_id);
  EXPECT_EQ(obs.converged, 1); // only shared-a
  EXPECT_EQ(obs.rows[0].problem, "no ingress IP yet");
  EXPECT_EQ(obs.rows[1].problem,
            "have 0 VS, 0 pools, 0 DNAT, 0 profiles, want 1 VS, 1 pools, 1 DNAT, 1 profiles");
  EXPECT_TRUE(obs.rows[2].converged);
  EXPECT_EQ(obs.rows[3].problem, "not sharing the IP of shared-a");
  EXPECT_EQ(obs.rows[4].problem, "got 203.0.113.98, asked for 203.0.113.200");
  EXPECT_EQ(obs.foreign_objects, 1); // ours but no demo Service's; the other is not ours
  live.pop_back();
  obs = observe(svcs, live, d.value(), config::lb_mode::b, demo_cluster_id);
  EXPECT_EQ(obs.rows[4].problem, "not listed by the API");
}

TEST(demo_report, clock_keeps_the_first_time_a_service_converged_while_it_holds) {
  auto svcs = demo_services(0);
  dump_builder d;
  for (const auto& s : svcs)
    d.add(s.object, config::lb_mode::c);
  auto live = live_with_ips(svcs);
  convergence_clock clock;
  auto obs = observe(svcs, live, d.value(), config::lb_mode::c, demo_cluster_id);
  clock.update(obs, 1200ms);
  clock.update(obs, 2500ms);
  EXPECT_EQ(clock.converged_after("web"), 1200ms);
  live[0].ingress.clear();
  clock.update(observe(svcs, live, d.value(), config::lb_mode::c, demo_cluster_id), 3000ms);
  EXPECT_FALSE(clock.converged_after("web"));
  EXPECT_EQ(clock.converged_after("dns"), 1200ms);
}

TEST(demo_report, table_and_progress_line) {
  auto svcs = demo_services(1);
  dump_builder d;
  for (const auto& s : svcs)
    d.add(s.object, config::lb_mode::c);
  auto live = live_with_ips(svcs);
  live[1].ingress.clear();
  auto obs = observe(svcs, live, d.value(), config::lb_mode::c, demo_cluster_id);
  convergence_clock clock;
  clock.update(obs, 1500ms);
  EXPECT_EQ(progress_line(obs, 2345ms), "[   2.3s] 5/6 Services converged, 14 VCD objects");
  auto table = format_table(obs, config::lb_mode::c, clock);
  EXPECT_EQ(table.rfind("SERVICE", 0), 0u) << table;
  EXPECT_NE(table.find("default/web"), std::string::npos);
  EXPECT_NE(table.find("<pending>"), std::string::npos); // dns has no IP
  EXPECT_NE(table.find("no: no ingress IP yet"), std::string::npos);
  EXPECT_NE(table.find("1.5s"), std::string::npos);
  EXPECT_NE(table.find("203.0.113.200"), std::string::npos);
  EXPECT_NE(table.find("5/6 Services converged; 14 VCD objects\n"), std::string::npos) << table;
  // Columns line up: every row starts its EXTERNAL-IP column at the same offset.
  auto header_end = table.find('\n');
  auto col = table.substr(0, header_end).find("EXTERNAL-IP");
  auto row = table.substr(header_end + 1, table.find('\n', header_end + 1) - header_end - 1);
  EXPECT_EQ(row.substr(col, 3), "203") << table;
}

TEST(demo_report, the_node_table_shows_what_the_node_duties_set) {
  kube::node_snapshot done;
  done.name = "worker-1";
  done.provider_id = "vmware-cloud-director://urn:vcloud:vm:1";
  done.addresses = {{"InternalIP", "10.0.0.1"}};
  done.labels["topology.kubernetes.io/zone"] = "zone-1";
  kube::node_snapshot pending;
  pending.name = "a-new-one";
  pending.taints = {{"node.cloudprovider.kubernetes.io/uninitialized", "true", "NoSchedule"}};
  EXPECT_TRUE(node_initialized(done));
  EXPECT_FALSE(node_initialized(pending));
  auto t = format_node_table({done, pending});
  EXPECT_EQ(t, "NODE       PROVIDER-ID                              INTERNAL-IP  ZONE    TAINTS\n"
               "a-new-one  <none>                                   <none>       <none>  "
               "node.cloudprovider.kubernetes.io/uninitialized\n"
               "worker-1   vmware-cloud-director://urn:vcloud:vm:1  10.0.0.1     zone-1  <none>\n"
               "1/2 Nodes initialized\n");
}

} // namespace
