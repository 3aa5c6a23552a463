// Configuration input that the other config tests do not already cover (they have syntax
// errors, wrong types, out-of-range values, >1 MiB files, '[' nesting and random YAML-alphabet
// mutations): binary garbage, invalid UTF-8, block and flow mapping nesting, alias expansion
// bombs and oversized keys. Every one is a list of problems with messages, never a crash or a
// hang.

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config/parse.hpp"
#include "tests/config/test_support.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::config;
using namespace vcdlb::config::test;

// Parses `text`, which must be refused; every problem says something.
std::vector<problem> refused(std::string_view text, std::string_view what) {
  auto result = parse_config(text);
  EXPECT_FALSE(result.ok()) << what << " was accepted";
  if (result.ok())
    return {};
  EXPECT_FALSE(result.problems().empty()) << what;
  for (const auto& p : result.problems()) {
    EXPECT_FALSE(p.message.empty()) << what;
    EXPECT_LE(p.message.size(), 4096u) << what << ": message of " << p.message.size() << " bytes";
  }
  return result.problems();
}

TEST(config_bad_input, binary_garbage_is_refused) {
  std::mt19937 rng{1126};
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 200; ++i) {
    std::string junk(1 + rng() % 4096, '\0');
    for (auto& c : junk)
      c = static_cast<char>(byte(rng));
    refused(junk, "random bytes #" + std::to_string(i));
  }
  refused(std::string(1000, '\0'), "NUL bytes");
  refused(std::string("\x7f"
                      "ELF\x02\x01\x01\0\0\0",
                      10),
          "an ELF header");
  refused(std::string("\x1f\x8b\x08\0", 4) + base_yaml, "gzip magic before the YAML");
  refused(std::string("\xFF\xFE", 2) + "v\0c\0d\0:\0", "UTF-16LE");
}

TEST(config_bad_input, invalid_utf8_in_keys_and_values_is_refused) {
  for (std::string seq : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"}) {
    refused(replaced(base_yaml, "org: acme", "org: ac" + seq + "me"), "invalid UTF-8 in a value");
    refused(replaced(base_yaml, "org: acme", "or" + seq + "g: acme"), "invalid UTF-8 in a key");
    auto p = refused(replaced(base_yaml, "acme-net", "\"acme" + seq + "\""),
                     "invalid UTF-8 in a quoted value");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].line, 9);
    EXPECT_EQ(p[0].column, 17);
    EXPECT_NE(p[0].message.find("not valid UTF-8"), std::string::npos) << p[0].message;
  }
}

TEST(config_bad_input, deep_block_and_flow_mappings_are_refused) {
  // 5000 levels of block mappings under a known section.
  std::string block = base_yaml + "vcdlb:\n";
  for (int i = 1; i <= 5000; ++i)
    block += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  refused(block, "5000 nested block mappings");
  // 100000 levels of flow mappings.
  std::string flow = base_yaml + "vcdlb: ";
  for (int i = 0; i < 100000; ++i)
    flow += "{a: ";
  refused(flow, "100000 nested flow mappings");
  std::string seqs = base_yaml + "vcdlb:\n";
  for (int i = 1; i <= 5000; ++i)
    seqs += std::string(static_cast<size_t>(i), ' ') + "-\n";
  refused(seqs, "5000 nested block sequences");
}

TEST(config_bad_input, alias_expansion_bombs_finish_quickly) {
  // "Billion laughs": nine levels of ten aliases each. Walking the expansion would take 10^9
  // steps; the reader must stop at the first misplaced key or wrong type.
  std::string bomb = base_yaml + "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j)
      bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  refused(bomb, "an alias bomb at the top level");
  std::string nested = replaced(base_yaml, "vAppName: acme-k8s", "vAppName: *a9");
  nested = replaced(nested, "vcd:\n", bomb.substr(base_yaml.size()) + "vcd:\n");
  refused(nested, "an alias bomb as a string value");
  const auto took = std::chrono::steady_clock::now() - start;
  // Generous: the point is "not 10^9 steps" (minutes), not speed.
  EXPECT_LT(took, std::chrono::seconds{20});
}

TEST(config_bad_input, oversized_keys_and_values_stay_bounded_in_messages) {
  const std::string long_key(500 * 1024, 'k');
  auto problems = refused(base_yaml + long_key + ": 1\n", "a 500 KiB unknown key");
  ASSERT_FALSE(problems.empty());
  const std::string long_value(900 * 1024, '9');
  auto ip = refused(replaced(base_yaml, "192.168.8.2", long_value), "a 900 KiB IP address");
  ASSERT_EQ(ip.size(), 1u);
  EXPECT_NE(ip[0].message.find("(921600 bytes)"), std::string::npos) << ip[0].message;
}

TEST(config_bad_input, binary_and_oversized_secret_files_are_problems_without_content) {
  temp_dir dir;
  auto file = dir.write("config.yaml", base_yaml);
  const std::string secret = "s3cr3t-\xFF\x01-binary";
  std::filesystem::create_directory(dir.path() / "secrets");
  dir.write("secrets/username", "admin");
  dir.write("secrets/password", std::string(2u << 20, 'p') + secret);
  auto result = load_all(file, dir.path() / "secrets", {});
  ASSERT_FALSE(result.ok());
  for (const auto& p : result.problems()) {
    EXPECT_FALSE(p.message.empty());
    EXPECT_EQ(p.message.find("pppp"), std::string::npos) << "secret content in a message";
    EXPECT_EQ(p.message.find(secret), std::string::npos) << "secret content in a message";
  }
}

} // namespace
