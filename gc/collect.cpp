#include "gc/collect.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/ip_spaces.hpp"
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

  // One mutation as a task polled to completion; "not found" counts as done (gone already).
  caf::error mutate(const std::function<void(vcd::callback<vcd::task_ref>)>& fn,
                    const std::string& what) {
    auto ref = call<vcd::task_ref>(fn, what);
    if (!ref)
      return has_code(ref.error(), vcd_errc::not_found) ? caf::error{} : std::move(ref.error());
    auto err = wait_task(*ref, what);
    return err && has_code(err, vcd_errc::not_found) ? caf::error{} : err;
  }

  void remove(finding& f) {
    auto what = "deleting " + std::string{to_string(f.kind)} + " " + f.name;
    auto err = mutate(
      [&](auto done) {
        switch (f.kind) {
        case item_kind::virtual_service:
          client_.delete_virtual_service(f.id, std::move(done));
          break;
        case item_kind::pool:
          client_.delete_pool(f.id, std::move(done));
          break;
        case item_kind::dnat_rule:
          client_.delete_nat_rule(opts_.gateway_id, f.id, std::move(done));
          break;
        case item_kind::app_port_profile:
          client_.delete_app_port_profile(f.id, std::move(done));
          break;
        case item_kind::ip_allocation:
          client_.delete_ip_allocation(f.ip_space_id, f.id, std::move(done));
          break;
        }
      },
      what);
    if (err)
      f.error = describe(err);
    else
      f.removed = true;
  }

  // As upstream and the controller release an IP: end the manual reservation (UNUSED, no
  // marker), then give the IP back to its space.
  void release(finding& f, vcd::ip_allocation a) {
    a.usage_state = "UNUSED";
    a.description.clear();
    auto err = mutate([&](auto done) { client_.update_ip_allocation(a, std::move(done)); },
                      "ending the reservation of " + a.value);
    if (err) {
      f.error = describe(err);
      return;
    }
    remove(f);
  }

private:
  static bool transient(const caf::error& err) {
    return has_code(err, vcd_errc::busy_entity) || has_code(err, vcd_errc::rate_limited)
           || has_code(err, vcd_errc::unavailable) || has_code(err, vcd_errc::server_error);
  }

  vcd::client& client_;
  const options& opts_;
};

void add(std::vector<finding>& out, item_kind kind, const std::string& id, const std::string& name,
         const std::string& description, const std::vector<std::string>& candidates) {
  auto owner = kind == item_kind::ip_allocation
                 ? detail::owner_of_allocation(description, candidates)
                 : detail::owner_of(name, description, candidates);
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

// Every IP claim marker (upstream's and vcdlb's) starts with this.
constexpr std::string_view claim_marker_head = "cluster-";

} // namespace

std::string_view to_string(item_kind x) noexcept {
  switch (x) {
  case item_kind::virtual_service:
    return "virtual_service";
  case item_kind::dnat_rule:
    return "dnat_rule";
  case item_kind::pool:
    return "pool";
  case item_kind::app_port_profile:
    return "app_port_profile";
  case item_kind::ip_allocation:
    return "ip_allocation";
  }
  return "?";
}

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
  auto edge = run.call<vcd::edge_gateway>(
    [&](auto done) { client.get_edge_gateway(gw, std::move(done)); }, "reading the edge gateway");
  if (!edge)
    return std::move(edge.error());
  std::vector<vcd::ip_allocation> allocations;
  if (edge->using_ip_space()) {
    // The helper wants shared ownership; a client outlives the callbacks it runs, and the
    // helper calls it only from those, so a non-owning pointer is enough.
    std::shared_ptr<vcd::client> shared{&client, [](vcd::client*) {}};
    auto marked = run.call<std::vector<vcd::ip_allocation>>(
      [&](auto done) {
        vcd::list_marked_allocations(shared, gw, std::string{claim_marker_head}, std::move(done));
      },
      "listing the IP Space allocations");
    if (!marked)
      return std::move(marked.error());
    allocations = std::move(*marked);
  }

  report r;
  const auto& cands = opts.candidate_cluster_ids;
  for (const auto& x : *vss)
    add(r.findings, item_kind::virtual_service, x.id, x.name, x.description, cands);
  for (const auto& x : *rules)
    if (x.rule_type == "DNAT")
      add(r.findings, item_kind::dnat_rule, x.id, x.name, x.description, cands);
  for (const auto& x : *pools)
    add(r.findings, item_kind::pool, x.id, x.name, x.description, cands);
  for (const auto& x : *profiles)
    add(r.findings, item_kind::app_port_profile, x.id, x.name, x.description, cands);
  std::map<std::string, const vcd::ip_allocation*> allocation_by_id;
  for (const auto& x : allocations) {
    auto before = r.findings.size();
    add(r.findings, item_kind::ip_allocation, x.id, x.value, x.description, cands);
    if (r.findings.size() != before) {
      r.findings.back().ip_space_id = x.ip_space_id;
      allocation_by_id.emplace(x.id, &x);
    }
  }

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

  // A dead cluster's IP that a virtual service or DNAT rule gc does not remove still uses
  // (e.g. a new cluster's Service took it with loadBalancerIP) stays reserved.
  std::set<std::string> doomed;
  for (const auto& f : r.findings)
    if (f.what == verdict::remove)
      doomed.insert(f.id);
  // The objects on the gateway that use `ip`, as "virtual service NAME" (id, label).
  auto users_of = [&](const std::string& ip) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& vs : *vss)
      if (vs.virtual_ip_address == ip)
        out.emplace_back(vs.id, "virtual service " + vs.name);
    for (const auto& rule : *rules)
      if (rule.rule_type == "DNAT" && rule.external_addresses == ip)
        out.emplace_back(rule.id, "NAT rule " + rule.name);
    return out;
  };
  for (auto& f : r.findings) {
    if (f.kind != item_kind::ip_allocation || f.what != verdict::remove)
      continue;
    for (const auto& [id, label] : users_of(f.name)) {
      if (!doomed.contains(id)) {
        f.what = verdict::keep;
        f.reason = "IP still used by " + label + ", which gc keeps; " + f.reason;
        break;
      }
    }
  }
  if (!opts.apply)
    return r;

  // Dependency order: virtual services, then DNAT rules, then the pools no remaining virtual
  // service uses, then the profiles no remaining DNAT rule uses.
  std::set<std::string> gone;
  auto remove_kind = [&](item_kind kind, auto&& blocker) {
    for (auto& f : r.findings) {
      if (f.kind != kind || f.what != verdict::remove)
        continue;
      if (auto user = blocker(f); !user.empty()) {
        f.error = "still used by " + user + ", which was not removed";
        continue;
      }
      if (kind == item_kind::ip_allocation)
        run.release(f, *allocation_by_id.at(f.id));
      else
        run.remove(f);
      if (f.removed)
        gone.insert(f.id);
    }
  };
  auto none = [](const finding&) { return std::string{}; };
  remove_kind(item_kind::virtual_service, none);
  remove_kind(item_kind::dnat_rule, none);
  remove_kind(item_kind::pool, [&](const finding& pool) {
    for (const auto& vs : *vss)
      if (vs.load_balancer_pool_ref.id == pool.id && !gone.contains(vs.id))
        return "virtual service " + vs.name;
    return std::string{};
  });
  remove_kind(item_kind::app_port_profile, [&](const finding& profile) {
    for (const auto& rule : *rules)
      if (rule.application_port_profile.id == profile.id && !gone.contains(rule.id))
        return "NAT rule " + rule.name;
    return std::string{};
  });
  // Last, the IPs: only once nothing on the gateway uses them any more.
  remove_kind(item_kind::ip_allocation, [&](const finding& allocation) {
    for (const auto& [id, label] : users_of(allocation.name))
      if (!gone.contains(id))
        return label;
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
