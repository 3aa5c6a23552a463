#include "adapters/kube/sim/api_core.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fake_writer.hpp"

using namespace vcdlb::kube::sim;
using vcdlb::kube::sim::test::call;
namespace json = boost::json;

namespace {

struct fixture : ::testing::Test {
  sim_clock::time_point t0 = sim_clock::time_point{std::chrono::seconds{1'800'000'000}};
  std::shared_ptr<sim_clock::time_point> clock = std::make_shared<sim_clock::time_point>(t0);
  std::unique_ptr<api_core> core = make_core({});

  std::unique_ptr<api_core> make_core(core_options opts) {
    auto c = clock;
    opts.clock = [c] { return *c; };
    return std::make_unique<api_core>(std::move(opts));
  }

  void advance(std::chrono::seconds d) {
    *clock += d;
    core->tick();
  }

  static std::string svc(std::string_view name, std::string_view extra_meta = "",
                         std::string_view type = "ClusterIP") {
    return R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + std::string{name} + "\""
           + std::string{extra_meta} + R"(},"spec":{"type":")" + std::string{type}
           + R"(","ports":[{"port":80}]}})";
  }

  json::object create_svc(std::string_view name, std::string_view extra_meta = "",
                          std::string_view type = "ClusterIP") {
    auto w =
      call(*core, "POST", "/api/v1/namespaces/default/services", svc(name, extra_meta, type));
    EXPECT_EQ(w->status(), 201u) << w->response->body;
    return w->body();
  }

  static uint64_t rv_of(const json::object& obj) {
    return std::stoull(std::string{obj.at("metadata").at("resourceVersion").as_string()});
  }
  static std::string type_of(const json::object& ev) {
    return std::string{ev.at("type").as_string()};
  }
  static std::string name_of(const json::object& ev) {
    return std::string{ev.at("object").at("metadata").at("name").as_string()};
  }
};

} // namespace

TEST_F(fixture, one_global_monotonic_resource_version) {
  uint64_t start = core->resource_version();
  auto s = create_svc("web");
  auto node = call(*core, "POST", "/api/v1/nodes",
                   R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}})");
  ASSERT_EQ(node->status(), 201u);
  auto lease = call(*core, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
                    R"({"metadata":{"name":"l"},"spec":{"holderIdentity":"a"}})");
  ASSERT_EQ(lease->status(), 201u);
  EXPECT_EQ(rv_of(s), start + 1);
  EXPECT_EQ(rv_of(node->body()), start + 2);
  EXPECT_EQ(rv_of(lease->body()), start + 3);
  // An empty list still carries the global counter.
  auto list = call(*core, "GET", "/apis/discovery.k8s.io/v1/endpointslices");
  EXPECT_EQ(list->body().at("metadata").at("resourceVersion"),
            json::value(std::to_string(start + 3)));
  // A no-op write does not bump it.
  auto same = call(*core, "PUT", "/api/v1/namespaces/default/services/web", json::serialize(s));
  ASSERT_EQ(same->status(), 200u);
  EXPECT_EQ(rv_of(same->body()), start + 1);
  EXPECT_EQ(core->resource_version(), start + 3);
}

TEST_F(fixture, watch_from_list_rv_is_ordered_and_gap_free) {
  create_svc("pre");
  auto list = call(*core, "GET", "/api/v1/namespaces/default/services");
  std::string list_rv{list->body().at("metadata").at("resourceVersion").as_string()};
  // Changes between the list and the watch...
  create_svc("a");
  create_svc("b");
  auto w =
    call(*core, "GET", "/api/v1/namespaces/default/services?watch=true&resourceVersion=" + list_rv);
  EXPECT_EQ(w->stream_status, 200u);
  // ...and after it.
  call(*core, "PATCH", "/api/v1/namespaces/default/services/a",
       R"({"metadata":{"labels":{"x":"y"}}})", "application/merge-patch+json");
  call(*core, "DELETE", "/api/v1/namespaces/default/services/b");
  call(*core, "POST", "/api/v1/nodes", R"({"metadata":{"name":"other-kind"}})");
  auto events = w->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(type_of(events[0]), "ADDED");
  EXPECT_EQ(name_of(events[0]), "a");
  EXPECT_EQ(type_of(events[1]), "ADDED");
  EXPECT_EQ(type_of(events[2]), "MODIFIED");
  EXPECT_EQ(type_of(events[3]), "DELETED");
  EXPECT_EQ(name_of(events[3]), "b");
  uint64_t prev = std::stoull(list_rv);
  for (const auto& ev : events) {
    uint64_t rv = rv_of(ev.at("object").as_object());
    EXPECT_EQ(rv, prev + 1) << "gap or reorder at " << json::serialize(ev);
    prev = rv;
  }
  // Each event is exactly one compact line.
  for (const auto& chunk : w->chunks) {
    EXPECT_EQ(chunk.back(), '\n');
    EXPECT_EQ(chunk.find('\n'), chunk.size() - 1);
  }
}

TEST_F(fixture, watch_without_rv_starts_with_synthetic_added) {
  create_svc("a");
  create_svc("b");
  auto w = call(*core, "GET", "/api/v1/namespaces/default/services?watch=1&resourceVersion=0");
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(type_of(events[0]), "ADDED");
  EXPECT_EQ(type_of(events[1]), "ADDED");
  auto single = call(
    *core, "GET", "/api/v1/namespaces/default/services?watch=true&fieldSelector=metadata.name%3Db");
  ASSERT_EQ(single->events().size(), 1u);
  EXPECT_EQ(name_of(single->events()[0]), "b");
}

TEST_F(fixture, expired_history_answers_410) {
  auto a = create_svc("a");
  create_svc("b");
  core->expire_history();
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                  + std::to_string(rv_of(a)));
  EXPECT_EQ(w->stream_status, 200u);
  auto events = w->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(type_of(events[0]), "ERROR");
  const auto& st = events[0].at("object").as_object();
  EXPECT_EQ(st.at("kind"), "Status");
  EXPECT_EQ(st.at("code"), 410);
  EXPECT_EQ(st.at("reason"), "Expired");
  EXPECT_TRUE(w->finished);
  EXPECT_EQ(core->open_watches(), 0u);
  // The current RV is still a valid starting point.
  auto ok = call(*core, "GET",
                 "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                   + std::to_string(core->resource_version()));
  EXPECT_TRUE(ok->events().empty());
  EXPECT_EQ(core->open_watches(), 1u);
  // LIST Exact from before the compaction is 410 too.
  auto list =
    call(*core, "GET",
         "/api/v1/namespaces/default/services?limit=1&resourceVersion=" + std::to_string(rv_of(a)));
  EXPECT_EQ(list->status(), 410u);
  EXPECT_EQ(list->body().at("reason"), "Expired");
}

TEST_F(fixture, history_is_bounded_by_count_and_age) {
  core_options opts;
  opts.store.history_capacity = 3;
  opts.store.history_age = std::chrono::seconds{10};
  core = make_core(opts);
  auto first = create_svc("s0");
  for (int i = 1; i < 5; ++i)
    create_svc("s" + std::to_string(i));
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                  + std::to_string(rv_of(first)));
  ASSERT_EQ(w->events().size(), 1u);
  EXPECT_EQ(type_of(w->events()[0]), "ERROR");
  uint64_t recent = core->resource_version() - 1;
  auto w2 = call(*core, "GET",
                 "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                   + std::to_string(recent));
  EXPECT_EQ(w2->events().size(), 1u);
  advance(std::chrono::seconds{11});
  auto w3 = call(*core, "GET",
                 "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                   + std::to_string(recent));
  ASSERT_EQ(w3->events().size(), 1u);
  EXPECT_EQ(type_of(w3->events()[0]), "ERROR");
}

TEST_F(fixture, selectors_on_list_and_watch_transitions) {
  create_svc("a", R"(,"labels":{"app":"web","tier":"front"})");
  create_svc("b", R"(,"labels":{"app":"db"})");
  create_svc("c");
  auto names = [&](std::string query) {
    auto w = call(*core, "GET", "/api/v1/services?" + query);
    EXPECT_EQ(w->status(), 200u) << query;
    std::vector<std::string> out;
    auto body = w->body();
    for (const auto& item : body.at("items").as_array())
      out.emplace_back(item.at("metadata").at("name").as_string());
    return out;
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(names("labelSelector=app%3Dweb"), v{"a"});
  EXPECT_EQ(names("labelSelector=app%21%3Dweb"), (v{"b", "c"}));
  EXPECT_EQ(names("labelSelector=app+in+%28web%2Cdb%29"), (v{"a", "b"}));
  EXPECT_EQ(names("labelSelector=app+notin+%28web%29"), (v{"b", "c"}));
  EXPECT_EQ(names("labelSelector=tier"), v{"a"});
  EXPECT_EQ(names("labelSelector=%21app"), v{"c"});
  EXPECT_EQ(names("fieldSelector=metadata.name%3Db"), v{"b"});
  EXPECT_EQ(names("fieldSelector=metadata.namespace%3Dother"), v{});
  EXPECT_EQ(call(*core, "GET", "/api/v1/services?fieldSelector=spec.type%3DX")->status(), 400u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/services?labelSelector=a+in+%28b")->status(), 400u);

  // Watch with a selector: leaving it is DELETED, entering it ADDED.
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=true&labelSelector=app%3Dweb&"
                "resourceVersion="
                  + std::to_string(core->resource_version()));
  call(*core, "PATCH", "/api/v1/namespaces/default/services/a",
       R"({"metadata":{"labels":{"app":"x"}}})", "application/merge-patch+json");
  call(*core, "PATCH", "/api/v1/namespaces/default/services/c",
       R"({"metadata":{"labels":{"app":"web"}}})", "application/merge-patch+json");
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(type_of(events[0]), "DELETED");
  EXPECT_EQ(name_of(events[0]), "a");
  EXPECT_EQ(events[0].at("object").at("metadata").at("labels").at("app"), "web"); // old content
  EXPECT_EQ(type_of(events[1]), "ADDED");
  EXPECT_EQ(name_of(events[1]), "c");
}

TEST_F(fixture, paging_is_a_consistent_snapshot) {
  for (const char* n : {"a", "b", "c", "d", "e"})
    create_svc(n);
  auto first = call(*core, "GET", "/api/v1/namespaces/default/services?limit=2");
  auto body = first->body();
  ASSERT_EQ(body.at("items").as_array().size(), 2u);
  std::string rv{body.at("metadata").at("resourceVersion").as_string()};
  EXPECT_EQ(body.at("metadata").at("remainingItemCount"), 3);
  std::string token{body.at("metadata").at("continue").as_string()};
  // A change between pages is not visible in later pages.
  call(*core, "DELETE", "/api/v1/namespaces/default/services/d");
  create_svc("f");
  std::vector<std::string> seen{"a", "b"};
  while (!token.empty()) {
    auto page = call(*core, "GET", "/api/v1/namespaces/default/services?limit=2&continue=" + token);
    ASSERT_EQ(page->status(), 200u) << page->response->body;
    auto pb = page->body();
    EXPECT_EQ(pb.at("metadata").at("resourceVersion"), json::value(rv));
    for (const auto& item : pb.at("items").as_array())
      seen.emplace_back(item.at("metadata").at("name").as_string());
    const auto* c = pb.at("metadata").as_object().if_contains("continue");
    token = c != nullptr ? std::string{c->as_string()} : "";
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  // Continue with an RV, garbage, or an expired snapshot.
  auto again = call(*core, "GET", "/api/v1/namespaces/default/services?limit=2");
  std::string t2{again->body().at("metadata").at("continue").as_string()};
  EXPECT_EQ(
    call(*core, "GET", "/api/v1/namespaces/default/services?continue=" + t2 + "&resourceVersion=5")
      ->status(),
    400u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services?continue=%21%21")->status(),
            400u);
  create_svc("g");
  core->expire_history();
  EXPECT_EQ(
    call(*core, "GET", "/api/v1/namespaces/default/services?limit=2&continue=" + t2)->status(),
    410u);
}

TEST_F(fixture, list_resource_version_rules) {
  create_svc("a");
  uint64_t cur = core->resource_version();
  auto too_large =
    call(*core, "GET", "/api/v1/services?resourceVersion=" + std::to_string(cur + 5));
  EXPECT_EQ(too_large->status(), 504u);
  EXPECT_EQ(too_large->body().at("details").at("causes").at(0).at("reason"),
            "ResourceVersionTooLarge");
  EXPECT_EQ(call(*core, "GET", "/api/v1/services?resourceVersionMatch=Exact")->status(), 422u);
  EXPECT_EQ(
    call(*core, "GET", "/api/v1/services?resourceVersionMatch=Exact&resourceVersion=0")->status(),
    422u);
  // Exact at an older RV rebuilds the old state from history.
  uint64_t before_b = core->resource_version();
  create_svc("b");
  auto exact = call(*core, "GET",
                    "/api/v1/namespaces/default/services?resourceVersionMatch=Exact&"
                    "resourceVersion="
                      + std::to_string(before_b));
  ASSERT_EQ(exact->status(), 200u);
  EXPECT_EQ(exact->body().at("items").as_array().size(), 1u);
  auto not_older =
    call(*core, "GET",
         "/api/v1/namespaces/default/services?resourceVersion=" + std::to_string(before_b));
  EXPECT_EQ(not_older->body().at("items").as_array().size(), 2u);
}

TEST_F(fixture, optimistic_concurrency_and_create_conflicts) {
  auto s = create_svc("web");
  auto dup = call(*core, "POST", "/api/v1/namespaces/default/services", svc("web"));
  EXPECT_EQ(dup->status(), 409u);
  EXPECT_EQ(dup->body().at("reason"), "AlreadyExists");
  EXPECT_EQ(dup->body().at("message"), "services \"web\" already exists");
  // Someone else writes first; our stale PUT is refused.
  call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
       R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json");
  s["metadata"].as_object()["annotations"] = json::object{{"mine", "1"}};
  auto stale = call(*core, "PUT", "/api/v1/namespaces/default/services/web", json::serialize(s));
  EXPECT_EQ(stale->status(), 409u);
  EXPECT_EQ(stale->body().at("reason"), "Conflict");
  EXPECT_EQ(stale->body().at("message"),
            "Operation cannot be fulfilled on services \"web\": the object has been modified; "
            "please apply your changes to the latest version and try again");
  // A merge patch that carries a stale RV is conditional too.
  auto cond = call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
                   R"({"metadata":{"resourceVersion":"1","labels":{"c":"d"}}})",
                   "application/merge-patch+json");
  EXPECT_EQ(cond->status(), 409u);
  // Leases need the RV on update.
  auto lease = call(*core, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
                    R"({"metadata":{"name":"l"},"spec":{"holderIdentity":"a"}})");
  auto lb = lease->body();
  lb["metadata"].as_object().erase("resourceVersion");
  lb["spec"].as_object()["holderIdentity"] = "b";
  auto no_rv = call(*core, "PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
                    json::serialize(lb));
  EXPECT_EQ(no_rv->status(), 422u);
  // Namespace that does not exist.
  auto nons = call(*core, "POST", "/api/v1/namespaces/nope/services", svc("x"));
  EXPECT_EQ(nons->status(), 404u);
  EXPECT_EQ(nons->body().at("message"), "namespaces \"nope\" not found");
}

TEST_F(fixture, status_error_body_is_exact) {
  auto w = call(*core, "GET", "/api/v1/namespaces/default/services/web");
  EXPECT_EQ(w->status(), 404u);
  EXPECT_EQ(w->header("Content-Type"), "application/json");
  EXPECT_EQ(w->body(), json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
    "status":"Failure","message":"services \"web\" not found","reason":"NotFound",
    "details":{"name":"web","kind":"services"},"code":404})"));
  auto lease = call(*core, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/x");
  EXPECT_EQ(lease->body().at("message"), "leases.coordination.k8s.io \"x\" not found");
  EXPECT_EQ(lease->body().at("details").at("group"), "coordination.k8s.io");
  auto unknown = call(*core, "GET", "/api/v1/pods");
  EXPECT_EQ(unknown->body().at("message"), "the server could not find the requested resource");
  EXPECT_EQ(call(*core, "GET", "/openapi/v3/apis/apps/v1")->status(), 404u);
  EXPECT_EQ(call(*core, "PUT", "/api/v1/namespaces/default/services")->status(), 405u);
}

TEST_F(fixture, each_patch_type_through_the_api) {
  create_svc("web", R"(,"labels":{"a":"1"},"finalizers":["f1","f2"])");
  auto merge =
    call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
         R"({"metadata":{"labels":{"a":null,"b":"2"}}})", "application/merge-patch+json");
  ASSERT_EQ(merge->status(), 200u);
  EXPECT_EQ(merge->body().at("metadata").at("labels"), json::parse(R"({"b":"2"})"));
  auto jp = call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
                 R"([{"op":"test","path":"/metadata/labels/b","value":"2"},
                     {"op":"add","path":"/metadata/labels/c","value":"3"}])",
                 "application/json-patch+json");
  ASSERT_EQ(jp->status(), 200u);
  EXPECT_EQ(jp->body().at("metadata").at("labels").at("c"), "3");
  auto jp_fail = call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
                      R"([{"op":"test","path":"/metadata/labels/b","value":"9"}])",
                      "application/json-patch+json");
  EXPECT_EQ(jp_fail->status(), 422u);
  auto smp = call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
                  R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["f1"]},
                      "spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],
                              "ports":[{"port":443,"name":"https"},{"port":80,"name":"http"}]}})",
                  "application/strategic-merge-patch+json; charset=utf-8");
  ASSERT_EQ(smp->status(), 200u) << smp->response->body;
  auto b = smp->body();
  EXPECT_EQ(b.at("metadata").at("finalizers"), json::parse(R"(["f2"])"));
  auto& ports = b.at("spec").at("ports").as_array();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].at("name"), "http");
  EXPECT_EQ(ports[1].at("targetPort"), 443); // defaulted by the server
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/%ff/services")->status(), 400u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/services?fieldSelector=%c3%28%3Dx")->status(), 400u);
  EXPECT_EQ(call(*core, "PATCH", "/api/v1/namespaces/default/services/web", "{}",
                 "application/apply-patch+yaml")
              ->status(),
            415u);
  EXPECT_EQ(call(*core, "PATCH", "/api/v1/namespaces/default/services/nope", "{}",
                 "application/merge-patch+json")
              ->status(),
            404u);
}

TEST_F(fixture, finalizers_and_deletion_timestamp) {
  create_svc("web", R"(,"finalizers":["service.kubernetes.io/load-balancer-cleanup"])",
             "LoadBalancer");
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                  + std::to_string(core->resource_version()));
  auto del = call(*core, "DELETE", "/api/v1/namespaces/default/services/web",
                  R"({"propagationPolicy":"Background"})");
  ASSERT_EQ(del->status(), 200u);
  auto obj = del->body();
  EXPECT_EQ(obj.at("kind"), "Service");
  EXPECT_TRUE(obj.at("metadata").as_object().contains("deletionTimestamp"));
  // Still readable; a repeated DELETE changes nothing.
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services/web")->status(), 200u);
  uint64_t rv = core->resource_version();
  EXPECT_EQ(call(*core, "DELETE", "/api/v1/namespaces/default/services/web")->status(), 200u);
  EXPECT_EQ(core->resource_version(), rv);
  // No new finalizers while terminating.
  auto add =
    call(*core, "PATCH", "/api/v1/namespaces/default/services/web",
         R"({"metadata":{"finalizers":["service.kubernetes.io/load-balancer-cleanup","x"]}})",
         "application/merge-patch+json");
  EXPECT_EQ(add->status(), 422u);
  // Removing the last finalizer (through /status, as the service controller does) deletes.
  auto fin = call(
    *core, "PATCH", "/api/v1/namespaces/default/services/web/status",
    R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["service.kubernetes.io/load-balancer-cleanup"]},
                      "status":{"loadBalancer":null}})",
    "application/strategic-merge-patch+json");
  ASSERT_EQ(fin->status(), 200u) << fin->response->body;
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services/web")->status(), 404u);
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(type_of(events[0]), "MODIFIED");
  EXPECT_EQ(type_of(events[1]), "DELETED");
  // Without finalizers DELETE removes at once and answers a Success Status.
  create_svc("plain");
  auto gone = call(*core, "DELETE", "/api/v1/namespaces/default/services/plain");
  EXPECT_EQ(gone->body().at("status"), "Success");
  EXPECT_EQ(gone->body().at("details").at("kind"), "services");
  EXPECT_EQ(call(*core, "DELETE", "/api/v1/namespaces/default/services/plain")->status(), 404u);
}

TEST_F(fixture, delete_preconditions) {
  auto s = create_svc("web");
  auto bad = call(*core, "DELETE", "/api/v1/namespaces/default/services/web",
                  R"({"preconditions":{"resourceVersion":"1"}})");
  EXPECT_EQ(bad->status(), 409u);
  auto good = call(*core, "DELETE", "/api/v1/namespaces/default/services/web",
                   R"({"preconditions":{"uid":")"
                     + std::string{s.at("metadata").at("uid").as_string()} + "\"}}");
  EXPECT_EQ(good->status(), 200u);
}

TEST_F(fixture, status_subresource_rules) {
  auto s = create_svc("web", "", "LoadBalancer");
  EXPECT_EQ(s.at("status"), json::parse(R"({"loadBalancer":{}})"));
  // Main-resource writes drop status.
  s["status"] = json::parse(R"({"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}})");
  auto put = call(*core, "PUT", "/api/v1/namespaces/default/services/web", json::serialize(s));
  ASSERT_EQ(put->status(), 200u);
  EXPECT_EQ(put->body().at("status"), json::parse(R"({"loadBalancer":{}})"));
  // /status writes drop spec but keep metadata; ipMode defaults to VIP.
  auto st = call(*core, "PATCH", "/api/v1/namespaces/default/services/web/status",
                 R"({"metadata":{"finalizers":["f"]},"spec":{"type":"ClusterIP"},
                     "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}})",
                 "application/strategic-merge-patch+json");
  ASSERT_EQ(st->status(), 200u) << st->response->body;
  auto b = st->body();
  EXPECT_EQ(b.at("spec").at("type"), "LoadBalancer");
  EXPECT_EQ(b.at("metadata").at("finalizers"), json::parse(R"(["f"])"));
  EXPECT_EQ(b.at("status").at("loadBalancer").at("ingress"),
            json::parse(R"([{"ip":"192.0.2.1","ipMode":"VIP"}])"));
  auto bad_ip = call(*core, "PATCH", "/api/v1/namespaces/default/services/web/status",
                     R"({"status":{"loadBalancer":{"ingress":[{"ip":"not-an-ip"}]}}})",
                     "application/merge-patch+json");
  EXPECT_EQ(bad_ip->status(), 422u);
  EXPECT_EQ(
    call(*core, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/x/status")->status(),
    404u);
}

TEST_F(fixture, bearer_token_is_checked) {
  core_options opts;
  opts.token = "s3cret";
  core = make_core(opts);
  auto none = call(*core, "GET", "/api/v1/services");
  EXPECT_EQ(none->status(), 401u);
  EXPECT_EQ(none->body().at("reason"), "Unauthorized");
  EXPECT_EQ(call(*core, "GET", "/api/v1/services", "", "application/json", "wrong")->status(),
            401u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/services", "", "application/json", "s3cret")->status(),
            200u);
  EXPECT_EQ(call(*core, "GET", "/healthz")->status(), 200u);
  EXPECT_EQ(core->counters().unauthorized, 2u);
}

TEST_F(fixture, watch_timeout_and_bookmarks) {
  core_options opts;
  opts.store.bookmark_interval = std::chrono::seconds{5};
  core = make_core(opts);
  auto w = call(*core, "GET",
                "/api/v1/services?watch=True&allowWatchBookmarks=True&timeoutSeconds=12&"
                "resourceVersion="
                  + std::to_string(core->resource_version()));
  auto plain = call(*core, "GET",
                    "/api/v1/services?watch=true&timeoutSeconds=12&resourceVersion="
                      + std::to_string(core->resource_version()));
  advance(std::chrono::seconds{6});
  ASSERT_EQ(w->events().size(), 1u);
  auto bm = w->events()[0];
  EXPECT_EQ(type_of(bm), "BOOKMARK");
  EXPECT_EQ(bm.at("object"),
            json::parse(R"({"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":")"
                        + std::to_string(core->resource_version()) + "\"}}"));
  EXPECT_FALSE(w->finished);
  advance(std::chrono::seconds{7});
  EXPECT_TRUE(w->finished);
  EXPECT_EQ(type_of(w->events().back()), "BOOKMARK");
  EXPECT_TRUE(plain->finished);
  EXPECT_TRUE(plain->events().empty()); // never a bookmark unless allowed
  EXPECT_EQ(core->open_watches(), 0u);
}

TEST_F(fixture, send_initial_events_ends_with_an_annotated_bookmark) {
  create_svc("a");
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=1&sendInitialEvents=true&"
                "resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=1");
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(type_of(events[0]), "ADDED");
  EXPECT_EQ(type_of(events[1]), "BOOKMARK");
  EXPECT_EQ(events[1].at("object").at("metadata").at("annotations").at("k8s.io/initial-events-end"),
            "true");
  create_svc("b");
  ASSERT_EQ(w->events().size(), 3u);
  EXPECT_EQ(type_of(w->events()[2]), "ADDED");
  EXPECT_EQ(call(*core, "GET",
                 "/api/v1/services?watch=1&sendInitialEvents=true&"
                 "allowWatchBookmarks=true")
              ->status(),
            422u);
  EXPECT_EQ(call(*core, "GET",
                 "/api/v1/services?watch=1&sendInitialEvents=true&"
                 "resourceVersionMatch=NotOlderThan")
              ->status(),
            422u);
  EXPECT_EQ(
    call(*core, "GET", "/api/v1/services?watch=1&resourceVersionMatch=NotOlderThan")->status(),
    422u);
}

TEST_F(fixture, closed_watch_connections_are_forgotten) {
  auto w = call(*core, "GET", "/api/v1/services?watch=true");
  EXPECT_EQ(core->open_watches(), 1u);
  w->disconnected = true;
  core->tick();
  EXPECT_EQ(core->open_watches(), 0u);
}

TEST_F(fixture, faults) {
  fault_settings f;
  f.rate_429 = 1.0;
  f.retry_after_s = 3;
  core->set_faults(f);
  auto limited = call(*core, "GET", "/api/v1/services");
  EXPECT_EQ(limited->status(), 429u);
  EXPECT_EQ(limited->header("Retry-After"), "3");
  EXPECT_EQ(limited->body().at("details").at("retryAfterSeconds"), 3);
  EXPECT_EQ(call(*core, "GET", "/api/v1")->status(), 200u); // discovery stays clean
  f = {};
  f.rate_500 = 1.0;
  core->set_faults(f);
  EXPECT_EQ(call(*core, "GET", "/api/v1/services")->status(), 500u);
  f = {};
  f.rate_503 = 1.0;
  core->set_faults(f);
  auto unavailable = call(*core, "GET", "/api/v1/services");
  EXPECT_EQ(unavailable->status(), 503u);
  EXPECT_EQ(unavailable->header("Retry-After"), "1");
  EXPECT_EQ(unavailable->body().at("reason"), "ServiceUnavailable");
  f = {};
  f.expire_history_every = std::chrono::milliseconds{5000};
  core->set_faults(f);
  auto before = create_svc("before-expiry");
  advance(std::chrono::seconds{1});
  advance(std::chrono::seconds{5});
  auto expired_watch =
    call(*core, "GET",
         "/api/v1/services?watch=true&resourceVersion=" + std::to_string(rv_of(before) - 1));
  ASSERT_EQ(expired_watch->events().size(), 1u);
  EXPECT_EQ(type_of(expired_watch->events()[0]), "ERROR");
  f = {};
  f.drop_watch_every = std::chrono::milliseconds{2000};
  core->set_faults(f);
  auto w = call(*core, "GET", "/api/v1/services?watch=true");
  advance(std::chrono::seconds{1});
  advance(std::chrono::seconds{2});
  EXPECT_TRUE(w->aborted);
  auto w2 = call(*core, "GET", "/api/v1/services?watch=true");
  core->drop_watches();
  EXPECT_TRUE(w2->aborted);
  auto c = core->counters();
  EXPECT_EQ(c.injected_429, 1u);
  EXPECT_EQ(c.injected_500, 1u);
  // Rates in between inject some, not all (seeded, so the count is reproducible).
  f = {};
  f.rate_429 = 0.5;
  core->set_faults(f);
  int hits = 0;
  for (int i = 0; i < 200; ++i)
    hits += call(*core, "GET", "/api/v1/nodes")->status() == 429 ? 1 : 0;
  EXPECT_GT(hits, 50);
  EXPECT_LT(hits, 150);
}

TEST_F(fixture, discovery_documents) {
  auto api = call(*core, "GET", "/api?timeout=32s")->body();
  EXPECT_EQ(api.at("kind"), "APIVersions");
  auto v1 = call(*core, "GET", "/api/v1")->body();
  std::set<std::string> names;
  for (const auto& r : v1.at("resources").as_array())
    names.emplace(r.at("name").as_string());
  EXPECT_EQ(names, (std::set<std::string>{"events", "namespaces", "namespaces/status", "nodes",
                                          "nodes/status", "services", "services/status"}));
  auto apis = call(*core, "GET", "/apis")->body();
  EXPECT_EQ(apis.at("groups").as_array().size(), 2u);
  auto coord = call(*core, "GET", "/apis/coordination.k8s.io/v1")->body();
  EXPECT_EQ(coord.at("resources").at(0).at("kind"), "Lease");
  EXPECT_EQ(call(*core, "GET", "/version")->body().at("minor"), "30");
  EXPECT_EQ(call(*core, "GET", "/apis/apps/v1")->status(), 404u);
  auto ns = call(*core, "GET", "/api/v1/namespaces")->body();
  EXPECT_EQ(ns.at("items").as_array().size(), 4u);
}

TEST_F(fixture, namespaces_delete_their_objects) {
  ASSERT_EQ(call(*core, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"team"}})")->status(),
            201u);
  ASSERT_EQ(call(*core, "POST", "/api/v1/namespaces/team/services", svc("x"))->status(), 201u);
  EXPECT_EQ(call(*core, "DELETE", "/api/v1/namespaces/team")->status(), 200u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/team/services/x")->status(), 404u);
  EXPECT_EQ(call(*core, "DELETE", "/api/v1/namespaces/default")->status(), 403u);
}

TEST_F(fixture, delete_collection_honours_selectors) {
  create_svc("a", R"(,"labels":{"app":"x"})");
  create_svc("b", R"(,"labels":{"app":"x"},"finalizers":["f"])");
  create_svc("c");
  auto w = call(*core, "DELETE", "/api/v1/namespaces/default/services?labelSelector=app%3Dx");
  ASSERT_EQ(w->status(), 200u);
  EXPECT_EQ(w->body().at("kind"), "ServiceList");
  EXPECT_EQ(w->body().at("items").as_array().size(), 2u);
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services/a")->status(), 404u);
  auto b = call(*core, "GET", "/api/v1/namespaces/default/services/b")->body();
  EXPECT_TRUE(b.at("metadata").as_object().contains("deletionTimestamp"));
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services/c")->status(), 200u);
}

TEST_F(fixture, direct_object_access) {
  auto node = core->put_object(json::parse(R"({"apiVersion":"v1","kind":"Node",
    "metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}})")
                                 .as_object());
  ASSERT_TRUE(node);
  auto got = core->get_object("v1", "Node", "", "n1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("status").at("addresses").at(0).at("address"), "10.0.0.1");
  // Replacing also updates status.
  auto changed = core->put_object(json::parse(R"({"apiVersion":"v1","kind":"Node",
    "metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"}]}})")
                                    .as_object());
  ASSERT_TRUE(changed);
  EXPECT_EQ(
    core->get_object("v1", "Node", "", "n1")->at("status").at("addresses").at(0).at("address"),
    "10.0.0.2");
  EXPECT_EQ(core->list_objects("v1", "Node", "").size(), 1u);
  auto svc = core->put_object(json::parse(R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"seeded"},"spec":{"type":"LoadBalancer","ports":[{"port":80}]},
    "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.5"}]}}})")
                                .as_object());
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->at("metadata").at("namespace"), "default");
  EXPECT_EQ(svc->at("status").at("loadBalancer").at("ingress").at(0).at("ip"), "192.0.2.5");
  EXPECT_TRUE(svc->at("spec").at("ports").at(0).as_object().contains("nodePort"));
  EXPECT_TRUE(core->delete_object("v1", "Node", "", "n1"));
  EXPECT_FALSE(core->delete_object("v1", "Node", "", "n1"));
  EXPECT_FALSE(core->put_object(json::parse(R"({"apiVersion":"v9","kind":"Pod"})").as_object()));
  auto log = core->request_log();
  EXPECT_TRUE(log.empty()); // direct access is not API traffic
  call(*core, "GET", "/api/v1/nodes/n1");
  ASSERT_EQ(core->request_log().size(), 1u);
  EXPECT_EQ(core->request_log()[0], "GET /api/v1/nodes/n1 -> 404");
}

TEST_F(fixture, concurrent_writers_give_an_ordered_gap_free_stream) {
  auto w = call(*core, "GET",
                "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                  + std::to_string(core->resource_version()));
  constexpr int threads = 4;
  constexpr int per_thread = 40;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([this, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto name = "t" + std::to_string(t) + "-" + std::to_string(i);
        call(*core, "POST", "/api/v1/namespaces/default/services", svc(name, "", "NodePort"));
        call(*core, "PATCH", "/api/v1/namespaces/default/services/" + name,
             R"({"metadata":{"labels":{"touched":"yes"}}})", "application/merge-patch+json");
      }
    });
  for (auto& th : pool)
    th.join();
  auto events = w->events();
  ASSERT_EQ(events.size(), size_t{threads * per_thread * 2});
  uint64_t prev = 0;
  std::set<int64_t> node_ports;
  for (const auto& ev : events) {
    uint64_t rv = rv_of(ev.at("object").as_object());
    if (prev != 0) {
      EXPECT_EQ(rv, prev + 1);
    }
    prev = rv;
    if (type_of(ev) == "ADDED") {
      EXPECT_TRUE(
        node_ports.insert(ev.at("object").at("spec").at("ports").at(0).at("nodePort").as_int64())
          .second);
    }
  }
  EXPECT_EQ(node_ports.size(), size_t{threads * per_thread});
}

TEST_F(fixture, events_expire_an_event_ttl_after_their_last_write) {
  core_options opts;
  opts.store.event_ttl = std::chrono::seconds{3600};
  core = make_core(opts);
  auto event = [](std::string_view name, std::string_view message) {
    return R"({"apiVersion":"v1","kind":"Event","metadata":{"name":")" + std::string{name}
           + R"("},"involvedObject":{"kind":"Service","namespace":"default","name":"web"},)"
           + R"("reason":"Test","message":")" + std::string{message} + R"(","type":"Normal"})";
  };
  const std::string base = "/api/v1/namespaces/default/events";
  ASSERT_EQ(call(*core, "POST", base, event("old", "a"))->status(), 201u);
  ASSERT_EQ(call(*core, "POST", base, event("kept", "a"))->status(), 201u);
  auto watch = call(*core, "GET",
                    base + "?watch=true&timeoutSeconds=86400&resourceVersion="
                      + std::to_string(core->resource_version()));
  advance(std::chrono::seconds{1800});
  auto kept = call(*core, "GET", base + "/kept")->body();
  kept["message"] = "b";
  ASSERT_EQ(call(*core, "PUT", base + "/kept", json::serialize(kept))->status(), 200u);
  auto status = [&](std::string_view name) {
    return call(*core, "GET", base + "/" + std::string{name})->status();
  };
  advance(std::chrono::seconds{1799});
  EXPECT_EQ(status("old"), 200u) << "not yet: an hour after its write";
  advance(std::chrono::seconds{2});
  EXPECT_EQ(status("old"), 404u);
  EXPECT_EQ(status("kept"), 200u) << "written again 30 min later";
  advance(std::chrono::seconds{1800});
  EXPECT_EQ(status("kept"), 404u);
  std::vector<std::string> seen;
  for (const auto& ev : watch->events())
    seen.push_back(type_of(ev) + " " + name_of(ev));
  EXPECT_EQ(seen, (std::vector<std::string>{"MODIFIED kept", "DELETED old", "DELETED kept"}));
  // Other kinds never expire.
  create_svc("web");
  advance(std::chrono::seconds{7200});
  EXPECT_EQ(call(*core, "GET", "/api/v1/namespaces/default/services/web")->status(), 200u);
}
