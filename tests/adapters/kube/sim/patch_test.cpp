#include "adapters/kube/sim/patch.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace vcdlb::kube::sim;
namespace json = boost::json;

namespace {

json::value j(std::string_view text) {
  return json::parse(text);
}

} // namespace

TEST(merge_patch, follows_rfc7386) {
  auto target = j(R"({"a":"b","c":{"d":"e","f":"g"},"l":[1,2]})");
  auto patch = j(R"({"a":"z","c":{"f":null},"l":[3],"n":{"x":1}})");
  EXPECT_EQ(merge_patch(target, patch), j(R"({"a":"z","c":{"d":"e"},"l":[3],"n":{"x":1}})"));
}

TEST(json_patch, applies_every_operation) {
  auto target = j(R"({"a":{"b":1},"l":[1,2,3],"x~y":0,"s/t":1})");
  auto ops = j(R"([
    {"op":"add","path":"/a/c","value":2},
    {"op":"add","path":"/l/-","value":4},
    {"op":"add","path":"/l/0","value":0},
    {"op":"remove","path":"/l/1"},
    {"op":"replace","path":"/x~0y","value":5},
    {"op":"move","from":"/s~1t","path":"/m"},
    {"op":"copy","from":"/a","path":"/a2"},
    {"op":"test","path":"/a/b","value":1}])");
  auto res = json_patch(target, ops);
  ASSERT_TRUE(res);
  EXPECT_EQ(*res, j(R"({"a":{"b":1,"c":2},"l":[0,2,3,4],"x~y":5,"m":1,"a2":{"b":1,"c":2}})"));
}

TEST(json_patch, failed_test_and_missing_paths_are_422) {
  auto target = j(R"({"metadata":{"resourceVersion":"5"}})");
  auto failed =
    json_patch(target, j(R"([{"op":"test","path":"/metadata/resourceVersion","value":"4"}])"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, 422u);
  EXPECT_EQ(json_patch(target, j(R"([{"op":"remove","path":"/nope"}])")).error().code, 422u);
  EXPECT_EQ(json_patch(target, j(R"([{"op":"replace","path":"/a","value":1}])")).error().code,
            422u);
  EXPECT_EQ(json_patch(target, j(R"({"op":"add"})")).error().code, 400u);
  EXPECT_EQ(json_patch(target, j(R"([{"op":"frobnicate","path":"/a"}])")).error().code, 400u);
}

TEST(strategic_merge_patch, kubectl_apply_port_change) {
  // What kubectl apply sends when port 80 becomes 8080 (reference 2.4).
  auto svc = j(R"({"metadata":{"name":"web","annotations":{"old":"x"}},
                   "spec":{"type":"LoadBalancer","ports":[
                     {"name":"http","port":80,"protocol":"TCP","nodePort":31000},
                     {"name":"metrics","port":9100,"protocol":"TCP","nodePort":31001}]}})");
  auto patch =
    j(R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
                     "spec":{"$setElementOrder/ports":[{"port":9100},{"port":8080}],
                             "ports":[{"name":"http","port":8080,"protocol":"TCP"},
                                      {"$patch":"delete","port":80}]}})");
  auto res = strategic_merge_patch(svc, patch);
  ASSERT_TRUE(res);
  auto& spec = res->at("spec").as_object();
  EXPECT_EQ(spec.at("ports"),
            j(R"([{"name":"metrics","port":9100,"protocol":"TCP","nodePort":31001},
                  {"name":"http","port":8080,"protocol":"TCP"}])"));
  EXPECT_EQ(res->at("metadata").at("annotations").as_object().size(), 2u);
  EXPECT_EQ(spec.at("type"), "LoadBalancer");
}

TEST(strategic_merge_patch, keyed_items_merge_instead_of_replace) {
  auto svc = j(R"({"spec":{"ports":[{"port":80,"nodePort":31000,"name":"a"}]}})");
  auto res = strategic_merge_patch(svc, j(R"({"spec":{"ports":[{"port":80,"name":"b"}]}})"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->at("spec").at("ports"), j(R"([{"port":80,"nodePort":31000,"name":"b"}])"));
}

TEST(strategic_merge_patch, finalizers_are_a_set) {
  auto obj = j(R"({"metadata":{"finalizers":["a","b"]}})");
  auto added = strategic_merge_patch(obj, j(R"({"metadata":{"finalizers":["b","c"]}})"));
  ASSERT_TRUE(added);
  EXPECT_EQ(added->at("metadata").at("finalizers"), j(R"(["a","b","c"])"));
  auto removed = strategic_merge_patch(
    *added, j(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a","c"]}})"));
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->at("metadata").at("finalizers"), j(R"(["b"])"));
}

TEST(strategic_merge_patch, directives_replace_delete_retain_and_atomic_lists) {
  auto obj = j(R"({"spec":{"sel":{"a":"1","b":"2"},"ports":[{"port":1},{"port":2}],
                           "taints":[{"key":"x"}]},"status":{"loadBalancer":{"ingress":[{"ip":"1.1.1.1"}]}}})");
  auto patch = j(R"({"spec":{"sel":{"$patch":"replace","c":"3"},
                             "ports":[{"$patch":"replace"},{"port":3}],
                             "taints":[{"key":"y"}]},
                     "status":{"loadBalancer":{"ingress":[{"ip":"2.2.2.2"}]}}})");
  auto res = strategic_merge_patch(obj, patch);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->at("spec").at("sel"), j(R"({"c":"3"})"));
  EXPECT_EQ(res->at("spec").at("ports"), j(R"([{"port":3}])"));
  EXPECT_EQ(res->at("spec").at("taints"), j(R"([{"key":"y"}])"));
  EXPECT_EQ(res->at("status").at("loadBalancer").at("ingress"), j(R"([{"ip":"2.2.2.2"}])"));
  auto deleted = strategic_merge_patch(*res, j(R"({"spec":{"sel":{"$patch":"delete"}}})"));
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->at("spec").as_object().contains("sel"));
  auto retained = strategic_merge_patch(j(R"({"spec":{"a":1,"b":2}})"),
                                        j(R"({"spec":{"$retainKeys":["a","c"],"c":3}})"));
  ASSERT_TRUE(retained);
  EXPECT_EQ(retained->at("spec"), j(R"({"a":1,"c":3})"));
}

TEST(strategic_merge_patch, rejects_malformed_input) {
  EXPECT_FALSE(strategic_merge_patch(j("{}"), j("[1]")));
  auto missing_key =
    strategic_merge_patch(j(R"({"spec":{"ports":[]}})"), j(R"({"spec":{"ports":[{"name":"x"}]}})"));
  ASSERT_FALSE(missing_key);
  EXPECT_EQ(missing_key.error().code, 400u);
  EXPECT_FALSE(strategic_merge_patch(j("{}"), j(R"({"$patch":"frob"})")));
}
