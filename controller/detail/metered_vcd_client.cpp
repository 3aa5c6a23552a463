#include "controller/detail/metered_vcd_client.hpp"

#include <chrono>
#include <string>

#include "adapters/vcd/errors.hpp"

namespace vcdlb::detail {

metered_vcd_client::metered_vcd_client(std::shared_ptr<vcd::client> inner,
                                       std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                                       std::shared_ptr<vcd_health> health)
  : client_decorator(std::move(inner)), metrics_(std::move(metrics)), health_(std::move(health)) {}

std::string metered_vcd_client::error_reason(const caf::error& err) {
  auto name = code_name(err);
  auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::function<void(const caf::error*)> metered_vcd_client::on_complete(const vcd::call_info& call) {
  auto started = std::chrono::steady_clock::now();
  return [metrics = metrics_, health = health_, call, started](const caf::error* failed) {
    std::string code;
    if (failed == nullptr) {
      code = call.kind == vcd::call_kind::mutation ? "202" : "200";
    } else {
      auto info = vcd::parse_error_info(*failed);
      code = info.http_status != 0 && !info.from_task
               ? std::to_string(info.http_status)
               : std::string{runtime::metric_labels::code_none};
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics->vcd_requests_total.with(call.operation, code)->inc();
    metrics->vcd_request_duration_seconds.with(call.operation, code)->observe(took.count());
    if (failed != nullptr)
      metrics->vcd_request_errors_total.with(call.operation, error_reason(*failed))->inc();
    if (health)
      health->record(call.operation, failed);
  };
}

} // namespace vcdlb::detail
