#include "adapters/vcd/sim/scenario.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <set>

#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"
#include "adapters/vcd/sim/detail/scenario_yaml.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "protocol/errors.hpp"

// The scenario's defaults and the checks that complete every scenario; reading YAML is in
// detail/scenario_parse.cpp, writing it in detail/scenario_emit.cpp.

namespace vcdlb::vcd::sim {

namespace {

// A self-signed EC certificate (CN=vcdlb-sim.example.com, valid until 2126) so the default
// certificate library holds a real PEM document, as VCD would.
constexpr std::string_view default_cert_pem = R"(-----BEGIN CERTIFICATE-----
MIIBlzCCAT2gAwIBAgIUbK/YZELBxh13AtMs43Zrp/8HBPIwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVdmNkbGItc2ltLmV4YW1wbGUuY29tMCAXDTI2MTEyNjExMzU0
MVoYDzIxMjYxMTAyMTEzNTQxWjAgMR4wHAYDVQQDDBV2Y2RsYi1zaW0uZXhhbXBs
ZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQLFflDHUuDB8Vdk2LK0+fr
nVPn1pvNpodrS46qSkDo8TFFG4ondw5j/XB0mzVK2Jf6+DRkAwXz/s3gYsyvDk6J
o1MwUTAdBgNVHQ4EFgQU4kMC6hW4wqLcVxZ8xaRPN1BWIqwwHwYDVR0jBBgwFoAU
4kMC6hW4wqLcVxZ8xaRPN1BWIqwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNIADBFAiEA1UbWbk79/bqlxOoSpbq96WIZ/9dzktpPYigIMbTiawECIEIlCX7a
1KX+Okg0YZhbFNQNIvFmyOo6wTWpPt/2vtSH
-----END CERTIFICATE-----
)";

constexpr std::string_view default_key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtpH6Ag9qf9aBFuhF
rEq0LQ0AOajhch4p/f8P7sL0lJChRANCAAQLFflDHUuDB8Vdk2LK0+frnVPn1pvN
podrS46qSkDo8TFFG4ondw5j/XB0mzVK2Jf6+DRkAwXz/s3gYsyvDk6J
-----END PRIVATE KEY-----
)";

uint64_t fnv1a(std::string_view text, uint64_t h) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// "urn:vcloud:x:<uuid>" -> "<uuid>".
std::string_view urn_uuid_of(std::string_view urn) {
  auto colon = urn.rfind(':');
  return colon == std::string_view::npos ? urn : urn.substr(colon + 1);
}

} // namespace

namespace detail {

caf::error finish_scenario(scenario& s) {
  auto dup = [](std::set<std::string>& seen, const std::string& name, const std::string& where) {
    if (!seen.insert(name).second)
      return yaml_error(config_errc::invalid_value, where, "duplicate name '" + name + "'");
    return caf::error{};
  };
  std::set<std::string> org_names;
  for (size_t oi = 0; oi < s.orgs.size(); ++oi) {
    auto& o = s.orgs[oi];
    auto ow = "orgs[" + std::to_string(oi) + "]";
    if (auto err = dup(org_names, o.name, ow + ".name"))
      return err;
    if (o.id.empty())
      o.id = derived_urn("org", o.name);
    std::set<std::string> users;
    for (auto& u : o.users)
      if (auto err = dup(users, u.name, ow + ".users"))
        return err;
    for (auto& t : o.api_tokens)
      if (!users.count(t.user))
        return yaml_error(config_errc::invalid_value, ow + ".api_tokens",
                          "unknown user '" + t.user + "'");
    std::set<std::string> aliases;
    for (auto& c : o.certificates) {
      if (auto err = dup(aliases, c.alias, ow + ".certificates"))
        return err;
      if (c.id.empty())
        c.id = derived_urn("certificateLibraryItem", o.name + "/" + c.alias);
    }
    std::set<std::string> vdc_names;
    for (auto& v : o.vdcs) {
      if (auto err = dup(vdc_names, v.name, ow + ".vdcs"))
        return err;
      if (v.id.empty())
        v.id = derived_urn("vdc", o.name + "/" + v.name);
      std::set<std::string> gws;
      for (auto& g : v.edge_gateways) {
        if (auto err = dup(gws, g.name, ow + ".vdcs." + v.name + ".edge_gateways"))
          return err;
        if (g.id.empty())
          g.id = derived_urn("gateway", o.name + "/" + v.name + "/" + g.name);
        for (auto& a : g.seg_assignments)
          if (a.id.empty())
            a.id = derived_urn("serviceEngineGroupAssignment", g.id + "/" + a.seg_id);
        auto gw_where = ow + ".vdcs." + v.name + ".edge_gateways." + g.name;
        std::set<std::string> sets;
        for (auto& x : g.ip_sets) {
          if (auto err = dup(sets, x.name, gw_where + ".ip_sets"))
            return err;
          if (x.id.empty())
            x.id = derived_urn("firewallGroup", g.id + "/" + x.name);
        }
        for (auto& x : g.firewall_rules) {
          if (x.id.empty()) // NSX-style ids: the uuid alone
            x.id = std::string{urn_uuid_of(derived_urn("firewallRule", g.id + "/" + x.name))};
          for (const auto* refs : {&x.sources, &x.destinations})
            for (const auto& ref : *refs)
              if (!sets.count(ref))
                return yaml_error(config_errc::invalid_value, gw_where + ".firewall_rules",
                                  "rule '" + x.name + "' names unknown IP set '" + ref + "'");
        }
        if (auto err = detail::check_load_balancers(g, gw_where))
          return err;
      }
      std::set<std::string> nets;
      for (auto& n : v.networks) {
        if (auto err = dup(nets, n.name, ow + ".vdcs." + v.name + ".networks"))
          return err;
        if (n.id.empty())
          n.id = derived_urn("network", o.name + "/" + v.name + "/" + n.name);
        if (!n.gateway.empty() && !gws.count(n.gateway))
          return yaml_error(config_errc::invalid_value, ow + ".vdcs." + v.name + ".networks",
                            "network '" + n.name + "' names unknown gateway '" + n.gateway + "'");
      }
      // VCD: vApp names are unique in a VDC, VM names within their vApp.
      std::set<std::string> vapps;
      for (auto& a : v.vapps) {
        auto aw = ow + ".vdcs." + v.name + ".vapps";
        if (auto err = dup(vapps, a.name, aw))
          return err;
        if (a.id.empty())
          a.id = derived_urn("vapp", o.name + "/" + v.name + "/" + a.name);
        std::set<std::string> vms;
        for (auto& m : a.vms) {
          if (auto err = dup(vms, m.name, aw + "." + a.name + ".vms"))
            return err;
          if (m.id.empty())
            m.id = derived_urn("vm", o.name + "/" + v.name + "/" + a.name + "/" + m.name);
        }
      }
    }
  }
  std::set<std::string> space_names;
  for (size_t si = 0; si < s.ip_spaces.size(); ++si) {
    auto& x = s.ip_spaces[si];
    auto sw = "ip_spaces[" + std::to_string(si) + "]";
    if (auto err = dup(space_names, x.name, sw + ".name"))
      return err;
    if (x.id.empty())
      x.id = derived_urn("ipSpace", x.name);
    auto known_org = [&](const std::string& name) { return org_names.count(name) > 0; };
    if (!x.org.empty() && !known_org(x.org))
      return yaml_error(config_errc::invalid_value, sw + ".org", "unknown org '" + x.org + "'");
    for (const auto& q : x.org_quotas)
      if (!known_org(q.org))
        return yaml_error(config_errc::invalid_value, sw + ".org_quotas",
                          "unknown org '" + q.org + "'");
    std::set<std::string> values;
    for (size_t ai = 0; ai < x.allocations.size(); ++ai) {
      auto& a = x.allocations[ai];
      auto aw = sw + ".allocations[" + std::to_string(ai) + "]";
      if (!known_org(a.org))
        return yaml_error(config_errc::invalid_value, aw + ".org", "unknown org '" + a.org + "'");
      if (!values.insert(a.value).second)
        return yaml_error(config_errc::invalid_value, aw + ".value", "allocated twice: " + a.value);
      auto ip = *detail::parse_ipv4(a.value);
      bool inside = false;
      for (const auto& rg : x.ranges) {
        auto lo = *detail::parse_ipv4(rg.start);
        auto hi = rg.end.empty() ? lo : *detail::parse_ipv4(rg.end);
        inside = inside || (lo <= ip && ip <= hi);
      }
      if (!inside)
        return yaml_error(config_errc::invalid_value, aw + ".value",
                          a.value + " is not in the IP Space's ranges");
      if (a.id.empty())
        a.id = derived_urn("ipSpaceIpAllocation", x.name + "/" + a.value);
    }
  }
  for (const auto& o : s.orgs)
    for (const auto& v : o.vdcs)
      for (const auto& g : v.edge_gateways)
        for (const auto& u : g.uplinks)
          for (const auto& name : u.ip_spaces)
            if (!space_names.count(name))
              return yaml_error(config_errc::invalid_value,
                                "orgs." + o.name + ".vdcs." + v.name + ".edge_gateways." + g.name
                                  + ".uplinks." + u.name + ".ip_spaces",
                                "unknown IP Space '" + name + "'");
  std::set<std::string> provider_users;
  for (auto& u : s.provider_users)
    if (auto err = dup(provider_users, u.name, "provider.users"))
      return err;
  for (auto& t : s.provider_api_tokens)
    if (!provider_users.count(t.user))
      return yaml_error(config_errc::invalid_value, "provider.api_tokens",
                        "unknown user '" + t.user + "'");
  if (!detail::parse_version(s.api_version))
    return yaml_error(config_errc::invalid_value, "api_version",
                      "not a version like 37.2: '" + s.api_version + "'");
  if (s.max_page_size < 1)
    return yaml_error(config_errc::invalid_value, "max_page_size", "must be positive");
  return {};
}

} // namespace detail

int ip_space::quota_of(std::string_view org_name) const {
  for (const auto& q : org_quotas)
    if (q.org == org_name)
      return q.floating_ip_quota;
  if (default_floating_ip_quota)
    return *default_floating_ip_quota;
  return type == "PRIVATE" ? -1 : 1;
}

bool valid_api_version(std::string_view text) {
  return detail::parse_version(text).has_value();
}

std::string derived_urn(std::string_view type, std::string_view seed) {
  auto h1 = fnv1a(seed, fnv1a(type, 14695981039346656037ULL));
  auto h2 = fnv1a(seed, fnv1a("#", h1));
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(h1 >> 32),
                static_cast<unsigned>((h1 >> 16) & 0xffff), static_cast<unsigned>(h1 & 0xffff),
                static_cast<unsigned>(h2 >> 48),
                static_cast<unsigned long long>(h2 & 0xffffffffffffULL));
  return "urn:vcloud:" + std::string{type} + ":" + buf;
}

scenario default_scenario() {
  scenario s;
  s.provider_users.push_back({"administrator", "provider-password"});
  org o;
  o.name = "org1";
  o.users.push_back({"admin", "admin-password"});
  o.api_tokens.push_back({"admin", "vcdlb-sim-api-token"});
  certificate c;
  c.alias = "vcdlb-sim-cert";
  c.certificate_pem = std::string{default_cert_pem};
  c.private_key_pem = std::string{default_key_pem};
  c.description = "built-in test certificate";
  o.certificates.push_back(std::move(c));
  vdc v;
  v.name = "vdc1";
  edge_gateway g;
  g.name = "edge-1";
  uplink u;
  u.name = "ext-net";
  uplink_subnet sn;
  sn.gateway = "203.0.113.1";
  sn.prefix_length = 24;
  sn.primary_ip = "203.0.113.2";
  sn.ranges.push_back({"203.0.113.10", "203.0.113.250"});
  u.subnets.push_back(std::move(sn));
  g.uplinks.push_back(std::move(u));
  seg_assignment a;
  a.seg_name = "seg-shared";
  a.max_virtual_services = 1000;
  a.min_virtual_services = 0;
  g.seg_assignments.push_back(std::move(a));
  v.edge_gateways.push_back(std::move(g));
  v.networks.push_back({"net1", "", "edge-1", "192.168.1.1/24"});
  o.vdcs.push_back(std::move(v));
  o.defined_entities.push_back({derived_urn("entity:vmware:capvcdCluster", "cluster1"), "cluster1",
                                "urn:vcloud:type:vmware:capvcdCluster:1.2.0"});
  s.orgs.push_back(std::move(o));
  // Derive the ids now so that --print-scenario shows them.
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().seg_assignments)
    x.seg_id = derived_urn("serviceEngineGroup", x.seg_name);
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().uplinks)
    x.id = derived_urn("network", "uplink/" + x.name);
  [[maybe_unused]] auto err = detail::finish_scenario(s);
  return s;
}

scenario ip_space_example_scenario() {
  scenario s;
  org o;
  o.name = "org1";
  o.users.push_back({"admin", "admin-password"});
  vdc v;
  v.name = "vdc1";
  edge_gateway g;
  g.name = "edge-ips";
  uplink u;
  u.name = "provider-gateway-1";
  u.ip_spaces = {"public-1", "org1-private"};
  g.uplinks.push_back(std::move(u));
  seg_assignment a;
  a.seg_name = "seg-shared";
  a.max_virtual_services = 1000;
  g.seg_assignments.push_back(std::move(a));
  v.edge_gateways.push_back(std::move(g));
  v.networks.push_back({"net1", "", "edge-ips", "192.168.1.1/24"});
  o.vdcs.push_back(std::move(v));
  s.orgs.push_back(std::move(o));
  ip_space pub;
  pub.name = "public-1";
  pub.internal_scopes = {"198.51.100.0/24"};
  pub.ranges.push_back({"198.51.100.10", "198.51.100.200"});
  pub.default_floating_ip_quota = 1; // VCD's default for PUBLIC spaces
  pub.org_quotas.push_back({"org1", 50});
  // A load balancer IP the upstream provider reserved, with its claim marker.
  pub.allocations.push_back(
    {"org1", "198.51.100.10", "USED_MANUAL",
     "cluster-capvcdCluster:6e3c0e8a-0000-4000-8000-000000000001-namespace-default-service-web",
     ""});
  s.ip_spaces.push_back(std::move(pub));
  ip_space priv;
  priv.name = "org1-private";
  priv.type = "PRIVATE";
  priv.org = "org1";
  priv.internal_scopes = {"10.200.0.0/24"};
  priv.ranges.push_back({"10.200.0.10", "10.200.0.50"});
  s.ip_spaces.push_back(std::move(priv));
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().seg_assignments)
    x.seg_id = derived_urn("serviceEngineGroup", x.seg_name);
  for (auto& x : s.orgs.front().vdcs.front().edge_gateways.front().uplinks)
    x.id = derived_urn("network", "uplink/" + x.name);
  [[maybe_unused]] auto err = detail::finish_scenario(s);
  return s;
}

namespace {

// VCD's VAppStatuses run from -1 (FAILED_CREATION) to 21 (PARTIALLY_SUSPENDED); their names are
// vcd::vm_status_name's (nodes-and-legacy-api.md §3.6).
constexpr int first_vm_status = -1;
constexpr int last_vm_status = 21;

} // namespace

std::optional<int> parse_vm_status(std::string_view text) {
  for (int i = first_vm_status; i <= last_vm_status; ++i)
    if (vm_status_name(i) == text)
      return i;
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc{} && p == text.data() + text.size() && !text.empty())
    return n;
  return std::nullopt;
}

std::string vm_status_text(int status) {
  if (status >= first_vm_status && status <= last_vm_status)
    return vm_status_name(status);
  return std::to_string(status);
}
} // namespace vcdlb::vcd::sim
