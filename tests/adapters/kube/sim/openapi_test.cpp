// The OpenAPI documents of the API server double and the server-side field validation they
// announce (what kubectl needs to apply without --validate=false).

#include "adapters/kube/sim/openapi.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "adapters/kube/sim/api_core.hpp"
#include "fake_writer.hpp"

using namespace vcdlb::kube::sim;
using vcdlb::kube::sim::test::call;
namespace json = boost::json;

namespace {

std::shared_ptr<test::fake_writer> get(api_core& core, std::string target, std::string accept) {
  vcdlb::http::request req;
  req.target = std::move(target);
  req.fields.emplace_back("Accept", std::move(accept));
  auto w = std::make_shared<test::fake_writer>();
  core.handle(req, w);
  return w;
}

// The PATCH operation of `path` in an OpenAPI document.
const json::object& patch_op(const json::object& doc, const std::string& path) {
  return doc.at("paths").at(path).at("patch").as_object();
}

bool has_query_param(const json::object& op, std::string_view name) {
  for (const auto& p : op.at("parameters").as_array())
    if (p.at("name").as_string() == name && p.at("in") == "query")
      return true;
  return false;
}

// Reads one varint at `pos`.
uint64_t varint(std::string_view b, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; pos < b.size(); shift += 7) {
    auto c = static_cast<unsigned char>(b[pos++]);
    v |= uint64_t{c & 0x7fu} << shift;
    if ((c & 0x80) == 0)
      break;
  }
  return v;
}

// The length-delimited fields `field` of one protobuf message.
std::vector<std::string_view> fields(std::string_view msg, unsigned field) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < msg.size()) {
    auto key = varint(msg, pos);
    EXPECT_EQ(key & 7, 2u) << "only length-delimited fields are written";
    auto len = varint(msg, pos);
    if ((key >> 3) == field)
      out.push_back(msg.substr(pos, len));
    pos += len;
  }
  return out;
}

} // namespace

TEST(openapi, v3_root_points_at_every_group_version) {
  api_core core;
  auto root = get(core, "/openapi/v3", "application/json")->body();
  const auto& paths = root.at("paths").as_object();
  for (const char* gv : {"api/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1"}) {
    ASSERT_TRUE(paths.contains(gv)) << gv;
    std::string url{paths.at(gv).at("serverRelativeURL").as_string()};
    EXPECT_EQ(url.rfind(std::string{"/openapi/v3/"} + gv + "?hash=", 0), 0u) << url;
    auto doc = get(core, url, "application/json");
    EXPECT_EQ(doc->status(), 200u) << url;
  }
}

TEST(openapi, v3_patch_operations_carry_the_gvk_and_field_validation) {
  // What kubectl's QueryParamVerifierV3 looks for before it sends fieldValidation=Strict.
  auto doc = openapi_v3_document("", "v1");
  ASSERT_TRUE(doc);
  const auto& op = patch_op(*doc, "/api/v1/namespaces/{namespace}/services/{name}");
  EXPECT_EQ(op.at("x-kubernetes-group-version-kind"),
            json::parse(R"({"group":"","version":"v1","kind":"Service"})"));
  EXPECT_TRUE(has_query_param(op, "fieldValidation"));
  EXPECT_TRUE(
    patch_op(*doc, "/api/v1/nodes/{name}").at("x-kubernetes-group-version-kind").at("kind")
    == "Node");
  // The schema kubectl explain reads.
  const auto& svc =
    doc->at("components").at("schemas").at("io.k8s.api.core.v1.Service").as_object();
  EXPECT_EQ(svc.at("properties").at("metadata").at("$ref"),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_TRUE(doc->at("components")
                .at("schemas")
                .as_object()
                .contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  auto lease = openapi_v3_document("coordination.k8s.io", "v1");
  ASSERT_TRUE(lease);
  EXPECT_TRUE(has_query_param(
    patch_op(*lease, "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"),
    "fieldValidation"));
  EXPECT_FALSE(openapi_v3_document("apps", "v1"));
}

TEST(openapi, v2_as_json_and_as_protobuf) {
  api_core core;
  auto j = get(core, "/openapi/v2", "application/json")->body();
  EXPECT_EQ(j.at("swagger"), "2.0");
  EXPECT_EQ(
    j.at("definitions").at("io.k8s.api.core.v1.Service").at("properties").at("metadata").at("$ref"),
    "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_TRUE(has_query_param(patch_op(j, "/api/v1/namespaces/{namespace}/services/{name}"),
                              "fieldValidation"));

  auto pb = get(core, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  ASSERT_EQ(pb->status(), 200u);
  EXPECT_EQ(pb->header("Content-Type"), openapi_v2_protobuf_type);
  const std::string body = pb->response->body;
  // Document{swagger(1), info(2), paths(8){path(2): NamedPathItem{name(1), value(2)}}}
  ASSERT_EQ(fields(body, 1).size(), 1u);
  EXPECT_EQ(fields(body, 1)[0], "2.0");
  ASSERT_EQ(fields(body, 8).size(), 1u);
  bool found = false;
  for (auto named : fields(fields(body, 8)[0], 2)) {
    if (fields(named, 1).at(0) != "/api/v1/namespaces/{namespace}/services/{name}")
      continue;
    found = true;
    auto patch = fields(fields(named, 2).at(0), 8).at(0); // PathItem.patch
    // vendor_extension(13): NamedAny{name(1), value(2): Any{yaml(2)}}
    auto ext = fields(patch, 13).at(0);
    EXPECT_EQ(fields(ext, 1).at(0), "x-kubernetes-group-version-kind");
    EXPECT_EQ(fields(fields(ext, 2).at(0), 2).at(0), "group: \"\"\nkind: Service\nversion: v1\n");
    // parameters(8) -> parameter(1) -> non_body_parameter(2) -> query(3) -> name(4)
    std::vector<std::string_view> names;
    for (auto item : fields(patch, 8))
      names.push_back(fields(fields(fields(fields(item, 1).at(0), 2).at(0), 3).at(0), 4).at(0));
    EXPECT_NE(std::find(names.begin(), names.end(), "fieldValidation"), names.end());
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(get(core, "/openapi/v2", "application/vnd.kubernetes.protobuf")->status(), 406u);
}

TEST(openapi, strict_field_validation_refuses_unknown_fields) {
  api_core core;
  const std::string svc =
    R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"any":"x"}},
        "spec":{"type":"LoadBalancer","bogus":1,"ports":[{"port":80,"extra":true}]}})";
  auto strict =
    call(core, "POST", "/api/v1/namespaces/default/services?fieldValidation=Strict", svc);
  ASSERT_EQ(strict->status(), 400u) << strict->response->body;
  EXPECT_EQ(strict->body().at("reason"), "BadRequest");
  EXPECT_EQ(strict->body().at("message"),
            "Service in version \"v1\" cannot be handled as a Service: strict decoding error: "
            "unknown field \"spec.bogus\", unknown field \"spec.ports[0].extra\"");
  EXPECT_EQ(
    call(core, "POST", "/api/v1/namespaces/default/services?fieldValidation=Bogus", svc)->status(),
    400u);
  // Warn (the default) accepts them with the apiserver's Warning headers; Ignore silently.
  auto warned = call(core, "POST", "/api/v1/namespaces/default/services", svc);
  ASSERT_EQ(warned->status(), 201u);
  EXPECT_EQ(warned->header("Warning"), "299 - \"unknown field \\\"spec.bogus\\\"\"");
  EXPECT_EQ(call(core, "DELETE", "/api/v1/namespaces/default/services/web")->status(), 200u);
  auto ignored =
    call(core, "POST", "/api/v1/namespaces/default/services?fieldValidation=Ignore", svc);
  EXPECT_EQ(ignored->status(), 201u);
  EXPECT_EQ(ignored->header("Warning"), "");
  // A strategic merge patch is a partial object; $-directives are not fields.
  auto patch = call(core, "PATCH", "/api/v1/namespaces/default/services/web?fieldValidation=Strict",
                    R"({"metadata":{"annotations":{"a":"b"}},"spec":{"$setElementOrder/ports":
                        [{"port":80}],"sessionAffinity":"None"}})",
                    "application/strategic-merge-patch+json");
  EXPECT_EQ(patch->status(), 200u) << patch->response->body;
  EXPECT_EQ(call(core, "PATCH", "/api/v1/namespaces/default/services/web?fieldValidation=Strict",
                 R"({"spec":{"nope":1}})", "application/merge-patch+json")
              ->status(),
            400u);
  // Open subtrees are not checked: a Node's status.
  EXPECT_EQ(call(core, "POST", "/api/v1/nodes?fieldValidation=Strict",
                 R"({"metadata":{"name":"n1"},"status":{"anything":{"goes":1}}})")
              ->status(),
            201u);
}

TEST(openapi, unknown_fields_lists_paths_in_document_order) {
  const auto* lease = find_resource("coordination.k8s.io", "v1", "leases");
  ASSERT_NE(lease, nullptr);
  auto obj = json::parse(R"({"metadata":{"name":"l","x":1},"spec":{"holderIdentity":"a",
                             "y":2},"z":3})")
               .as_object();
  EXPECT_EQ(unknown_fields(*lease, obj), (std::vector<std::string>{"metadata.x", "spec.y", "z"}));
}
