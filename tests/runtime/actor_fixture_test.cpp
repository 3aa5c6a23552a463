// The deterministic fixture itself: virtual time drives delayed messages and request timeouts.

#include "tests/support/actor_fixture.hpp"

#include "caf/all.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

using ping_atom = caf::atom_constant<caf::atom("ping")>;

TEST_F(actor_fixture, delayed_message_arrives_only_when_virtual_time_passes) {
  auto delayer = sys_.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[=](ping_atom, caf::actor reply_to) { self->delayed_send(reply_to, 5s, 42); }};
  });
  self_->send(delayer, ping_atom::value, caf::actor{self_});
  run();
  int got = 0;
  EXPECT_FALSE(try_receive([&](int x) { got = x; }));
  advance_time(4s);
  EXPECT_FALSE(try_receive([&](int x) { got = x; }));
  advance_time(1s);
  EXPECT_TRUE(try_receive([&](int x) { got = x; }));
  EXPECT_EQ(got, 42);
  self_->send_exit(delayer, caf::exit_reason::user_shutdown);
}

TEST_F(actor_fixture, unanswered_request_fails_with_timeout_on_virtual_clock) {
  auto mute = sys_.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[=](int) -> caf::result<int> { return self->make_response_promise<int>(); }};
  });
  caf::error err;
  sys_.spawn([&](caf::event_based_actor* self) {
    self->request(mute, 10s, 1).then([](int) {}, [&](caf::error& e) { err = e; });
  });
  run();
  EXPECT_FALSE(err);
  advance_time(10s);
  EXPECT_EQ(err, caf::sec::request_timeout);
  EXPECT_TRUE(vcdlb::is_retryable(err));
  self_->send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST_F(actor_fixture, domain_errors_render_with_their_category) {
  auto err = caf::make_error(vcdlb::vcd_errc::busy_entity, std::string{"gateway locked"});
  EXPECT_EQ(sys_.render(err), "vcd.busy_entity: gateway locked");
}

} // namespace
