// `--vcdlb-config FILE` and `--vcd-ca-file FILE` (parse_options, load_config_file): vcdlb's own
// settings outside the upstream configuration file, their precedence and their problems.

#include <gtest/gtest.h>

#include "config/parse.hpp"
#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;
using namespace std::chrono_literals;

parse_options with_file(const std::filesystem::path& p) {
  parse_options o;
  o.vcdlb_config_file = p.string();
  return o;
}

TEST(vcdlb_config_file, upstream_file_unchanged_and_settings_from_the_extra_file) {
  temp_dir dir;
  auto cfg_file = dir.write("vcloud-ccm-config.yaml", base_yaml);
  auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto extra = dir.write("vcdlb.yaml", "vcd:\n  qps: 4\n  tls:\n    caFile: " + ca.string()
                                         + "\nleaderElection:\n  leaseName: lb\n");
  auto loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_TRUE(loaded.ok()) << format_problems_for_test(loaded.problems());
  EXPECT_EQ(loaded->vcdlb.vcd_qps, 4.0);
  EXPECT_EQ(loaded->vcdlb.tls.ca_file, ca.string());
  EXPECT_EQ(loaded->vcdlb.leader_election.lease_name, "lb");
  EXPECT_EQ(loaded->vcdlb.vcd_burst, 20); // untouched keys keep their defaults
  EXPECT_EQ(loaded->vapp_name, "acme-k8s");
}

TEST(vcdlb_config_file, its_keys_win_over_the_section_key_by_key) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml + "vcdlb:\n  vcd:\n    qps: 3\n    burst: 7\n");
  auto extra = dir.write("vcdlb.yaml", "vcd:\n  qps: 5\n");
  auto loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_TRUE(loaded.ok()) << format_problems_for_test(loaded.problems());
  EXPECT_EQ(loaded->vcdlb.vcd_qps, 5.0); // the file wins
  EXPECT_EQ(loaded->vcdlb.vcd_burst, 7); // the section's other keys stay
}

TEST(vcdlb_config_file, problems_name_the_file_line_and_full_key) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml);
  auto extra = dir.write("vcdlb.yaml", "naming: upstream\nvcd:\n  burst: 0\n  bogus: 1\n");
  auto loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems().size(), 2u) << format_problems_for_test(loaded.problems());
  // In file order: burst (line 3), then the unknown key (line 4).
  const auto& unknown = loaded.problems()[1];
  EXPECT_EQ(unknown.key, "vcdlb.vcd.bogus");
  EXPECT_EQ(unknown.code, config_errc::unknown_key);
  EXPECT_EQ(unknown.file, extra.string());
  EXPECT_EQ(unknown.line, 4);
  const auto& range = loaded.problems()[0];
  EXPECT_EQ(range.key, "vcdlb.vcd.burst");
  EXPECT_EQ(range.file, extra.string());
  EXPECT_EQ(range.line, 3);
  EXPECT_EQ(format_problem(range, cfg_file.string()),
            extra.string() + ":3:10: vcdlb.vcd.burst: must be between 1 and 10000, got 0");
}

TEST(vcdlb_config_file, cross_key_rules_see_both_sources) {
  temp_dir dir;
  // renewDeadline (section) must stay below leaseDuration (file).
  auto cfg_file =
    dir.write("c.yaml", base_yaml + "vcdlb:\n  leaderElection:\n    renewDeadline: 12s\n");
  auto extra = dir.write("vcdlb.yaml", "leaderElection:\n  leaseDuration: 10s\n");
  auto loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_FALSE(loaded.ok());
  const auto& p = loaded.problems().front();
  EXPECT_EQ(p.key, "vcdlb.leaderElection.renewDeadline");
  EXPECT_EQ(p.file, ""); // reported where renewDeadline is: the configuration file
  EXPECT_EQ(p.line, 15);
}

TEST(vcdlb_config_file, a_vcdlb_level_gets_a_hint) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml);
  auto extra = dir.write("vcdlb.yaml", "vcdlb:\n  naming: upstream\n");
  auto loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems().size(), 1u);
  EXPECT_EQ(loaded.problems()[0].key, "vcdlb.vcdlb");
  EXPECT_NE(loaded.problems()[0].message.find("without a vcdlb: level"), std::string::npos);
}

TEST(vcdlb_config_file, empty_file_is_no_settings_and_bad_yaml_is_reported) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml);
  auto empty = dir.write("empty.yaml", "");
  EXPECT_TRUE(load_config_file(cfg_file, with_file(empty)).ok());
  auto bad = dir.write("bad.yaml", "vcd: [\n");
  auto loaded = load_config_file(cfg_file, with_file(bad));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.problems()[0].file, bad.string());
  EXPECT_EQ(loaded.problems()[0].code, config_errc::invalid_yaml);
  auto list = dir.write("list.yaml", "- a\n");
  loaded = load_config_file(cfg_file, with_file(list));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.problems()[0].key, "vcdlb");
  EXPECT_EQ(loaded.problems()[0].file, list.string());
}

TEST(vcdlb_config_file, missing_file_is_reported_with_the_config_file_problems) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml);
  auto loaded = load_config_file(cfg_file, with_file(dir.path() / "nope.yaml"));
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.problems().size(), 1u);
  EXPECT_EQ(loaded.problems()[0].file, (dir.path() / "nope.yaml").string());
  EXPECT_EQ(loaded.problems()[0].code, config_errc::unreadable_file);
}

TEST(vcd_ca_file, wins_over_both_files_and_turns_verification_back_on) {
  temp_dir dir;
  auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto cfg_file =
    dir.write("c.yaml", base_yaml + "vcdlb:\n  vcd:\n    tls:\n      insecureSkipVerify: true\n");
  auto extra = dir.write("vcdlb.yaml", "vcd:\n  tls:\n    caFile: /nonexistent/other.pem\n");
  auto opts = with_file(extra);
  opts.vcd_ca_file = ca.string();
  auto loaded = load_config_file(cfg_file, opts);
  ASSERT_TRUE(loaded.ok()) << format_problems_for_test(loaded.problems());
  EXPECT_EQ(loaded->vcdlb.tls.ca_file, ca.string());
  EXPECT_FALSE(loaded->vcdlb.tls.insecure_skip_verify);
}

TEST(vcd_ca_file, unreadable_bundle_names_the_flag_or_the_key) {
  temp_dir dir;
  auto cfg_file = dir.write("c.yaml", base_yaml);
  parse_options opts;
  opts.vcd_ca_file = (dir.path() / "missing.pem").string();
  auto loaded = load_config_file(cfg_file, opts);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.problems()[0].key, "--vcd-ca-file");
  EXPECT_EQ(loaded.problems()[0].file, opts.vcd_ca_file); // the flag names its own file
  EXPECT_NE(loaded.problems()[0].message.find("does not exist"), std::string::npos);

  auto extra = dir.write("vcdlb.yaml", "vcd:\n  tls:\n    caFile: /nonexistent/ca.pem\n");
  loaded = load_config_file(cfg_file, with_file(extra));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.problems()[0].key, "vcdlb.vcd.tls.caFile");
  EXPECT_EQ(loaded.problems()[0].file, extra.string());
  EXPECT_EQ(loaded.problems()[0].line, 3);
}

TEST(vcdlb_config_file, parse_config_alone_ignores_the_file_options) {
  // parse_config is pure: the options that name files are for load_config_file.
  parse_options opts;
  opts.vcdlb_config_file = "/nonexistent/vcdlb.yaml";
  opts.vcd_ca_file = "/nonexistent/ca.pem";
  auto cfg = parse_config(base_yaml, opts);
  ASSERT_TRUE(cfg.ok());
  EXPECT_TRUE(cfg->vcdlb.tls.ca_file.empty());
}

} // namespace
