#pragma once

/// @file actors/detail/firewall_book.hpp
/// @brief What a gateway actor keeps for `loadBalancerSourceRanges` (gateway_firewall.cpp):
/// the ids of this cluster's firewall objects on the gateway and the requests waiting for the
/// next firewall wave. Plain data, touched only inside the gateway actor.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/vcd/types.hpp"
#include "caf/actor_clock.hpp"
#include "caf/typed_response_promise.hpp"
#include "protocol/messages.hpp"

namespace vcdlb::detail {

struct firewall_book {
  /// One Service's objects as last seen or written (by its service hash). An IP set's or the
  /// profile's content is nullopt when not known (listed, not read yet).
  struct owned {
    std::string sources_id, vip_id, ports_id; ///< "" = none
    std::optional<std::vector<std::string>> sources, vips;
    std::optional<std::vector<std::string>> ports; ///< "TCP:80", ... as written
    bool has_rules = false;                        ///< the last read or write showed its rules
    /// Its rules as last written (ALLOW, DROP): what a refresh compares the list with.
    std::vector<vcd::firewall_rule> rules;
    [[nodiscard]] bool empty() const noexcept {
      return sources_id.empty() && vip_id.empty() && ports_id.empty() && !has_rules;
    }
  };
  /// A request of the next wave and everyone waiting for it (a newer request of the same
  /// Service replaces the older one; both callers hear the outcome).
  struct waiting {
    source_range_request req;
    std::vector<caf::typed_response_promise<caf::ok_atom>> rps;
  };

  /// The IP sets and the rule list were read since the last refresh.
  bool loaded = false;
  std::map<std::string, owned> services;
  std::map<std::string, waiting> next;     ///< by service hash
  caf::actor_clock::time_point next_since; ///< when the oldest of `next` arrived
  bool running = false;                    ///< a wave holds the mutation slot
  bool timer = false;                      ///< a firewall_batch timer is pending
};

} // namespace vcdlb::detail
