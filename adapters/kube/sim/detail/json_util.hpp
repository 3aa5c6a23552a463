#pragma once

/// @file adapters/kube/sim/detail/json_util.hpp
/// @brief Small Boost.JSON accessors shared by the double's files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace vcdlb::kube::sim::detail {

/// `obj[key]` as an object, or null when absent or not an object.
inline const boost::json::object* child(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

/// `obj[key]` as an object, created (or overwritten when of another type) if needed.
inline boost::json::object& child_mut(boost::json::object& obj, std::string_view key) {
  auto& v = obj[key];
  if (!v.is_object())
    v = boost::json::object{};
  return v.as_object();
}

/// `obj[key]` as a string, or "" when absent or not a string.
inline std::string_view str(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  const auto* s = v != nullptr ? v->if_string() : nullptr;
  return s != nullptr ? std::string_view{*s} : std::string_view{};
}

/// `obj.metadata[key]` as a string, or "".
inline std::string_view meta_str(const boost::json::object& obj, std::string_view key) {
  const auto* m = child(obj, "metadata");
  return m != nullptr ? str(*m, key) : std::string_view{};
}

/// A JSON number as int64 when it is an integer.
inline std::optional<int64_t> as_int(const boost::json::value* v) {
  if (v == nullptr)
    return std::nullopt;
  if (const auto* i = v->if_int64())
    return *i;
  if (const auto* u = v->if_uint64(); u != nullptr && *u <= INT64_MAX)
    return static_cast<int64_t>(*u);
  if (const auto* d = v->if_double();
      d != nullptr && *d == static_cast<double>(static_cast<int64_t>(*d)))
    return static_cast<int64_t>(*d);
  return std::nullopt;
}

/// Parses a decimal resourceVersion; nullopt for anything else.
inline std::optional<uint64_t> parse_rv(std::string_view text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

} // namespace vcdlb::kube::sim::detail
