// Orgs, VDCs and org VDC networks: the lookups clients make to find the edge gateway
// (legacy XML /api/org as govcd's GetOrgByName does, CloudAPI orgs/vdcs/orgVdcNetworks).

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr std::string_view org_type = "application/vnd.vmware.vcloud.org+xml";
constexpr std::string_view vdc_type = "application/vnd.vmware.vcloud.vdc+xml";

const org* visible_org(ctx& c, std::string_view id) {
  const auto* o = c.st.find_org(id);
  return o != nullptr && c.sees_org(o->id) ? o : nullptr;
}

struct vdc_hit {
  const org* o = nullptr;
  const vdc* v = nullptr;
};

vdc_hit visible_vdc(ctx& c, std::string_view id) {
  for (const auto& o : c.st.sc.orgs)
    for (const auto& v : o.vdcs)
      if ((v.id == id || urn_uuid(v.id) == id) && c.sees_org(o.id))
        return {&o, &v};
  return {};
}

json::object network_json(const org& o, const vdc& v, const org_network& n) {
  json::object j;
  j["id"] = n.id;
  j["name"] = n.name;
  j["description"] = "";
  j["orgRef"] = json::object{{"name", o.name}, {"id", o.id}};
  j["orgVdc"] = json::object{{"name", v.name}, {"id", v.id}};
  j["ownerRef"] = json::object{{"name", v.name}, {"id", v.id}};
  j["backingNetworkType"] = "NSXT_FLEXIBLE_SEGMENT";
  j["status"] = "REALIZED";
  auto slash = n.subnet.find('/');
  json::object subnet{
    {"gateway", n.subnet.substr(0, slash)},
    {"prefixLength", slash == std::string::npos ? 24 : std::atoi(n.subnet.c_str() + slash + 1)},
    {"ipRanges", json::object{{"values", json::array{}}}}};
  j["subnets"] = json::object{{"values", json::array{subnet}}};
  if (!n.gateway.empty()) {
    j["networkType"] = "NAT_ROUTED";
    for (const auto& g : v.edge_gateways)
      if (g.name == n.gateway)
        j["connection"] = json::object{{"routerRef", {{"name", g.name}, {"id", g.id}}},
                                       {"connectionType", "INTERNAL"},
                                       {"connected", true}};
  } else {
    j["networkType"] = "ISOLATED";
  }
  return j;
}

} // namespace

http::response get_legacy_orgs(ctx& c) {
  if (!c.xml) {
    json::array orgs;
    for (const auto& o : c.st.sc.orgs)
      if (c.sees_org(o.id))
        orgs.push_back(json::object{{"href", c.base() + "/api/org/" + std::string{urn_uuid(o.id)}},
                                    {"name", o.name},
                                    {"type", org_type}});
    return json_reply(c, 200, json::object{{"org", std::move(orgs)}});
  }
  std::string body = "<OrgList xmlns=\"http://www.vmware.com/vcloud/v1.5\" href=\""
                     + xml_escape(c.base())
                     + "/api/org/\" type=\"application/vnd.vmware.vcloud.orgList+xml\">\n";
  for (const auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      body += "  <Org href=\"" + xml_escape(c.base()) + "/api/org/" + std::string{urn_uuid(o.id)}
              + "\" name=\"" + xml_escape(o.name) + "\" type=\"" + std::string{org_type} + "\"/>\n";
  body += "</OrgList>\n";
  return xml_reply(c, 200, body, "application/vnd.vmware.vcloud.orgList+xml");
}

http::response get_legacy_org(ctx& c) {
  const auto* o = visible_org(c, c.params.at(0));
  if (o == nullptr)
    return forbidden(c, c.params.at(0));
  auto href = c.base() + "/api/org/" + std::string{urn_uuid(o->id)};
  if (!c.xml) {
    json::array links;
    for (const auto& v : o->vdcs)
      links.push_back(json::object{{"rel", "down"},
                                   {"href", c.base() + "/api/vdc/" + std::string{urn_uuid(v.id)}},
                                   {"name", v.name},
                                   {"type", vdc_type}});
    return json_reply(c, 200,
                      json::object{{"href", href},
                                   {"id", o->id},
                                   {"name", o->name},
                                   {"type", org_type},
                                   {"fullName", o->name},
                                   {"link", std::move(links)}});
  }
  std::string body = "<Org xmlns=\"http://www.vmware.com/vcloud/v1.5\" name=\""
                     + xml_escape(o->name) + "\" id=\"" + o->id + "\" href=\"" + xml_escape(href)
                     + "\" type=\"" + std::string{org_type} + "\">\n";
  for (const auto& v : o->vdcs)
    body += "  <Link rel=\"down\" href=\"" + xml_escape(c.base()) + "/api/vdc/"
            + std::string{urn_uuid(v.id)} + "\" name=\"" + xml_escape(v.name) + "\" type=\""
            + std::string{vdc_type} + "\"/>\n";
  body += "  <FullName>" + xml_escape(o->name) + "</FullName>\n</Org>\n";
  return xml_reply(c, 200, body, org_type);
}

http::response get_legacy_vdc(ctx& c) {
  auto hit = visible_vdc(c, c.params.at(0));
  if (hit.v == nullptr)
    return forbidden(c, c.params.at(0));
  auto href = c.base() + "/api/vdc/" + std::string{urn_uuid(hit.v->id)};
  auto org_href = c.base() + "/api/org/" + std::string{urn_uuid(hit.o->id)};
  if (!c.xml)
    return json_reply(c, 200,
                      json::object{{"href", href},
                                   {"id", hit.v->id},
                                   {"name", hit.v->name},
                                   {"type", vdc_type},
                                   {"link", json::array{json::object{{"rel", "up"},
                                                                     {"href", org_href},
                                                                     {"name", hit.o->name},
                                                                     {"type", org_type}}}}});
  std::string body = "<Vdc xmlns=\"http://www.vmware.com/vcloud/v1.5\" name=\""
                     + xml_escape(hit.v->name) + "\" id=\"" + hit.v->id + "\" href=\""
                     + xml_escape(href) + "\" type=\"" + std::string{vdc_type} + "\">\n"
                     + "  <Link rel=\"up\" href=\"" + xml_escape(org_href) + "\" name=\""
                     + xml_escape(hit.o->name) + "\" type=\"" + std::string{org_type}
                     + "\"/>\n</Vdc>\n";
  return xml_reply(c, 200, body, vdc_type);
}

http::response list_orgs(ctx& c) {
  std::vector<json::value> items;
  for (const auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      items.push_back(json::object{{"id", o.id},
                                   {"name", o.name},
                                   {"displayName", o.name},
                                   {"description", ""},
                                   {"isEnabled", true}});
  return list_reply(c, std::move(items), {"id", "name", "displayName", "isEnabled"});
}

http::response get_org(ctx& c) {
  const auto* o = visible_org(c, c.params.at(0));
  if (o == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200,
                    json::object{{"id", o->id},
                                 {"name", o->name},
                                 {"displayName", o->name},
                                 {"description", ""},
                                 {"isEnabled", true}});
}

namespace {

json::object vdc_json(const org& o, const vdc& v) {
  return json::object{{"id", v.id},
                      {"name", v.name},
                      {"description", ""},
                      {"orgRef", json::object{{"name", o.name}, {"id", o.id}}},
                      {"allocationType", "Flex"},
                      {"isEnabled", true}};
}

} // namespace

http::response list_vdcs(ctx& c) {
  std::vector<json::value> items;
  for (const auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      for (const auto& v : o.vdcs)
        items.push_back(vdc_json(o, v));
  return list_reply(c, std::move(items), {"id", "name", "orgRef.id", "isEnabled"});
}

http::response get_vdc(ctx& c) {
  auto hit = visible_vdc(c, c.params.at(0));
  if (hit.v == nullptr)
    return forbidden(c, c.params.at(0));
  return json_reply(c, 200, vdc_json(*hit.o, *hit.v));
}

http::response list_networks(ctx& c) {
  std::vector<json::value> items;
  for (const auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      for (const auto& v : o.vdcs)
        for (const auto& n : v.networks)
          items.push_back(network_json(o, v, n));
  return list_reply(c, std::move(items),
                    {"id", "name", "orgVdc.id", "ownerRef.id", "orgRef.id",
                     "connection.routerRef.id", "networkType"});
}

http::response get_network(ctx& c) {
  for (const auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      for (const auto& v : o.vdcs)
        for (const auto& n : v.networks)
          if (n.id == c.params.at(0))
            return json_reply(c, 200, network_json(o, v, n));
  return forbidden(c, c.params.at(0));
}

} // namespace vcdlb::vcd::sim::detail
