#pragma once

/// @file adapters/vcd/sim/detail/scenario_yaml.hpp
/// @brief What reading a simulator scenario shares between its parts (scenario_parse.cpp reads
/// the YAML, scenario.cpp completes and checks the result): errors that name the offending
/// node's path, and a reader that turns yaml-cpp's type exceptions into error values.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/scenario.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd::sim::detail {

// Errors carry the YAML path of the offending node, e.g. "orgs[0].vdcs[1].name".
inline caf::error yaml_error(config_errc code, const std::string& where, const std::string& what) {
  return caf::make_error(code, "scenario: " + where + ": " + what);
}

// yaml-cpp throws on type mismatches; every access goes through these helpers, which turn a
// bad node into an error value at this boundary.
class reader {
public:
  caf::error check_keys(const YAML::Node& n, const std::string& where,
                        std::initializer_list<std::string_view> allowed) {
    if (!n.IsMap())
      return yaml_error(config_errc::wrong_type, where, "expected a mapping");
    for (const auto& kv : n) {
      auto key = kv.first.as<std::string>();
      bool ok = false;
      for (auto a : allowed)
        ok = ok || a == key;
      if (!ok)
        return yaml_error(config_errc::unknown_key, where + "." + key, "unknown key");
    }
    return {};
  }

  caf::error str(const YAML::Node& n, const char* key, const std::string& where, std::string& out,
                 bool required = false) {
    auto v = n[key];
    if (!v) {
      if (required)
        return yaml_error(config_errc::missing_key, where + "." + key, "required");
      return {};
    }
    if (!v.IsScalar())
      return yaml_error(config_errc::wrong_type, where + "." + key, "expected a string");
    out = v.as<std::string>();
    if (required && out.empty())
      return yaml_error(config_errc::missing_key, where + "." + key, "must not be empty");
    return {};
  }

  template <class T>
  caf::error scalar(const YAML::Node& n, const char* key, const std::string& where, T& out) {
    auto v = n[key];
    if (!v)
      return {};
    try {
      out = v.as<T>();
    } catch (const YAML::Exception&) {
      return yaml_error(config_errc::wrong_type, where + "." + key, "wrong type");
    }
    return {};
  }

  template <class T>
  caf::error opt_scalar(const YAML::Node& n, const char* key, const std::string& where,
                        std::optional<T>& out) {
    auto v = n[key];
    if (!v || v.IsNull())
      return {};
    T x{};
    if (auto err = scalar(n, key, where, x))
      return err;
    out = x;
    return {};
  }

  template <class T, class F>
  caf::error list(const YAML::Node& n, const char* key, const std::string& where,
                  std::vector<T>& out, F parse_one) {
    auto v = n[key];
    if (!v || v.IsNull())
      return {};
    if (!v.IsSequence())
      return yaml_error(config_errc::wrong_type, where + "." + key, "expected a list");
    for (size_t i = 0; i < v.size(); ++i) {
      T item;
      auto item_where = where + "." + key + "[" + std::to_string(i) + "]";
      if (auto err = parse_one(v[i], item_where, item))
        return err;
      out.push_back(std::move(item));
    }
    return {};
  }
};

inline caf::error check_ip(const std::string& ip, const std::string& where,
                           bool allow_empty = false) {
  if (ip.empty() && allow_empty)
    return {};
  if (!detail::parse_ipv4(ip))
    return yaml_error(config_errc::invalid_value, where, "not an IPv4 address: '" + ip + "'");
  return {};
}

/// Fills derived ids and checks cross references (network -> gateway, token -> user) and
/// uniqueness of names where VCD enforces it; errors name the YAML path.
[[nodiscard]] caf::error finish_scenario(scenario& s);

} // namespace vcdlb::vcd::sim::detail
