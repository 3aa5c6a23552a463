#pragma once

// Helpers shared by the config tests: a valid mode-A file and problem assertions.

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "config/parse.hpp"

namespace vcdlb::config::test {

// A valid mode-A configuration. Line numbers matter to the tests:
//  1 vcd:            5 loadbalancer:       9 network          11 clusterid
//  2   host          6   oneArm:          10 enableVirtual... 12 vAppName
//  3   org           7     startIP
//  4   vdc           8     endIP
inline const std::string base_yaml = R"(vcd:
  host: https://vcd.example.com
  org: acme
  vdc: acme-ovdc
loadbalancer:
  oneArm:
    startIP: 192.168.8.2
    endIP: 192.168.8.100
  network: acme-net
  enableVirtualServiceSharedIP: false
clusterid: NO_RDE_test
vAppName: acme-k8s
)";

// `text` with the first occurrence of `from` replaced by `to` (which must exist).
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "test bug: '" << from << "' not found";
  if (pos != std::string::npos)
    text.replace(pos, from.size(), to);
  return text;
}

inline std::string format_problems_for_test(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += format_problem(p, "test.yaml") + "\n";
  return out;
}

// The problems of a configuration expected to be invalid.
inline std::vector<problem> problems_of(std::string_view yaml, const parse_options& opts = {}) {
  auto result = parse_config(yaml, opts);
  EXPECT_FALSE(result.ok()) << "expected problems";
  return result.problems();
}

// Asserts that `yaml` has exactly one problem and returns it.
inline problem only_problem(std::string_view yaml, const parse_options& opts = {}) {
  auto problems = problems_of(yaml, opts);
  EXPECT_EQ(problems.size(), 1u) << format_problems_for_test(problems);
  return problems.empty() ? problem{} : problems.front();
}

// A fresh empty directory under the test temp dir, removed by the destructor.
class temp_dir {
public:
  temp_dir() {
    auto base = std::filesystem::temp_directory_path();
    for (int i = 0;; ++i) {
      path_ = base / ("vcdlb-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(i));
      if (std::filesystem::create_directory(path_))
        break;
    }
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  std::filesystem::path write(const std::string& name, std::string_view content) const {
    auto file = path_ / name;
    std::ofstream out{file, std::ios::binary};
    out << content;
    return file;
  }

private:
  std::filesystem::path path_;
};

} // namespace vcdlb::config::test
