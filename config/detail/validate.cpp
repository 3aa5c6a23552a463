#include "config/detail/validate.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

#include "config/cluster_id.hpp"
#include "config/duration.hpp"
#include "config/host_port.hpp"
#include "config/ipv4.hpp"

namespace vcdlb::config::detail {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

// Values are echoed in problems; an oversized one is cut (at a UTF-8 boundary) so that the
// message stays readable.
std::string quoted(std::string_view s) {
  constexpr size_t max_shown = 64;
  if (s.size() <= max_shown)
    return "\"" + std::string{s} + "\"";
  size_t cut = max_shown;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return "\"" + std::string{s.substr(0, cut)} + "...\" (" + std::to_string(s.size()) + " bytes)";
}

std::string text_of(milliseconds d) {
  return format_duration_ms(d);
}

std::string text_of(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

// Lower-case RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Lower-case RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253)
    return false;
  while (true) {
    auto dot = s.find('.');
    if (!is_dns_label(s.substr(0, dot)))
      return false;
    if (dot == std::string_view::npos)
      return true;
    s.remove_prefix(dot + 1);
  }
}

// Kubernetes qualified name with a mandatory prefix, as spec.loadBalancerClass requires:
// "<dns-subdomain>/<name>", name = [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63.
bool is_prefixed_qualified_name(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos || !is_dns_subdomain(s.substr(0, slash)))
    return false;
  auto name = s.substr(slash + 1);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back()))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool is_url(std::string_view host) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (host.starts_with(scheme)) {
      auto rest = host.substr(scheme.size());
      return !rest.empty() && rest.front() != '/'
             && std::none_of(rest.begin(), rest.end(),
                             [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    }
  }
  return false;
}

class rules {
public:
  rules(const cloud_config& cfg, const locator& where) : cfg_(cfg), where_(where) {}

  std::vector<problem> run() {
    upstream_keys();
    one_arm();
    vcdlb_vcd();
    vcdlb_misc();
    leader_election();
    return std::move(problems_);
  }

private:
  void add(config_errc code, const std::string& key, std::string message) {
    add_at(code, key, key, std::move(message));
  }

  // Reports on `key` at the position of `at` (a related key that the user should look at).
  void add_at(config_errc code, const std::string& key, const std::string& at,
              std::string message) {
    auto pos = where_(at);
    problems_.push_back(
      problem{code, key, pos.line, pos.column, std::move(message), std::move(pos.file)});
  }

  void duration_between(const std::string& key, milliseconds value, milliseconds min,
                        milliseconds max) {
    if (value < min || value > max)
      add(config_errc::invalid_value, key,
          "must be between " + text_of(min) + " and " + text_of(max) + ", got " + text_of(value));
  }

  void int_between(const std::string& key, int value, int min, int max) {
    if (value < min || value > max)
      add(config_errc::invalid_value, key,
          "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got "
            + std::to_string(value));
  }

  void upstream_keys() {
    const auto& host = cfg_.vcd.host;
    if (host.empty())
      add(config_errc::missing_key, "vcd.host",
          "is required: the VCD URL, e.g. https://vcd.example.com");
    else if (!is_url(host))
      add(config_errc::invalid_value, "vcd.host",
          "must be a URL starting with https:// (or http://), got " + quoted(host));
    if (cfg_.loadbalancer.network.empty())
      add(config_errc::missing_key, "loadbalancer.network",
          "is required: the OVDC network whose edge gateway hosts the load balancers");
    if (cfg_.vapp_name.empty())
      add(config_errc::missing_key, "vAppName", "is required: the vApp of the cluster's VMs");
    const auto& subnet = cfg_.loadbalancer.vip_subnet;
    if (!subnet.empty() && !parse_ipv4_cidr(subnet))
      add(config_errc::invalid_value, "loadbalancer.vipSubnet",
          "must be an IPv4 CIDR like 10.0.0.0/24, got " + quoted(subnet));
    if (classify_cluster_id(cfg_.cluster_id) == cluster_id_kind::invalid)
      add(config_errc::invalid_value, "clusterid",
          "must be a VCD RDE URN (urn:vcloud:entity:<vendor>:<type>:<uuid>), start with "
          "NO_RDE_, or be empty; got "
            + quoted(cfg_.cluster_id));
  }

  void one_arm() {
    const auto& lb = cfg_.loadbalancer;
    if (!lb.one_arm) {
      if (!lb.enable_virtual_service_shared_ip)
        add_at(config_errc::missing_key, "loadbalancer.oneArm",
               "loadbalancer.enableVirtualServiceSharedIP",
               "is required when enableVirtualServiceSharedIP is false (mode A needs an internal "
               "IP range; set oneArm.startIP/endIP or enableVirtualServiceSharedIP: true)");
      return;
    }
    auto address = [&](const std::string& key,
                       const std::string& value) -> std::optional<ipv4_address> {
      if (value.empty()) {
        add(config_errc::missing_key, key, "is required when oneArm is set");
        return std::nullopt;
      }
      auto a = parse_ipv4(value);
      if (!a)
        add(config_errc::invalid_value, key,
            "must be an IPv4 address like 192.168.8.2, got " + quoted(value));
      return a;
    };
    auto start = address("loadbalancer.oneArm.startIP", lb.one_arm->start_ip);
    auto end = address("loadbalancer.oneArm.endIP", lb.one_arm->end_ip);
    if (start && end && *start > *end)
      add(config_errc::invalid_value, "loadbalancer.oneArm.startIP",
          "must not be after endIP (" + lb.one_arm->start_ip + " > " + lb.one_arm->end_ip + ")");
  }

  void vcdlb_vcd() {
    const auto& v = cfg_.vcdlb;
    if (!(v.vcd_qps > 0 && v.vcd_qps <= 1000))
      add(config_errc::invalid_value, "vcdlb.vcd.qps",
          "must be greater than 0 and at most 1000, got " + text_of(v.vcd_qps));
    int_between("vcdlb.vcd.burst", v.vcd_burst, 1, 10000);
    int_between("vcdlb.vcd.maxConcurrentRequests", v.vcd_max_concurrent_requests, 1, 64);
    duration_between("vcdlb.vcd.requestTimeout", v.request_timeout, 1s, 10min);

    const auto& tp = v.task_poll;
    duration_between("vcdlb.vcd.taskPoll.initialInterval", tp.initial_interval, 10ms, 1min);
    if (tp.max_interval < tp.initial_interval || tp.max_interval > 5min)
      add(config_errc::invalid_value, "vcdlb.vcd.taskPoll.maxInterval",
          "must be at least initialInterval (" + text_of(tp.initial_interval)
            + ") and at most 5m, got " + text_of(tp.max_interval));
    if (!(tp.multiplier >= 1.0 && tp.multiplier <= 10.0))
      add(config_errc::invalid_value, "vcdlb.vcd.taskPoll.multiplier",
          "must be between 1 and 10, got " + text_of(tp.multiplier));
    duration_between("vcdlb.vcd.taskPoll.timeout", tp.timeout, 1s, 24h);

    if (!v.tls.ca_file.empty() && v.tls.insecure_skip_verify)
      add(config_errc::invalid_value, "vcdlb.vcd.tls.insecureSkipVerify",
          "cannot be true together with caFile: either verify against caFile or skip "
          "verification");
  }

  void vcdlb_misc() {
    const auto& v = cfg_.vcdlb;
    if (!v.load_balancer_class.empty() && !is_prefixed_qualified_name(v.load_balancer_class))
      add(config_errc::invalid_value, "vcdlb.loadBalancerClass",
          "must be a domain-prefixed name like vcdlb.example.com/vcd, got "
            + quoted(v.load_balancer_class));
    if (!v.metrics_address.empty() && !parse_host_port(v.metrics_address))
      add(config_errc::invalid_value, "vcdlb.metricsAddress",
          "must be HOST:PORT with a port from 1 to 65535 (e.g. 0.0.0.0:10271 or :10271; empty "
          "turns the endpoint off), got "
            + quoted(v.metrics_address));
    static constexpr std::array<std::string_view, 7> levels{"trace", "debug",    "info", "warn",
                                                            "error", "critical", "off"};
    if (std::find(levels.begin(), levels.end(), v.log.level) == levels.end())
      add(config_errc::invalid_value, "vcdlb.log.level",
          "must be one of trace, debug, info, warn, error, critical, off; got "
            + quoted(v.log.level));
    int_between("vcdlb.workerThreads", v.worker_threads, 1, 64);
  }

  void leader_election() {
    const auto& le = cfg_.vcdlb.leader_election;
    if (!is_dns_subdomain(le.lease_name))
      add(config_errc::invalid_value, "vcdlb.leaderElection.leaseName",
          "must be a lower-case DNS subdomain name (RFC 1123) like vcdlb, got "
            + quoted(le.lease_name));
    if (!is_dns_label(le.lease_namespace))
      add(config_errc::invalid_value, "vcdlb.leaderElection.leaseNamespace",
          "must be a lower-case DNS label (RFC 1123) like kube-system, got "
            + quoted(le.lease_namespace));
    duration_between("vcdlb.leaderElection.leaseDuration", le.lease_duration, 1s, 10min);
    duration_between("vcdlb.leaderElection.renewDeadline", le.renew_deadline, 1s, 10min);
    duration_between("vcdlb.leaderElection.retryPeriod", le.retry_period, 100ms, 10min);
    // client-go's leaderelection.NewLeaderElector rules.
    if (le.renew_deadline >= le.lease_duration)
      add(config_errc::invalid_value, "vcdlb.leaderElection.renewDeadline",
          "must be less than leaseDuration (" + text_of(le.renew_deadline)
            + " >= " + text_of(le.lease_duration) + ")");
    if (le.renew_deadline * 10 <= le.retry_period * 12)
      add(config_errc::invalid_value, "vcdlb.leaderElection.retryPeriod",
          "must be less than renewDeadline / 1.2 (client-go's jitter factor): retryPeriod "
            + text_of(le.retry_period) + ", renewDeadline " + text_of(le.renew_deadline));
  }

  const cloud_config& cfg_;
  const locator& where_;
  std::vector<problem> problems_;
};

} // namespace

position locate(const position_map& positions, std::string key) {
  while (true) {
    if (auto it = positions.find(key); it != positions.end())
      return it->second;
    if (key.empty())
      return {};
    auto dot = key.rfind('.');
    key = dot == std::string::npos ? std::string{} : key.substr(0, dot);
  }
}

std::vector<problem> validate_with(const cloud_config& cfg, const locator& where) {
  return rules{cfg, where}.run();
}

} // namespace vcdlb::config::detail
