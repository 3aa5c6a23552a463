#include "adapters/kube/sim/services.hpp"

#include <algorithm>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/json/array.hpp>

#include "adapters/kube/sim/detail/json_util.hpp"

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

constexpr uint32_t cidr_base = (10u << 24) | (96u << 16); // 10.96.0.0/12
constexpr uint32_t cidr_size = 1u << 20;

std::optional<uint32_t> parse_v4(const std::string& text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address_v4(text, ec);
  if (ec)
    return std::nullopt;
  return a.to_uint();
}

std::string format_v4(uint32_t v) {
  return boost::asio::ip::address_v4{v}.to_string();
}

api_error svc_invalid(const json::object& svc, std::string_view field, std::string_view reason,
                      std::string detail) {
  return invalid("", "Service", detail::meta_str(svc, "name"), field, reason, std::move(detail));
}

bool dns1035_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s.front() >= 'a' && s.front() <= 'z'))
    return false;
  if (!std::isalnum(static_cast<unsigned char>(s.back())))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool needs_node_ports(std::string_view type, const json::object& spec) {
  if (type == "NodePort")
    return true;
  if (type != "LoadBalancer")
    return false;
  const auto* alloc = spec.if_contains("allocateLoadBalancerNodePorts");
  return alloc == nullptr || !alloc->is_bool() || alloc->as_bool();
}

// Applies defaults and checks the spec; no allocation.
result<bool> default_and_validate(json::object& svc, const service_allocator& alloc) {
  auto name = detail::meta_str(svc, "name");
  if (!dns1035_label(name))
    return svc_invalid(svc, "metadata.name", "FieldValueInvalid",
                       "Invalid value: \"" + std::string{name}
                         + "\": a DNS-1035 label must consist of lower case alphanumeric "
                           "characters or '-', start with an alphabetic character, and end with an "
                           "alphanumeric character");
  auto& spec = detail::child_mut(svc, "spec");
  if (!spec.contains("type"))
    spec["type"] = "ClusterIP";
  std::string type{detail::str(spec, "type")};
  if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" && type != "ExternalName")
    return svc_invalid(svc, "spec.type", "FieldValueNotSupported",
                       "Unsupported value: \"" + type
                         + "\": supported values: \"ClusterIP\", \"ExternalName\", "
                           "\"LoadBalancer\", \"NodePort\"");
  if (!spec.contains("sessionAffinity"))
    spec["sessionAffinity"] = "None";
  auto* ports_v = spec.if_contains("ports");
  if (type != "ExternalName"
      && (ports_v == nullptr || !ports_v->is_array() || ports_v->as_array().empty()))
    return svc_invalid(svc, "spec.ports", "FieldValueRequired", "Required value");
  if (ports_v != nullptr && ports_v->is_array()) {
    auto& ports = ports_v->as_array();
    std::vector<std::string> names;
    std::vector<std::pair<std::string, int64_t>> listeners; // (protocol, port)
    for (size_t i = 0; i < ports.size(); ++i) {
      std::string field = "spec.ports[" + std::to_string(i) + "]";
      if (!ports[i].is_object())
        return svc_invalid(svc, field, "FieldValueInvalid", "Invalid value: must be an object");
      auto& p = ports[i].as_object();
      auto port = detail::as_int(p.if_contains("port"));
      if (!port)
        return svc_invalid(svc, field + ".port", "FieldValueRequired", "Required value");
      if (*port < 1 || *port > 65535)
        return svc_invalid(svc, field + ".port", "FieldValueInvalid",
                           "Invalid value: " + std::to_string(*port)
                             + ": must be between 1 and 65535, inclusive");
      if (!p.contains("protocol"))
        p["protocol"] = "TCP";
      // A copy: inserting targetPort below may rehash `p` and move the string a view points at.
      const std::string proto{detail::str(p, "protocol")};
      if (proto != "TCP" && proto != "UDP" && proto != "SCTP")
        return svc_invalid(svc, field + ".protocol", "FieldValueNotSupported",
                           "Unsupported value: \"" + proto
                             + "\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
      if (!p.contains("targetPort"))
        p["targetPort"] = *port;
      std::string pname{detail::str(p, "name")};
      if (ports.size() > 1 && pname.empty())
        return svc_invalid(svc, field + ".name", "FieldValueRequired", "Required value");
      if (!pname.empty() && std::find(names.begin(), names.end(), pname) != names.end())
        return svc_invalid(svc, field + ".name", "FieldValueDuplicate",
                           "Duplicate value: \"" + pname + "\"");
      names.push_back(pname);
      // ValidateService: (protocol, port) pairs must be unique; the message prints the key.
      std::pair<std::string, int64_t> listener{proto, *port};
      if (std::find(listeners.begin(), listeners.end(), listener) != listeners.end())
        return svc_invalid(svc, field, "FieldValueDuplicate",
                           "Duplicate value: core.ServicePort{Name:\"\", Protocol:\""
                             + listener.first
                             + "\", AppProtocol:(*string)(nil), Port:" + std::to_string(*port)
                             + ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, "
                               "NodePort:0}");
      listeners.push_back(std::move(listener));
      if (auto np = detail::as_int(p.if_contains("nodePort"))) {
        if (!needs_node_ports(type, spec) && type != "LoadBalancer")
          return svc_invalid(svc, field + ".nodePort", "FieldValueForbidden",
                             "Forbidden: may not be used when `type` is '" + type + "'");
        if (*np < alloc.node_port_min() || *np > alloc.node_port_max())
          return svc_invalid(svc, field + ".nodePort", "FieldValueInvalid",
                             "Invalid value: " + std::to_string(*np)
                               + ": provided port is not in the valid range. The range of valid "
                                 "ports is "
                               + std::to_string(alloc.node_port_min()) + "-"
                               + std::to_string(alloc.node_port_max()));
      }
    }
  }
  if (type == "NodePort" || type == "LoadBalancer") {
    if (!spec.contains("externalTrafficPolicy"))
      spec["externalTrafficPolicy"] = "Cluster";
  }
  if (type == "LoadBalancer" && !spec.contains("allocateLoadBalancerNodePorts"))
    spec["allocateLoadBalancerNodePorts"] = true;
  if (type != "LoadBalancer" && spec.contains("loadBalancerClass"))
    return svc_invalid(svc, "spec.loadBalancerClass", "FieldValueForbidden",
                       "Forbidden: may only be used when `type` is 'LoadBalancer'");
  if (type != "ExternalName") {
    if (!spec.contains("internalTrafficPolicy"))
      spec["internalTrafficPolicy"] = "Cluster";
    if (!spec.contains("ipFamilies"))
      spec["ipFamilies"] = json::array{"IPv4"};
    if (!spec.contains("ipFamilyPolicy"))
      spec["ipFamilyPolicy"] = "SingleStack";
  }
  return true;
}

// Reservations made while preparing one write; released again unless committed.
class reservation {
public:
  explicit reservation(service_allocator& a) : alloc_(a) {}
  reservation(const reservation&) = delete;
  reservation& operator=(const reservation&) = delete;
  ~reservation() {
    if (committed_)
      return;
    for (const auto& ip : ips_)
      alloc_.release_ip(ip);
    for (int p : ports_)
      alloc_.release_node_port(p);
  }
  void took_ip(std::string ip) { ips_.push_back(std::move(ip)); }
  void took_port(int p) { ports_.push_back(p); }
  void commit() { committed_ = true; }

private:
  service_allocator& alloc_;
  std::vector<std::string> ips_;
  std::vector<int> ports_;
  bool committed_ = false;
};

// Fills spec.clusterIP(s) (unless ExternalName or headless).
result<bool> allocate_cluster_ip(json::object& svc, service_allocator& alloc, reservation& res) {
  auto& spec = detail::child_mut(svc, "spec");
  if (detail::str(spec, "type") == "ExternalName")
    return true;
  std::string ip{detail::str(spec, "clusterIP")};
  if (ip == "None") {
    spec["clusterIPs"] = json::array{"None"};
    return true;
  }
  if (ip.empty()) {
    auto got = alloc.allocate_ip();
    if (!got)
      return internal_error("failed to allocate a serviceIP: range is full");
    ip = *got;
  } else if (!alloc.reserve_ip(ip)) {
    return svc_invalid(svc, "spec.clusterIPs", "FieldValueInvalid",
                       "Invalid value: []string{\"" + ip + "\"}: failed to allocate IP " + ip
                         + ": provided IP is already allocated or not in the service CIDR");
  }
  res.took_ip(ip);
  spec["clusterIP"] = ip;
  spec["clusterIPs"] = json::array{json::value(ip)};
  return true;
}

// Fills nodePorts (keeping `keep` for ports present there) and healthCheckNodePort.
result<bool> allocate_node_ports(json::object& svc, const json::object* old_spec,
                                 service_allocator& alloc, reservation& res) {
  auto& spec = detail::child_mut(svc, "spec");
  std::string type{detail::str(spec, "type")};
  auto* ports_v = spec.if_contains("ports");
  if (ports_v == nullptr || !ports_v->is_array())
    return true;
  // Old node ports by (port, protocol) and all old node ports (for re-use without conflict).
  std::vector<std::pair<std::pair<int64_t, std::string>, int64_t>> old_ports;
  std::set<int64_t> old_set;
  if (old_spec != nullptr)
    if (const auto* op = old_spec->if_contains("ports"); op != nullptr && op->is_array())
      for (const auto& p : op->as_array())
        if (const auto* po = p.if_object())
          if (auto np = detail::as_int(po->if_contains("nodePort"))) {
            old_ports.push_back({{detail::as_int(po->if_contains("port")).value_or(0),
                                  std::string{detail::str(*po, "protocol")}},
                                 *np});
            old_set.insert(*np);
          }
  bool wants = needs_node_ports(type, spec);
  std::set<int64_t> used_here;
  auto& ports = ports_v->as_array();
  for (size_t i = 0; i < ports.size(); ++i) {
    auto& p = ports[i].as_object();
    auto np = detail::as_int(p.if_contains("nodePort"));
    if (!wants && type != "LoadBalancer") {
      // ClusterIP/ExternalName: node ports left over from an earlier type are dropped.
      if (np && old_set.count(*np) > 0)
        p.erase("nodePort");
      continue;
    }
    if (!np && wants) {
      auto key = std::make_pair(detail::as_int(p.if_contains("port")).value_or(0),
                                std::string{detail::str(p, "protocol")});
      for (const auto& [k, v] : old_ports)
        if (k == key && used_here.count(v) == 0)
          np = v;
    }
    if (!np) {
      if (!wants)
        continue;
      auto got = alloc.allocate_node_port();
      if (!got)
        return internal_error("failed to allocate a nodePort: range is full");
      res.took_port(*got);
      np = *got;
    } else if (old_set.count(*np) == 0 || used_here.count(*np) > 0) {
      // A port this Service did not hold before must be free (a second use of the same port
      // within one Service is fine only for different protocols, which we do not model).
      if (!alloc.reserve_node_port(static_cast<int>(*np)))
        return svc_invalid(
          svc, "spec.ports[" + std::to_string(i) + "].nodePort", "FieldValueInvalid",
          "Invalid value: " + std::to_string(*np) + ": provided port is already allocated");
      res.took_port(static_cast<int>(*np));
    }
    used_here.insert(*np);
    p["nodePort"] = *np;
  }
  // healthCheckNodePort: LoadBalancer with externalTrafficPolicy Local.
  bool wants_hc = type == "LoadBalancer" && detail::str(spec, "externalTrafficPolicy") == "Local";
  auto hc = detail::as_int(spec.if_contains("healthCheckNodePort"));
  auto old_hc = old_spec != nullptr ? detail::as_int(old_spec->if_contains("healthCheckNodePort"))
                                    : std::nullopt;
  if (!wants_hc) {
    spec.erase("healthCheckNodePort");
  } else if (!hc && old_hc) {
    spec["healthCheckNodePort"] = *old_hc;
    used_here.insert(*old_hc);
  } else if (!hc || *hc != old_hc.value_or(-1)) {
    if (hc) {
      if (!alloc.reserve_node_port(static_cast<int>(*hc)))
        return svc_invalid(svc, "spec.healthCheckNodePort", "FieldValueInvalid",
                           "Invalid value: " + std::to_string(*hc)
                             + ": provided port is already allocated");
    } else {
      auto got = alloc.allocate_node_port();
      if (!got)
        return internal_error("failed to allocate a nodePort: range is full");
      hc = *got;
    }
    res.took_port(static_cast<int>(*hc));
    spec["healthCheckNodePort"] = *hc;
    used_here.insert(*hc);
  } else {
    used_here.insert(*hc);
  }
  return true;
}

std::set<int64_t> node_ports_of(const json::object& spec) {
  std::set<int64_t> out;
  if (const auto* ps = spec.if_contains("ports"); ps != nullptr && ps->is_array())
    for (const auto& p : ps->as_array())
      if (const auto* po = p.if_object())
        if (auto np = detail::as_int(po->if_contains("nodePort")))
          out.insert(*np);
  if (auto hc = detail::as_int(spec.if_contains("healthCheckNodePort")))
    out.insert(*hc);
  return out;
}

// A type change to ClusterIP/ExternalName leaves the old node ports in a patched spec; the
// apiserver drops them instead of rejecting the update.
void drop_stale_node_ports(const json::object& old, json::object& svc) {
  auto* spec = svc.if_contains("spec");
  const auto* old_spec = detail::child(old, "spec");
  if (spec == nullptr || !spec->is_object() || old_spec == nullptr)
    return;
  auto& sp = spec->as_object();
  std::string_view type = detail::str(sp, "type");
  if (type == "NodePort" || type == "LoadBalancer")
    return;
  auto held = node_ports_of(*old_spec);
  if (auto* ps = sp.if_contains("ports"); ps != nullptr && ps->is_array())
    for (auto& p : ps->as_array())
      if (auto* po = p.if_object())
        if (auto np = detail::as_int(po->if_contains("nodePort")); np && held.count(*np) > 0)
          po->erase("nodePort");
  sp.erase("healthCheckNodePort");
  sp.erase("externalTrafficPolicy");
  sp.erase("allocateLoadBalancerNodePorts");
}

} // namespace

// -- allocator ----------------------------------------------------------------------------------

service_allocator::service_allocator(uint64_t seed, int node_port_min, int node_port_max)
  : node_port_min_(node_port_min), node_port_max_(node_port_max), rng_(seed) {
  ips_.insert(cidr_base + 1); // the `kubernetes` Service
}

std::optional<std::string> service_allocator::allocate_ip() {
  std::uniform_int_distribution<uint32_t> pick{2, cidr_size - 2};
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint32_t ip = cidr_base + pick(rng_);
    if (ips_.insert(ip).second)
      return format_v4(ip);
  }
  for (uint32_t off = 2; off < cidr_size - 1; ++off)
    if (ips_.insert(cidr_base + off).second)
      return format_v4(cidr_base + off);
  return std::nullopt;
}

bool service_allocator::reserve_ip(const std::string& ip) {
  auto v = parse_v4(ip);
  if (!v || *v <= cidr_base || *v >= cidr_base + cidr_size - 1)
    return false;
  return ips_.insert(*v).second;
}

void service_allocator::release_ip(const std::string& ip) {
  if (auto v = parse_v4(ip); v && *v != cidr_base + 1)
    ips_.erase(*v);
}

std::optional<int> service_allocator::allocate_node_port() {
  std::uniform_int_distribution<int> pick{node_port_min_, node_port_max_};
  for (int attempt = 0; attempt < 64; ++attempt) {
    int p = pick(rng_);
    if (node_ports_.insert(p).second)
      return p;
  }
  for (int p = node_port_min_; p <= node_port_max_; ++p)
    if (node_ports_.insert(p).second)
      return p;
  return std::nullopt;
}

bool service_allocator::reserve_node_port(int port) {
  if (port < node_port_min_ || port > node_port_max_)
    return false;
  return node_ports_.insert(port).second;
}

void service_allocator::release_node_port(int port) {
  node_ports_.erase(port);
}

// -- Service writes -----------------------------------------------------------------------------

result<json::object> prepare_service_create(json::object svc, service_allocator& alloc) {
  if (auto ok = default_and_validate(svc, alloc); !ok)
    return ok.error();
  reservation res{alloc};
  if (auto ok = allocate_cluster_ip(svc, alloc, res); !ok)
    return ok.error();
  if (auto ok = allocate_node_ports(svc, nullptr, alloc, res); !ok)
    return ok.error();
  json::object status;
  status["loadBalancer"] = json::object{};
  svc["status"] = std::move(status);
  res.commit();
  return svc;
}

result<json::object> prepare_service_update(const json::object& old, json::object svc,
                                            service_allocator& alloc) {
  drop_stale_node_ports(old, svc);
  if (auto ok = default_and_validate(svc, alloc); !ok)
    return ok.error();
  static const json::object empty;
  const json::object* old_spec_p = detail::child(old, "spec");
  const json::object& old_spec = old_spec_p != nullptr ? *old_spec_p : empty;
  auto& spec = detail::child_mut(svc, "spec");
  std::string old_ip{detail::str(old_spec, "clusterIP")};
  std::string new_ip{detail::str(spec, "clusterIP")};
  bool was_external = detail::str(old_spec, "type") == "ExternalName";
  bool is_external = detail::str(spec, "type") == "ExternalName";
  reservation res{alloc};
  if (!was_external && !is_external) {
    if (new_ip.empty()) {
      spec["clusterIP"] = old_ip;
      if (const auto* ips = old_spec.if_contains("clusterIPs"))
        spec["clusterIPs"] = *ips;
    } else if (new_ip != old_ip) {
      return svc_invalid(svc, "spec.clusterIPs[0]", "FieldValueInvalid",
                         "Invalid value: []string{\"" + new_ip + "\"}: may not change once set");
    }
  } else if (was_external && !is_external) {
    if (auto ok = allocate_cluster_ip(svc, alloc, res); !ok)
      return ok.error();
  }
  const auto* old_class = old_spec.if_contains("loadBalancerClass");
  const auto* new_class = spec.if_contains("loadBalancerClass");
  if (old_class != nullptr && (new_class == nullptr || *new_class != *old_class))
    return svc_invalid(svc, "spec.loadBalancerClass", "FieldValueInvalid",
                       "Invalid value: may not change once set");
  if (auto ok = allocate_node_ports(svc, &old_spec, alloc, res); !ok)
    return ok.error();
  // Ports the old spec held and the new one does not are free again.
  auto kept = node_ports_of(spec);
  for (auto p : node_ports_of(old_spec))
    if (kept.count(p) == 0)
      alloc.release_node_port(static_cast<int>(p));
  if (!was_external && is_external && !old_ip.empty() && old_ip != "None") {
    alloc.release_ip(old_ip);
    spec.erase("clusterIP");
    spec.erase("clusterIPs");
  }
  if (const auto* st = old.if_contains("status"))
    svc["status"] = *st;
  else
    svc.erase("status");
  res.commit();
  return svc;
}

result<json::object> prepare_service_status_update(const json::object& old, json::object svc) {
  if (const auto* sp = old.if_contains("spec"))
    svc["spec"] = *sp;
  auto& status = detail::child_mut(svc, "status");
  auto& lb = detail::child_mut(status, "loadBalancer");
  if (auto* ing = lb.if_contains("ingress"); ing != nullptr && ing->is_array()) {
    auto& list = ing->as_array();
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_object())
        continue;
      auto& entry = list[i].as_object();
      auto ip = detail::str(entry, "ip");
      if (ip.empty())
        continue;
      boost::system::error_code ec;
      boost::asio::ip::make_address(std::string{ip}, ec);
      if (ec)
        return svc_invalid(
          svc, "status.loadBalancer.ingress[" + std::to_string(i) + "].ip", "FieldValueInvalid",
          "Invalid value: \"" + std::string{ip} + "\": must be a valid IP address");
      if (!entry.contains("ipMode"))
        entry["ipMode"] = "VIP";
    }
  }
  return svc;
}

void release_service(const json::object& svc, service_allocator& alloc) {
  const auto* spec = detail::child(svc, "spec");
  if (spec == nullptr)
    return;
  std::string ip{detail::str(*spec, "clusterIP")};
  if (!ip.empty() && ip != "None")
    alloc.release_ip(ip);
  for (auto p : node_ports_of(*spec))
    alloc.release_node_port(static_cast<int>(p));
}

} // namespace vcdlb::kube::sim
