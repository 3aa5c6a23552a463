// Runs the built `vcdlb check-config` binary end to end.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb::config::test;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

run_result run(const temp_dir& dir, const std::string& args, const std::string& env = "") {
  const auto out = dir.path() / "stdout";
  const auto err = dir.path() / "stderr";
  const std::string cmd = env + " " + quote(VCDLB_BINARY) + " " + args + " >" + quote(out.string())
                          + " 2>" + quote(err.string());
  const int status = std::system(cmd.c_str());
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string examples() {
  return std::string{VCDLB_SOURCE_DIR} + "/config/examples";
}

TEST(check_config_cli, every_example_is_valid_and_names_its_mode) {
  temp_dir dir;
  for (auto [file, mode] :
       {std::pair{"mode-a.yaml", "A"}, {"mode-b.yaml", "B"}, {"mode-c.yaml", "C"}}) {
    auto r = run(dir, "check-config --cloud-config " + quote(examples() + "/" + file)
                        + " --secrets-dir " + quote(examples() + "/basic-auth"));
    EXPECT_EQ(r.exit_code, 0) << file << "\n" << r.err;
    EXPECT_TRUE(r.out.starts_with(std::string{"mode: "} + mode + " (")) << r.out;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.find("demo-password-not-a-secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  password: <redacted>\n"), std::string::npos) << r.out;
  }
}

TEST(check_config_cli, errors_go_to_stderr_with_exit_1) {
  temp_dir dir;
  auto file =
    dir.write("bad.yaml", replaced(base_yaml, "endIP: 192.168.8.100", "endIP: 192.168.8.1000")
                            + "vcdlb:\n  vcd:\n    qbs: 5\n");
  dir.write("password", "p4ssw0rd-value");
  dir.write("username", "alice");
  auto r = run(dir, "check-config --cloud-config " + quote(file.string()) + " --secrets-dir "
                      + quote(dir.path().string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, file.string()
                     + ":8:12: loadbalancer.oneArm.endIP: must be an IPv4 address like "
                       "192.168.8.2, got \"192.168.8.1000\"\n"
                     + file.string() + ":15:5: vcdlb.vcd.qbs: unknown key\n");
}

TEST(check_config_cli, cluster_id_from_environment) {
  temp_dir dir;
  auto file = dir.write("c.yaml", replaced(base_yaml, "clusterid: NO_RDE_test\n", ""));
  dir.write("refreshToken", "tok-value");
  auto r = run(dir,
               "check-config --cloud-config " + quote(file.string()) + " --secrets-dir "
                 + quote(dir.path().string()),
               "CLUSTER_ID=NO_RDE_from_env");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("clusterid: NO_RDE_from_env"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("certAlias: NO_RDE_from_env-cert"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tok-value"), std::string::npos) << r.out;
}

TEST(check_config_cli, cloud_config_is_required) {
  temp_dir dir;
  auto r = run(dir, "check-config");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--cloud-config is required"), std::string::npos) << r.err;
}

TEST(check_config_cli, vcdlb_config_and_vcd_ca_file) {
  temp_dir dir;
  auto cfg = dir.write("vcloud-ccm-config.yaml", base_yaml);
  dir.write("username", "alice");
  dir.write("password", "p4ssw0rd-value");
  auto own = dir.write("vcdlb.yaml", "naming: upstream\nvcd:\n  qps: 4\n");
  auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string base = "check-config --cloud-config " + quote(cfg.string()) + " --secrets-dir "
                           + quote(dir.path().string());
  auto r = run(dir, base + " --vcdlb-config " + quote(own.string()) + " --vcd-ca-file "
                      + quote(ca.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("naming: upstream"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("qps: 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("caFile: " + ca.string()), std::string::npos) << r.out;

  auto bad = dir.write("bad.yaml", "vcd:\n  tls:\n    caFile: /nonexistent/ca.pem\n");
  r = run(dir, base + " --vcdlb-config " + quote(bad.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            bad.string() + ":3:13: vcdlb.vcd.tls.caFile: \"/nonexistent/ca.pem\" does not exist\n");
  // A usage error (a missing value) is exit 2.
  EXPECT_EQ(run(dir, base + " --vcdlb-config").exit_code, 2);
}

} // namespace
