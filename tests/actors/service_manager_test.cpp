#include "actors/service_manager.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/ip_pool_actor.hpp"
#include "actors/node_set.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";

status_writer_actor::behavior_type accepting_writer(status_writer_actor::pointer) {
  return {
    [](const service_status&) { return caf::ok_atom::value; },
    [](const service_event&) {},
  };
}

class service_manager_test : public actor_fixture {
protected:
  service_manager_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    auto gw_id = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id};
    args.ctx.org = fake_->options().org;
    args.cluster_id = cid;
    gateway_ = sys_.spawn(gateway_behavior, std::move(args));
    pool_ = sys_.spawn(ip_pool_behavior);
    writer_ = sys_.spawn(accepting_writer);
    nodes_ = sys_.spawn(node_set_behavior, caf::timespan{1s});
    pool_seed seed;
    seed.external_ranges = {{"203.0.113.10", "203.0.113.20"}};
    self_->send(pool_, rebuild_atom::value, seed);
    node_description n;
    n.name = "w1";
    n.addresses = {{"InternalIP", "10.0.0.1"}};
    self_->send(nodes_, std::vector<node_description>{n});
    run();
    try_receive([](caf::ok_atom) {});
    auto deps = std::make_shared<service_deps>();
    deps->settings.mode = config::lb_mode::c;
    deps->settings.cluster_id = cid;
    deps->settings.load_balancer_class = "vcdlb.io/lb";
    deps->pool = pool_;
    deps->gateway = gateway_;
    deps->writer = writer_;
    manager_ =
      sys_.spawn(service_manager_behavior, std::shared_ptr<const service_deps>{deps}, nodes_);
  }

  ~service_manager_test() override {
    for (auto a : {caf::actor_cast<caf::actor>(manager_), caf::actor_cast<caf::actor>(gateway_),
                   caf::actor_cast<caf::actor>(pool_), caf::actor_cast<caf::actor>(writer_),
                   caf::actor_cast<caf::actor>(nodes_)})
      self_->send_exit(a, caf::exit_reason::user_shutdown);
  }

  static service_spec lb(std::string name) {
    service_spec svc;
    svc.key = {"shop", std::move(name)};
    svc.uid = "uid-" + svc.key.name;
    svc.type = service_type::load_balancer;
    svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""}};
    return svc;
  }

  void settle() {
    run();
    for (int i = 0; i < 100; ++i)
      advance_time(50ms);
  }

  uint64_t live() {
    self_->send(manager_, caf::get_atom::value);
    run();
    uint64_t n = 0;
    EXPECT_TRUE(try_receive([&](uint64_t x) { n = x; }));
    return n;
  }

  std::shared_ptr<vcd::fake_client> fake_;
  gateway_actor gateway_;
  ip_pool_actor pool_;
  status_writer_actor writer_;
  node_set_actor nodes_;
  service_manager_actor manager_;
};

TEST_F(service_manager_test, foreign_services_get_no_actor) {
  auto cluster_ip = lb("internal");
  cluster_ip.type = service_type::cluster_ip;
  auto foreign = lb("metallb");
  foreign.load_balancer_class = "metallb.io/metallb";
  self_->send(manager_, cluster_ip);
  self_->send(manager_, foreign);
  settle();
  EXPECT_EQ(live(), 0u);
  auto own_class = lb("classy");
  own_class.load_balancer_class = "vcdlb.io/lb";
  self_->send(manager_, own_class);
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
}

TEST_F(service_manager_test, services_converge_and_removal_cleans_up_and_retires_the_actor) {
  self_->send(manager_, lb("a"));
  self_->send(manager_, lb("b"));
  settle();
  EXPECT_EQ(live(), 2u);
  EXPECT_EQ(fake_->virtual_services().size(), 2u);
  self_->send(manager_, remove_atom::value, service_key{"shop", "a"});
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(fake_->pools().size(), 1u);
}

TEST_F(service_manager_test, a_snapshot_during_retirement_goes_to_a_fresh_actor) {
  self_->send(manager_, lb("a"));
  settle();
  self_->send(manager_, remove_atom::value, service_key{"shop", "a"});
  auto again = lb("a");
  again.uid = "uid-a-2"; // recreated under the same name
  self_->send(manager_, again);
  settle();
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
}

} // namespace
