#include "protocol/node.hpp"

#include <algorithm>
#include <string_view>

namespace vcdlb {

namespace {

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; anything else fails.
enum class parsed_bool { yes, no, invalid };

parsed_bool parse_go_bool(std::string_view s) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t)
      return parsed_bool::yes;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f)
      return parsed_bool::no;
  return parsed_bool::invalid;
}

} // namespace

bool is_eligible_backend(const node_description& node) {
  if (node.deletion_requested)
    return false;
  for (const auto& [key, value] : node.labels) {
    if (key == node_keys::control_plane)
      return false;
    // "false" re-includes the node; an unparsable value excludes it (reference controller).
    if (key == node_keys::exclude_from_lb && parse_go_bool(value) != parsed_bool::no)
      return false;
  }
  return std::none_of(node.taint_keys.begin(), node.taint_keys.end(), [](const std::string& k) {
    return k == node_keys::to_be_deleted_taint || k == node_keys::uninitialized_taint;
  });
}

std::string first_internal_ip(const node_description& node) {
  for (const auto& [type, address] : node.addresses)
    if (type == "InternalIP")
      return address;
  return {};
}

node_info summarize(const node_description& node) {
  return {node.name, first_internal_ip(node), is_eligible_backend(node)};
}

std::vector<std::string> member_ips(const std::vector<node_info>& nodes) {
  std::vector<std::string> ips;
  ips.reserve(nodes.size());
  for (const auto& n : nodes)
    if (n.eligible && !n.internal_ip.empty())
      ips.push_back(n.internal_ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  return ips;
}

} // namespace vcdlb
