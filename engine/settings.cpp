#include "engine/settings.hpp"

#include "adapters/vcd/types.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {

namespace {
constexpr const char* shared_vip_min_version = "37.0";
} // namespace

gateway_settings make_gateway_settings(const config::cloud_config& cfg) {
  const auto& v = cfg.vcdlb;
  gateway_settings s;
  s.qps = v.vcd_qps;
  s.burst = v.vcd_burst;
  s.poll_initial = v.task_poll.initial_interval;
  s.poll_max = v.task_poll.max_interval;
  s.poll_multiplier = v.task_poll.multiplier;
  s.task_timeout = v.task_poll.timeout;
  return s;
}

engine_settings make_engine_settings(const config::cloud_config& cfg, bool shared_vip_supported) {
  engine_settings s;
  s.mode = cfg.mode();
  s.cluster_id = cfg.cluster_id;
  s.cert_alias = cfg.loadbalancer.cert_alias;
  s.naming = cfg.vcdlb.naming;
  s.load_balancer_class = cfg.vcdlb.load_balancer_class;
  s.shared_vip_supported = shared_vip_supported;
  return s;
}

ip_range internal_range(const config::cloud_config& cfg) {
  if (!cfg.loadbalancer.one_arm)
    return {};
  return {cfg.loadbalancer.one_arm->start_ip, cfg.loadbalancer.one_arm->end_ip};
}

bool supports_shared_vip(const std::string& api_version) {
  return vcd::compare_api_versions(api_version, shared_vip_min_version) >= 0;
}

caf::error check_mode_supported(const config::cloud_config& cfg, const std::string& api_version) {
  if (cfg.mode() == config::lb_mode::a || supports_shared_vip(api_version))
    return {};
  return caf::make_error(
    config_errc::invalid_value,
    "loadbalancer.enableVirtualServiceSharedIP: mode " + std::string{config::to_string(cfg.mode())}
      + " needs VCD API " + shared_vip_min_version + " (VCD 10.4) or later, but the server speaks "
      + api_version + "; set enableVirtualServiceSharedIP to false (mode A, needs oneArm)");
}

} // namespace vcdlb
