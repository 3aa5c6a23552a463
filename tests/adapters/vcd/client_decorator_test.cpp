#include "adapters/vcd/client_decorator.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/vcd/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd {
namespace {

// Records what the hooks see; refuses the operations named in `refuse`.
class recording_decorator final : public client_decorator {
public:
  using client_decorator::client_decorator;

  std::vector<std::string> admitted;
  std::vector<std::string> completed; // "<operation> ok|failed"
  std::vector<std::string> forwarded;
  std::vector<call_kind> kinds;
  std::string refuse;

protected:
  caf::error admit(const call_info& call) override {
    if (call.operation == refuse)
      return caf::make_error(lb_errc::not_leader, "refused");
    admitted.emplace_back(call.operation);
    kinds.push_back(call.kind);
    return {};
  }
  std::function<void(const caf::error*)> on_complete(const call_info& call) override {
    return [this, op = std::string{call.operation}](const caf::error* failed) {
      completed.push_back(op + (failed != nullptr ? " failed" : " ok"));
    };
  }
  void forward(const call_info& call, const std::function<void()>& run) override {
    forwarded.emplace_back(call.operation);
    run();
  }
};

template <class T>
callback<T> ignore() {
  return [](caf::expected<T>) {};
}

class client_decorator_test : public ::testing::Test {
protected:
  client_decorator_test()
    : fake_(std::make_shared<fake_client>()),
      client_(std::make_shared<recording_decorator>(fake_)) {}

  std::shared_ptr<fake_client> fake_;
  std::shared_ptr<recording_decorator> client_;
};

TEST_F(client_decorator_test, every_member_forwards_with_its_name_and_kind) {
  auto& c = *client_;
  c.login(ignore<session_info>());
  c.get_org_vdc_network("net", ignore<org_vdc_network>());
  c.get_edge_gateway("gw", ignore<edge_gateway>());
  c.list_used_ip_addresses("gw", ignore<std::vector<used_ip>>());
  c.list_seg_assignments("gw", ignore<std::vector<seg_assignment>>());
  c.get_alb_settings("gw", ignore<alb_settings>());
  c.list_pool_summaries("gw", {}, ignore<std::vector<pool_summary>>());
  c.get_pool("p", ignore<pool>());
  c.create_pool({}, ignore<task_ref>());
  c.update_pool({}, ignore<task_ref>());
  c.delete_pool("p", ignore<task_ref>());
  c.list_virtual_service_summaries("gw", {}, ignore<std::vector<virtual_service_summary>>());
  c.get_virtual_service("v", ignore<virtual_service>());
  c.create_virtual_service({}, ignore<task_ref>());
  c.update_virtual_service({}, ignore<task_ref>());
  c.delete_virtual_service("v", ignore<task_ref>());
  c.list_nat_rules("gw", ignore<std::vector<nat_rule>>());
  c.get_nat_rule("gw", "r", ignore<nat_rule>());
  c.create_nat_rule("gw", {}, ignore<task_ref>());
  c.update_nat_rule("gw", {}, ignore<task_ref>());
  c.delete_nat_rule("gw", "r", ignore<task_ref>());
  c.list_app_port_profiles({}, ignore<std::vector<app_port_profile>>());
  c.get_app_port_profile("a", ignore<app_port_profile>());
  c.create_app_port_profile({}, ignore<task_ref>());
  c.update_app_port_profile({}, ignore<task_ref>());
  c.delete_app_port_profile("a", ignore<task_ref>());
  c.find_certificates("alias", ignore<std::vector<certificate>>());
  c.list_floating_ip_suggestions("gw", ignore<std::vector<floating_ip_suggestion>>());
  c.get_ip_space("s", ignore<ip_space>());
  c.allocate_floating_ip("s", "", ignore<task_ref>());
  c.list_ip_allocations("s", {}, ignore<std::vector<ip_allocation>>());
  c.get_ip_allocation("s", "a", ignore<ip_allocation>());
  c.update_ip_allocation({}, ignore<task_ref>());
  c.delete_ip_allocation("s", "a", ignore<task_ref>());
  c.get_firewall_rules("gw", ignore<firewall_rules>());
  c.replace_firewall_rules("gw", {}, ignore<task_ref>());
  c.list_ip_sets("gw", {}, ignore<std::vector<ip_set>>());
  c.get_ip_set("s", ignore<ip_set>());
  c.create_ip_set({}, ignore<task_ref>());
  c.update_ip_set({}, ignore<task_ref>());
  c.delete_ip_set("s", ignore<task_ref>());
  c.get_task({}, ignore<task>());

  const std::vector<std::string> names = {"login",
                                          "get_org_vdc_network",
                                          "get_edge_gateway",
                                          "list_used_ip_addresses",
                                          "list_seg_assignments",
                                          "get_alb_settings",
                                          "list_pool_summaries",
                                          "get_pool",
                                          "create_pool",
                                          "update_pool",
                                          "delete_pool",
                                          "list_virtual_service_summaries",
                                          "get_virtual_service",
                                          "create_virtual_service",
                                          "update_virtual_service",
                                          "delete_virtual_service",
                                          "list_nat_rules",
                                          "get_nat_rule",
                                          "create_nat_rule",
                                          "update_nat_rule",
                                          "delete_nat_rule",
                                          "list_app_port_profiles",
                                          "get_app_port_profile",
                                          "create_app_port_profile",
                                          "update_app_port_profile",
                                          "delete_app_port_profile",
                                          "find_certificates",
                                          "list_floating_ip_suggestions",
                                          "get_ip_space",
                                          "allocate_floating_ip",
                                          "list_ip_allocations",
                                          "get_ip_allocation",
                                          "update_ip_allocation",
                                          "delete_ip_allocation",
                                          "get_firewall_rules",
                                          "replace_firewall_rules",
                                          "list_ip_sets",
                                          "get_ip_set",
                                          "create_ip_set",
                                          "update_ip_set",
                                          "delete_ip_set",
                                          "get_task"};
  EXPECT_EQ(c.admitted, names);
  EXPECT_EQ(c.forwarded, names);
  EXPECT_EQ(c.completed.size(), names.size()) << "the fake answers every call";
  EXPECT_EQ(fake_->total_calls(), names.size()) << "each call reached the wrapped client once";
  for (size_t i = 0; i < names.size(); ++i) {
    auto expected = names[i] == "get_task" ? call_kind::task_poll
                    : names[i].rfind("create_", 0) == 0 || names[i].rfind("update_", 0) == 0
                        || names[i].rfind("delete_", 0) == 0 || names[i].rfind("allocate_", 0) == 0
                        || names[i].rfind("replace_", 0) == 0
                      ? call_kind::mutation
                      : call_kind::read;
    EXPECT_EQ(c.kinds[i], expected) << names[i];
  }
  EXPECT_EQ(fake_->mutation_calls(), 19u);
}

TEST_F(client_decorator_test, a_refused_call_never_reaches_the_wrapped_client) {
  client_->refuse = "create_pool";
  caf::error got;
  client_->create_pool({}, [&](caf::expected<task_ref> r) {
    ASSERT_FALSE(r);
    got = r.error();
  });
  EXPECT_TRUE(has_code(got, lb_errc::not_leader));
  EXPECT_EQ(fake_->total_calls(), 0u);
  EXPECT_TRUE(client_->forwarded.empty());
  EXPECT_TRUE(client_->completed.empty());
}

TEST_F(client_decorator_test, completion_sees_the_outcome_before_the_caller) {
  fake_->fail_next(operation::get_pool, caf::make_error(vcd_errc::not_found, "no pool"));
  std::vector<std::string> order;
  client_->get_pool("urn:vcloud:loadBalancerPool:x", [&](caf::expected<pool> r) {
    order.push_back(r ? "caller ok" : "caller failed");
    order.insert(order.begin(), client_->completed.begin(), client_->completed.end());
  });
  EXPECT_EQ(order, (std::vector<std::string>{"get_pool failed", "caller failed"}));
}

} // namespace
} // namespace vcdlb::vcd
