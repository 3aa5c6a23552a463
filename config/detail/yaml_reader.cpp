#include "config/detail/yaml_reader.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "config/duration.hpp"

namespace vcdlb::config::detail {

namespace {

std::string_view kind_name(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Sequence:
    return "a sequence";
  case YAML::NodeType::Null:
    return "null";
  default:
    return "a scalar";
  }
}

// yaml-cpp tags non-plain (quoted or block) scalars with "!".
bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

} // namespace

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty())
    return std::string{key};
  std::string out{parent};
  out += '.';
  out += key;
  return out;
}

position position_of(const YAML::Node& node) {
  auto mark = node.Mark();
  if (mark.is_null() || mark.line < 0)
    return {};
  return {mark.line + 1, mark.column + 1, {}};
}

void yaml_reader::report(config_errc code, const std::string& path, const YAML::Node& at,
                         std::string message) {
  auto pos = position_of(at);
  problems_.push_back(problem{code, path, pos.line, pos.column, std::move(message), file_});
}

void yaml_reader::read_map(const YAML::Node& node, const std::string& path,
                           const std::vector<field>& fields) {
  if (node.IsNull())
    return;
  if (!node.IsMap()) {
    report(config_errc::wrong_type, path, node,
           "must be a mapping, not " + std::string{kind_name(node)});
    return;
  }
  std::set<std::string, std::less<>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // `it->` yields a temporary proxy; copy the (handle-like) nodes out of it.
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      report(config_errc::wrong_type, path, key_node,
             "keys must be strings, not " + std::string{kind_name(key_node)});
      continue;
    }
    const std::string& key = key_node.Scalar();
    const std::string child = join_path(path, key);
    const field* match = nullptr;
    for (const auto& f : fields)
      if (f.key == key)
        match = &f;
    if (match == nullptr) {
      report(config_errc::unknown_key, child, key_node, "unknown key");
      continue;
    }
    if (!seen.insert(key).second) {
      report(config_errc::invalid_yaml, child, key_node, "duplicate key");
      continue;
    }
    auto pos = position_of(value);
    positions_[child] = pos.line > 0 ? pos : position_of(key_node);
    positions_[child].file = file_;
    match->read(value, child);
  }
}

bool yaml_reader::read_scalar_text(const YAML::Node& node, const std::string& path,
                                   std::string_view what, std::string& out) {
  if (node.IsNull())
    return false;
  if (!node.IsScalar()) {
    report(config_errc::wrong_type, path, node,
           "must be " + std::string{what} + ", not " + std::string{kind_name(node)});
    return false;
  }
  out = node.Scalar();
  return true;
}

bool yaml_reader::read_plain_text(const YAML::Node& node, const std::string& path,
                                  std::string_view what, std::string& out) {
  if (!read_scalar_text(node, path, what, out))
    return false;
  if (is_quoted(node)) {
    report(config_errc::wrong_type, path, node,
           "must be " + std::string{what} + ", not a quoted string");
    return false;
  }
  return true;
}

void yaml_reader::read_string(const YAML::Node& node, const std::string& path, std::string& out) {
  read_scalar_text(node, path, "a string", out);
}

void yaml_reader::read_secret(const YAML::Node& node, const std::string& path, secret_string& out) {
  std::string text;
  if (read_scalar_text(node, path, "a string", text))
    out = secret_string{std::move(text)};
}

void yaml_reader::read_bool(const YAML::Node& node, const std::string& path, bool& out) {
  std::string text;
  if (!read_plain_text(node, path, "a boolean (true or false)", text))
    return;
  bool value = false;
  if (!YAML::convert<bool>::decode(node, value)) {
    report(config_errc::wrong_type, path, node,
           "must be a boolean (true or false), got \"" + text + "\"");
    return;
  }
  out = value;
}

void yaml_reader::read_int(const YAML::Node& node, const std::string& path, int64_t min,
                           int64_t max, int64_t& out) {
  std::string text;
  if (!read_plain_text(node, path, "an integer", text))
    return;
  int64_t value = 0;
  const char* first = text.data();
  if (!text.empty() && text[0] == '+')
    ++first;
  auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range
      || (ec == std::errc{} && end == text.data() + text.size() && (value < min || value > max))) {
    report(config_errc::invalid_value, path, node,
           "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got "
             + text);
    return;
  }
  if (ec != std::errc{} || end != text.data() + text.size() || first == text.data() + text.size()) {
    report(config_errc::wrong_type, path, node, "must be an integer, got \"" + text + "\"");
    return;
  }
  out = value;
}

void yaml_reader::read_double(const YAML::Node& node, const std::string& path, double& out) {
  std::string text;
  if (!read_plain_text(node, path, "a number", text))
    return;
  double value = 0;
  const char* first = text.data();
  if (!text.empty() && text[0] == '+')
    ++first;
  auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    report(config_errc::wrong_type, path, node, "must be a number, got \"" + text + "\"");
    return;
  }
  out = value;
}

void yaml_reader::read_duration(const YAML::Node& node, const std::string& path,
                                std::chrono::milliseconds& out) {
  std::string text;
  if (!read_scalar_text(node, path, "a duration string", text))
    return;
  auto value = parse_duration(text);
  if (!value) {
    report(config_errc::invalid_value, path, node,
           "must be a duration like \"250ms\", \"15s\" or \"1m30s\", got \"" + text + "\"");
    return;
  }
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*value);
}

} // namespace vcdlb::config::detail
