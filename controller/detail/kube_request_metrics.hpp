#pragma once

/// @file controller/detail/kube_request_metrics.hpp
/// @brief The Kubernetes client's request observer that feeds client-go's families:
/// `rest_client_requests_total{code, method, host}` (every exchange, watches included; code
/// `<error>` without a response) and `rest_client_request_duration_seconds{verb, host}`
/// (watches excluded: they last as long as the server keeps them open).
///
/// Thread-safety: as the metric families (lock-free updates; `with` takes the family's mutex).

#include <memory>
#include <string>

#include "adapters/kube/request_observer.hpp"
#include "runtime/vcdlb_metrics.hpp"

namespace vcdlb::detail {

class kube_request_metrics final : public kube::request_observer {
public:
  /// `server` is the API server's URL; its host[:port] is the `host` label.
  kube_request_metrics(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                       std::string_view server);

  void request_done(std::string_view method, unsigned status,
                    std::chrono::steady_clock::duration took, bool watch) override;

  /// "https://10.0.0.1:6443/prefix" -> "10.0.0.1:6443".
  [[nodiscard]] static std::string host_of(std::string_view url);

private:
  std::shared_ptr<const runtime::vcdlb_metrics> metrics_;
  std::string host_;
};

} // namespace vcdlb::detail
