#pragma once

/// @file adapters/vcd/client_decorator.hpp
/// @brief A `vcd::client` that forwards every call to another client through two hooks, so a
/// decorator (metering, lease fencing, serialising a fake) writes only what it adds instead of
/// the thirty forwarding members.
///
/// Per call: `admit` runs first; an error it returns fails the call (its callback gets the
/// error, the wrapped client is not called). Otherwise `on_complete` may return a function that
/// sees the call's outcome (the error, or nullptr on success) just before the caller's callback
/// runs, and `forward` makes the wrapped call.
///
/// Thread-safety: as the wrapped client and the subclass's hooks. Ownership: shares the wrapped
/// client.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/vcd/client.hpp"

namespace vcdlb::vcd {

/// How a call changes VCD: reads (auth included), mutations (which start a task) and task
/// polls.
enum class call_kind : uint8_t { read, mutation, task_poll };

struct call_info {
  const char* operation; ///< the client member's name: "create_pool", "get_task", ...
  call_kind kind;
};

class client_decorator : public client {
public:
  explicit client_decorator(std::shared_ptr<client> inner) : inner_(std::move(inner)) {}

  void login(callback<session_info> done) final;
  void get_org_vdc_network(std::string name, callback<org_vdc_network> done) final;
  void get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) final;
  void list_used_ip_addresses(std::string gateway_id, callback<std::vector<used_ip>> done) final;
  void list_seg_assignments(std::string gateway_id,
                            callback<std::vector<seg_assignment>> done) final;
  void get_alb_settings(std::string gateway_id, callback<alb_settings> done) final;
  void list_pool_summaries(std::string gateway_id, fiql filter,
                           callback<std::vector<pool_summary>> done) final;
  void get_pool(std::string pool_id, callback<pool> done) final;
  void create_pool(pool p, callback<task_ref> done) final;
  void update_pool(pool p, callback<task_ref> done) final;
  void delete_pool(std::string pool_id, callback<task_ref> done) final;
  void list_virtual_service_summaries(std::string gateway_id, fiql filter,
                                      callback<std::vector<virtual_service_summary>> done) final;
  void get_virtual_service(std::string vs_id, callback<virtual_service> done) final;
  void create_virtual_service(virtual_service vs, callback<task_ref> done) final;
  void update_virtual_service(virtual_service vs, callback<task_ref> done) final;
  void delete_virtual_service(std::string vs_id, callback<task_ref> done) final;
  void list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) final;
  void get_nat_rule(std::string gateway_id, std::string rule_id, callback<nat_rule> done) final;
  void create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) final;
  void update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) final;
  void delete_nat_rule(std::string gateway_id, std::string rule_id, callback<task_ref> done) final;
  void get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) final;
  void replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                              callback<task_ref> done) final;
  void list_ip_sets(std::string gateway_id, fiql filter, callback<std::vector<ip_set>> done) final;
  void get_ip_set(std::string ip_set_id, callback<ip_set> done) final;
  void create_ip_set(ip_set s, callback<task_ref> done) final;
  void update_ip_set(ip_set s, callback<task_ref> done) final;
  void delete_ip_set(std::string ip_set_id, callback<task_ref> done) final;
  void list_app_port_profiles(fiql filter, callback<std::vector<app_port_profile>> done) final;
  void get_app_port_profile(std::string profile_id, callback<app_port_profile> done) final;
  void create_app_port_profile(app_port_profile profile, callback<task_ref> done) final;
  void update_app_port_profile(app_port_profile profile, callback<task_ref> done) final;
  void delete_app_port_profile(std::string profile_id, callback<task_ref> done) final;
  void find_certificates(std::string alias, callback<std::vector<certificate>> done) final;
  void list_floating_ip_suggestions(std::string gateway_id,
                                    callback<std::vector<floating_ip_suggestion>> done) final;
  void get_ip_space(std::string ip_space_id, callback<ip_space> done) final;
  void allocate_floating_ip(std::string ip_space_id, std::string value,
                            callback<task_ref> done) final;
  void list_ip_allocations(std::string ip_space_id, fiql filter,
                           callback<std::vector<ip_allocation>> done) final;
  void get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                         callback<ip_allocation> done) final;
  void update_ip_allocation(ip_allocation a, callback<task_ref> done) final;
  void delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                            callback<task_ref> done) final;
  void get_task(task_ref ref, callback<task> done) final;
  void get_defined_entity(std::string entity_id, callback<defined_entity> done) final;
  void update_defined_entity(defined_entity e, callback<defined_entity> done) final;
  void get_defined_entity_type(std::string type_id, callback<defined_entity_type> done) final;

protected:
  /// Called first; a non-empty error fails the call with it.
  virtual caf::error admit(const call_info& /*call*/) { return {}; }

  /// Called when the call is admitted; the function returned (if any) sees the outcome.
  virtual std::function<void(const caf::error* failed)> on_complete(const call_info& /*call*/) {
    return {};
  }

  /// Makes the wrapped call; a subclass may run it under a lock.
  virtual void forward(const call_info& /*call*/, const std::function<void()>& call) { call(); }

  [[nodiscard]] const std::shared_ptr<client>& inner() const noexcept { return inner_; }

private:
  template <class T, class Call>
  void dispatch(call_info info, callback<T> done, Call&& call);

  std::shared_ptr<client> inner_;
};

} // namespace vcdlb::vcd
