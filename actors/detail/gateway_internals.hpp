#pragma once

/// @file actors/detail/gateway_internals.hpp
/// @brief What the gateway actor's files share (actors/gateway_actor.hpp describes the actor):
/// - `gateway_io.cpp`: request pacing (token bucket, priorities, retried reads);
/// - `gateway_cache.cpp`: the read cache of the gateway's objects, drift detection, NAT rule ids;
/// - `gateway_tasks.cpp`: mutations and the polling of their tasks;
/// - `gateway_ops.cpp`: the four op runners (pools, profiles, DNAT rules, virtual services);
/// - `op_queue.hpp`: which op runs next (oldest plan first);
/// - `gateway_actor.cpp`: the behavior, plans, retries, refresh and drain.
/// Everything here runs inside the actor's handlers; nothing is thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/gateway_actor.hpp"
#include "adapters/asio/bridge.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"

namespace vcdlb::detail::gateway {

using self_ptr = gateway_impl::stateful_pointer<gateway_state>;
using pending_ptr = std::shared_ptr<gateway_state::pending_op>;
using done_fn = std::function<void(caf::expected<op_result>)>;

// -- request pacing (gateway_io.cpp) ---------------------------------------------------------

/// Who waits for a request: ops in flight hold a mutation slot (the gateway waits with them),
/// so their calls go before reads that only prepare a Service's plan.
enum class urgency : uint8_t { op, read };

/// Starts the calls that have a token; schedules a tick for the rest.
void drain_io(self_ptr self);

/// Queues `start` until a token is free (ops before reads).
void enqueue_io(self_ptr self, urgency u, std::function<void()> start);

/// Issues one client call once a token is free. `invoke` receives the adapter callback; the
/// result comes back to `k` inside the actor.
template <class T>
void call(self_ptr self, urgency u, std::function<void(vcd::callback<T>)> invoke,
          std::function<void(caf::expected<T>)> k) {
  enqueue_io(self, u, [self, invoke = std::move(invoke), k = std::move(k)] {
    asio_bridge::weak_sender<gateway_impl> back{self};
    invoke([back, k](caf::expected<T> result) {
      back.send(resume_atom::value,
                detail::resume{[k, r = std::move(result)]() mutable { k(std::move(r)); }});
    });
  });
}

/// The backoff before retry `attempt` (0-based) of a request that failed with `err`:
/// Retry-After when VCD sent one, else jittered exponential backoff.
caf::timespan retry_backoff(self_ptr self, const caf::error& err, uint32_t attempt);

/// As `call` for a read (no side effect on VCD): retryable failures (429, 5xx, connection
/// errors, timeouts) are retried with the mutations' backoff, up to `max_attempts`, unless the
/// gateway is draining. `k` sees only the final outcome.
template <class T>
void read(self_ptr self, urgency u, std::function<void(vcd::callback<T>)> invoke,
          std::function<void(caf::expected<T>)> k, uint32_t attempt = 0);

/// Runs `fn` in the actor after `delay`.
void after(self_ptr self, caf::timespan delay, std::function<void()> fn);

/// Whether a read failing with `err` on attempt `attempt` is tried again.
bool retry_read(self_ptr self, const caf::error& err, uint32_t attempt);

template <class T>
void read(self_ptr self, urgency u, std::function<void(vcd::callback<T>)> invoke,
          std::function<void(caf::expected<T>)> k, uint32_t attempt) {
  auto retry_invoke = invoke;
  call<T>(self, u, std::move(invoke),
          [self, u, attempt, retry_invoke = std::move(retry_invoke),
           k = std::move(k)](caf::expected<T> r) mutable {
            if (!r && retry_read(self, r.error(), attempt)) {
              auto delay = retry_backoff(self, r.error(), attempt);
              after(self, delay,
                    [self, u, attempt, retry_invoke = std::move(retry_invoke),
                     k = std::move(k)]() mutable {
                      read<T>(self, u, std::move(retry_invoke), std::move(k), attempt + 1);
                    });
              return;
            }
            k(std::move(r));
          });
}

// -- the read cache (gateway_cache.cpp) ------------------------------------------------------

using id_set = std::set<std::pair<object_kind, std::string>>;

/// Adds an object to the owner index; `id` must be the key of its cache entry.
void index_object(self_ptr self, object_kind kind, const std::string& id, const std::string& name);
void unindex_object(self_ptr self, object_kind kind, const std::string& id,
                    const std::string& name);
void add_ids(id_set& out, const std::vector<std::pair<object_kind, const std::string*>>& ids);

/// Shares one immutable copy of each distinct member list.
std::shared_ptr<const std::vector<std::string>> intern(self_ptr self,
                                                       std::vector<std::string> members);
gateway_state::cached_vs to_cached(self_ptr self, const virtual_service_desc& d,
                                   const vcd::entity_ref& seg);
gateway_state::cached_nat to_cached(const vcd::nat_rule& r);
/// Sets a cached pool's details from a full pool (read or written by us).
void set_details(self_ptr self, gateway_state::cached_pool& entry, const vcd::pool& p);

/// The id lives in the cache's map key; a copy in the value would only cost memory.
template <class Desc>
Desc without_id(Desc d) {
  d.id.clear();
  d.id.shrink_to_fit();
  return d;
}

const std::string& name_of(const gateway_state::cached_vs& x);
const std::string& name_of(const gateway_state::cached_pool& x);
const std::string& name_of(const app_port_profile_desc& x);

/// (id, object) of the first entry named `name`, or nullptr.
template <class Map>
const typename Map::value_type* find_by_name(const Map& m, const std::string& name) {
  for (const auto& entry : m)
    if (name_of(entry.second) == name)
      return &entry;
  return nullptr;
}

/// Calls `fn(id)` for each cached object of `kind` owned by the Service that `name` (one of this
/// cluster's names) belongs to: a lookup in the owner index, O(log N), not a scan.
void for_each_owned_named(const gateway_state& st, object_kind kind, const std::string& name,
                          const std::function<void(const std::string&)>& fn);

/// The cached pool or profile (id, entry) named `name`, found through the owner index; nullptr
/// when there is none.
const std::pair<const std::string, gateway_state::cached_pool>* find_pool(const gateway_state& st,
                                                                          const std::string& name);
const std::pair<const std::string, app_port_profile_desc>* find_profile(const gateway_state& st,
                                                                        const std::string& name);

/// NAT rules we created wait in the cache under a placeholder id until a list shows their
/// real one (VCD does not return it: the create task's owner is the gateway). The rule is known
/// by its name, which vcdlb makes unique; the placeholder is never sent to VCD.
constexpr std::string_view unlisted_prefix = "unlisted:";

/// Loads what the cache lacks (the four object lists at first); later callers are served from
/// memory.
void ensure_cache(self_ptr self, std::function<void(const caf::error&)> k);

/// The objects of `ids` as descriptions; pools without loaded details carry name and id only.
lb_objects describe(const gateway_state::cache& c, const id_set& ids);

/// Answers `list(key)`: the Service's objects with every pool's details loaded.
void list_owned(self_ptr self, caf::typed_response_promise<lb_objects> rp, service_key key);

/// A rule as VCD knows it: its real id and current version (-1: changed by us since listed).
struct nat_target {
  std::string id;
  int64_t version = -1;
};

/// Resolves the rule an update or remove works on, listing the rules once when the cache cannot
/// say (a rule we created or updated since the last list). `k` gets nullopt when it is gone.
void with_nat_rule(self_ptr self, const lb_op& op,
                   std::function<void(caf::expected<std::optional<nat_target>>)> k);
void forget_nat_rule(self_ptr self, const std::string& id);

// -- mutations and their tasks (gateway_tasks.cpp) -------------------------------------------

gateway_state::task_kind task_kind_of(const lb_op& op);

/// Runs a mutation: the call, then its task. `k` gets the finished task.
void mutate(self_ptr self, gateway_state::task_kind kind,
            std::function<void(vcd::callback<vcd::task_ref>)> invoke,
            std::function<void(caf::expected<vcd::task>)> k);

// -- ops (gateway_ops.cpp) -------------------------------------------------------------------

/// Runs one op on a filled cache; `done` gets its outcome.
void run_op(self_ptr self, pending_ptr p, done_fn done);

// -- IP Spaces (gateway_ip_spaces.cpp) --------------------------------------------------------

/// Allocates (and reserves with its marker) or releases one floating IP: org-scoped tasks that
/// take no mutation slot (they lock no gateway), paced by the token bucket like every call.
void run_ip_space_request(self_ptr self, ip_space_request req,
                          caf::typed_response_promise<ip_space_grant> rp);

// -- source ranges (gateway_firewall.cpp) ----------------------------------------------------

/// Queues a Service's source-range request for the next firewall wave.
void accept_source_ranges(self_ptr self, source_range_request req,
                          caf::typed_response_promise<caf::ok_atom> rp);
/// Starts a firewall wave in the gateway slot when it is free and requests wait (and either no
/// plan waits or the oldest request waited `firewall_batch`); true when it started one.
bool maybe_start_firewall_wave(self_ptr self);
/// Answers every waiting source-range request with `err` (drain).
void fail_firewall_waiting(self_ptr self, const caf::error& err);
/// Refresh: compares the gateway's rule list and IP sets with what the waves wrote; `k` gets
/// the owner tokens ("h:<service hash>") of the Services whose rules or IP sets changed out of
/// band (2 reads, none when no Service has rules). Their contents are read again by their next
/// wave.
void check_firewall_drift(self_ptr self, std::function<void(std::set<std::string>)> k);

// -- the actor (gateway_actor.cpp) -----------------------------------------------------------

/// A firewall wave ended: frees the gateway slot and starts what waits.
void firewall_wave_finished(self_ptr self);
/// Starts the next op or firewall wave if the slots allow.
void start_ops(self_ptr self);

/// Starts a due refresh once no mutation is in flight and no load is running.
void maybe_refresh(self_ptr self);

} // namespace vcdlb::detail::gateway
