#include "adapters/vcd/vm_client.hpp"

#include <array>

namespace vcdlb::vcd {

std::string vm_status_name(int32_t status) {
  // nodes-and-legacy-api.md §3.6 (VCD's VAppStatuses).
  static constexpr std::array<std::string_view, 23> names{"FAILED_CREATION",
                                                          "UNRESOLVED",
                                                          "RESOLVED",
                                                          "DEPLOYED",
                                                          "SUSPENDED",
                                                          "POWERED_ON",
                                                          "WAITING_FOR_INPUT",
                                                          "UNKNOWN",
                                                          "UNRECOGNIZED",
                                                          "POWERED_OFF",
                                                          "INCONSISTENT_STATE",
                                                          "MIXED",
                                                          "DESCRIPTOR_PENDING",
                                                          "COPYING_CONTENTS",
                                                          "DISK_CONTENTS_PENDING",
                                                          "QUARANTINED",
                                                          "QUARANTINE_EXPIRED",
                                                          "REJECTED",
                                                          "TRANSFER_TIMEOUT",
                                                          "VAPP_UNDEPLOYED",
                                                          "VAPP_PARTIALLY_DEPLOYED",
                                                          "PARTIALLY_POWERED_OFF",
                                                          "PARTIALLY_SUSPENDED"};
  if (status >= -1 && status + 1 < static_cast<int32_t>(names.size()))
    return std::string{names[static_cast<size_t>(status + 1)]};
  return "UNKNOWN(" + std::to_string(status) + ")";
}

} // namespace vcdlb::vcd
