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
/// Thread-safety: as the wrapped client; the metric families are thread-safe. Ownership: holds
/// the wrapped client and the metrics.

#include <memory>

#include "adapters/vcd/client_decorator.hpp"
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

} // namespace vcdlb::detail
