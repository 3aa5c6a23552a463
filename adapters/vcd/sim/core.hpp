#pragma once

/// @file adapters/vcd/sim/core.hpp
/// @brief The VCD simulator without sockets: a stateful `handle(request) -> response`.
///
/// It models the CloudAPI subset of reference/vcd-cloudapi.md: sessions and OAuth tokens,
/// version negotiation, edge gateways with used IPs, ALB settings, SEG assignments, pools,
/// virtual services, NAT rules (cursor paging), application port profiles, the certificate
/// library, org/VDC/network lookups, tasks (`/api/task/{id}`) and a per-gateway busy lock.
/// Mutations answer 202 with a `Location` task that runs for `fault_settings::task_duration`
/// of the injected clock; the gateway stays locked until it ends (unless
/// `fault_settings::gateway_lock` is off).
///
/// Behaviour decisions where the reference leaves a choice (see vcd-cloudapi.md §3.3, §11):
/// - A created object is visible at once with `status` PENDING, CONFIGURING once its task has
///   started, REALIZED when the task ends (REALIZATION_FAILED if it failed; the object stays,
///   so clients must clean it up). An update is applied at once (CONFIGURING until the task
///   ends). A deleted object stays visible until its delete task succeeds.
/// - VS `healthStatus` is PENDING until `health_delay` after realization, then UP (pool has
///   enabled members), DOWN (none, or realization failed) or DISABLED.
/// - Validation failures are synchronous 400 BAD_REQUEST (also duplicate names, a full or
///   unassigned SEG, VIP conflicts, a stale NAT version); dangling references are 400
///   INVALID_REFERENCE; the gateway lock is checked after validation. Injected task failures
///   end the task in `error` (majorErrorCode 500, INTERNAL_SERVER_ERROR).
/// - Gateway-bound mutations (pools, virtual services, NAT rules, SEG assignments, ALB
///   settings, gateway updates) lock their gateway; application port profiles and the
///   (synchronous) certificate library lock nothing.
/// - VIP sharing follows the scenario's api_version (>= 37.0, or `shared_vip`), i.e. the
///   server's release, not the version a request negotiated.
/// - `pageSize` above the maximum is clamped (or 400 with `reject_oversized_page`); a request
///   without `version=` in Accept is served at the highest version; an unsupported one is 406.
/// - `GET /api/task/{id}` answers XML unless Accept names JSON; both carry the same fields.
/// - An invalid OAuth refresh token is 400 `invalid_grant` (RFC 6749); bad or expired access
///   tokens are 401 with a CloudAPI error body.
///
/// Thread-safety: every public member function may be called from any thread; one mutex
/// guards all state. Owns nothing but memory.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "adapters/http/message.hpp"
#include "adapters/vcd/sim/clock.hpp"
#include "adapters/vcd/sim/faults.hpp"
#include "adapters/vcd/sim/scenario.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::sim {

namespace detail {
struct state;
} // namespace detail

/// One request with its response, kept while body logging is on. The bodies of the login and
/// token endpoints (passwords, refresh and access tokens) are never kept: they read
/// "<redacted: credentials>". Bodies longer than `body_log_limit` bytes are cut.
struct body_record {
  uint64_t seq = 0; ///< the request log's `seq`
  std::string method;
  std::string target;
  unsigned status = 0; ///< 0: the connection was dropped
  std::string request_body;
  std::string response_body;
};

/// Receives each body_record as it is made (with the core's lock held: cheap, no calls back).
using body_sink = std::function<void(const body_record&)>;

struct core_options {
  scenario seed_state = default_scenario();
  fault_settings faults;
  uint64_t seed = 1;    ///< seeds every random draw (faults, task failures, ids, tokens)
  clock_fn clock;       ///< default: steady_clock
  std::string base_url; ///< "https://127.0.0.1:8443"; default: from the Host header
  /// Keep request and response bodies from the start (also: POST /_sim/bodies).
  bool log_bodies = false;
  /// Called for every kept body_record (e.g. `vcdlb vcd-sim --log-bodies` prints them).
  body_sink on_body;
  /// Tasks kept for `GET /task/{id}` and task_log(), oldest finished ones dropped first (VCD
  /// purges old tasks too): without a bound a long-running `vcdlb vcd-sim` grows by every task.
  size_t task_history = 10'000;
};

/// What the transport should do with one request.
struct handle_result {
  http::response response;
  std::chrono::milliseconds delay{0}; ///< wait this long before answering (latency fault)
  bool drop = false;                  ///< close the connection without answering
};

/// Counters over every request handled since start (or `reset_stats`).
struct request_stats {
  uint64_t total = 0;
  uint64_t reads = 0;      ///< GETs of the modelled API
  uint64_t mutations = 0;  ///< POST/PUT/DELETE of the modelled API (accepted or not)
  uint64_t task_polls = 0; ///< GET /api/task/{id}
  uint64_t auth = 0;       ///< sessions, OAuth token, /api/versions
  uint64_t control = 0;    ///< /_sim/...
  uint64_t tasks_started = 0;
  uint64_t tasks_failed = 0;
  /// "GET /cloudapi/1.0.0/edgeGateways/{id}/loadBalancer/virtualServiceSummaries" -> count
  std::map<std::string, uint64_t> by_route;
  std::map<unsigned, uint64_t> by_status;
  /// reason -> count: busy_entity, vip_port_conflict, duplicate_vip, duplicate_name,
  /// pool_in_use, seg_not_assigned, seg_full, missing_certificate, missing_field,
  /// invalid_value, stale_version, unknown_urn, unauthorized, forbidden, not_acceptable,
  /// bad_filter, shared_vip_change, in_use, injected_429, injected_500, injected_503, dropped.
  std::map<std::string, uint64_t> rejections;
  /// Accepted DNAT rule creates and updates that left two DNAT rules of one gateway on the same
  /// (external address, protocol, external port): VCD (NSX) accepts such rules silently, so
  /// the simulator counts them instead of rejecting; vcdlb must keep this at 0 (DESIGN.md
  /// invariant 1). The protocol is the one of the rule's application port profile.
  uint64_t dnat_overlaps = 0;
};

/// One entry of the request log (the last `request_log_capacity` are kept).
struct request_record {
  uint64_t seq = 0;
  std::string method;
  std::string route; ///< path template; "" when no route matched
  std::string target;
  unsigned status = 0;
  std::string reason; ///< rejection reason, if any
  /// "read", "mutation", "task_poll", "auth" or "control", as counted in `request_stats`
  /// (an unrouted request counts as a read).
  std::string category;
  /// The session that authenticated the request (urn:vcloud:session:...); "" when none did.
  /// Tells two clients with the same credentials apart (e.g. two controller replicas).
  std::string session;
};

/// Called for every handled request, after it was counted, with its log entry and the request
/// itself. Runs on the thread that called `handle` with the core's lock held: it must be cheap
/// and must not call back into the core.
using request_observer = std::function<void(const request_record&, const http::request&)>;

/// One task as the simulator ran it (or still runs it), for accounting such as the time a
/// gateway was locked by a mutating task.
struct task_record {
  std::string id;             ///< the task uuid
  std::string operation_name; ///< NAT_RULE_CREATE, LOAD_BALANCER_POOL_UPDATE, ...
  std::string gateway_id;     ///< the gateway it locks; "" for org-scoped tasks (profiles)
  time_point start{};         ///< by the simulator's clock
  time_point end{};           ///< when it ends (or ended)
  std::string status;         ///< running, success or error
};

class core {
public:
  static constexpr size_t request_log_capacity = 10'000;
  static constexpr size_t body_log_capacity = 200;
  static constexpr size_t body_log_limit = 64 * 1024;

  explicit core(core_options opts);
  ~core();
  core(const core&) = delete;
  core& operator=(const core&) = delete;

  /// Handles one request: fault injection, auth, routing, state change.
  [[nodiscard]] handle_result handle(const http::request& req);

  /// The absolute base used in `Location` and `Link` headers ("https://host:port").
  void set_base_url(std::string url);

  // -- inspection ---------------------------------------------------------------------------

  /// Every object (as the API would render it to a provider, plus `_sim` bookkeeping), every
  /// task and the gateways' locks, as one JSON object.
  [[nodiscard]] boost::json::value dump();
  [[nodiscard]] request_stats stats() const;
  [[nodiscard]] boost::json::value stats_json() const;
  [[nodiscard]] std::vector<request_record> request_log() const;
  /// The last `core_options::task_history` tasks started (not cleared by `reset_stats`), in
  /// start order.
  [[nodiscard]] std::vector<task_record> task_log();
  /// The last `body_log_capacity` requests with their bodies, while body logging was on.
  [[nodiscard]] std::vector<body_record> body_log() const;
  /// Turns body logging on or off (off also forgets the kept bodies).
  void set_log_bodies(bool on);
  /// Installs (or, with an empty function, removes) the per-request observer.
  void set_request_observer(request_observer fn);
  void reset_stats();
  /// Tasks still running (by the injected clock).
  [[nodiscard]] size_t running_tasks();

  // -- runtime knobs ------------------------------------------------------------------------

  [[nodiscard]] fault_settings faults() const;
  void set_faults(const fault_settings& f);
  /// Every issued access token expires now (the next call with one gets 401).
  void expire_tokens();

  // -- out-of-band changes (drift tests) ----------------------------------------------------

  /// Ids of objects of `kind` ("virtualService", "pool", "natRule", "appPortProfile",
  /// "certificate", "segAssignment") named `name`, in creation order.
  [[nodiscard]] std::vector<std::string> find(std::string_view kind, std::string_view name);
  /// Removes an object at once, bypassing validation, tasks and locks. False if unknown.
  bool remove_object(std::string_view id);
  /// Merges the top-level fields of `patch` into a stored object (no validation). False if
  /// the id is unknown.
  bool patch_object(std::string_view id, const boost::json::object& patch);

private:
  std::unique_ptr<detail::state> state_;
};

} // namespace vcdlb::vcd::sim
