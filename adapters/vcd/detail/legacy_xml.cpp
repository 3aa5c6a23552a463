#include "adapters/vcd/detail/legacy_xml.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "protocol/errors.hpp"

namespace vcdlb::vcd::detail {

namespace {

namespace pt = boost::property_tree;

constexpr std::string_view attr_key = "<xmlattr>";

caf::error bad(std::string what) {
  return caf::make_error(vcd_errc::bad_response, std::move(what));
}

std::string_view local_name(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// Parses `xml` into a tree; false (with `error` set) when it is not well-formed.
bool parse(std::string_view xml, pt::ptree& out, std::string& error) {
  try {
    std::istringstream in{std::string{xml}};
    pt::read_xml(in, out, pt::xml_parser::no_comments);
    return true;
  } catch (const pt::ptree_error& e) {
    error = e.what();
    return false;
  }
}

// The (only) root element and its local name.
const pt::ptree* root(const pt::ptree& doc, std::string_view& name) {
  for (const auto& [key, child] : doc) {
    if (key == "<xmlcomment>")
      continue;
    name = local_name(key);
    return &child;
  }
  return nullptr;
}

std::string attribute(const pt::ptree& el, std::string_view name) {
  auto attrs = el.get_child_optional(pt::ptree::path_type{std::string{attr_key}, '\0'});
  if (!attrs)
    return {};
  for (const auto& [key, value] : *attrs)
    if (local_name(key) == name)
      return value.data();
  return {};
}

const pt::ptree* child(const pt::ptree& el, std::string_view name) {
  for (const auto& [key, value] : el)
    if (local_name(key) == name)
      return &value;
  return nullptr;
}

std::string text(const pt::ptree& el, std::string_view name) {
  const auto* c = child(el, name);
  if (c == nullptr)
    return {};
  auto s = c->data();
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

// An integer attribute or text; `fallback` when absent, false when present but not a number.
bool to_int(std::string_view s, int64_t& out) {
  if (s.empty())
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool optional_int(std::string_view s, int64_t fallback, int64_t& out) {
  if (s.empty()) {
    out = fallback;
    return true;
  }
  return to_int(s, out);
}

// VCD writes `total` as an integer, some versions as "3.0"; clients parse it as a float.
bool to_count(std::string_view s, int64_t& out) {
  if (to_int(s, out))
    return out >= 0;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc{} || p != s.data() + s.size() || d < 0 || d != std::floor(d) || d > 1e15)
    return false;
  out = static_cast<int64_t>(d);
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

caf::expected<vm> decode_vm(const pt::ptree& el) {
  vm out;
  out.id = attribute(el, "id");
  out.name = attribute(el, "name");
  out.href = attribute(el, "href");
  if (out.id.empty() || out.name.empty() || out.href.empty())
    return bad("Vm without id, name or href");
  int64_t status = 0;
  if (!optional_int(attribute(el, "status"), 0, status))
    return bad("Vm '" + out.name + "': status is not a number");
  out.status = static_cast<int32_t>(status);
  const auto* section = child(el, "NetworkConnectionSection");
  if (section == nullptr)
    return out;
  out.has_network_section = true;
  int64_t primary = 0;
  if (!optional_int(text(*section, "PrimaryNetworkConnectionIndex"), 0, primary))
    return bad("Vm '" + out.name + "': PrimaryNetworkConnectionIndex is not a number");
  out.primary_nic = static_cast<int32_t>(primary);
  for (const auto& [key, nc] : *section) {
    if (local_name(key) != "NetworkConnection")
      continue;
    vm_nic nic;
    int64_t index = 0;
    if (!to_int(text(nc, "NetworkConnectionIndex"), index))
      return bad("Vm '" + out.name + "': NetworkConnection without a NetworkConnectionIndex");
    nic.index = static_cast<int32_t>(index);
    nic.network = attribute(nc, "network");
    nic.ip = text(nc, "IpAddress");
    nic.external_ip = text(nc, "ExternalIpAddress");
    nic.mac = text(nc, "MACAddress");
    nic.connected = text(nc, "IsConnected") == "true";
    out.nics.push_back(std::move(nic));
  }
  return out;
}

} // namespace

caf::expected<query_records_page> decode_query_records(std::string_view xml) {
  pt::ptree doc;
  std::string error;
  if (!parse(xml, doc, error))
    return bad("query result is not XML: " + error);
  std::string_view name;
  const auto* r = root(doc, name);
  if (r == nullptr || name != "QueryResultRecords")
    return bad("query result is not a QueryResultRecords document");
  query_records_page out;
  if (!optional_int(attribute(*r, "page"), 0, out.page)
      || !optional_int(attribute(*r, "pageSize"), 0, out.page_size))
    return bad("QueryResultRecords: page or pageSize is not a number");
  auto total = attribute(*r, "total");
  if (!total.empty() && !to_count(total, out.total))
    return bad("QueryResultRecords: total '" + total + "' is not a count");
  for (const auto& [key, rec] : *r) {
    auto local = local_name(key);
    if (!ends_with(local, "Record"))
      continue;
    std::map<std::string, std::string, std::less<>> attrs;
    attrs["_element"] = std::string{local};
    if (auto a = rec.get_child_optional(pt::ptree::path_type{std::string{attr_key}, '\0'}))
      for (const auto& [k, v] : *a)
        attrs[std::string{local_name(k)}] = v.data();
    out.records.push_back(std::move(attrs));
  }
  return out;
}

caf::expected<std::vector<vapp_record>> vapp_records(const query_records_page& page) {
  std::vector<vapp_record> out;
  out.reserve(page.records.size());
  for (const auto& rec : page.records) {
    auto get = [&](std::string_view key) {
      auto it = rec.find(key);
      return it == rec.end() ? std::string{} : it->second;
    };
    auto element = get("_element");
    if (element != "VAppRecord" && element != "AdminVAppRecord")
      return bad("expected VAppRecord, got " + element);
    vapp_record v;
    v.name = get("name");
    v.href = get("href");
    if (v.name.empty() || v.href.empty())
      return bad("VAppRecord without name or href");
    v.vdc_href = get("vdc");
    v.vdc_name = get("vdcName");
    v.status = get("status");
    int64_t n = 0;
    if (!optional_int(get("numberOfVMs"), 0, n))
      return bad("VAppRecord '" + v.name + "': numberOfVMs is not a number");
    v.number_of_vms = static_cast<int32_t>(n);
    out.push_back(std::move(v));
  }
  return out;
}

caf::expected<vapp> decode_vapp(std::string_view xml) {
  pt::ptree doc;
  std::string error;
  if (!parse(xml, doc, error))
    return bad("vApp is not XML: " + error);
  std::string_view name;
  const auto* r = root(doc, name);
  if (r == nullptr || name != "VApp")
    return bad("expected a VApp document");
  vapp out;
  out.id = attribute(*r, "id");
  out.name = attribute(*r, "name");
  out.href = attribute(*r, "href");
  if (out.id.empty() || out.name.empty())
    return bad("VApp without id or name");
  int64_t status = 0;
  if (!optional_int(attribute(*r, "status"), 0, status))
    return bad("VApp '" + out.name + "': status is not a number");
  out.status = static_cast<int32_t>(status);
  for (const auto& [key, link] : *r)
    if (local_name(key) == "Link" && attribute(link, "rel") == "up"
        && attribute(link, "type").find("vdc+xml") != std::string::npos)
      out.vdc_href = attribute(link, "href");
  if (const auto* children = child(*r, "Children")) {
    for (const auto& [key, el] : *children) {
      if (local_name(key) != "Vm")
        continue;
      auto v = decode_vm(el);
      if (!v)
        return bad("VApp '" + out.name + "': " + describe(v.error()));
      out.vms.push_back(std::move(*v));
    }
  }
  return out;
}

xml_error_body decode_xml_error(std::string_view body) {
  xml_error_body out;
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || body[first] != '<')
    return out;
  pt::ptree doc;
  std::string error;
  if (!parse(body, doc, error))
    return out;
  std::string_view name;
  const auto* r = root(doc, name);
  if (r == nullptr || name != "Error")
    return out;
  int64_t major = 0;
  if (!optional_int(attribute(*r, "majorErrorCode"), 0, major))
    return out;
  out.ok = true;
  out.major_error_code = static_cast<int32_t>(major);
  out.minor_error_code = attribute(*r, "minorErrorCode");
  out.message = attribute(*r, "message");
  return out;
}

} // namespace vcdlb::vcd::detail
