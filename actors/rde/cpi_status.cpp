#include "actors/rde/cpi_status.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "actors/naming.hpp"
#include "actors/rde/detail/entity_json.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::rde {

namespace json = boost::json;

namespace {

constexpr std::string_view capvcd_prefix = "urn:vcloud:entity:vmware:capvcdCluster:";
constexpr std::string_view native_prefix = "urn:vcloud:entity:cse:nativeCluster:";
constexpr std::string_view no_rde_prefix = "NO_RDE_";

constexpr std::array<std::string_view, 4> lb_types{"app-port-profile", "dnat-rule", "lb-pool",
                                                   "virtual-service"};

bool is_lb_type(std::string_view t) {
  return std::find(lb_types.begin(), lb_types.end(), t) != lb_types.end();
}

std::string_view str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view{v->get_string()} : std::string_view{};
}

json::object to_json(const resource& r) {
  json::object o{{"type", r.type}, {"id", r.id}, {"name", r.name}};
  if (r.type == "virtual-service")
    o["additionalDetails"] = json::object{{"virtualIP", r.virtual_ip}};
  return o;
}

json::object to_json(const record& r, bool error) {
  return json::object{
    {"name", r.name},
    {"occurredAt", r.occurred_at},
    {"vcdResourceId", r.resource_id},
    {"vcdResourceName", r.resource_name},
    {"additionalDetails", json::object{{error ? "Detailed Error" : "Detailed Event", r.detail}}}};
}

// The array `key` of `cpi`, made an empty array when absent or of another type.
json::array& array_at(json::object& cpi, std::string_view key) {
  auto& v = cpi[key];
  if (!v.is_array())
    v = json::array{};
  return v.as_array();
}

void append_window(json::array& set, const std::vector<record>& items, bool error) {
  for (const auto& r : items)
    set.push_back(to_json(r, error));
  if (set.size() > rolling_window)
    set.erase(set.begin(), set.begin() + static_cast<std::ptrdiff_t>(set.size() - rolling_window));
}

} // namespace

cluster_id_kind classify_cluster_id(std::string_view id) noexcept {
  if (id.empty())
    return cluster_id_kind::none;
  if (id.starts_with(no_rde_prefix))
    return cluster_id_kind::no_rde;
  if (id.starts_with(capvcd_prefix) && id.size() > capvcd_prefix.size())
    return cluster_id_kind::capvcd;
  if (id.starts_with(native_prefix) && id.size() > native_prefix.size())
    return cluster_id_kind::native;
  return cluster_id_kind::unknown;
}

bool known_capvcd_version(std::string_view v) noexcept {
  return v == "1.0.0" || v == "1.1.0" || v == "1.2.0" || v == "1.3.0";
}

caf::error check_entity_type(std::string_view entity_type) {
  return check_entity_type(entity_type, cluster_id_kind::capvcd);
}

caf::error check_entity_type(std::string_view entity_type, cluster_id_kind kind) {
  std::vector<std::string_view> parts;
  std::string_view rest = entity_type;
  while (true) {
    auto colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos)
      break;
    rest.remove_prefix(colon + 1);
  }
  auto fail = [&](std::string why) {
    return caf::make_error(config_errc::invalid_value, "the cluster's entity has type '"
                                                         + std::string{entity_type} + "': " + why);
  };
  if (parts.size() != 6 || parts[0] != "urn" || parts[1] != "vcloud" || parts[2] != "type")
    return fail("not an entity type URN (urn:vcloud:type:<vendor>:<nss>:<version>)");
  if (kind == cluster_id_kind::native) {
    if (parts[3] != "cse" || parts[4] != "nativeCluster")
      return fail("not a CSE 3 native cluster (cse:nativeCluster), as the clusterid says");
    if (parts[5].empty())
      return fail("the entity type has no version");
    return {};
  }
  if (kind != cluster_id_kind::capvcd)
    return fail("vcdlb keeps no entity for this clusterid");
  if (parts[3] != "vmware" || parts[4] != "capvcdCluster")
    return fail("not a CAPVCD cluster (vmware:capvcdCluster); vcdlb keeps status.cpi only in "
                "CAPVCD/CSE 4 cluster entities");
  if (!known_capvcd_version(parts[5]))
    return fail("capvcdCluster version " + std::string{parts[5]}
                + " is not one vcdlb knows (1.0.0, 1.1.0, 1.2.0, 1.3.0)");
  return {};
}

std::string_view resource_type(object_kind k) noexcept {
  switch (k) {
  case object_kind::app_port_profile:
    return "app-port-profile";
  case object_kind::dnat_rule:
    return "dnat-rule";
  case object_kind::pool:
    return "lb-pool";
  case object_kind::virtual_service:
    return "virtual-service";
  }
  return "unknown";
}

std::vector<resource> resources_of(const lb_objects& objects) {
  // A NAT rule the gateway created but has not listed yet has a placeholder id; VCD has not
  // told it, so the item carries none until it has.
  auto real_id = [](const std::string& id) {
    return id.starts_with("unlisted:") ? std::string{} : id;
  };
  std::map<std::pair<std::string, int32_t>, std::string> external; // (internal ip, port) -> ext
  for (const auto& d : objects.dnat_rules)
    external.emplace(std::pair{d.internal_ip, d.port}, d.external_ip);
  std::vector<resource> out;
  out.reserve(objects.size());
  for (const auto& p : objects.profiles)
    out.push_back({"app-port-profile", p.id, p.name, {}});
  for (const auto& d : objects.dnat_rules)
    out.push_back({"dnat-rule", real_id(d.id), d.name, {}});
  for (const auto& p : objects.pools)
    out.push_back({"lb-pool", p.id, p.name, {}});
  for (const auto& vs : objects.virtual_services) {
    auto i = external.find({vs.vip, vs.port});
    out.push_back({"virtual-service", vs.id, vs.name, i != external.end() ? i->second : vs.vip});
  }
  std::sort(out.begin(), out.end(), [](const resource& a, const resource& b) {
    return std::tie(a.type, a.name) < std::tie(b.type, b.name);
  });
  return out;
}

caf::expected<std::optional<std::string>> apply(std::string_view entity_body, const change& c,
                                                std::string_view cluster_id) {
  auto parsed = detail::parse_entity_body(entity_body, "CAPVCD");
  if (!parsed)
    return parsed.error();
  auto& doc = *parsed;
  auto& st = detail::status_of(doc);
  // Parentheses: braces would make a one-element array of it.
  json::value before = nullptr;
  if (const auto* cur = st.if_contains("cpi"))
    before = *cur;
  if (!before.is_null() && !before.is_object())
    return detail::bad_entity("the cluster's entity has a 'status.cpi' that is not an object");
  auto& cpi_value = st["cpi"];
  if (!cpi_value.is_object())
    cpi_value = json::object{};
  auto& cpi = cpi_value.as_object();
  cpi["name"] = component_name;
  cpi["version"] = c.version;

  if (c.resources) {
    auto& set = array_at(cpi, "vcdResourceSet");
    json::array next;
    for (auto& item : set) {
      // Kept: what is not one of this cluster's load-balancer objects (another type, a name of
      // another cluster or scheme, an item vcdlb cannot read).
      if (!item.is_object()) {
        next.push_back(item);
        continue;
      }
      const auto& o = item.as_object();
      if (!is_lb_type(str(o, "type")) || !naming::parse(str(o, "name"), cluster_id))
        next.push_back(item);
    }
    for (const auto& r : *c.resources)
      next.push_back(to_json(r));
    set = std::move(next);
  }
  if (!c.resolved.empty() && cpi.contains("errorSet")) {
    auto& errors = array_at(cpi, "errorSet");
    json::array kept;
    for (auto& e : errors) {
      bool drop = false;
      if (e.is_object())
        for (const auto& [name, res] : c.resolved)
          if (str(e.as_object(), "name") == name && str(e.as_object(), "vcdResourceName") == res)
            drop = true;
      if (!drop)
        kept.push_back(e);
    }
    errors = std::move(kept);
  }
  if (!c.events.empty())
    append_window(array_at(cpi, "eventSet"), c.events, false);
  if (!c.errors.empty())
    append_window(array_at(cpi, "errorSet"), c.errors, true);
  if (before == cpi_value)
    return std::optional<std::string>{};
  return std::optional<std::string>{json::serialize(doc)};
}

caf::expected<std::vector<resource>> read_resources(std::string_view entity_body) {
  json::error_code ec;
  auto doc = json::parse(entity_body, ec);
  if (ec || !doc.is_object())
    return detail::bad_entity("the cluster's entity is not a JSON object");
  std::vector<resource> out;
  const auto* set = doc.find_pointer("/entity/status/cpi/vcdResourceSet", ec);
  if (set == nullptr || !set->is_array())
    return out;
  for (const auto& item : set->as_array()) {
    if (!item.is_object())
      continue;
    const auto& o = item.as_object();
    resource r{
      std::string{str(o, "type")}, std::string{str(o, "id")}, std::string{str(o, "name")}, {}};
    if (const auto* d = o.if_contains("additionalDetails"); d != nullptr && d->is_object())
      r.virtual_ip = std::string{str(d->as_object(), "virtualIP")};
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace vcdlb::rde
