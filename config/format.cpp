#include "config/format.hpp"

#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/duration.hpp"

namespace vcdlb::config {

namespace {

std::string text(std::chrono::milliseconds d) {
  return format_duration_ms(d);
}

std::string number(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

void emit_vcdlb(YAML::Emitter& out, const vcdlb_section& v) {
  out << YAML::Key << "vcdlb" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "vcd" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "qps" << YAML::Value << number(v.vcd_qps);
  out << YAML::Key << "burst" << YAML::Value << v.vcd_burst;
  out << YAML::Key << "maxConcurrentRequests" << YAML::Value << v.vcd_max_concurrent_requests;
  out << YAML::Key << "requestTimeout" << YAML::Value << text(v.request_timeout);
  out << YAML::Key << "taskPoll" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "initialInterval" << YAML::Value << text(v.task_poll.initial_interval);
  out << YAML::Key << "maxInterval" << YAML::Value << text(v.task_poll.max_interval);
  out << YAML::Key << "multiplier" << YAML::Value << number(v.task_poll.multiplier);
  out << YAML::Key << "timeout" << YAML::Value << text(v.task_poll.timeout);
  out << YAML::EndMap;
  out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "caFile" << YAML::Value << v.tls.ca_file;
  if (v.tls.ca_file.empty())
    out << YAML::Comment("system trust store");
  out << YAML::Key << "insecureSkipVerify" << YAML::Value << v.tls.insecure_skip_verify;
  out << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "naming" << YAML::Value << std::string{to_string(v.naming)};
  out << YAML::Key << "loadBalancerClass" << YAML::Value << v.load_balancer_class;
  out << YAML::Key << "metricsAddress" << YAML::Value << v.metrics_address;
  const auto& le = v.leader_election;
  out << YAML::Key << "leaderElection" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << le.enabled;
  out << YAML::Key << "leaseName" << YAML::Value << le.lease_name;
  out << YAML::Key << "leaseNamespace" << YAML::Value << le.lease_namespace;
  out << YAML::Key << "leaseDuration" << YAML::Value << text(le.lease_duration);
  out << YAML::Key << "renewDeadline" << YAML::Value << text(le.renew_deadline);
  out << YAML::Key << "retryPeriod" << YAML::Value << text(le.retry_period);
  out << YAML::EndMap;
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value << v.log.level;
  out << YAML::Key << "format" << YAML::Value << std::string{to_string(v.log.format)};
  out << YAML::EndMap;
  out << YAML::Key << "workerThreads" << YAML::Value << v.worker_threads;
  out << YAML::EndMap;
}

} // namespace

std::string format_effective_config(const cloud_config& cfg, const credentials* creds,
                                    std::string_view secrets_dir) {
  YAML::Emitter out;
  out.SetBoolFormat(YAML::TrueFalseBool);
  out << YAML::BeginMap;
  out << YAML::Key << "mode" << YAML::Value << std::string{describe(cfg.mode())};

  out << YAML::Key << "vcd" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "host" << YAML::Value << cfg.vcd.host;
  out << YAML::Key << "org" << YAML::Value << cfg.vcd.org;
  out << YAML::Key << "vdc" << YAML::Value << cfg.vcd.vdc;
  out << YAML::Key << "isZoneEnabledCluster" << YAML::Value << cfg.vcd.is_zone_enabled_cluster;
  out << YAML::EndMap;

  const auto& lb = cfg.loadbalancer;
  out << YAML::Key << "loadbalancer" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "network" << YAML::Value << lb.network;
  out << YAML::Key << "enableVirtualServiceSharedIP" << YAML::Value
      << lb.enable_virtual_service_shared_ip;
  if (lb.one_arm) {
    out << YAML::Key << "oneArm" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "startIP" << YAML::Value << lb.one_arm->start_ip;
    out << YAML::Key << "endIP" << YAML::Value << lb.one_arm->end_ip;
    out << YAML::EndMap;
  }
  out << YAML::Key << "vipSubnet" << YAML::Value << lb.vip_subnet;
  out << YAML::Key << "certAlias" << YAML::Value << lb.cert_alias;
  out << YAML::Key << "ports" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "http" << YAML::Value << lb.ports.http;
  out << YAML::Key << "https" << YAML::Value << lb.ports.https;
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "clusterid" << YAML::Value << cfg.cluster_id;
  if (!cfg.cluster_id.empty())
    out << YAML::Comment("in object names: " + std::string{cfg.trimmed_cluster_id()});
  out << YAML::Key << "vAppName" << YAML::Value << cfg.vapp_name;

  if (creds != nullptr) {
    out << YAML::Key << "credentials" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "secretsDir" << YAML::Value << std::string{secrets_dir};
    out << YAML::Key << "method" << YAML::Value << std::string{to_string(creds->method)};
    out << YAML::Key << "user" << YAML::Value << creds->user;
    out << YAML::Key << "org" << YAML::Value << creds->org;
    out << YAML::Key << "password" << YAML::Value << std::string{redacted(creds->password)};
    out << YAML::Key << "refreshToken" << YAML::Value
        << std::string{redacted(creds->refresh_token)};
    out << YAML::EndMap;
  }

  emit_vcdlb(out, cfg.vcdlb);
  out << YAML::EndMap;
  std::string result = out.c_str();
  result += '\n';
  return result;
}

std::string format_problems(const std::vector<problem>& problems, std::string_view config_file) {
  std::string out;
  for (const auto& p : problems)
    out += format_problem(p, config_file) + '\n';
  return out;
}

} // namespace vcdlb::config
