#include "adapters/kube/convert.hpp"

#include <gtest/gtest.h>

#include "adapters/kube/detail/decode.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {
namespace {

TEST(kube_convert, service_to_engine_spec) {
  auto s = detail::decode_service(R"({"metadata":{"name":"web","namespace":"prod","uid":"u9",
    "resourceVersion":"3","deletionTimestamp":"2024-05-01T10:00:00Z",
    "finalizers":["service.kubernetes.io/load-balancer-cleanup"],
    "annotations":{"service.beta.kubernetes.io/vcloud-avi-ssl-ports":"443",
      "service.beta.kubernetes.io/vcloud-avi-ssl-cert-alias":"my-cert",
      "vcdlb.io/allow-shared-ip":"team-a","unrelated":"x"}},
    "spec":{"type":"LoadBalancer","loadBalancerClass":"vcdlb.io/lb","loadBalancerIP":"192.0.2.5",
      "ports":[{"name":"https","protocol":"TCP","port":443,"nodePort":30443,"appProtocol":"https"},
               {"name":"dns","protocol":"UDP","port":53,"nodePort":30053},
               {"name":"s","protocol":"SCTP","port":9,"nodePort":30009}]},
    "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.5","ipMode":"VIP"},{"hostname":"h"}]}}})");
  ASSERT_TRUE(s) << describe(s.error());
  auto spec = to_service_spec(*s);
  EXPECT_EQ(spec.key, (vcdlb::service_key{"prod", "web"}));
  EXPECT_EQ(spec.uid, "u9");
  EXPECT_EQ(spec.type, vcdlb::service_type::load_balancer);
  EXPECT_EQ(spec.load_balancer_class, "vcdlb.io/lb");
  EXPECT_EQ(spec.load_balancer_ip, "192.0.2.5");
  ASSERT_EQ(spec.ports.size(), 3u);
  EXPECT_EQ(spec.ports[0],
            (vcdlb::service_port{"https", vcdlb::ip_protocol::tcp, 443, 30443, "https"}));
  EXPECT_EQ(spec.ports[1].protocol, vcdlb::ip_protocol::udp);
  EXPECT_EQ(spec.ports[2].protocol, vcdlb::ip_protocol::sctp);
  EXPECT_EQ(spec.annotations.ssl_ports, "443");
  EXPECT_EQ(spec.annotations.ssl_cert_alias, "my-cert");
  EXPECT_EQ(spec.annotations.ssl_no_termination, "");
  EXPECT_EQ(spec.annotations.sharing_key, "team-a");
  EXPECT_TRUE(spec.deletion_requested);
  EXPECT_TRUE(spec.has_finalizer);
  EXPECT_EQ(spec.ingress_ips, std::vector<std::string>{"192.0.2.5"});
  EXPECT_TRUE(vcdlb::needs_cleanup(spec, "vcdlb.io/lb"));
  EXPECT_EQ(to_engine_key({"a", "b"}), (vcdlb::service_key{"a", "b"}));
  service_snapshot plain;
  EXPECT_EQ(to_service_spec(plain).type, vcdlb::service_type::cluster_ip);
}

TEST(kube_convert, node_to_engine_description) {
  auto n = detail::decode_node(R"({"metadata":{"name":"w1","resourceVersion":"1",
    "labels":{"node-role.kubernetes.io/control-plane":""}},
    "spec":{"taints":[{"key":"ToBeDeletedByClusterAutoscaler","effect":"NoSchedule"}]},
    "status":{"addresses":[{"type":"InternalIP","address":"10.0.0.7"}]}})");
  ASSERT_TRUE(n);
  auto d = to_node_description(*n);
  EXPECT_EQ(d.name, "w1");
  EXPECT_EQ(d.taint_keys, std::vector<std::string>{"ToBeDeletedByClusterAutoscaler"});
  EXPECT_EQ(vcdlb::first_internal_ip(d), "10.0.0.7");
  EXPECT_FALSE(vcdlb::is_eligible_backend(d));
  node_snapshot ok;
  ok.name = "w2";
  ok.addresses = {{"InternalIP", "10.0.0.8"}};
  EXPECT_TRUE(vcdlb::is_eligible_backend(to_node_description(ok)));
}

TEST(kube_convert, endpoint_slice_to_the_nodes_with_ready_endpoints) {
  auto es = detail::decode_endpoint_slice(R"({"kind":"EndpointSlice","addressType":"IPv4",
    "metadata":{"name":"web-abc","namespace":"shop","resourceVersion":"5",
      "labels":{"kubernetes.io/service-name":"web"}},
    "endpoints":[
      {"addresses":["10.1.0.4"],"nodeName":"w2","conditions":{"ready":true}},
      {"addresses":["10.1.0.5"],"nodeName":"w1"},
      {"addresses":["10.1.0.6"],"nodeName":"w2","conditions":{"ready":true}},
      {"addresses":["10.1.0.7"],"nodeName":"w3","conditions":{"ready":false}},
      {"addresses":["10.1.0.8"],"nodeName":"w4",
       "conditions":{"ready":false,"serving":true,"terminating":true}},
      {"addresses":["10.1.0.9"],"conditions":{"ready":true}}]})");
  ASSERT_TRUE(es);
  auto info = to_endpoint_slice_info(*es);
  EXPECT_EQ(info.service, (vcdlb::service_key{"shop", "web"}));
  EXPECT_EQ(info.name, "web-abc");
  // An absent ready condition counts as ready; not ready, terminating and unplaced do not.
  EXPECT_EQ(info.ready_nodes, (std::vector<std::string>{"w1", "w2"}));
}

TEST(kube_convert, external_traffic_policy_local) {
  service_snapshot s;
  EXPECT_FALSE(to_service_spec(s).local_traffic_policy);
  s.external_traffic_policy = "Cluster";
  EXPECT_FALSE(to_service_spec(s).local_traffic_policy);
  s.external_traffic_policy = "Local";
  EXPECT_TRUE(to_service_spec(s).local_traffic_policy);
}

TEST(kube_convert, source_ranges_field_and_annotation_as_written) {
  service_snapshot s;
  s.load_balancer_source_ranges = {"10.0.0.0/8", " 192.0.2.1/24"};
  s.annotations["service.beta.kubernetes.io/load-balancer-source-ranges"] = "198.51.100.0/24";
  auto spec = to_service_spec(s);
  // Kept raw: actors/source_ranges.cpp validates and normalizes (with a Warning Event).
  EXPECT_EQ(spec.load_balancer_source_ranges,
            (std::vector<std::string>{"10.0.0.0/8", " 192.0.2.1/24"}));
  EXPECT_EQ(spec.annotations.source_ranges, "198.51.100.0/24");
}

} // namespace
} // namespace vcdlb::kube
