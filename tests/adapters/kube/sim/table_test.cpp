#include "adapters/kube/sim/table.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "adapters/kube/sim/api_core.hpp"
#include "fake_writer.hpp"

using namespace vcdlb::kube::sim;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::shared_ptr<test::fake_writer> get_table(api_core& core, std::string target) {
  vcdlb::http::request req;
  req.target = std::move(target);
  req.fields.emplace_back("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,"
                                    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                                    "application/json");
  auto w = std::make_shared<test::fake_writer>();
  core.handle(req, w);
  return w;
}

} // namespace

TEST(table, human_duration_matches_kubectl) {
  EXPECT_EQ(human_duration(0s), "0s");
  EXPECT_EQ(human_duration(119s), "119s");
  EXPECT_EQ(human_duration(125s), "2m5s");
  EXPECT_EQ(human_duration(600s), "10m");
  EXPECT_EQ(human_duration(3h + 5min), "3h5m");
  EXPECT_EQ(human_duration(30h), "30h");
  EXPECT_EQ(human_duration(24h * 3 + 2h), "3d2h");
  EXPECT_EQ(human_duration(24h * 30), "30d");
}

TEST(table, wants_table_reads_kubectl_accept) {
  EXPECT_TRUE(wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
  EXPECT_FALSE(wants_table("application/json, */*"));
}

TEST(table, service_list_and_watch_rows) {
  api_core core;
  auto created = test::call(core, "POST", "/api/v1/namespaces/default/services",
                            R"({"metadata":{"name":"web"},"spec":{"type":"LoadBalancer",
                                "selector":{"app":"web"},"ports":[{"port":80,"nodePort":30080}]}})");
  ASSERT_EQ(created->status(), 201u);
  auto list = get_table(core, "/api/v1/namespaces/default/services?limit=500");
  auto t = list->body();
  EXPECT_EQ(t.at("kind"), "Table");
  EXPECT_EQ(t.at("columnDefinitions").at(3).at("name"), "External-IP");
  auto cells = t.at("rows").at(0).at("cells").as_array();
  EXPECT_EQ(cells.at(0), "web");
  EXPECT_EQ(cells.at(1), "LoadBalancer");
  EXPECT_EQ(cells.at(3), "<pending>");
  EXPECT_EQ(cells.at(4), "80:30080/TCP");
  EXPECT_EQ(cells.at(6), "app=web");
  EXPECT_EQ(t.at("rows").at(0).at("object").at("kind"), "PartialObjectMetadata");
  EXPECT_EQ(t.at("metadata").at("resourceVersion"),
            json::value(std::to_string(core.resource_version())));

  auto w = get_table(core, "/api/v1/namespaces/default/services?watch=true&resourceVersion="
                             + std::to_string(core.resource_version()));
  test::call(core, "PATCH", "/api/v1/namespaces/default/services/web/status",
             R"({"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}})",
             "application/merge-patch+json");
  test::call(core, "PATCH", "/api/v1/namespaces/default/services/web",
             R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json");
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  const auto& first = events[0].at("object").as_object();
  EXPECT_EQ(first.at("kind"), "Table");
  EXPECT_TRUE(first.contains("columnDefinitions"));
  EXPECT_EQ(first.at("rows").at(0).at("cells").at(3), "192.0.2.1");
  EXPECT_FALSE(events[1].at("object").as_object().contains("columnDefinitions"));

  auto one = get_table(core, "/api/v1/namespaces/default/services/web?includeObject=None");
  EXPECT_FALSE(one->body().at("rows").at(0).as_object().contains("object"));
  auto nodes = get_table(core, "/api/v1/nodes");
  EXPECT_EQ(nodes->body().at("columnDefinitions").at(1).at("name"), "Status");
}

TEST(table, events_have_kubectls_columns_and_select_by_involved_object) {
  auto now = sim_clock::time_point{std::chrono::seconds{1'800'000'000}};
  core_options o;
  o.clock = [&now] { return now; };
  api_core core{o};
  auto ev = test::call(core, "POST", "/api/v1/namespaces/default/events", R"({
    "metadata":{"name":"web.1"},
    "involvedObject":{"kind":"Service","namespace":"default","name":"web","apiVersion":"v1"},
    "reason":"EnsuringLoadBalancer","message":"Ensuring load balancer\n","type":"Normal",
    "count":3,"source":{"component":"vcdlb","host":"pod-1"},
    "firstTimestamp":"2027-01-15T07:55:00Z","lastTimestamp":"2027-01-15T08:00:00Z"})");
  ASSERT_EQ(ev->status(), 201u) << ev->response->body;
  now = sim_clock::from_time_t(1'800'000'000); // 2027-01-15T08:00:00Z
  auto t = get_table(core, "/api/v1/namespaces/default/events")->body();
  std::vector<std::string> names;
  for (const auto& c : t.at("columnDefinitions").as_array())
    if (c.at("priority").as_int64() == 0)
      names.emplace_back(c.at("name").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Message"}));
  auto cells = t.at("rows").at(0).at("cells").as_array();
  ASSERT_EQ(cells.size(), t.at("columnDefinitions").as_array().size());
  EXPECT_EQ(cells.at(0), "0s");
  EXPECT_EQ(cells.at(1), "Normal");
  EXPECT_EQ(cells.at(2), "EnsuringLoadBalancer");
  EXPECT_EQ(cells.at(3), "service/web");
  EXPECT_EQ(cells.at(5), "vcdlb, pod-1");
  EXPECT_EQ(cells.at(6), "Ensuring load balancer");
  EXPECT_EQ(cells.at(7), "5m");
  EXPECT_EQ(cells.at(8), 3);
  EXPECT_EQ(cells.at(9), "web.1");
  // `kubectl events --for service/web` selects on involvedObject.apiVersion too.
  auto sel = test::call(core, "GET",
                        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3D"
                        "Service%2CinvolvedObject.apiVersion%3Dv1%2CinvolvedObject.name%3Dweb");
  ASSERT_EQ(sel->status(), 200u) << sel->response->body;
  EXPECT_EQ(sel->body().at("items").as_array().size(), 1u);
  auto none = test::call(core, "GET",
                         "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D"
                         "other");
  EXPECT_EQ(none->body().at("items").as_array().size(), 0u);
}
