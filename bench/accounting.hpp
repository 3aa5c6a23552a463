#pragma once

/// @file bench/accounting.hpp
/// @brief The simulator-side view of a run: every request classified by kind, and the time
/// the edge gateway was locked by a mutating task.
///
/// Kinds partition the requests the simulator handled (control requests to /_sim excluded):
/// - retries: a request whose method, target and body repeat a request that the simulator
///   refused with a transient answer (dropped, 401, 429, 5xx, or 400 BUSY_ENTITY) and that
///   has not been repeated yet; counted here and not again under its own kind;
/// - otherwise by the simulator's own route category: auth, reads, mutations, task polls.
/// `rejected` counts the transient refusals themselves (they are also in their kind).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/vcd/sim/core.hpp"

namespace vcdlb::bench {

struct request_counts {
  uint64_t auth = 0;
  uint64_t reads = 0;
  uint64_t mutations = 0;
  uint64_t task_polls = 0;
  uint64_t retries = 0;
  uint64_t rejected = 0; ///< transient refusals (not a kind: each is also counted in one)
  /// Accepted writes of the cluster's RDE (`PUT /cloudapi/1.0.0/entities/{id}` answered 200;
  /// also counted as mutations): vcdlb's `status.cpi` bookkeeping.
  uint64_t rde_writes = 0;

  /// Every request: auth + reads + mutations + task polls + retries.
  [[nodiscard]] uint64_t total() const noexcept {
    return auth + reads + mutations + task_polls + retries;
  }
  [[nodiscard]] request_counts operator-(const request_counts& o) const noexcept;
  request_counts& operator+=(const request_counts& o) noexcept;
};

/// True when the simulator's answer asks the client to try again later.
[[nodiscard]] bool transient_refusal(const vcd::sim::request_record& rec) noexcept;

/// Counts requests as the simulator reports them. Thread-safe. Install `observer()` in the
/// simulator's core and keep this object alive until the observer is removed.
class request_accounting {
public:
  /// Classifies one request (what the observer does).
  void record(const vcd::sim::request_record& rec, const http::request& req);
  [[nodiscard]] vcd::sim::request_observer observer();
  [[nodiscard]] request_counts counts() const;

private:
  mutable std::mutex mu_;
  request_counts counts_;
  /// hash of (method, target, body) -> refusals not yet repeated
  std::unordered_map<uint64_t, uint32_t> awaiting_retry_;
};

/// Time within [from, to) during which a gateway-bound task was running (the union of the
/// tasks' intervals, so overlapping tasks count once). Tasks without a gateway (application
/// port profiles) lock nothing and are left out.
[[nodiscard]] std::chrono::nanoseconds
gateway_busy_time(const std::vector<vcd::sim::task_record>& tasks, vcd::sim::time_point from,
                  vcd::sim::time_point to);

/// When the first gateway-bound task within [from, to) started; nullopt if none did.
[[nodiscard]] std::optional<vcd::sim::time_point>
first_gateway_task(const std::vector<vcd::sim::task_record>& tasks, vcd::sim::time_point from,
                   vcd::sim::time_point to);

/// Gateway-bound tasks that started within [from, to).
[[nodiscard]] uint64_t gateway_tasks_started(const std::vector<vcd::sim::task_record>& tasks,
                                             vcd::sim::time_point from, vcd::sim::time_point to);

} // namespace vcdlb::bench
