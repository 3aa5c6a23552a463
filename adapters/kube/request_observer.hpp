#pragma once

/// @file adapters/kube/request_observer.hpp
/// @brief What the Kubernetes client reports about each HTTP exchange, so metrics
/// (client-go's `rest_client_*`) stay outside the adapter.
///
/// Thread-safety: called from the client's io threads, concurrently; implementations must be
/// thread-safe, cheap, and must never block.

#include <chrono>
#include <string_view>

namespace vcdlb::kube {

class request_observer {
public:
  virtual ~request_observer() = default;

  /// One HTTP exchange ended (each retry is its own exchange). `status` is the HTTP status,
  /// 0 when no response arrived. `watch` is true for a watch, reported once its response
  /// head arrived (or it failed without one); `took` is then the time to that point.
  virtual void request_done(std::string_view method, unsigned status,
                            std::chrono::steady_clock::duration took, bool watch) = 0;
};

} // namespace vcdlb::kube
