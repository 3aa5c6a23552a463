// FIQL filter building and the query parameters it produces.

#include "adapters/vcd/fiql.hpp"

#include <map>

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::vcd;

TEST(fiql, empty_filter_sends_nothing_and_matches_all) {
  fiql f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.query_parameters(), "");
  EXPECT_TRUE(f.matches([](std::string_view) { return std::nullopt; }));
}

TEST(fiql, conjunction_and_disjunction) {
  auto f = fiql::eq("name", "ingress-vs-web").with("scope", "TENANT");
  EXPECT_EQ(f.expression(), "name==ingress-vs-web;scope==TENANT");
  EXPECT_FALSE(f.needs_encoding());
  EXPECT_EQ(f.query_parameters(), "filter=name%3D%3Dingress-vs-web%3Bscope%3D%3DTENANT");

  f.with_any({{"type", "PROXY"}, {"type", "REFRESH"}});
  EXPECT_EQ(f.expression(), "name==ingress-vs-web;scope==TENANT;(type==PROXY,type==REFRESH)");
}

TEST(fiql, reserved_characters_in_values_are_encoded_and_flagged) {
  for (std::string v : {"a,b", "a;b", "a b", "a+b", "a*b", "a(b)", "a==b", "caf\xC3\xA9", "50%"}) {
    EXPECT_TRUE(fiql_value_needs_encoding(v)) << v;
  }
  EXPECT_FALSE(fiql_value_needs_encoding("ingress-vs-ns.web_capvcdCluster:5d2e~x"));

  auto f = fiql::eq("name", "web,api;x y");
  EXPECT_TRUE(f.needs_encoding());
  EXPECT_EQ(f.expression(), "name==web%2Capi%3Bx%20y");
  // The expression is encoded once more as a query parameter value.
  EXPECT_EQ(f.query_parameters(), "filter=name%3D%3Dweb%252Capi%253Bx%2520y&filterEncoded=true");
}

TEST(fiql, urn_values_stay_readable) {
  auto f = fiql::eq("gatewayRef.id", "urn:vcloud:gateway:2d7a");
  EXPECT_EQ(f.expression(), "gatewayRef.id==urn:vcloud:gateway:2d7a");
  EXPECT_EQ(f.query_parameters(), "filter=gatewayRef.id%3D%3Durn%3Avcloud%3Agateway%3A2d7a");
}

TEST(fiql, matches_evaluates_every_clause) {
  std::map<std::string, std::string, std::less<>> obj{{"name", "a"}, {"scope", "TENANT"}};
  auto get = [&](std::string_view field) -> std::optional<std::string> {
    if (auto i = obj.find(field); i != obj.end())
      return i->second;
    return std::nullopt;
  };
  EXPECT_TRUE(fiql::eq("name", "a").matches(get));
  EXPECT_FALSE(fiql::eq("name", "b").matches(get));
  EXPECT_TRUE(fiql::eq("name", "a").with("scope", "TENANT").matches(get));
  EXPECT_FALSE(fiql::eq("name", "a").with("scope", "SYSTEM").matches(get));
  EXPECT_TRUE(
    fiql::eq("name", "a").with_any({{"scope", "SYSTEM"}, {"scope", "TENANT"}}).matches(get));
  EXPECT_FALSE(fiql::eq("missing", "a").matches(get));
}

TEST(fiql, url_encode_keeps_unreserved_only) {
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a/b?c&d=e f"), "a%2Fb%3Fc%26d%3De%20f");
}

} // namespace
