// The legacy XML API operations of the real client over a scripted HTTP client: the vApp query
// (filter encoding, Accept, paging by `total`), the vApp GET, and XML <Error> bodies mapped to
// error classes (403 on a vApp = not_found).

#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/errors.hpp"
#include "tests/adapters/vcd/scripted_http.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
using vcdlb::vcd::test::scripted_http;

const std::string base = "https://vcd.example.com";
const std::string token(640, 'T');

std::string header(const http::request& r, std::string_view name) {
  auto v = detail::header_value(r.fields, name);
  return v ? std::string{*v} : std::string{"<absent>"};
}

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos)
    return out;
  std::string_view rest{target};
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    out[std::string{kv.substr(0, eq)}] =
      eq == std::string_view::npos ? "" : std::string{kv.substr(eq + 1)};
    if (amp == std::string_view::npos)
      break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

http::response reply(unsigned status, std::string body) {
  http::response r;
  r.status = status;
  r.fields.emplace_back("Content-Type", "application/vnd.vmware.vcloud.query.records+xml");
  r.body = std::move(body);
  return r;
}

std::string record(int n) {
  return "<VAppRecord name=\"cluster1_" + std::to_string(n) + "\" href=\"" + base
         + "/api/vApp/vapp-" + std::to_string(n) + "\" vdc=\"" + base
         + "/api/vdc/1\" vdcName=\"vdc1\" status=\"POWERED_ON\" numberOfVMs=\"2\"/>";
}

// Logs in with a password and answers /api routes from `api`.
struct legacy_vcd {
  std::function<caf::expected<http::response>(const http::request&)> api;

  caf::expected<http::response> operator()(const http::request& r) {
    auto path = r.target.substr(0, r.target.find('?'));
    if (path == "/api/versions")
      return reply(200, "<SupportedVersions><VersionInfo><Version>37.2</Version>"
                        "</VersionInfo></SupportedVersions>");
    if (path == "/cloudapi/1.0.0/sessions") {
      auto resp =
        reply(200, R"({"id":"urn:vcloud:session:1","user":{"name":"u","id":"urn:vcloud:user:1"},)"
                   R"("org":{"name":"org1","id":"urn:vcloud:org:1"}})");
      resp.fields = {{"Content-Type", "application/json"}, {"X-VMWARE-VCLOUD-ACCESS-TOKEN", token}};
      return resp;
    }
    if (header(r, "Authorization") != "Bearer " + token)
      return reply(
        401, "<Error majorErrorCode=\"401\" minorErrorCode=\"UNAUTHORIZED\" message=\"no\"/>");
    return api(r);
  }
};

class beast_vm_client_test : public ::testing::Test {
protected:
  legacy_vcd vcd;
  std::shared_ptr<scripted_http> http = std::make_shared<scripted_http>(std::ref(vcd));

  std::shared_ptr<beast_client> make(size_t page_size = 128) {
    beast_client_options o;
    o.org = "org1";
    o.vdc = "vdc1";
    o.user = "u";
    o.password = config::secret_string{"p"};
    o.page_size = page_size;
    return beast_client::make(http, base, std::move(o));
  }

  std::vector<http::request> api_requests() const {
    std::vector<http::request> out;
    for (const auto& r : http->requests)
      if (r.target.rfind("/api/", 0) == 0 && r.target.rfind("/api/versions", 0) != 0)
        out.push_back(r);
    return out;
  }

  template <class T, class F>
  caf::expected<T> run(F&& f) {
    std::optional<caf::expected<T>> out;
    f([&](caf::expected<T> x) { out.emplace(std::move(x)); });
    EXPECT_TRUE(out);
    return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
  }
};

TEST_F(beast_vm_client_test, queries_vapps_page_by_page_until_total) {
  vcd.api = [](const http::request& r) {
    auto q = query_of(r.target);
    int page = std::stoi(q["page"]);
    std::string body = "<QueryResultRecords xmlns=\"http://www.vmware.com/vcloud/v1.5\" page=\""
                       + q["page"] + "\" pageSize=\"2\" total=\"5\">";
    for (int i = 1; i <= 2; ++i)
      if ((page - 1) * 2 + i <= 5)
        body += record((page - 1) * 2 + i);
    return reply(200, body + "</QueryResultRecords>");
  };
  auto c = make(2);
  auto got = run<std::vector<vapp_record>>([&](auto cb) { c->query_vapps("cluster1_", true, cb); });
  ASSERT_TRUE(got) << describe(got.error());
  ASSERT_EQ(got->size(), 5u);
  EXPECT_EQ((*got)[4].name, "cluster1_5");
  auto sent = api_requests();
  ASSERT_EQ(sent.size(), 3u);
  auto q = query_of(sent[0].target);
  EXPECT_EQ(q["type"], "vApp");
  EXPECT_EQ(q["format"], "records");
  EXPECT_EQ(q["pageSize"], "2");
  EXPECT_EQ(q["filterEncoded"], "true");
  EXPECT_EQ(q["filter"], "name%3D%3Dcluster1_%2A") << "`*` is the wildcard; encoded as a parameter";
  EXPECT_EQ(header(sent[0], "Accept"), "application/*+xml;version=37.2");
  EXPECT_EQ(query_of(sent[2].target)["page"], "3");
}

TEST_F(beast_vm_client_test, a_name_with_separators_stays_one_value) {
  vcd.api = [](const http::request&) {
    return reply(200, "<QueryResultRecords page=\"1\" pageSize=\"128\" total=\"0\"/>");
  };
  auto c = make();
  auto got = run<std::vector<vapp_record>>([&](auto cb) { c->query_vapps("a;b,c d", false, cb); });
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
  // The value is encoded inside the filter (%3B), then the filter as a parameter (%253B).
  EXPECT_EQ(query_of(api_requests().at(0).target)["filter"], "name%3D%3Da%253Bb%252Cc%2520d");
}

TEST_F(beast_vm_client_test, an_empty_page_ends_the_listing_even_if_total_says_more) {
  vcd.api = [](const http::request& r) {
    auto q = query_of(r.target);
    if (q["page"] == "1")
      return reply(200, "<QueryResultRecords page=\"1\" pageSize=\"1\" total=\"9\">" + record(1)
                          + "</QueryResultRecords>");
    return reply(200, "<QueryResultRecords page=\"2\" pageSize=\"1\" total=\"9\"/>");
  };
  auto c = make(1);
  auto got = run<std::vector<vapp_record>>([&](auto cb) { c->query_vapps("cluster1", false, cb); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 1u);
  EXPECT_EQ(api_requests().size(), 2u);
}

TEST_F(beast_vm_client_test, gets_a_vapp_by_its_href) {
  vcd.api = [](const http::request& r) {
    EXPECT_EQ(r.target, "/api/vApp/vapp-1");
    return reply(
      200,
      R"(<VApp id="urn:vcloud:vapp:1" name="cluster1" href="https://vcd.example.com/api/vApp/vapp-1" status="4">
      <Children><Vm id="urn:vcloud:vm:a" name="node-1" href="https://vcd.example.com/api/vApp/vm-a" status="8"/></Children></VApp>)");
  };
  auto c = make();
  auto v = run<vapp>([&](auto cb) { c->get_vapp(base + "/api/vApp/vapp-1", cb); });
  ASSERT_TRUE(v) << describe(v.error());
  ASSERT_EQ(v->vms.size(), 1u);
  EXPECT_EQ(v->vms[0].status, vm_status_powered_off);
}

TEST_F(beast_vm_client_test, xml_error_bodies_become_error_classes) {
  vcd.api = [](const http::request& r) {
    if (r.target.find("vapp-gone") != std::string::npos)
      return reply(403, R"(<?xml version="1.0"?><Error xmlns="http://www.vmware.com/vcloud/v1.5"
        majorErrorCode="403" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN"
        message="[ r1 ] Either you need some or all of the following rights [Base] to perform operations [VAPP_VIEW] for gone or the target entity is invalid."/>)");
    if (r.target.find("/api/query") == 0)
      return reply(
        403,
        R"(<Error majorErrorCode="403" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" message="no rights"/>)");
    return reply(
      503,
      R"(<Error majorErrorCode="503" minorErrorCode="SERVICE_UNAVAILABLE" message="maintenance"/>)");
  };
  auto c = make();
  auto gone = run<vapp>([&](auto cb) { c->get_vapp(base + "/api/vApp/vapp-gone", cb); });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), vcd_errc::not_found);
  auto info = parse_error_info(gone.error());
  EXPECT_EQ(info.http_status, 403u);
  EXPECT_EQ(info.minor_error_code, "ACCESS_TO_RESOURCE_IS_FORBIDDEN");
  EXPECT_NE(info.message.find("VAPP_VIEW"), std::string::npos);

  auto denied = run<std::vector<vapp_record>>([&](auto cb) { c->query_vapps("x", false, cb); });
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error(), vcd_errc::forbidden) << "a query is not a lookup by id";

  auto down = run<vapp>([&](auto cb) { c->get_vapp(base + "/api/vApp/vapp-2", cb); });
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), vcd_errc::unavailable);
  EXPECT_EQ(parse_error_info(down.error()).message, "maintenance");
}

TEST_F(beast_vm_client_test, a_bad_document_is_an_error_value) {
  vcd.api = [](const http::request&) { return reply(200, "<html>proxy login</html>"); };
  auto c = make();
  auto v = run<vapp>([&](auto cb) { c->get_vapp(base + "/api/vApp/vapp-1", cb); });
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), vcd_errc::bad_response);
  auto q = run<std::vector<vapp_record>>([&](auto cb) { c->query_vapps("x", false, cb); });
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error(), vcd_errc::bad_response);
}

} // namespace
