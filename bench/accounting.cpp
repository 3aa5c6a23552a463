#include "bench/accounting.hpp"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

namespace vcdlb::bench {

namespace {

uint64_t request_key(const vcd::sim::request_record& rec, const http::request& req) {
  std::hash<std::string_view> h;
  uint64_t k = h(rec.method);
  k = k * 1'000'003 ^ h(rec.target);
  k = k * 1'000'003 ^ h(req.body);
  return k;
}

} // namespace

request_counts request_counts::operator-(const request_counts& o) const noexcept {
  request_counts d{auth - o.auth,           reads - o.reads,
                   mutations - o.mutations, task_polls - o.task_polls,
                   retries - o.retries,     rejected - o.rejected};
  d.rde_writes = rde_writes - o.rde_writes;
  return d;
}

request_counts& request_counts::operator+=(const request_counts& o) noexcept {
  auth += o.auth;
  reads += o.reads;
  mutations += o.mutations;
  task_polls += o.task_polls;
  retries += o.retries;
  rejected += o.rejected;
  rde_writes += o.rde_writes;
  return *this;
}

bool transient_refusal(const vcd::sim::request_record& rec) noexcept {
  auto s = rec.status;
  return s == 0 || s == 401 || s == 429 || s >= 500 || rec.reason == "busy_entity";
}

void request_accounting::record(const vcd::sim::request_record& rec, const http::request& req) {
  if (rec.category == "control")
    return;
  auto key = request_key(rec, req);
  std::lock_guard guard{mu_};
  bool retry = false;
  if (auto i = awaiting_retry_.find(key); i != awaiting_retry_.end()) {
    retry = true;
    if (--i->second == 0)
      awaiting_retry_.erase(i);
  }
  if (retry)
    ++counts_.retries;
  else if (rec.category == "auth")
    ++counts_.auth;
  else if (rec.category == "mutation")
    ++counts_.mutations;
  else if (rec.category == "task_poll")
    ++counts_.task_polls;
  else
    ++counts_.reads;
  if (rec.method == "PUT" && rec.route == "/cloudapi/1.0.0/entities/{}" && rec.status == 200)
    ++counts_.rde_writes;
  if (transient_refusal(rec)) {
    ++counts_.rejected;
    ++awaiting_retry_[key];
  }
}

vcd::sim::request_observer request_accounting::observer() {
  return
    [this](const vcd::sim::request_record& rec, const http::request& req) { record(rec, req); };
}

request_counts request_accounting::counts() const {
  std::lock_guard guard{mu_};
  return counts_;
}

std::chrono::nanoseconds gateway_busy_time(const std::vector<vcd::sim::task_record>& tasks,
                                           vcd::sim::time_point from, vcd::sim::time_point to) {
  std::vector<std::pair<vcd::sim::time_point, vcd::sim::time_point>> spans;
  for (const auto& t : tasks) {
    if (t.gateway_id.empty())
      continue;
    auto a = std::max(t.start, from);
    auto b = std::min(t.end, to);
    if (a < b)
      spans.emplace_back(a, b);
  }
  std::sort(spans.begin(), spans.end());
  std::chrono::nanoseconds busy{0};
  vcd::sim::time_point cur_start{};
  vcd::sim::time_point cur_end{};
  bool open = false;
  for (const auto& [a, b] : spans) {
    if (open && a <= cur_end) {
      cur_end = std::max(cur_end, b);
      continue;
    }
    if (open)
      busy += cur_end - cur_start;
    cur_start = a;
    cur_end = b;
    open = true;
  }
  if (open)
    busy += cur_end - cur_start;
  return busy;
}

std::optional<vcd::sim::time_point>
first_gateway_task(const std::vector<vcd::sim::task_record>& tasks, vcd::sim::time_point from,
                   vcd::sim::time_point to) {
  std::optional<vcd::sim::time_point> first;
  for (const auto& t : tasks)
    if (!t.gateway_id.empty() && t.start >= from && t.start < to && (!first || t.start < *first))
      first = t.start;
  return first;
}

uint64_t gateway_tasks_started(const std::vector<vcd::sim::task_record>& tasks,
                               vcd::sim::time_point from, vcd::sim::time_point to) {
  uint64_t n = 0;
  for (const auto& t : tasks)
    if (!t.gateway_id.empty() && t.start >= from && t.start < to)
      ++n;
  return n;
}

} // namespace vcdlb::bench
