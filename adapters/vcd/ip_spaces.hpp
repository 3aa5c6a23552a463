#pragma once

/// @file adapters/vcd/ip_spaces.hpp
/// @brief Helpers around the IP Space operations of `vcd::client` (ip-spaces-rde-traffic.md §1):
/// reading an allocate task's result, and finding the allocations that carry a claim marker
/// (used by the engine's pool rebuild and by anything that must release a cluster's IPs).

#include <memory>
#include <string>
#include <vector>

#include "adapters/vcd/client.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd {

/// The allocations an allocate task reported in `Result/ResultContent` (a JSON array of
/// `{"id","value","suggestedValue"}`). Error vcd_errc::bad_response when the task has no result
/// or it is malformed (govcd treats an empty result as an error too).
[[nodiscard]] caf::expected<std::vector<allocated_ip>> parse_allocation_result(const task& t);

/// Lists, in every IP Space that serves `gateway_id` (floating IP suggestions), the floating-IP
/// allocations reserved manually (`usageState==USED_MANUAL`) whose description starts with
/// `marker_prefix` ("" = all of them). The description is not searchable in VCD, so it is
/// compared here. Reads only; `done` runs once, on the client's callback thread.
void list_marked_allocations(std::shared_ptr<client> c, std::string gateway_id,
                             std::string marker_prefix, callback<std::vector<ip_allocation>> done);

/// The failed-task messages the simulator and the fake give for a refused allocation. VCD's own
/// wording is not published (ip-spaces-rde-traffic.md §5 item 1); vcdlb never parses these,
/// it only shows them.
[[nodiscard]] std::string ip_space_quota_message(const std::string& space_name, int64_t quota);
[[nodiscard]] std::string ip_space_exhausted_message(const std::string& space_name);

} // namespace vcdlb::vcd
