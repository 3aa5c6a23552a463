#pragma once

/// @file adapters/vcd/sim/detail/scenario_load_balancers.hpp
/// @brief The `load_balancers` key of an edge gateway in a simulator scenario (objects another
/// owner made, e.g. a deleted cluster's cloud provider): YAML parsing, checks, printing, and
/// seeding them into the simulator's store. Kept apart from scenario.cpp, which holds the rest.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "adapters/vcd/sim/scenario.hpp"
#include "caf/error.hpp"

namespace vcdlb::vcd::sim::detail {

struct state;

/// Parses `node` (the gateway's `load_balancers` list; absent or null: none) into `out`.
/// `where` names the gateway for error messages.
[[nodiscard]] caf::error parse_load_balancers(const YAML::Node& node, const std::string& where,
                                              std::vector<seeded_load_balancer>& out);

/// Checks across the gateway: names unique per kind, and a service engine group to run on.
[[nodiscard]] caf::error check_load_balancers(const edge_gateway& g, const std::string& where);

/// Emits `load_balancers: [...]` (nothing when empty) into an open map.
void emit_load_balancers(YAML::Emitter& e, const std::vector<seeded_load_balancer>& lbs);

/// Stores the gateway's seeded objects as the handlers store created ones (realized), with ids
/// derived from the gateway id and the names. `org_id` owns the gateway.
void seed_load_balancers(state& st, const edge_gateway& g, const std::string& org_id);

} // namespace vcdlb::vcd::sim::detail
