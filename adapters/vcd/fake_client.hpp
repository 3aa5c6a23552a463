#pragma once

/// @file adapters/vcd/fake_client.hpp
/// @brief An in-memory VCD for unit tests of the engine: stores gateways, pools, virtual
/// services, NAT rules, app port profiles and certificates, runs mutations as tasks, and
/// enforces the rules that matter to the engine (VIP/port overlap, pool in use, duplicate
/// names, SEG assignment and capacity, NAT and firewall rule versions, IP-set addresses and
/// references, transparent mode's prerequisites and group pools, BUSY_ENTITY while a gateway
/// task runs).
///
/// Deterministic and single-threaded: every callback runs synchronously, before the call
/// returns; ids are sequential; lists come back in creation order. Not thread-safe: use it from
/// one thread (the test's, or the test scheduler's).
///
/// Tasks: with `task_polls == 0` a mutation takes effect at once and its task is already
/// `success`. With `task_polls == N` the first N `get_task` calls answer `running`, the next one
/// applies the change and answers `success` (or `error`, see `fail_next_task`). A create is
/// visible at once with status PENDING and becomes REALIZED (a virtual service also
/// healthStatus UP) when its task succeeds; a failed create stays as REALIZATION_FAILED, a failed
/// update or delete changes nothing.
///
/// IP Spaces: spaces with ranges, a per-org floating-IP quota and the gateways that use them;
/// allocate is a task whose result carries the allocation (quota or exhaustion: a failed task,
/// worded as the simulator words it); update/delete are tasks; a virtual service or DNAT rule
/// on a gateway that uses IP Spaces may only use IPs allocated to the org.
///
/// Errors follow the real client's shapes and the simulator's choices: unknown ids give 403
/// ACCESS_TO_RESOURCE_IS_FORBIDDEN (vcd_errc::not_found); validation failures, duplicate names
/// and a stale NAT rule version 400 BAD_REQUEST (bad_request); a busy gateway 400 BUSY_ENTITY
/// (busy_entity); an unknown FIQL field 400 BAD_REQUEST.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/vcd/client.hpp"
#include "caf/error.hpp"

namespace vcdlb::vcd {

/// The operations of `client`, for call counting and fault injection.
enum class operation : uint8_t {
  login,
  get_org_vdc_network,
  get_edge_gateway,
  list_used_ip_addresses,
  list_seg_assignments,
  list_pool_summaries,
  get_pool,
  create_pool,
  update_pool,
  delete_pool,
  list_virtual_service_summaries,
  get_virtual_service,
  create_virtual_service,
  update_virtual_service,
  delete_virtual_service,
  list_nat_rules,
  get_nat_rule,
  create_nat_rule,
  update_nat_rule,
  delete_nat_rule,
  list_app_port_profiles,
  get_app_port_profile,
  create_app_port_profile,
  update_app_port_profile,
  delete_app_port_profile,
  find_certificates,
  get_task,
  get_defined_entity,
  update_defined_entity,
  get_defined_entity_type,
  list_floating_ip_suggestions,
  get_ip_space,
  allocate_floating_ip,
  list_ip_allocations,
  get_ip_allocation,
  update_ip_allocation,
  delete_ip_allocation,
  get_firewall_rules,
  replace_firewall_rules,
  list_ip_sets,
  get_ip_set,
  create_ip_set,
  update_ip_set,
  delete_ip_set,
  get_alb_settings,
};

/// "create_pool", ...
[[nodiscard]] std::string to_string(operation x);

/// True for create/update/delete/allocate/replace operations.
[[nodiscard]] bool is_mutation(operation x);

struct fake_options {
  std::string api_version = "37.2";
  entity_ref org{"org1", "urn:vcloud:org:00000000-0000-0000-0000-0000000000a1"};
  entity_ref user{"lb-user", "urn:vcloud:user:00000000-0000-0000-0000-0000000000b1"};
  /// get_task calls that answer `running` before a task completes; 0 = complete at once.
  uint32_t task_polls = 0;
  /// When set together with `task_duration`, tasks run for that long instead (on this clock,
  /// e.g. the actor system's virtual one in tests) and `task_polls` is ignored.
  std::function<std::chrono::steady_clock::time_point()> clock;
  std::chrono::nanoseconds task_duration{0};
  /// Answer mutations of a gateway's objects with 400 BUSY_ENTITY while one of that gateway's
  /// tasks is unfinished (only possible with task_polls > 0).
  bool busy_while_task_running = false;
  /// VCD >= 10.4: virtual services may share a VIP when their ports are disjoint and their
  /// SEG is the same. When false a second virtual service on a VIP is rejected.
  bool shared_vip_supported = true;
};

class fake_client final : public client {
public:
  explicit fake_client(fake_options opts = {});

  // -- seeding (ids are kept when given, generated otherwise; the id is returned) -----------

  std::string add_network(org_vdc_network n);
  std::string add_gateway(edge_gateway gw);
  /// An address used by something else on the gateway (SNAT, VPN, ...).
  void add_used_ip(const std::string& gateway_id, used_ip ip);
  std::string add_seg_assignment(seg_assignment a);
  std::string add_certificate(certificate c);
  /// Objects that exist before the test (e.g. made by the upstream provider), REALIZED.
  std::string put_pool(pool p);
  std::string put_virtual_service(virtual_service vs);
  std::string put_nat_rule(const std::string& gateway_id, nat_rule rule);
  std::string put_app_port_profile(app_port_profile profile);
  /// A runtime defined entity; `e.body` must be a DefinedEntity JSON object whose `id` is
  /// `e.id`. Its ETag starts at "\"1\"" (any given one is replaced).
  void put_defined_entity(defined_entity e);
  void add_defined_entity_type(defined_entity_type t);
  /// Another writer (CAPVCD, the CSI driver, a user) replaces the entity's body: the ETag
  /// changes, so a write based on an earlier read fails with precondition_failed.
  void write_defined_entity_as_other(const std::string& id, std::string body);
  void remove_defined_entity(const std::string& id);
  /// An IP Space with its IPv4 ranges, the org's floating-IP quota (-1: no cap, 0: nothing)
  /// and the gateways whose uplinks use it (suggestions list it for those). `space.id` is kept
  /// when given.
  std::string add_ip_space(ip_space space, std::vector<ip_range> ranges, int64_t quota,
                           std::vector<std::string> gateway_ids);
  /// An allocation that exists before the test (e.g. made by the upstream provider);
  /// `a.ip_space_id` names its space.
  std::string put_ip_allocation(ip_allocation a);
  /// Appends a user-defined firewall rule (another owner's, say) at the end of the list.
  std::string put_firewall_rule(const std::string& gateway_id, firewall_rule rule);
  std::string put_ip_set(ip_set s);
  /// The gateway's load-balancer settings (default: enabled, STANDARD, transparent mode off).
  void set_alb_settings(const std::string& gateway_id, alb_settings s);

  // -- configuration and faults -------------------------------------------------------------

  fake_options& options() noexcept { return opts_; }
  /// The next `times` calls of `op` fail with `err` (before any other check), in FIFO order
  /// with earlier injections.
  void fail_next(operation op, caf::error err, size_t times = 1);
  /// The next `times` tasks started by `op` end in status `error` with `err`.
  void fail_next_task(operation op, task_error err, size_t times = 1);

  // -- inspection ---------------------------------------------------------------------------

  [[nodiscard]] size_t calls(operation op) const;
  [[nodiscard]] size_t total_calls() const;
  /// Calls of create/update/delete operations, successful or not.
  [[nodiscard]] size_t mutation_calls() const;
  void reset_calls();
  [[nodiscard]] size_t unfinished_tasks() const;

  [[nodiscard]] std::vector<pool> pools() const;
  [[nodiscard]] std::vector<virtual_service> virtual_services() const;
  [[nodiscard]] std::vector<nat_rule> nat_rules(const std::string& gateway_id) const;
  [[nodiscard]] std::vector<app_port_profile> app_port_profiles() const;
  /// The gateway's user-defined firewall rules, in enforcement order.
  [[nodiscard]] std::vector<firewall_rule> firewall_rules_of(const std::string& gateway_id) const;
  [[nodiscard]] std::vector<ip_set> ip_sets() const;
  [[nodiscard]] std::optional<ip_set> ip_set_by_name(const std::string& gateway_id,
                                                     const std::string& name) const;
  [[nodiscard]] std::vector<seg_assignment> seg_assignments() const;
  /// Every allocation of every IP Space, by space then id.
  [[nodiscard]] std::vector<ip_allocation> ip_allocations() const;
  [[nodiscard]] std::optional<pool> pool_by_name(const std::string& name) const;
  [[nodiscard]] std::optional<virtual_service>
  virtual_service_by_name(const std::string& name) const;
  [[nodiscard]] std::optional<nat_rule> nat_rule_by_name(const std::string& gateway_id,
                                                         const std::string& name) const;
  [[nodiscard]] std::optional<app_port_profile>
  app_port_profile_by_name(const std::string& name) const;
  [[nodiscard]] std::optional<defined_entity> defined_entity_by_id(const std::string& id) const;

  // -- client ---------------------------------------------------------------------------------

  void login(callback<session_info> done) override;
  void get_org_vdc_network(std::string name, callback<org_vdc_network> done) override;
  void get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) override;
  void list_used_ip_addresses(std::string gateway_id, callback<std::vector<used_ip>> done) override;
  void list_seg_assignments(std::string gateway_id,
                            callback<std::vector<seg_assignment>> done) override;
  void list_pool_summaries(std::string gateway_id, fiql filter,
                           callback<std::vector<pool_summary>> done) override;
  void get_pool(std::string pool_id, callback<pool> done) override;
  void create_pool(pool p, callback<task_ref> done) override;
  void update_pool(pool p, callback<task_ref> done) override;
  void delete_pool(std::string pool_id, callback<task_ref> done) override;
  void list_virtual_service_summaries(std::string gateway_id, fiql filter,
                                      callback<std::vector<virtual_service_summary>> done) override;
  void get_virtual_service(std::string vs_id, callback<virtual_service> done) override;
  void create_virtual_service(virtual_service vs, callback<task_ref> done) override;
  void update_virtual_service(virtual_service vs, callback<task_ref> done) override;
  void delete_virtual_service(std::string vs_id, callback<task_ref> done) override;
  void list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) override;
  void get_nat_rule(std::string gateway_id, std::string rule_id, callback<nat_rule> done) override;
  void create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override;
  void update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) override;
  void delete_nat_rule(std::string gateway_id, std::string rule_id,
                       callback<task_ref> done) override;
  void get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) override;
  void replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                              callback<task_ref> done) override;
  void list_ip_sets(std::string gateway_id, fiql filter,
                    callback<std::vector<ip_set>> done) override;
  void get_ip_set(std::string ip_set_id, callback<ip_set> done) override;
  void create_ip_set(ip_set s, callback<task_ref> done) override;
  void update_ip_set(ip_set s, callback<task_ref> done) override;
  void delete_ip_set(std::string ip_set_id, callback<task_ref> done) override;
  void list_app_port_profiles(fiql filter, callback<std::vector<app_port_profile>> done) override;
  void get_app_port_profile(std::string profile_id, callback<app_port_profile> done) override;
  void create_app_port_profile(app_port_profile profile, callback<task_ref> done) override;
  void update_app_port_profile(app_port_profile profile, callback<task_ref> done) override;
  void delete_app_port_profile(std::string profile_id, callback<task_ref> done) override;
  void find_certificates(std::string alias, callback<std::vector<certificate>> done) override;
  void list_floating_ip_suggestions(std::string gateway_id,
                                    callback<std::vector<floating_ip_suggestion>> done) override;
  void get_ip_space(std::string ip_space_id, callback<ip_space> done) override;
  void allocate_floating_ip(std::string ip_space_id, std::string value,
                            callback<task_ref> done) override;
  void list_ip_allocations(std::string ip_space_id, fiql filter,
                           callback<std::vector<ip_allocation>> done) override;
  void get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                         callback<ip_allocation> done) override;
  void update_ip_allocation(ip_allocation a, callback<task_ref> done) override;
  void delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                            callback<task_ref> done) override;
  void get_alb_settings(std::string gateway_id, callback<alb_settings> done) override;
  void get_task(task_ref ref, callback<task> done) override;
  /// Unknown ids: 404 (not_found), as VCD answers for defined entities.
  void get_defined_entity(std::string entity_id, callback<defined_entity> done) override;
  /// Checks the ETag (stale: 412, precondition_failed) and that the body is a DefinedEntity
  /// with an `entity` object (else 400); stores it and answers it with the next ETag.
  void update_defined_entity(defined_entity e, callback<defined_entity> done) override;
  void get_defined_entity_type(std::string type_id, callback<defined_entity_type> done) override;

private:
  struct task_record {
    task snapshot;
    uint32_t polls_left = 0;
    std::optional<std::chrono::steady_clock::time_point> ends; ///< timed tasks (fake_options)
    std::string gateway_id; ///< "" for org-scoped objects (app port profiles)
    bool fail = false;
    std::function<void(bool success)> complete;
    std::string result_on_success; ///< becomes the snapshot's result_content
  };

  struct fake_ip_space {
    ip_space space;
    std::vector<ip_range> ranges;
    int64_t quota = -1;
    std::set<std::string> gateway_ids;
    std::map<std::string, ip_allocation> allocations; ///< by id
  };

  // Counts the call and pops an injected error, if any.
  caf::error enter(operation op);
  std::string next_id(const std::string& prefix);
  caf::error busy_check(const std::string& gateway_id) const;
  // Starts a task for a validated mutation; applies `complete` now when task_polls == 0 and
  // tasks are not timed.
  task_ref start_task(operation op, const std::string& gateway_id, std::string description,
                      entity_ref owner, std::function<void(bool)> complete,
                      std::string result_on_success = {});
  fake_ip_space* find_ip_space(const std::string& id);
  /// The first IP of the space's ranges that no allocation holds; "" when full.
  [[nodiscard]] std::string free_ip(const fake_ip_space& s) const;
  [[nodiscard]] bool in_ranges(const fake_ip_space& s, const std::string& ip) const;
  /// True when `ip` is a floating IP allocated to the org in a space the gateway uses.
  [[nodiscard]] bool allocated_to_gateway(const std::string& gateway_id,
                                          const std::string& ip) const;

  caf::error validate_pool(const pool& p, bool create) const;
  caf::error validate_virtual_service(const virtual_service& vs, bool create) const;
  caf::error validate_nat_rule(const std::string& gateway_id, const nat_rule& r, bool create) const;
  caf::error validate_app_port_profile(const app_port_profile& p, bool create) const;
  caf::error validate_firewall_rules(const std::string& gateway_id,
                                     const std::vector<firewall_rule>& rules) const;
  caf::error validate_ip_set(const ip_set& s) const;
  // Transparent mode (fake_client_transparent.cpp).
  [[nodiscard]] alb_settings alb_settings_of(const std::string& gateway_id) const;
  caf::error validate_group_pool(const pool& p) const;
  caf::error validate_transparent_mode(const virtual_service& vs, const pool& p) const;
  caf::error ip_set_in_use_by_pool(const ip_set& s) const;
  seg_assignment* find_seg(const std::string& gateway_id, const std::string& seg_id);
  /// `with_refs`: also the virtual services that use it (one pass over all of them).
  pool_summary summarize(const pool& p, bool with_refs = true) const;
  virtual_service_summary summarize(const virtual_service& vs) const;

  fake_options opts_;
  uint64_t next_seq_ = 0;
  std::map<operation, size_t> calls_;
  std::map<operation, std::deque<caf::error>> injected_;
  std::map<operation, std::deque<task_error>> injected_task_errors_;
  std::map<std::string, org_vdc_network> networks_;
  std::map<std::string, edge_gateway> gateways_;
  std::map<std::string, std::vector<used_ip>> extra_used_ips_;
  std::map<std::string, seg_assignment> segs_;
  std::map<std::string, certificate> certificates_;
  std::map<std::string, pool> pools_;
  std::map<std::string, virtual_service> virtual_services_;
  /// Indexes that keep create and update checks O(log N) (a wave of 20 000 Services must not
  /// measure the fake): ids by (gateway, name) and by (gateway, VIP), virtual services by pool.
  /// Kept by `index`/`unindex` wherever pools_ and virtual_services_ change.
  using gateway_key = std::pair<std::string, std::string>;
  std::map<gateway_key, std::set<std::string>> pool_names_;
  std::map<gateway_key, std::set<std::string>> vs_names_;
  std::map<gateway_key, std::set<std::string>> vs_vips_;
  std::map<std::string, std::set<std::string>> vs_by_pool_;
  void index(const pool& p);
  void unindex(const pool& p);
  void index(const virtual_service& vs);
  void unindex(const virtual_service& vs);
  std::map<std::string, std::map<std::string, nat_rule>> nat_rules_; ///< gateway -> id -> rule
  std::map<std::string, app_port_profile> profiles_;
  /// gateway -> user-defined rules in enforcement order (a few hundred at most: linear scans).
  std::map<std::string, std::vector<firewall_rule>> firewall_rules_;
  std::map<std::string, ip_set> ip_sets_;            ///< by id
  std::map<std::string, alb_settings> alb_settings_; ///< by gateway id (absent: defaults)
  std::map<std::string, task_record> tasks_;         ///< by task uuid
  /// Runtime defined entities by id, each with the number its ETag shows.
  struct entity_record {
    defined_entity entity;
    uint64_t version = 1;
  };
  std::map<std::string, entity_record> entities_;
  std::map<std::string, defined_entity_type> entity_types_;
  std::map<std::string, fake_ip_space> ip_spaces_; ///< by id
};

} // namespace vcdlb::vcd
