#pragma once

// A vcd::client decorator for the engine-only bench: serializes every call into a client that
// is not thread-safe (vcd::fake_client) and counts calls by kind. The fake answers
// synchronously, so its callbacks run under the lock; they only enqueue actor messages.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "adapters/vcd/client_decorator.hpp"

namespace vcdlb::bench::detail {

class serialized_client final : public vcd::client_decorator {
public:
  using client_decorator::client_decorator;

  [[nodiscard]] uint64_t reads() const noexcept { return reads_.load(); }
  [[nodiscard]] uint64_t mutations() const noexcept { return mutations_.load(); }
  [[nodiscard]] uint64_t task_polls() const noexcept { return polls_.load(); }
  /// Writes of the cluster's RDE (also counted as mutations).
  [[nodiscard]] uint64_t rde_writes() const noexcept { return rde_writes_.load(); }
  [[nodiscard]] uint64_t total() const noexcept { return reads() + mutations() + task_polls(); }

protected:
  caf::error admit(const vcd::call_info& call) override {
    switch (call.kind) {
    case vcd::call_kind::read:
      ++reads_;
      break;
    case vcd::call_kind::mutation:
      ++mutations_;
      if (std::string_view{call.operation} == "update_defined_entity")
        ++rde_writes_;
      break;
    case vcd::call_kind::task_poll:
      ++polls_;
      break;
    }
    return {};
  }

  void forward(const vcd::call_info& /*call*/, const std::function<void()>& call) override {
    std::lock_guard guard{mutex_};
    call();
  }

private:
  std::mutex mutex_;
  std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> mutations_{0};
  std::atomic<uint64_t> polls_{0};
  std::atomic<uint64_t> rde_writes_{0};
};

} // namespace vcdlb::bench::detail
