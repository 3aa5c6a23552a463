#include "adapters/kube/convert.hpp"

#include <algorithm>

namespace vcdlb::kube {

namespace {

vcdlb::service_type parse_type(const std::string& t) {
  if (t == "LoadBalancer")
    return vcdlb::service_type::load_balancer;
  if (t == "NodePort")
    return vcdlb::service_type::node_port;
  if (t == "ExternalName")
    return vcdlb::service_type::external_name;
  return vcdlb::service_type::cluster_ip; // the server default
}

vcdlb::ip_protocol parse_protocol(const std::string& p) {
  if (p == "UDP")
    return vcdlb::ip_protocol::udp;
  if (p == "SCTP")
    return vcdlb::ip_protocol::sctp;
  return vcdlb::ip_protocol::tcp;
}

std::string annotation(const service_snapshot& s, std::string_view key) {
  auto i = s.annotations.find(std::string{key});
  return i == s.annotations.end() ? std::string{} : i->second;
}

} // namespace

vcdlb::service_key to_engine_key(const service_key& k) {
  return {k.ns, k.name};
}

vcdlb::service_spec to_service_spec(const service_snapshot& s) {
  vcdlb::service_spec out;
  out.key = {s.ns, s.name};
  out.uid = s.uid;
  out.type = parse_type(s.type);
  out.load_balancer_class = s.load_balancer_class;
  out.load_balancer_ip = s.load_balancer_ip;
  for (const auto& p : s.ports)
    out.ports.push_back({p.name, parse_protocol(p.protocol), p.port, p.node_port, p.app_protocol});
  out.annotations.ssl_ports = annotation(s, vcdlb::annotations::ssl_ports);
  out.annotations.ssl_cert_alias = annotation(s, vcdlb::annotations::ssl_cert_alias);
  out.annotations.ssl_no_termination = annotation(s, vcdlb::annotations::ssl_no_termination);
  out.annotations.sharing_key = annotation(s, vcdlb::annotations::allow_shared_ip);
  out.annotations.source_ranges = annotation(s, vcdlb::annotations::source_ranges);
  out.deletion_requested = s.deleting;
  out.has_finalizer = s.has_finalizer(load_balancer_cleanup_finalizer);
  for (const auto& in : s.ingress)
    if (!in.ip.empty())
      out.ingress_ips.push_back(in.ip);
  out.local_traffic_policy = s.external_traffic_policy == "Local";
  out.load_balancer_source_ranges = s.load_balancer_source_ranges;
  return out;
}

vcdlb::node_description to_node_description(const node_snapshot& n) {
  vcdlb::node_description out;
  out.name = n.name;
  out.deletion_requested = n.deleting;
  for (const auto& [k, v] : n.labels)
    out.labels.emplace_back(k, v);
  for (const auto& t : n.taints)
    out.taint_keys.push_back(t.key);
  for (const auto& a : n.addresses)
    out.addresses.emplace_back(a.type, a.address);
  return out;
}

vcdlb::endpoint_slice_info to_endpoint_slice_info(const endpoint_slice_snapshot& s) {
  vcdlb::endpoint_slice_info out;
  out.service = {s.ns, s.service_name};
  out.name = s.name;
  for (const auto& e : s.endpoints)
    if (e.ready && !e.terminating && !e.node_name.empty())
      out.ready_nodes.push_back(e.node_name);
  std::sort(out.ready_nodes.begin(), out.ready_nodes.end());
  out.ready_nodes.erase(std::unique(out.ready_nodes.begin(), out.ready_nodes.end()),
                        out.ready_nodes.end());
  return out;
}

} // namespace vcdlb::kube
