#include "engine/metrics_observer.hpp"

#include <chrono>

namespace vcdlb {

namespace {

namespace labels = runtime::metric_labels;

double seconds(caf::timespan d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

metrics_observer::metrics_observer(std::shared_ptr<const runtime::vcdlb_metrics> metrics)
  : m_(std::move(metrics)) {
  active_ = m_->active_reconciles.with(labels::controller_service);
  success_ = m_->reconcile_total.with(labels::controller_service, labels::result_success);
  error_ = m_->reconcile_total.with(labels::controller_service, labels::result_error);
  errors_ = m_->reconcile_errors_total.with(labels::controller_service);
  time_ = m_->reconcile_time_seconds.with(labels::controller_service);
  lb_syncs_ = m_->loadbalancer_sync_total.with();
  nodesync_errors_ = m_->nodesync_error_total.with();
  nodesync_latency_ = m_->nodesync_latency_seconds.with();
  host_latency_ = m_->update_loadbalancer_host_latency_seconds.with();
}

void metrics_observer::discovered(std::string_view gateway_name, std::string_view) {
  gateway_ = std::string{gateway_name};
  queue_ = m_->gateway_queue_depth.with(gateway_);
  in_flight_ = m_->gateway_inflight_requests.with(gateway_);
  throttled_ = m_->vcd_throttled_total.with(gateway_);
  polls_ = m_->task_polls_total.with(gateway_);
  tasks_ok_ = m_->tasks_total.with(gateway_, "success");
  tasks_failed_ = m_->tasks_total.with(gateway_, "error");
  task_time_ = m_->task_duration_seconds.with(gateway_);
}

void metrics_observer::reconcile_started() {
  active_->inc();
}

void metrics_observer::reconcile_finished(reconcile_kind kind, bool ok, bool /*mutated*/,
                                          caf::timespan took) {
  active_->dec();
  (ok ? success_ : error_)->inc();
  if (!ok)
    errors_->inc();
  time_->observe(seconds(took));
  auto operation =
    kind == reconcile_kind::ensure ? labels::operation_ensure : labels::operation_delete;
  m_->reconcile_duration_seconds
    .with(operation, ok ? labels::result_success : labels::result_error)
    ->observe(seconds(took));
}

void metrics_observer::node_update_finished(bool ok, bool mutated, caf::timespan since_change,
                                            caf::timespan took) {
  if (!ok) {
    nodesync_errors_->inc();
    return;
  }
  if (!mutated) // the new members changed nothing on the gateway (e.g. no port yet)
    return;
  lb_syncs_->inc();
  host_latency_->observe(seconds(took));
  nodesync_latency_->observe(seconds(since_change));
}

void metrics_observer::ip_allocation_failed(bool internal, std::string_view reason) {
  std::lock_guard guard{retry_mutex_};
  m_->ip_pool_allocation_failures_total
    .with(internal ? labels::pool_one_arm : std::string_view{gateway_}, reason)
    ->inc();
}

void metrics_observer::gateway_queue(size_t queued, bool in_flight) {
  if (!queue_)
    return;
  queue_->set(static_cast<double>(queued));
  in_flight_->set(in_flight ? 1.0 : 0.0);
}

std::string_view metrics_observer::retry_reason(std::string_view code) {
  // The docs' label values are the bare vcd_errc names; transport failures are "connection".
  if (code.starts_with("vcd."))
    return code.substr(4);
  if (code.starts_with("net."))
    return "connection";
  return code;
}

void metrics_observer::gateway_retry(std::string_view reason) {
  std::lock_guard guard{retry_mutex_};
  m_->gateway_retries_total.with(gateway_, retry_reason(reason))->inc();
}

void metrics_observer::gateway_throttled() {
  if (throttled_)
    throttled_->inc();
}

void metrics_observer::task_polled() {
  if (polls_)
    polls_->inc();
}

void metrics_observer::task_finished(bool ok, caf::timespan took) {
  if (!tasks_ok_)
    return;
  (ok ? tasks_ok_ : tasks_failed_)->inc();
  task_time_->observe(seconds(took));
}

void metrics_observer::managed_services(size_t n) {
  m_->managed_services.with()->set(static_cast<double>(n));
}

void metrics_observer::pool_usage(size_t external_size, size_t external_used, size_t internal_size,
                                  size_t internal_used) {
  const auto& pool = gateway_;
  m_->ip_pool_addresses.with(pool, labels::pool_external)->set(static_cast<double>(external_size));
  m_->ip_pool_addresses_free.with(pool, labels::pool_external)
    ->set(static_cast<double>(external_size - std::min(external_size, external_used)));
  if (internal_size == 0)
    return; // no oneArm range: modes without an internal pool show no such series
  m_->ip_pool_addresses.with(labels::pool_one_arm, labels::pool_internal)
    ->set(static_cast<double>(internal_size));
  m_->ip_pool_addresses_free.with(labels::pool_one_arm, labels::pool_internal)
    ->set(static_cast<double>(internal_size - std::min(internal_size, internal_used)));
}

void metrics_observer::mailbox_depth(std::string_view actor, size_t depth) {
  m_->mailbox_depth.with(actor)->set(static_cast<double>(depth));
}

} // namespace vcdlb
