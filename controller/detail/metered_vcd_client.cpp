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
  return meter_vcd_call(metrics_, health_, call);
}

std::function<void(const caf::error*)>
meter_vcd_call(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
               std::shared_ptr<vcd_health> health, const vcd::call_info& call) {
  auto started = std::chrono::steady_clock::now();
  return [metrics = std::move(metrics), health = std::move(health), call,
          started](const caf::error* failed) {
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
      metrics->vcd_request_errors_total
        .with(call.operation, metered_vcd_client::error_reason(*failed))
        ->inc();
    if (health)
      health->record(call.operation, failed);
  };
}

namespace {

// Wraps `done` so that its outcome is recorded first.
template <class T>
vcd::callback<T> metered(std::function<void(const caf::error*)> record, vcd::callback<T> done) {
  return [record = std::move(record), done = std::move(done)](caf::expected<T> r) mutable {
    record(r ? nullptr : &r.error());
    done(std::move(r));
  };
}

} // namespace

void metered_vm_client::query_vapps(std::string name, bool prefix,
                                    vcd::callback<std::vector<vcd::vapp_record>> done) {
  auto record = meter_vcd_call(metrics_, health_, {"query_vapps", vcd::call_kind::read});
  inner_->query_vapps(std::move(name), prefix, metered(std::move(record), std::move(done)));
}

void metered_vm_client::get_vapp(std::string href, vcd::callback<vcd::vapp> done) {
  auto record = meter_vcd_call(metrics_, health_, {"get_vapp", vcd::call_kind::read});
  inner_->get_vapp(std::move(href), metered(std::move(record), std::move(done)));
}

} // namespace vcdlb::detail
