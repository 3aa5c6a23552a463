#include "adapters/kube/detail/decode.hpp"

#include <gtest/gtest.h>

#include "adapters/kube/detail/encode.hpp"
#include "adapters/kube/detail/watch_decoder.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube::detail {
namespace {

constexpr std::string_view service_json = R"({"kind":"Service","apiVersion":"v1",
 "metadata":{"name":"web","namespace":"default","uid":"7f0e","resourceVersion":"1204",
   "generation":3,"deletionTimestamp":"2024-05-01T10:00:00Z",
   "finalizers":["service.kubernetes.io/load-balancer-cleanup"],
   "labels":{"app":"web"},"annotations":{"a\"q":"x\\y","empty":""},
   "managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}]},
 "spec":{"type":"LoadBalancer","clusterIP":"10.0.0.12","loadBalancerClass":null,
   "loadBalancerIP":"192.0.2.7",
   "ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":31080},
            {"name":"dns","protocol":"UDP","port":53,"targetPort":"dns","nodePort":31053,
             "appProtocol":"dns"}],
   "externalTrafficPolicy":"Local","healthCheckNodePort":32000,
   "loadBalancerSourceRanges":["10.0.0.0/8"]},
 "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7","ipMode":"VIP",
   "ports":[{"port":80,"protocol":"TCP","error":"x"}]}]}}})";

TEST(kube_decode, service_all_fields) {
  auto s = decode_service(service_json);
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->name, "web");
  EXPECT_EQ(s->ns, "default");
  EXPECT_EQ(s->uid, "7f0e");
  EXPECT_EQ(s->resource_version, "1204");
  EXPECT_EQ(s->generation, 3);
  EXPECT_TRUE(s->deleting);
  EXPECT_EQ(s->deletion_timestamp, "2024-05-01T10:00:00Z");
  EXPECT_TRUE(s->has_finalizer(load_balancer_cleanup_finalizer));
  EXPECT_EQ(s->labels.at("app"), "web");
  EXPECT_EQ(s->annotations.at("a\"q"), "x\\y");
  EXPECT_EQ(s->annotations.at("empty"), "");
  EXPECT_EQ(s->type, "LoadBalancer");
  EXPECT_EQ(s->load_balancer_class, "");
  EXPECT_EQ(s->load_balancer_ip, "192.0.2.7");
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0], (service_port{"http", "TCP", 80, 31080, ""}));
  EXPECT_EQ(s->ports[1], (service_port{"dns", "UDP", 53, 31053, "dns"}));
  EXPECT_EQ(s->external_traffic_policy, "Local");
  EXPECT_EQ(s->health_check_node_port, 32000);
  EXPECT_EQ(s->load_balancer_source_ranges, std::vector<std::string>{"10.0.0.0/8"});
  ASSERT_EQ(s->ingress.size(), 1u);
  EXPECT_EQ(s->ingress[0].ip, "192.0.2.7");
  EXPECT_EQ(s->ingress[0].ip_mode, "VIP");
  ASSERT_EQ(s->ingress[0].ports.size(), 1u);
  EXPECT_EQ(s->ingress[0].ports[0].error, "x");
}

TEST(kube_decode, service_minimal_uses_defaults) {
  auto s = decode_service(R"({"metadata":{"name":"a","resourceVersion":"1"},"spec":{}})");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->deleting);
  EXPECT_TRUE(s->ports.empty());
  EXPECT_TRUE(s->ingress.empty());
}

TEST(kube_decode, malformed_inputs_are_errors) {
  for (std::string_view bad :
       {"", "{", "[]", "null", "42", R"({"metadata":{"name":5}})",
        R"({"spec":{"ports":[{"port":"80"}]}})", R"({"spec":{"ports":[{"port":99999999999}]}})",
        R"({"metadata":{}} trailing)", R"({"metadata":{"name":"a"})", "\xff\xfe"}) {
    auto s = decode_service(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_TRUE(has_code(s.error(), kube_errc::bad_response)) << describe(s.error());
  }
}

TEST(kube_decode, node) {
  auto n = decode_node(R"({"kind":"Node","metadata":{"name":"n1","uid":"u","resourceVersion":"9",
    "labels":{"node.kubernetes.io/exclude-from-external-load-balancers":"true"}},
    "spec":{"providerID":"vmware://42","unschedulable":true,
      "taints":[{"key":"ToBeDeletedByClusterAutoscaler","value":"1","effect":"NoSchedule"}]},
    "status":{"addresses":[{"type":"Hostname","address":"n1"},{"type":"ExternalIP","address":"203.0.113.5"},
      {"type":"InternalIP","address":"10.0.0.5"},{"type":"InternalIP","address":"10.0.0.6"}],
      "conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True",
      "lastHeartbeatTime":"2024-05-01T10:00:00Z"}]}})");
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(n->name, "n1");
  EXPECT_EQ(n->provider_id, "vmware://42");
  EXPECT_TRUE(n->unschedulable);
  EXPECT_FALSE(n->deleting);
  ASSERT_EQ(n->taints.size(), 1u);
  EXPECT_EQ(n->taints[0].key, to_be_deleted_taint);
  EXPECT_EQ(n->labels.count(std::string{exclude_from_lb_label}), 1u);
  ASSERT_EQ(n->addresses.size(), 3u); // Hostname dropped, order kept
  EXPECT_EQ(n->addresses[0].type, "ExternalIP");
  EXPECT_EQ(n->first_address("InternalIP"), "10.0.0.5");
  EXPECT_EQ(n->ready, "True");
  EXPECT_EQ(n->provided_node_ip, "") << "no annotation";
}

TEST(kube_decode, node_provided_ip_annotation) {
  auto n = decode_node(R"({"kind":"Node","metadata":{"name":"n1","annotations":{
    "alpha.kubernetes.io/provided-node-ip":"10.0.0.6","node.alpha.kubernetes.io/ttl":"0"}}})");
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_EQ(n->provided_node_ip, "10.0.0.6");
}

TEST(kube_decode, endpoint_slice) {
  auto s = decode_endpoint_slice(R"({"kind":"EndpointSlice","addressType":"IPv4",
    "metadata":{"name":"web-abc","namespace":"default","resourceVersion":"5",
      "labels":{"kubernetes.io/service-name":"web"}},
    "endpoints":[{"addresses":["10.1.0.4"],"conditions":{"ready":false,"terminating":true},
      "nodeName":"n1"},{"addresses":["10.1.0.5"],"conditions":{}}],
    "ports":[{"name":"http","protocol":"TCP","port":8080}]})");
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->service(), (service_key{"default", "web"}));
  EXPECT_EQ(s->address_type, "IPv4");
  ASSERT_EQ(s->endpoints.size(), 2u);
  EXPECT_FALSE(s->endpoints[0].ready);
  EXPECT_TRUE(s->endpoints[0].terminating);
  EXPECT_EQ(s->endpoints[0].node_name, "n1");
  EXPECT_TRUE(s->endpoints[1].ready); // absent condition reads as true
  ASSERT_EQ(s->ports.size(), 1u);
  EXPECT_EQ(s->ports[0].port, 8080);
}

TEST(kube_decode, lease_round_trip) {
  lease l{"kube-system",
          "vcdlb",
          "77",
          "host-a_1",
          15,
          "2024-05-01T10:00:00.000000Z",
          "2024-05-01T10:00:08.123456Z",
          3};
  auto back = decode_lease(encode_lease(l));
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, l);
}

TEST(kube_decode, event_round_trip) {
  event ev;
  ev.ns = "default";
  ev.name = "web.17a2b3c4d5e6f708";
  ev.involved_object = {"Service", "default", "web", "u1", "v1", "12"};
  ev.reason = "SyncLoadBalancerFailed";
  ev.message = "Error syncing load balancer: \"quoted\"\n";
  ev.type = event_type::warning;
  ev.source_component = "vcdlb";
  ev.source_host = "node-1";
  ev.first_timestamp = "2024-05-01T10:00:00Z";
  ev.last_timestamp = "2024-05-01T10:00:05Z";
  ev.count = 4;
  auto back = decode_event(encode_event(ev));
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, ev);
}

TEST(kube_decode, list_with_continue_in_any_order) {
  auto l = decode_list<service_snapshot>(
    R"({"items":[{"metadata":{"name":"a","namespace":"x","resourceVersion":"3"}},
                 {"metadata":{"name":"b","namespace":"x","resourceVersion":"4"}}],
        "kind":"ServiceList","metadata":{"resourceVersion":"10","continue":"tok"}})");
  ASSERT_TRUE(l) << describe(l.error());
  EXPECT_EQ(l->resource_version, "10");
  EXPECT_EQ(l->continue_token, "tok");
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[1].name, "b");
  auto empty = decode_list<node_snapshot>(
    R"({"kind":"NodeList","metadata":{"resourceVersion":"7"},"items":null})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(decode_list<node_snapshot>(R"({"items":[1]})"));
}

TEST(kube_decode, status_errors) {
  auto st = [](int code, std::string_view reason, std::string_view extra = "") {
    return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m",)"
           R"("reason":")"
           + std::string{reason} + R"(","code":)" + std::to_string(code) + std::string{extra} + "}";
  };
  EXPECT_TRUE(has_code(error_from_response(404, st(404, "NotFound")), kube_errc::not_found));
  EXPECT_TRUE(has_code(error_from_response(409, st(409, "Conflict")), kube_errc::conflict));
  EXPECT_TRUE(
    has_code(error_from_response(409, st(409, "AlreadyExists")), kube_errc::already_exists));
  EXPECT_TRUE(has_code(error_from_response(410, st(410, "Expired")), kube_errc::gone));
  EXPECT_TRUE(has_code(error_from_response(410, st(410, "Gone")), kube_errc::gone));
  EXPECT_TRUE(has_code(error_from_response(422, st(422, "Invalid")), kube_errc::invalid));
  EXPECT_TRUE(has_code(error_from_response(400, st(400, "BadRequest")), kube_errc::bad_request));
  EXPECT_TRUE(has_code(error_from_response(401, st(401, "Unauthorized")), kube_errc::unauthorized));
  EXPECT_TRUE(has_code(error_from_response(403, st(403, "Forbidden")), kube_errc::forbidden));
  EXPECT_TRUE(
    has_code(error_from_response(503, st(503, "ServiceUnavailable")), kube_errc::unavailable));
  auto tm = st(429, "TooManyRequests", R"(,"details":{"retryAfterSeconds":3})");
  EXPECT_TRUE(has_code(error_from_response(429, tm), kube_errc::rate_limited));
  EXPECT_EQ(retry_after_from_status(tm), std::chrono::seconds{3});
  EXPECT_EQ(retry_after_from_status("garbage"), std::chrono::seconds{0});
  auto big = st(504, "Timeout",
                R"(,"details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"x"}]})");
  EXPECT_TRUE(has_code(error_from_response(504, big), kube_errc::too_large_rv));
  // Non-Status bodies fall back to the HTTP status.
  EXPECT_TRUE(
    has_code(error_from_response(502, "<html>bad gateway</html>"), kube_errc::unavailable));
  EXPECT_TRUE(has_code(error_from_response(404, ""), kube_errc::not_found));
  EXPECT_EQ(error_detail(error_from_response(404, st(404, "NotFound"))), "m");
}

TEST(kube_decode, watch_lines) {
  auto added = decode_watch_line<service_snapshot>(
    R"({"type":"ADDED","object":{"kind":"Service","metadata":{"name":"a","namespace":"n","resourceVersion":"5"}}})");
  ASSERT_TRUE(added) << describe(added.error());
  EXPECT_EQ(added->type, watch_event_type::added);
  EXPECT_EQ(added->object.name, "a");
  EXPECT_EQ(added->resource_version, "5");
  // "object" before "type"
  auto deleted = decode_watch_line<node_snapshot>(
    R"({"object":{"metadata":{"name":"n1","resourceVersion":"8"}},"type":"DELETED"})");
  ASSERT_TRUE(deleted) << describe(deleted.error());
  EXPECT_EQ(deleted->type, watch_event_type::deleted);
  EXPECT_EQ(deleted->object.name, "n1");
  auto bookmark = decode_watch_line<service_snapshot>(
    R"({"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}})");
  ASSERT_TRUE(bookmark);
  EXPECT_EQ(bookmark->type, watch_event_type::bookmark);
  EXPECT_EQ(bookmark->resource_version, "12746");
  auto gone = decode_watch_line<service_snapshot>(
    R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 100 (205)","reason":"Expired","code":410}})json");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->type, watch_event_type::error);
  EXPECT_TRUE(has_code(gone->error, kube_errc::gone));
  auto gone_first = decode_watch_line<service_snapshot>(
    R"({"object":{"kind":"Status","reason":"Gone","code":410},"type":"ERROR"})");
  ASSERT_TRUE(gone_first);
  EXPECT_TRUE(has_code(gone_first->error, kube_errc::gone));
  for (std::string_view bad :
       {R"({"type":"WHAT","object":{}})",
        R"({"object":{"metadata":{"name":"a","resourceVersion":"1"}}})",
        R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})",
        R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}}})",
        R"({"type":"ERROR","object":{}})",
        R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}})",
        R"({"type":"MODIFIED","object":[]})"}) {
    auto r = decode_watch_line<service_snapshot>(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(has_code(r.error(), kube_errc::bad_response));
  }
}

const std::string stream =
  std::string{
    R"({"type":"ADDED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"11"},"spec":{"type":"LoadBalancer"}}})"}
  + "\n"
  + R"({"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"12","annotations":{"k":"v\n"}}}})"
  + "\r\n\n" + R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"20"}}})" + "\n"
  + R"({"type":"DELETED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"21"}}})"
  + "\n";

struct collected {
  std::vector<std::string> rvs;
  std::vector<watch_event_type> types;
  int errors = 0;
  void operator()(caf::expected<watch_event<service_snapshot>> ev) {
    if (!ev) {
      ++errors;
      return;
    }
    rvs.push_back(ev->resource_version);
    types.push_back(ev->type);
  }
};

TEST(kube_watch_decoder, whole_stream) {
  watch_decoder<service_snapshot> dec;
  collected c;
  dec.feed(stream, std::ref(c));
  dec.finish(std::ref(c));
  EXPECT_EQ(c.errors, 0);
  EXPECT_EQ(c.rvs, (std::vector<std::string>{"11", "12", "20", "21"}));
  EXPECT_EQ(c.types.back(), watch_event_type::deleted);
  EXPECT_EQ(dec.buffered(), 0u);
}

TEST(kube_watch_decoder, split_at_every_byte_boundary) {
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    watch_decoder<service_snapshot> dec;
    collected c;
    dec.feed(std::string_view{stream}.substr(0, cut), std::ref(c));
    dec.feed(std::string_view{stream}.substr(cut), std::ref(c));
    ASSERT_EQ(c.errors, 0) << cut;
    ASSERT_EQ(c.rvs, (std::vector<std::string>{"11", "12", "20", "21"})) << cut;
  }
}

TEST(kube_watch_decoder, byte_by_byte_and_three_way_splits) {
  watch_decoder<service_snapshot> dec;
  collected c;
  for (char ch : stream)
    dec.feed(std::string_view{&ch, 1}, std::ref(c));
  EXPECT_EQ(c.rvs.size(), 4u);
  for (size_t a = 0; a < stream.size(); a += 7) {
    for (size_t b = a; b < stream.size(); b += 13) {
      watch_decoder<service_snapshot> d;
      collected cc;
      std::string_view s{stream};
      d.feed(s.substr(0, a), std::ref(cc));
      d.feed(s.substr(a, b - a), std::ref(cc));
      d.feed(s.substr(b), std::ref(cc));
      ASSERT_EQ(cc.rvs.size(), 4u) << a << " " << b;
    }
  }
}

TEST(kube_watch_decoder, bad_line_is_an_error_and_the_next_line_still_decodes) {
  watch_decoder<service_snapshot> dec;
  collected c;
  dec.feed("{\"type\":\"ADDED\",\"obj\n", std::ref(c));
  dec.feed(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}})"
           "\n",
           std::ref(c));
  EXPECT_EQ(c.errors, 1);
  EXPECT_EQ(c.rvs, std::vector<std::string>{"3"});
}

TEST(kube_watch_decoder, truncated_last_line_and_size_limit) {
  watch_decoder<service_snapshot> dec;
  collected c;
  dec.feed(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}})",
           std::ref(c));
  EXPECT_GT(dec.buffered(), 0u);
  dec.finish(std::ref(c)); // a complete last line without '\n' is accepted
  EXPECT_EQ(c.rvs.size(), 1u);
  dec.feed(R"({"type":"ADDED","obj)", std::ref(c));
  dec.finish(std::ref(c));
  EXPECT_EQ(c.errors, 1);

  watch_decoder<service_snapshot> small{64};
  collected s;
  small.feed(std::string(100, 'x'), std::ref(s));
  small.feed(std::string(100, 'x') + "\n", std::ref(s));
  EXPECT_EQ(s.errors, 1);
  small.feed(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})"
             "\n",
             std::ref(s));
  EXPECT_EQ(s.errors, 2); // that line is 66 bytes, over the limit too
  watch_decoder<service_snapshot> ok{80};
  collected o;
  ok.feed(std::string(100, 'x') + "\n"
            + R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})" + "\n",
          std::ref(o));
  EXPECT_EQ(o.errors, 1);
  EXPECT_EQ(o.rvs, std::vector<std::string>{"9"});
}

TEST(kube_encode, patches) {
  EXPECT_EQ(encode_status_patch({}), R"({"status":{"loadBalancer":{"ingress":null}}})");
  EXPECT_EQ(
    encode_status_patch({{"192.0.2.1", "", "", {{80, "TCP", ""}}}}),
    R"({"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1","ports":[{"port":80,"protocol":"TCP"}]}]}}})");
  EXPECT_EQ(encode_finalizers_patch({"a", "b"}, "12"),
            R"({"metadata":{"resourceVersion":"12","finalizers":["a","b"]}})");
  EXPECT_EQ(encode_finalizers_patch({}, ""), R"({"metadata":{"finalizers":null}})");
  EXPECT_EQ(encode_event_patch(3, "2024-05-01T10:00:00Z", "m\"x"),
            R"({"count":3,"lastTimestamp":"2024-05-01T10:00:00Z","message":"m\"x"})");
}

} // namespace
} // namespace vcdlb::kube::detail
