// The RBAC shipped in deploy/manifests/rbac.yaml and in the Helm chart grants exactly the table
// in controller/permissions.hpp (controller_test.cpp holds the code to the same table).

#include "controller/permissions.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace vcdlb {
namespace {

// (kind, apiGroup, resource, verb, resourceNames joined by ',').
using grant = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The chart template with its actions replaced by the values of a default install named
// "vcdlb" in kube-system (lines that are only an action are dropped), so yaml-cpp can read it.
std::string render_chart_rbac(std::string text) {
  static const std::regex action_line{R"([ \t]*\{\{-?.*\}\}[ \t]*)"};
  std::istringstream lines{text};
  std::string kept;
  for (std::string line; std::getline(lines, line);)
    if (!std::regex_match(line, action_line))
      kept += line + "\n";
  text = std::move(kept);
  const std::pair<const char*, const char*> values[] = {
    {R"(\{\{ \.Values\.leaderElection\.leaseName \| quote \}\})", "\"vcdlb\""},
    {R"(\{\{ \.Release\.Namespace \}\})", "kube-system"},
    {R"(\{\{ \.Release\.Name \}\})", "vcdlb"},
    {R"(\{\{ \.Values\.serviceAccount\.name \}\})", "vcdlb"},
  };
  for (const auto& [pattern, value] : values)
    text = std::regex_replace(text, std::regex{pattern}, value);
  EXPECT_EQ(text.find("{{"), std::string::npos) << "unrendered template action:\n" << text;
  return text;
}

std::set<grant> grants_of(const std::string& yaml_text) {
  std::set<grant> out;
  for (const auto& doc : YAML::LoadAll(yaml_text)) {
    const auto kind = doc["kind"].as<std::string>("");
    if (kind != "ClusterRole" && kind != "Role")
      continue;
    for (const auto& rule : doc["rules"]) {
      std::string names;
      for (const auto& n : rule["resourceNames"])
        names += (names.empty() ? "" : ",") + n.as<std::string>();
      for (const auto& g : rule["apiGroups"])
        for (const auto& r : rule["resources"])
          for (const auto& v : rule["verbs"])
            out.emplace(kind, g.as<std::string>(), r.as<std::string>(), v.as<std::string>(), names);
    }
  }
  return out;
}

// What the table asks for: cluster entries in the ClusterRole; lease entries in the Role, with
// get/update on the lease's name only (RBAC cannot restrict create by name).
std::set<grant> grants_from_table() {
  std::set<grant> out;
  for (const auto& p : controller_permissions) {
    const bool lease = p.scope == permission_scope::lease;
    out.emplace(lease ? "Role" : "ClusterRole", std::string{p.group}, std::string{p.resource},
                std::string{p.verb}, lease && p.verb != "create" ? "vcdlb" : "");
  }
  return out;
}

std::string show(const std::set<grant>& s) {
  std::string out;
  for (const auto& [kind, g, r, v, n] : s)
    out += "  " + kind + " " + (g.empty() ? "core" : g) + " " + r + " " + v
           + (n.empty() ? "" : " [" + n + "]") + "\n";
  return out;
}

void expect_exact(const std::set<grant>& shipped, const char* what) {
  const auto want = grants_from_table();
  std::set<grant> extra;
  std::set<grant> missing;
  for (const auto& g : shipped)
    if (!want.count(g))
      extra.insert(g);
  for (const auto& g : want)
    if (!shipped.count(g))
      missing.insert(g);
  EXPECT_TRUE(extra.empty()) << what << " grants what the controller never asks for:\n"
                             << show(extra);
  EXPECT_TRUE(missing.empty()) << what << " lacks what the controller asks for:\n" << show(missing);
}

TEST(permissions, table_has_no_duplicates_or_wildcards) {
  std::set<std::tuple<std::string_view, std::string_view, std::string_view>> seen;
  for (const auto& p : controller_permissions) {
    EXPECT_TRUE(seen.emplace(p.group, p.resource, p.verb).second) << p.resource << " " << p.verb;
    EXPECT_NE(p.verb, "*");
    EXPECT_NE(p.resource, "*");
    EXPECT_FALSE(p.used_by.empty());
  }
}

TEST(permissions, manifests_grant_exactly_the_table) {
  expect_exact(grants_of(slurp(std::string{VCDLB_SOURCE_DIR} + "/deploy/manifests/rbac.yaml")),
               "deploy/manifests/rbac.yaml");
}

TEST(permissions, chart_grants_exactly_the_table) {
  const auto text = render_chart_rbac(
    slurp(std::string{VCDLB_SOURCE_DIR} + "/deploy/helm/vcdlb/templates/rbac.yaml"));
  expect_exact(grants_of(text), "the Helm chart's rbac.yaml");
}

TEST(permissions, a_drifted_role_is_caught) {
  // The comparison itself must fail on drift in either direction.
  auto text = slurp(std::string{VCDLB_SOURCE_DIR} + "/deploy/manifests/rbac.yaml");
  auto shipped = grants_of(text);
  auto want = grants_from_table();
  ASSERT_EQ(shipped, want);
  shipped.emplace("ClusterRole", "", "services", "update", "");
  EXPECT_NE(shipped, want);
  shipped = grants_of(text);
  shipped.erase(grant{"Role", "coordination.k8s.io", "leases", "update", "vcdlb"});
  EXPECT_NE(shipped, want);
}

} // namespace
} // namespace vcdlb
