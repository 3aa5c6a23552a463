#include "adapters/vcd/client_decorator.hpp"

#include <utility>

namespace vcdlb::vcd {

template <class T, class Call>
void client_decorator::dispatch(call_info info, callback<T> done, Call&& call) {
  if (auto refused = admit(info)) {
    done(std::move(refused));
    return;
  }
  if (auto observe = on_complete(info)) {
    done = [observe = std::move(observe), done = std::move(done)](caf::expected<T> result) {
      observe(result ? nullptr : &result.error());
      done(std::move(result));
    };
  }
  forward(info, [&] { call(std::move(done)); });
}

void client_decorator::login(callback<session_info> done) {
  dispatch({"login", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->login(std::move(cb)); });
}

void client_decorator::get_org_vdc_network(std::string name, callback<org_vdc_network> done) {
  dispatch({"get_org_vdc_network", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_org_vdc_network(std::move(name), std::move(cb)); });
}

void client_decorator::get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) {
  dispatch({"get_edge_gateway", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_edge_gateway(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::list_used_ip_addresses(std::string gateway_id,
                                              callback<std::vector<used_ip>> done) {
  dispatch({"list_used_ip_addresses", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->list_used_ip_addresses(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::list_seg_assignments(std::string gateway_id,
                                            callback<std::vector<seg_assignment>> done) {
  dispatch({"list_seg_assignments", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->list_seg_assignments(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::get_alb_settings(std::string gateway_id, callback<alb_settings> done) {
  dispatch({"get_alb_settings", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_alb_settings(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::list_pool_summaries(std::string gateway_id, fiql filter,
                                           callback<std::vector<pool_summary>> done) {
  dispatch({"list_pool_summaries", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->list_pool_summaries(std::move(gateway_id), std::move(filter), std::move(cb));
  });
}

void client_decorator::get_pool(std::string pool_id, callback<pool> done) {
  dispatch({"get_pool", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_pool(std::move(pool_id), std::move(cb)); });
}

void client_decorator::create_pool(pool p, callback<task_ref> done) {
  dispatch({"create_pool", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->create_pool(std::move(p), std::move(cb)); });
}

void client_decorator::update_pool(pool p, callback<task_ref> done) {
  dispatch({"update_pool", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_pool(std::move(p), std::move(cb)); });
}

void client_decorator::delete_pool(std::string pool_id, callback<task_ref> done) {
  dispatch({"delete_pool", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->delete_pool(std::move(pool_id), std::move(cb)); });
}

void client_decorator::list_virtual_service_summaries(
  std::string gateway_id, fiql filter, callback<std::vector<virtual_service_summary>> done) {
  dispatch({"list_virtual_service_summaries", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->list_virtual_service_summaries(std::move(gateway_id), std::move(filter), std::move(cb));
  });
}

void client_decorator::get_virtual_service(std::string vs_id, callback<virtual_service> done) {
  dispatch({"get_virtual_service", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_virtual_service(std::move(vs_id), std::move(cb)); });
}

void client_decorator::create_virtual_service(virtual_service vs, callback<task_ref> done) {
  dispatch({"create_virtual_service", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->create_virtual_service(std::move(vs), std::move(cb)); });
}

void client_decorator::update_virtual_service(virtual_service vs, callback<task_ref> done) {
  dispatch({"update_virtual_service", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_virtual_service(std::move(vs), std::move(cb)); });
}

void client_decorator::delete_virtual_service(std::string vs_id, callback<task_ref> done) {
  dispatch({"delete_virtual_service", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->delete_virtual_service(std::move(vs_id), std::move(cb)); });
}

void client_decorator::list_nat_rules(std::string gateway_id,
                                      callback<std::vector<nat_rule>> done) {
  dispatch({"list_nat_rules", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->list_nat_rules(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::get_nat_rule(std::string gateway_id, std::string rule_id,
                                    callback<nat_rule> done) {
  dispatch({"get_nat_rule", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->get_nat_rule(std::move(gateway_id), std::move(rule_id), std::move(cb));
  });
}

void client_decorator::create_nat_rule(std::string gateway_id, nat_rule rule,
                                       callback<task_ref> done) {
  dispatch({"create_nat_rule", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->create_nat_rule(std::move(gateway_id), std::move(rule), std::move(cb));
  });
}

void client_decorator::update_nat_rule(std::string gateway_id, nat_rule rule,
                                       callback<task_ref> done) {
  dispatch({"update_nat_rule", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->update_nat_rule(std::move(gateway_id), std::move(rule), std::move(cb));
  });
}

void client_decorator::delete_nat_rule(std::string gateway_id, std::string rule_id,
                                       callback<task_ref> done) {
  dispatch({"delete_nat_rule", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->delete_nat_rule(std::move(gateway_id), std::move(rule_id), std::move(cb));
  });
}

void client_decorator::get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) {
  dispatch({"get_firewall_rules", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_firewall_rules(std::move(gateway_id), std::move(cb)); });
}

void client_decorator::replace_firewall_rules(std::string gateway_id,
                                              std::vector<firewall_rule> rules,
                                              callback<task_ref> done) {
  dispatch({"replace_firewall_rules", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->replace_firewall_rules(std::move(gateway_id), std::move(rules), std::move(cb));
  });
}

void client_decorator::list_ip_sets(std::string gateway_id, fiql filter,
                                    callback<std::vector<ip_set>> done) {
  dispatch({"list_ip_sets", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->list_ip_sets(std::move(gateway_id), std::move(filter), std::move(cb));
  });
}

void client_decorator::get_ip_set(std::string ip_set_id, callback<ip_set> done) {
  dispatch({"get_ip_set", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_ip_set(std::move(ip_set_id), std::move(cb)); });
}

void client_decorator::create_ip_set(ip_set s, callback<task_ref> done) {
  dispatch({"create_ip_set", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->create_ip_set(std::move(s), std::move(cb)); });
}

void client_decorator::update_ip_set(ip_set s, callback<task_ref> done) {
  dispatch({"update_ip_set", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_ip_set(std::move(s), std::move(cb)); });
}

void client_decorator::delete_ip_set(std::string ip_set_id, callback<task_ref> done) {
  dispatch({"delete_ip_set", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->delete_ip_set(std::move(ip_set_id), std::move(cb)); });
}

void client_decorator::list_app_port_profiles(fiql filter,
                                              callback<std::vector<app_port_profile>> done) {
  dispatch({"list_app_port_profiles", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->list_app_port_profiles(std::move(filter), std::move(cb)); });
}

void client_decorator::get_app_port_profile(std::string profile_id,
                                            callback<app_port_profile> done) {
  dispatch({"get_app_port_profile", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_app_port_profile(std::move(profile_id), std::move(cb)); });
}

void client_decorator::create_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  dispatch({"create_app_port_profile", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->create_app_port_profile(std::move(profile), std::move(cb)); });
}

void client_decorator::update_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  dispatch({"update_app_port_profile", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_app_port_profile(std::move(profile), std::move(cb)); });
}

void client_decorator::delete_app_port_profile(std::string profile_id, callback<task_ref> done) {
  dispatch({"delete_app_port_profile", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->delete_app_port_profile(std::move(profile_id), std::move(cb)); });
}

void client_decorator::find_certificates(std::string alias,
                                         callback<std::vector<certificate>> done) {
  dispatch({"find_certificates", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->find_certificates(std::move(alias), std::move(cb)); });
}

void client_decorator::list_floating_ip_suggestions(
  std::string gateway_id, callback<std::vector<floating_ip_suggestion>> done) {
  dispatch({"list_floating_ip_suggestions", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->list_floating_ip_suggestions(std::move(gateway_id), std::move(cb));
  });
}

void client_decorator::get_ip_space(std::string ip_space_id, callback<ip_space> done) {
  dispatch({"get_ip_space", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_ip_space(std::move(ip_space_id), std::move(cb)); });
}

void client_decorator::allocate_floating_ip(std::string ip_space_id, std::string value,
                                            callback<task_ref> done) {
  dispatch({"allocate_floating_ip", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->allocate_floating_ip(std::move(ip_space_id), std::move(value), std::move(cb));
  });
}

void client_decorator::list_ip_allocations(std::string ip_space_id, fiql filter,
                                           callback<std::vector<ip_allocation>> done) {
  dispatch({"list_ip_allocations", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->list_ip_allocations(std::move(ip_space_id), std::move(filter), std::move(cb));
  });
}

void client_decorator::get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                         callback<ip_allocation> done) {
  dispatch({"get_ip_allocation", call_kind::read}, std::move(done), [&](auto cb) {
    inner_->get_ip_allocation(std::move(ip_space_id), std::move(allocation_id), std::move(cb));
  });
}

void client_decorator::update_ip_allocation(ip_allocation a, callback<task_ref> done) {
  dispatch({"update_ip_allocation", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_ip_allocation(std::move(a), std::move(cb)); });
}

void client_decorator::delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                            callback<task_ref> done) {
  dispatch({"delete_ip_allocation", call_kind::mutation}, std::move(done), [&](auto cb) {
    inner_->delete_ip_allocation(std::move(ip_space_id), std::move(allocation_id), std::move(cb));
  });
}

void client_decorator::get_task(task_ref ref, callback<task> done) {
  dispatch({"get_task", call_kind::task_poll}, std::move(done),
           [&](auto cb) { inner_->get_task(std::move(ref), std::move(cb)); });
}

void client_decorator::get_defined_entity(std::string entity_id, callback<defined_entity> done) {
  dispatch({"get_defined_entity", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_defined_entity(std::move(entity_id), std::move(cb)); });
}

void client_decorator::update_defined_entity(defined_entity e, callback<defined_entity> done) {
  dispatch({"update_defined_entity", call_kind::mutation}, std::move(done),
           [&](auto cb) { inner_->update_defined_entity(std::move(e), std::move(cb)); });
}

void client_decorator::get_defined_entity_type(std::string type_id,
                                               callback<defined_entity_type> done) {
  dispatch({"get_defined_entity_type", call_kind::read}, std::move(done),
           [&](auto cb) { inner_->get_defined_entity_type(std::move(type_id), std::move(cb)); });
}

} // namespace vcdlb::vcd
