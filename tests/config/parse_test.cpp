#include "config/parse.hpp"

#include <gtest/gtest.h>

#include "config/format.hpp"
#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

std::filesystem::path example(const std::string& name) {
  return std::filesystem::path{VCDLB_SOURCE_DIR} / "config" / "examples" / name;
}

// --- the three modes, from the upstream example configmap ---

TEST(parse_examples, mode_a_is_upstream_manifest_default) {
  auto cfg = load_config_file(example("mode-a.yaml"));
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "mode-a.yaml");
  EXPECT_EQ(cfg->mode(), lb_mode::a);
  EXPECT_EQ(cfg->vcd.host, "https://vcd.example.com");
  EXPECT_EQ(cfg->vcd.org, "acme");
  EXPECT_EQ(cfg->vcd.vdc, "acme-ovdc");
  ASSERT_TRUE(cfg->loadbalancer.one_arm);
  EXPECT_EQ(cfg->loadbalancer.one_arm->start_ip, "192.168.8.2");
  EXPECT_EQ(cfg->loadbalancer.one_arm->end_ip, "192.168.8.100");
  EXPECT_EQ(cfg->loadbalancer.ports.http, 80);
  EXPECT_EQ(cfg->loadbalancer.ports.https, 443);
  EXPECT_EQ(cfg->loadbalancer.network, "acme-k8s-net");
  EXPECT_EQ(cfg->loadbalancer.vip_subnet, "");
  EXPECT_FALSE(cfg->loadbalancer.enable_virtual_service_shared_ip);
  EXPECT_EQ(cfg->cluster_id,
            "urn:vcloud:entity:vmware:capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b");
  EXPECT_EQ(cfg->trimmed_cluster_id(), "capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b");
  EXPECT_EQ(cfg->loadbalancer.cert_alias, cfg->cluster_id + "-cert");
  EXPECT_EQ(cfg->vapp_name, "acme-k8s");
}

TEST(parse_examples, mode_b_is_shared_with_one_arm) {
  auto cfg = load_config_file(example("mode-b.yaml"));
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "mode-b.yaml");
  EXPECT_EQ(cfg->mode(), lb_mode::b);
  EXPECT_TRUE(cfg->loadbalancer.enable_virtual_service_shared_ip);
  EXPECT_TRUE(cfg->loadbalancer.one_arm);
}

TEST(parse_examples, mode_c_is_shared_without_one_arm) {
  auto cfg = load_config_file(example("mode-c.yaml"));
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "mode-c.yaml");
  EXPECT_EQ(cfg->mode(), lb_mode::c);
  EXPECT_TRUE(cfg->loadbalancer.enable_virtual_service_shared_ip);
  EXPECT_FALSE(cfg->loadbalancer.one_arm);
}

TEST(parse, mode_names) {
  EXPECT_EQ(to_string(lb_mode::a), "A");
  EXPECT_EQ(to_string(lb_mode::b), "B");
  EXPECT_EQ(to_string(lb_mode::c), "C");
  EXPECT_TRUE(describe(lb_mode::c).starts_with("C (shared, no one-arm"));
}

TEST(parse, one_arm_without_value_is_an_absent_block) {
  auto yaml = replaced(base_yaml, "enableVirtualServiceSharedIP: false",
                       "enableVirtualServiceSharedIP: true");
  yaml = replaced(yaml, "  oneArm:\n    startIP: 192.168.8.2\n    endIP: 192.168.8.100\n",
                  "  oneArm:\n");
  auto cfg = parse_config(yaml);
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  EXPECT_EQ(cfg->mode(), lb_mode::c);
}

// --- defaults ---

TEST(parse_defaults, upstream_and_vcdlb_defaults) {
  auto cfg = parse_config(base_yaml);
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  EXPECT_EQ(cfg->loadbalancer.ports.http, 80);
  EXPECT_EQ(cfg->loadbalancer.ports.https, 443);
  EXPECT_EQ(cfg->loadbalancer.cert_alias, "NO_RDE_test-cert");
  EXPECT_FALSE(cfg->vcd.is_zone_enabled_cluster);
  const auto& v = cfg->vcdlb;
  EXPECT_EQ(v.vcd_qps, 10.0);
  EXPECT_EQ(v.vcd_burst, 20);
  EXPECT_EQ(v.vcd_max_concurrent_requests, 8);
  EXPECT_EQ(v.request_timeout, std::chrono::seconds{30});
  EXPECT_EQ(v.task_poll.initial_interval, std::chrono::milliseconds{250});
  EXPECT_EQ(v.task_poll.max_interval, std::chrono::seconds{3});
  EXPECT_EQ(v.task_poll.multiplier, 1.5);
  EXPECT_EQ(v.task_poll.timeout, std::chrono::minutes{10});
  EXPECT_EQ(v.tls.ca_file, "");
  EXPECT_FALSE(v.tls.insecure_skip_verify);
  EXPECT_EQ(v.naming, naming_scheme::namespaced);
  EXPECT_EQ(v.load_balancer_class, "");
  EXPECT_EQ(v.metrics_address, "0.0.0.0:10271");
  EXPECT_TRUE(v.leader_election.enabled);
  EXPECT_EQ(v.leader_election.lease_name, "vcdlb");
  EXPECT_EQ(v.leader_election.lease_namespace, "kube-system");
  EXPECT_EQ(v.leader_election.lease_duration, std::chrono::seconds{15});
  EXPECT_EQ(v.leader_election.renew_deadline, std::chrono::seconds{10});
  EXPECT_EQ(v.leader_election.retry_period, std::chrono::seconds{2});
  EXPECT_EQ(v.log.level, "info");
  EXPECT_EQ(v.log.format, log_format::text);
  EXPECT_EQ(v.worker_threads, 2);
  // The defaults pass validation on their own.
  EXPECT_TRUE(validate(cfg.value()).empty());
}

TEST(parse_defaults, host_loses_trailing_slashes) {
  auto cfg =
    parse_config(replaced(base_yaml, "https://vcd.example.com", "https://vcd.example.com//"));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->vcd.host, "https://vcd.example.com");
}

TEST(parse_defaults, explicit_cert_alias_is_kept) {
  auto cfg = parse_config(
    replaced(base_yaml, "  network: acme-net\n", "  network: acme-net\n  certAlias: my-cert\n"));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->loadbalancer.cert_alias, "my-cert");
}

TEST(parse_defaults, cluster_id_falls_back_to_env_and_feeds_cert_alias) {
  auto yaml = replaced(base_yaml, "clusterid: NO_RDE_test\n", "");
  const std::string urn =
    "urn:vcloud:entity:cse:nativeCluster:0a1b2c3d-0000-4000-8000-00000000abcd";
  auto cfg = parse_config(yaml, parse_options{urn, {}, {}});
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  EXPECT_EQ(cfg->cluster_id, urn);
  EXPECT_EQ(cfg->loadbalancer.cert_alias, urn + "-cert");
  EXPECT_EQ(cfg->trimmed_cluster_id(), "0a1b2c3d-0000-4000-8000-00000000abcd");
}

TEST(parse_defaults, cluster_id_in_file_wins_over_env) {
  auto cfg = parse_config(base_yaml, parse_options{"NO_RDE_from_env", {}, {}});
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->cluster_id, "NO_RDE_test");
}

TEST(parse_defaults, empty_cluster_id_is_allowed_and_gives_upstream_cert_alias) {
  auto cfg = parse_config(replaced(base_yaml, "clusterid: NO_RDE_test", "clusterid: \"\""));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->cluster_id, "");
  EXPECT_EQ(cfg->loadbalancer.cert_alias, "-cert");
}

TEST(parse_defaults, null_values_keep_defaults) {
  auto cfg = parse_config(base_yaml + "vcdlb:\n  workerThreads:\n  log: ~\n");
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  EXPECT_EQ(cfg->vcdlb.worker_threads, 2);
  EXPECT_EQ(cfg->vcdlb.log.level, "info");
}

TEST(parse, upstream_credential_keys_are_accepted) {
  auto cfg = parse_config(replaced(base_yaml, "  vdc: acme-ovdc\n",
                                   "  vdc: acme-ovdc\n  user: alice\n  secret: s3cr3t\n"
                                   "  refreshtoken: tok\n  userorg: system\n"
                                   "  isZoneEnabledCluster: true\n"));
  ASSERT_TRUE(cfg.ok()) << format_problems(cfg.problems(), "t");
  EXPECT_EQ(cfg->vcd.user, "alice");
  EXPECT_EQ(cfg->vcd.secret.reveal(), "s3cr3t");
  EXPECT_EQ(cfg->vcd.refresh_token.reveal(), "tok");
  EXPECT_EQ(cfg->vcd.user_org, "system");
  EXPECT_TRUE(cfg->vcd.is_zone_enabled_cluster);
}

TEST(parse, camel_case_refresh_token_is_unknown_like_upstream_strict_mode) {
  auto p = only_problem(
    replaced(base_yaml, "  vdc: acme-ovdc\n", "  vdc: acme-ovdc\n  refreshToken: tok\n"));
  EXPECT_EQ(p.code, config_errc::unknown_key);
  EXPECT_EQ(p.key, "vcd.refreshToken");
  EXPECT_EQ(p.line, 5);
  EXPECT_EQ(p.column, 3);
  EXPECT_EQ(p.message, "unknown key");
}

TEST(parse, plain_scalars_are_accepted_for_strings_like_yaml_v2) {
  auto cfg = parse_config(replaced(base_yaml, "vAppName: acme-k8s", "vAppName: 12345"));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->vapp_name, "12345");
}

// --- validation rules: one test per rule, each asserting the message ---

TEST(parse_rules, vcd_host_is_required) {
  auto p = only_problem(replaced(base_yaml, "  host: https://vcd.example.com\n", ""));
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.key, "vcd.host");
  EXPECT_EQ(p.message, "is required: the VCD URL, e.g. https://vcd.example.com");
  // Reported at the `vcd:` mapping, the place to add it.
  EXPECT_EQ(p.line, 2);
}

TEST(parse_rules, vcd_host_must_be_a_url) {
  auto p = only_problem(replaced(base_yaml, "https://vcd.example.com", "vcd.example.com"));
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "vcd.host");
  EXPECT_EQ(p.message,
            "must be a URL starting with https:// (or http://), got \"vcd.example.com\"");
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(p.column, 9);
}

TEST(parse_rules, loadbalancer_network_is_required) {
  auto p = only_problem(replaced(base_yaml, "  network: acme-net\n", ""));
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.key, "loadbalancer.network");
  EXPECT_EQ(p.message, "is required: the OVDC network whose edge gateway hosts the load balancers");
}

TEST(parse_rules, empty_network_counts_as_missing) {
  auto p = only_problem(replaced(base_yaml, "network: acme-net", "network: \"\""));
  EXPECT_EQ(p.key, "loadbalancer.network");
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.column, 12);
}

TEST(parse_rules, vapp_name_is_required) {
  auto p = only_problem(replaced(base_yaml, "vAppName: acme-k8s\n", ""));
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.key, "vAppName");
  EXPECT_EQ(p.message, "is required: the vApp of the cluster's VMs");
  EXPECT_EQ(p.line, 1);
  EXPECT_EQ(p.column, 1);
}

TEST(parse_rules, dedicated_mode_needs_one_arm) {
  auto p = only_problem(
    replaced(base_yaml, "  oneArm:\n    startIP: 192.168.8.2\n    endIP: 192.168.8.100\n", ""));
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.key, "loadbalancer.oneArm");
  EXPECT_EQ(p.message,
            "is required when enableVirtualServiceSharedIP is false (mode A needs an internal IP "
            "range; set oneArm.startIP/endIP or enableVirtualServiceSharedIP: true)");
  // Points at the flag that makes it required.
  EXPECT_EQ(p.line, 7);
  EXPECT_EQ(p.column, 33);
}

TEST(parse_rules, shared_ip_defaults_to_false_so_one_arm_is_required) {
  auto yaml = replaced(base_yaml, "  enableVirtualServiceSharedIP: false\n", "");
  yaml = replaced(yaml, "  oneArm:\n    startIP: 192.168.8.2\n    endIP: 192.168.8.100\n", "");
  auto p = only_problem(yaml);
  EXPECT_EQ(p.key, "loadbalancer.oneArm");
}

TEST(parse_rules, one_arm_start_ip_must_be_ipv4) {
  auto p = only_problem(replaced(base_yaml, "startIP: 192.168.8.2", "startIP: 192.168.8"));
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "loadbalancer.oneArm.startIP");
  EXPECT_EQ(p.message, "must be an IPv4 address like 192.168.8.2, got \"192.168.8\"");
  EXPECT_EQ(p.line, 7);
  EXPECT_EQ(p.column, 14);
}

TEST(parse_rules, one_arm_end_ip_must_be_ipv4) {
  auto p = only_problem(replaced(base_yaml, "endIP: 192.168.8.100", "endIP: 192.168.8.256"));
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "loadbalancer.oneArm.endIP");
  EXPECT_EQ(p.message, "must be an IPv4 address like 192.168.8.2, got \"192.168.8.256\"");
  EXPECT_EQ(p.line, 8);
}

TEST(parse_rules, one_arm_addresses_are_required_in_the_block) {
  auto p = only_problem(replaced(base_yaml, "    endIP: 192.168.8.100\n", ""));
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.key, "loadbalancer.oneArm.endIP");
  EXPECT_EQ(p.message, "is required when oneArm is set");
}

TEST(parse_rules, one_arm_start_must_not_be_after_end) {
  auto yaml = replaced(base_yaml, "startIP: 192.168.8.2", "startIP: 192.168.8.101");
  auto p = only_problem(yaml);
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "loadbalancer.oneArm.startIP");
  EXPECT_EQ(p.message, "must not be after endIP (192.168.8.101 > 192.168.8.100)");
  // A one-address range is fine.
  EXPECT_TRUE(parse_config(replaced(base_yaml, "startIP: 192.168.8.2", "startIP: 192.168.8.100")));
}

TEST(parse_rules, vip_subnet_must_be_a_cidr) {
  auto yaml =
    replaced(base_yaml, "  network: acme-net\n", "  network: acme-net\n  vipSubnet: 10.1.0.0\n");
  auto p = only_problem(yaml);
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "loadbalancer.vipSubnet");
  EXPECT_EQ(p.message, "must be an IPv4 CIDR like 10.0.0.0/24, got \"10.1.0.0\"");
  EXPECT_EQ(p.line, 10);
  EXPECT_EQ(p.column, 14);
  EXPECT_TRUE(parse_config(replaced(yaml, "10.1.0.0", "10.1.0.0/16")));
}

TEST(parse_rules, cluster_id_must_be_rde_urn_no_rde_or_empty) {
  auto p = only_problem(replaced(base_yaml, "clusterid: NO_RDE_test", "clusterid: my-cluster"));
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.key, "clusterid");
  EXPECT_EQ(p.message,
            "must be a VCD RDE URN (urn:vcloud:entity:<vendor>:<type>:<uuid>), start with "
            "NO_RDE_, or be empty; got \"my-cluster\"");
  EXPECT_EQ(p.line, 11);
  EXPECT_EQ(p.column, 12);
}

TEST(parse_rules, cluster_id_from_env_is_validated_and_says_so) {
  auto yaml = replaced(base_yaml, "clusterid: NO_RDE_test\n", "");
  auto p = only_problem(yaml, parse_options{"bogus", {}, {}});
  EXPECT_EQ(p.key, "clusterid");
  EXPECT_EQ(p.line, 0);
  EXPECT_EQ(p.column, 0);
  EXPECT_EQ(p.message,
            "must be a VCD RDE URN (urn:vcloud:entity:<vendor>:<type>:<uuid>), start with "
            "NO_RDE_, or be empty; got \"bogus\" (value from environment variable CLUSTER_ID)");
}

TEST(parse_rules, every_problem_is_reported_in_file_order) {
  auto yaml = replaced(base_yaml, "https://vcd.example.com", "vcd.example.com");
  yaml = replaced(yaml, "endIP: 192.168.8.100", "endIP: x");
  yaml = replaced(yaml, "vAppName: acme-k8s\n", "");
  auto problems = problems_of(yaml);
  ASSERT_EQ(problems.size(), 3u) << format_problems_for_test(problems);
  EXPECT_EQ(problems[0].key, "vAppName"); // reported at 1:1
  EXPECT_EQ(problems[1].key, "vcd.host");
  EXPECT_EQ(problems[2].key, "loadbalancer.oneArm.endIP");
}

// --- strictness: unknown keys at several depths ---

TEST(parse_strict, unknown_top_level_key) {
  auto p = only_problem(base_yaml + "vappName: typo\n");
  EXPECT_EQ(p.code, config_errc::unknown_key);
  EXPECT_EQ(p.key, "vappName");
  EXPECT_EQ(p.line, 13);
  EXPECT_EQ(p.column, 1);
  EXPECT_EQ(p.message, "unknown key");
}

TEST(parse_strict, unknown_key_in_section) {
  // The old sample put network under vcd:, which upstream's strict decoding rejects.
  auto p =
    only_problem(replaced(base_yaml, "  vdc: acme-ovdc\n", "  vdc: acme-ovdc\n  network: n\n"));
  EXPECT_EQ(p.key, "vcd.network");
  EXPECT_EQ(p.line, 5);
  EXPECT_EQ(p.column, 3);
}

TEST(parse_strict, unknown_key_two_levels_down) {
  auto p = only_problem(
    replaced(base_yaml, "    endIP: 192.168.8.100\n", "    endIP: 192.168.8.100\n    mask: 24\n"));
  EXPECT_EQ(p.key, "loadbalancer.oneArm.mask");
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.column, 5);
}

TEST(parse_strict, unknown_key_three_levels_down_in_vcdlb) {
  auto p = only_problem(base_yaml + "vcdlb:\n  vcd:\n    taskPoll:\n      jitter: 0.1\n");
  EXPECT_EQ(p.code, config_errc::unknown_key);
  EXPECT_EQ(p.key, "vcdlb.vcd.taskPoll.jitter");
  EXPECT_EQ(p.line, 16);
  EXPECT_EQ(p.column, 7);
}

TEST(parse_strict, unknown_key_in_flow_mapping) {
  auto p = only_problem(base_yaml + "vcdlb: {log: {level: info, colour: true}}\n");
  EXPECT_EQ(p.key, "vcdlb.log.colour");
  EXPECT_EQ(p.line, 13);
  EXPECT_EQ(p.column, 28);
}

TEST(parse_strict, keys_are_case_sensitive) {
  // Both: the unknown spelling and the missing required key.
  auto problems = problems_of(replaced(base_yaml, "vAppName:", "VAppName:"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "vAppName");
  EXPECT_EQ(problems[1].key, "VAppName");
  EXPECT_EQ(problems[1].code, config_errc::unknown_key);
}

TEST(parse_strict, duplicate_key_is_an_error) {
  auto p = only_problem(base_yaml + "vAppName: other\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_EQ(p.key, "vAppName");
  EXPECT_EQ(p.message, "duplicate key");
  EXPECT_EQ(p.line, 13);
}

// --- wrong types ---

TEST(parse_types, section_must_be_a_mapping) {
  auto p = only_problem(replaced(base_yaml,
                                 "  oneArm:\n    startIP: 192.168.8.2\n    endIP: 192.168.8.100\n",
                                 "  oneArm: [192.168.8.2, 192.168.8.100]\n"));
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.key, "loadbalancer.oneArm");
  EXPECT_EQ(p.message, "must be a mapping, not a sequence");
  EXPECT_EQ(p.line, 6);
  EXPECT_EQ(p.column, 11);
}

TEST(parse_types, string_must_not_be_a_mapping) {
  auto p = only_problem(replaced(base_yaml, "vAppName: acme-k8s", "vAppName: {name: x}"));
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.key, "vAppName");
  EXPECT_EQ(p.message, "must be a string, not a mapping");
}

TEST(parse_types, bool_must_be_a_boolean) {
  auto p = only_problem(replaced(base_yaml, "enableVirtualServiceSharedIP: false",
                                 "enableVirtualServiceSharedIP: maybe"));
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.key, "loadbalancer.enableVirtualServiceSharedIP");
  EXPECT_EQ(p.message, "must be a boolean (true or false), got \"maybe\"");
  EXPECT_EQ(p.line, 10);
  EXPECT_EQ(p.column, 33);
}

TEST(parse_types, quoted_bool_is_a_string) {
  auto p = only_problem(replaced(base_yaml, "enableVirtualServiceSharedIP: false",
                                 "enableVirtualServiceSharedIP: \"true\""));
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.message, "must be a boolean (true or false), not a quoted string");
}

TEST(parse_types, yaml_1_1_booleans_are_accepted) {
  auto cfg = parse_config(replaced(base_yaml, "enableVirtualServiceSharedIP: false",
                                   "enableVirtualServiceSharedIP: yes"));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->mode(), lb_mode::b);
}

TEST(parse_types, port_must_be_an_int32) {
  auto yaml = replaced(base_yaml, "  network: acme-net\n",
                       "  network: acme-net\n  ports:\n    http: eighty\n");
  auto p = only_problem(yaml);
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.key, "loadbalancer.ports.http");
  EXPECT_EQ(p.message, "must be an integer, got \"eighty\"");
  EXPECT_EQ(p.line, 11);
  EXPECT_EQ(p.column, 11);
  auto big = only_problem(replaced(yaml, "eighty", "2147483648"));
  EXPECT_EQ(big.code, config_errc::invalid_value);
  EXPECT_EQ(big.message, "must be between -2147483648 and 2147483647, got 2147483648");
}

// --- malformed, empty, oversized ---

TEST(parse_malformed, syntax_error_has_a_position) {
  auto p = only_problem("vcd:\n  host: [https://x\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_EQ(p.key, "");
  EXPECT_TRUE(p.message.starts_with("invalid YAML: ")) << p.message;
  EXPECT_GT(p.line, 0);
}

TEST(parse_malformed, tab_indentation) {
  auto p = only_problem("vcd:\n\thost: https://x\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_TRUE(p.message.starts_with("invalid YAML: ")) << p.message;
}

TEST(parse_malformed, top_level_must_be_a_mapping) {
  auto p = only_problem("- vcd\n- loadbalancer\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_EQ(p.message, "the top level must be a mapping of keys");
  EXPECT_EQ(p.line, 1);
}

TEST(parse_malformed, scalar_document) {
  auto p = only_problem("just a string\n");
  EXPECT_EQ(p.message, "the top level must be a mapping of keys");
}

TEST(parse_malformed, more_than_one_document) {
  auto p = only_problem(base_yaml + "---\nvcd: {}\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_TRUE(p.message.starts_with("expected one YAML document, found more")) << p.message;
  EXPECT_EQ(p.line, 13); // the "---" that starts the second document
}

// yaml-cpp 0.7's LoadAll loops forever on this input (found by fuzz/config_fuzzer).
TEST(parse_malformed, stray_flow_indicator_is_an_error_not_a_hang) {
  auto p = only_problem(" , a: b\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
}

TEST(parse_malformed, non_string_key) {
  auto p = only_problem(base_yaml + "? [a, b]\n: c\n");
  EXPECT_EQ(p.code, config_errc::wrong_type);
  EXPECT_EQ(p.message, "keys must be strings, not a sequence");
}

TEST(parse_malformed, deep_nesting_is_an_error_not_a_crash) {
  std::string deep = "vcd: " + std::string(100000, '[');
  auto p = only_problem(deep);
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
}

TEST(parse_empty, empty_text) {
  auto p = only_problem("");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_EQ(p.message,
            "the configuration is empty; vcd.host, loadbalancer.network and vAppName are required");
  EXPECT_EQ(p.line, 1);
}

TEST(parse_empty, only_comments) {
  auto p = only_problem("# nothing here\n\n");
  EXPECT_EQ(p.code, config_errc::invalid_yaml);
  EXPECT_TRUE(p.message.starts_with("the configuration is empty"));
}

TEST(parse_empty, empty_file) {
  temp_dir dir;
  auto file = dir.write("empty.yaml", "");
  auto result = load_config_file(file);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems().size(), 1u);
  EXPECT_TRUE(result.problems()[0].message.starts_with("the configuration is empty"));
}

TEST(parse_file, missing_file) {
  auto result = load_config_file("/nonexistent/vcdlb/config.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems().size(), 1u);
  const auto& p = result.problems()[0];
  EXPECT_EQ(p.code, config_errc::unreadable_file);
  EXPECT_EQ(p.file, "/nonexistent/vcdlb/config.yaml");
  EXPECT_EQ(p.message, "cannot read the file: No such file or directory");
}

TEST(parse_file, oversized_file_is_rejected_before_parsing) {
  temp_dir dir;
  auto file =
    dir.write("big.yaml", base_yaml + "#" + std::string(max_config_file_size, 'x') + "\n");
  auto result = load_config_file(file);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems().size(), 1u);
  EXPECT_EQ(result.problems()[0].code, config_errc::invalid_yaml);
  EXPECT_EQ(result.problems()[0].message,
            "the file is " + std::to_string(base_yaml.size() + max_config_file_size + 2)
              + " bytes; at most 1048576 are accepted");
}

TEST(parse_file, oversized_text_is_rejected) {
  auto p = only_problem(std::string(max_config_file_size + 1, ' '));
  EXPECT_EQ(p.message, "the configuration is 1048577 bytes; at most 1048576 are accepted");
}

TEST(parse_file, reads_a_valid_file) {
  temp_dir dir;
  auto result = load_config_file(dir.write("ok.yaml", base_yaml));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems(), "ok.yaml");
  EXPECT_EQ(result->vapp_name, "acme-k8s");
}

TEST(parse_file, ca_file_must_be_readable) {
  temp_dir dir;
  auto yaml = base_yaml + "vcdlb:\n  vcd:\n    tls:\n      caFile: "
              + (dir.path() / "ca.pem").string() + "\n";
  auto result = load_config_file(dir.write("c.yaml", yaml));
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.problems().size(), 1u);
  const auto& p = result.problems()[0];
  EXPECT_EQ(p.code, config_errc::unreadable_file);
  EXPECT_EQ(p.key, "vcdlb.vcd.tls.caFile");
  EXPECT_EQ(p.message, "\"" + (dir.path() / "ca.pem").string() + "\" does not exist");
  EXPECT_EQ(p.line, 16);
  EXPECT_EQ(p.column, 15);
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  EXPECT_TRUE(load_config_file(dir.path() / "c.yaml").ok());
}

// Seeded random byte mutations of a valid file: parsing never crashes, and every failure
// comes with at least one problem that has a message.
TEST(parse_robustness, random_mutations_never_crash) {
  const std::string full = base_yaml + "vcdlb:\n  vcd:\n    taskPoll: {initialInterval: 1s}\n";
  const std::string alphabet = ":{}[]-?*&!|>'\"#%@ \n\t0123456789abcxyz.,/\\";
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = full;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = next() % text.size();
      const char c = alphabet[next() % alphabet.size()];
      switch (next() % 3) {
      case 0:
        text[at] = c;
        break;
      case 1:
        text.insert(at, 1, c);
        break;
      default:
        text.erase(at, 1);
      }
    }
    auto result = parse_config(text);
    if (result.ok())
      continue;
    ++failures;
    ASSERT_FALSE(result.problems().empty());
    for (const auto& p : result.problems()) {
      ASSERT_FALSE(p.message.empty()) << text;
      ASSERT_GE(p.line, 0);
      ASSERT_GE(p.column, 0);
    }
  }
  // Most mutations break something; the test would be meaningless otherwise.
  EXPECT_GT(failures, 1000);
}

// --- checked<T> and the single-error view ---

TEST(parse_checked, to_expected_gives_one_config_error) {
  auto yaml = replaced(base_yaml, "vAppName: acme-k8s\n", "");
  yaml = replaced(yaml, "  network: acme-net\n", "");
  auto result = parse_config(yaml).to_expected();
  ASSERT_FALSE(result);
  EXPECT_TRUE(has_code(result.error(), config_errc::missing_key));
  EXPECT_EQ(describe(result.error()),
            "config.missing_key: vAppName (line 1, column 1): is required: the vApp of the "
            "cluster's VMs; loadbalancer.network (line 6, column 3): is required: the OVDC "
            "network whose edge gateway hosts the load balancers");
}

TEST(parse_checked, to_expected_gives_the_value) {
  auto result = parse_config(base_yaml).to_expected();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->vapp_name, "acme-k8s");
  EXPECT_FALSE(parse_config(base_yaml).error());
}

} // namespace
