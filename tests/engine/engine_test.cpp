#include "engine/engine.hpp"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "caf/actor_system_config.hpp"
#include "caf/send.hpp"
#include "protocol/errors.hpp"
#include "protocol/register.hpp"
#include "tests/engine/engine_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::testing;
using namespace std::chrono_literals;

/// The facade on the real (threaded) scheduler.
class engine_test : public ::testing::Test {
protected:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    register_types(cfg);
    return cfg;
  }
  engine_test() : sys_(init(cfg_)) {}

  engine_options options(config::lb_mode mode) {
    engine_options opts;
    opts.config = make_config(mode);
    opts.vcd = fake_;
    opts.sink = sink_;
    opts.node_debounce = 10ms;
    return opts;
  }

  /// Polls `pred` for up to 10 s (the engine works on its own threads).
  template <class Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 1000; ++i) {
      if (pred())
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  std::shared_ptr<vcd::fake_client> fake_ = make_fake_vcd();
  std::shared_ptr<recording_sink> sink_ = std::make_shared<recording_sink>();
};

TEST_F(engine_test, refuses_options_without_a_client_or_a_sink) {
  auto opts = options(config::lb_mode::c);
  opts.vcd = nullptr;
  auto e = engine::start(sys_, opts);
  ASSERT_FALSE(e);
  EXPECT_TRUE(has_code(e.error(), config_errc::invalid_value));
  opts = options(config::lb_mode::c);
  opts.sink = nullptr;
  EXPECT_FALSE(engine::start(sys_, opts));
}

TEST_F(engine_test, converges_services_fed_through_the_facade_and_stops) {
  auto e = engine::start(sys_, options(config::lb_mode::c));
  ASSERT_TRUE(e) << describe(e.error());
  auto& eng = **e;
  eng.replace_nodes({worker("w1", "10.0.0.4"), worker("w2", "10.0.0.5")});
  eng.replace_services({lb_service("default", "web", {80, 443})});
  ASSERT_TRUE(eventually([&] { return !sink_->ip_of({"default", "web"}).empty(); }));
  EXPECT_EQ(eng.phase(), engine_phase::running);
  eng.upsert_service(lb_service("default", "api", {8080}));
  ASSERT_TRUE(eventually([&] { return !sink_->ip_of({"default", "api"}).empty(); }));
  EXPECT_NE(sink_->ip_of({"default", "api"}), sink_->ip_of({"default", "web"}));

  auto st = eng.stats();
  ASSERT_TRUE(st) << describe(st.error());
  EXPECT_EQ(st->phase, engine_phase::running);
  EXPECT_EQ(st->service_actors, 2u);
  EXPECT_TRUE(st->pool.initialized);
  EXPECT_EQ(st->pool.external_in_use, 2u);
  EXPECT_FALSE(st->gateway_id.empty());
  EXPECT_EQ(st->api_version, "37.2");

  eng.delete_service({"default", "api"});
  ASSERT_TRUE(eventually([&] {
    auto s = eng.stats();
    return s && s->service_actors == 1u && s->pool.external_in_use == 1u;
  }));
  eng.stop();
  EXPECT_EQ(eng.phase(), engine_phase::stopped);
  eng.stop(); // idempotent
}

TEST_F(engine_test, stop_returns_only_after_every_actor_let_go_of_the_client_and_the_sink) {
  // Embedders tear down the VCD client's I/O threads and the sink's owner right after stop();
  // an engine actor still holding either would touch freed memory later. Repeated, because a
  // lingering actor shows up only in some interleavings.
  for (int round = 0; round < 5; ++round) {
    auto fake = make_fake_vcd();
    auto sink = std::make_shared<recording_sink>();
    {
      auto opts = options(config::lb_mode::c);
      opts.vcd = fake;
      opts.sink = sink;
      auto e = engine::start(sys_, std::move(opts));
      ASSERT_TRUE(e) << describe(e.error());
      auto& eng = **e;
      eng.replace_nodes({worker("w1", "10.0.0.4")});
      eng.replace_services({lb_service("default", "web", {80})});
      ASSERT_TRUE(eventually([&] { return !sink->ip_of({"default", "web"}).empty(); }));
      eng.stop();
      EXPECT_EQ(sink.use_count(), 1) << "round " << round;
      EXPECT_EQ(fake.use_count(), 1) << "round " << round;
    }
  }
}

TEST_F(engine_test, engines_of_several_clusters_share_one_actor_system_and_fail_alone) {
  // An embedding control plane: one engine per cluster on one actor system. Each has its own
  // VCD (here its own fake), sink and cluster id; one cannot log in, one is killed later.
  struct cluster {
    std::shared_ptr<vcd::fake_client> fake = make_fake_vcd();
    std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
    std::unique_ptr<engine> eng;
  };
  std::vector<cluster> cs(3);
  cs[2].fake->fail_next(vcd::operation::login,
                        caf::make_error(vcd_errc::unauthorized, "bad password"), 100);
  for (size_t i = 0; i < cs.size(); ++i) {
    auto opts = options(config::lb_mode::c);
    opts.config.cluster_id = "urn:vcloud:entity:vmware:capvcdCluster:" + std::to_string(i);
    opts.vcd = cs[i].fake;
    opts.sink = cs[i].sink;
    auto e = engine::start(sys_, std::move(opts));
    ASSERT_TRUE(e) << describe(e.error());
    cs[i].eng = std::move(*e);
    cs[i].eng->replace_nodes({worker("w1", "10.0.0.4")});
    cs[i].eng->replace_services({lb_service("default", "web", {80})});
  }
  ASSERT_TRUE(eventually([&] { return cs[2].eng->phase() == engine_phase::failed; }));
  for (size_t i = 0; i < 2; ++i)
    ASSERT_TRUE(eventually([&] {
      return !cs[i].sink->ip_of({"default", "web"}).empty();
    }))
      << "cluster " << i;
  // Each cluster's gateway has its own address space: the same first IP in both.
  EXPECT_EQ(cs[0].sink->ip_of({"default", "web"}), cs[1].sink->ip_of({"default", "web"}));

  // One engine crashes: the other keeps reconciling.
  caf::anon_send_exit(cs[0].eng->core(), caf::exit_reason::kill);
  cs[1].eng->upsert_service(lb_service("default", "api", {8080}));
  ASSERT_TRUE(eventually([&] { return !cs[1].sink->ip_of({"default", "api"}).empty(); }));
  EXPECT_EQ(cs[1].eng->phase(), engine_phase::running);
  EXPECT_TRUE(cs[0].sink->ip_of({"default", "api"}).empty());
  for (auto& c : cs)
    c.eng->stop(std::chrono::seconds{1});
}

} // namespace
