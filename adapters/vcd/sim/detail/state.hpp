#pragma once

// The simulator's whole state behind one mutex: scenario-derived gateways, stored objects,
// tasks, sessions, counters. Handlers (handlers.hpp) work on it with the lock held.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "adapters/vcd/sim/clock.hpp"
#include "adapters/vcd/sim/core.hpp"
#include "adapters/vcd/sim/faults.hpp"
#include "adapters/vcd/sim/scenario.hpp"

namespace vcdlb::vcd::sim::detail {

namespace json = boost::json;

enum class kind : uint8_t {
  pool,
  virtual_service,
  nat_rule,
  app_port_profile,
  certificate,
  seg_assignment,
  firewall_rule, ///< a user-defined edge gateway firewall rule (order: gateway_rec)
  ip_set,        ///< a firewall group of type IP_SET owned by a gateway
};

/// "pool", "virtualService", "natRule", "appPortProfile", "certificate", "segAssignment",
/// "firewallRule", "firewallGroup".
std::string_view kind_name(kind k);
std::optional<kind> kind_from_name(std::string_view name);

/// One stored object. `body` holds the writable fields as the client sent them (minus
/// read-only ones); status and derived fields are added when rendering.
struct entry {
  uint64_t seq = 0;
  kind k = kind::pool;
  std::string id;
  std::string gateway_id; ///< "" for org-scoped objects
  std::string org_id;
  json::object body;
  std::string status = "REALIZED"; ///< PENDING, CONFIGURING, REALIZED, REALIZATION_FAILED
  std::string task_id;             ///< the task changing it, while one runs
  std::optional<time_point> realized_at;
  std::string context_id; ///< app port profile contextEntityId (write-only in the API)
  int64_t version = 0;    ///< NAT and firewall rule optimistic-locking version
};

struct gateway_rec {
  std::string id;
  std::string name;
  std::string description;
  std::string org_id;
  std::string org_name;
  std::string vdc_id;
  std::string vdc_name;
  std::vector<uplink> uplinks;
  bool alb_enabled = true;
  std::string feature_set = "STANDARD";
  bool transparent_mode = false; ///< load-balancer settings' transparentModeEnabled (37.1+)
  std::string status = "REALIZED";
  std::string lock_task; ///< uuid of the running mutating task holding the gateway lock
  /// Ids of the user-defined firewall rules (kind::firewall_rule entries) in enforcement
  /// order; ids whose entry is gone are skipped.
  std::vector<std::string> firewall_order;
};

/// A floating IP allocated from an IP Space to an org.
struct allocation_rec {
  std::string id; ///< urn:vcloud:ipSpaceIpAllocation:...
  std::string space_id;
  std::string org_id;
  std::string org_name;
  std::string value;
  std::string usage_state = "UNUSED"; ///< as set by the tenant: UNUSED, USED_MANUAL (or USED)
  std::string description;
  std::string allocation_date;
  uint64_t seq = 0;    ///< allocation order
  bool visible = true; ///< false until its allocate task succeeded
};

/// An IP Space of the scenario with its allocations.
struct ip_space_rec {
  ip_space def;
  std::map<std::string, allocation_rec> allocations; ///< by id
};

struct task_rec {
  enum class action : uint8_t {
    create,
    update,
    remove,
    gateway_update,
    ip_allocate, ///< object_id: the allocation, made visible (or dropped) at the end
    ip_update,   ///< object_id: the allocation; `change` applied at the end
    ip_release,  ///< object_id: the allocation, erased at the end
  };
  std::string uuid;
  std::string operation;      ///< human text: "Creating Load Balancer Pool web"
  std::string operation_name; ///< NAT_RULE_CREATE, LOAD_BALANCER_POOL_CREATE, ...
  std::string owner_id;
  std::string owner_name;
  std::string owner_type; ///< media type of the owner
  std::string gateway_id; ///< the gateway locked while it runs; "" for none
  std::string org_id;
  std::string org_name;
  std::string user_name;
  std::string user_id;
  time_point start{};
  time_point end{};
  bool will_fail = false;
  std::string status = "running"; ///< running, success, error
  action act = action::create;
  std::string object_id;
  std::string error_message;
  // Set when the outcome is decided up front (e.g. a refused IP Space allocation): the task
  // fails with this error instead of the generic injected one.
  int error_major = 500;
  std::string error_minor = "INTERNAL_SERVER_ERROR";
  std::string ip_space_id;    ///< ip_* actions
  json::object change;        ///< ip_update: usageState, description
  std::string result_content; ///< shown as Result/ResultContent once the task succeeded
};

struct session_rec {
  std::string token;      ///< the bearer JWT stand-in
  std::string legacy_id;  ///< x-vcloud-authorization value
  std::string session_id; ///< urn:vcloud:session:...
  std::string user_name;
  std::string user_id;
  std::string org_id;
  std::string org_name;
  bool provider = false;
  time_point expires{};
};

struct entity_rec {
  std::string id;
  std::string name;
  std::string type;
  std::string org_id;
  json::value entity;
  int64_t etag = 1;
  std::string access = "full"; ///< full, read, none (scenario defined_entity::access)
  std::string state = "RESOLVED";
  int second_writer_every = 0;
  uint64_t reads = 0;                ///< GETs by clients (drives the second writer)
  uint64_t second_writer_writes = 0; ///< changes the second writer made
};

/// Whether an entity type URN is a CSE 3 nativeCluster type
/// (`urn:vcloud:type:cse:nativeCluster:<v>`).
[[nodiscard]] inline bool native_entity_type(std::string_view type) {
  return type.starts_with("urn:vcloud:type:cse:nativeCluster:");
}

struct state {
  std::mutex mu;
  scenario sc;
  fault_settings faults;
  clock_fn clock;
  std::string base_url;
  int max_version = 3702;
  std::vector<int> versions; ///< advertised in /api/versions
  bool shared_vip = true;
  std::mt19937_64 fault_rng;
  std::mt19937_64 task_rng;
  std::mt19937_64 id_rng;
  std::chrono::system_clock::time_point wall_epoch;
  time_point steady_epoch;

  std::map<uint64_t, entry> objects; ///< creation order
  std::unordered_map<std::string, uint64_t> index;
  uint64_t next_seq = 1;
  std::map<std::string, gateway_rec> gateways; ///< by URN
  std::map<std::string, task_rec> tasks;       ///< by uuid
  std::map<std::string, entity_rec> entities;  ///< RDEs by URN
  /// Defined entity types (`/entityTypes/{id}`): the capvcdCluster versions CSE 4 registers
  /// and CSE 3's nativeCluster ones.
  std::map<std::string, json::object> entity_types;
  std::map<std::string, ip_space_rec> ip_spaces; ///< by URN
  uint64_t next_allocation_seq = 1;
  std::vector<std::string> running;                      ///< uuids of running tasks
  std::unordered_map<std::string, session_rec> sessions; ///< by token
  std::unordered_map<std::string, std::string> legacy;   ///< legacy session id -> token

  request_stats stats;
  std::deque<request_record> log;
  uint64_t log_seq = 0;
  request_observer observer;
  bool log_bodies = false;
  body_sink on_body;
  std::deque<body_record> bodies;
  std::deque<std::string> task_order; ///< uuids of the kept tasks in start order
  size_t task_history = 10'000;       ///< core_options::task_history

  explicit state(core_options opts);

  [[nodiscard]] time_point now() const { return clock(); }
  /// Random (seeded) RFC 4122 v4 text.
  std::string new_uuid();
  /// Wall-clock time for a steady time point (task timestamps).
  [[nodiscard]] std::string wall(time_point t) const;

  entry* find(std::string_view id);
  entry& insert(entry e);
  void erase(std::string_view id);
  gateway_rec* gateway(std::string_view id);

  /// Starts a task (status running) ending after the configured duration; locks
  /// `t.gateway_id` if set. Returns the stored task.
  task_rec& start_task(task_rec t);
  /// Finishes every task whose end is due at `t`, applies its effect and releases locks;
  /// moves objects of running tasks from PENDING to CONFIGURING.
  void settle(time_point t);

  /// Applies the end of an IP Space allocation task (allocate, update, release).
  void settle_allocation(const task_rec& task, bool fail);

  /// The org of the scenario with this URN (or bare uuid), or nullptr.
  const org* find_org(std::string_view id_or_uuid) const;
  const org* find_org_by_name(std::string_view name) const;

  /// Counts a rejection reason.
  void reject(std::string_view reason) { ++stats.rejections[std::string{reason}]; }
};

/// Last segment of a URN ("urn:vcloud:org:abc" -> "abc").
std::string_view urn_uuid(std::string_view urn);

} // namespace vcdlb::vcd::sim::detail
