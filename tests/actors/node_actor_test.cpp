// The VM inventory actor and the node actor on CAF's deterministic scheduler, with the fake VCD
// (vm_client) and the fake Kubernetes client: Nodes initialized from the inventory, addresses
// kept current, VMs powered off/on and deleted, VCD down (nothing deleted), zones across two
// VDCs, bad input reported once, upstream-initialized and foreign Nodes untouched, and batched
// VCD reads (not one per Node).

#include "actors/node_actor.hpp"

#include <tuple>

#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "adapters/vcd/fake_vm_client.hpp"
#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

struct recorded_event {
  std::string node, type, reason, message;
};

// What the duties report to their observer (the metrics' source), as totals.
struct recording_observer final : node_duties_observer {
  void inventory_read(bool ok, size_t vms) override {
    ++(ok ? reads_ok : reads_failed);
    last_vms = vms;
  }
  void node_initialized(bool ok) override { ++(ok ? init_ok : init_failed); }
  void node_addresses_updated() override { ++address_updates; }
  void node_deleted() override { ++deletions; }
  void node_problem(std::string_view reason) override { problems.emplace_back(reason); }
  void nodes_tainted(size_t u, size_t s) override {
    uninitialized = u;
    shutdown = s;
  }
  size_t reads_ok = 0, reads_failed = 0, last_vms = 0, init_ok = 0, init_failed = 0;
  size_t address_updates = 0, deletions = 0, uninitialized = 0, shutdown = 0;
  std::vector<std::string> problems;
};

class node_actor_test : public actor_fixture {
protected:
  ~node_actor_test() override {
    for (auto& a : {nodes_, inventory_})
      if (a)
        self_->send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  void start(bool zones = false, bool cloud_node = true, bool lifecycle = true) {
    vm_inventory_args ia;
    ia.client = vcd_;
    ia.settings.vapp_name = "cluster1";
    ia.settings.zones_enabled = zones;
    ia.observer = observer_;
    inventory_ = sys_.spawn(vm_inventory_behavior, ia);
    node_actor_args na;
    na.kube = kube_;
    na.inventory = inventory_;
    na.vapp_name = "cluster1";
    na.settings.cluster_network = "net1";
    na.settings.zones_enabled = zones;
    na.settings.zones = zones_;
    na.cloud_node = cloud_node;
    na.lifecycle = lifecycle;
    na.observer = observer_;
    na.events = [this](const kube::node_snapshot& n, const std::string& type,
                       const std::string& reason, const std::string& message) {
      events_.push_back({n.name, type, reason, message});
    };
    nodes_ = sys_.spawn(node_actor_behavior, na);
    settle();
  }

  // Runs actors and the fake API server's completions until both are quiet; the informer's
  // part (telling the node actor about stored Nodes) is `feed`.
  void settle() {
    for (int i = 0; i < 50; ++i) {
      auto a = run();
      auto k = kube_->run();
      if (a == 0 && k == 0)
        return;
    }
  }

  // A kubelet with --cloud-provider=external registers a Node.
  void register_node(const std::string& name, std::string ready = "True",
                     std::string provider_id = "", bool tainted = true) {
    kube::node_snapshot n;
    n.name = name;
    n.ready = std::move(ready);
    n.provider_id = std::move(provider_id);
    if (tainted)
      n.taints = {{std::string{kube::taint_uninitialized}, "true", "NoSchedule"}};
    feed(kube_->put_node(n));
  }

  void feed(const kube::node_snapshot& n) {
    node_changed(nodes_, n, false);
    settle();
  }

  // The stored Node with a new Ready status, as the kubelet (or its absence) would report.
  void set_ready(const std::string& name, std::string ready) {
    auto n = *kube_->node(name);
    n.ready = std::move(ready);
    feed(kube_->put_node(n));
  }

  // The next periodic inventory read.
  void next_period() {
    advance_time(61s);
    settle();
  }

  kube::node_snapshot stored(const std::string& name) { return *kube_->node(name); }

  size_t count_events(const std::string& reason) const {
    size_t n = 0;
    for (const auto& e : events_)
      n += e.reason == reason ? 1 : 0;
    return n;
  }

  size_t writes() const {
    size_t n = 0;
    for (const auto& c : kube_->calls())
      n += c.rfind("patch_node", 0) == 0 || c.rfind("delete_node", 0) == 0 ? 1 : 0;
    return n;
  }

  std::shared_ptr<vcd::fake_vm_client> vcd_ = std::make_shared<vcd::fake_vm_client>();
  std::shared_ptr<kube::fake_client> kube_ = std::make_shared<kube::fake_client>();
  std::shared_ptr<recording_observer> observer_ = std::make_shared<recording_observer>();
  caf::expected<config::zone_map> zones_{config::zone_map{}};
  caf::actor inventory_;
  caf::actor nodes_;
  std::vector<recorded_event> events_;
};

TEST_F(node_actor_test, initializes_new_nodes_like_upstream) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto id = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start();
  register_node("worker-1");
  auto n = stored("worker-1");
  EXPECT_EQ(n.provider_id, "vmware-cloud-director://" + id);
  EXPECT_TRUE(n.taints.empty());
  EXPECT_EQ(n.first_address("InternalIP"), "10.0.0.11");
  EXPECT_EQ(n.first_address("ExternalIP"), "10.0.0.11");
  EXPECT_EQ(count_events("Synced"), 1u);
  EXPECT_TRUE(n.labels.empty()) << "no zones: no zone labels";
}

TEST_F(node_actor_test, vcd_is_read_in_batches_not_per_node) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  for (int i = 0; i < 100; ++i)
    vcd_->add_vm(vapp, "worker-" + std::to_string(i), "net1", "10.0.1." + std::to_string(i));
  start();
  for (int i = 0; i < 100; ++i)
    register_node("worker-" + std::to_string(i));
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(stored("worker-" + std::to_string(i)).taints.empty());
  EXPECT_EQ(vcd_->calls("query_vapps"), 1u);
  EXPECT_EQ(vcd_->calls("get_vapp"), 1u);
  next_period();
  EXPECT_EQ(vcd_->calls("query_vapps"), 2u) << "one read per period, whatever the Node count";
  EXPECT_EQ(vcd_->calls("get_vapp"), 2u);
}

TEST_F(node_actor_test, a_node_newer_than_the_inventory_triggers_one_read) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  start();
  vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  register_node("worker-1");
  EXPECT_FALSE(stored("worker-1").taints.empty()) << "not before the read";
  advance_time(11s); // min_interval of on-demand reads
  settle();
  EXPECT_TRUE(stored("worker-1").taints.empty());
  EXPECT_EQ(count_events("VMNotFound"), 0u);
  EXPECT_EQ(vcd_->calls("query_vapps"), 2u);
}

TEST_F(node_actor_test, bad_input_is_reported_once_and_the_node_left_alone) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "no-nic", "storage", "172.16.0.1");
  start();
  register_node("ghost");
  register_node("no-nic");
  advance_time(11s);
  settle();
  next_period();
  EXPECT_EQ(count_events("VMNotFound"), 1u);
  EXPECT_EQ(count_events("NoClusterNetworkNIC"), 1u);
  EXPECT_EQ(writes(), 0u);
  EXPECT_FALSE(stored("ghost").taints.empty());
  // Fixed: the NIC moves to the cluster network; the Node is initialized at the next read.
  vcd_->set_vm_nics(vm, {{0, "net1", "10.0.0.7", "", "m", true}});
  next_period();
  EXPECT_TRUE(stored("no-nic").taints.empty());
  EXPECT_EQ(stored("no-nic").first_address("InternalIP"), "10.0.0.7");
}

TEST_F(node_actor_test, a_provided_node_ip_that_is_not_the_vms_stops_init_and_address_updates) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  vcd_->add_vm(vapp, "worker-2", "net1", "10.0.0.12");
  start();
  // worker-1's kubelet was started with --node-ip=10.0.0.99, which the VM does not have.
  kube::node_snapshot n;
  n.name = "worker-1";
  n.ready = "True";
  n.provided_node_ip = "10.0.0.99";
  n.taints = {{std::string{kube::taint_uninitialized}, "true", "NoSchedule"}};
  feed(kube_->put_node(n));
  // worker-2's matches its VM: initialized as usual.
  kube::node_snapshot ok = n;
  ok.name = "worker-2";
  ok.provided_node_ip = "10.0.0.12";
  feed(kube_->put_node(ok));
  EXPECT_TRUE(stored("worker-2").taints.empty());
  EXPECT_TRUE(has_taint(stored("worker-1"), kube::taint_uninitialized));
  EXPECT_EQ(stored("worker-1").provider_id, "");
  ASSERT_EQ(count_events("ProvidedNodeIPNotFound"), 1u);
  const auto& warning = events_.front();
  EXPECT_EQ(warning.node, "worker-1");
  EXPECT_EQ(warning.type, "Warning");
  EXPECT_NE(warning.message.find("10.0.0.99"), std::string::npos) << warning.message;
  EXPECT_NE(warning.message.find("10.0.0.11"), std::string::npos) << warning.message;
  next_period();
  EXPECT_EQ(count_events("ProvidedNodeIPNotFound"), 1u) << "reported once";

  // The VM gets the kubelet's IP: the Node is initialized at the next read.
  vcd_->set_vm_nics(vm, {{0, "net1", "10.0.0.99", "", "m", true}});
  next_period();
  EXPECT_FALSE(has_taint(stored("worker-1"), kube::taint_uninitialized));
  EXPECT_EQ(stored("worker-1").first_address("InternalIP"), "10.0.0.99");

  // Later the VM's NIC changes away from it: the address refresh skips the Node (Warning again,
  // as it is a new problem after the Node was fine), and the old addresses stay.
  vcd_->set_vm_nics(vm, {{0, "net1", "10.0.0.77", "", "m", true}});
  auto before = writes();
  next_period();
  EXPECT_EQ(writes(), before) << "addresses not rewritten";
  EXPECT_EQ(stored("worker-1").first_address("InternalIP"), "10.0.0.99");
  EXPECT_EQ(count_events("ProvidedNodeIPNotFound"), 2u);
}

TEST_F(node_actor_test, zones_across_two_vdcs) {
  zones_ = config::zone_map{"dcgroup", {{"vdc1", "zone-a"}, {"vdc2", "zone-b"}}};
  auto a = vcd_->add_vapp("cluster1_vdc1", "vdc1");
  auto b = vcd_->add_vapp("cluster1_vdc2-extra", "vdc2");
  vcd_->add_vapp("cluster1_vdc3", "vdc1"); // names another VDC: not the cluster's
  vcd_->add_vm(a, "worker-a", "net1", "10.0.0.1");
  vcd_->add_vm(b, "worker-b", "net1", "10.0.0.2");
  vcd_->add_vm(b, "twin", "net1", "10.0.0.3");
  vcd_->add_vm(a, "twin", "net1", "10.0.0.4");
  start(true);
  register_node("worker-a");
  register_node("worker-b");
  register_node("twin");
  EXPECT_EQ(stored("worker-a").labels.at("topology.kubernetes.io/zone"), "zone-a");
  EXPECT_EQ(stored("worker-b").labels.at("topology.kubernetes.io/zone"), "zone-b");
  EXPECT_EQ(stored("worker-b").labels.at("failure-domain.beta.kubernetes.io/zone"), "zone-b");
  EXPECT_EQ(count_events("DuplicateVM"), 1u);
  EXPECT_FALSE(stored("twin").taints.empty());
  EXPECT_EQ(vcd_->calls("get_vapp"), 2u) << "the third vApp is not read";
}

TEST_F(node_actor_test, an_initialized_node_named_by_two_vms_gets_a_warning_not_a_write) {
  auto a = vcd_->add_vapp("cluster1", "vdc1");
  vcd_->add_vm(a, "worker-1", "net1", "10.0.0.1");
  vcd_->add_vm(a, "Worker-1", "net1", "10.0.0.2"); // names compare lower-cased
  start();
  // Initialized before any provider ID was set (no taint, no provider ID).
  register_node("worker-1", "True", "", /*tainted=*/false);
  next_period();
  EXPECT_EQ(count_events("DuplicateVM"), 1u) << "once, not at every read";
  EXPECT_EQ(writes(), 0u);
}

TEST_F(node_actor_test, a_bad_zones_file_leaves_nodes_uninitialized) {
  zones_ = caf::make_error(config_errc::invalid_yaml, "zones file: (root): not YAML");
  auto a = vcd_->add_vapp("cluster1", "vdc1");
  vcd_->add_vm(a, "worker-a", "net1", "10.0.0.1");
  start(true);
  register_node("worker-a");
  EXPECT_EQ(count_events("ZonesFileInvalid"), 1u);
  EXPECT_FALSE(stored("worker-a").taints.empty());
}

TEST_F(node_actor_test, addresses_follow_nic_changes) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start();
  register_node("worker-1");
  vcd_->set_vm_nics(
    vm, {{0, "net1", "10.0.0.99", "", "m", true}, {1, "pub", "198.51.100.7", "", "m2", true}});
  next_period();
  auto n = stored("worker-1");
  EXPECT_EQ(n.first_address("InternalIP"), "10.0.0.99");
  EXPECT_EQ(n.addresses.size(), 3u);
  auto before = writes();
  next_period();
  EXPECT_EQ(writes(), before) << "no change, no write";
}

TEST_F(node_actor_test, powered_off_vms_taint_their_nodes_until_back) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start();
  register_node("worker-1");
  vcd_->set_vm_status(vm, vcd::vm_status_powered_off);
  next_period();
  EXPECT_FALSE(has_taint(stored("worker-1"), kube::taint_shutdown)) << "still Ready";
  set_ready("worker-1", "Unknown");
  EXPECT_TRUE(has_taint(stored("worker-1"), kube::taint_shutdown));
  vcd_->set_vm_status(vm, vcd::vm_status_powered_on);
  next_period();
  EXPECT_FALSE(has_taint(stored("worker-1"), kube::taint_shutdown));
  EXPECT_TRUE(kube_->node("worker-1")) << "powered off is not gone";
}

TEST_F(node_actor_test, a_deleted_vm_deletes_its_node_after_a_confirming_read) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  vcd_->add_vm(vapp, "worker-2", "net1", "10.0.0.12");
  start();
  register_node("worker-1");
  register_node("worker-2");
  vcd_->remove_vm(vm);
  next_period();
  EXPECT_TRUE(kube_->node("worker-1")) << "still Ready: never deleted";
  set_ready("worker-1", "Unknown");
  EXPECT_TRUE(kube_->node("worker-1")) << "missed once: a new read must confirm";
  advance_time(11s);
  settle();
  EXPECT_FALSE(kube_->node("worker-1"));
  EXPECT_EQ(count_events("DeletingNode"), 1u);
  EXPECT_TRUE(kube_->node("worker-2"));
}

TEST_F(node_actor_test, vcd_down_deletes_nothing) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start();
  register_node("worker-1");
  set_ready("worker-1", "Unknown");
  auto before = writes();
  vcd_->fail_next(caf::make_error(vcd_errc::unavailable, "VCD down"), 1000);
  for (int i = 0; i < 5; ++i)
    next_period();
  vcd_->remove_vapp(vapp); // VCD answers again, but the cluster vApp is not found
  vcd_->fail_next(caf::error{}, 0);
  next_period();
  EXPECT_TRUE(kube_->node("worker-1"));
  EXPECT_EQ(writes(), before);
  self_->send(inventory_, caf::get_atom::value);
  run();
  uint64_t reads = 0;
  uint64_t failed = 0;
  EXPECT_TRUE(try_receive([&](uint64_t r, uint64_t f, uint64_t, uint64_t) {
    reads = r;
    failed = f;
  }));
  EXPECT_EQ(reads, 1u);
  EXPECT_GE(failed, 5u);
}

TEST_F(node_actor_test, upstream_initialized_and_foreign_nodes_are_untouched) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto id = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start();
  kube::node_snapshot up;
  up.name = "worker-1";
  up.ready = "True";
  up.provider_id = "vmware-cloud-director://" + id;
  up.addresses = {{"InternalIP", "10.0.0.11"}, {"ExternalIP", "10.0.0.11"}};
  feed(kube_->put_node(up));
  kube::node_snapshot foreign;
  foreign.name = "edge-box";
  foreign.ready = "Unknown";
  foreign.provider_id = "kind://docker/kind/edge-box";
  foreign.taints = {{std::string{kube::taint_uninitialized}, "true", "NoSchedule"}};
  feed(kube_->put_node(foreign));
  next_period();
  advance_time(11s);
  settle();
  EXPECT_EQ(writes(), 0u);
  EXPECT_TRUE(kube_->node("edge-box"));
  EXPECT_TRUE(events_.empty());
}

TEST_F(node_actor_test, only_the_enabled_duties_run) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  start(false, /*cloud_node=*/false, /*lifecycle=*/true);
  register_node("worker-1", "Unknown");
  EXPECT_FALSE(stored("worker-1").taints.empty()) << "cloud-node is off";
  vcd_->set_vm_status(vm, vcd::vm_status_powered_off);
  next_period();
  EXPECT_TRUE(has_taint(stored("worker-1"), kube::taint_shutdown));
}

TEST_F(node_actor_test, the_observer_sees_what_the_duties_do) {
  auto vapp = vcd_->add_vapp("cluster1", "vdc1");
  auto vm1 = vcd_->add_vm(vapp, "worker-1", "net1", "10.0.0.11");
  auto vm2 = vcd_->add_vm(vapp, "worker-2", "net1", "10.0.0.12");
  start();
  EXPECT_EQ(observer_->reads_ok, 1u);
  EXPECT_EQ(observer_->last_vms, 2u);
  register_node("worker-1");
  register_node("ghost", "Unknown");
  EXPECT_EQ(observer_->init_ok, 1u);
  EXPECT_EQ(observer_->uninitialized, 1u) << "ghost waits";
  // A write that fails: the initialization counts as failed, the Node stays uninitialized.
  kube_->fail_next("patch_node", caf::make_error(kube_errc::conflict, "changed"));
  register_node("worker-2");
  EXPECT_EQ(observer_->init_failed, 1u);
  EXPECT_EQ(observer_->uninitialized, 2u);
  feed(stored("worker-2")); // its next change: initialized then
  EXPECT_EQ(observer_->init_ok, 2u);
  EXPECT_EQ(observer_->uninitialized, 1u);
  advance_time(11s);
  settle(); // ghost: confirmed missing -> VMNotFound, then deleted (not Ready)
  EXPECT_EQ(observer_->problems, std::vector<std::string>{"VMNotFound"});
  EXPECT_EQ(observer_->deletions, 1u);
  EXPECT_EQ(observer_->uninitialized, 0u);
  vcd_->set_vm_nics(vm1, {{0, "net1", "10.0.0.99", "", "m", true}});
  vcd_->set_vm_status(vm2, vcd::vm_status_powered_off);
  set_ready("worker-2", "Unknown");
  next_period();
  EXPECT_EQ(observer_->address_updates, 1u);
  EXPECT_EQ(observer_->shutdown, 1u);
  vcd_->fail_next(caf::make_error(vcd_errc::unavailable, "VCD down"), 1);
  next_period();
  EXPECT_EQ(observer_->reads_failed, 1u);
  self_->send_exit(nodes_, caf::exit_reason::user_shutdown);
  run();
  nodes_ = nullptr;
  EXPECT_EQ(observer_->shutdown, 0u) << "a stopped actor counts no Nodes";
}

} // namespace
