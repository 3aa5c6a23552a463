#include "adapters/vcd/sim/detail/transparent.hpp"

#include <string>

#include "adapters/vcd/sim/detail/handlers.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr int transparent_api = 3701;

bool transparent_on(const json::object& vs) {
  const auto* v = vs.if_contains("transparentModeEnabled");
  return v != nullptr && v->is_bool() && v->get_bool();
}

// The transparent virtual service that uses pool `pool_id`, if any.
const entry* transparent_user(state& st, std::string_view pool_id) {
  for (const auto& [seq, e] : st.objects)
    if (e.k == kind::virtual_service && ref_id(e.body, "loadBalancerPoolRef") == pool_id
        && transparent_on(e.body))
      return &e;
  return nullptr;
}

bool has_members(const json::object& body) {
  const auto* m = body.if_contains("members");
  return m != nullptr && m->is_array() && !m->get_array().empty();
}

} // namespace

std::optional<http::response> check_group_pool(ctx& c, json::object& body, const entry* self,
                                               const gateway_rec& gw) {
  if (c.version < transparent_api) {
    body.erase("memberGroupRef");
    if (self != nullptr && has_field(self->body, "memberGroupRef") && !has_members(body))
      body["memberGroupRef"] = self->body.at("memberGroupRef");
    return std::nullopt;
  }
  auto group_id = ref_id(body, "memberGroupRef");
  if (group_id.empty()) {
    body.erase("memberGroupRef"); // null or {}: not a group pool
    if (self != nullptr)
      if (const auto* user = transparent_user(c.st, self->id))
        return bad_request(c,
                           "Pool '" + str_field(body, "name") + "' is used by virtual service '"
                             + str_field(user->body, "name")
                             + "' in transparent mode and must keep its member group.",
                           "transparent_pool_needs_group");
    return std::nullopt;
  }
  if (has_members(body))
    return bad_request(c, "A pool has either members or a memberGroupRef, not both.",
                       "pool_members_and_group");
  const auto* set = c.st.find(group_id);
  if (set == nullptr || set->k != kind::ip_set || set->gateway_id != gw.id)
    return error_reply(c, 400, "INVALID_REFERENCE",
                       "Firewall group " + group_id + " is not an IP set of edge gateway " + gw.name
                         + ".",
                       "invalid_member_group");
  body["memberGroupRef"] = json::object{{"name", str_field(set->body, "name")}, {"id", set->id}};
  return std::nullopt;
}

std::optional<http::response> check_transparent_vs(ctx& c, const json::object& body,
                                                   const gateway_rec& gw, const entry& pool,
                                                   const entry& seg_assignment) {
  if (!transparent_on(body))
    return std::nullopt;
  auto name = str_field(body, "name");
  if (!gw.transparent_mode)
    return bad_request(c,
                       "Cannot enable transparent mode on virtual service '" + name
                         + "': transparent mode is not enabled in the load balancer settings of "
                           "edge gateway "
                         + gw.name + ".",
                       "transparent_gateway_off");
  if (ref_id(pool.body, "memberGroupRef").empty())
    return bad_request(c,
                       "Cannot enable transparent mode on virtual service '" + name + "': pool '"
                         + str_field(pool.body, "name")
                         + "' must take its members from a firewall group (memberGroupRef).",
                       "transparent_pool_not_group");
  auto ha = str_field(seg_assignment.body, "serviceEngineGroupHaMode");
  if (ha != "LEGACY_ACTIVE_STANDBY") {
    const auto* seg = seg_assignment.body.if_contains("serviceEngineGroupRef");
    auto seg_name =
      seg != nullptr && seg->is_object() ? str_field(seg->get_object(), "name") : std::string{};
    return bad_request(c,
                       "Cannot enable transparent mode on virtual service '" + name
                         + "': service engine group '" + seg_name + "' has HA mode "
                         + (ha.empty() ? std::string{"ELASTIC_N_PLUS_M_BUFFER"} : ha)
                         + ", transparent mode needs LEGACY_ACTIVE_STANDBY.",
                       "transparent_seg_ha_mode");
  }
  return std::nullopt;
}

std::optional<http::response> check_gateway_transparent_off(ctx& c, const gateway_rec& gw) {
  for (const auto& [seq, e] : c.st.objects)
    if (e.k == kind::virtual_service && e.gateway_id == gw.id && transparent_on(e.body))
      return bad_request(c,
                         "Cannot disable transparent mode on edge gateway " + gw.name
                           + ": virtual service '" + str_field(e.body, "name") + "' uses it.",
                         "transparent_in_use");
  return std::nullopt;
}

const entry* pool_using_ip_set(state& st, std::string_view ip_set_id) {
  for (const auto& [seq, e] : st.objects)
    if (e.k == kind::pool && ref_id(e.body, "memberGroupRef") == ip_set_id)
      return &e;
  return nullptr;
}

int64_t group_member_count(state& st, const json::object& pool_body) {
  auto group_id = ref_id(pool_body, "memberGroupRef");
  if (group_id.empty())
    return -1;
  const auto* set = st.find(group_id);
  if (set == nullptr)
    return 0;
  const auto* a = set->body.if_contains("ipAddresses");
  return a != nullptr && a->is_array() ? static_cast<int64_t>(a->get_array().size()) : 0;
}

} // namespace vcdlb::vcd::sim::detail
