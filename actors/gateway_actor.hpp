#pragma once

/// @file actors/gateway_actor.hpp
/// @brief The gateway_actor (protocol/interfaces.hpp): the only path to VCD for one edge
/// gateway.
///
/// - Every VCD request (lists, reads, mutations, task polls) takes a token from a token bucket
///   (`qps`, `burst`).
/// - At most one lb_op is in flight per gateway (VCD locks the gateway per task and answers
///   BUSY_ENTITY otherwise); queued ops are served round-robin across requesters (one service
///   actor each), so a Service with many ops does not starve the others.
/// - Retryable failures (BUSY_ENTITY, 429, 5xx, connection errors, request timeouts) are retried
///   with jittered exponential backoff (Retry-After wins when VCD sends one), up to
///   `max_attempts`; removing an object that is already gone succeeds.
/// - Task polling starts after `poll_initial` and backs off by `poll_multiplier` up to
///   `poll_max`; a task running longer than `task_timeout` fails the op.
/// - A read cache of the gateway's virtual services, pools, NAT rules and app port profiles is
///   loaded once (4 list calls) and kept up to date by the actor's own mutations, so a
///   reconcile neither re-lists the gateway nor GETs before it creates. Pool details are read
///   once per pool, when a Service first asks for its objects.
///
/// Adapter callbacks come back as `resume` messages: the actor's state is only touched from
/// its own handlers. Timing uses the actor clock only (testable on the deterministic scheduler).

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "actors/detail/pacing.hpp"
#include "actors/detail/vcd_convert.hpp"
#include "adapters/vcd/client.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/typed_response_promise.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

/// Pacing and retry knobs of one gateway actor.
struct gateway_settings {
  double qps = 10.0;
  int burst = 20;
  caf::timespan poll_initial = std::chrono::milliseconds{250};
  caf::timespan poll_max = std::chrono::seconds{3};
  double poll_multiplier = 1.5;
  caf::timespan task_timeout = std::chrono::minutes{10};
  caf::timespan retry_base = std::chrono::seconds{1};
  caf::timespan retry_max = std::chrono::seconds{60};
  uint32_t max_attempts = 8;
  uint64_t jitter_seed = 0x5eed; ///< seeds the backoff jitter (tests pin it)
};

/// Everything a gateway actor needs; the client is shared with other gateways.
struct gateway_args {
  std::shared_ptr<vcd::client> client;
  detail::gateway_context ctx;
  std::string cluster_id; ///< untrimmed; selects this cluster's objects by name
  gateway_settings settings;
};

namespace detail {
/// Internal: an adapter completion, run in the actor's context.
struct resume {
  std::function<void()> fn;
};
} // namespace detail

} // namespace vcdlb

// Never leaves the process: it carries a closure from an adapter callback back to its actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::detail::resume)

namespace vcdlb {

/// The gateway actor's full interface: the public one plus its internal messages.
using gateway_impl =
  gateway_actor::extend<caf::reacts_to<resume_atom, detail::resume>, caf::reacts_to<tick_atom>>;

struct gateway_state {
  struct pending_op {
    lb_op op;
    caf::typed_response_promise<op_result> rp;
    uint32_t attempt = 0;
  };
  struct cache {
    std::map<std::string, vcd::virtual_service_summary> vss; ///< by id
    std::map<std::string, vcd::pool_summary> pool_summaries; ///< by id
    std::map<std::string, vcd::pool> pools;                  ///< details by id
    std::map<std::string, vcd::nat_rule> nat_rules;          ///< by id
    std::map<std::string, vcd::app_port_profile> profiles;   ///< by id (this cluster's)
    /// Owner token ("u:<svc name>" upstream, "h:<service hash>" namespaced) -> objects.
    std::map<std::string, std::set<std::pair<object_kind, std::string>>> owners;
  };

  gateway_args args;
  std::optional<detail::token_bucket> bucket;
  std::deque<std::function<void()>> io_waiting; ///< calls waiting for a token
  bool tick_scheduled = false;
  std::map<caf::actor_addr, std::deque<std::shared_ptr<pending_op>>> queues;
  std::deque<caf::actor_addr> rotation; ///< requesters with queued ops, in serving order
  caf::actor_addr last_served;
  bool op_in_flight = false;
  cache objects;
  bool cache_valid = false;
  bool cache_loading = false;
  std::vector<std::function<void(const caf::error&)>> cache_waiters;
  vcd::entity_ref seg;                                 ///< chosen service engine group (lazily)
  std::map<std::string, vcd::entity_ref> certificates; ///< alias -> library item
  std::mt19937_64 rng;
  static constexpr const char* name = "gateway";
};

/// The behavior; spawn with `sys.spawn(gateway_behavior, args)` and hand out the handle as a
/// `gateway_actor`.
gateway_impl::behavior_type gateway_behavior(gateway_impl::stateful_pointer<gateway_state> self,
                                             gateway_args args);

} // namespace vcdlb
