// The VCD adapter's private helpers: legacy XML documents, Link navigation, URL to target,
// Retry-After and Basic credentials.

#include <gtest/gtest.h>

#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/detail/xml.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
using namespace vcdlb::vcd::detail;

TEST(vcd_xml, versions_in_document_order) {
  auto v = decode_versions(R"(<?xml version="1.0"?>
<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions" xmlns:ns="x">
  <VersionInfo deprecated="true"><Version>33.0</Version><LoginUrl>https://h/api/sessions</LoginUrl></VersionInfo>
  <ns:VersionInfo deprecated="false"><ns:Version> 37.2 </ns:Version></ns:VersionInfo>
  <!-- <Version>99.0</Version> is commented out -->
</SupportedVersions>)");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0], "33.0");
  EXPECT_EQ((*v)[1], "37.2");
  EXPECT_TRUE(has_code(decode_versions("<SupportedVersions/>").error(), vcd_errc::bad_response));
  EXPECT_TRUE(has_code(decode_versions("").error(), vcd_errc::bad_response));
  EXPECT_TRUE(has_code(decode_versions("<Version attr=>").error(), vcd_errc::bad_response));
}

TEST(vcd_xml, task_statuses_and_children) {
  for (auto [text, status] :
       std::vector<std::pair<std::string, task_status>>{{"queued", task_status::queued},
                                                        {"preRunning", task_status::pre_running},
                                                        {"running", task_status::running},
                                                        {"postRunning", task_status::post_running},
                                                        {"success", task_status::success},
                                                        {"error", task_status::error},
                                                        {"aborted", task_status::aborted}}) {
    auto t = decode_task("<Task id='urn:vcloud:task:1' status='" + text + "'/>");
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(t->status, status);
    EXPECT_EQ(to_string(status), text);
  }
  auto t =
    decode_task(R"(<vcloud:Task xmlns:vcloud="v" href="https://h/api/task/1" id="urn:vcloud:task:1"
      status="running" operation="Op &amp; more &#233;&#x41;">
    <vcloud:Owner id="urn:vcloud:gateway:1" name="edge-1"/>
    <vcloud:Progress>42</vcloud:Progress>
    <vcloud:Tasks><vcloud:Task status="error" id="sub"><vcloud:Error minorErrorCode="SUB"/></vcloud:Task></vcloud:Tasks>
  </vcloud:Task>)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->operation, "Op & more \xC3\xA9"
                          "A");
  EXPECT_EQ(t->owner.id, "urn:vcloud:gateway:1");
  EXPECT_EQ(t->progress, 42);
  EXPECT_EQ(t->error.minor_error_code, "") << "a sub-task's error is not the task's";
}

TEST(vcd_xml, bad_tasks_are_bad_responses) {
  for (std::string bad : {"", "<Task/>", "<Task status='weird' id='x'/>", "<Owner/>",
                          "<Task status=\"success\" id=\"x", "{\"status\":\"success\"}",
                          "<Task status='success'/>"}) {
    auto t = decode_task(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_TRUE(has_code(t.error(), vcd_errc::bad_response)) << bad;
  }
}

TEST(vcd_http_util, next_page_link_in_all_shapes) {
  http::header_list one{
    {"Link", "<https://h/a?page=2>;rel=\"nextPage\";type=\"application/json\""}};
  EXPECT_EQ(next_page_link(one), "https://h/a?page=2");
  http::header_list combined{
    {"link",
     "<https://h/a?page=1>;rel=\"firstPage\", <https://h/a?page=3>;rel=\"lastPage nextPage\""}};
  EXPECT_EQ(next_page_link(combined), "https://h/a?page=3");
  http::header_list separate{{"Link", "<https://h/up>;rel=\"up\""},
                             {"LINK", "<https://h/a?cursor=abc%3D>; rel=nextPage"}};
  EXPECT_EQ(next_page_link(separate), "https://h/a?cursor=abc%3D");
  http::header_list none{{"Link", "<https://h/a?page=1>;rel=\"previousPage\""}};
  EXPECT_FALSE(next_page_link(none));
  EXPECT_FALSE(next_page_link({}));
  EXPECT_FALSE(next_page_link({{"Link", "<broken"}}));
}

TEST(vcd_http_util, urls_become_targets_under_the_base_path) {
  EXPECT_EQ(base_path_of("https://vcd.example.com"), "");
  EXPECT_EQ(base_path_of("https://vcd.example.com:8443/tenant/"), "/tenant");
  EXPECT_EQ(target_from_url("https://vcd.example.com/api/task/1", ""), "/api/task/1");
  EXPECT_EQ(target_from_url("https://h:1/tenant/api/task/1", "/tenant"), "/api/task/1");
  EXPECT_EQ(target_from_url("https://h/tenantx/api", "/tenant"), "/tenantx/api");
  EXPECT_EQ(target_from_url("/cloudapi/1.0.0/x?cursor=1", ""), "/cloudapi/1.0.0/x?cursor=1");
  EXPECT_EQ(target_from_url("https://h", ""), "/");
}

TEST(vcd_http_util, retry_after_and_headers) {
  EXPECT_EQ(retry_after_seconds({{"Retry-After", "30"}}), 30);
  EXPECT_EQ(retry_after_seconds({{"retry-after", " 5 "}}), 5);
  EXPECT_EQ(retry_after_seconds({{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}), -1);
  EXPECT_EQ(retry_after_seconds({}), -1);
  EXPECT_EQ(header_value({{"X-Vmware-Vcloud-Access-Token", "t"}}, "X-VMWARE-VCLOUD-ACCESS-TOKEN"),
            "t");
  EXPECT_TRUE(iequals("System", "sYSTEM"));
  EXPECT_FALSE(iequals("System", "Systems"));
}

TEST(vcd_http_util, base64_padding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("user@org1:p\xFF"), "dXNlckBvcmcxOnD/");
}

TEST(vcd_http_util, an_html_error_page_reads_as_its_title) {
  auto page = "<!DOCTYPE html>\n<html><head>\n<title>502 Bad\n   Gateway</title>\n"
              "<style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1>"
              "<hr><center>nginx</center></body></html>";
  EXPECT_EQ(readable_body(page), "502 Bad Gateway");
  // No title: the text between the tags, scripts and styles left out.
  EXPECT_EQ(readable_body("<html><script>var x = 1 < 2;</script><body><p>Service</p>\n"
                          "<p>Unavailable</p></body></html>"),
            "Service Unavailable");
  // Not markup: the text on one line.
  EXPECT_EQ(readable_body("upstream connect error\r\nreset reason: overflow"),
            "upstream connect error reset reason: overflow");
  EXPECT_EQ(readable_body(""), "");
  EXPECT_EQ(readable_body("<html></html>"), "");
}

TEST(vcd_http_util, error_text_is_bounded_on_a_character_boundary) {
  std::string big = "<html><body>" + std::string(5000, 'x') + "</body></html>";
  auto text = readable_body(big, 200);
  EXPECT_EQ(text.size(), 200u);
  EXPECT_TRUE(text.ends_with("..."));
  EXPECT_EQ(bounded("short", 10), "short");
  EXPECT_EQ(bounded("abcdef", 5), "ab...");
  // "ä" is two bytes: room for 2 bytes before the "..." would split the first one.
  EXPECT_EQ(bounded("a\xc3\xa4\xc3\xa4\xc3\xa4", 5), "a...");
  EXPECT_EQ(bounded("a\xc3\xa4\xc3\xa4\xc3\xa4", 6), "a\xc3\xa4...");
  EXPECT_EQ(bounded("abcdef", 2), "..");
}

} // namespace
