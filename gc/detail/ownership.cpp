#include "gc/detail/ownership.hpp"

#include <array>

#include "actors/naming.hpp"

namespace vcdlb::gc::detail {

namespace {

constexpr std::string_view capvcd_marker = "capvcdCluster:";
constexpr std::string_view capvcd_urn_prefix = "urn:vcloud:entity:vmware:";
constexpr size_t uuid_len = 36;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_uuid(std::string_view s) {
  if (s.size() != uuid_len)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex)
      return false;
  }
  return true;
}

bool upstream_style(std::string_view name) {
  return starts_with(name, "ingress-vs-") || starts_with(name, "ingress-pool-")
         || starts_with(name, "dnat-ingress-vs-") || starts_with(name, "appPort_dnat-ingress-vs-");
}

bool vcdlb_style(std::string_view name) {
  static constexpr std::array<std::string_view, 4> prefixes{"vcdlb-vs-", "vcdlb-pool-",
                                                            "vcdlb-dnat-", "vcdlb-app-"};
  for (auto p : prefixes)
    if (starts_with(name, p))
      return true;
  return false;
}

// The CAPVCD cluster URN an upstream name embeds, confirmed by parsing the whole name with it.
std::string capvcd_owner(std::string_view name) {
  for (auto pos = name.find(capvcd_marker); pos != std::string_view::npos;
       pos = name.find(capvcd_marker, pos + 1)) {
    if (pos == 0 || name[pos - 1] != '-')
      continue;
    auto uuid = name.substr(pos + capvcd_marker.size(), uuid_len);
    if (!is_uuid(uuid))
      continue;
    std::string urn{capvcd_urn_prefix};
    urn += capvcd_marker;
    urn += uuid;
    if (naming::parse(name, urn))
      return urn;
  }
  return {};
}

constexpr std::string_view marker_head = "cluster-";
constexpr std::string_view marker_namespace = "-namespace-";
constexpr std::string_view marker_service = "-service-";

} // namespace

ownership owner_of(std::string_view name, std::string_view description,
                   const std::vector<std::string>& candidates) {
  ownership out;
  if (auto marked = naming::owner_from_description(description); !marked.empty()) {
    out.what = ownership::state::known;
    out.cluster_id = std::move(marked);
    out.reason = "description";
    return out;
  }
  if (upstream_style(name)) {
    if (auto urn = capvcd_owner(name); !urn.empty()) {
      out.what = ownership::state::known;
      out.cluster_id = std::move(urn);
      out.reason = "upstream name";
      return out;
    }
  }
  for (const auto& c : candidates) {
    if (naming::parse(name, c)) {
      out.what = ownership::state::known;
      out.cluster_id = c;
      out.reason = "name matches --cluster-id";
      return out;
    }
  }
  if (vcdlb_style(name)) {
    out.what = ownership::state::unknown;
    out.reason = "vcdlb name: its cluster tag matches no --cluster-id and the description names "
                 "no cluster";
  } else if (upstream_style(name)) {
    out.what = ownership::state::unknown;
    out.reason = "upstream name without a CAPVCD cluster id: name the cluster with --cluster-id";
  }
  return out;
}

ownership owner_of_allocation(std::string_view marker, const std::vector<std::string>& candidates) {
  ownership out;
  auto ns_pos = marker.find(marker_namespace);
  if (!starts_with(marker, marker_head) || ns_pos == std::string_view::npos
      || ns_pos == marker_head.size()
      || marker.find(marker_service, ns_pos + marker_namespace.size()) == std::string_view::npos)
    return out; // not a Service's claim marker
  auto trimmed = marker.substr(marker_head.size(), ns_pos - marker_head.size());
  if (starts_with(trimmed, capvcd_marker) && trimmed.size() == capvcd_marker.size() + uuid_len
      && is_uuid(trimmed.substr(capvcd_marker.size()))) {
    out.what = ownership::state::known;
    out.cluster_id = std::string{capvcd_urn_prefix} + std::string{trimmed};
    out.reason = "claim marker " + std::string{marker};
    return out;
  }
  for (const auto& c : candidates) {
    if (starts_with(marker, naming::ip_claim_marker_prefix(c))) {
      out.what = ownership::state::known;
      out.cluster_id = c;
      out.reason = "claim marker " + std::string{marker} + " of a --cluster-id";
      return out;
    }
  }
  out.what = ownership::state::unknown;
  out.reason = "claim marker " + std::string{marker}
               + " names no CAPVCD cluster: name the cluster with --cluster-id";
  return out;
}

} // namespace vcdlb::gc::detail
