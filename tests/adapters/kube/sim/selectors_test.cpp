#include "adapters/kube/sim/selectors.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

using namespace vcdlb::kube::sim;
namespace json = boost::json;

namespace {

bool labels_match(std::string_view selector, std::string_view labels) {
  auto sel = parse_label_selector(selector);
  EXPECT_TRUE(sel) << selector;
  auto obj = json::parse(labels).as_object();
  return sel->matches(&obj);
}

} // namespace

TEST(label_selector, every_operator) {
  const char* l = R"({"app":"web","tier":"front"})";
  EXPECT_TRUE(labels_match("", l));
  EXPECT_TRUE(labels_match("app=web", l));
  EXPECT_TRUE(labels_match("app==web", l));
  EXPECT_FALSE(labels_match("app=db", l));
  EXPECT_TRUE(labels_match("app!=db", l));
  EXPECT_TRUE(labels_match("missing!=x", l));
  EXPECT_TRUE(labels_match("app in (db, web)", l));
  EXPECT_FALSE(labels_match("app notin (db,web)", l));
  EXPECT_TRUE(labels_match("tier notin (back)", l));
  EXPECT_TRUE(labels_match("app", l));
  EXPECT_FALSE(labels_match("!app", l));
  EXPECT_TRUE(labels_match("!zone", l));
  EXPECT_TRUE(labels_match("app=web,tier in (front),!zone", l));
  EXPECT_FALSE(labels_match("app=web,tier=back", l));
  EXPECT_TRUE(labels_match("example.com/owner!=x", l));
}

TEST(label_selector, absent_labels) {
  auto sel = parse_label_selector("!a");
  ASSERT_TRUE(sel);
  EXPECT_TRUE(sel->matches(nullptr));
  auto eq = parse_label_selector("a=b");
  EXPECT_FALSE(eq->matches(nullptr));
}

TEST(label_selector, syntax_errors_are_400) {
  for (const char* bad : {"a in (b", "a=b=c d", "=x", "a in x", ","}) {
    auto sel = parse_label_selector(bad);
    ASSERT_FALSE(sel) << bad;
    EXPECT_EQ(sel.error().code, 400u);
  }
}

TEST(field_selector, name_namespace_and_registered_fields) {
  std::vector<std::string> extra{"spec.unschedulable"};
  auto obj = json::parse(R"({"metadata":{"name":"n1","namespace":"ns"},
                            "spec":{"unschedulable":true}})")
               .as_object();
  auto sel = parse_field_selector("metadata.name=n1,metadata.namespace==ns", extra);
  ASSERT_TRUE(sel);
  EXPECT_TRUE(sel->matches(obj));
  EXPECT_FALSE(parse_field_selector("metadata.name!=n1", extra)->matches(obj));
  EXPECT_TRUE(parse_field_selector("spec.unschedulable=true", extra)->matches(obj));
  auto bad = parse_field_selector("spec.type=x", extra);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400u);
  EXPECT_EQ(bad.error().message, "field label not supported: spec.type");
  EXPECT_FALSE(parse_field_selector("metadata.name", extra));
}
