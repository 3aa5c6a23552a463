// vApps and VMs as VCD's legacy XML API shows them (nodes-and-legacy-api.md §3.4–3.7): the
// query service (`/api/query`, types vm/vApp/orgVdc and their admin variants, filters with
// wildcards, sorting, paging, the QueryResultRecords envelope), the VApp and Vm entities with
// their NetworkConnectionSection, and the `/_sim/vms` controls tests use to power VMs off and
// on, change their NICs and delete them.

#include <algorithm>
#include <array>
#include <cstdint>

#include "adapters/vcd/sim/detail/handlers.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr std::string_view ns = "http://www.vmware.com/vcloud/v1.5";
constexpr std::string_view vm_type = "application/vnd.vmware.vcloud.vm+xml";
constexpr std::string_view vapp_type = "application/vnd.vmware.vcloud.vApp+xml";
constexpr std::string_view vdc_type = "application/vnd.vmware.vcloud.vdc+xml";
constexpr std::string_view records_type = "application/vnd.vmware.vcloud.query.records+xml";
constexpr std::string_view ncs_type = "application/vnd.vmware.vcloud.networkConnectionSection+xml";

struct vm_hit {
  org* o = nullptr;
  vdc* v = nullptr;
  vapp_spec* a = nullptr;
  vm_spec* m = nullptr;
};

// Every VM the caller may see (all orgs for a provider session), in scenario order.
template <class F>
void for_each_vm(ctx& c, F&& f) {
  for (auto& o : c.st.sc.orgs)
    if (c.sees_org(o.id))
      for (auto& v : o.vdcs)
        for (auto& a : v.vapps)
          for (auto& m : a.vms)
            f(vm_hit{&o, &v, &a, &m});
}

std::string href_of(ctx& c, std::string_view kind, std::string_view urn) {
  return c.base() + "/api/" + std::string{kind} + std::string{urn_uuid(urn)};
}

std::string vm_href(ctx& c, const vm_spec& m) {
  return href_of(c, "vApp/vm-", m.id);
}
std::string vapp_href(ctx& c, const vapp_spec& a) {
  return href_of(c, "vApp/vapp-", a.id);
}
std::string vdc_href(ctx& c, const vdc& v) {
  return href_of(c, "vdc/", v.id);
}
std::string org_href(ctx& c, const org& o) {
  return href_of(c, "org/", o.id);
}

std::string mac_of(const vm_spec& m, size_t index) {
  if (index < m.nics.size() && !m.nics[index].mac.empty())
    return m.nics[index].mac;
  // VMware's OUI and three bytes derived from the VM id: stable across runs.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : m.id + "/" + std::to_string(index)) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out = "00:50:56";
  for (int i = 0; i < 3; ++i) {
    auto b = static_cast<unsigned>((h >> (8 * i)) & 0x3F); // VMware uses 00-3f here
    out += ':';
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string{name} + "=\"" + xml_escape(value) + "\"";
}

std::string network_section(ctx& c, const vm_spec& m) {
  auto href = vm_href(c, m) + "/networkConnectionSection/";
  std::string out = "    <NetworkConnectionSection" + attr("href", href) + attr("type", ncs_type)
                    + " ovf:required=\"false\">\n"
                    + "      <ovf:Info>Specifies the available VM network connections</ovf:Info>\n";
  if (!m.nics.empty())
    out += "      <PrimaryNetworkConnectionIndex>" + std::to_string(m.primary_nic)
           + "</PrimaryNetworkConnectionIndex>\n";
  for (size_t i = 0; i < m.nics.size(); ++i) {
    const auto& n = m.nics[i];
    out += "      <NetworkConnection" + attr("network", n.network)
           + attr("needsCustomization", "false") + ">\n";
    out += "        <NetworkConnectionIndex>" + std::to_string(i) + "</NetworkConnectionIndex>\n";
    if (!n.ip.empty())
      out += "        <IpAddress>" + xml_escape(n.ip) + "</IpAddress>\n"
             + "        <IpType>IPV4</IpType>\n";
    if (!n.external_ip.empty())
      out += "        <ExternalIpAddress>" + xml_escape(n.external_ip) + "</ExternalIpAddress>\n";
    out +=
      std::string{"        <IsConnected>"} + (n.connected ? "true" : "false") + "</IsConnected>\n";
    out += "        <MACAddress>" + mac_of(m, i) + "</MACAddress>\n";
    out += std::string{"        <IpAddressAllocationMode>"} + (n.ip.empty() ? "NONE" : "POOL")
           + "</IpAddressAllocationMode>\n";
    out += "        <NetworkAdapterType>VMXNET3</NetworkAdapterType>\n";
    out += "      </NetworkConnection>\n";
  }
  return out + "    </NetworkConnectionSection>\n";
}

bool deployed(int status) {
  return status == 4 || status == 3;
}

std::string vm_element(ctx& c, const vm_hit& h, bool document) {
  const auto& m = *h.m;
  std::string out = document ? "<Vm xmlns=\"" + std::string{ns}
                                 + "\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\""
                             : std::string{"  <Vm"};
  out += attr("href", vm_href(c, m)) + attr("id", m.id) + attr("name", m.name)
         + attr("status", std::to_string(m.status))
         + attr("deployed", deployed(m.status) ? "true" : "false") + attr("type", vm_type) + ">\n";
  out += "    <Link" + attr("rel", "up") + attr("href", vapp_href(c, *h.a))
         + attr("type", vapp_type) + "/>\n";
  out += "    <Description/>\n";
  out += network_section(c, m);
  out += "    <VAppScopedLocalId>" + xml_escape(m.name) + "</VAppScopedLocalId>\n";
  return out + (document ? "</Vm>\n" : "  </Vm>\n");
}

int vapp_status(const vapp_spec& a) {
  if (a.vms.empty())
    return 8;
  bool on = false;
  bool off = false;
  for (const auto& m : a.vms)
    (m.status == 4 ? on : off) = true;
  return on && off ? 10 : (on ? 4 : 8); // MIXED when some are on and some are not
}

std::string vapp_document(ctx& c, org& o, vdc& v, vapp_spec& a) {
  std::string out =
    "<VApp xmlns=\"" + std::string{ns} + "\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\""
    + attr("href", vapp_href(c, a)) + attr("id", a.id) + attr("name", a.name)
    + attr("status", std::to_string(vapp_status(a)))
    + attr("deployed", vapp_status(a) == 8 ? "false" : "true") + attr("type", vapp_type) + ">\n";
  out +=
    "  <Link" + attr("rel", "up") + attr("href", vdc_href(c, v)) + attr("type", vdc_type) + "/>\n";
  out += "  <Description/>\n  <Children>\n";
  for (auto& m : a.vms) {
    auto el = vm_element(c, vm_hit{&o, &v, &a, &m}, false);
    out += el;
  }
  return out + "  </Children>\n</VApp>\n";
}

// VCD's answer for an entity that is gone or hidden (nodes-and-legacy-api.md §3.7).
http::response entity_forbidden(ctx& c, std::string_view uuid, std::string_view op) {
  return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                     "Either you need some or all of the following rights [Base] to perform "
                     "operations ["
                       + std::string{op} + "] for " + std::string{uuid}
                       + " or the target entity is invalid.",
                     "unknown_urn");
}

// -- query service -----------------------------------------------------------------------------

using record = std::vector<std::pair<std::string, std::string>>; // attributes, in order

const std::string* field(const record& r, std::string_view name) {
  for (const auto& [k, v] : r)
    if (k == name)
      return &v;
  return nullptr;
}

// `*` matches any run of characters (the query service's wildcard).
bool wildcard_match(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool matches(const fiql_node& n, const record& r) {
  switch (n.op) {
  case fiql_node::type::all_of:
    return std::all_of(n.children.begin(), n.children.end(),
                       [&](const fiql_node& x) { return matches(x, r); });
  case fiql_node::type::any_of:
    return std::any_of(n.children.begin(), n.children.end(),
                       [&](const fiql_node& x) { return matches(x, r); });
  case fiql_node::type::equals:
  case fiql_node::type::not_equals: {
    const auto* v = field(r, n.field);
    bool eq = v != nullptr && wildcard_match(n.value, *v);
    return n.op == fiql_node::type::equals ? eq : !eq;
  }
  }
  return false;
}

struct query_type {
  std::string_view name;
  std::string_view element;
  bool admin;
  std::string_view kind; ///< vm, vApp, orgVdc
};

constexpr std::array query_types{
  query_type{"vm", "VMRecord", false, "vm"},
  query_type{"adminVM", "AdminVMRecord", true, "vm"},
  query_type{"vApp", "VAppRecord", false, "vApp"},
  query_type{"adminVApp", "AdminVAppRecord", true, "vApp"},
  query_type{"orgVdc", "OrgVdcRecord", false, "orgVdc"},
  query_type{"adminOrgVdc", "AdminVdcRecord", true, "orgVdc"},
};

// The attributes a filter or sort may name, per kind (those the records carry).
const std::vector<std::string_view>& known_fields(std::string_view kind) {
  static const std::vector<std::string_view> vm{
    "name",      "id",          "href",         "containerName",  "container",
    "vdc",       "vdcName",     "org",          "isVAppTemplate", "status",
    "ipAddress", "networkName", "numberOfCpus", "memoryMB",       "isDeployed",
    "isDeleted", "isBusy",      "guestOs",      "hardwareVersion"};
  static const std::vector<std::string_view> vapp{"name",
                                                  "id",
                                                  "href",
                                                  "vdc",
                                                  "vdcName",
                                                  "org",
                                                  "status",
                                                  "numberOfVMs",
                                                  "isDeployed",
                                                  "isEnabled",
                                                  "isInMaintenanceMode",
                                                  "isBusy",
                                                  "isExpired",
                                                  "ownerName"};
  static const std::vector<std::string_view> ovdc{
    "name",          "id",          "href",  "orgName", "org", "isEnabled", "allocationModel",
    "numberOfVApps", "numberOfVMs", "status"};
  return kind == "vm" ? vm : (kind == "vApp" ? vapp : ovdc);
}

std::vector<record> collect(ctx& c, const query_type& t) {
  std::vector<record> out;
  for (auto& o : c.st.sc.orgs) {
    if (!c.sees_org(o.id))
      continue;
    for (auto& v : o.vdcs) {
      if (t.kind == "orgVdc") {
        size_t vms = 0;
        for (const auto& a : v.vapps)
          vms += a.vms.size();
        out.push_back({{"name", v.name},
                       {"href", vdc_href(c, v)},
                       {"id", v.id},
                       {"orgName", o.name},
                       {"org", org_href(c, o)},
                       {"isEnabled", "true"},
                       {"allocationModel", "Flex"},
                       {"numberOfVApps", std::to_string(v.vapps.size())},
                       {"numberOfVMs", std::to_string(vms)},
                       {"status", "1"}});
        continue;
      }
      for (auto& a : v.vapps) {
        if (t.kind == "vApp") {
          auto status = vapp_status(a);
          out.push_back({{"name", a.name},
                         {"href", vapp_href(c, a)},
                         {"id", a.id},
                         {"vdc", vdc_href(c, v)},
                         {"vdcName", v.name},
                         {"org", org_href(c, o)},
                         {"status", vm_status_text(status)},
                         {"numberOfVMs", std::to_string(a.vms.size())},
                         {"isDeployed", status == 8 ? "false" : "true"},
                         {"isEnabled", "true"},
                         {"isInMaintenanceMode", "false"},
                         {"isBusy", "false"},
                         {"isExpired", "false"},
                         {"ownerName", "system"}});
          continue;
        }
        for (auto& m : a.vms) {
          record r{{"name", m.name},
                   {"href", vm_href(c, m)},
                   {"id", m.id},
                   {"containerName", a.name},
                   {"container", vapp_href(c, a)},
                   {"vdc", vdc_href(c, v)},
                   {"vdcName", v.name},
                   {"org", org_href(c, o)},
                   {"isVAppTemplate", "false"},
                   {"status", vm_status_text(m.status)}};
          if (!m.nics.empty() && m.primary_nic < static_cast<int>(m.nics.size())) {
            const auto& nic = m.nics[static_cast<size_t>(m.primary_nic)];
            if (!nic.ip.empty())
              r.emplace_back("ipAddress", nic.ip);
            r.emplace_back("networkName", nic.network);
          }
          r.insert(r.end(), {{"numberOfCpus", "2"},
                             {"memoryMB", "4096"},
                             {"isDeployed", deployed(m.status) ? "true" : "false"},
                             {"isDeleted", "false"},
                             {"isBusy", "false"},
                             {"guestOs", "Ubuntu Linux (64-bit)"},
                             {"hardwareVersion", "19"}});
          out.push_back(std::move(r));
        }
      }
    }
  }
  return out;
}

// The request's own URL with `page` replaced (for the envelope's href and Link elements).
std::string page_url(ctx& c, int64_t page) {
  std::string out = c.base() + c.path + "?";
  bool first = true;
  for (const auto& [k, v] : c.query) {
    if (k == "page")
      continue;
    out += (first ? "" : "&") + k + "=" + url_encode(v);
    first = false;
  }
  return out + (first ? "" : "&") + "page=" + std::to_string(page);
}

} // namespace

http::response get_query(ctx& c) {
  auto type_name = c.q("type");
  if (!type_name || type_name->empty())
    return bad_request(c, "The query parameter 'type' is required.", "missing_field");
  const query_type* t = nullptr;
  for (const auto& x : query_types)
    if (x.name == *type_name) // case-sensitive, as VCD
      t = &x;
  if (t == nullptr)
    return bad_request(c, "Unsupported query type: " + *type_name, "invalid_value");
  if (t->admin && !c.provider())
    return error_reply(c, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                       "Either you need some or all of the following rights [Base] to perform "
                       "operations [QUERY_"
                         + std::string{t->name} + "] or the target entity is invalid.",
                       "forbidden");
  if (auto f = c.q("format"); f && *f != "records")
    return bad_request(c, "Query format '" + *f + "' is not served by this simulator (records).",
                       "invalid_value");
  auto records = collect(c, *t);
  const auto& known = known_fields(t->kind);
  if (auto filter = c.q("filter"); filter && !filter->empty()) {
    auto ast = parse_fiql(*filter, c.q("filterEncoded").value_or("") == "true");
    if (!ast)
      return bad_request(c, "QueryParseException: Cannot parse the supplied filter: " + *filter,
                         "bad_filter");
    std::vector<std::string> fields;
    fiql_fields(*ast, fields);
    for (const auto& f : fields)
      if (std::find(known.begin(), known.end(), f) == known.end())
        return bad_request(
          c, "QueryParseException: '" + f + "' is not a property of " + std::string{t->element},
          "bad_filter");
    std::erase_if(records, [&](const record& r) { return !matches(*ast, r); });
  }
  auto sort_asc = c.q("sortAsc");
  auto sort_desc = c.q("sortDesc");
  if (sort_asc || sort_desc) {
    auto key = sort_asc ? *sort_asc : *sort_desc;
    if (std::find(known.begin(), known.end(), key) == known.end())
      return bad_request(c, "'" + key + "' is not a property of " + std::string{t->element},
                         "bad_filter");
    bool asc = static_cast<bool>(sort_asc);
    std::stable_sort(records.begin(), records.end(), [&](const record& a, const record& b) {
      const auto* x = field(a, key);
      const auto* y = field(b, key);
      auto sx = x ? *x : std::string{};
      auto sy = y ? *y : std::string{};
      return asc ? sx < sy : sy < sx;
    });
  }
  int64_t page = 1;
  int64_t page_size = 25;
  try {
    if (auto p = c.q("page"))
      page = std::stoll(*p);
    if (auto p = c.q("pageSize"))
      page_size = std::stoll(*p);
  } catch (const std::exception&) {
    return bad_request(c, "page and pageSize must be integers", "invalid_value");
  }
  if (page < 1 || page_size < 1)
    return bad_request(c, "page and pageSize must be positive", "invalid_value");
  page_size = std::min<int64_t>(page_size, c.st.sc.max_page_size);
  auto total = static_cast<int64_t>(records.size());
  std::string body = "<QueryResultRecords xmlns=\"" + std::string{ns} + "\"" + attr("name", t->name)
                     + attr("page", std::to_string(page))
                     + attr("pageSize", std::to_string(page_size))
                     + attr("total", std::to_string(total)) + attr("href", page_url(c, page))
                     + attr("type", records_type) + ">\n";
  auto link = [&](std::string_view rel, int64_t p) {
    body += "  <Link" + attr("rel", rel) + attr("href", page_url(c, p)) + attr("type", records_type)
            + "/>\n";
  };
  int64_t last = std::max<int64_t>(1, (total + page_size - 1) / page_size);
  if (page > 1)
    link("previousPage", page - 1);
  if (page < last)
    link("nextPage", page + 1);
  link("firstPage", 1);
  link("lastPage", last);
  for (int64_t i = (page - 1) * page_size; i < std::min(total, page * page_size); ++i) {
    body += "  <" + std::string{t->element};
    for (const auto& [k, v] : records[static_cast<size_t>(i)])
      body += attr(k, v);
    body += "/>\n";
  }
  body += "</QueryResultRecords>\n";
  return xml_reply(c, 200, std::move(body), records_type);
}

http::response get_legacy_vapp_entity(ctx& c) {
  const auto& segment = c.params.at(0);
  bool is_vm = segment.rfind("vm-", 0) == 0;
  bool is_vapp = segment.rfind("vapp-", 0) == 0;
  auto uuid = std::string_view{segment}.substr(is_vm ? 3 : (is_vapp ? 5 : 0));
  if (!is_vm && !is_vapp)
    return entity_forbidden(c, uuid, "VAPP_VIEW");
  std::optional<http::response> out;
  for (auto& o : c.st.sc.orgs) {
    if (!c.sees_org(o.id))
      continue;
    for (auto& v : o.vdcs)
      for (auto& a : v.vapps) {
        if (is_vapp && urn_uuid(a.id) == uuid)
          return xml_reply(c, 200, vapp_document(c, o, v, a), vapp_type);
        if (is_vm)
          for (auto& m : a.vms)
            if (urn_uuid(m.id) == uuid)
              return xml_reply(c, 200, vm_element(c, vm_hit{&o, &v, &a, &m}, true), vm_type);
      }
  }
  return entity_forbidden(c, uuid, is_vm ? "VAPP_VM_VIEW" : "VAPP_VIEW");
}

// -- /_sim/vms controls ---------------------------------------------------------------------

namespace {

// A VM by URN, bare uuid or (when unique across all orgs) name; nullptr with `error` set.
vm_hit find_vm_for_control(ctx& c, std::string_view key, http::response& error) {
  vm_hit found;
  size_t by_name = 0;
  vm_hit named;
  for (auto& o : c.st.sc.orgs)
    for (auto& v : o.vdcs)
      for (auto& a : v.vapps)
        for (auto& m : a.vms) {
          if (m.id == key || urn_uuid(m.id) == key)
            found = vm_hit{&o, &v, &a, &m};
          if (m.name == key) {
            ++by_name;
            named = vm_hit{&o, &v, &a, &m};
          }
        }
  if (found.m == nullptr && by_name == 1)
    found = named;
  if (found.m == nullptr)
    error = error_reply(c, 404, "NOT_FOUND",
                        by_name > 1 ? "VM name '" + std::string{key} + "' is ambiguous; use its id"
                                    : "no VM " + std::string{key},
                        "unknown_urn");
  return found;
}

json::object vm_json(ctx& c, const vm_hit& h) {
  json::array nics;
  for (size_t i = 0; i < h.m->nics.size(); ++i) {
    const auto& n = h.m->nics[i];
    nics.push_back(json::object{{"network", n.network},
                                {"ip", n.ip},
                                {"external_ip", n.external_ip},
                                {"mac", mac_of(*h.m, i)},
                                {"connected", n.connected}});
  }
  return json::object{{"id", h.m->id},
                      {"name", h.m->name},
                      {"href", vm_href(c, *h.m)},
                      {"status", vm_status_text(h.m->status)},
                      {"primary_nic", h.m->primary_nic},
                      {"nics", std::move(nics)},
                      {"vapp", h.a->name},
                      {"vdc", h.v->name},
                      {"org", h.o->name}};
}

} // namespace

json::array render_vms(ctx& c) {
  json::array out;
  for (auto& o : c.st.sc.orgs)
    for (auto& v : o.vdcs)
      for (auto& a : v.vapps)
        for (auto& m : a.vms)
          out.push_back(vm_json(c, vm_hit{&o, &v, &a, &m}));
  return out;
}

http::response sim_list_vms(ctx& c) {
  return json_reply(c, 200, json::object{{"vms", render_vms(c)}});
}

// {"status": "POWERED_OFF"|8, "nics": [{"network","ip","external_ip","mac","connected"}],
//  "primary_nic": 0}: any subset; the VM changes at once.
http::response sim_patch_vm(ctx& c) {
  http::response error;
  auto h = find_vm_for_control(c, c.params.at(0), error);
  if (h.m == nullptr)
    return error;
  auto body = parse_body(c, error);
  if (!body)
    return error;
  auto next = *h.m;
  for (const auto& [k, v] : *body) {
    if (k == "status") {
      std::optional<int> s;
      if (v.is_string())
        s = parse_vm_status(v.get_string());
      else if (v.is_int64())
        s = static_cast<int>(v.get_int64());
      if (!s)
        return bad_request(c, "status: a VM status name or number", "invalid_value");
      next.status = *s;
    } else if (k == "primary_nic" && v.is_int64()) {
      next.primary_nic = static_cast<int>(v.get_int64());
    } else if (k == "nics" && v.is_array()) {
      next.nics.clear();
      for (const auto& n : v.get_array()) {
        if (!n.is_object() || str_field(n.get_object(), "network").empty())
          return bad_request(c, "nics: objects with at least a network", "invalid_value");
        const auto& no = n.get_object();
        nic_spec spec;
        spec.network = str_field(no, "network");
        spec.ip = str_field(no, "ip");
        spec.external_ip = str_field(no, "external_ip");
        spec.mac = str_field(no, "mac");
        if (const auto* conn = no.if_contains("connected"); conn != nullptr && conn->is_bool())
          spec.connected = conn->get_bool();
        next.nics.push_back(std::move(spec));
      }
    } else {
      return bad_request(c, "unknown or mistyped field '" + std::string{k} + "'", "invalid_value");
    }
  }
  if (next.primary_nic < 0
      || (!next.nics.empty() && next.primary_nic >= static_cast<int>(next.nics.size())))
    return bad_request(c, "primary_nic: no NIC with this index", "invalid_value");
  *h.m = std::move(next);
  return json_reply(c, 200, vm_json(c, h));
}

http::response sim_delete_vm(ctx& c) {
  http::response error;
  auto h = find_vm_for_control(c, c.params.at(0), error);
  if (h.m == nullptr)
    return error;
  auto& vms = h.a->vms;
  vms.erase(vms.begin() + (h.m - vms.data()));
  return no_content(c);
}

} // namespace vcdlb::vcd::sim::detail
