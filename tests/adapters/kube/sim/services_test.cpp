#include "adapters/kube/sim/services.hpp"

#include <gtest/gtest.h>

#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/kube/sim/api_core.hpp"
#include "fake_writer.hpp"

using namespace vcdlb::kube::sim;
using vcdlb::kube::sim::test::call;
namespace json = boost::json;

namespace {

std::string lb(std::string_view name, std::string_view ports) {
  return R"({"metadata":{"name":")" + std::string{name}
         + R"("},"spec":{"type":"LoadBalancer","ports":)" + std::string{ports} + "}}";
}

std::vector<int64_t> node_ports(const json::object& svc) {
  std::vector<int64_t> out;
  for (const auto& p : svc.at("spec").at("ports").as_array())
    if (const auto* np = p.as_object().if_contains("nodePort"))
      out.push_back(np->as_int64());
  return out;
}

} // namespace

TEST(services, defaults_and_allocation_on_create) {
  api_core core;
  auto w =
    call(core, "POST", "/api/v1/namespaces/default/services",
         lb("web", R"([{"name":"http","port":80},{"name":"dns","port":53,"protocol":"UDP"}])"));
  ASSERT_EQ(w->status(), 201u) << w->response->body;
  auto s = w->body();
  const auto& spec = s.at("spec").as_object();
  EXPECT_EQ(spec.at("sessionAffinity"), "None");
  EXPECT_EQ(spec.at("externalTrafficPolicy"), "Cluster");
  EXPECT_EQ(spec.at("internalTrafficPolicy"), "Cluster");
  EXPECT_EQ(spec.at("allocateLoadBalancerNodePorts"), true);
  EXPECT_EQ(spec.at("ipFamilies"), json::parse(R"(["IPv4"])"));
  EXPECT_EQ(spec.at("ports").at(0).at("protocol"), "TCP");
  EXPECT_EQ(spec.at("ports").at(0).at("targetPort"), 80);
  std::string ip{spec.at("clusterIP").as_string()};
  EXPECT_EQ(ip.rfind("10.", 0), 0u);
  EXPECT_EQ(spec.at("clusterIPs").at(0), json::value(ip));
  EXPECT_EQ(node_ports(s).size(), 2u);
  EXPECT_EQ(s.at("status"), json::parse(R"({"loadBalancer":{}})"));
  EXPECT_FALSE(s.at("metadata").at("uid").as_string().empty());
  EXPECT_FALSE(s.at("metadata").at("creationTimestamp").as_string().empty());
  // ClusterIP Services get no node ports.
  auto c = call(core, "POST", "/api/v1/namespaces/default/services",
                R"({"metadata":{"name":"c"},"spec":{"ports":[{"port":80}]}})");
  EXPECT_TRUE(node_ports(c->body()).empty());
  EXPECT_EQ(c->body().at("spec").at("type"), "ClusterIP");
}

TEST(services, node_ports_and_cluster_ips_never_collide) {
  api_core core;
  std::set<int64_t> ports;
  std::set<std::string> ips;
  for (int i = 0; i < 100; ++i) {
    auto w =
      call(core, "POST", "/api/v1/namespaces/default/services",
           lb("s" + std::to_string(i), R"([{"name":"a","port":80},{"name":"b","port":443}])"));
    ASSERT_EQ(w->status(), 201u);
    auto s = w->body();
    for (auto p : node_ports(s)) {
      EXPECT_GE(p, 30000);
      EXPECT_LE(p, 32767);
      EXPECT_TRUE(ports.insert(p).second) << "duplicate nodePort " << p;
    }
    EXPECT_TRUE(ips.emplace(s.at("spec").at("clusterIP").as_string()).second);
  }
  // An explicit port already in use is refused.
  int64_t taken = *ports.begin();
  auto dup = call(core, "POST", "/api/v1/namespaces/default/services",
                  lb("dup", R"([{"port":80,"nodePort":)" + std::to_string(taken) + "}]"));
  EXPECT_EQ(dup->status(), 422u);
  EXPECT_NE(dup->body().at("message").as_string().find("provided port is already allocated"),
            json::string::npos);
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services",
                 lb("range", R"([{"port":80,"nodePort":80}])"))
              ->status(),
            422u);
}

TEST(services, update_keeps_ports_and_delete_releases_them) {
  api_core core;
  auto s = call(core, "POST", "/api/v1/namespaces/default/services",
                lb("web", R"([{"name":"http","port":80}])"))
             ->body();
  int64_t np = node_ports(s).at(0);
  // A re-apply that adds a port keeps the old nodePort (no nodePort in the patch).
  auto patched =
    call(core, "PATCH", "/api/v1/namespaces/default/services/web",
         R"({"spec":{"ports":[{"name":"http","port":80},{"name":"https","port":443}]}})",
         "application/strategic-merge-patch+json");
  ASSERT_EQ(patched->status(), 200u) << patched->response->body;
  auto after = node_ports(patched->body());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], np);
  // A PUT that leaves nodePort and clusterIP out keeps them too.
  auto body = patched->body();
  body["spec"].as_object().erase("clusterIP");
  body["spec"].as_object().erase("clusterIPs");
  for (auto& p : body["spec"].as_object()["ports"].as_array())
    p.as_object().erase("nodePort");
  auto put = call(core, "PUT", "/api/v1/namespaces/default/services/web", json::serialize(body));
  ASSERT_EQ(put->status(), 200u) << put->response->body;
  EXPECT_EQ(node_ports(put->body()), after);
  EXPECT_EQ(put->body().at("spec").at("clusterIP"), s.at("spec").at("clusterIP"));
  // Changing clusterIP is refused.
  body = put->body();
  body["spec"].as_object()["clusterIP"] = "10.96.0.99";
  EXPECT_EQ(
    call(core, "PUT", "/api/v1/namespaces/default/services/web", json::serialize(body))->status(),
    422u);
  // Type change to ClusterIP drops the node ports; they are free again.
  auto to_cip = call(core, "PATCH", "/api/v1/namespaces/default/services/web",
                     R"({"spec":{"type":"ClusterIP"}})", "application/merge-patch+json");
  ASSERT_EQ(to_cip->status(), 200u) << to_cip->response->body;
  EXPECT_TRUE(node_ports(to_cip->body()).empty());
  auto reuse = call(core, "POST", "/api/v1/namespaces/default/services",
                    lb("reuse", R"([{"port":80,"nodePort":)" + std::to_string(np) + "}]"));
  EXPECT_EQ(reuse->status(), 201u) << reuse->response->body;
  call(core, "DELETE", "/api/v1/namespaces/default/services/reuse");
  auto again = call(core, "POST", "/api/v1/namespaces/default/services",
                    lb("again", R"([{"port":80,"nodePort":)" + std::to_string(np) + "}]"));
  EXPECT_EQ(again->status(), 201u);
}

TEST(services, local_traffic_policy_gets_a_health_check_port) {
  api_core core;
  auto s =
    call(core, "POST", "/api/v1/namespaces/default/services",
         R"({"metadata":{"name":"l"},"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local",
                    "ports":[{"port":80}]}})")
      ->body();
  auto hc = s.at("spec").at("healthCheckNodePort").as_int64();
  EXPECT_GE(hc, 30000);
  EXPECT_NE(hc, node_ports(s).at(0));
}

TEST(services, validation_is_422_with_causes) {
  api_core core;
  auto no_ports = call(core, "POST", "/api/v1/namespaces/default/services",
                       R"({"metadata":{"name":"x"},"spec":{}})");
  EXPECT_EQ(no_ports->status(), 422u);
  auto b = no_ports->body();
  EXPECT_EQ(b.at("reason"), "Invalid");
  EXPECT_EQ(b.at("details").at("causes").at(0).at("field"), "spec.ports");
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services",
                 R"({"metadata":{"name":"Bad_Name"},"spec":{"ports":[{"port":1}]}})")
              ->status(),
            422u);
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services",
                 R"({"metadata":{"name":"two"},"spec":{"ports":[{"port":1},{"port":2}]}})")
              ->status(),
            422u);
  EXPECT_EQ(
    call(core, "POST", "/api/v1/namespaces/default/services",
         R"({"metadata":{"name":"cls"},"spec":{"loadBalancerClass":"x/y","ports":[{"port":1}]}})")
      ->status(),
    422u);
  auto cls = call(
    core, "POST", "/api/v1/namespaces/default/services",
    R"({"metadata":{"name":"cls"},"spec":{"type":"LoadBalancer","loadBalancerClass":"x/y","ports":[{"port":1}]}})");
  ASSERT_EQ(cls->status(), 201u);
  EXPECT_EQ(call(core, "PATCH", "/api/v1/namespaces/default/services/cls",
                 R"({"spec":{"loadBalancerClass":"x/z"}})", "application/merge-patch+json")
              ->status(),
            422u);
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services", "not json")->status(), 400u);
}

TEST(services, duplicate_ports_and_oversized_annotations_are_the_apiservers_422) {
  api_core core;
  // The same (protocol, port) twice: ValidateService's Duplicate, on the second entry.
  auto dup = call(core, "POST", "/api/v1/namespaces/default/services",
                  lb("dup", R"([{"name":"a","port":80},{"name":"b","port":80}])"));
  ASSERT_EQ(dup->status(), 422u) << dup->response->body;
  auto b = dup->body();
  EXPECT_EQ(b.at("reason"), "Invalid");
  EXPECT_EQ(b.at("details").at("causes").at(0).at("field"), "spec.ports[1]");
  EXPECT_EQ(b.at("details").at("causes").at(0).at("reason"), "FieldValueDuplicate");
  EXPECT_NE(std::string{b.at("message").as_string()}.find(
              "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\""),
            std::string::npos)
    << b.at("message");
  // The same port on TCP and UDP is fine (DNS does it).
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services",
                 lb("dns", R"([{"name":"t","port":53},{"name":"u","port":53,"protocol":"UDP"}])"))
              ->status(),
            201u);
  // Also on an update (PATCH adding a duplicate).
  EXPECT_EQ(call(core, "PATCH", "/api/v1/namespaces/default/services/dns",
                 R"({"spec":{"ports":[{"name":"t","port":53},{"name":"v","port":53}]}})",
                 "application/merge-patch+json")
              ->status(),
            422u);

  // Annotations: keys plus values at most 256 KiB in total, for every kind.
  const std::string big(256 * 1024 - 2, 'x'); // + "k1" = exactly the limit
  auto at_limit = call(core, "POST", "/api/v1/namespaces/default/services",
                       R"({"metadata":{"name":"big","annotations":{"k1":")" + big
                         + R"("}},"spec":{"ports":[{"port":1}]}})");
  EXPECT_EQ(at_limit->status(), 201u);
  auto over = call(core, "PATCH", "/api/v1/namespaces/default/services/big",
                   R"({"metadata":{"annotations":{"k":"v"}}})", "application/merge-patch+json");
  ASSERT_EQ(over->status(), 422u) << over->response->body;
  EXPECT_EQ(over->body().at("details").at("causes").at(0).at("field"), "metadata.annotations");
  EXPECT_NE(std::string{over->body().at("message").as_string()}.find(
              "metadata.annotations: Too long: must have at most 262144 bytes"),
            std::string::npos);
  EXPECT_EQ(call(core, "POST", "/api/v1/nodes",
                 R"({"metadata":{"name":"n","annotations":{"a":")" + big + R"(xx"}}})")
              ->status(),
            422u);
}

TEST(services, a_body_in_a_format_the_double_does_not_decode_is_415) {
  api_core core;
  for (const char* type : {"application/vnd.kubernetes.protobuf", "application/yaml"}) {
    auto w =
      call(core, "POST", "/api/v1/namespaces/default/services", lb("p", "[{\"port\":1}]"), type);
    ASSERT_EQ(w->status(), 415u) << type;
    EXPECT_EQ(w->body().at("reason"), "UnsupportedMediaType");
    EXPECT_EQ(w->body().at("code"), 415);
    EXPECT_NE(std::string{w->body().at("message").as_string()}.find(
                "the body of the request was in an unknown format - accepted media types "
                "include: application/json"),
              std::string::npos);
  }
  EXPECT_EQ(call(core, "POST", "/api/v1/namespaces/default/services", lb("p", "[{\"port\":1}]"),
                 "application/json; charset=utf-8")
              ->status(),
            201u);
  EXPECT_EQ(call(core, "PUT", "/api/v1/namespaces/default/services/p", lb("p", "[{\"port\":2}]"),
                 "application/vnd.kubernetes.protobuf")
              ->status(),
            415u);
}

TEST(service_allocator, exhausts_cleanly) {
  service_allocator alloc{7};
  std::set<int> seen;
  for (int i = alloc.node_port_min(); i <= alloc.node_port_max(); ++i) {
    auto p = alloc.allocate_node_port();
    ASSERT_TRUE(p);
    EXPECT_TRUE(seen.insert(*p).second);
  }
  EXPECT_FALSE(alloc.allocate_node_port());
  alloc.release_node_port(31000);
  EXPECT_EQ(alloc.allocate_node_port(), 31000);
  EXPECT_FALSE(alloc.reserve_ip("10.96.0.1"));
  EXPECT_FALSE(alloc.reserve_ip("192.168.0.1"));
  EXPECT_TRUE(alloc.reserve_ip("10.96.0.50"));
  EXPECT_FALSE(alloc.reserve_ip("10.96.0.50"));
}

TEST(service_allocator, allocates_from_a_configured_node_port_range) {
  // kube-apiserver's --service-node-port-range: e.g. 40000-40002 holds three node ports.
  service_allocator alloc{7, 40000, 40002};
  std::set<int> seen;
  for (int i = 0; i < 3; ++i) {
    auto p = alloc.allocate_node_port();
    ASSERT_TRUE(p);
    EXPECT_GE(*p, 40000);
    EXPECT_LE(*p, 40002);
    seen.insert(*p);
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_FALSE(alloc.allocate_node_port());
  EXPECT_FALSE(alloc.reserve_node_port(30000));
  json::object svc = json::parse(R"({"metadata":{"name":"np","namespace":"default"},
    "spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30001}]}})")
                       .as_object();
  auto r = prepare_service_create(svc, alloc);
  ASSERT_FALSE(r);
}
