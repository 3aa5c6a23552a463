#include "controller/detail/metered_vcd_client.hpp"

#include <chrono>
#include <string>

#include "adapters/vcd/errors.hpp"

namespace vcdlb::detail {

metered_vcd_client::metered_vcd_client(std::shared_ptr<vcd::client> inner,
                                       std::shared_ptr<const runtime::vcdlb_metrics> metrics)
  : inner_(std::move(inner)), metrics_(std::move(metrics)) {}

template <class T>
vcd::callback<T> metered_vcd_client::meter(const char* operation, bool mutation,
                                           vcd::callback<T> done) {
  auto started = std::chrono::steady_clock::now();
  return [metrics = metrics_, operation, mutation, started,
          done = std::move(done)](caf::expected<T> result) mutable {
    std::string code;
    if (result) {
      code = mutation ? "202" : "200";
    } else {
      auto info = vcd::parse_error_info(result.error());
      code = info.http_status != 0 && !info.from_task
               ? std::to_string(info.http_status)
               : std::string{runtime::metric_labels::code_none};
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics->vcd_requests_total.with(operation, code)->inc();
    metrics->vcd_request_duration_seconds.with(operation, code)->observe(took.count());
    done(std::move(result));
  };
}

void metered_vcd_client::login(vcd::callback<vcd::session_info> done) {
  inner_->login(meter("login", false, std::move(done)));
}
void metered_vcd_client::get_org_vdc_network(std::string name,
                                             vcd::callback<vcd::org_vdc_network> done) {
  inner_->get_org_vdc_network(std::move(name),
                              meter("get_org_vdc_network", false, std::move(done)));
}
void metered_vcd_client::get_edge_gateway(std::string gateway_id,
                                          vcd::callback<vcd::edge_gateway> done) {
  inner_->get_edge_gateway(std::move(gateway_id),
                           meter("get_edge_gateway", false, std::move(done)));
}
void metered_vcd_client::list_used_ip_addresses(std::string gateway_id,
                                                vcd::callback<std::vector<vcd::used_ip>> done) {
  inner_->list_used_ip_addresses(std::move(gateway_id),
                                 meter("list_used_ip_addresses", false, std::move(done)));
}
void metered_vcd_client::list_seg_assignments(
  std::string gateway_id, vcd::callback<std::vector<vcd::seg_assignment>> done) {
  inner_->list_seg_assignments(std::move(gateway_id),
                               meter("list_seg_assignments", false, std::move(done)));
}
void metered_vcd_client::list_pool_summaries(std::string gateway_id, vcd::fiql filter,
                                             vcd::callback<std::vector<vcd::pool_summary>> done) {
  inner_->list_pool_summaries(std::move(gateway_id), std::move(filter),
                              meter("list_pool_summaries", false, std::move(done)));
}
void metered_vcd_client::get_pool(std::string pool_id, vcd::callback<vcd::pool> done) {
  inner_->get_pool(std::move(pool_id), meter("get_pool", false, std::move(done)));
}
void metered_vcd_client::create_pool(vcd::pool p, vcd::callback<vcd::task_ref> done) {
  inner_->create_pool(std::move(p), meter("create_pool", true, std::move(done)));
}
void metered_vcd_client::update_pool(vcd::pool p, vcd::callback<vcd::task_ref> done) {
  inner_->update_pool(std::move(p), meter("update_pool", true, std::move(done)));
}
void metered_vcd_client::delete_pool(std::string pool_id, vcd::callback<vcd::task_ref> done) {
  inner_->delete_pool(std::move(pool_id), meter("delete_pool", true, std::move(done)));
}
void metered_vcd_client::list_virtual_service_summaries(
  std::string gateway_id, vcd::fiql filter,
  vcd::callback<std::vector<vcd::virtual_service_summary>> done) {
  inner_->list_virtual_service_summaries(
    std::move(gateway_id), std::move(filter),
    meter("list_virtual_service_summaries", false, std::move(done)));
}
void metered_vcd_client::get_virtual_service(std::string vs_id,
                                             vcd::callback<vcd::virtual_service> done) {
  inner_->get_virtual_service(std::move(vs_id),
                              meter("get_virtual_service", false, std::move(done)));
}
void metered_vcd_client::create_virtual_service(vcd::virtual_service vs,
                                                vcd::callback<vcd::task_ref> done) {
  inner_->create_virtual_service(std::move(vs),
                                 meter("create_virtual_service", true, std::move(done)));
}
void metered_vcd_client::update_virtual_service(vcd::virtual_service vs,
                                                vcd::callback<vcd::task_ref> done) {
  inner_->update_virtual_service(std::move(vs),
                                 meter("update_virtual_service", true, std::move(done)));
}
void metered_vcd_client::delete_virtual_service(std::string vs_id,
                                                vcd::callback<vcd::task_ref> done) {
  inner_->delete_virtual_service(std::move(vs_id),
                                 meter("delete_virtual_service", true, std::move(done)));
}
void metered_vcd_client::list_nat_rules(std::string gateway_id,
                                        vcd::callback<std::vector<vcd::nat_rule>> done) {
  inner_->list_nat_rules(std::move(gateway_id), meter("list_nat_rules", false, std::move(done)));
}
void metered_vcd_client::get_nat_rule(std::string gateway_id, std::string rule_id,
                                      vcd::callback<vcd::nat_rule> done) {
  inner_->get_nat_rule(std::move(gateway_id), std::move(rule_id),
                       meter("get_nat_rule", false, std::move(done)));
}
void metered_vcd_client::create_nat_rule(std::string gateway_id, vcd::nat_rule rule,
                                         vcd::callback<vcd::task_ref> done) {
  inner_->create_nat_rule(std::move(gateway_id), std::move(rule),
                          meter("create_nat_rule", true, std::move(done)));
}
void metered_vcd_client::update_nat_rule(std::string gateway_id, vcd::nat_rule rule,
                                         vcd::callback<vcd::task_ref> done) {
  inner_->update_nat_rule(std::move(gateway_id), std::move(rule),
                          meter("update_nat_rule", true, std::move(done)));
}
void metered_vcd_client::delete_nat_rule(std::string gateway_id, std::string rule_id,
                                         vcd::callback<vcd::task_ref> done) {
  inner_->delete_nat_rule(std::move(gateway_id), std::move(rule_id),
                          meter("delete_nat_rule", true, std::move(done)));
}
void metered_vcd_client::list_app_port_profiles(
  vcd::fiql filter, vcd::callback<std::vector<vcd::app_port_profile>> done) {
  inner_->list_app_port_profiles(std::move(filter),
                                 meter("list_app_port_profiles", false, std::move(done)));
}
void metered_vcd_client::get_app_port_profile(std::string profile_id,
                                              vcd::callback<vcd::app_port_profile> done) {
  inner_->get_app_port_profile(std::move(profile_id),
                               meter("get_app_port_profile", false, std::move(done)));
}
void metered_vcd_client::create_app_port_profile(vcd::app_port_profile profile,
                                                 vcd::callback<vcd::task_ref> done) {
  inner_->create_app_port_profile(std::move(profile),
                                  meter("create_app_port_profile", true, std::move(done)));
}
void metered_vcd_client::update_app_port_profile(vcd::app_port_profile profile,
                                                 vcd::callback<vcd::task_ref> done) {
  inner_->update_app_port_profile(std::move(profile),
                                  meter("update_app_port_profile", true, std::move(done)));
}
void metered_vcd_client::delete_app_port_profile(std::string profile_id,
                                                 vcd::callback<vcd::task_ref> done) {
  inner_->delete_app_port_profile(std::move(profile_id),
                                  meter("delete_app_port_profile", true, std::move(done)));
}
void metered_vcd_client::find_certificates(std::string alias,
                                           vcd::callback<std::vector<vcd::certificate>> done) {
  inner_->find_certificates(std::move(alias), meter("find_certificates", false, std::move(done)));
}
void metered_vcd_client::get_task(vcd::task_ref ref, vcd::callback<vcd::task> done) {
  inner_->get_task(std::move(ref), meter("get_task", false, std::move(done)));
}

} // namespace vcdlb::detail
