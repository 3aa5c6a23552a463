#include "controller/detail/kube_request_metrics.hpp"

namespace vcdlb::detail {

kube_request_metrics::kube_request_metrics(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                                           std::string_view server)
  : metrics_(std::move(metrics)), host_(host_of(server)) {}

std::string kube_request_metrics::host_of(std::string_view url) {
  if (auto scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  return std::string{url.substr(0, url.find_first_of("/?#"))};
}

void kube_request_metrics::request_done(std::string_view method, unsigned status,
                                        std::chrono::steady_clock::duration took, bool watch) {
  auto code = status == 0 ? std::string{runtime::metric_labels::code_none} : std::to_string(status);
  metrics_->kube_requests_total.with(code, method, host_)->inc();
  if (!watch)
    metrics_->kube_request_duration_seconds.with(method, host_)
      ->observe(std::chrono::duration<double>(took).count());
}

} // namespace vcdlb::detail
