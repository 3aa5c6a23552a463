#include "config/check.hpp"

#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb::config;
using namespace vcdlb::config::test;

TEST(check, valid_config_and_secrets_print_the_effective_config) {
  temp_dir dir;
  auto file = dir.write("c.yaml", base_yaml);
  std::filesystem::create_directory(dir.path() / "auth");
  dir.write("auth/username", "acme/alice\n");
  dir.write("auth/password", "very-secret-password\n");
  auto report = check_configuration(file, dir.path() / "auth", {});
  ASSERT_TRUE(report.ok) << report.output;
  EXPECT_TRUE(report.output.starts_with("mode: A ")) << report.output;
  EXPECT_NE(report.output.find("  user: alice\n"), std::string::npos) << report.output;
  EXPECT_EQ(report.output.find("very-secret-password"), std::string::npos) << report.output;
}

TEST(check, config_and_secret_file_problems_are_reported_together) {
  temp_dir dir;
  auto file =
    dir.write("c.yaml", replaced(base_yaml, "vAppName: acme-k8s\n", "vAppName: x\nbad: 1\n"));
  std::filesystem::create_directory(dir.path() / "auth");
  std::filesystem::create_directory(dir.path() / "auth" / "refreshToken");
  auto report = check_configuration(file, dir.path() / "auth", {});
  ASSERT_FALSE(report.ok);
  EXPECT_EQ(report.output, file.string() + ":13:1: bad: unknown key\n"
                             + (dir.path() / "auth" / "refreshToken").string()
                             + ": is not a regular file\n");
}

TEST(check, missing_credentials_are_a_problem) {
  temp_dir dir;
  auto file = dir.write("c.yaml", base_yaml);
  auto report = check_configuration(file, dir.path() / "no-such-dir", {});
  ASSERT_FALSE(report.ok);
  EXPECT_EQ(report.output,
            (dir.path() / "no-such-dir").string()
              + ": unable to get a valid set of credentials: no refresh token, and missing user "
                "(file username or vcd.user), password (file password or vcd.secret)\n");
}

TEST(check, secret_values_never_appear_in_problem_output) {
  temp_dir dir;
  // A username with too many slashes must not be echoed either: it may be a pasted secret.
  auto file = dir.write("c.yaml", replaced(base_yaml, "  vdc: acme-ovdc\n",
                                           "  vdc: acme-ovdc\n  secret: cfg-password-value\n"));
  std::filesystem::create_directory(dir.path() / "auth");
  dir.write("auth/username", "tok/en/like-value");
  dir.write("auth/refreshToken", "");
  auto report = check_configuration(file, dir.path() / "auth", {});
  ASSERT_FALSE(report.ok);
  EXPECT_EQ(report.output.find("cfg-password-value"), std::string::npos) << report.output;
  EXPECT_EQ(report.output.find("like-value"), std::string::npos) << report.output;
}

} // namespace
