#include "config/load.hpp"

#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

TEST(load_all, gives_config_and_credentials) {
  temp_dir dir;
  auto file = dir.write(
    "c.yaml", replaced(base_yaml, "  vdc: acme-ovdc\n", "  vdc: acme-ovdc\n  userorg: system\n"));
  dir.write("username", "admin");
  dir.write("password", "pw");
  auto loaded = load_all(file, dir.path(), {});
  ASSERT_TRUE(loaded.ok()) << format_problems_for_test(loaded.problems());
  EXPECT_EQ(loaded->config.vapp_name, "acme-k8s");
  EXPECT_EQ(loaded->creds.method, auth_method::password);
  EXPECT_EQ(loaded->creds.user, "admin");
  EXPECT_EQ(loaded->creds.org, "system");
}

TEST(load_all, collects_config_and_secret_file_problems) {
  temp_dir dir;
  auto file = dir.write("c.yaml", base_yaml + "extra: 1\n");
  std::filesystem::create_directory(dir.path() / "username");
  auto loaded = load_all(file, dir.path(), {});
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems().size(), 2u);
  EXPECT_EQ(loaded.problems()[0].key, "extra");
  EXPECT_EQ(loaded.problems()[1].file, (dir.path() / "username").string());
  EXPECT_TRUE(has_code(loaded.error(), config_errc::unknown_key));
}

TEST(load_all, credential_rules_apply_once_files_are_readable) {
  temp_dir dir;
  auto file = dir.write("c.yaml", base_yaml);
  dir.write("username", "a/b/c");
  auto loaded = load_all(file, dir.path(), {});
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems().size(), 1u);
  EXPECT_EQ(loaded.problems()[0].message,
            "the user name must be \"user\" or \"org/user\" (at most one '/')");
}

} // namespace
