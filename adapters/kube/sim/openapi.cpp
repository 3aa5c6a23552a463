#include "adapters/kube/sim/openapi.hpp"

#include <cstdint>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

// The schemas of the kinds the double implements, in the shapes of the apiserver's (names as
// in its OpenAPI: io.k8s.api.core.v1.Service, ...), reduced to the fields the double stores.
// "$ref" names another schema of this table; documents rewrite it to their own prefix.
// Subtrees marked x-kubernetes-preserve-unknown-fields are not modelled field by field.
constexpr std::string_view schema_text = R"({
 "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "properties": {
   "name": {"type": "string"}, "generateName": {"type": "string"},
   "namespace": {"type": "string"}, "uid": {"type": "string"},
   "resourceVersion": {"type": "string"}, "generation": {"type": "integer"},
   "selfLink": {"type": "string"}, "creationTimestamp": {"type": "string", "format": "date-time"},
   "deletionTimestamp": {"type": "string", "format": "date-time"},
   "deletionGracePeriodSeconds": {"type": "integer"},
   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
   "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
   "finalizers": {"type": "array", "items": {"type": "string"}},
   "ownerReferences": {"type": "array",
     "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
   "managedFields": {"type": "array",
     "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}},
 "io.k8s.api.core.v1.Service": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "spec": {"type": "object", "properties": {
     "type": {"type": "string"},
     "ports": {"type": "array", "items": {"type": "object", "properties": {
       "name": {"type": "string"}, "protocol": {"type": "string"},
       "appProtocol": {"type": "string"}, "port": {"type": "integer"},
       "targetPort": {"x-kubernetes-int-or-string": true}, "nodePort": {"type": "integer"}}},
       "x-kubernetes-list-map-keys": ["port", "protocol"], "x-kubernetes-list-type": "map",
       "x-kubernetes-patch-merge-key": "port", "x-kubernetes-patch-strategy": "merge"},
     "selector": {"type": "object", "additionalProperties": {"type": "string"}},
     "clusterIP": {"type": "string"},
     "clusterIPs": {"type": "array", "items": {"type": "string"}},
     "externalIPs": {"type": "array", "items": {"type": "string"}},
     "sessionAffinity": {"type": "string"},
     "sessionAffinityConfig": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
     "loadBalancerIP": {"type": "string"},
     "loadBalancerSourceRanges": {"type": "array", "items": {"type": "string"}},
     "loadBalancerClass": {"type": "string"},
     "externalName": {"type": "string"},
     "externalTrafficPolicy": {"type": "string"},
     "internalTrafficPolicy": {"type": "string"},
     "healthCheckNodePort": {"type": "integer"},
     "publishNotReadyAddresses": {"type": "boolean"},
     "ipFamilies": {"type": "array", "items": {"type": "string"}},
     "ipFamilyPolicy": {"type": "string"},
     "allocateLoadBalancerNodePorts": {"type": "boolean"},
     "trafficDistribution": {"type": "string"}}},
   "status": {"type": "object", "properties": {
     "loadBalancer": {"type": "object", "properties": {
       "ingress": {"type": "array", "items": {"type": "object", "properties": {
         "ip": {"type": "string"}, "hostname": {"type": "string"},
         "ipMode": {"type": "string"},
         "ports": {"type": "array",
           "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}},
     "conditions": {"type": "array",
       "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}},
  "x-kubernetes-group-version-kind": [{"group": "", "kind": "Service", "version": "v1"}]},
 "io.k8s.api.core.v1.Node": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "spec": {"type": "object", "properties": {
     "podCIDR": {"type": "string"},
     "podCIDRs": {"type": "array", "items": {"type": "string"}},
     "providerID": {"type": "string"}, "unschedulable": {"type": "boolean"},
     "externalID": {"type": "string"},
     "taints": {"type": "array", "items": {"type": "object", "properties": {
       "key": {"type": "string"}, "value": {"type": "string"}, "effect": {"type": "string"},
       "timeAdded": {"type": "string", "format": "date-time"}}}},
     "configSource": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
   "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
  "x-kubernetes-group-version-kind": [{"group": "", "kind": "Node", "version": "v1"}]},
 "io.k8s.api.core.v1.Namespace": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "spec": {"type": "object", "properties": {
     "finalizers": {"type": "array", "items": {"type": "string"}}}},
   "status": {"type": "object", "properties": {
     "phase": {"type": "string"},
     "conditions": {"type": "array",
       "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}},
  "x-kubernetes-group-version-kind": [{"group": "", "kind": "Namespace", "version": "v1"}]},
 "io.k8s.api.core.v1.Event": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "involvedObject": {"type": "object", "properties": {
     "kind": {"type": "string"}, "namespace": {"type": "string"}, "name": {"type": "string"},
     "uid": {"type": "string"}, "apiVersion": {"type": "string"},
     "resourceVersion": {"type": "string"}, "fieldPath": {"type": "string"}}},
   "reason": {"type": "string"}, "message": {"type": "string"},
   "source": {"type": "object", "properties": {
     "component": {"type": "string"}, "host": {"type": "string"}}},
   "firstTimestamp": {"type": "string", "format": "date-time"},
   "lastTimestamp": {"type": "string", "format": "date-time"},
   "count": {"type": "integer"}, "type": {"type": "string"},
   "eventTime": {"type": "string", "format": "date-time"},
   "series": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
   "action": {"type": "string"},
   "related": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
   "reportingComponent": {"type": "string"}, "reportingInstance": {"type": "string"}},
  "x-kubernetes-group-version-kind": [{"group": "", "kind": "Event", "version": "v1"}]},
 "io.k8s.api.coordination.v1.Lease": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "spec": {"type": "object", "properties": {
     "holderIdentity": {"type": "string"}, "leaseDurationSeconds": {"type": "integer"},
     "acquireTime": {"type": "string", "format": "date-time"},
     "renewTime": {"type": "string", "format": "date-time"},
     "leaseTransitions": {"type": "integer"}, "strategy": {"type": "string"},
     "preferredHolder": {"type": "string"}}}},
  "x-kubernetes-group-version-kind":
    [{"group": "coordination.k8s.io", "kind": "Lease", "version": "v1"}]},
 "io.k8s.api.discovery.v1.EndpointSlice": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"},
   "metadata": {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
   "addressType": {"type": "string"},
   "endpoints": {"type": "array",
     "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
   "ports": {"type": "array",
     "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
  "x-kubernetes-group-version-kind":
    [{"group": "discovery.k8s.io", "kind": "EndpointSlice", "version": "v1"}]}
})";

const json::object& schemas() {
  static const json::object parsed = json::parse(schema_text).as_object();
  return parsed;
}

// The schema name of a kind ("io.k8s.api.core.v1.Service").
std::string schema_name(const resource_info& r) {
  std::string prefix = "io.k8s.api.";
  prefix += r.group.empty() ? std::string{"core"} : r.group.substr(0, r.group.find('.'));
  return prefix + "." + r.version + "." + r.kind;
}

// A copy of `v` with every {"$ref": NAME} rewritten to `prefix` + NAME.
json::value with_refs(const json::value& v, std::string_view prefix) {
  if (const auto* o = v.if_object()) {
    json::object out;
    for (const auto& [k, child] : *o) {
      if (k == "$ref" && child.is_string())
        out[k] = std::string{prefix} + std::string{child.as_string()};
      else
        out[k] = with_refs(child, prefix);
    }
    return out;
  }
  if (const auto* a = v.if_array()) {
    json::array out;
    for (const auto& child : *a)
      out.push_back(with_refs(child, prefix));
    return out;
  }
  return v;
}

json::object gvk_of(const resource_info& r) {
  return json::object{{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
}

// Query parameters of writes: fieldValidation is what kubectl looks for to leave validation
// to the server.
json::array write_parameters(bool v3) {
  json::array out;
  auto param = [&](std::string_view name, std::string_view description) {
    json::object p{{"name", name}, {"in", "query"}, {"description", description}};
    if (v3)
      p["schema"] = json::object{{"type", "string"}, {"uniqueItems", true}};
    else
      p["type"] = "string";
    out.push_back(std::move(p));
  };
  param("fieldValidation",
        "Strict: unknown fields are an error (400); Warn (the default) and Ignore accept them");
  param("fieldManager", "the actor making the change");
  param("dryRun", "not supported by this server (400)");
  return out;
}

// The paths of one resource: the collection and the item (and /status), each operation
// tagged with its group-version-kind as the apiserver does.
void add_paths(json::object& paths, const resource_info& r, std::string_view ref_prefix, bool v3) {
  const std::string base = (r.group.empty() ? std::string{"/api/"} : "/apis/" + r.group + "/")
                           + r.version + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.name;
  const std::string schema_ref = std::string{ref_prefix} + schema_name(r);
  auto op = [&](std::string_view action, bool body, std::vector<std::string_view> patch_types) {
    json::object o{{"x-kubernetes-action", action},
                   {"x-kubernetes-group-version-kind", gvk_of(r)},
                   {"operationId", std::string{action} + r.kind}};
    if (body) {
      o["parameters"] = write_parameters(v3);
      if (v3) {
        json::object content;
        if (patch_types.empty())
          content["application/json"] =
            json::object{{"schema", json::object{{"$ref", schema_ref}}}};
        for (auto t : patch_types)
          content[t] = json::object{{"schema", json::object{{"type", "object"}}}};
        o["requestBody"] = json::object{{"content", std::move(content)}, {"required", true}};
      }
    }
    json::object ok{{"description", "OK"}};
    if (v3)
      ok["content"] = json::object{
        {"application/json", json::object{{"schema", json::object{{"$ref", schema_ref}}}}}};
    else
      ok["schema"] = json::object{{"$ref", schema_ref}};
    o["responses"] = json::object{{"200", std::move(ok)}};
    return o;
  };
  // Strategic merge patch is left out on purpose: kubectl then builds apply patches from its
  // compiled-in types, which know the merge keys the double implements.
  const std::vector<std::string_view> patches{"application/json-patch+json",
                                              "application/merge-patch+json"};
  paths[base] = json::object{{"get", op("list", false, {})}, {"post", op("post", true, {})}};
  json::object item{{"get", op("get", false, {})},
                    {"put", op("put", true, {})},
                    {"patch", op("patch", true, patches)},
                    {"delete", op("delete", false, {})}};
  paths[base + "/{name}"] = std::move(item);
  if (r.has_status)
    paths[base + "/{name}/status"] = json::object{{"get", op("get", false, {})},
                                                  {"put", op("put", true, {})},
                                                  {"patch", op("patch", true, patches)}};
}

json::object info() {
  return json::object{{"title", "Kubernetes (vcdlb kube-sim)"}, {"version", "v1.30.0"}};
}

// Appends the unknown fields of `v` under `schema` to `out`.
void walk(const json::value& v, const json::object& schema, const std::string& path,
          std::vector<std::string>& out, int depth) {
  if (depth > 64)
    return; // the schemas are shallow; a deeper value is beyond anything they declare
  const json::object* s = &schema;
  if (const auto* ref = s->if_contains("$ref"); ref != nullptr && ref->is_string()) {
    const auto* target = schemas().if_contains(ref->as_string());
    if (target == nullptr || !target->is_object())
      return;
    s = &target->as_object();
  }
  if (const auto* open = s->if_contains("x-kubernetes-preserve-unknown-fields");
      open != nullptr && open->is_bool() && open->as_bool())
    return;
  if (const auto* o = v.if_object()) {
    const auto* props = s->if_contains("properties");
    const auto* extra = s->if_contains("additionalProperties");
    for (const auto& [k, child] : *o) {
      if (!k.empty() && k.front() == '$')
        continue; // strategic merge directives ($patch, $setElementOrder/..., $retainKeys)
      const std::string key{k};
      const std::string child_path = path.empty() ? key : path + "." + key;
      if (props != nullptr && props->is_object()) {
        const auto* p = props->as_object().if_contains(k);
        if (p == nullptr || !p->is_object())
          out.push_back(child_path);
        else
          walk(child, p->as_object(), child_path, out, depth + 1);
      } else if (extra != nullptr && extra->is_object()) {
        walk(child, extra->as_object(), child_path, out, depth + 1);
      }
    }
    return;
  }
  if (const auto* a = v.if_array()) {
    const auto* items = s->if_contains("items");
    if (items == nullptr || !items->is_object())
      return;
    for (size_t i = 0; i < a->size(); ++i)
      walk((*a)[i], items->as_object(), path + "[" + std::to_string(i) + "]", out, depth + 1);
  }
}

// -- a minimal protobuf writer (wire types 0 and 2 are all gnostic's messages need here) -----

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// A length-delimited field: a string, or an embedded message already encoded.
void put_bytes(std::string& out, unsigned field, std::string_view bytes) {
  put_varint(out, (uint64_t{field} << 3) | 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// openapi.v2.Operation with operation_id (5), one query parameter per write parameter (8:
// ParametersItem.parameter(1) -> Parameter.non_body_parameter(2) ->
// NonBodyParameter.query_parameter_sub_schema(3) -> {in(2), description(3), name(4),
// type(6)}) and the x-kubernetes-group-version-kind vendor extension (13: NamedAny{name(1),
// value(2): Any{yaml(2)}}).
std::string operation_pb(const resource_info& r, std::string_view action, bool writes) {
  std::string op;
  put_bytes(op, 5, std::string{action} + r.kind);
  if (writes) {
    for (const auto& p : write_parameters(false)) {
      const auto& o = p.as_object();
      std::string query;
      put_bytes(query, 2, "query");
      put_bytes(query, 3, o.at("description").as_string());
      put_bytes(query, 4, o.at("name").as_string());
      put_bytes(query, 6, "string");
      std::string non_body;
      put_bytes(non_body, 3, query);
      std::string parameter;
      put_bytes(parameter, 2, non_body);
      std::string item;
      put_bytes(item, 1, parameter);
      put_bytes(op, 8, item);
    }
  }
  std::string any;
  put_bytes(any, 2,
            "group: \"" + r.group + "\"\nkind: " + r.kind + "\nversion: " + r.version + "\n");
  std::string ext;
  put_bytes(ext, 1, "x-kubernetes-group-version-kind");
  put_bytes(ext, 2, any);
  put_bytes(op, 13, ext);
  return op;
}

} // namespace

std::string openapi_v2_protobuf() {
  std::string paths;
  for (const auto& r : all_resources()) {
    const std::string base = (r.group.empty() ? std::string{"/api/"} : "/apis/" + r.group + "/")
                             + r.version + (r.namespaced ? "/namespaces/{namespace}/" : "/")
                             + r.name;
    // PathItem: get(2), put(3), post(4), delete(5), patch(8).
    std::string collection;
    put_bytes(collection, 2, operation_pb(r, "list", false));
    put_bytes(collection, 4, operation_pb(r, "post", true));
    std::string item;
    put_bytes(item, 2, operation_pb(r, "get", false));
    put_bytes(item, 3, operation_pb(r, "put", true));
    put_bytes(item, 5, operation_pb(r, "delete", false));
    put_bytes(item, 8, operation_pb(r, "patch", true));
    for (const auto& [path, value] : {std::pair{base, collection}, {base + "/{name}", item}}) {
      std::string named; // NamedPathItem{name(1), value(2)}
      put_bytes(named, 1, path);
      put_bytes(named, 2, value);
      put_bytes(paths, 2, named); // Paths.path(2)
    }
  }
  std::string info; // Info{title(1), version(2)}
  put_bytes(info, 1, "Kubernetes (vcdlb kube-sim)");
  put_bytes(info, 2, "v1.30.0");
  std::string doc; // Document{swagger(1), info(2), paths(8)}
  put_bytes(doc, 1, "2.0");
  put_bytes(doc, 2, info);
  put_bytes(doc, 8, paths);
  return doc;
}

json::object openapi_v3_root() {
  json::object paths;
  paths["api/v1"] = json::object{{"serverRelativeURL", "/openapi/v3/api/v1?hash=kube-sim-1"}};
  for (const auto& [group, version] : api_groups()) {
    const std::string key = "apis/" + group + "/" + version;
    paths[key] = json::object{{"serverRelativeURL", "/openapi/v3/" + key + "?hash=kube-sim-1"}};
  }
  return json::object{{"paths", std::move(paths)}};
}

std::optional<json::object> openapi_v3_document(std::string_view group, std::string_view version) {
  constexpr std::string_view prefix = "#/components/schemas/";
  json::object paths;
  json::object components;
  for (const auto& r : all_resources()) {
    if (r.group != group || r.version != version)
      continue;
    add_paths(paths, r, prefix, true);
    if (const auto* s = schemas().if_contains(schema_name(r)))
      components[schema_name(r)] = with_refs(*s, prefix);
  }
  if (paths.empty())
    return std::nullopt;
  const std::string meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  components[meta] = with_refs(schemas().at(meta), prefix);
  return json::object{{"openapi", "3.0.0"},
                      {"info", info()},
                      {"paths", std::move(paths)},
                      {"components", json::object{{"schemas", std::move(components)}}}};
}

json::object openapi_v2_document() {
  constexpr std::string_view prefix = "#/definitions/";
  json::object paths;
  for (const auto& r : all_resources())
    add_paths(paths, r, prefix, false);
  json::object definitions;
  for (const auto& [name, s] : schemas())
    definitions[name] = with_refs(s, prefix);
  return json::object{{"swagger", "2.0"},
                      {"info", info()},
                      {"paths", std::move(paths)},
                      {"definitions", std::move(definitions)}};
}

std::vector<std::string> unknown_fields(const resource_info& r, const json::object& obj) {
  std::vector<std::string> out;
  const auto* s = schemas().if_contains(schema_name(r));
  if (s == nullptr || !s->is_object())
    return out;
  walk(obj, s->as_object(), "", out, 0);
  return out;
}

} // namespace vcdlb::kube::sim
