#include "actors/ip_pool_actor.hpp"

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using vcdlb::testing::actor_fixture;

class ip_pool_actor_test : public actor_fixture {
protected:
  ip_pool_actor_test() : pool_(sys_.spawn(ip_pool_behavior)) {}
  ~ip_pool_actor_test() override { self_->send_exit(pool_, caf::exit_reason::user_shutdown); }

  static pool_seed seed() {
    pool_seed s;
    s.external_ranges = {{"203.0.113.10", "203.0.113.12"}};
    s.reservations = {{{"ns", "old"}, "203.0.113.10", {}, "", {}}};
    return s;
  }

  ip_pool_actor pool_;
};

TEST_F(ip_pool_actor_test, allocations_wait_for_the_rebuild) {
  self_->send(pool_, allocate_atom::value, ip_request{{"ns", "new"}, "", "", "", {}, {}});
  run();
  std::string ip;
  EXPECT_FALSE(try_receive([&](const ip_assignment& a) { ip = a.external_ip; }));
  self_->send(pool_, caf::get_atom::value);
  run();
  pool_stats stats;
  EXPECT_TRUE(try_receive([&](const pool_stats& s) { stats = s; }));
  EXPECT_FALSE(stats.initialized);
  EXPECT_EQ(stats.waiting, 1u);
  self_->send(pool_, rebuild_atom::value, seed());
  run();
  bool ok = false;
  EXPECT_TRUE(try_receive([&](caf::ok_atom) { ok = true; }));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(try_receive([&](const ip_assignment& a) { ip = a.external_ip; }));
  // The restored reservation was in place before the parked request ran.
  EXPECT_EQ(ip, "203.0.113.11");
}

TEST_F(ip_pool_actor_test, errors_come_back_as_error_replies) {
  self_->send(pool_, rebuild_atom::value, seed());
  run();
  EXPECT_TRUE(try_receive([](caf::ok_atom) {}));
  ip_request steal{{"ns", "thief"}, "203.0.113.10", "", "", {}, {}};
  self_->send(pool_, allocate_atom::value, steal);
  run();
  caf::error err;
  EXPECT_TRUE(try_receive([](const ip_assignment&) {}, [&](caf::error& e) { err = e; }));
  EXPECT_TRUE(has_code(err, lb_errc::ip_unavailable));
  listener_key l{"203.0.113.10", ip_protocol::tcp, 80};
  self_->send(pool_, claim_atom::value, service_key{"ns", "old"}, std::vector<listener_key>{l});
  self_->send(pool_, claim_atom::value, service_key{"ns", "b"}, std::vector<listener_key>{l});
  run();
  EXPECT_TRUE(try_receive([](caf::ok_atom) {}));
  EXPECT_TRUE(try_receive([](caf::ok_atom) {}, [&](caf::error& e) { err = e; }));
  EXPECT_TRUE(has_code(err, lb_errc::port_conflict));
}

TEST_F(ip_pool_actor_test, claims_and_releases_before_the_rebuild_are_kept_in_order) {
  listener_key l{"203.0.113.11", ip_protocol::tcp, 80};
  self_->send(pool_, claim_atom::value, service_key{"ns", "a"}, std::vector<listener_key>{l});
  self_->send(pool_, unclaim_atom::value, service_key{"ns", "a"}, std::vector<listener_key>{l});
  self_->send(pool_, claim_atom::value, service_key{"ns", "b"}, std::vector<listener_key>{l});
  self_->send(pool_, release_atom::value, service_key{"ns", "old"});
  run();
  self_->send(pool_, rebuild_atom::value, seed());
  run();
  EXPECT_TRUE(try_receive([](caf::ok_atom) {}));
  EXPECT_TRUE(try_receive([](caf::ok_atom) {})); // claim a
  EXPECT_TRUE(try_receive([](caf::ok_atom) {})); // claim b, after a's unclaim
  self_->send(pool_, caf::get_atom::value);
  run();
  pool_stats stats;
  EXPECT_TRUE(try_receive([&](const pool_stats& s) { stats = s; }));
  EXPECT_TRUE(stats.initialized);
  EXPECT_EQ(stats.claims, 1u);
  EXPECT_EQ(stats.services, 0u); // "old" was released
}

TEST_F(ip_pool_actor_test, malformed_seed_is_refused_and_the_pool_stays_closed) {
  auto bad = seed();
  bad.external_ranges = {{"nope", ""}};
  self_->send(pool_, rebuild_atom::value, bad);
  run();
  caf::error err;
  EXPECT_TRUE(try_receive([](caf::ok_atom) {}, [&](caf::error& e) { err = e; }));
  EXPECT_TRUE(has_code(err, config_errc::invalid_value));
  self_->send(pool_, caf::get_atom::value);
  run();
  pool_stats stats;
  EXPECT_TRUE(try_receive([&](const pool_stats& s) { stats = s; }));
  EXPECT_FALSE(stats.initialized);
}

} // namespace
