#include "adapters/kube/leader_elector.hpp"

#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "caf/send.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;

// Forwards to a shared fake unless "partitioned", then every call fails like a dead network.
class partitionable_client : public fake_client {
public:
  explicit partitionable_client(std::shared_ptr<fake_client> backend)
    : backend_(std::move(backend)) {}
  bool partitioned = false;

  void get_lease(service_key key, callback<lease> done) override {
    if (partitioned)
      return fail(std::move(done));
    backend_->get_lease(std::move(key), std::move(done));
  }
  void create_lease(lease l, callback<lease> done) override {
    if (partitioned)
      return fail(std::move(done));
    backend_->create_lease(std::move(l), std::move(done));
  }
  void update_lease(lease l, callback<lease> done) override {
    if (partitioned)
      return fail(std::move(done));
    backend_->update_lease(std::move(l), std::move(done));
  }

private:
  // Through the backend's queue so completions never run inside the call.
  void fail(callback<lease> done) {
    backend_->fail_next("get_lease", caf::make_error(net_errc::connect_failed));
    backend_->get_lease({"x", "x"}, std::move(done));
  }
  std::shared_ptr<fake_client> backend_;
};

class leader_elector_test : public testing::actor_fixture {
protected:
  struct candidate {
    std::shared_ptr<partitionable_client> client;
    caf::actor actor;
    bool leading = false;
    int changes = 0;
    bool dead = false; // killed: it cannot tell us that it no longer leads
    std::shared_ptr<lease_fence> fence = std::make_shared<lease_fence>();
  };

  leader_elector_test() : fake_(std::make_shared<fake_client>()) {}

  ~leader_elector_test() override {
    for (auto& [name, c] : candidates_)
      if (c.actor)
        caf::anon_send_exit(c.actor, caf::exit_reason::kill);
    settle();
  }

  candidate& spawn(const std::string& identity, uint64_t seed = 1) {
    auto& c = candidates_[identity];
    c.client = std::make_shared<partitionable_client>(fake_);
    leader_election_config cfg;
    cfg.identity = identity;
    cfg.seed = seed;
    cfg.fence = c.fence;
    cfg.wall_origin = std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 54};
    cfg.on_change = [&c](bool leading) {
      c.leading = leading;
      ++c.changes;
    };
    auto a = spawn_leader_elector(sys_, c.client, cfg);
    EXPECT_TRUE(a) << describe(a.error());
    c.actor = *a;
    settle();
    return c;
  }

  void settle() {
    for (;;) {
      auto n = run() + fake_->run();
      if (n == 0)
        return;
    }
  }

  [[nodiscard]] lease_fence::clock::time_point now() const { return sched_.clock().now(); }

  // Moves virtual time in small steps and checks that there is never more than one leader,
  // and never more than one fence held.
  void advance(caf::timespan d) {
    for (caf::timespan t{0}; t < d; t += 100ms) {
      advance_time(100ms);
      settle();
      int leaders = 0;
      int fenced = 0;
      for (auto& [name, c] : candidates_) {
        leaders += c.leading && !c.dead ? 1 : 0;
        // A dead elector's fence still counts: it must run out before anyone else's holds.
        fenced += c.fence->held(now()) ? 1 : 0;
        ASSERT_TRUE(c.leading || !c.fence->held(now())) << name << ": fence held by a follower";
      }
      ASSERT_LE(leaders, 1) << "two leaders at once";
      ASSERT_LE(fenced, 1) << "two fences held at once";
    }
  }

  lease current() { return *fake_->lease_of({"kube-system", "vcdlb"}); }

  std::shared_ptr<fake_client> fake_;
  std::map<std::string, candidate> candidates_;
};

TEST_F(leader_elector_test, creates_the_lease_and_renews_it) {
  auto& a = spawn("a");
  EXPECT_TRUE(a.leading);
  auto l = current();
  EXPECT_EQ(l.holder_identity, "a");
  EXPECT_EQ(l.lease_duration_seconds, 15);
  EXPECT_EQ(l.lease_transitions, 0);
  EXPECT_EQ(l.acquire_time, l.renew_time);
  EXPECT_EQ(l.renew_time.size(), std::string{"2024-05-01T10:00:00.000000Z"}.size());
  auto first_renew = l.renew_time;
  advance(4500ms); // the first renew comes one jittered retry period (<= 4.4 s) later
  EXPECT_NE(current().renew_time, first_renew);
  EXPECT_EQ(current().acquire_time, l.acquire_time);
  fake_->clear_calls();
  advance(10s);
  // The fast path: one PUT per retryPeriod, no GET.
  auto calls = fake_->calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "update_lease kube-system/vcdlb"), 5);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "get_lease kube-system/vcdlb"), 0);
  EXPECT_EQ(a.changes, 1);
}

TEST_F(leader_elector_test, second_candidate_waits_while_the_leader_renews) {
  auto& a = spawn("a");
  auto& b = spawn("b", 2);
  EXPECT_TRUE(a.leading);
  EXPECT_FALSE(b.leading);
  advance(60s);
  EXPECT_TRUE(a.leading);
  EXPECT_FALSE(b.leading);
  EXPECT_EQ(b.changes, 0);
  EXPECT_EQ(current().holder_identity, "a");
}

TEST_F(leader_elector_test, leader_loses_after_renew_deadline_and_other_takes_over) {
  auto& a = spawn("a");
  auto& b = spawn("b", 2);
  advance(3s);
  auto a_acquired = current().acquire_time;
  a.client->partitioned = true;
  advance(9s);
  EXPECT_TRUE(a.leading) << "lost before renewDeadline";
  advance(2s);
  EXPECT_FALSE(a.leading) << "kept leading past renewDeadline";
  EXPECT_FALSE(b.leading) << "took over before leaseDuration of an unchanged record";
  advance(10s);
  EXPECT_TRUE(b.leading);
  auto l = current();
  EXPECT_EQ(l.holder_identity, "b");
  EXPECT_EQ(l.lease_transitions, 1);
  EXPECT_GT(l.acquire_time, a_acquired);
  EXPECT_GE(l.renew_time, l.acquire_time);
  // The partition heals: a sees b's valid lease and stays a follower.
  a.client->partitioned = false;
  advance(30s);
  EXPECT_FALSE(a.leading);
  EXPECT_TRUE(b.leading);
}

TEST_F(leader_elector_test, fence_follows_the_last_sent_renewal_not_the_elector) {
  auto& a = spawn("a");
  EXPECT_TRUE(a.fence->held(now()));
  advance(3s);
  // Freeze a's renewals where they are: from its last successful renewal on (sent at most one
  // retry period ago), the fence holds for less than renewDeadline, whatever the elector does.
  a.client->partitioned = true;
  auto frozen = now();
  while (a.fence->held(now()))
    advance_time(100ms);
  EXPECT_LE(now() - frozen, 10s);
  EXPECT_GT(now() - frozen, 10s - 2s - 100ms) << "ended before renewDeadline after the last send";
  auto& b = spawn("b", 2);
  advance(20s);
  EXPECT_TRUE(b.leading);
  EXPECT_TRUE(b.fence->held(now()));
  EXPECT_FALSE(a.fence->held(now()));
}

TEST_F(leader_elector_test, takeover_waits_a_full_lease_duration_of_local_observation) {
  // The record says it was renewed long ago (remote clock): only local observation counts.
  lease stale;
  stale.ns = "kube-system";
  stale.name = "vcdlb";
  stale.holder_identity = "ghost";
  stale.lease_duration_seconds = 15;
  stale.acquire_time = stale.renew_time = "2001-01-01T00:00:00.000000Z";
  stale.lease_transitions = 4;
  fake_->put_lease(stale);
  auto& b = spawn("b", 2);
  EXPECT_FALSE(b.leading);
  advance(14s);
  EXPECT_FALSE(b.leading);
  advance(5s); // 15 s + at most one jittered retry (4.4 s)
  EXPECT_TRUE(b.leading);
  EXPECT_EQ(current().lease_transitions, 5);
}

TEST_F(leader_elector_test, killed_leader_is_replaced_after_expiry) {
  auto& a = spawn("a");
  auto& b = spawn("b", 2);
  advance(5s);
  caf::anon_send_exit(a.actor, caf::exit_reason::kill);
  a.actor = nullptr;
  a.dead = true;
  settle();
  advance(14s);
  EXPECT_FALSE(b.leading);
  advance(6s);
  EXPECT_TRUE(b.leading);
  EXPECT_FALSE(a.fence->held(now())) << "the dead leader's fence ran out on its own";
}

TEST_F(leader_elector_test, release_on_shutdown_lets_the_next_take_over_at_once) {
  auto& a = spawn("a");
  auto& b = spawn("b", 2);
  advance(4s);
  self_->send(a.actor, le_stop_atom::value);
  settle();
  bool released = false;
  EXPECT_TRUE(try_receive([&](bool r) { released = r; }));
  EXPECT_TRUE(released);
  EXPECT_FALSE(a.leading);
  EXPECT_FALSE(a.fence->held(now())) << "a released lease fences at once";
  auto l = current();
  EXPECT_EQ(l.holder_identity, "");
  EXPECT_EQ(l.lease_duration_seconds, 1);
  EXPECT_EQ(l.lease_transitions, 0);
  a.actor = nullptr;
  advance(4500ms); // one jittered retry period at most
  EXPECT_TRUE(b.leading);
  EXPECT_EQ(current().lease_transitions, 1);
}

TEST_F(leader_elector_test, follower_stop_replies_false_and_leaves_the_lease) {
  spawn("a");
  auto& b = spawn("b", 2);
  auto before = current();
  self_->send(b.actor, le_stop_atom::value);
  settle();
  bool released = true;
  EXPECT_TRUE(try_receive([&](bool r) { released = r; }));
  EXPECT_FALSE(released);
  b.actor = nullptr;
  EXPECT_EQ(current().holder_identity, "a");
}

TEST_F(leader_elector_test, create_race_is_lost_cleanly) {
  // Both start before either request completes: one create wins with 201, the other gets 409.
  auto& a = candidates_["a"];
  auto& b = candidates_["b"];
  for (auto* c : {&a, &b}) {
    c->client = std::make_shared<partitionable_client>(fake_);
    leader_election_config cfg;
    cfg.identity = c == &a ? "a" : "b";
    cfg.on_change = [c](bool leading) {
      c->leading = leading;
      ++c->changes;
    };
    c->actor = *spawn_leader_elector(sys_, c->client, cfg);
  }
  run(); // both GET: 404
  fake_->run();
  run(); // both POST
  settle();
  EXPECT_NE(a.leading, b.leading);
  advance(30s);
  EXPECT_NE(a.leading, b.leading);
}

TEST_F(leader_elector_test, subscriber_and_get_atom) {
  leader_election_config cfg;
  cfg.identity = "solo";
  cfg.subscriber = caf::actor_cast<caf::actor>(self_);
  auto a = *spawn_leader_elector(sys_, fake_, cfg);
  settle();
  bool leading = false;
  EXPECT_TRUE(try_receive([&](leading_atom, bool x) { leading = x; }));
  EXPECT_TRUE(leading);
  self_->send(a, caf::get_atom::value);
  settle();
  bool answer = false;
  EXPECT_TRUE(try_receive([&](bool x) { answer = x; }));
  EXPECT_TRUE(answer);
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST(leader_election_config_test, validation_follows_client_go) {
  leader_election_config cfg;
  cfg.identity = "x";
  EXPECT_FALSE(validate(cfg));
  auto bad = cfg;
  bad.renew_deadline = 15s;
  EXPECT_TRUE(has_code(validate(bad), config_errc::invalid_value));
  bad = cfg;
  bad.retry_period = 9s; // 1.2 x 9 > 10
  EXPECT_TRUE(validate(bad));
  bad = cfg;
  bad.identity.clear();
  EXPECT_TRUE(validate(bad));
  config::leader_election_section section;
  auto from = make_leader_election_config(section, "id");
  EXPECT_EQ(from.lease_duration, caf::timespan{15s});
  EXPECT_EQ(from.renew_deadline, caf::timespan{10s});
  EXPECT_EQ(from.retry_period, caf::timespan{2s});
  EXPECT_FALSE(validate(from));
  auto id = default_identity();
  EXPECT_NE(id.find('_'), std::string::npos);
  EXPECT_NE(id, default_identity());
}

} // namespace
} // namespace vcdlb::kube
