#include "config/cluster_id.hpp"

#include <algorithm>
#include <cctype>

namespace vcdlb::config {

namespace {

constexpr std::string_view rde_prefix = "urn:vcloud:entity:";
constexpr std::string_view vmware_prefix = "urn:vcloud:entity:vmware:";
constexpr std::string_view native_prefix = "urn:vcloud:entity:cse:nativeCluster:";

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// 8-4-4-4-12 hex digits.
bool is_uuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i]))
      return false;
  }
  return true;
}

// A vendor or type name segment of an entity URN.
bool is_name_segment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
  });
}

} // namespace

cluster_id_kind classify_cluster_id(std::string_view id) noexcept {
  if (id.empty())
    return cluster_id_kind::empty;
  if (id.starts_with("NO_RDE_"))
    return cluster_id_kind::no_rde;
  if (!id.starts_with(rde_prefix))
    return cluster_id_kind::invalid;
  auto rest = id.substr(rde_prefix.size());
  auto first = rest.find(':');
  if (first == std::string_view::npos)
    return cluster_id_kind::invalid;
  auto second = rest.find(':', first + 1);
  if (second == std::string_view::npos)
    return cluster_id_kind::invalid;
  const auto vendor = rest.substr(0, first);
  const auto type = rest.substr(first + 1, second - first - 1);
  const auto uuid = rest.substr(second + 1);
  if (is_name_segment(vendor) && is_name_segment(type) && is_uuid(uuid))
    return cluster_id_kind::rde_urn;
  return cluster_id_kind::invalid;
}

std::string_view trimmed_cluster_id(std::string_view id) noexcept {
  // Two independent TrimPrefix calls, in upstream's order.
  if (id.starts_with(vmware_prefix))
    id.remove_prefix(vmware_prefix.size());
  if (id.starts_with(native_prefix))
    id.remove_prefix(native_prefix.size());
  return id;
}

} // namespace vcdlb::config
