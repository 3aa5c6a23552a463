#pragma once

/// @file config/detail/yaml_reader.hpp
/// @brief Strict, problem-collecting reading of yaml-cpp nodes into plain values.
///
/// Every read either stores a value or appends a `problem` with the key path and the node's
/// position; nothing throws. A null value (`key:` or `key: ~`) leaves the target unchanged, so
/// the struct's default stays. Single-threaded; borrows the problem list and position map.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/problem.hpp"
#include "config/secret_string.hpp"

namespace vcdlb::config::detail {

/// 1-based; {0, 0} = unknown. `file` names the file when it is not the configuration file
/// (the `--vcdlb-config` file).
struct position {
  int line = 0;
  int column = 0;
  std::string file;
};

/// Positions of the values read, by dotted key path ("" = the document).
using position_map = std::map<std::string, position, std::less<>>;

/// "a.b" + "c" = "a.b.c"; "" + "c" = "c".
[[nodiscard]] std::string join_path(std::string_view parent, std::string_view key);

/// The 1-based position of `node`, {0, 0} if yaml-cpp has none.
[[nodiscard]] position position_of(const YAML::Node& node);

class yaml_reader {
public:
  using read_fn = std::function<void(const YAML::Node& value, const std::string& path)>;

  struct field {
    std::string_view key;
    read_fn read;
  };

  /// `file` is recorded in the problems and positions ("" = the configuration file).
  yaml_reader(std::vector<problem>& problems, position_map& positions, std::string file = {})
    : problems_(problems), positions_(positions), file_(std::move(file)) {}

  /// Reads a mapping at `path`: reports a non-mapping value, non-string keys, unknown keys
  /// (with the key's own position) and duplicate keys; records each known key's position and
  /// calls its `read`. A null node is an absent section.
  void read_map(const YAML::Node& node, const std::string& path, const std::vector<field>& fields);

  void read_string(const YAML::Node& node, const std::string& path, std::string& out);
  void read_secret(const YAML::Node& node, const std::string& path, secret_string& out);
  void read_bool(const YAML::Node& node, const std::string& path, bool& out);
  /// An integer in [min, max] (YAML plain scalar, decimal).
  void read_int(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                int64_t& out);
  void read_double(const YAML::Node& node, const std::string& path, double& out);
  /// A Go-style duration string, stored with millisecond resolution.
  void read_duration(const YAML::Node& node, const std::string& path,
                     std::chrono::milliseconds& out);

  /// One of a fixed set of words.
  template <class Enum>
  void read_enum(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::pair<std::string_view, Enum>> names, Enum& out) {
    std::string word;
    if (!read_scalar_text(node, path, "a string", word))
      return;
    std::string choices;
    for (const auto& [name, value] : names) {
      if (name == word) {
        out = value;
        return;
      }
      choices += choices.empty() ? "" : " or ";
      choices += name;
    }
    report(config_errc::invalid_value, path, node, "must be " + choices + ", got \"" + word + "\"");
  }

  void report(config_errc code, const std::string& path, const YAML::Node& at, std::string message);

private:
  // Fetches the scalar text of a non-null node; reports wrong_type for mappings/sequences.
  // Returns false when there is nothing to store (null or wrong type).
  bool read_scalar_text(const YAML::Node& node, const std::string& path, std::string_view what,
                        std::string& out);
  // Like read_scalar_text, but also rejects quoted scalars: a number or boolean written as a
  // string is a type error, as in upstream's yaml.v2 decoding.
  bool read_plain_text(const YAML::Node& node, const std::string& path, std::string_view what,
                       std::string& out);

  std::vector<problem>& problems_;
  position_map& positions_;
  std::string file_;
};

} // namespace vcdlb::config::detail
