#pragma once

/// @file actors/gateway_actor.hpp
/// @brief The gateway_actor (protocol/interfaces.hpp): the only path to VCD for one edge
/// gateway.
///
/// - Every VCD request (lists, reads, mutations, task polls) takes a token from a token bucket
///   (`qps`, `burst`).
/// - At most one lb_op on the gateway's objects (NAT rules, pools, virtual services) is in
///   flight (VCD locks the gateway per task and answers BUSY_ENTITY otherwise), and at most one
///   on application port profiles, beside it: profiles are org objects whose tasks lock no
///   gateway (reference §4.3, §6.8). Ops are served oldest job first (detail/op_queue.hpp): a
///   Service's plan (`lb_plan`) is one job whose next op is ready the moment the previous one
///   finished, so the Service that asked first finishes first; picking the next op costs
///   O(log N). One requester has one op in flight at a time, so its ops keep their order.
/// - Requests wait for a token in two lines: the calls of ops in flight (they hold a slot)
///   before reads that prepare a plan (pool details), so a restart's reads never delay the
///   first mutation.
/// - Retryable failures (BUSY_ENTITY, 429, 5xx, connection errors, request timeouts) are retried
///   with jittered exponential backoff (Retry-After wins when VCD sends one), up to
///   `max_attempts`; removing an object that is already gone succeeds. A 429 or 503 means VCD
///   accepted nothing: the op gives its slot up while it waits and comes back at its job's
///   place. Reads (lists, pool details, the SEG and certificate look-ups) are retried the same
///   way. A mutation refused before VCD accepted it leaves the cache valid; any other failed
///   mutation makes the cache re-read before the next op.
/// - Task polls are timed to the expected task duration (`detail::task_time_estimate`, learnt
///   per kind of op from the polls around each completion): the first poll near the expected
///   end, then follow-ups from 5 % of it backing off by `poll_multiplier`, within
///   [`poll_initial`, `poll_max`]; a typical task costs one or two polls. A kind not seen yet
///   uses the estimate over all kinds; before any task finished, polling starts after
///   `poll_initial` and backs off by `poll_multiplier` up to `poll_max`. A task running longer than
///   `task_timeout` fails the op. A poll the token bucket held back teaches nothing (its send
///   time says when a token was free, not when the task ended).
/// - A read cache of the gateway's virtual services, pools, NAT rules and app port profiles is
///   loaded once (4 list calls) and kept up to date by the actor's own mutations, so a
///   reconcile neither re-lists the gateway nor GETs before it creates. Pool details are read
///   once per pool, when a Service first asks for its objects. A NAT rule create does not
///   return the rule's id: the new rule is cached under a placeholder id ("unlisted:<name>";
///   vcdlb's names are unique) and an update changes its version; the NAT rules are listed
///   again only when an update or remove needs such an id or version (one list resolves all).
/// - `refresh` re-lists the four kinds (drift repair: objects deleted or edited out of band)
///   and brings the cache in line in place: unchanged entries stay as they are (no name
///   parsing, no re-indexing), changed ones are updated. A failed op makes only its own kind
///   stale, and the next load lists only the stale kinds. Every re-list (refresh, the reload after
///   a failed op, the NAT rule list that resolves ids) is compared with the cache it replaces, by
///   id and by what the planner sees (NAT rule versions aside; a placeholder matches the listed
///   rule of its name): the refresh replies with the owners of the objects that differ since the
///   last refresh. It waits for the mutations in flight and runs before the next one, so no op ever
///   works on a half-replaced cache. Pool details survive a refresh only while the pool's summary
///   still shows the member counts they were read (or written) with; the others are re-read lazily.
///   A member swap that keeps both counts is invisible to the summaries and is repaired by the next
///   write of the pool.
/// - The cache is compact (only what the planner needs); pools with the same member list share
///   one immutable copy of it.
///
/// Adapter callbacks come back as `resume` messages: the actor's state is only touched from
/// its own handlers. Timing uses the actor clock only (testable on the deterministic scheduler).

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "actors/detail/firewall_book.hpp"
#include "actors/detail/op_queue.hpp"
#include "actors/detail/pacing.hpp"
#include "actors/detail/vcd_convert.hpp"
#include "actors/engine_observer.hpp"
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
  /// How long one second of a Retry-After header lasts (benchmarks compress time; 1 s in
  /// production).
  caf::timespan retry_after_unit = std::chrono::seconds{1};
  uint64_t jitter_seed = 0x5eed; ///< seeds the backoff jitter (tests pin it)
  /// Source-range requests wait at most this long for the mutation slot while Services' plans
  /// hold it, so that one firewall wave serves many of them (detail/gateway_firewall.hpp).
  caf::timespan firewall_batch = std::chrono::seconds{2};
};

/// Everything a gateway actor needs; the client is shared with other gateways.
struct gateway_args {
  std::shared_ptr<vcd::client> client;
  detail::gateway_context ctx;
  std::string cluster_id; ///< untrimmed; selects this cluster's objects by name
  gateway_settings settings;
  /// Told about queueing, retries, throttling and tasks (metrics); never null.
  std::shared_ptr<engine_observer> observer = std::make_shared<engine_observer>();
  /// Called (inside the actor, must not block) whenever an object of this cluster enters or
  /// leaves the cache: the RDE writer's signal (actors/rde/rde_actor.hpp). Empty: nobody.
  std::function<void()> on_objects_changed;
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
  /// What a task does (its duration is learnt per kind).
  using task_kind = std::pair<object_kind, op_kind>;
  /// A plan under way: its promise and the results so far.
  struct plan_run {
    caf::typed_response_promise<plan_result> rp;
    plan_result done;
    size_t size = 0;
    bool failed = false;
  };
  struct pending_op {
    lb_op op;
    uint32_t attempt = 0;
    /// The single op's promise (`plan` null) ...
    caf::typed_response_promise<op_result> rp;
    /// ... or the plan it belongs to.
    std::shared_ptr<plan_run> plan;
  };
  /// A virtual service as the planner sees it (virtual_service_desc without the id, which is
  /// the map key), plus the SEG it runs on (kept on update; one shared copy per SEG). Compact:
  /// one entry per port of every Service.
  struct cached_vs {
    /// What most virtual services do not need: set only when one of them is not "".
    struct rare {
      std::string cert_alias;
      /// "" when it is the pool name `name` implies (vcdlb's and upstream's naming pair them).
      std::string pool_name;
      std::string vip; ///< "" when `vip4` holds it
    };
    std::string name;
    std::shared_ptr<const rare> extra; ///< null = all ""
    /// One of `seg_refs` (never removed from there); null = none.
    const vcd::entity_ref* seg = nullptr;
    uint32_t vip4 = 0; ///< the VIP when it is an IPv4 address, else 0 (see rare::vip)
    int32_t port = 0;
    ip_protocol protocol = ip_protocol::tcp;
    app_profile profile = app_profile::l4;
    bool ssl = false;
    bool failed = false;
  };
  /// A pool: its summary's member counts and, once read, its details.
  struct cached_pool {
    std::string name;
    /// From the summary, or from our own write: the details are valid for these counts.
    int32_t member_count = 0;
    int32_t enabled_member_count = 0;
    bool failed = false; ///< its summary says REALIZATION_FAILED
    bool has_details = false;
    int32_t port = 0;
    bool tcp_health_monitor = false;
    std::shared_ptr<const std::vector<std::string>> members; ///< sorted; interned
  };
  /// A DNAT rule: the planner's view (id = the map key; protocol filled from its profile on
  /// describe) plus what an update needs.
  struct cached_nat {
    dnat_rule_desc desc;
    std::string profile_id;
    int64_t version = -1;
  };
  struct cache {
    std::map<std::string, cached_vs> vss;                  ///< by id
    std::map<std::string, cached_pool> pools;              ///< by id
    std::map<std::string, cached_nat> nat_rules;           ///< by id
    std::map<std::string, app_port_profile_desc> profiles; ///< by id (this cluster's; no id)
    /// Owner token ("u:<svc name>" upstream, "h:<service hash>" namespaced) -> objects, each
    /// as its kind and a pointer to its id: the key of its entry above (std::map keys do not
    /// move; an entry is unindexed before it is erased).
    std::map<std::string, std::vector<std::pair<object_kind, const std::string*>>> owners;
  };
  /// Orders interned member lists by content.
  struct members_less {
    using is_transparent = void;
    bool operator()(const std::shared_ptr<const std::vector<std::string>>& a,
                    const std::shared_ptr<const std::vector<std::string>>& b) const {
      return *a < *b;
    }
  };

  gateway_args args;
  std::optional<detail::token_bucket> bucket;
  /// Calls waiting for a token, by urgency: those of ops in flight, then plan-preparing reads.
  std::array<std::deque<std::function<void()>>, 2> io_waiting;
  bool tick_scheduled = false;
  bool draining = false; ///< shutting down: no new ops, no retries
  std::vector<caf::typed_response_promise<caf::ok_atom>> drain_waiters;
  /// A mutation slot: one op in flight at a time. VCD locks the edge gateway for the tasks on
  /// its NAT rules, pools and virtual services; application port profiles are org objects that
  /// lock no gateway, so they have a slot of their own and overlap the gateway's tasks.
  struct slot {
    bool busy = false;
    caf::actor_addr serving; ///< whose op is in flight
  };
  enum slot_id : uint8_t { gateway_slot, profile_slot, slot_count };
  std::array<slot, slot_count> slots;
  using pending_ptr = std::shared_ptr<pending_op>;
  /// Queued ops, oldest job first per slot.
  detail::op_queue<caf::actor_addr, pending_ptr, slot_count> queue;
  cache objects;
  /// The kinds whose list is not known to be current (bit `1 << object_kind`), all at first; a
  /// load lists only these. A failed op makes its own kind stale, a refresh all of them.
  static constexpr uint8_t all_kinds = 0xF;
  uint8_t stale_kinds = all_kinds;
  /// Complete and current: nothing stale and no load under way (a load clears `stale_kinds`
  /// when it starts).
  [[nodiscard]] bool cache_valid() const noexcept { return stale_kinds == 0 && !cache_loading; }
  void invalidate(object_kind k) noexcept { stale_kinds |= uint8_t(1U << uint8_t(k)); }
  void invalidate_all() noexcept { stale_kinds = all_kinds; }
  bool cache_loading = false;
  std::vector<std::function<void(const caf::error&)>> cache_waiters;
  /// The next load keeps pool details whose member counts did not change (set by refresh).
  bool keep_pool_details = false;
  /// `objects` is a complete load plus our own writes since: a re-list can be compared to it.
  bool baseline = false;
  /// Owners of objects that re-lists since the last refresh found changed out of band
  /// (`all`: a failed load lost the baseline); reported and cleared by the next refresh.
  struct drift_found {
    std::set<std::string> owners;
    bool all = false;
  };
  drift_found drift;
  /// Member lists shared by pools with the same members (pruned on refresh).
  std::set<std::shared_ptr<const std::vector<std::string>>, members_less> member_lists;
  /// The SEG references virtual services run on (a handful per gateway), shared by the VSs;
  /// never shrinks (cached_vs::seg points at them).
  std::vector<std::shared_ptr<const vcd::entity_ref>> seg_refs;
  /// Callers of `refresh` waiting for the next one to start; true while one is due.
  std::vector<caf::typed_response_promise<refresh_result>> refresh_waiters;
  bool refresh_pending = false;
  bool refreshing = false;
  vcd::entity_ref seg; ///< chosen service engine group (lazily)
  /// IP Spaces: the type of each space the gateway's suggestions named (read once per space).
  std::map<std::string, std::string> ip_space_types;
  std::map<std::string, vcd::entity_ref> certificates; ///< alias -> library item
  std::mt19937_64 rng;
  /// How long tasks take, per kind and over all kinds (times the task polls).
  std::map<task_kind, detail::task_time_estimate> task_times;
  detail::task_time_estimate any_task_time;
  /// Source ranges: the firewall objects known on the gateway and the requests of the next wave.
  detail::firewall_book firewall;
  static constexpr const char* name = "gateway";
};

/// The behavior; spawn with `sys.spawn(gateway_behavior, args)` and hand out the handle as a
/// `gateway_actor`.
gateway_impl::behavior_type gateway_behavior(gateway_impl::stateful_pointer<gateway_state> self,
                                             gateway_args args);

} // namespace vcdlb
