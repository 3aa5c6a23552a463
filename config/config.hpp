#pragma once

/// @file config/config.hpp
/// @brief The effective configuration: the upstream `vcloud-ccm-config.yaml` keys plus vcdlb's
/// own `vcdlb:` section. Plain values, no I/O; produced by config/parse.hpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vcdlb::config {

/// `vcd:` -- where VMware Cloud Director is and whose resources to use.
struct vcd_section {
  std::string host; ///< required; "https://vcd.example.com" with any trailing '/' trimmed
  std::string org;
  std::string vdc;
  bool is_zone_enabled_cluster = false;
  // Credentials accepted in the file for upstream compatibility; secret files override them.
  std::string user;
  std::string secret;
  std::string refresh_token;
  std::string user_org;
};

/// `loadbalancer.oneArm:` -- inclusive IPv4 range for internal virtual IPs.
struct one_arm_section {
  std::string start_ip;
  std::string end_ip;
};

/// `loadbalancer.ports:` -- parsed for compatibility, unused (as upstream).
struct ports_section {
  int32_t http = 80;
  int32_t https = 443;
};

/// `loadbalancer:`
struct loadbalancer_section {
  std::optional<one_arm_section> one_arm; ///< present => one-arm (DNAT) mode
  ports_section ports;
  std::string cert_alias; ///< defaults to "<clusterid>-cert"
  std::string network;    ///< required: the OVDC network whose edge gateway is used
  std::string vip_subnet; ///< optional CIDR narrowing external IP selection
  bool enable_virtual_service_shared_ip = false;
};

/// TLS settings for talking to VCD. Verification is on unless explicitly disabled.
struct tls_section {
  std::string ca_file; ///< PEM bundle; empty = the system trust store
  bool insecure_skip_verify = false;
};

/// Task polling: fast at first, then backing off towards `max_interval`.
struct task_poll_section {
  std::chrono::milliseconds initial_interval{250};
  std::chrono::milliseconds max_interval{3000};
  double multiplier = 1.5;
  std::chrono::milliseconds timeout{std::chrono::minutes{10}};
};

/// `vcdlb.leaderElection:` -- client-go defaults.
struct leader_election_section {
  bool enabled = true;
  std::string lease_name = "vcdlb";
  std::string lease_namespace = "kube-system";
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

enum class naming_scheme {
  namespaced, ///< vcdlb's names: include the namespace, length-safe with a hash suffix
  upstream,   ///< the upstream provider's names (no namespace); for strict drop-in use
};

enum class log_format { text, json };

/// `vcdlb:` -- settings of vcdlb itself; every one has a default.
struct vcdlb_section {
  double vcd_qps = 10.0;  ///< sustained VCD requests per second per edge gateway
  int vcd_burst = 20;     ///< token-bucket burst per edge gateway
  int vcd_max_concurrent_requests = 8;
  std::chrono::milliseconds request_timeout{30000};
  task_poll_section task_poll;
  tls_section tls;
  naming_scheme naming = naming_scheme::namespaced;
  std::string load_balancer_class; ///< extra spec.loadBalancerClass vcdlb manages; "" = none
  std::string metrics_address = "0.0.0.0:10258";
  leader_election_section leader_election;
  std::string log_level = "info";
  log_format log_format_ = log_format::text;
  int worker_threads = 2; ///< CAF scheduler threads
};

/// The three supported combinations of `enableVirtualServiceSharedIP` x `oneArm`
/// (DESIGN.md): A = dedicated internal IP per port, B = shared IP with one-arm DNAT,
/// C = shared external IP used directly as the VIP.
enum class lb_mode { a, b, c };

/// The whole effective configuration.
struct cloud_config {
  vcd_section vcd;
  loadbalancer_section loadbalancer;
  std::string cluster_id; ///< from the file, else env CLUSTER_ID
  std::string vapp_name;  ///< required
  vcdlb_section vcdlb;

  [[nodiscard]] lb_mode mode() const noexcept {
    if (!loadbalancer.enable_virtual_service_shared_ip)
      return lb_mode::a;
    return loadbalancer.one_arm ? lb_mode::b : lb_mode::c;
  }
};

} // namespace vcdlb::config
