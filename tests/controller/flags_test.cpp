#include "controller/flags.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vcdlb {
namespace {

namespace fs = std::filesystem;

const std::string mode_c_yaml = R"(vcd:
  host: https://vcd.example.com
  org: acme
  vdc: acme-ovdc
loadbalancer:
  network: acme-net
  enableVirtualServiceSharedIP: true
clusterid: urn:vcloud:entity:vmware:capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b
vAppName: acme-k8s
)";

class flags_test : public ::testing::Test {
protected:
  flags_test() {
    dir_ = fs::temp_directory_path() / ("vcdlb-flags-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "auth");
    write("auth/username", "demo-user\n");
    write("auth/password", "not-a-real-password\n");
    write("config.yaml", mode_c_yaml);
  }
  ~flags_test() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream{dir_ / name} << text;
  }

  // Parses `args` after the config and secrets flags.
  controller_flags parse(std::vector<std::string> args) {
    controller_flags f;
    CLI::App app;
    add_controller_flags(app, f);
    std::vector<std::string> argv{"vcdlb", "--cloud-config", (dir_ / "config.yaml").string(),
                                  "--secrets-dir", (dir_ / "auth").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<const char*> raw;
    for (auto& a : argv)
      raw.push_back(a.c_str());
    app.parse(static_cast<int>(raw.size()), raw.data());
    return f;
  }

  controller_options options(std::vector<std::string> args) {
    auto opts = make_controller_options(parse(std::move(args)), {});
    EXPECT_TRUE(opts.ok()) << (opts.ok() ? "" : opts.problems().front().message);
    return opts.ok() ? std::move(opts.value()) : controller_options{};
  }

  fs::path dir_;
};

TEST_F(flags_test, defaults_come_from_the_file) {
  auto o = options({});
  EXPECT_TRUE(o.leader_elect);
  EXPECT_EQ(o.metrics_address, "0.0.0.0:10271");
  EXPECT_EQ(o.kubeconfig, "");
  const auto& le = o.loaded.config.vcdlb.leader_election;
  EXPECT_EQ(le.lease_name, "vcdlb");
  EXPECT_EQ(le.lease_namespace, "kube-system");
  EXPECT_EQ(le.lease_duration, std::chrono::seconds{15});
  EXPECT_EQ(o.loaded.config.vcd.org, "acme");
  EXPECT_EQ(o.loaded.config.vcdlb.log.level, "info");
}

TEST_F(flags_test, the_deployment_command_line_parses) {
  // deploy/manifests/deployment.yaml, minus the paths this test replaces.
  auto o = options({"--leader-elect=true", "--leader-elect-lease-name=vcdlb",
                    "--leader-elect-namespace=kube-system", "--metrics-bind-address=0.0.0.0:10271",
                    "--log-format=json", "--controllers=*"});
  EXPECT_TRUE(o.leader_elect);
  EXPECT_EQ(o.loaded.config.vcdlb.log.format, config::log_format::json);
}

TEST_F(flags_test, flags_override_the_file) {
  write("config.yaml", mode_c_yaml
                         + "vcdlb:\n  leaderElection:\n    enabled: false\n"
                           "    leaseName: from-file\n  metricsAddress: 127.0.0.1:1\n");
  auto o =
    options({"--leader-elect", "--leader-elect-lease-name", "lb", "--leader-elect-namespace=ops",
             "--leader-elect-lease-duration=4s", "--leader-elect-renew-deadline=3s",
             "--leader-elect-retry-period=500ms", "--metrics-bind-address=127.0.0.1:0",
             "--kubeconfig=/k", "--context=c", "-v", "4"});
  const auto& le = o.loaded.config.vcdlb.leader_election;
  EXPECT_TRUE(o.leader_elect);
  EXPECT_TRUE(le.enabled);
  EXPECT_EQ(le.lease_name, "lb");
  EXPECT_EQ(le.lease_namespace, "ops");
  EXPECT_EQ(le.lease_duration, std::chrono::seconds{4});
  EXPECT_EQ(le.renew_deadline, std::chrono::seconds{3});
  EXPECT_EQ(le.retry_period, std::chrono::milliseconds{500});
  EXPECT_EQ(o.metrics_address, "127.0.0.1:0");
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.kube_context, "c");
  EXPECT_EQ(o.loaded.config.vcdlb.log.level, "debug");
}

TEST_F(flags_test, the_file_decides_when_the_flag_is_absent) {
  write("config.yaml", mode_c_yaml + "vcdlb:\n  leaderElection:\n    enabled: false\n");
  EXPECT_FALSE(options({}).leader_elect);
  EXPECT_TRUE(options({"--leader-elect=true"}).leader_elect);
}

TEST_F(flags_test, leader_elect_takes_go_booleans) {
  EXPECT_FALSE(options({"--leader-elect=false"}).leader_elect);
  EXPECT_FALSE(options({"--leader-elect=0"}).leader_elect);
  EXPECT_TRUE(options({"--leader-elect=T"}).leader_elect);
  EXPECT_THROW(parse({"--leader-elect=maybe"}), CLI::ValidationError);
}

TEST_F(flags_test, an_empty_metrics_address_turns_the_endpoint_off) {
  EXPECT_EQ(options({"--metrics-bind-address="}).metrics_address, "");
}

TEST_F(flags_test, concurrent_service_syncs_is_accepted) {
  auto f = parse({"--concurrent-service-syncs=5"});
  EXPECT_EQ(f.concurrent_service_syncs, 5);
  EXPECT_TRUE(make_controller_options(f, {}).ok());
}

TEST_F(flags_test, verbosity_maps_to_levels) {
  EXPECT_EQ(level_for_verbosity(0), "info");
  EXPECT_EQ(level_for_verbosity(2), "info");
  EXPECT_EQ(level_for_verbosity(4), "debug");
  EXPECT_EQ(level_for_verbosity(5), "debug");
  EXPECT_EQ(level_for_verbosity(6), "trace");
  EXPECT_EQ(options({"--v=6"}).loaded.config.vcdlb.log.level, "trace");
}

TEST_F(flags_test, kube_api_pacing_defaults_to_the_cloud_controller_managers) {
  auto o = options({});
  EXPECT_EQ(o.kube_qps, 20.0);
  EXPECT_EQ(o.kube_burst, 30);
  auto p = options({"--kube-api-qps=150.5", "--kube-api-burst", "300"});
  EXPECT_EQ(p.kube_qps, 150.5);
  EXPECT_EQ(p.kube_burst, 300);
}

TEST_F(flags_test, bad_kube_api_pacing_names_the_flag) {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--kube-api-qps=0"}, {"--kube-api-qps=-1"}, {"--kube-api-qps=nan"}}) {
    auto opts = make_controller_options(parse(args), {});
    ASSERT_FALSE(opts.ok()) << args[0];
    EXPECT_EQ(opts.problems().front().key, "--kube-api-qps");
  }
  auto opts = make_controller_options(parse({"--kube-api-burst=0"}), {});
  ASSERT_FALSE(opts.ok());
  EXPECT_EQ(opts.problems().front().key, "--kube-api-burst");
}

TEST_F(flags_test, a_bad_duration_names_the_flag) {
  auto o = make_controller_options(parse({"--leader-elect-lease-duration=soon"}), {});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.problems().front().key, "--leader-elect-lease-duration");
}

TEST_F(flags_test, flags_that_break_the_timing_rules_are_reported) {
  auto o = make_controller_options(parse({"--leader-elect-lease-duration=2s"}), {});
  ASSERT_FALSE(o.ok()); // renewDeadline 10s is not below the lease duration
  EXPECT_NE(o.problems().front().key.find("leaderElection"), std::string::npos)
    << o.problems().front().key;
}

TEST_F(flags_test, config_problems_name_the_key) {
  write("config.yaml", "vcd:\n  host: https://vcd.example.com\n");
  auto o = make_controller_options(parse({}), {});
  ASSERT_FALSE(o.ok());
  bool names_network = false;
  for (const auto& p : o.problems())
    names_network |= p.key == "loadbalancer.network";
  EXPECT_TRUE(names_network);
}

TEST_F(flags_test, missing_secrets_are_a_problem) {
  fs::remove(dir_ / "auth" / "password");
  EXPECT_FALSE(make_controller_options(parse({}), {}).ok());
}

TEST_F(flags_test, vcdlb_config_and_vcd_ca_file_leave_the_cloud_config_alone) {
  // The upstream file stays as it is; vcdlb's settings and VCD's CA come from elsewhere, and
  // the flags of the command line still win over the settings file.
  write("vcdlb.yaml", "vcd:\n  qps: 3\nleaderElection:\n  leaseName: other\nlog:\n"
                      "  format: json\n");
  write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto o = options({"--vcdlb-config", (dir_ / "vcdlb.yaml").string(), "--vcd-ca-file",
                    (dir_ / "ca.pem").string(), "--leader-elect-lease-name=vcdlb"});
  const auto& v = o.loaded.config.vcdlb;
  EXPECT_EQ(v.vcd_qps, 3.0);
  EXPECT_EQ(v.log.format, config::log_format::json);
  EXPECT_EQ(v.leader_election.lease_name, "vcdlb"); // the flag wins over the file
  EXPECT_EQ(v.tls.ca_file, (dir_ / "ca.pem").string());
  EXPECT_FALSE(v.tls.insecure_skip_verify);

  write("vcdlb.yaml", "vcd:\n  burst: 0\n");
  auto bad = make_controller_options(parse({"--vcdlb-config", (dir_ / "vcdlb.yaml").string()}), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.problems().front().key, "vcdlb.vcd.burst");
  EXPECT_EQ(bad.problems().front().file, (dir_ / "vcdlb.yaml").string());
}

TEST_F(flags_test, controllers_select_like_cloud_controller_manager) {
  auto all = options({});
  EXPECT_TRUE(all.run_service && all.run_cloud_node && all.run_cloud_node_lifecycle);
  EXPECT_EQ(all.zones_file, "/opt/vmware-cloud-director/ccm/vcloud-cse-zones.yaml");
  auto lb_only = options({"--controllers=service"});
  EXPECT_TRUE(lb_only.run_service);
  EXPECT_FALSE(lb_only.run_cloud_node || lb_only.run_cloud_node_lifecycle);
  auto nodes_only = options({"--controllers=*,-service", "--zones-file=/z.yaml"});
  EXPECT_FALSE(nodes_only.run_service);
  EXPECT_TRUE(nodes_only.run_cloud_node && nodes_only.run_cloud_node_lifecycle);
  EXPECT_EQ(nodes_only.zones_file, "/z.yaml");
  auto repeated = options({"--controllers", "cloud-node", "--controllers", "-route"});
  EXPECT_TRUE(repeated.run_cloud_node);
  EXPECT_FALSE(repeated.run_service || repeated.run_cloud_node_lifecycle);
  for (const char* bad : {"--controllers=route", "--controllers=nodes", "--controllers=-service",
                          "--controllers=*,-service,-cloud-node,-cloud-node-lifecycle"}) {
    auto o = make_controller_options(parse({bad}), {});
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_EQ(o.problems().front().key, "--controllers") << bad;
  }
  EXPECT_EQ(all.vm_read_period, std::chrono::minutes{1});
  EXPECT_EQ(options({"--vm-read-period=30s"}).vm_read_period, std::chrono::seconds{30});
  auto bad_period = make_controller_options(parse({"--vm-read-period=soon"}), {});
  ASSERT_FALSE(bad_period.ok());
  EXPECT_EQ(bad_period.problems().front().key, "--vm-read-period");
  auto r = parse_controllers({"route"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems().front().message.find("VCD has no routes"), std::string::npos);
}

} // namespace
} // namespace vcdlb
