// fake_client: the gateway's load-balancer settings and the rules of transparent mode
// ("Preserve Client IP", API 37.1+; reference ip-spaces-rde-traffic.md §3.1-3.2): group pools
// (`memberGroupRef` to an IP set of the gateway, no member IPs) and the prerequisites a
// transparent virtual service needs. Worded like the simulator's refusals.

#include "adapters/vcd/detail/fake_replies.hpp"
#include "adapters/vcd/fake_client.hpp"

namespace vcdlb::vcd {

namespace {

constexpr auto unknown_id = detail::fake_unknown_id;
constexpr auto bad_request = detail::fake_bad_request;

// The client refuses before sending: older versions would drop the field silently.
caf::error needs_37_1(const std::string& field, const std::string& version) {
  return caf::make_error(vcd_errc::unsupported,
                         field + " needs API version 37.1+, the session speaks " + version);
}

} // namespace

void fake_client::set_alb_settings(const std::string& gateway_id, alb_settings s) {
  alb_settings_[gateway_id] = std::move(s);
}

alb_settings fake_client::alb_settings_of(const std::string& gateway_id) const {
  if (auto i = alb_settings_.find(gateway_id); i != alb_settings_.end())
    return i->second;
  alb_settings s;
  s.enabled = true;
  s.service_network_definition = "192.168.255.1/25";
  s.supported_feature_set = "STANDARD";
  return s;
}

void fake_client::get_alb_settings(std::string gateway_id, callback<alb_settings> done) {
  if (auto err = enter(operation::get_alb_settings))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_id(gateway_id));
  auto s = alb_settings_of(gateway_id);
  if (compare_api_versions(opts_.api_version, "37.1") < 0)
    s.transparent_mode_enabled = false; // not reported before 37.1
  done(std::move(s));
}

caf::error fake_client::validate_group_pool(const pool& p) const {
  if (p.member_group_ref.id.empty()) {
    // A pool that stops being a group pool must not leave a transparent user behind.
    if (auto users = vs_by_pool_.find(p.id); users != vs_by_pool_.end())
      for (const auto& id : users->second)
        if (virtual_services_.at(id).transparent_mode_enabled)
          return bad_request("pool '" + p.name + "' is used by virtual service '"
                             + virtual_services_.at(id).name
                             + "' in transparent mode and must keep its memberGroupRef");
    return {};
  }
  if (compare_api_versions(opts_.api_version, "37.1") < 0)
    return needs_37_1("memberGroupRef", opts_.api_version);
  if (!p.members.empty())
    return bad_request("members and memberGroupRef of pool '" + p.name
                       + "' are mutually exclusive");
  auto set = ip_sets_.find(p.member_group_ref.id);
  if (set == ip_sets_.end() || set->second.owner_ref.id != p.gateway_ref.id)
    return bad_request("memberGroupRef '" + p.member_group_ref.id
                       + "' is not an IP set of the pool's edge gateway");
  return {};
}

caf::error fake_client::validate_transparent_mode(const virtual_service& vs, const pool& p) const {
  if (!vs.transparent_mode_enabled)
    return {};
  if (compare_api_versions(opts_.api_version, "37.1") < 0)
    return needs_37_1("transparentModeEnabled", opts_.api_version);
  if (!alb_settings_of(vs.gateway_ref.id).transparent_mode_enabled)
    return bad_request("transparent mode is not enabled on the load balancer of edge gateway '"
                       + vs.gateway_ref.id + "'");
  if (p.member_group_ref.id.empty())
    return bad_request("transparent mode needs a pool with a memberGroupRef; pool '" + p.name
                       + "' lists member IPs");
  for (const auto& [id, a] : segs_)
    if (a.gateway_ref.id == vs.gateway_ref.id
        && a.service_engine_group_ref.id == vs.service_engine_group_ref.id
        && a.service_engine_group_ha_mode != "LEGACY_ACTIVE_STANDBY")
      return bad_request("transparent mode needs a service engine group in "
                         "LEGACY_ACTIVE_STANDBY HA mode; '"
                         + a.service_engine_group_ref.name + "' is "
                         + (a.service_engine_group_ha_mode.empty()
                              ? std::string{"unknown"}
                              : a.service_engine_group_ha_mode));
  return {};
}

caf::error fake_client::ip_set_in_use_by_pool(const ip_set& s) const {
  for (const auto& [id, p] : pools_)
    if (p.member_group_ref.id == s.id)
      return bad_request("firewall group '" + s.name + "' is in use by pool '" + p.name + "'");
  return {};
}

} // namespace vcdlb::vcd
