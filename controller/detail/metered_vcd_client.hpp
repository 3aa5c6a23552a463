#pragma once

/// @file controller/detail/metered_vcd_client.hpp
/// @brief A `vcd::client` decorator that counts and times every call of the wrapped client:
/// `cloudprovider_vcd_api_requests_total{operation, code}` and
/// `cloudprovider_vcd_api_request_duration_seconds{operation, code}` (docs/metrics.md).
///
/// `operation` is the client member's name (`create_pool`, `get_task`, ...). `code` is the
/// HTTP status: taken from the error when the call failed (`<error>` when no response
/// arrived), and on success the status VCD's CloudAPI answers such a call with -- 202 Accepted
/// for the task-returning mutations, 200 for the rest. One call is one client operation: the
/// wrapped client's own retries (re-login on 401, paging) are inside it.
///
/// Thread-safety: as the wrapped client; the metric families are thread-safe. Ownership: holds
/// the wrapped client and the metrics.

#include <memory>

#include "adapters/vcd/client.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb::detail {

class metered_vcd_client final : public vcd::client {
public:
  metered_vcd_client(std::shared_ptr<vcd::client> inner,
                     std::shared_ptr<const runtime::vcdlb_metrics> metrics);

  void login(vcd::callback<vcd::session_info> done) override;
  void get_org_vdc_network(std::string name, vcd::callback<vcd::org_vdc_network> done) override;
  void get_edge_gateway(std::string gateway_id, vcd::callback<vcd::edge_gateway> done) override;
  void list_used_ip_addresses(std::string gateway_id,
                              vcd::callback<std::vector<vcd::used_ip>> done) override;
  void list_seg_assignments(std::string gateway_id,
                            vcd::callback<std::vector<vcd::seg_assignment>> done) override;
  void list_pool_summaries(std::string gateway_id, vcd::fiql filter,
                           vcd::callback<std::vector<vcd::pool_summary>> done) override;
  void get_pool(std::string pool_id, vcd::callback<vcd::pool> done) override;
  void create_pool(vcd::pool p, vcd::callback<vcd::task_ref> done) override;
  void update_pool(vcd::pool p, vcd::callback<vcd::task_ref> done) override;
  void delete_pool(std::string pool_id, vcd::callback<vcd::task_ref> done) override;
  void list_virtual_service_summaries(
    std::string gateway_id, vcd::fiql filter,
    vcd::callback<std::vector<vcd::virtual_service_summary>> done) override;
  void get_virtual_service(std::string vs_id, vcd::callback<vcd::virtual_service> done) override;
  void create_virtual_service(vcd::virtual_service vs, vcd::callback<vcd::task_ref> done) override;
  void update_virtual_service(vcd::virtual_service vs, vcd::callback<vcd::task_ref> done) override;
  void delete_virtual_service(std::string vs_id, vcd::callback<vcd::task_ref> done) override;
  void list_nat_rules(std::string gateway_id,
                      vcd::callback<std::vector<vcd::nat_rule>> done) override;
  void get_nat_rule(std::string gateway_id, std::string rule_id,
                    vcd::callback<vcd::nat_rule> done) override;
  void create_nat_rule(std::string gateway_id, vcd::nat_rule rule,
                       vcd::callback<vcd::task_ref> done) override;
  void update_nat_rule(std::string gateway_id, vcd::nat_rule rule,
                       vcd::callback<vcd::task_ref> done) override;
  void delete_nat_rule(std::string gateway_id, std::string rule_id,
                       vcd::callback<vcd::task_ref> done) override;
  void list_app_port_profiles(vcd::fiql filter,
                              vcd::callback<std::vector<vcd::app_port_profile>> done) override;
  void get_app_port_profile(std::string profile_id,
                            vcd::callback<vcd::app_port_profile> done) override;
  void create_app_port_profile(vcd::app_port_profile profile,
                               vcd::callback<vcd::task_ref> done) override;
  void update_app_port_profile(vcd::app_port_profile profile,
                               vcd::callback<vcd::task_ref> done) override;
  void delete_app_port_profile(std::string profile_id, vcd::callback<vcd::task_ref> done) override;
  void find_certificates(std::string alias,
                         vcd::callback<std::vector<vcd::certificate>> done) override;
  void get_task(vcd::task_ref ref, vcd::callback<vcd::task> done) override;

private:
  /// Wraps `done` so the call's outcome is recorded before `done` runs.
  template <class T>
  vcd::callback<T> meter(const char* operation, bool mutation, vcd::callback<T> done);

  std::shared_ptr<vcd::client> inner_;
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
};

} // namespace vcdlb::detail
