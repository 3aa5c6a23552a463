#pragma once

/// @file adapters/vcd/client.hpp
/// @brief The VCD CloudAPI operations the load-balancer engine needs, as an abstract,
/// asynchronous interface. Implementations: `beast_client` (HTTPS, adapters/vcd/beast_client.hpp)
/// and `fake_client` (in memory, for unit tests, adapters/vcd/fake_client.hpp).
///
/// Contract shared by every implementation:
/// - Each operation calls its `done` callback exactly once: on an adapter (Asio) thread for the
///   real client, synchronously (before the call returns) for the fake. Callbacks must not
///   block; to reach an actor, `caf::anon_send` to it.
/// - Errors are `caf::error`s in the `vcd_errc` category; `parse_error_info`
///   (adapters/vcd/errors.hpp) recovers HTTP status, minorErrorCode, message and Retry-After.
///   Reading one object that does not exist gives `vcd_errc::not_found` (also when VCD says 403).
/// - Authentication is transparent: the first call logs in (version negotiation included),
///   later calls reuse the bearer token, and a 401 triggers one re-login and one replay.
/// - No timing policy: no task polling, rate limiting, retries or backoff here. Mutations return
///   a `task_ref` that the caller polls with `get_task` at the pace it chooses.
/// - List operations return all pages.
/// - Thread-safe: operations may be called from any thread, concurrently.

#include <functional>
#include <string>
#include <vector>

#include "adapters/vcd/fiql.hpp"
#include "adapters/vcd/types.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd {

/// Completion callback of an operation producing a `T`.
template <class T>
using callback = std::function<void(caf::expected<T>)>;

class client {
public:
  virtual ~client() = default;

  // -- session ------------------------------------------------------------------------------

  /// Logs in now if not logged in yet (otherwise returns the current session). Optional: every
  /// other operation logs in on demand. Fails with `unsupported` when the server offers none of
  /// the API versions the client knows.
  virtual void login(callback<session_info> done) = 0;

  // -- discovery ----------------------------------------------------------------------------

  /// The org VDC network `name` of the configured VDC (or a VDC-group network of that name);
  /// its `router_ref` is the edge gateway. not_found if absent, conflict if ambiguous.
  virtual void get_org_vdc_network(std::string name, callback<org_vdc_network> done) = 0;

  /// The edge gateway `gateway_id` (uplinks with IP ranges, status, IP-space flag).
  virtual void get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) = 0;

  /// All `usedIpAddresses` of the gateway (all pages).
  virtual void list_used_ip_addresses(std::string gateway_id,
                                      callback<std::vector<used_ip>> done) = 0;

  /// All service engine group assignments of the gateway (`gatewayRef.id==<gateway_id>`).
  virtual void list_seg_assignments(std::string gateway_id,
                                    callback<std::vector<seg_assignment>> done) = 0;

  /// The gateway's load-balancer settings (`edgeGateways/{id}/loadBalancer`), among them
  /// whether transparent mode is enabled (API 37.1+).
  virtual void get_alb_settings(std::string gateway_id, callback<alb_settings> done) = 0;

  // -- ALB pools ----------------------------------------------------------------------------

  /// Pool summaries of the gateway matching `filter` (empty: all), all pages.
  virtual void list_pool_summaries(std::string gateway_id, fiql filter,
                                   callback<std::vector<pool_summary>> done) = 0;
  virtual void get_pool(std::string pool_id, callback<pool> done) = 0;
  /// `p.id` must be empty. The task's owner is the new pool. A group pool (`member_group_ref`)
  /// needs API 37.1+: on an older session `unsupported`, without a request (VCD would drop the
  /// field and create a pool without members); the same for update_pool.
  virtual void create_pool(pool p, callback<task_ref> done) = 0;
  /// Replaces the whole pool `p.id`.
  virtual void update_pool(pool p, callback<task_ref> done) = 0;
  virtual void delete_pool(std::string pool_id, callback<task_ref> done) = 0;

  // -- ALB virtual services -----------------------------------------------------------------

  /// Virtual-service summaries of the gateway matching `filter` (empty: all), all pages.
  virtual void
  list_virtual_service_summaries(std::string gateway_id, fiql filter,
                                 callback<std::vector<virtual_service_summary>> done) = 0;
  virtual void get_virtual_service(std::string vs_id, callback<virtual_service> done) = 0;
  /// `vs.id` must be empty. The task's owner is the new virtual service. Transparent mode
  /// needs API 37.1+: on an older session `unsupported`, without a request; the same for
  /// update_virtual_service, which on 37.1+ always sends the flag (so `false` switches it off).
  virtual void create_virtual_service(virtual_service vs, callback<task_ref> done) = 0;
  /// Replaces the whole virtual service `vs.id`.
  virtual void update_virtual_service(virtual_service vs, callback<task_ref> done) = 0;
  virtual void delete_virtual_service(std::string vs_id, callback<task_ref> done) = 0;

  // -- NAT rules ----------------------------------------------------------------------------

  /// All NAT rules of the gateway (cursor paging; the endpoint has no filter).
  virtual void list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) = 0;
  virtual void get_nat_rule(std::string gateway_id, std::string rule_id,
                            callback<nat_rule> done) = 0;
  /// `rule.id` must be empty and `rule.version` -1. The task's owner is the gateway: find the
  /// new rule by its name afterwards.
  virtual void create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) = 0;
  /// `rule.version` must be the version last read (optimistic locking).
  virtual void update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) = 0;
  virtual void delete_nat_rule(std::string gateway_id, std::string rule_id,
                               callback<task_ref> done) = 0;

  // -- edge gateway firewall ----------------------------------------------------------------

  /// The gateway's firewall rules (system, user-defined and default lists, in order).
  virtual void get_firewall_rules(std::string gateway_id, callback<firewall_rules> done) = 0;
  /// Replaces the gateway's whole user-defined rule list with `rules`, in that (enforcement)
  /// order: rules without an id are created, existing ids updated (each must carry the version
  /// last read), rules left out are deleted. VCD has no version for the list as a whole: a
  /// caller that keeps other owners' rules must re-read right before writing and verify after.
  virtual void replace_firewall_rules(std::string gateway_id, std::vector<firewall_rule> rules,
                                      callback<task_ref> done) = 0;

  /// IP sets usable by the gateway (`_context==<gateway_id>;typeValue==IP_SET`) also matching
  /// `filter` (e.g. `name==X`), all pages. Summaries: `ip_addresses` is empty (see get_ip_set).
  virtual void list_ip_sets(std::string gateway_id, fiql filter,
                            callback<std::vector<ip_set>> done) = 0;
  virtual void get_ip_set(std::string ip_set_id, callback<ip_set> done) = 0;
  /// `s.id` must be empty and `s.owner_ref` the gateway. The task's owner is the new IP set.
  virtual void create_ip_set(ip_set s, callback<task_ref> done) = 0;
  /// Replaces the whole IP set `s.id`.
  virtual void update_ip_set(ip_set s, callback<task_ref> done) = 0;
  /// Fails while a firewall rule still references the set.
  virtual void delete_ip_set(std::string ip_set_id, callback<task_ref> done) = 0;

  // -- application port profiles ------------------------------------------------------------

  /// Profiles matching `filter` (e.g. `name==X;scope==TENANT`), all pages.
  virtual void list_app_port_profiles(fiql filter,
                                      callback<std::vector<app_port_profile>> done) = 0;
  virtual void get_app_port_profile(std::string profile_id, callback<app_port_profile> done) = 0;
  virtual void create_app_port_profile(app_port_profile profile, callback<task_ref> done) = 0;
  virtual void update_app_port_profile(app_port_profile profile, callback<task_ref> done) = 0;
  virtual void delete_app_port_profile(std::string profile_id, callback<task_ref> done) = 0;

  // -- certificate library ------------------------------------------------------------------

  /// The library items whose alias is exactly `alias` (usually zero or one).
  virtual void find_certificates(std::string alias, callback<std::vector<certificate>> done) = 0;

  // -- IP Spaces (API 37.1+; ip-spaces-rde-traffic.md §1) ------------------------------------

  /// The IP Spaces that can give `gateway_id` floating IPs
  /// (`ipSpaces/floatingIpSuggestions?filter=gatewayId==<id>;ipType==IPV4`, all pages), each
  /// with up to 5 IPs the org already holds there unused. VCD answers 403 (`forbidden`) for a
  /// gateway that does not use IP Spaces.
  virtual void list_floating_ip_suggestions(std::string gateway_id,
                                            callback<std::vector<floating_ip_suggestion>> done) = 0;
  virtual void get_ip_space(std::string ip_space_id, callback<ip_space> done) = 0;
  /// Allocates one floating IP to the org: any free one when `value` is empty, else exactly
  /// `value` (API 37.2+). A task; once it succeeded its `result_content` carries the allocation
  /// (`parse_allocation_result`, adapters/vcd/ip_spaces.hpp). Quota or pool exhaustion
  /// surfaces as a failed task.
  virtual void allocate_floating_ip(std::string ip_space_id, std::string value,
                                    callback<task_ref> done) = 0;
  /// Allocations of the space matching `filter`, which must name the type
  /// (`type==FLOATING_IP`), all pages. Each result's `ip_space_id` is set.
  virtual void list_ip_allocations(std::string ip_space_id, fiql filter,
                                   callback<std::vector<ip_allocation>> done) = 0;
  virtual void get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                 callback<ip_allocation> done) = 0;
  /// Replaces the allocation `a.id` of space `a.ip_space_id`: `usage_state` USED_MANUAL with a
  /// `description` reserves it, UNUSED with "" ends the reservation. A task.
  virtual void update_ip_allocation(ip_allocation a, callback<task_ref> done) = 0;
  /// Returns the allocation to its space (and the org's quota). A task.
  virtual void delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                    callback<task_ref> done) = 0;

  // -- tasks --------------------------------------------------------------------------------

  /// One snapshot of the task. A task that ended in error is a successful `task` value with
  /// `status == task_status::error` (see `make_task_error` to turn it into an error).
  virtual void get_task(task_ref ref, callback<task> done) = 0;

  // -- runtime defined entities -------------------------------------------------------------

  /// The entity `entity_id` with its ETag. not_found when it does not exist (404), forbidden
  /// when the user may not see it (403): unlike other objects, the two stay apart.
  virtual void get_defined_entity(std::string entity_id, callback<defined_entity> done) = 0;
  /// Replaces the whole entity `e.id` with `e.body`, sent with `If-Match: e.etag` (which must
  /// not be empty). Answers the entity as stored, with its new ETag. A stale ETag (someone else
  /// wrote since `e` was read) fails with `vcd_errc::precondition_failed`: re-read, re-apply,
  /// write again.
  virtual void update_defined_entity(defined_entity e, callback<defined_entity> done) = 0;
  /// The entity type `type_id` (e.g. urn:vcloud:type:vmware:capvcdCluster:1.2.0); not_found
  /// when it is not registered.
  virtual void get_defined_entity_type(std::string type_id, callback<defined_entity_type> done) = 0;
};

} // namespace vcdlb::vcd
