#include "engine/detail/core.hpp"

#include <gtest/gtest.h>

#include "adapters/vcd/errors.hpp"
#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/engine/engine_fixture.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::testing;
using namespace std::chrono_literals;
using vcd::operation;

/// Keeps the last sample of each kind.
struct sampling_observer final : engine_observer {
  std::string gateway;
  size_t services = 0;
  size_t external_size = 0, external_used = 0, internal_size = 0, internal_used = 0;
  void discovered(std::string_view name, std::string_view) override { gateway = name; }
  void managed_services(size_t n) override { services = n; }
  void pool_usage(size_t es, size_t eu, size_t is, size_t iu) override {
    external_size = es;
    external_used = eu;
    internal_size = is;
    internal_used = iu;
  }
};

class core_test : public actor_fixture {
protected:
  core_test() : sink_(std::make_shared<recording_sink>()) {}

  ~core_test() override {
    for (auto& c : cores_)
      self_->send_exit(c, caf::exit_reason::user_shutdown);
    run();
  }

  caf::actor start(config::lb_mode mode, vcd::fake_options fopts = {}) {
    if (!fake_)
      fake_ = make_fake_vcd(std::move(fopts));
    engine_options opts;
    opts.observer = observer_;
    opts.config = make_config(mode);
    opts.vcd = fake_;
    opts.sink = sink_;
    opts.node_debounce = 1s;
    opts.on_phase = [this](engine_phase p, const std::string& detail) {
      phases_.push_back(p);
      detail_ = detail;
    };
    shared_ = std::make_shared<engine::shared_state>();
    auto core = sys_.spawn(detail::core_behavior, std::move(opts), shared_);
    cores_.push_back(core);
    run();
    return core;
  }

  /// Runs the actors through 60 s of virtual time in small steps: node debounce, task
  /// polls and retries all fire.
  void settle() {
    run();
    for (int i = 0; i < 240; ++i)
      advance_time(250ms);
  }

  engine_phase phase() const { return shared_->phase.load(); }

  std::shared_ptr<vcd::fake_client> fake_;
  std::shared_ptr<recording_sink> sink_;
  std::shared_ptr<engine::shared_state> shared_;
  std::vector<caf::actor> cores_;
  std::shared_ptr<sampling_observer> observer_ = std::make_shared<sampling_observer>();
  std::vector<engine_phase> phases_;
  std::string detail_;
};

TEST_F(core_test, discovers_the_gateway_then_waits_for_the_first_service_list) {
  auto core = start(config::lb_mode::c);
  EXPECT_EQ(phase(), engine_phase::seeding);
  EXPECT_EQ(fake_->calls(operation::login), 1u);
  EXPECT_EQ(fake_->calls(operation::get_org_vdc_network), 1u);
  EXPECT_EQ(fake_->calls(operation::get_edge_gateway), 1u);
  EXPECT_EQ(fake_->calls(operation::list_used_ip_addresses), 1u);
  // A change before the first full list is kept, not reconciled.
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, lb_service("default", "web", {80}));
  settle();
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(phase(), engine_phase::seeding);

  self_->send(core, std::vector<service_spec>{lb_service("default", "web", {80})});
  settle();
  EXPECT_EQ(phase(), engine_phase::running);
  EXPECT_EQ(sink_->ip_of({"default", "web"}), "203.0.113.10");
  EXPECT_TRUE(sink_->has_finalizer({"default", "web"}));
  EXPECT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(fake_->pools().size(), 1u);
  EXPECT_EQ(fake_->pools()[0].members.size(), 1u);
}

TEST_F(core_test, samples_pool_usage_and_managed_services_for_the_observer) {
  auto core = start(config::lb_mode::b);
  EXPECT_EQ(observer_->gateway, "edge-1");
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80}),
                                              lb_service("default", "b", {80})});
  settle(); // 60 s: several sample intervals
  EXPECT_EQ(observer_->services, 2u);
  EXPECT_EQ(observer_->external_size, 11u); // 203.0.113.10-20
  EXPECT_EQ(observer_->external_used, 2u);
  EXPECT_EQ(observer_->internal_size, 99u); // 192.168.8.2-100
  EXPECT_EQ(observer_->internal_used, 2u);
}

TEST_F(core_test, a_relist_removes_services_that_are_gone) {
  auto core = start(config::lb_mode::c);
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80}),
                                              lb_service("default", "b", {80})});
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 2u);
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80})});
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_NE(fake_->virtual_services()[0].name.find("default.a."), std::string::npos)
    << fake_->virtual_services()[0].name;
}

TEST_F(core_test, the_first_list_sweeps_objects_of_services_that_no_longer_exist) {
  auto core = start(config::lb_mode::c);
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80}),
                                              lb_service("default", "gone", {80})});
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 2u);
  self_->send_exit(core, caf::exit_reason::user_shutdown);
  run();
  cores_.clear();

  // "default/gone" was deleted while no controller ran (its finalizer removed by hand).
  auto a = lb_service("default", "a", {80});
  a.has_finalizer = true;
  a.ingress_ips = {sink_->ip_of(a.key)};
  auto again = start(config::lb_mode::c);
  self_->send(again, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(again, std::vector<service_spec>{a});
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_NE(fake_->virtual_services()[0].name.find("default.a."), std::string::npos);
  EXPECT_EQ(fake_->pools().size(), 1u);
}

TEST_F(core_test, resync_repairs_an_object_deleted_out_of_band) {
  auto core = start(config::lb_mode::c);
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, std::vector<service_spec>{lb_service("default", "a", {80})});
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 1u);
  auto vs = fake_->virtual_services()[0];
  bool deleted = false;
  fake_->delete_virtual_service(vs.id, [&](caf::expected<vcd::task_ref> r) { deleted = bool(r); });
  ASSERT_TRUE(deleted);
  ASSERT_TRUE(fake_->virtual_services().empty());
  self_->send(core, resync_atom::value);
  settle();
  ASSERT_EQ(fake_->virtual_services().size(), 1u);
  EXPECT_EQ(fake_->virtual_services()[0].name, vs.name);
}

TEST_F(core_test, transient_vcd_errors_are_retried_with_backoff) {
  fake_ = make_fake_vcd();
  fake_->fail_next(operation::login,
                   caf::make_error(vcd_errc::unavailable, std::string{"503 from the proxy"}), 2);
  start(config::lb_mode::c);
  EXPECT_EQ(phase(), engine_phase::discovering);
  EXPECT_NE(detail_.find("503 from the proxy"), std::string::npos) << detail_;
  advance_time(1s); // first retry after retry_base
  EXPECT_EQ(phase(), engine_phase::discovering);
  advance_time(2s); // then after twice that
  EXPECT_EQ(phase(), engine_phase::seeding);
  EXPECT_EQ(fake_->calls(operation::login), 3u);
}

TEST_F(core_test, wrong_credentials_end_start_up_with_a_clear_reason) {
  fake_ = make_fake_vcd();
  fake_->fail_next(operation::login,
                   caf::make_error(vcd_errc::unauthorized, std::string{"bad user or password"}));
  start(config::lb_mode::c);
  EXPECT_EQ(phase(), engine_phase::failed);
  EXPECT_NE(detail_.find("logging in to VCD"), std::string::npos) << detail_;
  advance_time(120s);
  EXPECT_EQ(fake_->calls(operation::login), 1u);
}

TEST_F(core_test, shared_modes_are_refused_before_api_37) {
  vcd::fake_options o;
  o.api_version = "36.3";
  start(config::lb_mode::b, o);
  EXPECT_EQ(phase(), engine_phase::failed);
  EXPECT_NE(detail_.find("37.0"), std::string::npos) << detail_;
  EXPECT_NE(detail_.find("36.3"), std::string::npos) << detail_;
}

TEST_F(core_test, mode_a_works_before_api_37) {
  vcd::fake_options o;
  o.api_version = "36.3";
  o.shared_vip_supported = false;
  auto core = start(config::lb_mode::a, o);
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, std::vector<service_spec>{lb_service("default", "web", {80, 443})});
  settle();
  EXPECT_EQ(phase(), engine_phase::running);
  EXPECT_EQ(sink_->ip_of({"default", "web"}), "203.0.113.10");
  EXPECT_EQ(fake_->virtual_services().size(), 2u);
  EXPECT_EQ(fake_->nat_rules(fake_->virtual_services()[0].gateway_ref.id).size(), 2u);
}

TEST_F(core_test, a_network_without_an_edge_gateway_is_a_config_error) {
  fake_ = make_fake_vcd();
  vcd::org_vdc_network isolated;
  isolated.name = "isolated";
  isolated.org_vdc = {"vdc1", "urn:vcloud:vdc:0001"};
  fake_->add_network(isolated);
  engine_options opts;
  opts.config = make_config(config::lb_mode::c);
  opts.config.loadbalancer.network = "isolated";
  opts.vcd = fake_;
  opts.sink = sink_;
  shared_ = std::make_shared<engine::shared_state>();
  cores_.push_back(sys_.spawn(detail::core_behavior, std::move(opts), shared_));
  run();
  EXPECT_EQ(phase(), engine_phase::failed);
}

TEST_F(core_test, a_restart_keeps_every_ip_and_mutates_nothing) {
  auto core = start(config::lb_mode::b);
  std::vector<service_spec> services{lb_service("default", "a", {80, 443}),
                                     lb_service("prod", "b", {8080})};
  self_->send(core, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(core, services);
  settle();
  auto ip_a = sink_->ip_of({"default", "a"});
  auto ip_b = sink_->ip_of({"prod", "b"});
  ASSERT_FALSE(ip_a.empty());
  ASSERT_FALSE(ip_b.empty());
  ASSERT_NE(ip_a, ip_b);
  self_->send_exit(core, caf::exit_reason::user_shutdown);
  run();
  cores_.clear();

  // The Services as the API server now has them: finalizer and ingress written. The second
  // engine must give "prod/b" its IP back even though "default/a" sorts first.
  for (auto& s : services) {
    s.has_finalizer = true;
    s.ingress_ips = {sink_->ip_of(s.key)};
  }
  fake_->reset_calls();
  auto writes = sink_->writes();
  auto again = start(config::lb_mode::b);
  self_->send(again, std::vector<node_description>{worker("w1", "10.0.0.4")});
  self_->send(again, std::vector<service_spec>{services[1], services[0]});
  settle();
  EXPECT_EQ(phase(), engine_phase::running);
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(sink_->writes(), writes);
  EXPECT_EQ(sink_->ip_of({"default", "a"}), ip_a);
  EXPECT_EQ(sink_->ip_of({"prod", "b"}), ip_b);
}

} // namespace
