#include "config/credentials.hpp"

#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

vcd_section vcd_with_org(std::string org) {
  vcd_section vcd;
  vcd.org = std::move(org);
  return vcd;
}

TEST(credentials, refresh_token_wins_over_user_and_password) {
  temp_dir dir;
  dir.write("refreshToken", "tok-123\n");
  dir.write("username", "alice\n");
  dir.write("password", "pw\n");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_TRUE(c.ok()) << format_problems_for_test(c.problems());
  EXPECT_EQ(c->method, auth_method::refresh_token);
  EXPECT_EQ(c->refresh_token.reveal(), "tok-123");
  EXPECT_TRUE(c->password.empty());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->org, "acme");
}

TEST(credentials, user_and_password_when_no_refresh_token) {
  temp_dir dir;
  dir.write("username", "alice\n");
  dir.write("password", "pw\n");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_TRUE(c.ok()) << format_problems_for_test(c.problems());
  EXPECT_EQ(c->method, auth_method::password);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->org, "acme");
  EXPECT_EQ(c->password.reveal(), "pw");
}

TEST(credentials, empty_refresh_token_file_falls_through_to_password) {
  temp_dir dir;
  dir.write("refreshToken", "");
  dir.write("username", "alice");
  dir.write("password", "pw");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, auth_method::password);
}

TEST(credentials, org_slash_user_sets_the_org) {
  temp_dir dir;
  dir.write("username", "system/admin\n");
  dir.write("password", "pw");
  auto vcd = vcd_with_org("acme");
  vcd.user_org = "ignored";
  auto c = load_credentials(dir.path(), vcd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->user, "admin");
  EXPECT_EQ(c->org, "system");
}

TEST(credentials, plain_user_takes_userorg_before_org) {
  temp_dir dir;
  dir.write("username", "alice");
  dir.write("password", "pw");
  auto vcd = vcd_with_org("acme");
  vcd.user_org = "system";
  auto c = load_credentials(dir.path(), vcd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->org, "system");
}

TEST(credentials, more_than_one_slash_is_an_error) {
  temp_dir dir;
  dir.write("username", "a/b/c");
  dir.write("password", "pw");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_FALSE(c.ok());
  ASSERT_EQ(c.problems().size(), 1u);
  const auto& p = c.problems()[0];
  EXPECT_EQ(p.code, config_errc::invalid_value);
  EXPECT_EQ(p.file, (dir.path() / "username").string());
  EXPECT_EQ(p.message, "the user name must be \"user\" or \"org/user\" (at most one '/')");
}

TEST(credentials, org_slash_user_needs_both_parts) {
  temp_dir dir;
  dir.write("username", "acme/");
  dir.write("password", "pw");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.problems()[0].message, "the \"org/user\" form needs a non-empty org and user");
}

TEST(credentials, missing_files_fall_back_to_config_values) {
  temp_dir dir; // empty
  auto vcd = vcd_with_org("acme");
  vcd.user = "bob";
  vcd.secret = secret_string{"from-config"};
  auto c = load_credentials(dir.path(), vcd);
  ASSERT_TRUE(c.ok()) << format_problems_for_test(c.problems());
  EXPECT_EQ(c->method, auth_method::password);
  EXPECT_EQ(c->user, "bob");
  EXPECT_EQ(c->password.reveal(), "from-config");
}

TEST(credentials, config_user_in_org_user_form_is_split_too) {
  auto vcd = vcd_with_org("acme");
  vcd.user = "system/bob";
  vcd.secret = secret_string{"pw"};
  auto c = load_credentials("/nonexistent/vcdlb-secrets", vcd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->user, "bob");
  EXPECT_EQ(c->org, "system");
}

TEST(credentials, config_refresh_token_is_used_when_no_file) {
  auto vcd = vcd_with_org("acme");
  vcd.refresh_token = secret_string{"cfg-token"};
  auto c = load_credentials("/nonexistent/vcdlb-secrets", vcd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, auth_method::refresh_token);
  EXPECT_EQ(c->refresh_token.reveal(), "cfg-token");
}

TEST(credentials, existing_file_overrides_config_even_when_empty) {
  temp_dir dir;
  dir.write("refreshToken", "");
  dir.write("username", "alice");
  dir.write("password", "file-pw");
  auto vcd = vcd_with_org("acme");
  vcd.refresh_token = secret_string{"cfg-token"};
  vcd.secret = secret_string{"cfg-pw"};
  auto c = load_credentials(dir.path(), vcd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, auth_method::password);
  EXPECT_EQ(c->password.reveal(), "file-pw");
}

TEST(credentials, empty_username_file_keeps_the_config_user_like_upstream) {
  // Upstream's SetAuthorization only takes the username file when it is non-empty (after
  // trimming one newline); an empty password file still overrides vcd.secret.
  temp_dir dir;
  dir.write("username", "\n");
  dir.write("password", "file-pw");
  auto vcd = vcd_with_org("acme");
  vcd.user = "tenant/bob";
  auto c = load_credentials(dir.path(), vcd);
  ASSERT_TRUE(c.ok()) << format_problems_for_test(c.problems());
  EXPECT_EQ(c->method, auth_method::password);
  EXPECT_EQ(c->user, "bob");
  EXPECT_EQ(c->org, "tenant");
  EXPECT_EQ(c->password.reveal(), "file-pw");

  // Without vcd.user the empty file leaves no user: the problem says where a user comes from.
  auto none = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.problems()[0].message.find("user (file username or vcd.user)"), std::string::npos);

  dir.write("password", "");
  auto empty_pw = load_credentials(dir.path(), vcd);
  ASSERT_FALSE(empty_pw.ok()); // an empty password file is not ignored
  EXPECT_NE(empty_pw.problems()[0].message.find("password"), std::string::npos);
}

TEST(credentials, only_one_trailing_newline_is_trimmed) {
  temp_dir dir;
  dir.write("refreshToken", "tok\n\n");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->refresh_token.reveal(), "tok\n");
  dir.write("refreshToken", "tok\r\n");
  EXPECT_EQ(load_credentials(dir.path(), vcd_with_org("acme"))->refresh_token.reveal(), "tok");
}

TEST(credentials, incomplete_set_names_what_is_missing_but_no_values) {
  temp_dir dir;
  dir.write("username", "alice");
  auto c = load_credentials(dir.path(), vcd_with_org(""));
  ASSERT_FALSE(c.ok());
  ASSERT_EQ(c.problems().size(), 1u);
  const auto& p = c.problems()[0];
  EXPECT_EQ(p.code, config_errc::missing_key);
  EXPECT_EQ(p.file, dir.path().string());
  EXPECT_EQ(p.message,
            "unable to get a valid set of credentials: no refresh token, and missing org "
            "(\"org/user\" in username, vcd.userorg or vcd.org), password (file password or "
            "vcd.secret)");
}

TEST(credentials, nothing_at_all) {
  auto c = load_credentials("/nonexistent/vcdlb-secrets", vcd_with_org("acme"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.problems()[0].message,
            "unable to get a valid set of credentials: no refresh token, and missing user (file "
            "username or vcd.user), password (file password or vcd.secret)");
}

TEST(credentials, secret_path_that_is_not_a_file_is_an_error) {
  temp_dir dir;
  std::filesystem::create_directory(dir.path() / "password");
  auto files = read_secret_files(dir.path());
  ASSERT_FALSE(files.ok());
  ASSERT_EQ(files.problems().size(), 1u);
  EXPECT_EQ(files.problems()[0].code, config_errc::unreadable_file);
  EXPECT_EQ(files.problems()[0].file, (dir.path() / "password").string());
  EXPECT_EQ(files.problems()[0].message, "is not a regular file");
}

TEST(credentials, unreadable_file_is_an_error) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root reads files regardless of their mode";
  temp_dir dir;
  auto file = dir.write("password", "pw");
  std::filesystem::permissions(file, std::filesystem::perms::none);
  auto files = read_secret_files(dir.path());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.problems()[0].message, "cannot read the secret file: Permission denied");
}

TEST(credentials, read_error_is_an_error) {
  // Reading /proc/self/mem at offset 0 fails with EIO, even for root.
  temp_dir dir;
  std::filesystem::create_symlink("/proc/self/mem", dir.path() / "refreshToken");
  auto files = read_secret_files(dir.path());
  ASSERT_FALSE(files.ok());
  ASSERT_EQ(files.problems().size(), 1u);
  EXPECT_EQ(files.problems()[0].code, config_errc::unreadable_file);
  EXPECT_EQ(files.problems()[0].message, "cannot read the secret file: Input/output error");
}

TEST(credentials, oversized_secret_file_is_an_error) {
  temp_dir dir;
  dir.write("refreshToken", std::string(max_secret_file_size + 1, 'x'));
  auto files = read_secret_files(dir.path());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.problems()[0].message, "the secret file is larger than 65536 bytes");
}

TEST(credentials, follows_kubernetes_secret_symlinks) {
  // Secret volumes are symlinks: password -> ..data/password -> ..2024_01_01/password.
  temp_dir dir;
  std::filesystem::create_directory(dir.path() / "..2024");
  dir.write("..2024/password", "pw");
  dir.write("..2024/username", "alice");
  std::filesystem::create_directory_symlink("..2024", dir.path() / "..data");
  std::filesystem::create_symlink("..data/password", dir.path() / "password");
  std::filesystem::create_symlink("..data/username", dir.path() / "username");
  auto c = load_credentials(dir.path(), vcd_with_org("acme"));
  ASSERT_TRUE(c.ok()) << format_problems_for_test(c.problems());
  EXPECT_EQ(c->password.reveal(), "pw");
}

TEST(credentials, describe_never_contains_secrets) {
  credentials c;
  c.method = auth_method::password;
  c.user = "alice";
  c.org = "acme";
  c.password = secret_string{"hunter2"};
  EXPECT_EQ(describe(c), "password for user alice (org: acme)");
  c.method = auth_method::refresh_token;
  c.refresh_token = secret_string{"tok-xyz"};
  EXPECT_EQ(describe(c), "refresh token (org: acme)");
}

} // namespace
