#include "actors/naming.hpp"

#include <array>
#include <utility>

#include "config/cluster_id.hpp"

namespace vcdlb::naming {

namespace {

constexpr std::string_view upstream_vs_prefix = "ingress-vs-";
constexpr std::string_view upstream_pool_prefix = "ingress-pool-";
constexpr std::string_view upstream_dnat_prefix = "dnat-";
constexpr std::string_view upstream_profile_prefix = "appPort_dnat-";

constexpr std::string_view own_vs_prefix = "vcdlb-vs-";
constexpr std::string_view own_pool_prefix = "vcdlb-pool-";
constexpr std::string_view own_dnat_prefix = "vcdlb-dnat-";
constexpr std::string_view own_profile_prefix = "vcdlb-app-";
// Every kind budgets for the longest prefix so the four names of a port share one readable cut.
constexpr size_t own_prefix_budget = own_pool_prefix.size();
constexpr size_t tag_len = 6;
constexpr size_t hash_len = 10;

// FNV-1a 64 over length-prefixed parts: stable across builds and platforms, and ("a","bc") and
// ("ab","c") hash differently.
class fnv1a {
public:
  void add(std::string_view part) {
    auto n = static_cast<uint64_t>(part.size());
    for (int i = 0; i < 8; ++i)
      byte(static_cast<uint8_t>(n >> (8 * i)));
    for (char c : part)
      byte(static_cast<uint8_t>(c));
  }
  [[nodiscard]] uint64_t value() const noexcept { return h_; }

private:
  void byte(uint8_t b) {
    h_ ^= b;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::string hex(uint64_t value, size_t digits) {
  static constexpr char alphabet[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (size_t i = 0; i < digits; ++i) {
    out[digits - 1 - i] = alphabet[value & 0xF];
    value >>= 4;
  }
  return out;
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

void append_sanitized(std::string& out, std::string_view part) {
  for (char c : part) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    out += ok ? c : '_';
  }
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<parsed_name> parse_upstream_vs_or_pool(std::string_view name,
                                                     std::string_view trimmed) {
  parsed_name result;
  result.scheme = config::naming_scheme::upstream;
  std::string_view body;
  if (starts_with(name, upstream_vs_prefix)) {
    result.kind = object_kind::virtual_service;
    body = name.substr(upstream_vs_prefix.size());
  } else if (starts_with(name, upstream_pool_prefix)) {
    result.kind = object_kind::pool;
    body = name.substr(upstream_pool_prefix.size());
  } else {
    return std::nullopt;
  }
  std::string sep;
  sep.reserve(trimmed.size() + 2);
  sep += '-';
  sep += trimmed;
  sep += '-';
  // Port names (IANA_SVC_NAME) contain neither ':' nor "--", so the last separator is the one.
  auto pos = body.rfind(sep);
  if (pos == std::string_view::npos || pos == 0)
    return std::nullopt;
  result.service = std::string{body.substr(0, pos)};
  result.port = std::string{body.substr(pos + sep.size())};
  return result;
}

} // namespace

std::string trim_cluster_id(std::string_view cluster_id) {
  return std::string{config::trimmed_cluster_id(cluster_id)};
}

std::string ip_claim_marker_prefix(std::string_view cluster_id) {
  return "cluster-" + trim_cluster_id(cluster_id) + "-namespace-";
}

std::string ip_claim_marker(std::string_view cluster_id, const service_key& key) {
  return ip_claim_marker_prefix(cluster_id) + key.ns + "-service-" + key.name;
}

std::string service_hash(std::string_view cluster_id, const service_key& key) {
  fnv1a h;
  h.add(cluster_id);
  h.add(key.ns);
  h.add(key.name);
  return hex(h.value(), hash_len);
}

std::string cluster_tag(std::string_view cluster_id) {
  fnv1a h;
  h.add(cluster_id);
  return hex(h.value() >> 40, tag_len);
}

port_names upstream_names(std::string_view cluster_id, std::string_view svc_name,
                          std::string_view port_name) {
  auto trimmed = trim_cluster_id(cluster_id);
  std::string suffix;
  suffix.reserve(svc_name.size() + trimmed.size() + port_name.size() + 2);
  suffix += svc_name;
  suffix += '-';
  suffix += trimmed;
  suffix += '-';
  suffix += port_name;
  port_names result;
  result.virtual_service = std::string{upstream_vs_prefix} + suffix;
  result.pool = std::string{upstream_pool_prefix} + suffix;
  result.dnat_rule = std::string{upstream_dnat_prefix} + result.virtual_service;
  result.app_port_profile = std::string{upstream_profile_prefix} + result.virtual_service;
  return result;
}

namespace {

// What every name vcdlb gives a Service's objects starts with after its prefix: the head
// `<cluster tag>-<service hash>-` and the readable `<ns>.<name>` (sanitized, not yet cut).
std::pair<std::string, std::string> owned_name_parts(std::string_view cluster_id,
                                                     const service_key& key) {
  std::string head;
  head.reserve(max_name_length);
  head += cluster_tag(cluster_id);
  head += '-';
  head += service_hash(cluster_id, key);
  head += '-';
  std::string readable;
  append_sanitized(readable, key.ns);
  readable += '.';
  append_sanitized(readable, key.name);
  return {std::move(head), std::move(readable)};
}

} // namespace

port_names namespaced_names(std::string_view cluster_id, const service_key& key,
                            std::string_view port_name) {
  auto [body, readable] = owned_name_parts(cluster_id, key);
  std::string port;
  append_sanitized(port, port_name);
  // Port names are at most 15 characters in Kubernetes; cut pathological ones too.
  const size_t fixed = own_prefix_budget + body.size() + 1;
  if (port.size() > max_name_length - fixed - 1)
    port.resize(max_name_length - fixed - 1);
  const size_t room = max_name_length - fixed - port.size();
  if (readable.size() > room)
    readable.resize(room);
  body += readable;
  body += '.';
  body += port;
  port_names result;
  result.virtual_service = std::string{own_vs_prefix} + body;
  result.pool = std::string{own_pool_prefix} + body;
  result.dnat_rule = std::string{own_dnat_prefix} + body;
  result.app_port_profile = std::string{own_profile_prefix} + body;
  return result;
}

bool fits(const port_names& names) noexcept {
  return names.virtual_service.size() <= max_name_length && names.pool.size() <= max_name_length
         && names.dnat_rule.size() <= max_name_length
         && names.app_port_profile.size() <= max_name_length;
}

port_names names_for(config::naming_scheme scheme, std::string_view cluster_id,
                     const service_key& key, std::string_view port_name) {
  if (scheme == config::naming_scheme::upstream) {
    auto names = upstream_names(cluster_id, key.name, port_name);
    if (fits(names))
      return names;
  }
  return namespaced_names(cluster_id, key, port_name);
}

namespace {

// `<cluster tag>-<service hash>-<rest>` after an object's prefix: the hash and the rest, when
// the tag is this cluster's and the rest has at least `min_rest` characters; nullopt for another
// cluster's object or a malformed name.
std::optional<std::pair<std::string_view, std::string_view>>
split_owned_body(std::string_view body, std::string_view cluster_id, size_t min_rest) {
  if (body.size() < tag_len + hash_len + 2 + min_rest || body[tag_len] != '-'
      || body[tag_len + 1 + hash_len] != '-')
    return std::nullopt;
  if (body.substr(0, tag_len) != cluster_tag(cluster_id))
    return std::nullopt; // another cluster's object
  auto hash = body.substr(tag_len + 1, hash_len);
  if (!is_hex(hash))
    return std::nullopt;
  return std::pair{hash, body.substr(tag_len + hash_len + 2)};
}

} // namespace

std::optional<parsed_name> parse(std::string_view name, std::string_view cluster_id) {
  // Upstream: DNAT rule and app port profile names wrap the VS name.
  if (starts_with(name, upstream_profile_prefix) || starts_with(name, upstream_dnat_prefix)) {
    bool profile = starts_with(name, upstream_profile_prefix);
    auto inner =
      name.substr(profile ? upstream_profile_prefix.size() : upstream_dnat_prefix.size());
    auto result = parse_upstream_vs_or_pool(inner, trim_cluster_id(cluster_id));
    if (!result || result->kind != object_kind::virtual_service)
      return std::nullopt;
    result->kind = profile ? object_kind::app_port_profile : object_kind::dnat_rule;
    return result;
  }
  if (starts_with(name, "ingress-"))
    return parse_upstream_vs_or_pool(name, trim_cluster_id(cluster_id));
  static constexpr std::array<std::pair<std::string_view, object_kind>, 4> own{{
    {own_vs_prefix, object_kind::virtual_service},
    {own_pool_prefix, object_kind::pool},
    {own_dnat_prefix, object_kind::dnat_rule},
    {own_profile_prefix, object_kind::app_port_profile},
  }};
  for (const auto& [prefix, kind] : own) {
    if (!starts_with(name, prefix))
      continue;
    auto parts = split_owned_body(name.substr(prefix.size()), cluster_id, 1);
    if (!parts)
      return std::nullopt;
    auto [hash, readable] = *parts;
    auto last_dot = readable.rfind('.');
    if (last_dot == std::string_view::npos)
      return std::nullopt;
    parsed_name result;
    result.kind = kind;
    result.scheme = config::naming_scheme::namespaced;
    result.port = std::string{readable.substr(last_dot + 1)};
    result.service_hash = std::string{hash};
    auto svc = readable.substr(0, last_dot);
    auto dot = svc.find('.');
    if (dot != std::string_view::npos && svc.find('.', dot + 1) == std::string_view::npos) {
      service_key key{std::string{svc.substr(0, dot)}, std::string{svc.substr(dot + 1)}};
      if (service_hash(cluster_id, key) == hash) {
        result.ns = std::move(key.ns);
        result.service = std::move(key.name);
        result.complete = true;
      }
    }
    return result;
  }
  return std::nullopt;
}

bool owned_by(const parsed_name& p, std::string_view cluster_id, const service_key& key) {
  if (p.scheme == config::naming_scheme::upstream)
    return p.service == key.name;
  return p.service_hash == service_hash(cluster_id, key);
}

namespace {
constexpr std::string_view marker_key = "vcdlb-cluster-id=";
} // namespace

std::string owner_marker(std::string_view cluster_id) {
  if (cluster_id.empty())
    return {};
  std::string out{marker_key};
  out += cluster_id;
  return out;
}

std::string owner_from_description(std::string_view description) {
  auto pos = description.find(marker_key);
  if (pos == std::string_view::npos)
    return {};
  auto rest = description.substr(pos + marker_key.size());
  // Cluster ids (URNs, NO_RDE_ names) hold no blanks or brackets; they end the marker.
  auto end = rest.find_first_of(" \t\n)]");
  return std::string{rest.substr(0, end)};
}

namespace {

constexpr std::array<std::string_view, 5> firewall_prefixes{
  "vcdlb-fws-", "vcdlb-fwv-", "vcdlb-fwa-", "vcdlb-fwd-", "vcdlb-fwp-"};
constexpr size_t firewall_prefix_len = 10; // every prefix above

} // namespace

firewall_names firewall_names_for(std::string_view cluster_id, const service_key& key) {
  auto [body, readable] = owned_name_parts(cluster_id, key);
  const size_t room = max_name_length - firewall_prefix_len - body.size();
  if (readable.size() > room)
    readable.resize(room);
  body += readable;
  firewall_names out;
  out.sources = std::string{firewall_prefixes[0]} + body;
  out.vip = std::string{firewall_prefixes[1]} + body;
  out.allow_rule = std::string{firewall_prefixes[2]} + body;
  out.drop_rule = std::string{firewall_prefixes[3]} + body;
  out.ports = std::string{firewall_prefixes[4]} + body;
  return out;
}

std::optional<std::string> firewall_owner(std::string_view name, std::string_view cluster_id) {
  for (auto prefix : firewall_prefixes) {
    if (!starts_with(name, prefix))
      continue;
    auto parts = split_owned_body(name.substr(prefix.size()), cluster_id, 0);
    if (!parts)
      return std::nullopt;
    return std::string{parts->first};
  }
  return std::nullopt;
}

} // namespace vcdlb::naming
