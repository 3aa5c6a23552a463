#pragma once

/// @file engine/settings.hpp
/// @brief From the effective configuration to the actors' settings. Pure functions.

#include "actors/desired_state.hpp"
#include "actors/gateway_actor.hpp"
#include "config/config.hpp"

namespace vcdlb {

/// Pacing from `vcdlb.vcd` (qps, burst, taskPoll).
[[nodiscard]] gateway_settings make_gateway_settings(const config::cloud_config& cfg);

/// The per-Service decisions; `shared_vip_supported` comes from the VCD version found at start.
[[nodiscard]] engine_settings make_engine_settings(const config::cloud_config& cfg,
                                                   bool shared_vip_supported);

/// The one-arm range of the config ("".."" in mode C).
[[nodiscard]] ip_range internal_range(const config::cloud_config& cfg);

/// True when VCD API `api_version` lets virtual services share a VIP (37.0, VCD 10.4).
[[nodiscard]] bool supports_shared_vip(const std::string& api_version);

/// VCD API 37.0 (VCD 10.4) is the first that lets virtual services share a VIP; modes B and C
/// need it. Error (config_errc::invalid_value) naming the mode and the version otherwise.
[[nodiscard]] caf::error check_mode_supported(const config::cloud_config& cfg,
                                              const std::string& api_version);

} // namespace vcdlb
