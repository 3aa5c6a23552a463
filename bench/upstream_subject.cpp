#include "bench/upstream_subject.hpp"

#include <algorithm>
#include <deque>
#include <thread>

namespace vcdlb::bench {

upstream_subject::upstream_subject(std::shared_ptr<http::client> http, std::string base_url,
                                   upstream_subject_options opts)
  : model_(std::move(http), std::move(base_url), opts.model), opts_(std::move(opts)) {
  // nop
}

bool upstream_subject::supports(phase_kind k) const {
  // Upstream's periodic resync is the relist (`resync`); it has no drift repair of its own,
  // and ignores externalTrafficPolicy (every pool holds every worker).
  return k != phase_kind::shared_ports && k != phase_kind::drift_repair
         && k != phase_kind::churn_endpoints;
}

caf::expected<phase_outcome>
upstream_subject::run_phase(phase_kind k, const cluster_state& before, const cluster_state& after,
                            std::chrono::steady_clock::time_point deadline,
                            std::atomic<uint64_t>& converged) {
  using clock = std::chrono::steady_clock;
  const auto& services = k == phase_kind::remove ? before.services : after.services;
  phase_outcome out;
  out.latency_s.resize(services.size());
  calls_.clear();
  if (k == phase_kind::update || k == phase_kind::restart)
    out.note = "the removed port's objects are left behind, as upstream does (issue #336)";
  struct item {
    size_t index;
    clock::time_point ready;
    int failures;
  };
  std::deque<item> queue;
  auto t0 = clock::now();
  for (size_t i = 0; i < services.size(); ++i)
    queue.push_back({i, t0, 0});
  while (!queue.empty()) {
    auto now = clock::now();
    if (now >= deadline)
      break;
    // The work queue hands out the first key whose backoff has expired.
    auto it =
      std::find_if(queue.begin(), queue.end(), [&](const item& x) { return x.ready <= now; });
    if (it == queue.end()) {
      auto next = std::min_element(queue.begin(), queue.end(), [](const item& a, const item& b) {
                    return a.ready < b.ready;
                  })->ready;
      std::this_thread::sleep_until(std::min(next, deadline));
      continue;
    }
    auto job = *it;
    queue.erase(it);
    const auto& svc = services[job.index];
    caf::error err;
    switch (k) {
    case phase_kind::create:
    case phase_kind::resync:
    case phase_kind::drift_repair:    // not supported: never asked for
    case phase_kind::churn_endpoints: // not supported: never asked for
    case phase_kind::update:
    case phase_kind::restart: // a restarted upstream lists every Service and ensures each
    case phase_kind::shared_ports:
      if (auto r = model_.ensure(svc, after.nodes); !r)
        err = r.error();
      break;
    case phase_kind::churn:
      err = model_.update_nodes(svc, after.nodes);
      break;
    case phase_kind::remove:
      err = model_.remove(svc);
      break;
    }
    const auto& st = model_.last_call();
    ++totals_.calls;
    totals_.requests += st.requests;
    totals_.task_polls += st.task_polls;
    totals_.tasks += st.tasks;
    if (err) {
      ++totals_.failed_calls;
      ++job.failures;
      auto backoff = opts_.backoff_base * (int64_t{1} << std::min(job.failures - 1, 20));
      job.ready = clock::now() + std::min<std::chrono::milliseconds>(backoff, opts_.backoff_max);
      queue.push_back(job);
      continue;
    }
    calls_.emplace_back(job.index, st);
    out.latency_s[job.index] = std::chrono::duration<double>(clock::now() - t0).count();
    ++converged;
  }
  return out;
}

} // namespace vcdlb::bench
