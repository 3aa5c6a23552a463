#pragma once

/// @file controller/detail/external_pool.hpp
/// @brief The external IP pool as `/metrics` shows it (`vcdlb_ip_pool_addresses` and
/// `vcdlb_ip_pool_addresses_free` with kind `external`): the edge gateway's uplink ranges,
/// narrowed by `vipSubnet`, and how many of those addresses the gateway reports as used.
///
/// The engine's IP pool knows only how many addresses vcdlb itself reserved, so the
/// controller reads the gateway and its `usedIpAddresses` now and then (`external_pool_probe`,
/// two GETs) and combines both: free = addresses - max(used on the gateway, reserved by
/// vcdlb). Once vcdlb's reservations are realized they are among the used addresses; until
/// then the larger count is the better lower bound of what is taken.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/vcd/client.hpp"

namespace vcdlb::detail {

struct external_pool_view {
  std::string gateway_name;
  uint64_t addresses = 0; ///< in the uplink ranges (within vipSubnet when set)
  uint64_t used = 0;      ///< of those, listed in the gateway's usedIpAddresses
};

/// Pure: the ranges of the gateway's enabled uplink subnets (overlaps counted once),
/// intersected with `vip_subnet` ("" = no narrowing), and the used addresses inside them.
[[nodiscard]] external_pool_view summarize_external_pool(const vcd::edge_gateway& gw,
                                                         const std::vector<vcd::used_ip>& used,
                                                         const std::string& vip_subnet);

/// `addresses - max(used, reserved)`, never negative.
[[nodiscard]] uint64_t free_external_addresses(const external_pool_view& v, uint64_t reserved);

/// Reads the gateway and its used addresses in the background. Thread-safe; callbacks run on
/// the client's threads. Holds the client.
class external_pool_probe {
public:
  /// `on_update` (optional) runs on a client thread after a new result was stored; it must
  /// not block.
  explicit external_pool_probe(std::shared_ptr<vcd::client> client,
                               std::function<void()> on_update = {});

  /// Starts one read of both lists unless one is in flight; the result replaces `latest`
  /// when both arrived (errors keep the previous result).
  void refresh(const std::string& gateway_id, const std::string& vip_subnet);

  [[nodiscard]] std::optional<external_pool_view> latest() const;

  struct state;

private:
  std::shared_ptr<vcd::client> client_;
  std::shared_ptr<state> st_;
};

} // namespace vcdlb::detail
