#pragma once

/// @file actors/node_duties.hpp
/// @brief The decisions of the cloud provider's node duties, as pure functions over a Node and
/// the cluster's VM inventory (nodes-and-legacy-api.md §1.3, §1.4, §2.2–2.6): which VM a Node
/// runs on, the metadata upstream sets (provider ID, addresses, zone), and what the lifecycle
/// duty does (delete, shutdown taint on or off). No I/O; the actors (actors/node_actor.hpp,
/// actors/vm_inventory_actor.hpp) act on the results.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/kube/node_client.hpp"
#include "adapters/kube/types.hpp"
#include "adapters/vcd/vm_client.hpp"
#include "config/zones.hpp"

namespace vcdlb {

/// The provider ID scheme of upstream's provider (`vmware-cloud-director://urn:vcloud:vm:<uuid>`),
/// so Nodes initialized by either provider keep their ID.
inline constexpr std::string_view provider_id_prefix = "vmware-cloud-director://";

/// `vmware-cloud-director://` + the VM's URN.
[[nodiscard]] std::string provider_id_of(const vcd::vm& vm);

/// The VM URN of a provider ID of our scheme (prefix stripped, trimmed, lower-cased, as
/// upstream reads it); "" for an empty ID or another scheme.
[[nodiscard]] std::string vm_id_of_provider_id(std::string_view provider_id);

/// One VM of the cluster with where it lives.
struct inventory_vm {
  vcd::vm vm;
  std::string vapp_name;
  std::string vdc_name;
};

/// The VMs of the cluster's vApp(s), indexed by lower-cased name and by URN. Built whole from a
/// successful read of every vApp (never from a partial one).
class vm_inventory {
public:
  struct vapp_read {
    vcd::vapp vapp;
    std::string vdc_name;
  };
  explicit vm_inventory(std::vector<vapp_read> vapps);

  /// VMs whose lower-cased name is `node_name` (Node names are lower-cased host names).
  [[nodiscard]] std::vector<const inventory_vm*> by_name(const std::string& node_name) const;
  [[nodiscard]] const inventory_vm* by_id(const std::string& urn) const;
  [[nodiscard]] size_t size() const { return vms_.size(); }
  [[nodiscard]] size_t vapp_count() const { return vapp_count_; }

private:
  std::vector<inventory_vm> vms_;
  std::unordered_multimap<std::string, size_t> names_;
  std::unordered_map<std::string, size_t> ids_;
  size_t vapp_count_ = 0;
};

using inventory_ptr = std::shared_ptr<const vm_inventory>;

/// What the node duties need besides the inventory.
struct node_duty_settings {
  /// The network whose NIC gives the InternalIP (the load balancer's `loadbalancer.network`);
  /// "" = the VM's primary NIC, as upstream.
  std::string cluster_network;
  bool zones_enabled = false; ///< `vcd.isZoneEnabledCluster`
  /// The parsed zones file, or why it could not be read (only consulted with zones enabled).
  caf::expected<config::zone_map> zones{config::zone_map{}};
};

/// Why a Node was left as it is; becomes a Warning Event on the Node and a log line.
struct node_problem {
  std::string reason; ///< Event reason: VMNotFound, DuplicateVM, NoClusterNetworkNIC,
                      ///< ZonesFileInvalid, ProvidedNodeIPNotFound
  std::string message;
  friend bool operator==(const node_problem&, const node_problem&) = default;
};

/// The outcome of a VM look-up for a Node.
struct vm_match {
  const inventory_vm* vm = nullptr; ///< set when exactly one VM matches
  std::optional<node_problem> problem;
};

/// By the Node's provider ID when it is ours, else by name (lower-cased VM name == Node name).
[[nodiscard]] vm_match find_vm(const vm_inventory& inv, const kube::node_snapshot& node,
                               const std::string& vapp_name);

/// What upstream's InstanceMetadata returns for a VM.
struct instance_metadata {
  std::string provider_id;
  std::vector<kube::node_address> addresses; ///< InternalIP first, then every NIC's ExternalIP
  std::string hostname;                      ///< the VM name
  std::string zone;                          ///< "" = no zone labels
};

/// The metadata of `vm`, or nullopt and the problem that stops it in `problem` (no NIC with an
/// address on the cluster network; an unreadable zones file in a zone-enabled cluster).
[[nodiscard]] std::optional<instance_metadata>
metadata_of(const inventory_vm& vm, const node_duty_settings& s, node_problem& problem);

/// When the Node's kubelet was given its IP (`--node-ip`: the
/// `alpha.kubernetes.io/provided-node-ip` annotation), that exact IP must be one of the VM's
/// addresses; otherwise the Node is neither initialized nor has its addresses rewritten (upstream's
/// ensureNodeProvidedIPExists, §1.3 (b)). The problem naming the IP and the VM's addresses, or
/// nullopt (no annotation, or found).
[[nodiscard]] std::optional<node_problem> provided_ip_problem(const kube::node_snapshot& node,
                                                              const inventory_vm& vm,
                                                              const instance_metadata& md);

[[nodiscard]] bool has_taint(const kube::node_snapshot& node, std::string_view key);

/// The initialization of an uninitialized Node: provider ID (only when the Node has none),
/// zone labels, and the taint list without the uninitialized taint, conditional on the Node's
/// resourceVersion.
[[nodiscard]] kube::node_update initialization(const kube::node_snapshot& node,
                                               const instance_metadata& md);

/// True when the Node's InternalIP/ExternalIP addresses differ from `md`'s (as a multiset per
/// type, so an order change alone is no change).
[[nodiscard]] bool addresses_differ(const kube::node_snapshot& node, const instance_metadata& md);

/// What the lifecycle duty does with a Node.
enum class lifecycle_action : uint8_t {
  none,
  delete_node,
  add_shutdown_taint,
  remove_shutdown_taint
};

/// The lifecycle decision (upstream's MonitorNodes, §1.4), on a complete inventory only:
/// - a Node of another provider (foreign provider ID) is never touched;
/// - VM powered on and the shutdown taint present -> remove it (the VM is back);
/// - Node Ready -> remove the shutdown taint if present, nothing else;
/// - VM gone (no match by ID or name) -> delete the Node;
/// - VM not powered on -> add the shutdown taint;
/// - two VMs of the Node's name -> nothing.
[[nodiscard]] lifecycle_action lifecycle_of(const kube::node_snapshot& node, const vm_match& m);

/// The taint list with the shutdown taint added or removed.
[[nodiscard]] std::vector<kube::node_taint> with_shutdown_taint(const kube::node_snapshot& node,
                                                                bool present);

} // namespace vcdlb
