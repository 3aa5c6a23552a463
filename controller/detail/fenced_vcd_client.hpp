#pragma once

/// @file controller/detail/fenced_vcd_client.hpp
/// @brief A `vcd::client` decorator that refuses VCD mutations (`lb_errc::not_leader`) while
/// the lease fence does not hold, so two controller replicas never mutate one gateway at the
/// same time: not while a frozen ex-leader wakes up with overdue timers, not between losing the
/// lease and the process exiting. Reads and task polls pass (they change nothing).
///
/// Thread-safety: as the wrapped client (the fence is thread-safe). Ownership: shares the
/// wrapped client and the fence.

#include <atomic>
#include <cstdint>
#include <memory>

#include "adapters/kube/lease_fence.hpp"
#include "adapters/vcd/client_decorator.hpp"

namespace vcdlb::detail {

/// lb_errc::not_leader unless `fence` holds now.
[[nodiscard]] caf::error lease_fence_refusal(const kube::lease_fence& fence);

class fenced_vcd_client final : public vcd::client_decorator {
public:
  fenced_vcd_client(std::shared_ptr<vcd::client> inner,
                    std::shared_ptr<const kube::lease_fence> fence)
    : client_decorator(std::move(inner)), fence_(std::move(fence)) {}

  /// Mutations refused so far.
  [[nodiscard]] uint64_t refused() const noexcept { return refused_.load(); }

protected:
  caf::error admit(const vcd::call_info& call) override;

private:
  std::shared_ptr<const kube::lease_fence> fence_;
  std::atomic<uint64_t> refused_{0};
};

} // namespace vcdlb::detail
