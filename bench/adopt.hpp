#pragma once

/// @file bench/adopt.hpp
/// @brief Puts a cluster's load balancers on the in-memory fake VCD as vcdlb would have
/// created them, so an engine-only run can start from an adopted state (as after a controller
/// restart) instead of creating every object through the gateway's pacing.
///
/// Thread-safety: call before the engine uses the fake (the fake is not locked here).

#include <map>
#include <string>

#include "adapters/vcd/fake_client.hpp"
#include "bench/workload.hpp"
#include "caf/expected.hpp"
#include "config/config.hpp"
#include "protocol/service.hpp"

namespace vcdlb::bench {

/// The Service snapshot the bench feeds for `s` (no status yet).
[[nodiscard]] service_spec to_spec(const service_def& s);

/// Creates on `fake` (gateway `gateway_id`, SEG `seg`) every object the engine's desired state
/// asks for `state` under `cfg`: external IPs from `external_first` on (one per Service, or per
/// sharing key), one-arm IPs from `internal_first` on. Returns each Service's external IP (its
/// status ingress). Fails when a Service is invalid for the engine.
[[nodiscard]] caf::expected<std::map<service_key, std::string>>
seed_objects(vcd::fake_client& fake, const std::string& gateway_id, const vcd::entity_ref& seg,
             const config::cloud_config& cfg, const cluster_state& state,
             const std::string& external_first, const std::string& internal_first);

} // namespace vcdlb::bench
