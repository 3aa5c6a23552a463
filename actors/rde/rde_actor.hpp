#pragma once

/// @file actors/rde/rde_actor.hpp
/// @brief The RDE writer: keeps `status.cpi` of a CAPVCD cluster's runtime defined entity in
/// line with the gateway (reference ip-spaces-rde-traffic.md §2; cpi_status.hpp says what is
/// written), or, for a CSE 3 nativeCluster id, the entity's `status.virtual_IPs` (as upstream;
/// native_status.hpp). One per engine, spawned only when the cluster id is one of these URNs.
///
/// nativeCluster: the start-up read checks the type (cse:nativeCluster, any version) with the
/// same error handling; then each round makes `status.virtual_IPs` hold this cluster's virtual
/// IPs with the same batching, ETag read-modify-write and 412 retries. No `status.cpi`, no
/// events or errors (`rde_note`s are dropped), as upstream.
///
/// - Start-up: reads the entity and checks its type (capvcdCluster, a known version). A missing
///   entity, no rights to it, or another type is logged as an error saying what to fix, and the
///   read is tried again with backoff; nothing is written until it succeeds. Then `status.cpi`
///   is upgraded (name, version; what upstream wrote stays) with the event
///   `CPIStatusRDEUpgraded`, and the error `CPIStatusUpgradeRdeError` is dropped.
/// - The gateway actor says when this cluster's objects changed (`flush_atom`, coalesced by
///   `rde_notifier`); the engine's Events arrive as `rde_note`s. Neither waits for anything.
/// - Writes are batched: the first change arms a timer (`batch_delay`), a write never follows
///   the previous one sooner than `min_interval`, and one write carries everything that
///   arrived meanwhile. A write lists the cluster's objects from the gateway's cache, reads
///   the entity (with its ETag), changes only `status.cpi` and PUTs it with If-Match; a 412
///   (another writer was faster) re-reads and re-applies, up to `max_conflict_retries` times
///   (9, as upstream). Any other failure keeps what was to be written and tries again with
///   backoff. A write that would change nothing is skipped.
/// - Reconciles never wait on it: it only reads the gateway actor's cache.
/// Time only through CAF's clock; adapter callbacks come back as `resume` messages.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/engine_observer.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/rde/cpi_status.hpp"
#include "adapters/vcd/client.hpp"
#include "caf/actor_clock.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/typed_actor.hpp"
#include "protocol/interfaces.hpp"

namespace vcdlb {

/// An event or error for `status.cpi` (from the engine's Service Events).
struct rde_note {
  bool error = false;
  rde::record item;
  /// Errors this note makes obsolete, as (name, resource name).
  std::vector<std::pair<std::string, std::string>> resolves;
};

/// The gateway whose objects the RDE records (sent once the engine found it).
struct rde_source {
  gateway_actor gateway;
};

} // namespace vcdlb

// In-process only: both carry strings and a handle between the engine's own actors.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::rde_note)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vcdlb::rde_source)

namespace vcdlb {

using rde_actor =
  caf::typed_actor<caf::reacts_to<flush_atom>, caf::reacts_to<rde_source>, caf::reacts_to<rde_note>,
                   caf::reacts_to<resume_atom, detail::resume>, caf::reacts_to<tick_atom>>;

struct rde_settings {
  /// From the first change to the write that carries it (a wave's first objects together).
  caf::timespan batch_delay = std::chrono::seconds{1};
  /// Between two writes: status.cpi is at most this far behind the gateway (plus the write),
  /// and a wave costs at most one write per interval, however many objects it makes.
  caf::timespan min_interval = std::chrono::seconds{10};
  caf::timespan retry_base = std::chrono::seconds{1}; ///< doubling up to retry_max
  caf::timespan retry_max = std::chrono::seconds{60};
  uint32_t max_conflict_retries = 9;
  caf::timespan gateway_timeout = std::chrono::minutes{10}; ///< listing the gateway's cache
};

/// The flag an RDE actor shares with whoever signals changes to it: at most one `flush_atom` is
/// in its mailbox at a time however often the objects change.
struct rde_signal {
  std::atomic<bool> pending{false};
};

struct rde_args {
  std::shared_ptr<vcd::client> client;
  std::string cluster_id; ///< a capvcdCluster or nativeCluster entity URN
  std::string version;    ///< written as status.cpi.version
  rde_settings settings;
  /// RFC 3339 wall-clock time for events (tests pin it).
  std::function<std::string()> now_rfc3339;
  /// Shared with rde_change_signal; cleared when a flush_atom is taken.
  std::shared_ptr<rde_signal> signal = std::make_shared<rde_signal>();
};

/// What the RDE writer has done (for tests, logs and the bench).
struct rde_counters {
  uint64_t writes = 0;    ///< successful PUTs
  uint64_t conflicts = 0; ///< PUTs refused with 412
  uint64_t failures = 0;  ///< write rounds that ended in another error
  uint64_t skipped = 0;   ///< rounds that found nothing to change
};

struct rde_state {
  rde_args args;
  gateway_actor gateway;
  bool ready = false;   ///< the start-up read succeeded
  bool dirty = false;   ///< the objects changed since the last list
  bool writing = false; ///< a round is under way
  bool timer = false;   ///< a tick is scheduled
  uint32_t failures = 0;
  std::optional<caf::actor_clock::time_point> last_write; ///< of the last successful PUT
  std::vector<rde_note> notes;                            ///< waiting for the next round (bounded)
  std::string last_problem; ///< the last error logged (each distinct one is logged once)
  rde::cluster_id_kind kind = rde::cluster_id_kind::capvcd; ///< from args.cluster_id
  /// nativeCluster: the VIPs the last successful round left as this cluster's (a VIP among them
  /// that leaves the gateway is dropped from the entity), and those of the round under way.
  std::set<std::string> known_vips;
  std::set<std::string> round_vips;
  std::shared_ptr<rde_counters> counters = std::make_shared<rde_counters>();
  static constexpr const char* name = "rde";
};

/// Spawn with `sys.spawn(rde_behavior, args, counters)`; `counters` may be shared with the
/// caller to observe the writer (read them only while the actor is idle, e.g. in tests).
rde_actor::behavior_type rde_behavior(rde_actor::stateful_pointer<rde_state> self, rde_args args,
                                      std::shared_ptr<rde_counters> counters);

/// A thread-safe, non-blocking "the cluster's objects changed" for the gateway actor
/// (gateway_args::on_objects_changed).
[[nodiscard]] std::function<void()> rde_change_signal(rde_actor target,
                                                      std::shared_ptr<rde_signal> signal);

/// Turns an engine Event about a Service into the note upstream would record, if any:
/// EnsuredLoadBalancer -> event CreatedLoadbalancer, UpdatedLoadBalancer (new pool members) ->
/// UpdatedLoadbalancer (both resolve the create error), SyncLoadBalancerFailed -> error
/// CreateLoadbalancerError, DeletedLoadBalancer -> event
/// DeletedLoadbalancer (resolves the create and delete errors). `resource_name` is
/// "<namespace>/<name>".
[[nodiscard]] std::optional<rde_note> note_for_event(const std::string& reason,
                                                     const std::string& message,
                                                     const std::string& resource_name,
                                                     const std::string& now);

} // namespace vcdlb
