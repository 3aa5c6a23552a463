#include "controller/detail/node_duties_metrics.hpp"

namespace vcdlb::detail {

namespace labels = runtime::metric_labels;

node_duties_metrics::node_duties_metrics(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                                         wall_clock wall)
  : m_(std::move(metrics)), wall_(std::move(wall)) {
  init_ok_ = m_->node_initializations_total.with(labels::result_success);
  init_failed_ = m_->node_initializations_total.with(labels::result_error);
  address_updates_ = m_->node_address_updates_total.with();
  deletions_ = m_->node_deletions_total.with();
  reads_ok_ = m_->vm_inventory_reads_total.with(labels::result_success);
  reads_failed_ = m_->vm_inventory_reads_total.with(labels::result_error);
  uninitialized_ = m_->nodes_tainted.with(labels::taint_uninitialized);
  shutdown_ = m_->nodes_tainted.with(labels::taint_shutdown);
  last_read_ = m_->vm_inventory_last_success.with();
  vms_ = m_->vm_inventory_vms.with();
  for (const auto& g : {uninitialized_, shutdown_, last_read_, vms_})
    g->set(0);
}

void node_duties_metrics::inventory_read(bool ok, size_t vms) {
  if (!ok) {
    reads_failed_->inc();
    return;
  }
  reads_ok_->inc();
  vms_->set(static_cast<double>(vms));
  last_read_->set(std::chrono::duration<double>(wall_().time_since_epoch()).count());
}

void node_duties_metrics::node_initialized(bool ok) {
  (ok ? init_ok_ : init_failed_)->inc();
}

void node_duties_metrics::node_addresses_updated() {
  address_updates_->inc();
}

void node_duties_metrics::node_deleted() {
  deletions_->inc();
}

void node_duties_metrics::node_problem(std::string_view reason) {
  m_->node_problems_total.with(reason)->inc();
}

void node_duties_metrics::nodes_tainted(size_t uninitialized, size_t shutdown) {
  uninitialized_->set(static_cast<double>(uninitialized));
  shutdown_->set(static_cast<double>(shutdown));
}

} // namespace vcdlb::detail
