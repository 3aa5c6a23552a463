#include "adapters/kube/detail/encode.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace vcdlb::kube::detail {

namespace json = boost::json;

namespace {

json::value ingress_json(const lb_ingress& in) {
  json::object o;
  if (!in.ip.empty())
    o["ip"] = in.ip;
  if (!in.hostname.empty())
    o["hostname"] = in.hostname;
  if (!in.ip_mode.empty())
    o["ipMode"] = in.ip_mode;
  if (!in.ports.empty()) {
    json::array ports;
    for (const auto& p : in.ports) {
      json::object po;
      po["port"] = p.port;
      po["protocol"] = p.protocol;
      if (!p.error.empty())
        po["error"] = p.error;
      ports.push_back(std::move(po));
    }
    o["ports"] = std::move(ports);
  }
  return o;
}

} // namespace

std::string encode_status_patch(const std::vector<lb_ingress>& ingress) {
  json::object lb;
  if (ingress.empty()) {
    lb["ingress"] = nullptr;
  } else {
    json::array arr;
    for (const auto& in : ingress)
      arr.push_back(ingress_json(in));
    lb["ingress"] = std::move(arr);
  }
  json::object status;
  status["loadBalancer"] = std::move(lb);
  json::object root;
  root["status"] = std::move(status);
  return json::serialize(root);
}

std::string encode_finalizers_patch(const std::vector<std::string>& finalizers,
                                    std::string_view resource_version) {
  json::object meta;
  if (!resource_version.empty())
    meta["resourceVersion"] = resource_version;
  if (finalizers.empty()) {
    meta["finalizers"] = nullptr;
  } else {
    json::array arr;
    for (const auto& f : finalizers)
      arr.push_back(json::string{f});
    meta["finalizers"] = std::move(arr);
  }
  json::object root;
  root["metadata"] = std::move(meta);
  return json::serialize(root);
}

std::string encode_event(const event& ev) {
  json::object meta;
  meta["name"] = ev.name;
  meta["namespace"] = ev.ns;
  json::object ref;
  ref["kind"] = ev.involved_object.kind;
  if (!ev.involved_object.ns.empty())
    ref["namespace"] = ev.involved_object.ns;
  ref["name"] = ev.involved_object.name;
  if (!ev.involved_object.uid.empty())
    ref["uid"] = ev.involved_object.uid;
  ref["apiVersion"] = ev.involved_object.api_version;
  if (!ev.involved_object.resource_version.empty())
    ref["resourceVersion"] = ev.involved_object.resource_version;
  json::object source;
  source["component"] = ev.source_component;
  if (!ev.source_host.empty())
    source["host"] = ev.source_host;
  json::object root;
  root["apiVersion"] = "v1";
  root["kind"] = "Event";
  root["metadata"] = std::move(meta);
  root["involvedObject"] = std::move(ref);
  root["reason"] = ev.reason;
  root["message"] = ev.message;
  root["type"] = to_string(ev.type);
  root["source"] = std::move(source);
  root["firstTimestamp"] = ev.first_timestamp;
  root["lastTimestamp"] = ev.last_timestamp;
  root["count"] = ev.count;
  root["eventTime"] = nullptr;
  root["reportingComponent"] = ev.source_component;
  root["reportingInstance"] = ev.source_host;
  return json::serialize(root);
}

std::string encode_event_patch(int32_t count, std::string_view last_timestamp,
                               std::string_view message) {
  json::object root;
  root["count"] = count;
  root["lastTimestamp"] = last_timestamp;
  root["message"] = message;
  return json::serialize(root);
}

std::string encode_service(const service_snapshot& svc) {
  auto string_map = [](const std::map<std::string, std::string>& m) {
    json::object o;
    for (const auto& [k, v] : m)
      o[k] = v;
    return o;
  };
  json::object meta;
  meta["name"] = svc.name;
  meta["namespace"] = svc.ns;
  if (!svc.labels.empty())
    meta["labels"] = string_map(svc.labels);
  if (!svc.annotations.empty())
    meta["annotations"] = string_map(svc.annotations);
  json::object spec;
  if (!svc.type.empty())
    spec["type"] = svc.type;
  json::array ports;
  for (const auto& p : svc.ports) {
    json::object po;
    if (!p.name.empty())
      po["name"] = p.name;
    po["protocol"] = p.protocol;
    po["port"] = p.port;
    if (p.node_port > 0)
      po["nodePort"] = p.node_port;
    if (!p.app_protocol.empty())
      po["appProtocol"] = p.app_protocol;
    ports.push_back(std::move(po));
  }
  spec["ports"] = std::move(ports);
  if (!svc.load_balancer_class.empty())
    spec["loadBalancerClass"] = svc.load_balancer_class;
  if (!svc.load_balancer_ip.empty())
    spec["loadBalancerIP"] = svc.load_balancer_ip;
  if (!svc.external_traffic_policy.empty())
    spec["externalTrafficPolicy"] = svc.external_traffic_policy;
  if (!svc.load_balancer_source_ranges.empty()) {
    json::array ranges;
    for (const auto& r : svc.load_balancer_source_ranges)
      ranges.push_back(json::string{r});
    spec["loadBalancerSourceRanges"] = std::move(ranges);
  }
  json::object root;
  root["apiVersion"] = "v1";
  root["kind"] = "Service";
  root["metadata"] = std::move(meta);
  root["spec"] = std::move(spec);
  return json::serialize(root);
}

std::string encode_lease(const lease& l) {
  json::object meta;
  meta["name"] = l.name;
  meta["namespace"] = l.ns;
  if (!l.resource_version.empty())
    meta["resourceVersion"] = l.resource_version;
  json::object spec;
  // client-go sends an empty holderIdentity on release; keep the field so the intent is explicit.
  spec["holderIdentity"] = l.holder_identity;
  spec["leaseDurationSeconds"] = l.lease_duration_seconds;
  if (!l.acquire_time.empty())
    spec["acquireTime"] = l.acquire_time;
  if (!l.renew_time.empty())
    spec["renewTime"] = l.renew_time;
  spec["leaseTransitions"] = l.lease_transitions;
  json::object root;
  root["apiVersion"] = "coordination.k8s.io/v1";
  root["kind"] = "Lease";
  root["metadata"] = std::move(meta);
  root["spec"] = std::move(spec);
  return json::serialize(root);
}

} // namespace vcdlb::kube::detail
