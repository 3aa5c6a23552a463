#pragma once

/// @file bench/upstream_model.hpp
/// @brief A model of the upstream provider (vmware cloud-provider-for-cloud-director) that
/// replays, over real HTTP(S), the request sequence it issues per Service
/// (reference/upstream-cpi.md §2.1-§2.10, §5): re-authentication and org/VDC/network/gateway
/// lookups on every call, an org lookup inside every helper, a GET before each step, the
/// get-or-create steps, a VS PUT on every update, RDE bookkeeping, and govcd's fixed-interval
/// task polling. It decides as upstream does (create path versus update path, leaks included:
/// a removed port's objects are never deleted, issue #336).
///
/// Not modelled: IP spaces (the bench gateway uses IP ranges), SSL ports and certificates,
/// VDC-group networks, the node-sync goroutine running beside the worker (the bench feeds one
/// kind of change at a time), password login (the API-token path is used).
///
/// Thread-safety: one model is used by one thread at a time; it blocks that thread on HTTP
/// round trips and on the poll interval. Owns nothing but a reference to the http client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"
#include "bench/workload.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "config/config.hpp"

namespace vcdlb::bench {

struct upstream_options {
  config::lb_mode mode = config::lb_mode::a;
  /// govcd's WaitTaskCompletion interval: 3 s, scaled like the simulator's task duration.
  std::chrono::milliseconds poll_interval{3000};
  /// Charge a GetOrgByName (GET /api/org, GET /api/org/{id}) at the start of every helper,
  /// as upstream does "inside almost every helper" (§2.1, §5).
  bool org_lookup_per_helper = true;
  std::string org = "org1";
  std::string vdc = "vdc1";
  std::string network = "net1";
  std::string refresh_token; ///< an API token of a tenant user (never printed)
  std::string cluster_id;    ///< the cluster RDE URN (names and RDE bookkeeping)
  std::string one_arm_start = "192.168.8.2";
  std::string one_arm_end = "192.168.8.254";
  std::string api_version = "37.2";
  std::chrono::milliseconds request_timeout{30000};
};

/// What one call (ensure, update, remove) sent.
struct upstream_call_stats {
  uint64_t requests = 0;   ///< every request, task polls included
  uint64_t task_polls = 0; ///< GETs of task URLs
  uint64_t tasks = 0;      ///< 202-accepted mutations waited for
};

class upstream_model {
public:
  /// `http` is a client for the simulator's base URL `base_url`.
  upstream_model(std::shared_ptr<http::client> http, std::string base_url, upstream_options opts);

  /// The controller's create/update path: EnsureLoadBalancer (§2.4): update path when every
  /// port already has its objects, else the create path. Returns the external IP.
  [[nodiscard]] caf::expected<std::string> ensure(const service_def& svc,
                                                  const std::vector<node_def>& nodes);
  /// The node-sync path: UpdateLoadBalancer (§2.5) with the new node set.
  [[nodiscard]] caf::error update_nodes(const service_def& svc, const std::vector<node_def>& nodes);
  /// The controller's delete path: GetLoadBalancer (§2.3), then EnsureLoadBalancerDeleted
  /// (§2.10) if anything exists.
  [[nodiscard]] caf::error remove(const service_def& svc);

  /// Counts of the most recent call.
  [[nodiscard]] const upstream_call_stats& last_call() const noexcept { return last_; }

  /// Requests a create (§2.4) of a new `ports`-port Service sends besides task polls (the
  /// listing of §2.4 with the org lookups of §2.1): what `ensure` must send for a new Service
  /// on a gateway that holds `existing_virtual_services` virtual services, `used_ips` used
  /// IP addresses and fewer than 128 NAT rules, in a VDC with fewer than 32 networks.
  [[nodiscard]] static uint64_t expected_create_requests(config::lb_mode mode, uint64_t ports,
                                                         bool org_lookup_per_helper,
                                                         uint64_t existing_virtual_services,
                                                         uint64_t used_ips);
  /// Tasks (mutations waited for) of that create: 2 per port in mode C, 4 in modes A/B.
  [[nodiscard]] static uint64_t expected_create_tasks(config::lb_mode mode, uint64_t ports);

  struct impl;

private:
  std::shared_ptr<impl> impl_;
  upstream_call_stats last_;
};

} // namespace vcdlb::bench
