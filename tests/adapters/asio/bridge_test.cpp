// Round trips between an Asio thread and actors, and an orderly shutdown of both.

#include "adapters/asio/bridge.hpp"

#include <future>
#include <map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "caf/all.hpp"
#include "runtime/actor_system.hpp"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

using done_atom = caf::atom_constant<caf::atom("done")>;

// An actor whose "I/O" runs on the Asio thread: it posts the work, the completion messages
// the actor, and the actor delivers the promise on its own turn.
using echo_actor = caf::typed_actor<caf::replies_to<std::string>::with<std::string>,
                                    caf::reacts_to<done_atom, uint64_t, std::string>>;

struct echo_state {
  uint64_t next_id = 0;
  std::map<uint64_t, caf::typed_response_promise<std::string>> inflight;
};

echo_actor::behavior_type echo(echo_actor::stateful_pointer<echo_state> self,
                               asio::io_context* io) {
  return {
    [=](std::string& in) -> caf::result<std::string> {
      auto id = self->state.next_id++;
      auto rp = self->make_response_promise<std::string>();
      self->state.inflight.emplace(id, rp);
      auto me = caf::actor_cast<echo_actor>(self);
      asio::post(*io, [io, me, id, in = std::move(in)] {
        auto timer = std::make_shared<asio::steady_timer>(*io, 1ms);
        timer->async_wait([timer, me, id, in](boost::system::error_code) {
          caf::anon_send(me, done_atom::value, id, "echo:" + in);
        });
      });
      return rp;
    },
    [=](done_atom, uint64_t id, std::string& out) {
      if (auto i = self->state.inflight.find(id); i != self->state.inflight.end()) {
        i->second.deliver(std::move(out));
        self->state.inflight.erase(i);
      }
    },
  };
}

class bridge : public ::testing::Test {
protected:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    vcdlb::runtime::configure_actor_system(cfg, 2);
    return cfg;
  }
  bridge() : sys_(init(cfg_)) {}

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
};

TEST_F(bridge, asio_thread_asks_actor_and_gets_reply_on_asio_thread) {
  vcdlb::asio_bridge::io_runner io{"test-io"};
  auto actor = sys_.spawn(echo, &io.context());
  std::promise<std::pair<std::string, bool>> result;
  asio::post(io.context(), [&] {
    vcdlb::asio_bridge::ask_async<std::string>(
      sys_, io.context(), actor, caf::timespan{5s},
      [&](caf::expected<std::string> r) {
        result.set_value(
          {r ? *r : sys_.render(r.error()), io.context().get_executor().running_in_this_thread()});
      },
      std::string{"ping"});
  });
  auto fut = result.get_future();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready);
  auto [reply, on_io_thread] = fut.get();
  EXPECT_EQ(reply, "echo:ping");
  EXPECT_TRUE(on_io_thread);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  io.stop();
}

TEST_F(bridge, request_to_a_dead_actor_reports_an_error_not_a_hang) {
  vcdlb::asio_bridge::io_runner io{"test-io"};
  auto actor = sys_.spawn(echo, &io.context());
  caf::scoped_actor self{sys_};
  self->send_exit(actor, caf::exit_reason::kill);
  self->wait_for(actor);
  std::promise<bool> failed;
  vcdlb::asio_bridge::ask_async<std::string>(
    sys_, io.context(), actor, caf::timespan{2s},
    [&](caf::expected<std::string> r) { failed.set_value(!r); }, std::string{"x"});
  auto fut = failed.get_future();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(fut.get());
  io.stop();
}

TEST_F(bridge, orderly_shutdown_with_io_pending_is_clean) {
  // Shutdown order from caf-and-style A.7: actors, then the I/O loop, then the actor system.
  // Completions still queued on the loop hold actor handles; destroying the loop releases them.
  auto io = std::make_unique<vcdlb::asio_bridge::io_runner>("test-io");
  auto actor = sys_.spawn(echo, &io->context());
  caf::scoped_actor self{sys_};
  self->send(actor, std::string{"late"});
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  self->wait_for(actor);
  io->stop();
  io.reset();
  // The reply, if the actor answered before it quit, is the only message; nothing else arrives.
  int messages = 0;
  while (self->mailbox().size() > 0) {
    self->receive([&](const std::string&) { ++messages; }, [&](caf::error&) { ++messages; });
  }
  EXPECT_LE(messages, 1);
}

} // namespace
