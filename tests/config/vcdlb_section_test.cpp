// The `vcdlb:` section: reading every key, and one test per validation rule.

#include <gtest/gtest.h>

#include "config/format.hpp"
#include "config/parse.hpp"
#include "tests/config/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

// base_yaml has 12 lines, so the `vcdlb:` key is on line 13.
std::string with_vcdlb(const std::string& section) {
  return base_yaml + "vcdlb:\n" + section;
}

// The single problem of a vcdlb section, checked for key, code and message.
void expect_problem(const std::string& section, const std::string& key, config_errc code,
                    const std::string& message) {
  auto p = only_problem(with_vcdlb(section));
  EXPECT_EQ(p.key, key);
  EXPECT_EQ(p.code, code);
  EXPECT_EQ(p.message, message);
  EXPECT_GE(p.line, 14) << "reported inside the vcdlb section";
}

TEST(vcdlb_section, every_key_is_read) {
  auto cfg = parse_config(with_vcdlb(R"(  vcd:
    qps: 2.5
    burst: 5
    maxConcurrentRequests: 3
    requestTimeout: 1m30s
    taskPoll:
      initialInterval: 100ms
      maxInterval: 2s
      multiplier: 2
      timeout: 1h
    tls:
      caFile: ""
      insecureSkipVerify: true
  naming: upstream
  loadBalancerClass: vcdlb.example.com/vcd
  metricsAddress: "[::1]:9100"
  leaderElection:
    enabled: false
    leaseName: my-lease.v1
    leaseNamespace: vcdlb-system
    leaseDuration: 30s
    renewDeadline: 20s
    retryPeriod: 5s
  log:
    level: debug
    format: json
  workerThreads: 4
)"));
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  const auto& v = cfg->vcdlb;
  EXPECT_EQ(v.vcd_qps, 2.5);
  EXPECT_EQ(v.vcd_burst, 5);
  EXPECT_EQ(v.vcd_max_concurrent_requests, 3);
  EXPECT_EQ(v.request_timeout, 90s);
  EXPECT_EQ(v.task_poll.initial_interval, 100ms);
  EXPECT_EQ(v.task_poll.max_interval, 2s);
  EXPECT_EQ(v.task_poll.multiplier, 2.0);
  EXPECT_EQ(v.task_poll.timeout, 1h);
  EXPECT_TRUE(v.tls.insecure_skip_verify);
  EXPECT_EQ(v.naming, naming_scheme::upstream);
  EXPECT_EQ(v.load_balancer_class, "vcdlb.example.com/vcd");
  EXPECT_EQ(v.metrics_address, "[::1]:9100");
  EXPECT_FALSE(v.leader_election.enabled);
  EXPECT_EQ(v.leader_election.lease_name, "my-lease.v1");
  EXPECT_EQ(v.leader_election.lease_namespace, "vcdlb-system");
  EXPECT_EQ(v.leader_election.lease_duration, 30s);
  EXPECT_EQ(v.leader_election.renew_deadline, 20s);
  EXPECT_EQ(v.leader_election.retry_period, 5s);
  EXPECT_EQ(v.log.level, "debug");
  EXPECT_EQ(v.log.format, log_format::json);
  EXPECT_EQ(v.worker_threads, 4);
}

TEST(vcdlb_section, must_be_a_mapping) {
  auto p = only_problem(base_yaml + "vcdlb: fast\n");
  EXPECT_EQ(p.key, "vcdlb");
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.message, "must be a mapping, not a scalar");
  EXPECT_EQ(p.line, 13);
  EXPECT_EQ(p.column, 8);
}

TEST(vcdlb_rules, qps_positive_and_bounded) {
  expect_problem("  vcd:\n    qps: 0\n", "vcdlb.vcd.qps", config_errc::invalid_value,
                 "must be greater than 0 and at most 1000, got 0");
  expect_problem("  vcd:\n    qps: 1001\n", "vcdlb.vcd.qps", config_errc::invalid_value,
                 "must be greater than 0 and at most 1000, got 1001");
}

TEST(vcdlb_rules, qps_must_be_a_number) {
  expect_problem("  vcd:\n    qps: fast\n", "vcdlb.vcd.qps", config_errc::wrong_type,
                 "must be a number, got \"fast\"");
  expect_problem("  vcd:\n    qps: .nan\n", "vcdlb.vcd.qps", config_errc::wrong_type,
                 "must be a number, got \".nan\"");
}

TEST(vcdlb_rules, burst_range) {
  expect_problem("  vcd:\n    burst: 0\n", "vcdlb.vcd.burst", config_errc::invalid_value,
                 "must be between 1 and 10000, got 0");
}

TEST(vcdlb_rules, burst_must_be_an_integer) {
  expect_problem("  vcd:\n    burst: 2.5\n", "vcdlb.vcd.burst", config_errc::wrong_type,
                 "must be an integer, got \"2.5\"");
}

TEST(vcdlb_rules, max_concurrent_requests_range) {
  expect_problem("  vcd:\n    maxConcurrentRequests: 65\n", "vcdlb.vcd.maxConcurrentRequests",
                 config_errc::invalid_value, "must be between 1 and 64, got 65");
}

TEST(vcdlb_rules, request_timeout_range) {
  expect_problem("  vcd:\n    requestTimeout: 500ms\n", "vcdlb.vcd.requestTimeout",
                 config_errc::invalid_value, "must be between 1s and 10m, got 500ms");
}

TEST(vcdlb_rules, duration_syntax) {
  expect_problem("  vcd:\n    requestTimeout: 30\n", "vcdlb.vcd.requestTimeout",
                 config_errc::invalid_value,
                 "must be a duration like \"250ms\", \"15s\" or \"1m30s\", got \"30\"");
  expect_problem("  vcd:\n    requestTimeout: [1s]\n", "vcdlb.vcd.requestTimeout",
                 config_errc::wrong_type, "must be a duration string, not a sequence");
}

TEST(vcdlb_rules, negative_duration) {
  expect_problem("  vcd:\n    requestTimeout: -5s\n", "vcdlb.vcd.requestTimeout",
                 config_errc::invalid_value, "must be between 1s and 10m, got -5s");
}

TEST(vcdlb_rules, task_poll_initial_interval_range) {
  expect_problem("  vcd:\n    taskPoll:\n      initialInterval: 5ms\n",
                 "vcdlb.vcd.taskPoll.initialInterval", config_errc::invalid_value,
                 "must be between 10ms and 1m, got 5ms");
}

TEST(vcdlb_rules, task_poll_max_interval_not_below_initial) {
  expect_problem("  vcd:\n    taskPoll:\n      initialInterval: 2s\n      maxInterval: 1s\n",
                 "vcdlb.vcd.taskPoll.maxInterval", config_errc::invalid_value,
                 "must be at least initialInterval (2s) and at most 5m, got 1s");
}

TEST(vcdlb_rules, task_poll_max_interval_at_most_5m) {
  expect_problem("  vcd:\n    taskPoll:\n      maxInterval: 6m\n", "vcdlb.vcd.taskPoll.maxInterval",
                 config_errc::invalid_value,
                 "must be at least initialInterval (250ms) and at most 5m, got 6m");
}

TEST(vcdlb_rules, task_poll_multiplier_range) {
  expect_problem("  vcd:\n    taskPoll:\n      multiplier: 0.5\n", "vcdlb.vcd.taskPoll.multiplier",
                 config_errc::invalid_value, "must be between 1 and 10, got 0.5");
}

TEST(vcdlb_rules, task_poll_timeout_range) {
  expect_problem("  vcd:\n    taskPoll:\n      timeout: 25h\n", "vcdlb.vcd.taskPoll.timeout",
                 config_errc::invalid_value, "must be between 1s and 24h, got 25h");
}

TEST(vcdlb_rules, tls_ca_file_and_insecure_are_exclusive) {
  expect_problem("  vcd:\n    tls:\n      caFile: /etc/ca.pem\n      insecureSkipVerify: true\n",
                 "vcdlb.vcd.tls.insecureSkipVerify", config_errc::invalid_value,
                 "cannot be true together with caFile: either verify against caFile or skip "
                 "verification");
}

TEST(vcdlb_rules, naming_scheme_words) {
  expect_problem("  naming: short\n", "vcdlb.naming", config_errc::invalid_value,
                 "must be namespaced or upstream, got \"short\"");
}

TEST(vcdlb_rules, load_balancer_class_needs_a_domain_prefix) {
  expect_problem("  loadBalancerClass: vcdlb\n", "vcdlb.loadBalancerClass",
                 config_errc::invalid_value,
                 "must be a domain-prefixed name like vcdlb.example.com/vcd, got \"vcdlb\"");
  expect_problem("  loadBalancerClass: Example.com/vcd\n", "vcdlb.loadBalancerClass",
                 config_errc::invalid_value,
                 "must be a domain-prefixed name like vcdlb.example.com/vcd, got "
                 "\"Example.com/vcd\"");
}

TEST(vcdlb_rules, metrics_address_is_host_port) {
  const std::string message =
    "must be HOST:PORT with a port from 1 to 65535 (e.g. 0.0.0.0:10271 or :10271; empty turns "
    "the endpoint off), got ";
  expect_problem("  metricsAddress: \"10271\"\n", "vcdlb.metricsAddress",
                 config_errc::invalid_value, message + "\"10271\"");
  expect_problem("  metricsAddress: \"0.0.0.0:99999\"\n", "vcdlb.metricsAddress",
                 config_errc::invalid_value, message + "\"0.0.0.0:99999\"");
  auto off = parse_config(with_vcdlb("  metricsAddress: \"\"\n"));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->vcdlb.metrics_address, "");
  EXPECT_TRUE(parse_config(with_vcdlb("  metricsAddress: \":8080\"\n")).ok());
}

TEST(vcdlb_rules, lease_name_is_dns_subdomain) {
  expect_problem("  leaderElection:\n    leaseName: VCDLB\n", "vcdlb.leaderElection.leaseName",
                 config_errc::invalid_value,
                 "must be a lower-case DNS subdomain name (RFC 1123) like vcdlb, got \"VCDLB\"");
}

TEST(vcdlb_rules, lease_namespace_is_dns_label) {
  expect_problem("  leaderElection:\n    leaseNamespace: kube.system\n",
                 "vcdlb.leaderElection.leaseNamespace", config_errc::invalid_value,
                 "must be a lower-case DNS label (RFC 1123) like kube-system, got "
                 "\"kube.system\"");
}

TEST(vcdlb_rules, lease_duration_range) {
  // 20m is out of range; renewDeadline (10s) stays below it, so this is the only problem.
  expect_problem("  leaderElection:\n    leaseDuration: 20m\n",
                 "vcdlb.leaderElection.leaseDuration", config_errc::invalid_value,
                 "must be between 1s and 10m, got 20m");
}

TEST(vcdlb_rules, renew_deadline_below_lease_duration) {
  expect_problem("  leaderElection:\n    renewDeadline: 15s\n",
                 "vcdlb.leaderElection.renewDeadline", config_errc::invalid_value,
                 "must be less than leaseDuration (15s >= 15s)");
}

TEST(vcdlb_rules, retry_period_below_renew_deadline_with_jitter) {
  // 9s * 1.2 = 10.8s >= 10s: client-go refuses this.
  expect_problem("  leaderElection:\n    retryPeriod: 9s\n", "vcdlb.leaderElection.retryPeriod",
                 config_errc::invalid_value,
                 "must be less than renewDeadline / 1.2 (client-go's jitter factor): retryPeriod "
                 "9s, renewDeadline 10s");
  EXPECT_TRUE(parse_config(with_vcdlb("  leaderElection:\n    retryPeriod: 8s\n")).ok());
}

TEST(vcdlb_rules, retry_period_minimum) {
  expect_problem("  leaderElection:\n    retryPeriod: 50ms\n", "vcdlb.leaderElection.retryPeriod",
                 config_errc::invalid_value, "must be between 100ms and 10m, got 50ms");
}

TEST(vcdlb_rules, log_level_words) {
  expect_problem("  log:\n    level: verbose\n", "vcdlb.log.level", config_errc::invalid_value,
                 "must be one of trace, debug, info, warn, error, critical, off; got \"verbose\"");
}

TEST(vcdlb_rules, log_format_words) {
  expect_problem("  log:\n    format: xml\n", "vcdlb.log.format", config_errc::invalid_value,
                 "must be text or json, got \"xml\"");
}

TEST(vcdlb_rules, worker_threads_range) {
  expect_problem("  workerThreads: 0\n", "vcdlb.workerThreads", config_errc::invalid_value,
                 "must be between 1 and 64, got 0");
}

TEST(vcdlb_rules, quoted_integer_is_a_string) {
  expect_problem("  workerThreads: \"4\"\n", "vcdlb.workerThreads", config_errc::wrong_type,
                 "must be an integer, not a quoted string");
}

TEST(vcdlb_rules, validate_works_on_configs_built_in_code) {
  cloud_config cfg;
  cfg.vcd.host = "https://vcd";
  cfg.loadbalancer.network = "net";
  cfg.vapp_name = "app";
  cfg.loadbalancer.enable_virtual_service_shared_ip = true;
  EXPECT_TRUE(validate(cfg).empty());
  cfg.vcdlb.worker_threads = 100;
  auto problems = validate(cfg);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "vcdlb.workerThreads");
  EXPECT_EQ(problems[0].line, 0);
}

} // namespace
