#include "protocol/node.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;

node_description worker(std::string name, std::string ip) {
  node_description n;
  n.name = std::move(name);
  n.addresses = {{"Hostname", n.name}, {"InternalIP", std::move(ip)}};
  return n;
}

TEST(node, plain_worker_is_eligible) {
  auto n = worker("w1", "10.0.0.1");
  EXPECT_TRUE(is_eligible_backend(n));
  EXPECT_EQ(summarize(n), (node_info{"w1", "10.0.0.1", true}));
}

TEST(node, deleted_nodes_are_not_eligible) {
  auto n = worker("w1", "10.0.0.1");
  n.deletion_requested = true;
  EXPECT_FALSE(is_eligible_backend(n));
}

TEST(node, exclusion_label_follows_go_parse_bool) {
  auto n = worker("w1", "10.0.0.1");
  for (auto v : {"true", "1", "T", "TRUE", "True", "t", "", "yes", "bogus"}) {
    n.labels = {{node_keys::exclude_from_lb, v}};
    EXPECT_FALSE(is_eligible_backend(n)) << "value '" << v << "'";
  }
  for (auto v : {"false", "0", "F", "FALSE", "False", "f"}) {
    n.labels = {{node_keys::exclude_from_lb, v}};
    EXPECT_TRUE(is_eligible_backend(n)) << "value '" << v << "'";
  }
}

TEST(node, autoscaler_taint_excludes) {
  auto n = worker("w1", "10.0.0.1");
  n.taint_keys = {"node.kubernetes.io/unreachable"};
  EXPECT_TRUE(is_eligible_backend(n));
  n.taint_keys.push_back(node_keys::to_be_deleted_taint);
  EXPECT_FALSE(is_eligible_backend(n));
}

TEST(node, control_plane_label_excludes_with_any_value) {
  auto n = worker("cp", "10.0.0.9");
  n.labels = {{"kubernetes.io/os", "linux"}, {node_keys::control_plane, ""}};
  EXPECT_FALSE(is_eligible_backend(n));
}

TEST(node, first_internal_ip_wins_and_external_ips_are_ignored) {
  node_description n;
  n.name = "w";
  n.addresses = {{"ExternalIP", "1.2.3.4"}, {"InternalIP", "10.0.0.2"}, {"InternalIP", "10.0.0.3"}};
  EXPECT_EQ(first_internal_ip(n), "10.0.0.2");
  n.addresses = {{"ExternalIP", "1.2.3.4"}};
  EXPECT_EQ(first_internal_ip(n), "");
}

TEST(node, member_ips_are_eligible_sorted_unique_and_need_an_address) {
  std::vector<node_info> nodes{{"c", "10.0.0.3", true},
                               {"a", "10.0.0.1", true},
                               {"dup", "10.0.0.1", true},
                               {"x", "10.0.0.7", false},
                               {"noip", "", true}};
  EXPECT_EQ(member_ips(nodes), (std::vector<std::string>{"10.0.0.1", "10.0.0.3"}));
}

TEST(node, uninitialized_nodes_are_not_eligible) {
  node_description n;
  n.name = "new";
  n.addresses = {{"InternalIP", "10.0.0.9"}};
  n.taint_keys = {"node.cloudprovider.kubernetes.io/uninitialized"};
  EXPECT_FALSE(is_eligible_backend(n));
  n.taint_keys = {"node.cloudprovider.kubernetes.io/shutdown"};
  EXPECT_TRUE(is_eligible_backend(n)) << "a shut-down node is left to the health monitors";
}

} // namespace
