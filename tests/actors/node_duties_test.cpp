// The node duties' pure decisions: VM matching (name, provider ID, duplicates), upstream's
// metadata (provider ID format, addresses, zones), initialization patches, and lifecycle.

#include "actors/node_duties.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;

vcd::vm make_vm(std::string id, std::string name, std::vector<vcd::vm_nic> nics,
                int32_t status = vcd::vm_status_powered_on, int32_t primary = 0) {
  vcd::vm v;
  v.id = std::move(id);
  v.name = std::move(name);
  v.status = status;
  v.primary_nic = primary;
  v.nics = std::move(nics);
  v.has_network_section = true;
  return v;
}

vm_inventory inventory(std::vector<std::pair<std::string, std::vector<vcd::vm>>> vdcs) {
  std::vector<vm_inventory::vapp_read> reads;
  for (auto& [vdc, vms] : vdcs) {
    vcd::vapp a;
    a.name = "cluster1_" + vdc;
    a.vms = std::move(vms);
    reads.push_back({std::move(a), vdc});
  }
  return vm_inventory{std::move(reads)};
}

kube::node_snapshot node(std::string name, std::string provider_id = "") {
  kube::node_snapshot n;
  n.name = std::move(name);
  n.provider_id = std::move(provider_id);
  n.resource_version = "5";
  return n;
}

TEST(node_duties, provider_ids_follow_upstream) {
  auto v = make_vm("urn:vcloud:vm:ABC", "n", {});
  EXPECT_EQ(provider_id_of(v), "vmware-cloud-director://urn:vcloud:vm:ABC");
  EXPECT_EQ(vm_id_of_provider_id(" vmware-cloud-director://urn:vcloud:vm:ABC "),
            "urn:vcloud:vm:abc");
  EXPECT_EQ(vm_id_of_provider_id("aws:///eu-west-1a/i-123"), "");
  EXPECT_EQ(vm_id_of_provider_id(""), "");
}

TEST(node_duties, matches_by_provider_id_then_lower_cased_name) {
  auto inv = inventory(
    {{"vdc1",
      {make_vm("urn:vcloud:vm:1", "Worker-1", {}), make_vm("urn:vcloud:vm:2", "worker-2", {})}},
     {"vdc2", {make_vm("urn:vcloud:vm:3", "worker-2", {})}}});
  auto m = find_vm(inv, node("worker-1"), "cluster1");
  ASSERT_NE(m.vm, nullptr) << "Node names are lower-cased host names";
  EXPECT_EQ(m.vm->vdc_name, "vdc1");
  auto by_id = find_vm(inv, node("renamed", "vmware-cloud-director://urn:vcloud:vm:3"), "c");
  ASSERT_NE(by_id.vm, nullptr);
  EXPECT_EQ(by_id.vm->vm.name, "worker-2");
  auto dup = find_vm(inv, node("worker-2"), "cluster1");
  EXPECT_EQ(dup.vm, nullptr);
  ASSERT_TRUE(dup.problem);
  EXPECT_EQ(dup.problem->reason, "DuplicateVM");
  EXPECT_NE(dup.problem->message.find("urn:vcloud:vm:3"), std::string::npos);
  auto none = find_vm(inv, node("worker-9"), "cluster1");
  ASSERT_TRUE(none.problem);
  EXPECT_EQ(none.problem->reason, "VMNotFound");
  auto gone = find_vm(inv, node("worker-1", "vmware-cloud-director://urn:vcloud:vm:9"), "c");
  EXPECT_EQ(gone.problem->reason, "VMNotFound");
}

TEST(node_duties, metadata_takes_the_cluster_network_nic_and_the_zone) {
  auto inv = inventory({{"vdc2",
                         {make_vm("urn:vcloud:vm:1", "w",
                                  {{0, "storage", "172.16.0.5", "", "", true},
                                   {1, "net1", "10.0.0.5", "", "", true},
                                   {2, "net1", "10.0.0.5", "", "", true}})}}});
  node_duty_settings s;
  s.cluster_network = "net1";
  s.zones_enabled = true;
  s.zones = config::zone_map{"dcgroup", {{"vdc1", "zone-a"}, {"vdc2", "zone-b"}}};
  node_problem p;
  auto md = metadata_of(*inv.by_name("w").front(), s, p);
  ASSERT_TRUE(md);
  EXPECT_EQ(md->provider_id, "vmware-cloud-director://urn:vcloud:vm:1");
  ASSERT_EQ(md->addresses.size(), 3u);
  EXPECT_EQ(md->addresses[0], (kube::node_address{"InternalIP", "10.0.0.5"}));
  EXPECT_EQ(md->addresses[1], (kube::node_address{"ExternalIP", "172.16.0.5"}));
  EXPECT_EQ(md->addresses[2], (kube::node_address{"ExternalIP", "10.0.0.5"}));
  EXPECT_EQ(md->hostname, "w");
  EXPECT_EQ(md->zone, "zone-b");

  s.cluster_network = ""; // upstream: the primary NIC
  md = metadata_of(*inv.by_name("w").front(), s, p);
  ASSERT_TRUE(md);
  EXPECT_EQ(md->addresses[0].address, "172.16.0.5");

  s.cluster_network = "net9";
  EXPECT_FALSE(metadata_of(*inv.by_name("w").front(), s, p));
  EXPECT_EQ(p.reason, "NoClusterNetworkNIC");
  EXPECT_NE(p.message.find("net9"), std::string::npos);

  s.cluster_network = "net1";
  s.zones = caf::make_error(config_errc::invalid_yaml, "zones file: (root): bad");
  EXPECT_FALSE(metadata_of(*inv.by_name("w").front(), s, p));
  EXPECT_EQ(p.reason, "ZonesFileInvalid");
  s.zones_enabled = false;
  EXPECT_TRUE(metadata_of(*inv.by_name("w").front(), s, p)) << "zones unused without zones";
}

TEST(node_duties, a_provided_node_ip_must_be_an_address_of_the_vm) {
  auto inv = inventory({{"vdc1",
                         {make_vm("urn:vcloud:vm:1", "w",
                                  {{0, "net1", "10.0.0.5", "", "", true},
                                   {1, "pub", "198.51.100.7", "", "", true}})}}});
  node_duty_settings s;
  s.cluster_network = "net1";
  node_problem p;
  const auto& vm = *inv.by_name("w").front();
  auto md = metadata_of(vm, s, p);
  ASSERT_TRUE(md);
  auto n = node("w");
  EXPECT_FALSE(provided_ip_problem(n, vm, *md)) << "no annotation: no check";
  n.provided_node_ip = "10.0.0.5";
  EXPECT_FALSE(provided_ip_problem(n, vm, *md));
  n.provided_node_ip = "198.51.100.7"; // a NIC off the cluster network counts (an ExternalIP)
  EXPECT_FALSE(provided_ip_problem(n, vm, *md));
  n.provided_node_ip = "10.0.0.9";
  auto problem = provided_ip_problem(n, vm, *md);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->reason, "ProvidedNodeIPNotFound");
  EXPECT_NE(problem->message.find("10.0.0.9"), std::string::npos) << problem->message;
  EXPECT_NE(problem->message.find("urn:vcloud:vm:1"), std::string::npos) << problem->message;
  EXPECT_NE(problem->message.find("10.0.0.5, 198.51.100.7"), std::string::npos)
    << "the VM's addresses, each once: " << problem->message;
  n.provided_node_ip = "10.0.0.50"; // exact match only, no prefix match
  EXPECT_TRUE(provided_ip_problem(n, vm, *md));
}

TEST(node_duties, initialization_keeps_other_taints_and_an_existing_provider_id) {
  auto n = node("w");
  n.taints = {{"node.cloudprovider.kubernetes.io/uninitialized", "true", "NoSchedule"},
              {"dedicated", "db", "NoExecute"},
              {"node.cloudprovider.kubernetes.io/uninitialized", "", "NoExecute"}};
  instance_metadata md{
    "vmware-cloud-director://urn:vcloud:vm:1", {{"InternalIP", "10.0.0.5"}}, "w", "zone-a"};
  auto u = initialization(n, md);
  EXPECT_EQ(u.resource_version, "5");
  EXPECT_EQ(u.provider_id, md.provider_id);
  ASSERT_TRUE(u.taints);
  ASSERT_EQ(u.taints->size(), 1u);
  EXPECT_EQ(u.taints->front().key, "dedicated");
  EXPECT_EQ(u.labels.at("topology.kubernetes.io/zone"), "zone-a");
  EXPECT_EQ(u.labels.at("failure-domain.beta.kubernetes.io/zone"), "zone-a");
  n.provider_id = "vmware-cloud-director://urn:vcloud:vm:OLD";
  EXPECT_FALSE(initialization(n, md).provider_id) << "never overwritten";
  md.zone = "";
  EXPECT_TRUE(initialization(n, md).labels.empty());
}

TEST(node_duties, address_changes_are_detected_regardless_of_order) {
  auto n = node("w");
  n.addresses = {{"ExternalIP", "10.0.0.5"}, {"InternalIP", "10.0.0.5"}};
  instance_metadata md{"p", {{"InternalIP", "10.0.0.5"}, {"ExternalIP", "10.0.0.5"}}, "w", ""};
  EXPECT_FALSE(addresses_differ(n, md));
  md.addresses[0].address = "10.0.0.6";
  EXPECT_TRUE(addresses_differ(n, md));
}

TEST(node_duties, lifecycle_decisions) {
  auto inv =
    inventory({{"vdc1",
                {make_vm("urn:vcloud:vm:1", "on", {}),
                 make_vm("urn:vcloud:vm:2", "off", {}, vcd::vm_status_powered_off),
                 make_vm("urn:vcloud:vm:3", "twin", {}), make_vm("urn:vcloud:vm:4", "twin", {})}}});
  auto decide = [&](const kube::node_snapshot& n) { return lifecycle_of(n, find_vm(inv, n, "c")); };
  auto gone = node("gone");
  gone.ready = "Unknown";
  EXPECT_EQ(decide(gone), lifecycle_action::delete_node);
  gone.ready = "True";
  EXPECT_EQ(decide(gone), lifecycle_action::none) << "a Ready Node is never deleted";
  auto foreign = node("gone", "aws:///i-1");
  foreign.ready = "False";
  EXPECT_EQ(decide(foreign), lifecycle_action::none);
  auto off = node("off");
  off.ready = "False";
  EXPECT_EQ(decide(off), lifecycle_action::add_shutdown_taint);
  off.taints = with_shutdown_taint(off, true);
  EXPECT_EQ(decide(off), lifecycle_action::none);
  off.ready = "True";
  EXPECT_EQ(decide(off), lifecycle_action::remove_shutdown_taint);
  auto on = node("on");
  on.ready = "Unknown";
  on.taints = with_shutdown_taint(on, true);
  EXPECT_EQ(decide(on), lifecycle_action::remove_shutdown_taint) << "the VM is back";
  EXPECT_TRUE(with_shutdown_taint(on, false).empty());
  auto twin = node("twin");
  twin.ready = "False";
  EXPECT_EQ(decide(twin), lifecycle_action::none);
}

} // namespace
