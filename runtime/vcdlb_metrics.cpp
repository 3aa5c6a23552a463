#include "runtime/vcdlb_metrics.hpp"

#include <vector>

#include "runtime/process_metrics.hpp"

namespace vcdlb::runtime {

namespace {

// Cloud calls take from milliseconds to minutes; default Prometheus buckets (up to 10 s) would
// put the slow ones in +Inf (kubernetes/kubernetes#94873), so every histogram reaches minutes.
std::vector<double> reconcile_buckets() {
  return metrics::exponential_buckets(0.005, 2, 17); // 5 ms .. 327 s
}
std::vector<double> vcd_request_buckets() {
  return metrics::exponential_buckets(0.01, 2, 15); // 10 ms .. 164 s
}
std::vector<double> task_buckets() {
  return metrics::exponential_buckets(0.1, 2, 13); // 100 ms .. 410 s
}
std::vector<double> nodesync_buckets() {
  return metrics::exponential_buckets(1, 2, 15); // the reference controller's: 1 s .. 16384 s
}
std::vector<double> kube_request_buckets() {
  return {0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60}; // client-go's
}

} // namespace

caf::expected<std::shared_ptr<const vcdlb_metrics>> vcdlb_metrics::make(metrics::registry& reg,
                                                                        const build_info& info) {
  auto m = std::make_shared<vcdlb_metrics>();
  caf::error err;
  // Registers one family; remembers the first failure and leaves the handle empty.
  auto take = [&err](auto result, auto& slot) {
    if (result)
      slot = std::move(*result);
    else if (!err)
      err = std::move(result.error());
  };

  take(reg.add_counter<2>("controller_runtime_reconcile_total",
                          "Total number of reconciliations per controller and result (success, "
                          "error).",
                          {"controller", "result"}),
       m->reconcile_total);
  take(reg.add_counter<1>("controller_runtime_reconcile_errors_total",
                          "Total number of reconciliations that ended in an error.",
                          {"controller"}),
       m->reconcile_errors_total);
  take(reg.add_histogram<1>("controller_runtime_reconcile_time_seconds",
                            "Length of time per reconciliation (one converge plan of a Service).",
                            reconcile_buckets(), {"controller"}),
       m->reconcile_time_seconds);
  take(reg.add_gauge<1>("controller_runtime_active_workers",
                        "Number of reconciliations currently in flight per controller.",
                        {"controller"}),
       m->active_reconciles);

  take(reg.add_histogram<2>("cloudprovider_vcd_reconcile_duration_seconds",
                            "Duration of one reconciliation by operation (ensure, delete) and "
                            "result (success, error).",
                            reconcile_buckets(), {"operation", "result"}),
       m->reconcile_duration_seconds);

  take(reg.add_counter("service_controller_loadbalancer_sync_total",
                       "Number of load balancer updates caused by node set changes."),
       m->loadbalancer_sync_total);
  take(reg.add_counter("service_controller_nodesync_error_total",
                       "Number of node set updates of a load balancer that failed."),
       m->nodesync_error_total);
  take(reg.add_histogram("service_controller_nodesync_latency_seconds",
                         "Time from a node set change until a load balancer's members were "
                         "updated (per load balancer).",
                         nodesync_buckets()),
       m->nodesync_latency_seconds);
  take(reg.add_histogram("service_controller_update_loadbalancer_host_latency_seconds",
                         "Time to update the backend members of one load balancer.",
                         nodesync_buckets()),
       m->update_loadbalancer_host_latency_seconds);

  take(reg.add_gauge<1>("vcdlb_actor_mailbox_depth",
                        "Messages waiting in the mailbox of a long-lived actor.", {"actor"}),
       m->mailbox_depth);
  take(reg.add_gauge("vcdlb_managed_services",
                     "Services of type LoadBalancer that vcdlb currently manages."),
       m->managed_services);

  take(reg.add_counter<2>("cloudprovider_vcd_api_requests_total",
                          "VCD API requests by operation and HTTP status code (\"<error>\" when "
                          "no response arrived).",
                          {"operation", "code"}),
       m->vcd_requests_total);
  take(reg.add_histogram<2>("cloudprovider_vcd_api_request_duration_seconds",
                            "Latency of VCD API requests by operation and HTTP status code.",
                            vcd_request_buckets(), {"operation", "code"}),
       m->vcd_request_duration_seconds);
  take(reg.add_counter<2>("cloudprovider_vcd_api_request_errors_total",
                          "VCD API requests that failed, by operation and error reason.",
                          {"operation", "reason"}),
       m->vcd_request_errors_total);
  take(reg.add_counter<1>("cloudprovider_vcd_api_throttled_total",
                          "VCD API requests delayed by vcdlb's own per-gateway rate limit.",
                          {"gateway"}),
       m->vcd_throttled_total);
  take(reg.add_counter<1>("cloudprovider_vcd_logins_total",
                          "Logins to VCD (at start and after 401), by result.", {"result"}),
       m->vcd_logins_total);
  take(reg.add_gauge("vcdlb_vcd_up",
                     "1 while VCD answers vcdlb's requests (and accepts its login), 0 once a "
                     "request failed for lack of an answer, a 5xx or a refused login."),
       m->vcd_up);
  take(reg.add_gauge("vcdlb_vcd_last_success_timestamp_seconds",
                     "Unix time of VCD's last answer that showed it working (0: none yet)."),
       m->vcd_last_success);

  take(reg.add_gauge<1>("vcdlb_gateway_queue_depth",
                        "Operations waiting in an edge gateway's queue.", {"gateway"}),
       m->gateway_queue_depth);
  take(reg.add_gauge<1>("vcdlb_gateway_inflight_requests",
                        "VCD requests currently in flight for an edge gateway.", {"gateway"}),
       m->gateway_inflight_requests);
  take(reg.add_counter<2>("vcdlb_gateway_retries_total",
                          "Retried VCD operations per edge gateway and reason (busy_entity, "
                          "rate_limited, unavailable, unauthorized, connection).",
                          {"gateway", "reason"}),
       m->gateway_retries_total);
  take(reg.add_counter<1>("cloudprovider_vcd_task_polls_total",
                          "GET requests polling VCD tasks, per edge gateway.", {"gateway"}),
       m->task_polls_total);
  take(reg.add_counter<2>("cloudprovider_vcd_tasks_total",
                          "Finished VCD tasks per edge gateway and result (success, error, "
                          "aborted, timeout).",
                          {"gateway", "result"}),
       m->tasks_total);
  take(reg.add_histogram<1>("cloudprovider_vcd_task_duration_seconds",
                            "Time from a mutating request until its VCD task finished.",
                            task_buckets(), {"gateway"}),
       m->task_duration_seconds);

  take(reg.add_gauge<2>("vcdlb_ip_pool_addresses",
                        "Addresses in an IP pool (external: edge gateway uplink ranges, "
                        "internal: the one-arm range).",
                        {"pool", "kind"}),
       m->ip_pool_addresses);
  take(reg.add_gauge<2>("vcdlb_ip_pool_addresses_free",
                        "Addresses of an IP pool that are neither used nor reserved.",
                        {"pool", "kind"}),
       m->ip_pool_addresses_free);
  take(reg.add_counter<2>("vcdlb_ip_pool_allocation_failures_total",
                          "IP allocations that failed, per pool and reason (exhausted, "
                          "unavailable, port_conflict).",
                          {"pool", "reason"}),
       m->ip_pool_allocation_failures_total);

  take(reg.add_gauge<1>("leader_election_master_status",
                        "1 while this replica holds the leader lease, else 0.", {"name"}),
       m->leader_election_master_status);
  take(reg.add_counter<3>("rest_client_requests_total",
                          "Kubernetes API requests by status code, method and host.",
                          {"code", "method", "host"}),
       m->kube_requests_total);
  take(reg.add_histogram<2>("rest_client_request_duration_seconds",
                            "Kubernetes API request latency by verb and host.",
                            kube_request_buckets(), {"verb", "host"}),
       m->kube_request_duration_seconds);
  take(reg.add_counter<2>("vcdlb_kube_watch_restarts_total",
                          "Kubernetes watches that were restarted, per resource and reason "
                          "(closed, gone, error).",
                          {"resource", "reason"}),
       m->kube_watch_restarts_total);

  take(reg.add_counter<1>("vcdlb_node_initializations_total",
                          "Initializations of uninitialized Nodes by result (success; error: a "
                          "Kubernetes write failed).",
                          {"result"}),
       m->node_initializations_total);
  take(reg.add_counter("vcdlb_node_address_updates_total",
                       "Initialized Nodes whose addresses were rewritten because their VM's "
                       "NICs changed."),
       m->node_address_updates_total);
  take(reg.add_counter("vcdlb_node_deletions_total", "Nodes deleted because their VM is gone."),
       m->node_deletions_total);
  take(reg.add_counter<1>("vcdlb_node_problems_total",
                          "Nodes left as they are for a problem (one per distinct problem, as "
                          "the Warning Event), by the Event's reason.",
                          {"reason"}),
       m->node_problems_total);
  take(reg.add_gauge<1>("vcdlb_nodes_tainted",
                        "Nodes carrying the uninitialized or the shutdown taint.", {"taint"}),
       m->nodes_tainted);
  take(reg.add_counter<1>("vcdlb_vm_inventory_reads_total",
                          "Reads of the cluster's VMs (all vApps) by result (success, error).",
                          {"result"}),
       m->vm_inventory_reads_total);
  take(reg.add_gauge("vcdlb_vm_inventory_last_success_timestamp_seconds",
                     "Unix time of the last complete read of the cluster's VMs (0: none yet)."),
       m->vm_inventory_last_success);
  take(reg.add_gauge("vcdlb_vm_inventory_vms", "VMs in the last complete read of the cluster's "
                                               "vApp(s)."),
       m->vm_inventory_vms);

  take(reg.add_gauge<4>("vcdlb_build_info", "Always 1; the labels describe the running build.",
                        {"version", "revision", "compiler", "caf_version"}),
       m->build_info_gauge);

  if (auto process = add_process_metrics(reg); process && !err)
    err = std::move(process);
  if (err)
    return err;
  m->build_info_gauge.with(info.version, info.revision, info.compiler, info.caf_version)->set(1);
  return std::shared_ptr<const vcdlb_metrics>{std::move(m)};
}

} // namespace vcdlb::runtime
