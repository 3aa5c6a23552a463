#include "actors/node_duties.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string provider_id_of(const vcd::vm& vm) {
  return std::string{provider_id_prefix} + vm.id;
}

std::string vm_id_of_provider_id(std::string_view provider_id) {
  auto id = trim(provider_id);
  if (id.substr(0, provider_id_prefix.size()) != provider_id_prefix)
    return {};
  return lower(trim(id.substr(provider_id_prefix.size())));
}

vm_inventory::vm_inventory(std::vector<vapp_read> vapps) : vapp_count_(vapps.size()) {
  for (auto& r : vapps)
    for (auto& v : r.vapp.vms) {
      auto index = vms_.size();
      names_.emplace(lower(v.name), index);
      ids_.emplace(lower(v.id), index);
      vms_.push_back({std::move(v), r.vapp.name, r.vdc_name});
    }
}

std::vector<const inventory_vm*> vm_inventory::by_name(const std::string& node_name) const {
  std::vector<const inventory_vm*> out;
  auto [b, e] = names_.equal_range(lower(node_name));
  for (auto i = b; i != e; ++i)
    out.push_back(&vms_[i->second]);
  std::sort(out.begin(), out.end(),
            [](const inventory_vm* a, const inventory_vm* b) { return a->vm.id < b->vm.id; });
  return out;
}

const inventory_vm* vm_inventory::by_id(const std::string& urn) const {
  auto i = ids_.find(lower(urn));
  return i == ids_.end() ? nullptr : &vms_[i->second];
}

vm_match find_vm(const vm_inventory& inv, const kube::node_snapshot& node,
                 const std::string& vapp_name) {
  vm_match out;
  if (auto id = vm_id_of_provider_id(node.provider_id); !id.empty()) {
    out.vm = inv.by_id(id);
    if (out.vm == nullptr)
      out.problem = node_problem{"VMNotFound",
                                 "no VM " + id + " (the Node's provider ID) in vApp " + vapp_name};
    return out;
  }
  auto found = inv.by_name(node.name);
  if (found.size() == 1) {
    out.vm = found.front();
  } else if (found.empty()) {
    out.problem = node_problem{"VMNotFound", "no VM named " + node.name + " in vApp " + vapp_name};
  } else {
    std::string where;
    for (const auto* v : found)
      where += (where.empty() ? "" : ", ") + v->vm.id + " (vApp " + v->vapp_name + ", VDC "
               + v->vdc_name + ")";
    out.problem = node_problem{"DuplicateVM", std::to_string(found.size()) + " VMs are named "
                                                + node.name + ": " + where};
  }
  return out;
}

std::optional<instance_metadata> metadata_of(const inventory_vm& v, const node_duty_settings& s,
                                             node_problem& problem) {
  instance_metadata md;
  md.provider_id = provider_id_of(v.vm);
  md.hostname = v.vm.name;
  const vcd::vm_nic* internal = nullptr;
  for (const auto& nic : v.vm.nics) {
    bool on_cluster_network =
      s.cluster_network.empty() ? nic.index == v.vm.primary_nic : nic.network == s.cluster_network;
    if (on_cluster_network && !nic.ip.empty() && internal == nullptr)
      internal = &nic;
  }
  if (internal == nullptr) {
    problem = {"NoClusterNetworkNIC",
               "VM " + v.vm.name + " (" + v.vm.id + ") has no NIC with an IP address on "
                 + (s.cluster_network.empty() ? std::string{"its primary connection"}
                                              : "network " + s.cluster_network)};
    return std::nullopt;
  }
  md.addresses.push_back({"InternalIP", internal->ip});
  // As upstream: every NIC's IP is also an ExternalIP (primary included), once each.
  std::set<std::string> seen;
  for (const auto& nic : v.vm.nics)
    if (!nic.ip.empty() && seen.insert(nic.ip).second)
      md.addresses.push_back({"ExternalIP", nic.ip});
  if (s.zones_enabled) {
    if (!s.zones) {
      problem = {"ZonesFileInvalid", "the zones file cannot be used: " + describe(s.zones.error())};
      return std::nullopt;
    }
    if (auto z = s.zones->zone_of_vdc.find(v.vdc_name); z != s.zones->zone_of_vdc.end())
      md.zone = z->second;
  }
  return md;
}

std::optional<node_problem> provided_ip_problem(const kube::node_snapshot& node,
                                                const inventory_vm& vm,
                                                const instance_metadata& md) {
  if (node.provided_node_ip.empty())
    return std::nullopt;
  std::string have;
  std::set<std::string> seen;
  for (const auto& a : md.addresses) {
    if (a.address == node.provided_node_ip)
      return std::nullopt;
    if (seen.insert(a.address).second)
      have += (have.empty() ? "" : ", ") + a.address;
  }
  return node_problem{"ProvidedNodeIPNotFound", "the kubelet's node IP " + node.provided_node_ip
                                                  + " (annotation "
                                                  + std::string{kube::provided_node_ip_annotation}
                                                  + ") is not an address of VM " + vm.vm.name + " ("
                                                  + vm.vm.id + "), which has " + have};
}

bool has_taint(const kube::node_snapshot& node, std::string_view key) {
  return std::any_of(node.taints.begin(), node.taints.end(),
                     [&](const kube::node_taint& t) { return t.key == key; });
}

kube::node_update initialization(const kube::node_snapshot& node, const instance_metadata& md) {
  kube::node_update u;
  u.resource_version = node.resource_version;
  if (node.provider_id.empty())
    u.provider_id = md.provider_id; // never overwritten (the apiserver refuses a change anyway)
  if (!md.zone.empty()) {
    u.labels[std::string{kube::label_zone}] = md.zone;
    u.labels[std::string{kube::label_zone_beta}] = md.zone;
  }
  std::vector<kube::node_taint> taints;
  for (const auto& t : node.taints)
    if (t.key != kube::taint_uninitialized) // every one of that key, any effect (upstream)
      taints.push_back(t);
  u.taints = std::move(taints);
  return u;
}

bool addresses_differ(const kube::node_snapshot& node, const instance_metadata& md) {
  std::multiset<std::pair<std::string, std::string>> have;
  std::multiset<std::pair<std::string, std::string>> want;
  for (const auto& a : node.addresses)
    if (a.type == "InternalIP" || a.type == "ExternalIP")
      have.emplace(a.type, a.address);
  for (const auto& a : md.addresses)
    want.emplace(a.type, a.address);
  return have != want;
}

lifecycle_action lifecycle_of(const kube::node_snapshot& node, const vm_match& m) {
  if (!node.provider_id.empty() && vm_id_of_provider_id(node.provider_id).empty())
    return lifecycle_action::none; // another provider's Node
  bool tainted = has_taint(node, kube::taint_shutdown);
  if (m.vm != nullptr && m.vm->vm.status == vcd::vm_status_powered_on)
    return tainted ? lifecycle_action::remove_shutdown_taint : lifecycle_action::none;
  if (node.ready == "True")
    return tainted ? lifecycle_action::remove_shutdown_taint : lifecycle_action::none;
  if (m.vm == nullptr)
    return m.problem && m.problem->reason == "VMNotFound" ? lifecycle_action::delete_node
                                                          : lifecycle_action::none;
  return tainted ? lifecycle_action::none : lifecycle_action::add_shutdown_taint;
}

std::vector<kube::node_taint> with_shutdown_taint(const kube::node_snapshot& node, bool present) {
  std::vector<kube::node_taint> out;
  for (const auto& t : node.taints)
    if (!(t.key == kube::taint_shutdown && t.effect == "NoSchedule"))
      out.push_back(t);
  if (present)
    out.push_back({std::string{kube::taint_shutdown}, "", "NoSchedule"});
  return out;
}

} // namespace vcdlb
