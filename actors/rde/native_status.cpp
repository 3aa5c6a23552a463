#include "actors/rde/native_status.hpp"

#include <map>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "actors/rde/detail/entity_json.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::rde {

namespace json = boost::json;

std::set<std::string> virtual_ips_of(const lb_objects& objects) {
  // One-arm modes: clients use the DNAT rule's external address, which leads to the VIP.
  std::map<std::pair<std::string, int32_t>, std::string> external; // (internal ip, port) -> ext
  for (const auto& d : objects.dnat_rules)
    external.emplace(std::pair{d.internal_ip, d.port}, d.external_ip);
  std::set<std::string> out;
  for (const auto& vs : objects.virtual_services) {
    auto i = external.find({vs.vip, vs.port});
    const auto& ip = i != external.end() ? i->second : vs.vip;
    if (!ip.empty())
      out.insert(ip);
  }
  return out;
}

caf::expected<std::optional<std::string>> apply_virtual_ips(std::string_view entity_body,
                                                            const vip_change& c) {
  auto parsed = detail::parse_entity_body(entity_body, "CSE");
  if (!parsed)
    return parsed.error();
  auto& doc = *parsed;
  auto& st = detail::status_of(doc);
  json::array before;
  if (const auto* cur = st.if_contains(virtual_ips_key)) {
    if (!cur->is_array())
      return detail::bad_entity(
        "the cluster's entity has a 'status.virtual_IPs' that is not an array");
    before = cur->as_array();
  }
  json::array next;
  std::set<std::string> present;
  for (const auto& v : before) {
    if (!v.is_string()) {
      next.push_back(v); // not vcdlb's to judge
      continue;
    }
    std::string ip{v.get_string()};
    if (c.owned.contains(ip)) {
      if (present.insert(ip).second)
        next.push_back(v);
      continue;
    }
    if (!c.retired.contains(ip))
      next.push_back(v);
  }
  for (const auto& ip : c.owned)
    if (!present.contains(ip))
      next.emplace_back(ip);
  if (next == before)
    return std::optional<std::string>{};
  st[virtual_ips_key] = std::move(next);
  return std::optional<std::string>{json::serialize(doc)};
}

caf::expected<std::vector<std::string>> read_virtual_ips(std::string_view entity_body) {
  json::error_code ec;
  auto doc = json::parse(entity_body, ec);
  if (ec || !doc.is_object())
    return detail::bad_entity("the cluster's entity is not a JSON object");
  std::vector<std::string> out;
  const auto* set = doc.find_pointer("/entity/status/virtual_IPs", ec);
  if (set == nullptr || !set->is_array())
    return out;
  for (const auto& v : set->as_array())
    if (v.is_string())
      out.emplace_back(v.get_string());
  return out;
}

} // namespace vcdlb::rde
