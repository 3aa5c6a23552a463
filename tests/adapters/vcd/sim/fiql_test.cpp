// The FIQL subset: ==, !=, ';' (AND), ',' (OR), parentheses, dotted paths, filterEncoded.

#include "adapters/vcd/sim/detail/fiql.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace vcdlb::vcd::sim::detail;
namespace json = boost::json;

bool matches(std::string_view filter, const json::value& v, bool encoded = false) {
  auto ast = parse_fiql(filter, encoded);
  EXPECT_TRUE(ast) << filter;
  return ast && fiql_match(*ast, v);
}

TEST(vcd_sim_fiql, equality_and_or_parentheses_and_dotted_paths) {
  auto v = json::parse(R"({"name":"web","enabled":true,"port":80,
                           "gatewayRef":{"id":"urn:vcloud:gateway:1"},
                           "refs":[{"id":"a"},{"id":"b"}]})");
  EXPECT_TRUE(matches("name==web", v));
  EXPECT_FALSE(matches("name==db", v));
  EXPECT_TRUE(matches("name!=db", v));
  EXPECT_TRUE(matches("name==web;enabled==true", v));
  EXPECT_FALSE(matches("name==web;enabled==false", v));
  EXPECT_TRUE(matches("name==db,port==80", v));
  EXPECT_TRUE(matches("(name==db,name==web);gatewayRef.id==urn:vcloud:gateway:1", v));
  EXPECT_FALSE(matches("(name==db,name==x);gatewayRef.id==urn:vcloud:gateway:1", v));
  EXPECT_TRUE(matches("refs.id==b", v));
  EXPECT_FALSE(matches("missing==x", v));
}

TEST(vcd_sim_fiql, malformed_filters_are_rejected) {
  for (auto bad : {"name", "name==", "==x", "(name==x", "name==x)", "name=lt=3", "a==b;;c==d"})
    EXPECT_FALSE(parse_fiql(bad, false)) << bad;
}

TEST(vcd_sim_fiql, encoded_values_may_hold_delimiters) {
  auto v = json::parse(R"({"name":"a,b;c"})");
  EXPECT_TRUE(matches("name==a%2Cb%3Bc", v, true));
  // Unencoded, the comma splits the expression, as on a real VCD.
  EXPECT_FALSE(parse_fiql("name==a,b;c", false));
}

TEST(vcd_sim_fiql, fields_are_listed_for_searchability_checks) {
  auto ast = parse_fiql("(name==a,alias==b);gatewayRef.id==c", false);
  ASSERT_TRUE(ast);
  std::vector<std::string> fields;
  fiql_fields(*ast, fields);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "alias", "gatewayRef.id"}));
}

} // namespace
