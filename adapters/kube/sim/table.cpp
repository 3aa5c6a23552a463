#include "adapters/kube/sim/table.hpp"

#include <cctype>
#include <ctime>

#include <boost/json/array.hpp>

#include "adapters/kube/sim/detail/json_util.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

struct column {
  const char* name;
  const char* type;
  const char* format;
  int priority;
};

std::vector<column> columns_of(const resource_info& r) {
  if (r.kind == "Service")
    return {{"Name", "string", "name", 0},   {"Type", "string", "", 0},
            {"Cluster-IP", "string", "", 0}, {"External-IP", "string", "", 0},
            {"Port(s)", "string", "", 0},    {"Age", "string", "", 0},
            {"Selector", "string", "", 1}};
  if (r.kind == "Node")
    return {{"Name", "string", "name", 0}, {"Status", "string", "", 0},
            {"Roles", "string", "", 0},    {"Age", "string", "", 0},
            {"Version", "string", "", 0},  {"Internal-IP", "string", "", 1}};
  if (r.kind == "Namespace")
    return {{"Name", "string", "name", 0}, {"Status", "string", "", 0}, {"Age", "string", "", 0}};
  if (r.kind == "Lease")
    return {{"Name", "string", "name", 0}, {"Holder", "string", "", 0}, {"Age", "string", "", 0}};
  if (r.kind == "Event") // the apiserver's event printer (kubectl get events)
    return {{"Last Seen", "string", "", 0}, {"Type", "string", "", 0},
            {"Reason", "string", "", 0},    {"Object", "string", "", 0},
            {"Subobject", "string", "", 1}, {"Source", "string", "", 1},
            {"Message", "string", "", 0},   {"First Seen", "string", "", 1},
            {"Count", "string", "", 1},     {"Name", "string", "name", 1}};
  return {{"Name", "string", "name", 0}, {"Age", "string", "", 0}};
}

std::optional<sim_clock::time_point> parse_time(std::string_view text) {
  std::tm tm{};
  std::string s{text};
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr)
    return std::nullopt;
  return sim_clock::from_time_t(timegm(&tm));
}

std::string age(const json::object& obj, sim_clock::time_point now) {
  auto created = parse_time(detail::meta_str(obj, "creationTimestamp"));
  if (!created)
    return "<unknown>";
  auto d = std::chrono::duration_cast<std::chrono::seconds>(now - *created);
  return human_duration(d < std::chrono::seconds{0} ? std::chrono::seconds{0} : d);
}

std::string join(const std::vector<std::string>& parts, std::string_view none) {
  if (parts.empty())
    return std::string{none};
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty())
      out += ',';
    out += p;
  }
  return out;
}

json::array service_cells(const json::object& svc, const std::string& age_text) {
  static const json::object empty;
  const auto* spec_p = detail::child(svc, "spec");
  const json::object& spec = spec_p != nullptr ? *spec_p : empty;
  std::string type{detail::str(spec, "type")};
  std::string cluster_ip{detail::str(spec, "clusterIP")};
  std::vector<std::string> external;
  if (type == "LoadBalancer") {
    const auto* status = detail::child(svc, "status");
    const auto* lb = status != nullptr ? detail::child(*status, "loadBalancer") : nullptr;
    const auto* ing = lb != nullptr ? lb->if_contains("ingress") : nullptr;
    if (ing != nullptr && ing->is_array())
      for (const auto& e : ing->as_array())
        if (const auto* eo = e.if_object()) {
          auto ip = detail::str(*eo, "ip");
          auto host = detail::str(*eo, "hostname");
          if (!ip.empty())
            external.emplace_back(ip);
          else if (!host.empty())
            external.emplace_back(host);
        }
  }
  if (const auto* ext = spec.if_contains("externalIPs"); ext != nullptr && ext->is_array())
    for (const auto& e : ext->as_array())
      if (e.is_string())
        external.emplace_back(e.as_string());
  std::string external_text = join(external, type == "LoadBalancer" ? "<pending>" : "<none>");
  if (type == "ExternalName")
    external_text = std::string{detail::str(spec, "externalName")};
  std::vector<std::string> ports;
  if (const auto* ps = spec.if_contains("ports"); ps != nullptr && ps->is_array())
    for (const auto& p : ps->as_array())
      if (const auto* po = p.if_object()) {
        std::string text = std::to_string(detail::as_int(po->if_contains("port")).value_or(0));
        if (auto np = detail::as_int(po->if_contains("nodePort")))
          text += ":" + std::to_string(*np);
        text += "/" + std::string{detail::str(*po, "protocol")};
        ports.push_back(std::move(text));
      }
  std::vector<std::string> selector;
  if (const auto* sel = detail::child(spec, "selector"))
    for (const auto& [k, v] : *sel)
      if (v.is_string())
        selector.push_back(std::string{k} + "=" + std::string{v.as_string()});
  return json::array{json::value(detail::meta_str(svc, "name")),
                     json::value(type),
                     json::value(cluster_ip.empty() ? "<none>" : cluster_ip),
                     json::value(external_text),
                     json::value(join(ports, "<none>")),
                     json::value(age_text),
                     json::value(join(selector, "<none>"))};
}

json::array node_cells(const json::object& node, const std::string& age_text) {
  std::string ready = "Unknown";
  std::string internal_ip = "<none>";
  std::string version;
  if (const auto* status = detail::child(node, "status")) {
    if (const auto* conds = status->if_contains("conditions");
        conds != nullptr && conds->is_array())
      for (const auto& c : conds->as_array())
        if (const auto* co = c.if_object(); co != nullptr && detail::str(*co, "type") == "Ready")
          ready = detail::str(*co, "status") == "True" ? "Ready" : "NotReady";
    if (const auto* addrs = status->if_contains("addresses"); addrs != nullptr && addrs->is_array())
      for (const auto& a : addrs->as_array())
        if (const auto* ao = a.if_object();
            ao != nullptr && detail::str(*ao, "type") == "InternalIP")
          internal_ip = std::string{detail::str(*ao, "address")};
    if (const auto* info = detail::child(*status, "nodeInfo"))
      version = std::string{detail::str(*info, "kubeletVersion")};
  }
  if (const auto* spec = detail::child(node, "spec");
      spec != nullptr && spec->contains("unschedulable") && spec->at("unschedulable") == true)
    ready += ",SchedulingDisabled";
  std::vector<std::string> roles;
  if (const auto* meta = detail::child(node, "metadata"))
    if (const auto* labels = detail::child(*meta, "labels"))
      for (const auto& [k, v] : *labels) {
        std::string_view key = k;
        constexpr std::string_view prefix = "node-role.kubernetes.io/";
        if (key.starts_with(prefix) && key.size() > prefix.size())
          roles.emplace_back(key.substr(prefix.size()));
      }
  return json::array{json::value(detail::meta_str(node, "name")),
                     json::value(ready),
                     json::value(join(roles, "<none>")),
                     json::value(age_text),
                     json::value(version),
                     json::value(internal_ip)};
}

// How long ago `stamp` (RFC 3339) was, as the apiserver's printers say it.
std::string since(std::string_view stamp, sim_clock::time_point now) {
  auto t = parse_time(stamp);
  if (!t)
    return "<unknown>";
  auto d = std::chrono::duration_cast<std::chrono::seconds>(now - *t);
  return human_duration(d < std::chrono::seconds{0} ? std::chrono::seconds{0} : d);
}

// printEvent: the first/last timestamps fall back to eventTime and to each other, a series
// carries its own count, the object is "kind/name" in lower case.
json::array event_cells(const json::object& ev, sim_clock::time_point now) {
  static const json::object empty;
  auto first = detail::str(ev, "firstTimestamp");
  if (first.empty())
    first = detail::str(ev, "eventTime");
  const std::string first_text = first.empty() ? "<unknown>" : since(first, now);
  auto last = detail::str(ev, "lastTimestamp");
  std::string last_text = last.empty() ? first_text : since(last, now);
  int64_t count = detail::as_int(ev.if_contains("count")).value_or(0);
  if (const auto* series = detail::child(ev, "series")) {
    last_text = since(detail::str(*series, "lastObservedTime"), now);
    count = detail::as_int(series->if_contains("count")).value_or(0);
  } else if (count == 0) {
    count = 1;
  }
  const auto* inv_p = detail::child(ev, "involvedObject");
  const json::object& inv = inv_p != nullptr ? *inv_p : empty;
  std::string kind{detail::str(inv, "kind")};
  for (auto& c : kind)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto inv_name = detail::str(inv, "name");
  std::string target = inv_name.empty() ? kind : kind + "/" + std::string{inv_name};
  // formatEventSource: the source component (and host), else the reporting controller.
  const auto* src_p = detail::child(ev, "source");
  std::string source{src_p != nullptr ? detail::str(*src_p, "component") : ""};
  std::string host{src_p != nullptr ? detail::str(*src_p, "host") : ""};
  if (source.empty()) {
    source = std::string{detail::str(ev, "reportingComponent")};
    host = std::string{detail::str(ev, "reportingInstance")};
  }
  if (!host.empty())
    source += ", " + host;
  std::string message{detail::str(ev, "message")};
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back())))
    message.pop_back();
  size_t lead = 0;
  while (lead < message.size() && std::isspace(static_cast<unsigned char>(message[lead])))
    ++lead;
  return json::array{json::value(last_text),
                     json::value(detail::str(ev, "type")),
                     json::value(detail::str(ev, "reason")),
                     json::value(target),
                     json::value(detail::str(inv, "fieldPath")),
                     json::value(source),
                     json::value(message.substr(lead)),
                     json::value(first_text),
                     json::value(count),
                     json::value(detail::meta_str(ev, "name"))};
}

json::array cells_of(const resource_info& r, const json::object& obj, sim_clock::time_point now) {
  std::string age_text = age(obj, now);
  if (r.kind == "Service")
    return service_cells(obj, age_text);
  if (r.kind == "Event")
    return event_cells(obj, now);
  if (r.kind == "Node")
    return node_cells(obj, age_text);
  json::value name(detail::meta_str(obj, "name"));
  if (r.kind == "Namespace") {
    const auto* status = detail::child(obj, "status");
    std::string phase{status != nullptr ? detail::str(*status, "phase") : ""};
    return json::array{name, json::value(phase), json::value(age_text)};
  }
  if (r.kind == "Lease") {
    const auto* spec = detail::child(obj, "spec");
    std::string holder{spec != nullptr ? detail::str(*spec, "holderIdentity") : ""};
    return json::array{name, json::value(holder), json::value(age_text)};
  }
  return json::array{name, json::value(age_text)};
}

} // namespace

bool wants_table(std::string_view accept) {
  return accept.find("as=Table") != std::string_view::npos;
}

table_object parse_include_object(std::string_view value) {
  if (value == "None")
    return table_object::none;
  if (value == "Object")
    return table_object::full;
  return table_object::metadata;
}

std::string human_duration(std::chrono::seconds d) {
  int64_t s = d.count();
  auto str = [](int64_t v) { return std::to_string(v); };
  if (s < 120)
    return str(s) + "s";
  int64_t m = s / 60;
  if (m < 10)
    return s % 60 == 0 ? str(m) + "m" : str(m) + "m" + str(s % 60) + "s";
  if (m < 180)
    return str(m) + "m";
  int64_t h = s / 3600;
  if (h < 8)
    return m % 60 == 0 ? str(h) + "h" : str(h) + "h" + str(m % 60) + "m";
  if (h < 48)
    return str(h) + "h";
  if (h < 24 * 8)
    return h % 24 == 0 ? str(h / 24) + "d" : str(h / 24) + "d" + str(h % 24) + "h";
  if (h < 24 * 365 * 2)
    return str(h / 24) + "d";
  if (h < 24 * 365 * 8)
    return str(h / 24 / 365) + "y" + str((h / 24) % 365) + "d";
  return str(h / 24 / 365) + "y";
}

json::object make_table(const resource_info& r, std::span<const json::object* const> objects,
                        sim_clock::time_point now, bool with_columns, table_object include,
                        std::string_view resource_version, std::string_view continue_token) {
  json::object table;
  table["kind"] = "Table";
  table["apiVersion"] = "meta.k8s.io/v1";
  json::object meta;
  if (!resource_version.empty())
    meta["resourceVersion"] = resource_version;
  if (!continue_token.empty())
    meta["continue"] = continue_token;
  table["metadata"] = std::move(meta);
  if (with_columns) {
    json::array cols;
    for (const auto& c : columns_of(r)) {
      json::object col;
      col["name"] = c.name;
      col["type"] = c.type;
      col["format"] = c.format;
      col["description"] = "";
      col["priority"] = c.priority;
      cols.push_back(std::move(col));
    }
    table["columnDefinitions"] = std::move(cols);
  }
  json::array rows;
  for (const auto* obj : objects) {
    json::object row;
    row["cells"] = cells_of(r, *obj, now);
    if (include == table_object::full) {
      row["object"] = *obj;
    } else if (include == table_object::metadata) {
      json::object partial;
      partial["kind"] = "PartialObjectMetadata";
      partial["apiVersion"] = "meta.k8s.io/v1";
      if (const auto* m = detail::child(*obj, "metadata"))
        partial["metadata"] = *m;
      row["object"] = std::move(partial);
    }
    rows.push_back(std::move(row));
  }
  table["rows"] = std::move(rows);
  return table;
}

} // namespace vcdlb::kube::sim
