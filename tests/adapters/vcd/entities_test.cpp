// Runtime defined entities through the CloudAPI client (over a scripted HTTP client) and the
// fake: GET with its ETag, PUT with If-Match, a stale ETag as a distinct error, missing
// entities and refusals, entity types, and malformed answers as errors.

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "tests/adapters/vcd/scripted_http.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
using vcdlb::vcd::test::scripted_http;

const std::string rde =
  "urn:vcloud:entity:vmware:capvcdCluster:8a1b2c3d-0000-4000-8000-000000000001";
const std::string rde_type = "urn:vcloud:type:vmware:capvcdCluster:1.2.0";
const std::string entity_body = R"({"id":")" + rde + R"(","entityType":")" + rde_type
                                + R"(","name":"cluster1","entityState":"RESOLVED",)"
                                  R"("entity":{"kind":"CAPVCDCluster","status":{"capvcd":{}}}})";

http::response reply(unsigned status, std::string body, http::header_list fields = {}) {
  http::response r;
  r.status = status;
  r.fields = std::move(fields);
  r.fields.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string header(const http::request& r, std::string_view name) {
  auto v = detail::header_value(r.fields, name);
  return v ? std::string{*v} : std::string{"<absent>"};
}

template <class T, class F>
caf::expected<T> run(F&& f) {
  std::optional<caf::expected<T>> out;
  f([&](caf::expected<T> x) { out.emplace(std::move(x)); });
  EXPECT_TRUE(out) << "completes synchronously";
  return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
}

vcd_errc code_of(const caf::error& err) {
  EXPECT_EQ(err.category(), caf::atom("vcd")) << describe(err);
  return static_cast<vcd_errc>(err.code());
}

// A scripted VCD: login plus one handler for the entity requests.
class entity_client_test : public ::testing::Test {
protected:
  std::function<http::response(const http::request&)> on_entity;
  std::shared_ptr<scripted_http> http = std::make_shared<scripted_http>(
    [this](const http::request& r) -> caf::expected<http::response> {
      auto path = r.target.substr(0, r.target.find('?'));
      if (path == "/api/versions") {
        http::response v;
        v.status = 200;
        v.body = R"(<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">)"
                 R"(<VersionInfo><Version>37.2</Version></VersionInfo></SupportedVersions>)";
        return v;
      }
      if (path == "/cloudapi/1.0.0/sessions")
        return reply(200,
                     R"({"id":"s","user":{"name":"u","id":"urn:vcloud:user:1"},)"
                     R"("org":{"name":"org1","id":"urn:vcloud:org:1"}})",
                     {{"X-VMWARE-VCLOUD-ACCESS-TOKEN", "tok"}});
      return on_entity(r);
    });
  std::shared_ptr<beast_client> client = [this] {
    beast_client_options o;
    o.org = "org1";
    o.vdc = "vdc1";
    o.user = "u";
    o.password = config::secret_string{"p"};
    return beast_client::make(http, "https://vcd.example.com", o);
  }();

  std::vector<http::request> entity_requests() const {
    std::vector<http::request> out;
    for (const auto& r : http->requests)
      if (r.target.starts_with("/cloudapi/1.0.0/entit"))
        out.push_back(r);
    return out;
  }
};

TEST_F(entity_client_test, get_reads_the_entity_and_its_etag) {
  on_entity = [](const http::request&) { return reply(200, entity_body, {{"ETag", "\"7\""}}); };
  auto e = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_TRUE(e) << describe(e.error());
  EXPECT_EQ(e->id, rde);
  EXPECT_EQ(e->entity_type, rde_type);
  EXPECT_EQ(e->name, "cluster1");
  EXPECT_EQ(e->state, "RESOLVED");
  EXPECT_EQ(e->etag, "\"7\"");
  EXPECT_EQ(e->body, entity_body) << "kept verbatim so a write changes only its own part";
  auto sent = entity_requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].target, "/cloudapi/1.0.0/entities/" + rde);
  EXPECT_EQ(header(sent[0], "Accept"), "application/json;version=37.2");
}

TEST_F(entity_client_test, put_sends_if_match_and_returns_the_new_etag) {
  on_entity = [](const http::request& r) {
    if (r.method != "PUT")
      return reply(405, "{}");
    return reply(200, r.body, {{"ETag", "\"8\""}});
  };
  defined_entity e{rde, rde_type, "cluster1", "RESOLVED", entity_body, "\"7\""};
  auto stored = run<defined_entity>([&](auto cb) { client->update_defined_entity(e, cb); });
  ASSERT_TRUE(stored) << describe(stored.error());
  EXPECT_EQ(stored->etag, "\"8\"");
  auto sent = entity_requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "PUT");
  EXPECT_EQ(header(sent[0], "If-Match"), "\"7\"");
  EXPECT_EQ(header(sent[0], "Content-Type"), "application/json");
  EXPECT_EQ(sent[0].body, entity_body);
}

TEST_F(entity_client_test, a_stale_etag_is_precondition_failed) {
  on_entity = [](const http::request&) {
    return reply(412, R"({"minorErrorCode":"PRECONDITION_FAILED","message":"etag mismatch"})");
  };
  defined_entity e{rde, rde_type, "cluster1", "RESOLVED", entity_body, "\"7\""};
  auto r = run<defined_entity>([&](auto cb) { client->update_defined_entity(e, cb); });
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r.error()), vcd_errc::precondition_failed);
}

TEST_F(entity_client_test, an_unconditional_write_is_refused_before_sending) {
  on_entity = [](const http::request& r) { return reply(200, r.body, {{"ETag", "\"1\""}}); };
  defined_entity e{rde, rde_type, "cluster1", "RESOLVED", entity_body, ""};
  auto r = run<defined_entity>([&](auto cb) { client->update_defined_entity(e, cb); });
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r.error()), vcd_errc::bad_request);
  EXPECT_TRUE(entity_requests().empty());
}

TEST_F(entity_client_test, missing_and_refused_entities_are_distinct_errors) {
  on_entity = [](const http::request&) {
    return reply(404, R"({"minorErrorCode":"NOT_FOUND","message":"no such entity"})");
  };
  auto missing = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(code_of(missing.error()), vcd_errc::not_found);
  // No rights to it is not "missing": a cluster must not be taken for deleted.
  on_entity = [](const http::request&) {
    return reply(403, R"({"minorErrorCode":"ACCESS_TO_RESOURCE_IS_FORBIDDEN","message":"no"})");
  };
  auto refused = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(code_of(refused.error()), vcd_errc::forbidden);
  on_entity = [](const http::request&) {
    return reply(401, R"({"minorErrorCode":"UNAUTHORIZED","message":"x"})");
  };
  auto r401 = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(r401);
  EXPECT_EQ(code_of(r401.error()), vcd_errc::unauthorized);
}

TEST_F(entity_client_test, malformed_answers_are_bad_response) {
  on_entity = [](const http::request&) { return reply(200, entity_body); }; // no ETag
  auto no_etag = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(no_etag);
  EXPECT_EQ(code_of(no_etag.error()), vcd_errc::bad_response);
  on_entity = [](const http::request&) {
    return reply(200, R"({"id":"x","entity":[1,2]})", {{"ETag", "\"1\""}});
  };
  auto not_object = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(not_object);
  EXPECT_EQ(code_of(not_object.error()), vcd_errc::bad_response);
  on_entity = [](const http::request&) { return reply(200, "{\"id\":", {{"ETag", "\"1\""}}); };
  auto truncated = run<defined_entity>([&](auto cb) { client->get_defined_entity(rde, cb); });
  ASSERT_FALSE(truncated);
  EXPECT_EQ(code_of(truncated.error()), vcd_errc::bad_response);
}

TEST_F(entity_client_test, reads_an_entity_type) {
  on_entity = [](const http::request& r) {
    if (r.target != "/cloudapi/1.0.0/entityTypes/" + rde_type)
      return reply(404, "{}");
    return reply(200, R"({"id":")" + rde_type
                        + R"(","name":"CAPVCD Cluster","vendor":"vmware","nss":"capvcdCluster",)"
                          R"("version":"1.2.0","schema":{}})");
  };
  auto t =
    run<defined_entity_type>([&](auto cb) { client->get_defined_entity_type(rde_type, cb); });
  ASSERT_TRUE(t) << describe(t.error());
  EXPECT_EQ(t->vendor, "vmware");
  EXPECT_EQ(t->nss, "capvcdCluster");
  EXPECT_EQ(t->version, "1.2.0");
}

// -- the fake ---------------------------------------------------------------------------------

TEST(fake_entities, read_modify_write_with_etags) {
  fake_client vcd;
  vcd.put_defined_entity({rde, rde_type, "cluster1", "RESOLVED", entity_body, ""});
  auto first = run<defined_entity>([&](auto cb) { vcd.get_defined_entity(rde, cb); });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->etag, "\"1\"");
  auto written = run<defined_entity>([&](auto cb) { vcd.update_defined_entity(*first, cb); });
  ASSERT_TRUE(written) << describe(written.error());
  EXPECT_EQ(written->etag, "\"2\"");
  // Writing again with the old ETag loses to the write in between.
  auto stale = run<defined_entity>([&](auto cb) { vcd.update_defined_entity(*first, cb); });
  ASSERT_FALSE(stale);
  EXPECT_EQ(code_of(stale.error()), vcd_errc::precondition_failed);
  // So does a write based on a read from before another writer's change.
  vcd.write_defined_entity_as_other(rde, entity_body);
  auto lost = run<defined_entity>([&](auto cb) { vcd.update_defined_entity(*written, cb); });
  ASSERT_FALSE(lost);
  EXPECT_EQ(code_of(lost.error()), vcd_errc::precondition_failed);
  EXPECT_EQ(vcd.defined_entity_by_id(rde)->etag, "\"3\"");
}

TEST(fake_entities, bad_bodies_and_unknown_ids_are_refused) {
  fake_client vcd;
  vcd.put_defined_entity({rde, rde_type, "cluster1", "RESOLVED", entity_body, ""});
  auto e = *run<defined_entity>([&](auto cb) { vcd.get_defined_entity(rde, cb); });
  auto bad = e;
  bad.body = R"({"id":")" + rde + R"(","entity":"text"})";
  auto refused = run<defined_entity>([&](auto cb) { vcd.update_defined_entity(bad, cb); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(code_of(refused.error()), vcd_errc::bad_request);
  EXPECT_EQ(vcd.defined_entity_by_id(rde)->body, entity_body) << "nothing was stored";
  vcd.remove_defined_entity(rde);
  auto gone = run<defined_entity>([&](auto cb) { vcd.get_defined_entity(rde, cb); });
  ASSERT_FALSE(gone);
  EXPECT_EQ(code_of(gone.error()), vcd_errc::not_found);
  auto no_type =
    run<defined_entity_type>([&](auto cb) { vcd.get_defined_entity_type(rde_type, cb); });
  ASSERT_FALSE(no_type);
  EXPECT_EQ(code_of(no_type.error()), vcd_errc::not_found);
  EXPECT_EQ(vcd.calls(operation::update_defined_entity), 1u);
}

} // namespace
