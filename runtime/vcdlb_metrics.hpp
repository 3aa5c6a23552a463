#pragma once

/// @file runtime/vcdlb_metrics.hpp
/// @brief The metric families vcdlb exposes on `/metrics` (documented in docs/metrics.md).
///
/// Names follow the conventions users already have dashboards for (see
/// reference/peers.md §4): controller-runtime's `controller_runtime_reconcile_*`, the
/// reference service controller's `service_controller_*`, client-go's `rest_client_*` and
/// `leader_election_master_status`, the cloud-provider `cloudprovider_<provider>_api_*`
/// pattern; vcdlb-specific internals are `vcdlb_*`.
///
/// Ownership and thread-safety: `make` registers every family in the given registry and
/// returns handles to them; the struct is immutable afterwards and may be shared by all
/// threads (the families themselves are thread-safe, see runtime/metrics.hpp). Components
/// obtain their children once (`reconcile_total.with("service", "success")`) and update them
/// without locks.

#include <memory>
#include <string>
#include <string_view>

#include "caf/expected.hpp"
#include "runtime/metrics.hpp"

namespace vcdlb::runtime {

/// Label values used with these families, so the spelling is in one place.
namespace metric_labels {
// `controller` of the reconcile families.
inline constexpr std::string_view controller_service = "service";
// `result` of controller_runtime_reconcile_total.
inline constexpr std::string_view result_success = "success";
inline constexpr std::string_view result_error = "error";
// `operation` of cloudprovider_vcd_reconcile_duration_seconds.
inline constexpr std::string_view operation_ensure = "ensure";
inline constexpr std::string_view operation_delete = "delete";
// `kind` of the IP pool gauges.
inline constexpr std::string_view pool_external = "external";
inline constexpr std::string_view pool_internal = "internal";
// `pool` of the internal (one-arm) pool; the external pool is named after its edge gateway.
inline constexpr std::string_view pool_one_arm = "one-arm";
// `taint` of vcdlb_nodes_tainted.
inline constexpr std::string_view taint_uninitialized = "uninitialized";
inline constexpr std::string_view taint_shutdown = "shutdown";
// `code` for requests that got no HTTP status (connection failure, timeout).
inline constexpr std::string_view code_none = "<error>";
} // namespace metric_labels

/// What `vcdlb_build_info` reports.
struct build_info {
  std::string version;  ///< vcdlb's version, e.g. "0.1.0"
  std::string revision; ///< source revision, "" if unknown
  std::string compiler; ///< e.g. "gcc 12.2.0"
  std::string caf_version = "0.17.6";
};

struct vcdlb_metrics {
  /// Registers every family in `reg`, plus the standard `process_*` ones
  /// (runtime/process_metrics.hpp). Fails (config_errc::invalid_value) only if one of the
  /// names is already taken in `reg`.
  [[nodiscard]] static caf::expected<std::shared_ptr<const vcdlb_metrics>>
  make(metrics::registry& reg, const build_info& info);

  // -- reconcile (controller-runtime names) ---------------------------------------------------
  metrics::counter_family<2> reconcile_total;              ///< {controller, result}
  metrics::counter_family<1> reconcile_errors_total;       ///< {controller}
  metrics::histogram_family<1> reconcile_time_seconds;     ///< {controller}
  metrics::gauge_family<1> active_reconciles;              ///< {controller}: plans in flight
  metrics::histogram_family<2> reconcile_duration_seconds; ///< {operation, result}

  // -- node sync (the reference service controller's names) ------------------------------------
  metrics::counter_family<0> loadbalancer_sync_total;
  metrics::counter_family<0> nodesync_error_total;
  metrics::histogram_family<0> nodesync_latency_seconds;
  metrics::histogram_family<0> update_loadbalancer_host_latency_seconds;

  // -- actors --------------------------------------------------------------------------------
  metrics::gauge_family<1> mailbox_depth; ///< {actor}
  metrics::gauge_family<0> managed_services;

  // -- VCD API (cloudprovider_<provider>_api_* pattern) -------------------------------------
  metrics::counter_family<2> vcd_requests_total;             ///< {operation, code}
  metrics::histogram_family<2> vcd_request_duration_seconds; ///< {operation, code}
  metrics::counter_family<2> vcd_request_errors_total;       ///< {operation, reason}
  metrics::counter_family<1> vcd_throttled_total;            ///< {gateway}
  metrics::counter_family<1> vcd_logins_total;               ///< {result}
  metrics::gauge_family<0> vcd_up;                           ///< 1/0
  metrics::gauge_family<0> vcd_last_success;                 ///< Unix seconds

  // -- edge gateway actor --------------------------------------------------------------------
  metrics::gauge_family<1> gateway_queue_depth;       ///< {gateway}
  metrics::gauge_family<1> gateway_inflight_requests; ///< {gateway}
  metrics::counter_family<2> gateway_retries_total;   ///< {gateway, reason}
  metrics::counter_family<1> task_polls_total;        ///< {gateway}
  metrics::counter_family<2> tasks_total;             ///< {gateway, result}
  metrics::histogram_family<1> task_duration_seconds; ///< {gateway}

  // -- IP pools ------------------------------------------------------------------------------
  metrics::gauge_family<2> ip_pool_addresses;                   ///< {pool, kind}
  metrics::gauge_family<2> ip_pool_addresses_free;              ///< {pool, kind}
  metrics::counter_family<2> ip_pool_allocation_failures_total; ///< {pool, reason}

  // -- leader election and Kubernetes API (client-go names) ---------------------------------
  metrics::gauge_family<1> leader_election_master_status;     ///< {name}
  metrics::counter_family<3> kube_requests_total;             ///< {code, method, host}
  metrics::histogram_family<2> kube_request_duration_seconds; ///< {verb, host}
  metrics::counter_family<2> kube_watch_restarts_total;       ///< {resource, reason}

  // -- node duties (cloud-node, cloud-node-lifecycle; docs/nodes.md) --------------------------
  metrics::counter_family<1> node_initializations_total; ///< {result}
  metrics::counter_family<0> node_address_updates_total;
  metrics::counter_family<0> node_deletions_total;
  metrics::counter_family<1> node_problems_total;      ///< {reason}: Warnings, Node left as it is
  metrics::gauge_family<1> nodes_tainted;              ///< {taint}: uninitialized, shutdown
  metrics::counter_family<1> vm_inventory_reads_total; ///< {result}
  metrics::gauge_family<0> vm_inventory_last_success;  ///< Unix seconds
  metrics::gauge_family<0> vm_inventory_vms;

  // -- build ---------------------------------------------------------------------------------
  metrics::gauge_family<4>
    build_info_gauge; ///< {version, revision, compiler, caf_version}, value 1
};

} // namespace vcdlb::runtime
