#pragma once

/// @file config/config.hpp
/// @brief The effective configuration: the upstream `vcloud-ccm-config.yaml` keys plus vcdlb's
/// own `vcdlb:` section. Plain values, no I/O; produced by config/parse.hpp, documented key by
/// key in docs/configuration.md. Safe to copy and to share read-only between threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/cluster_id.hpp"
#include "config/secret_string.hpp"

namespace vcdlb::config {

/// `vcd:` -- where VMware Cloud Director is and whose resources to use.
struct vcd_section {
  std::string host; ///< required; "https://vcd.example.com" with any trailing '/' trimmed
  std::string org;  ///< the cluster's organization
  std::string vdc;  ///< the organization VDC (name, or URN id)
  bool is_zone_enabled_cluster = false;
  // Credentials accepted in the file for upstream compatibility (keys `user`, `secret`,
  // `refreshtoken`, `userorg`); the secret files override them (config/credentials.hpp).
  std::string user;
  secret_string secret;
  secret_string refresh_token;
  std::string user_org;
};

/// `loadbalancer.oneArm:` -- inclusive IPv4 range for internal virtual IPs. Validated:
/// both are dotted-quad IPv4 addresses and start_ip <= end_ip (parse with config/ipv4.hpp).
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
  std::string cert_alias; ///< after parsing never empty: defaults to "<clusterid>-cert"
  std::string network;    ///< required: the OVDC network whose edge gateway is used
  std::string vip_subnet; ///< optional IPv4 CIDR narrowing external IP selection; "" = none
  bool enable_virtual_service_shared_ip = false;
};

/// `vcdlb.vcd.tls:` -- how vcdlb verifies VCD's certificate. Verification is on unless
/// explicitly disabled (the upstream provider never verifies).
struct tls_section {
  std::string ca_file; ///< PEM bundle; empty = the system trust store
  bool insecure_skip_verify = false;
};

/// `vcdlb.vcd.taskPoll:` -- VCD task polling: fast at first, then multiplying the interval
/// up to `max_interval`; a task still running after `timeout` counts as failed.
struct task_poll_section {
  std::chrono::milliseconds initial_interval{250};
  std::chrono::milliseconds max_interval{3000};
  double multiplier = 1.5;
  std::chrono::milliseconds timeout{std::chrono::minutes{10}};
};

/// `vcdlb.leaderElection:` -- a coordination.k8s.io Lease; client-go's default timings.
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

/// `vcdlb.log:`
struct log_section {
  std::string level = "info"; ///< trace, debug, info, warn, error, critical or off
  log_format format = log_format::text;
};

/// `vcdlb:` -- settings of vcdlb itself; every one has a default.
struct vcdlb_section {
  double vcd_qps = 10.0;               ///< `vcd.qps`: sustained requests/s per edge gateway
  int vcd_burst = 20;                  ///< `vcd.burst`: token-bucket size per edge gateway
  int vcd_max_concurrent_requests = 8; ///< `vcd.maxConcurrentRequests` per edge gateway
  std::chrono::milliseconds request_timeout{30000}; ///< `vcd.requestTimeout`, one HTTP request
  task_poll_section task_poll;                      ///< `vcd.taskPoll`
  tls_section tls;                                  ///< `vcd.tls`
  naming_scheme naming = naming_scheme::namespaced;
  std::string load_balancer_class; ///< extra spec.loadBalancerClass vcdlb manages; "" = none
  std::string metrics_address = "0.0.0.0:10271"; ///< /metrics, /healthz, /readyz; "" = off
  leader_election_section leader_election;
  log_section log;
  int worker_threads = 2; ///< CAF scheduler threads
};

/// The three supported combinations of `enableVirtualServiceSharedIP` x `oneArm`
/// (DESIGN.md): A = dedicated internal IP per port, B = shared IP with one-arm DNAT,
/// C = shared external IP used directly as the VIP.
enum class lb_mode { a, b, c };

/// "A", "B" or "C".
[[nodiscard]] std::string_view to_string(lb_mode m) noexcept;
/// "A (one-arm, dedicated: ...)" -- the letter and what it means.
[[nodiscard]] std::string_view describe(lb_mode m) noexcept;
[[nodiscard]] std::string_view to_string(naming_scheme n) noexcept;
[[nodiscard]] std::string_view to_string(log_format f) noexcept;

/// Where the upstream deployment mounts things.
inline constexpr std::string_view default_config_path =
  "/etc/kubernetes/vcloud/vcloud-ccm-config.yaml";
inline constexpr std::string_view default_secrets_dir = "/etc/kubernetes/vcloud/basic-auth";

/// Configuration files larger than this are rejected before parsing.
inline constexpr size_t max_config_file_size = 1024 * 1024;

/// The whole effective configuration.
struct cloud_config {
  vcd_section vcd;
  loadbalancer_section loadbalancer;
  std::string cluster_id; ///< from the file, else env CLUSTER_ID; "" / NO_RDE_* / RDE URN
  std::string vapp_name;  ///< required
  vcdlb_section vcdlb;

  [[nodiscard]] lb_mode mode() const noexcept {
    if (!loadbalancer.enable_virtual_service_shared_ip)
      return lb_mode::a;
    return loadbalancer.one_arm ? lb_mode::b : lb_mode::c;
  }

  /// The cluster id as embedded in upstream object names (config/cluster_id.hpp).
  [[nodiscard]] std::string_view trimmed_cluster_id() const noexcept {
    return config::trimmed_cluster_id(cluster_id);
  }
};

} // namespace vcdlb::config
