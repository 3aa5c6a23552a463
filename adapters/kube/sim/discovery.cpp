#include "adapters/kube/sim/discovery.hpp"

#include <string>

#include <boost/json/array.hpp>

#include "adapters/kube/sim/resources.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

json::object group_version(std::string_view group, std::string_view version) {
  json::object gv;
  gv["groupVersion"] = std::string{group} + "/" + std::string{version};
  gv["version"] = version;
  return gv;
}

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v)
    out.emplace_back(s);
  return out;
}

} // namespace

json::object version_document(server_version v) {
  json::object doc;
  doc["major"] = std::to_string(v.major);
  doc["minor"] = std::to_string(v.minor);
  doc["gitVersion"] = "v" + std::to_string(v.major) + "." + std::to_string(v.minor) + ".0";
  doc["gitCommit"] = "0000000000000000000000000000000000000000";
  doc["gitTreeState"] = "clean";
  doc["buildDate"] = "2026-01-01T00:00:00Z";
  doc["goVersion"] = "go1.22.0";
  doc["compiler"] = "gc";
  doc["platform"] = "linux/amd64";
  return doc;
}

json::object core_versions_document(std::string_view server_address) {
  json::object doc;
  doc["kind"] = "APIVersions";
  doc["versions"] = json::array{"v1"};
  json::object addr;
  addr["clientCIDR"] = "0.0.0.0/0";
  addr["serverAddress"] = server_address;
  doc["serverAddressByClientCIDRs"] = json::array{addr};
  return doc;
}

json::object group_document(std::string_view group) {
  for (const auto& [g, v] : api_groups()) {
    if (g != group)
      continue;
    json::object doc;
    doc["kind"] = "APIGroup";
    doc["apiVersion"] = "v1";
    doc["name"] = g;
    doc["versions"] = json::array{group_version(g, v)};
    doc["preferredVersion"] = group_version(g, v);
    return doc;
  }
  return {};
}

json::object group_list_document() {
  json::array groups;
  for (const auto& [g, v] : api_groups()) {
    json::object entry = group_document(g);
    entry.erase("kind");
    entry.erase("apiVersion");
    groups.push_back(std::move(entry));
  }
  json::object doc;
  doc["kind"] = "APIGroupList";
  doc["apiVersion"] = "v1";
  doc["groups"] = std::move(groups);
  return doc;
}

json::object resource_list_document(std::string_view group, std::string_view version) {
  json::array resources;
  for (const auto& r : all_resources()) {
    if (r.group != group || r.version != version)
      continue;
    json::object main;
    main["name"] = r.name;
    main["singularName"] = r.singular;
    main["namespaced"] = r.namespaced;
    main["kind"] = r.kind;
    main["verbs"] = json::array{"create", "delete", "deletecollection", "get",
                                "list",   "patch",  "update",           "watch"};
    if (!r.short_names.empty())
      main["shortNames"] = strings(r.short_names);
    if (!r.categories.empty())
      main["categories"] = strings(r.categories);
    resources.push_back(std::move(main));
    if (r.has_status) {
      json::object status;
      status["name"] = r.name + "/status";
      status["singularName"] = "";
      status["namespaced"] = r.namespaced;
      status["kind"] = r.kind;
      status["verbs"] = json::array{"get", "patch", "update"};
      resources.push_back(std::move(status));
    }
  }
  if (resources.empty())
    return {};
  json::object doc;
  doc["kind"] = "APIResourceList";
  doc["apiVersion"] = "v1";
  doc["groupVersion"] =
    group.empty() ? std::string{version} : std::string{group} + "/" + std::string{version};
  doc["resources"] = std::move(resources);
  return doc;
}

} // namespace vcdlb::kube::sim
