#include "config/format.hpp"

#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

cloud_config parsed(const std::string& yaml) {
  auto cfg = parse_config(yaml);
  EXPECT_TRUE(cfg.ok()) << format_problems_for_test(cfg.problems());
  return cfg.ok() ? cfg.value() : cloud_config{};
}

TEST(format, starts_with_the_mode) {
  auto text = format_effective_config(parsed(base_yaml));
  EXPECT_TRUE(text.starts_with("mode: A (one-arm, dedicated; ")) << text;
  auto shared = replaced(base_yaml, "SharedIP: false", "SharedIP: true");
  EXPECT_TRUE(format_effective_config(parsed(shared)).starts_with("mode: B (")) << shared;
}

TEST(format, shows_effective_values_and_defaults) {
  auto text = format_effective_config(parsed(base_yaml));
  EXPECT_NE(text.find("  host: https://vcd.example.com\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  certAlias: NO_RDE_test-cert\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    startIP: 192.168.8.2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      initialInterval: 250ms\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    leaseDuration: 15s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  naming: namespaced\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    insecureSkipVerify: false\n"), std::string::npos) << text;
}

TEST(format, output_is_yaml_whose_vcdlb_section_parses_back) {
  auto in = base_yaml + "vcdlb:\n  vcd:\n    requestTimeout: 1m30s\n  workerThreads: 3\n";
  auto text = format_effective_config(parsed(in));
  auto out = parse_config(base_yaml + text.substr(text.find("vcdlb:")));
  ASSERT_TRUE(out.ok()) << format_problems_for_test(out.problems()) << text;
  EXPECT_EQ(out->vcdlb.request_timeout, std::chrono::seconds{90});
  EXPECT_EQ(out->vcdlb.worker_threads, 3);
}

TEST(format, secrets_are_redacted_never_printed) {
  auto yaml = replaced(base_yaml, "  vdc: acme-ovdc\n",
                       "  vdc: acme-ovdc\n  user: alice\n  secret: cfg-secret-value\n"
                       "  refreshtoken: cfg-token-value\n");
  auto cfg = parsed(yaml);
  credentials creds;
  creds.method = auth_method::refresh_token;
  creds.user = "alice";
  creds.org = "acme";
  creds.refresh_token = secret_string{"the-real-token-value"};
  creds.password = secret_string{"the-real-password"};
  auto text = format_effective_config(cfg, &creds, "/etc/kubernetes/vcloud/basic-auth");
  for (const char* secret :
       {"cfg-secret-value", "cfg-token-value", "the-real-token-value", "the-real-password"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked:\n" << text;
  EXPECT_NE(text.find("  password: <redacted>\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  refreshToken: <redacted>\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  method: refreshToken\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  secretsDir: /etc/kubernetes/vcloud/basic-auth\n"), std::string::npos);
}

TEST(format, unset_secret_shows_unset) {
  credentials creds;
  creds.user = "alice";
  creds.org = "acme";
  creds.password = secret_string{"pw"};
  auto text = format_effective_config(parsed(base_yaml), &creds, "/s");
  EXPECT_NE(text.find("  refreshToken: <unset>\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  password: <redacted>\n"), std::string::npos) << text;
}

TEST(format, problems_one_per_line) {
  std::vector<problem> problems{
    {config_errc::unknown_key, "vcd.x", 3, 3, "unknown key", {}},
    {config_errc::missing_key, "vAppName", 1, 1, "is required: the vApp of the cluster's VMs", {}},
  };
  EXPECT_EQ(format_problems(problems, "c.yaml"),
            "c.yaml:3:3: vcd.x: unknown key\n"
            "c.yaml:1:1: vAppName: is required: the vApp of the cluster's VMs\n");
}

} // namespace
