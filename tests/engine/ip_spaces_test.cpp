// The engine on an edge gateway whose uplink uses IP Spaces (no ranges), on CAF's
// deterministic scheduler with the VCD fake: every mode allocates one floating IP per Service
// with upstream's claim marker, keeps it across port edits, moves on an IP change and releases
// the old one only after its objects are gone; shared IPs hold one allocation; a restart adopts
// allocations by marker (0 mutations); orphans are released; a refused allocation is a Warning
// that holds no other Service up.

#include <gtest/gtest.h>

#include "actors/naming.hpp"
#include "engine/detail/core.hpp"
#include "tests/engine/engine_fixture.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::testing;
using namespace std::chrono_literals;
using vcd::operation;

const std::string marker_prefix = "cluster-capvcdCluster:42-namespace-";

class ip_spaces_engine : public actor_fixture {
protected:
  ip_spaces_engine() : sink_(std::make_shared<recording_sink>()) {}
  ~ip_spaces_engine() override {
    for (auto& c : cores_)
      self_->send_exit(c, caf::exit_reason::user_shutdown);
    run();
  }

  // The fixture's network on a gateway whose uplink uses IP Spaces: a PUBLIC space
  // 198.51.100.10-20 with the given org quota.
  void make_vcd(int64_t quota = -1) {
    fake_ = std::make_shared<vcd::fake_client>();
    vcd::edge_gateway g;
    g.name = "edge-ips";
    vcd::gateway_uplink up;
    up.uplink_name = "provider-gw";
    up.using_ip_space = true;
    g.uplinks = {up};
    gw_ = fake_->add_gateway(g);
    vcd::org_vdc_network n;
    n.name = "lb-net";
    n.org_vdc = {"vdc1", "urn:vcloud:vdc:0001"};
    n.router_ref = {"edge-ips", gw_};
    fake_->add_network(n);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-ips", gw_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    vcd::ip_space s;
    s.name = "public-1";
    space_ = fake_->add_ip_space(s, {{"198.51.100.10", "198.51.100.20"}}, quota, {gw_});
  }

  caf::actor start(config::lb_mode mode) {
    if (!fake_)
      make_vcd();
    engine_options opts;
    opts.config = make_config(mode);
    opts.vcd = fake_;
    opts.sink = sink_;
    opts.node_debounce = 1s;
    shared_ = std::make_shared<engine::shared_state>();
    auto core = sys_.spawn(detail::core_behavior, std::move(opts), shared_);
    cores_.push_back(core);
    run();
    self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
    return core;
  }

  void stop(caf::actor core) {
    self_->send_exit(core, caf::exit_reason::user_shutdown);
    run();
    cores_.clear();
  }

  void settle() {
    run();
    for (int i = 0; i < 240; ++i)
      advance_time(250ms);
  }

  // The allocation of `ip`, if the org holds it.
  std::optional<vcd::ip_allocation> allocation_of(const std::string& ip) const {
    for (auto& a : fake_->ip_allocations())
      if (a.value == ip)
        return a;
    return std::nullopt;
  }

  // The Service as the API server has it after the engine wrote its status.
  service_spec as_written(service_spec s) const {
    s.has_finalizer = true;
    if (auto ip = sink_->ip_of(s.key); !ip.empty())
      s.ingress_ips = {ip};
    return s;
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_;
  std::string space_;
  std::shared_ptr<recording_sink> sink_;
  std::shared_ptr<engine::shared_state> shared_;
  std::vector<caf::actor> cores_;
};

class ip_spaces_per_mode : public ip_spaces_engine,
                           public ::testing::WithParamInterface<config::lb_mode> {};

TEST_P(ip_spaces_per_mode, create_port_edit_ip_change_delete_count_allocations_exactly) {
  auto core = start(GetParam());
  auto web = lb_service("default", "web", {80, 443});
  self_->send(core, std::vector<service_spec>{web});
  settle();
  auto ip = sink_->ip_of(web.key);
  ASSERT_EQ(ip, "198.51.100.10");
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 1u);
  auto a = allocation_of(ip);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->usage_state, "USED_MANUAL");
  EXPECT_EQ(a->description, marker_prefix + "default-service-web") << "upstream's marker";
  if (GetParam() == config::lb_mode::c)
    EXPECT_EQ(fake_->virtual_services().size(), 2u);
  else
    EXPECT_EQ(fake_->nat_rules(gw_).size(), 2u);

  // Port edit: same IP, no allocation.
  web = as_written(web);
  web.ports.pop_back();
  web.ports.push_back({"p8443", ip_protocol::tcp, 8443, 30443, ""});
  self_->send(core, web);
  settle();
  EXPECT_EQ(sink_->ip_of(web.key), ip);
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 1u);
  EXPECT_EQ(fake_->calls(operation::delete_ip_allocation), 0u);

  // IP change: a specific value is allocated; the old one goes once its objects are gone.
  web = as_written(web);
  web.load_balancer_ip = "198.51.100.15";
  self_->send(core, web);
  settle();
  EXPECT_EQ(sink_->ip_of(web.key), "198.51.100.15");
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 2u);
  EXPECT_EQ(fake_->calls(operation::delete_ip_allocation), 1u);
  EXPECT_FALSE(allocation_of(ip)) << "the old IP went back to the space";
  ASSERT_EQ(fake_->ip_allocations().size(), 1u);
  EXPECT_EQ(fake_->ip_allocations()[0].description, marker_prefix + "default-service-web");
  for (const auto& vs : fake_->virtual_services())
    EXPECT_NE(vs.virtual_ip_address, ip) << "no object is left on the released IP";
  for (const auto& r : fake_->nat_rules(gw_))
    EXPECT_NE(r.external_addresses, ip);

  // Delete: objects first, then the allocation.
  self_->send(core, std::vector<service_spec>{});
  settle();
  EXPECT_TRUE(fake_->virtual_services().empty());
  EXPECT_TRUE(fake_->ip_allocations().empty());
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 2u);
  EXPECT_EQ(fake_->calls(operation::delete_ip_allocation), 2u);
}

INSTANTIATE_TEST_SUITE_P(modes, ip_spaces_per_mode,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         [](const auto& info) {
                           return std::string{config::to_string(info.param)};
                         });

TEST_F(ip_spaces_engine, shared_ips_hold_one_allocation) {
  auto core = start(config::lb_mode::c);
  auto a = lb_service("default", "a", {80});
  auto b = lb_service("default", "b", {443});
  a.annotations.sharing_key = "k";
  b.annotations.sharing_key = "k";
  self_->send(core, std::vector<service_spec>{a, b});
  settle();
  ASSERT_FALSE(sink_->ip_of(a.key).empty());
  EXPECT_EQ(sink_->ip_of(a.key), sink_->ip_of(b.key));
  EXPECT_EQ(fake_->ip_allocations().size(), 1u);
  // One of them goes: the IP stays allocated for the other.
  self_->send(core, std::vector<service_spec>{as_written(b)});
  settle();
  EXPECT_EQ(fake_->ip_allocations().size(), 1u);
  EXPECT_EQ(fake_->calls(operation::delete_ip_allocation), 0u);
}

TEST_F(ip_spaces_engine, a_refused_allocation_warns_and_holds_no_other_service_up) {
  make_vcd(1); // the org may hold one floating IP
  auto core = start(config::lb_mode::c);
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80}),
                                              lb_service("default", "b", {80})});
  settle();
  auto ip_a = sink_->ip_of({"default", "a"});
  auto ip_b = sink_->ip_of({"default", "b"});
  EXPECT_EQ(ip_a.empty() + ip_b.empty(), 1) << "one got the org's only floating IP";
  EXPECT_EQ(ip_a + ip_b, "198.51.100.10");
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(fake_->ip_allocations().size(), 1u);
  std::string warning;
  for (const auto& e : sink_->events())
    if (e.type == event_type::warning)
      warning = e.message;
  EXPECT_NE(warning.find("IP Space 'public-1'"), std::string::npos) << warning;
  EXPECT_NE(warning.find("quota of 1"), std::string::npos) << warning;
}

TEST_F(ip_spaces_engine, a_restart_adopts_allocations_by_marker_and_releases_orphans) {
  make_vcd();
  // Made by the upstream provider (same marker), or by us before a crash between the
  // allocation and the first object: the Service gets that IP, nothing is allocated.
  vcd::ip_allocation mine;
  mine.ip_space_id = space_;
  mine.value = "198.51.100.17";
  mine.usage_state = "USED_MANUAL";
  mine.description = marker_prefix + "default-service-web";
  fake_->put_ip_allocation(mine);
  // This cluster's marker for a Service that no longer exists: released.
  auto orphan = mine;
  orphan.value = "198.51.100.18";
  orphan.description = marker_prefix + "default-service-gone";
  fake_->put_ip_allocation(orphan);
  // Another cluster's: untouched.
  auto other = mine;
  other.value = "198.51.100.19";
  other.description = "cluster-capvcdCluster:99-namespace-default-service-web";
  fake_->put_ip_allocation(other);
  auto core = start(config::lb_mode::c);
  self_->send(core, std::vector<service_spec>{lb_service("default", "web", {80})});
  settle();
  EXPECT_EQ(sink_->ip_of({"default", "web"}), "198.51.100.17");
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 0u);
  EXPECT_FALSE(allocation_of("198.51.100.18")) << "the orphan was released";
  EXPECT_TRUE(allocation_of("198.51.100.19")) << "another cluster's stays";
  stop(core);

  // A restart with everything in place mutates nothing.
  fake_->reset_calls();
  auto again = start(config::lb_mode::c);
  self_->send(again, std::vector<service_spec>{as_written(lb_service("default", "web", {80}))});
  settle();
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(sink_->ip_of({"default", "web"}), "198.51.100.17");
}

TEST_F(ip_spaces_engine, load_balancer_ip_already_held_unused_is_taken_as_it_is) {
  make_vcd();
  vcd::ip_allocation held;
  held.ip_space_id = space_;
  held.value = "198.51.100.12";
  held.usage_state = "UNUSED";
  fake_->put_ip_allocation(held);
  auto core = start(config::lb_mode::c);
  auto web = lb_service("default", "web", {80});
  web.load_balancer_ip = "198.51.100.12";
  self_->send(core, std::vector<service_spec>{web});
  settle();
  EXPECT_EQ(sink_->ip_of(web.key), "198.51.100.12");
  EXPECT_EQ(fake_->calls(operation::allocate_floating_ip), 0u);
  auto a = allocation_of("198.51.100.12");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->usage_state, "USED_MANUAL");
  EXPECT_EQ(a->description, marker_prefix + "default-service-web");
}

} // namespace
