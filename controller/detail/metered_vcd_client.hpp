#pragma once

/// @file controller/detail/metered_vcd_client.hpp
/// @brief A `vcd::client` decorator that counts and times every call of the wrapped client:
/// `cloudprovider_vcd_api_requests_total{operation, code}` and
/// `cloudprovider_vcd_api_request_duration_seconds{operation, code}`, failures by reason in
/// `cloudprovider_vcd_api_request_errors_total{operation, reason}` (docs/metrics.md), and
/// every outcome to a `vcd_health` (VCD up/down gauges and log lines).
///
/// `operation` is the client member's name (`create_pool`, `get_task`, ...). `code` is the
/// HTTP status: taken from the error when the call failed (`<error>` when no response
/// arrived), and on success the status VCD's CloudAPI answers such a call with -- 202 Accepted
/// for the task-returning mutations, 200 for the rest. One call is one client operation: the
/// wrapped client's own retries (re-login on 401, paging) are inside it.
///
/// `metered_vm_client` does the same for the node duties' legacy API reads (`query_vapps`,
/// `get_vapp`), so every request vcdlb sends to VCD is in the same families and the same health.
///
/// Thread-safety: as the wrapped client; the metric families are thread-safe. Ownership: holds
/// the wrapped client and the metrics.

#include <memory>

#include "adapters/vcd/client_decorator.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "controller/detail/vcd_health.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb::detail {

class metered_vcd_client final : public vcd::client_decorator {
public:
  metered_vcd_client(std::shared_ptr<vcd::client> inner,
                     std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                     std::shared_ptr<vcd_health> health);

  /// The `reason` label of a failure: the vcd_errc name ("busy_entity"), else the code's
  /// name without its category.
  [[nodiscard]] static std::string error_reason(const caf::error& err);

protected:
  std::function<void(const caf::error*)> on_complete(const vcd::call_info& call) override;

private:
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::shared_ptr<vcd_health> health_;
};

/// Starts timing one VCD call; the returned function records its outcome (null: success).
[[nodiscard]] std::function<void(const caf::error*)>
meter_vcd_call(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
               std::shared_ptr<vcd_health> health, const vcd::call_info& call);

class metered_vm_client final : public vcd::vm_client {
public:
  metered_vm_client(std::shared_ptr<vcd::vm_client> inner,
                    std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                    std::shared_ptr<vcd_health> health)
    : inner_(std::move(inner)), metrics_(std::move(metrics)), health_(std::move(health)) {}

  void query_vapps(std::string name, bool prefix,
                   vcd::callback<std::vector<vcd::vapp_record>> done) override;
  void get_vapp(std::string href, vcd::callback<vcd::vapp> done) override;

private:
  std::shared_ptr<vcd::vm_client> inner_;
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::shared_ptr<vcd_health> health_;
};

} // namespace vcdlb::detail
