#include "gc/collect.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/vcd/errors.hpp"
#include "config/cluster_id.hpp"
#include "gc/detail/blocking.hpp"
#include "gc/detail/ownership.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::gc {

namespace {

using std::chrono::milliseconds;

struct cluster_verdict {
  verdict what = verdict::skip;
  std::string reason;
};

class runner {
public:
  runner(vcd::client& client, const options& opts) : client_(client), opts_(opts) {}

  void sleep(milliseconds d) const {
    if (opts_.sleep)
      opts_.sleep(d);
    else
      std::this_thread::sleep_for(d);
  }

  // Transient failures (busy gateway, 429, 5xx, no answer) are retried with backoff.
  template <class T>
  caf::expected<T> call(const std::function<void(vcd::callback<T>)>& fn, const std::string& what) {
    milliseconds backoff = opts_.poll_interval;
    for (uint32_t attempt = 1;; ++attempt) {
      auto result = detail::await<T>(fn, opts_.request_timeout, what);
      if (result || attempt >= opts_.max_attempts || !transient(result.error()))
        return result;
      auto info = vcd::parse_error_info(result.error());
      auto wait = info.retry_after_seconds > 0
                    ? milliseconds{std::chrono::seconds{info.retry_after_seconds}}
                    : backoff;
      sleep(wait);
      backoff = std::min(backoff * 2, milliseconds{std::chrono::seconds{30}});
    }
  }

  cluster_verdict judge_cluster(const std::string& id) {
    if (config::classify_cluster_id(id) != config::cluster_id_kind::rde_urn)
      return {verdict::skip, "cluster id " + id + " is not an RDE URN: no entity to check"};
    auto entity = call<vcd::defined_entity>(
      [&](auto done) { client_.get_defined_entity(id, std::move(done)); }, "reading RDE " + id);
    if (entity) {
      if (entity->state == "IN_DELETION")
        return {verdict::remove, "cluster RDE is IN_DELETION"};
      return {verdict::keep,
              "cluster RDE exists" + (entity->state.empty() ? "" : " (" + entity->state + ")")};
    }
    if (has_code(entity.error(), vcd_errc::not_found))
      return {verdict::remove, "cluster RDE not found (cluster deleted)"};
    if (has_code(entity.error(), vcd_errc::forbidden))
      return {verdict::skip, "no right to read the cluster RDE: owner's state unknown"};
    return {verdict::skip, "reading the cluster RDE failed: " + describe(entity.error())};
  }

  caf::error wait_task(const vcd::task_ref& ref, const std::string& what) {
    if (ref.completed_synchronously())
      return {};
    auto deadline = std::chrono::steady_clock::now() + opts_.task_timeout;
    for (;;) {
      auto t = call<vcd::task>([&](auto done) { client_.get_task(ref, std::move(done)); },
                               "polling the task of " + what);
      if (!t)
        return std::move(t.error());
      if (!t->in_flight())
        return t->status == vcd::task_status::success ? caf::error{} : vcd::make_task_error(*t);
      if (std::chrono::steady_clock::now() >= deadline)
        return detail::timeout_error("the task of " + what);
      sleep(opts_.poll_interval);
    }
  }

  void remove(finding& f) {
    auto what = "deleting " + std::string{to_string(f.kind)} + " " + f.name;
    auto ref = call<vcd::task_ref>(
      [&](auto done) {
        switch (f.kind) {
        case object_kind::virtual_service:
          client_.delete_virtual_service(f.id, std::move(done));
          break;
        case object_kind::pool:
          client_.delete_pool(f.id, std::move(done));
          break;
        case object_kind::dnat_rule:
          client_.delete_nat_rule(opts_.gateway_id, f.id, std::move(done));
          break;
        case object_kind::app_port_profile:
          client_.delete_app_port_profile(f.id, std::move(done));
          break;
        }
      },
      what);
    caf::error err;
    if (!ref)
      err = has_code(ref.error(), vcd_errc::not_found) ? caf::error{} : std::move(ref.error());
    else
      err = wait_task(*ref, what);
    if (err)
      f.error = describe(err);
    else
      f.removed = true;
  }

private:
  static bool transient(const caf::error& err) {
    return has_code(err, vcd_errc::busy_entity) || has_code(err, vcd_errc::rate_limited)
           || has_code(err, vcd_errc::unavailable) || has_code(err, vcd_errc::server_error);
  }

  vcd::client& client_;
  const options& opts_;
};

void add(std::vector<finding>& out, object_kind kind, const std::string& id,
         const std::string& name, const std::string& description,
         const std::vector<std::string>& candidates) {
  auto owner = detail::owner_of(name, description, candidates);
  if (owner.what == detail::ownership::state::unrelated)
    return;
  finding f;
  f.kind = kind;
  f.id = id;
  f.name = name;
  f.cluster_id = std::move(owner.cluster_id);
  f.what = verdict::skip;
  f.reason = std::move(owner.reason); // known: how the owner was found (prefixed below)
  out.push_back(std::move(f));
}

} // namespace

std::string_view to_string(verdict x) noexcept {
  switch (x) {
  case verdict::remove:
    return "remove";
  case verdict::keep:
    return "keep";
  case verdict::skip:
    return "skip";
  }
  return "?";
}

size_t report::count(verdict v) const {
  return static_cast<size_t>(
    std::count_if(findings.begin(), findings.end(), [v](const finding& f) { return f.what == v; }));
}

size_t report::removed() const {
  return static_cast<size_t>(
    std::count_if(findings.begin(), findings.end(), [](const finding& f) { return f.removed; }));
}

size_t report::failed() const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(), [](const finding& f) {
    return f.what == verdict::remove && !f.error.empty();
  }));
}

caf::expected<report> collect(vcd::client& client, const options& opts) {
  runner run{client, opts};
  const auto& gw = opts.gateway_id;
  auto vss = run.call<std::vector<vcd::virtual_service_summary>>(
    [&](auto done) { client.list_virtual_service_summaries(gw, {}, std::move(done)); },
    "listing virtual services");
  if (!vss)
    return std::move(vss.error());
  auto rules = run.call<std::vector<vcd::nat_rule>>(
    [&](auto done) { client.list_nat_rules(gw, std::move(done)); }, "listing NAT rules");
  if (!rules)
    return std::move(rules.error());
  auto pools = run.call<std::vector<vcd::pool_summary>>(
    [&](auto done) { client.list_pool_summaries(gw, {}, std::move(done)); }, "listing pools");
  if (!pools)
    return std::move(pools.error());
  auto profiles = run.call<std::vector<vcd::app_port_profile>>(
    [&](auto done) {
      client.list_app_port_profiles(vcd::fiql::eq("scope", "TENANT"), std::move(done));
    },
    "listing application port profiles");
  if (!profiles)
    return std::move(profiles.error());

  report r;
  const auto& cands = opts.candidate_cluster_ids;
  for (const auto& x : *vss)
    add(r.findings, object_kind::virtual_service, x.id, x.name, x.description, cands);
  for (const auto& x : *rules)
    if (x.rule_type == "DNAT")
      add(r.findings, object_kind::dnat_rule, x.id, x.name, x.description, cands);
  for (const auto& x : *pools)
    add(r.findings, object_kind::pool, x.id, x.name, x.description, cands);
  for (const auto& x : *profiles)
    add(r.findings, object_kind::app_port_profile, x.id, x.name, x.description, cands);

  // One RDE read per owner cluster.
  std::map<std::string, cluster_verdict> clusters;
  for (auto& f : r.findings) {
    if (f.cluster_id.empty())
      continue; // owner unknown: stays skip with its reason
    auto it = clusters.find(f.cluster_id);
    if (it == clusters.end())
      it = clusters.emplace(f.cluster_id, run.judge_cluster(f.cluster_id)).first;
    f.what = it->second.what;
    f.reason = it->second.reason + " [owner from " + f.reason + "]";
  }
  if (!opts.apply)
    return r;

  // Dependency order: virtual services, then DNAT rules, then the pools no remaining virtual
  // service uses, then the profiles no remaining DNAT rule uses.
  std::set<std::string> gone;
  auto remove_kind = [&](object_kind kind, auto&& blocker) {
    for (auto& f : r.findings) {
      if (f.kind != kind || f.what != verdict::remove)
        continue;
      if (auto user = blocker(f.id); !user.empty()) {
        f.error = "still used by " + user + ", which was not removed";
        continue;
      }
      run.remove(f);
      if (f.removed)
        gone.insert(f.id);
    }
  };
  auto none = [](const std::string&) { return std::string{}; };
  remove_kind(object_kind::virtual_service, none);
  remove_kind(object_kind::dnat_rule, none);
  remove_kind(object_kind::pool, [&](const std::string& pool_id) {
    for (const auto& vs : *vss)
      if (vs.load_balancer_pool_ref.id == pool_id && !gone.contains(vs.id))
        return "virtual service " + vs.name;
    return std::string{};
  });
  remove_kind(object_kind::app_port_profile, [&](const std::string& profile_id) {
    for (const auto& rule : *rules)
      if (rule.application_port_profile.id == profile_id && !gone.contains(rule.id))
        return "NAT rule " + rule.name;
    return std::string{};
  });
  return r;
}

std::string format_report(const report& r, bool applied) {
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"ACTION", "KIND", "NAME", "CLUSTER", "REASON"});
  for (const auto& f : r.findings) {
    std::string action{to_string(f.what)};
    if (applied && f.what == verdict::remove)
      action = f.removed ? "removed" : "failed";
    auto reason = f.reason;
    if (!f.error.empty())
      reason += ": " + f.error;
    rows.push_back({action, std::string{to_string(f.kind)}, f.name,
                    f.cluster_id.empty() ? "-" : f.cluster_id, reason});
  }
  std::array<size_t, 4> width{};
  for (const auto& row : rows)
    for (size_t i = 0; i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < width.size(); ++i)
      out << row[i] << std::string(width[i] - row[i].size() + 2, ' ');
    out << row[4] << "\n";
  }
  out << (applied ? "removed " : "would remove ")
      << (applied ? r.removed() : r.count(verdict::remove)) << ", kept " << r.count(verdict::keep)
      << ", skipped " << r.count(verdict::skip);
  if (applied)
    out << ", failed " << r.failed();
  out << "\n";
  return out.str();
}

} // namespace vcdlb::gc
