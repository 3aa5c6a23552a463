#pragma once

/// @file tests/integration/firewall_check.hpp
/// @brief The part of check_gateway (harness.hpp) for `loadBalancerSourceRanges`: what the
/// simulator's edge firewall must hold for the Services (docs/operating.md).

#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "protocol/lb_objects.hpp"
#include "protocol/service.hpp"

namespace vcdlb::integration {

/// Per Service whose source ranges restrict: the IP set of its CIDRs, the IP set of its
/// `destinations`' addresses (the VIPs the checker found for it), its port profile (added to
/// `expected_profiles`) and its ALLOW and DROP rules referring to them, above every rule of
/// another owner; per Service without (or with invalid) ranges: no firewall object. A vcdlb
/// firewall object (by its name) that no Service needs is a leak. Other owners' rules are not
/// judged here (the tests that add them compare them).
void check_source_ranges(const boost::json::value& dump, const std::vector<service_spec>& services,
                         const std::map<service_key, std::vector<listener_key>>& destinations,
                         const std::string& cluster_id, std::set<std::string>& expected_profiles,
                         std::vector<std::string>& problems);

/// The gateway's user-defined firewall rules in enforcement order, as (name, JSON) pairs.
[[nodiscard]] std::vector<std::pair<std::string, boost::json::value>>
firewall_rules_in_order(const boost::json::value& dump);

} // namespace vcdlb::integration
