// URL, query and header helpers.

#include "adapters/http/message.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;

TEST(http_message, find_header_is_case_insensitive_and_returns_the_first) {
  header_list fields{{"Content-Type", "a"}, {"X-Id", "1"}, {"x-id", "2"}};
  EXPECT_EQ(find_header(fields, "content-type"), "a");
  EXPECT_EQ(find_header(fields, "X-ID"), "1");
  EXPECT_FALSE(find_header(fields, "Accept"));
  response r{200, fields, ""};
  EXPECT_EQ(r.header("CONTENT-TYPE"), "a");
}

TEST(http_message, request_splits_path_and_query) {
  request r;
  r.target = "/api/v1/services?watch=true&resourceVersion=10";
  EXPECT_EQ(r.path(), "/api/v1/services");
  EXPECT_EQ(r.query(), "watch=true&resourceVersion=10");
  r.target = "/plain";
  EXPECT_EQ(r.path(), "/plain");
  EXPECT_EQ(r.query(), "");
}

TEST(http_message, parse_url_fills_defaults) {
  auto u = parse_url("https://vcd.example.com");
  ASSERT_TRUE(u) << describe(u.error());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "vcd.example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "");
  u = parse_url("HTTP://127.0.0.1:8080/base/path/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/base/path");
  u = parse_url("http://h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
}

TEST(http_message, parse_url_handles_ipv6_brackets) {
  auto u = parse_url("https://[::1]:6443/api");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 6443);
  EXPECT_EQ(u->path, "/api");
  u = parse_url("https://[fd00::5]");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "fd00::5");
  EXPECT_EQ(u->port, 443);
}

TEST(http_message, parse_url_errors_quote_the_input) {
  for (const char* bad :
       {"vcd.example.com", "ftp://x", "https://", "https://h:0", "https://h:99999", "https://h:x",
        "https://h:", "https://[::1", "https://[zz]:1", "https://::1:443", "https://u:p@h",
        "https://h/a?b", "https://h h"}) {
    auto u = parse_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_TRUE(has_code(u.error(), net_errc::protocol_error)) << bad;
    EXPECT_NE(error_detail(u.error()).find(std::string{"\""} + bad + "\""), std::string::npos)
      << error_detail(u.error());
  }
}

TEST(http_message, percent_encoding_round_trips) {
  EXPECT_EQ(percent_encode("a/b c&d=e~f_g.h-i"), "a%2Fb%20c%26d%3De~f_g.h-i");
  EXPECT_EQ(percent_encode("metadata.name=web"), "metadata.name%3Dweb");
  EXPECT_EQ(percent_decode("a%2Fb+c"), "a/b c");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4"); // invalid escapes stay
  EXPECT_EQ(percent_decode("%e2%82%AC"), "\xE2\x82\xAC");
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  EXPECT_EQ(percent_decode(percent_encode(all)), all);
}

TEST(http_message, parse_query_decodes_in_order) {
  auto q = parse_query("watch=true&fieldSelector=metadata.name%3Dweb&&flag&x=a+b&=v");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"watch", "true"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"fieldSelector", "metadata.name=web"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"x", "a b"}));
  EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"", "v"}));
  EXPECT_TRUE(parse_query("").empty());
}

} // namespace
