#include "adapters/kube/sim/resources.hpp"

namespace vcdlb::kube::sim {

namespace {

std::vector<resource_info> make_table() {
  std::vector<resource_info> t;
  t.push_back({"",
               "v1",
               "namespaces",
               "namespace",
               "Namespace",
               false,
               true,
               true,
               {"ns"},
               {},
               {"status.phase"}});
  t.push_back(
    {"", "v1", "nodes", "node", "Node", false, true, true, {"no"}, {}, {"spec.unschedulable"}});
  t.push_back({"", "v1", "services", "service", "Service", true, true, true, {"svc"}, {"all"}, {}});
  t.push_back({"",
               "v1",
               "events",
               "event",
               "Event",
               true,
               false,
               true,
               {"ev"},
               {},
               // The apiserver's selectable event fields (`kubectl events --for` uses
               // involvedObject.apiVersion).
               {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                "involvedObject.fieldPath", "reason", "reportingComponent", "type"}});
  t.push_back(
    {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false, false, {}, {}, {}});
  t.push_back({"discovery.k8s.io",
               "v1",
               "endpointslices",
               "endpointslice",
               "EndpointSlice",
               true,
               false,
               true,
               {},
               {},
               {}});
  return t;
}

} // namespace

std::span<const resource_info> all_resources() {
  static const std::vector<resource_info> table = make_table();
  return table;
}

const resource_info* find_resource(std::string_view group, std::string_view version,
                                   std::string_view name) {
  for (const auto& r : all_resources())
    if (r.group == group && r.version == version && r.name == name)
      return &r;
  return nullptr;
}

const resource_info* find_kind(std::string_view api_version, std::string_view kind) {
  for (const auto& r : all_resources())
    if (r.kind == kind && r.api_version() == api_version)
      return &r;
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> api_groups() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : all_resources()) {
    if (r.group.empty())
      continue;
    bool seen = false;
    for (const auto& [g, v] : out)
      seen = seen || g == r.group;
    if (!seen)
      out.emplace_back(r.group, r.version);
  }
  return out;
}

} // namespace vcdlb::kube::sim
