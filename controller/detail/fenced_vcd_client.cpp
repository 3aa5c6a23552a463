#include "controller/detail/fenced_vcd_client.hpp"

#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"

namespace vcdlb::detail {

caf::error lease_fence_refusal(const kube::lease_fence& fence) {
  if (fence.held())
    return {};
  return caf::make_error(lb_errc::not_leader, "this replica does not hold the leader lease");
}

caf::error fenced_vcd_client::admit(const vcd::call_info& call) {
  if (call.kind != vcd::call_kind::mutation || fence_->held())
    return {};
  if (refused_.fetch_add(1) == 0)
    spdlog::warn("controller: the leader lease is not held; refusing VCD mutations ({} first)",
                 call.operation);
  return caf::make_error(lb_errc::not_leader, std::string{"refused "} + call.operation
                                                + ": this replica does not hold the leader lease");
}

} // namespace vcdlb::detail
