#include "protocol/service.hpp"

namespace vcdlb {

std::string to_string(const service_key& key) {
  std::string result;
  result.reserve(key.ns.size() + key.name.size() + 1);
  result += key.ns;
  result += '/';
  result += key.name;
  return result;
}

std::string_view to_string(ip_protocol x) noexcept {
  switch (x) {
  case ip_protocol::tcp:
    return "TCP";
  case ip_protocol::udp:
    return "UDP";
  case ip_protocol::sctp:
    return "SCTP";
  }
  return "?";
}

bool wants_load_balancer(const service_spec& svc, std::string_view own_class) {
  if (svc.type != service_type::load_balancer)
    return false;
  return svc.load_balancer_class.empty()
         || (!own_class.empty() && svc.load_balancer_class == own_class);
}

bool needs_cleanup(const service_spec& svc, std::string_view own_class) {
  return svc.has_finalizer && (svc.deletion_requested || !wants_load_balancer(svc, own_class));
}

} // namespace vcdlb
