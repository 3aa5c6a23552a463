// Estimates the engine's memory per managed Service: 1 000 Services x 2 ports, 50 nodes, mode C,
// converged on the deterministic scheduler with the fake VCD. The objects exist on the fake
// before the measured engine starts (as after a restart), so the fake's own memory does not
// change while the engine is measured: the delta of glibc's in-use heap is the engine's.

#include <malloc.h>

#include <cstdio>
#include <map>
#include <memory>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/ip_pool_actor.hpp"
#include "actors/node_set.hpp"
#include "actors/service_manager.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";
constexpr int services = 1000;
constexpr int nodes = 50;

status_writer_actor::behavior_type
recording_writer(status_writer_actor::pointer,
                 std::shared_ptr<std::map<service_key, std::string>> ips) {
  return {
    [ips](const service_status& s) {
      if (ips)
        (*ips)[s.key] = s.external_ip;
      return caf::ok_atom::value;
    },
    [](const service_event&) {},
  };
}

class memory_test : public actor_fixture {
protected:
  memory_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    vcd::seg_assignment a;
    a.gateway_ref = {"edge-1", gw_id_};
    a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
    fake_->add_seg_assignment(a);
    for (int i = 0; i < nodes; ++i) {
      node_description n;
      n.name = "worker-" + std::to_string(i);
      n.addresses = {
        {"InternalIP", "10.1." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1)}};
      nodes_.push_back(std::move(n));
    }
  }

  struct engine {
    std::vector<caf::actor> actors;
    service_manager_actor manager;
  };

  engine start(std::shared_ptr<std::map<service_key, std::string>> record) {
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id_};
    args.ctx.org = fake_->options().org;
    args.cluster_id = cid;
    args.settings.qps = 1e6; // pacing is not what this test is about
    args.settings.burst = 1000000;
    args.settings.poll_initial = 1ms;
    gateway_actor gateway = sys_.spawn(gateway_behavior, std::move(args));
    ip_pool_actor pool = sys_.spawn(ip_pool_behavior);
    status_writer_actor writer = sys_.spawn(recording_writer, std::move(record));
    node_set_actor node_set = sys_.spawn(node_set_behavior, caf::timespan{1s});
    pool_seed seed;
    seed.external_ranges = {{"203.0.0.1", "203.0.15.254"}};
    self_->send(pool, rebuild_atom::value, seed);
    self_->send(node_set, nodes_);
    run();
    try_receive([](caf::ok_atom) {});
    auto deps = std::make_shared<service_deps>();
    deps->settings.mode = config::lb_mode::c;
    deps->settings.cluster_id = cid;
    deps->pool = pool;
    deps->gateway = gateway;
    deps->writer = writer;
    deps->resync_interval = caf::timespan{0};
    service_manager_actor manager =
      sys_.spawn(service_manager_behavior, std::shared_ptr<const service_deps>{deps}, node_set);
    return {{caf::actor_cast<caf::actor>(gateway), caf::actor_cast<caf::actor>(pool),
             caf::actor_cast<caf::actor>(writer), caf::actor_cast<caf::actor>(node_set),
             caf::actor_cast<caf::actor>(manager)},
            manager};
  }

  void stop(engine& e) {
    for (auto& a : e.actors)
      self_->send_exit(a, caf::exit_reason::user_shutdown);
    e = {};
    run();
  }

  // Lets virtual time pass (every task poll waits for a timer) until `done()`, within a bound.
  // Request timeouts stay scheduled after their replies (CAF 0.17), so "no pending timer" is
  // no end condition.
  template <class F>
  void settle(F done) {
    run();
    for (int i = 0; i < 100000 && !done(); ++i)
      advance_time(5ms);
  }

  static service_spec spec(int i) {
    service_spec s;
    s.key = {"team-" + std::to_string(i % 20), "service-" + std::to_string(i)};
    s.uid = "0b0c3f6e-5a1d-4c55-9d0e-" + std::to_string(100000000000 + i);
    s.type = service_type::load_balancer;
    s.ports = {{"http", ip_protocol::tcp, 80, 30000 + i % 2000, ""},
               {"https", ip_protocol::tcp, 443, 32000 + i % 700, ""}};
    return s;
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_id_;
  std::vector<node_description> nodes_;
};

TEST_F(memory_test, bytes_per_service_stay_small) {
  // A first engine creates every object, then goes away (the controller restarts).
  auto ips = std::make_shared<std::map<service_key, std::string>>();
  auto first = start(ips);
  for (int i = 0; i < services; ++i)
    self_->send(first.manager, spec(i));
  settle([&] { return fake_->virtual_services().size() == 2u * services; });
  advance_time(1s); // the last status writes
  ASSERT_EQ(fake_->virtual_services().size(), 2u * services)
    << fake_->pools().size() << " pools, " << fake_->total_calls() << " calls";
  stop(first);
  // What the API holds now: finalizer and IP written.
  std::vector<service_spec> specs;
  specs.reserve(services);
  for (int i = 0; i < services; ++i) {
    auto s = spec(i);
    s.has_finalizer = true;
    s.ingress_ips = {ips->at(s.key)};
    ASSERT_FALSE(s.ingress_ips[0].empty());
    specs.push_back(std::move(s));
  }
  ips.reset();
  fake_->reset_calls();
  auto before = mallinfo2().uordblks;
  auto second = start(nullptr);
  for (const auto& s : specs)
    self_->send(second.manager, s);
  settle([&] { return fake_->calls(vcd::operation::get_pool) == 2u * services; });
  advance_time(1s); // the last reconciles finish
  auto converged = mallinfo2().uordblks;
  EXPECT_EQ(fake_->mutation_calls(), 0u); // adopted, nothing rewritten
  EXPECT_EQ(fake_->calls(vcd::operation::get_pool), 2u * services);
  // Steady state: the request timeouts of the reconciles (kept by CAF until they fire) are gone.
  for (int i = 0; i < 11; ++i)
    advance_time(1min);
  auto steady = mallinfo2().uordblks;
  auto per_service = [&](size_t after) { return static_cast<double>(after - before) / services; };
  std::printf("engine memory per Service (%d Services x 2 ports, %d nodes, mode C): %.0f bytes "
              "right after convergence, %.0f bytes steady\n",
              services, nodes, per_service(converged), per_service(steady));
  RecordProperty("bytes_per_service", static_cast<int>(per_service(steady)));
  // The target (issue #5) is under 4 KiB per managed Service in steady state; right after
  // convergence CAF still holds the reconciles' request timeouts (about 400 bytes each).
  // Deterministic figures (3945 / 4329 bytes when this was set), so a regression fails here.
  // Since source ranges, a reconcile after a restart also asks the gateway whether the Service
  // has firewall objects: one more request timeout held right after convergence (4634 bytes).
  EXPECT_LT(per_service(converged), 4.75 * 1024);
  EXPECT_LT(per_service(steady), 4 * 1024);
  stop(second);
}

} // namespace
