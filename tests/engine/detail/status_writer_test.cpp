#include "engine/detail/status_writer.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "tests/support/actor_fixture.hpp"

namespace vcdlb::detail {
namespace {

using namespace std::chrono_literals;

// Holds every write until the test answers it.
class held_sink final : public status_sink {
public:
  struct call {
    service_status status;
    done_fn done;
  };
  void write_status(const service_status& s, done_fn done) override {
    calls.push_back({s, std::move(done)});
  }
  void record_event(const service_event& e) override { events.push_back(e); }

  std::vector<call> calls;
  std::vector<service_event> events;
};

service_status starting(const std::string& name) {
  service_status s;
  s.key = {"ns", name};
  s.finalizer_wanted = true;
  return s;
}

service_status finishing(const std::string& name, const std::string& ip) {
  auto s = starting(name);
  s.external_ip = ip;
  return s;
}

class status_writer_test : public testing::actor_fixture {
protected:
  void start(status_write_options opts) {
    writer_ = caf::actor_cast<status_writer_actor>(sys_.spawn(status_writer_behavior, sink_, opts));
  }
  ~status_writer_test() override { self_->send_exit(writer_, caf::exit_reason::user_shutdown); }

  // Answers of the writer so far: "ok" or the error's code.
  std::vector<std::string> answers() {
    std::vector<std::string> out;
    while (try_receive([&](caf::ok_atom) { out.emplace_back("ok"); },
                       [&](caf::error& e) { out.push_back(describe(e)); })) {
    }
    return out;
  }

  std::vector<std::string> written() const {
    std::vector<std::string> out;
    for (const auto& c : sink_->calls)
      out.push_back(c.status.key.name + (c.status.external_ip.empty() ? "" : "=")
                    + c.status.external_ip);
    return out;
  }

  std::shared_ptr<held_sink> sink_ = std::make_shared<held_sink>();
  status_writer_actor writer_;
};

TEST_F(status_writer_test, bounds_the_writes_at_the_sink_and_serves_finishing_writes_first) {
  status_write_options o;
  o.max_in_flight = 2;
  start(o);
  for (const char* n : {"a", "b", "c"})
    self_->send(writer_, starting(n));
  self_->send(writer_, finishing("d", "10.0.0.4"));
  run();
  EXPECT_EQ(written(), (std::vector<std::string>{"a", "b"}));
  sink_->calls[0].done({});
  run();
  // d's VCD work is done and only its write is missing: it goes before c's finalizer.
  EXPECT_EQ(written(), (std::vector<std::string>{"a", "b", "d=10.0.0.4"}));
  sink_->calls[1].done({});
  run();
  EXPECT_EQ(written(), (std::vector<std::string>{"a", "b", "d=10.0.0.4", "c"}));
  sink_->calls[2].done({});
  sink_->calls[3].done({});
  run();
  EXPECT_EQ(answers(), (std::vector<std::string>{"ok", "ok", "ok", "ok"}));
}

TEST_F(status_writer_test, retries_a_retryable_failure_with_backoff_instead_of_failing) {
  status_write_options o;
  o.retry_base = 1s;
  start(o);
  self_->send(writer_, finishing("a", "10.0.0.1"));
  run();
  ASSERT_EQ(sink_->calls.size(), 1u);
  sink_->calls[0].done(caf::make_error(kube_errc::rate_limited, "429"));
  run();
  EXPECT_TRUE(answers().empty());
  advance_time(500ms);
  EXPECT_EQ(sink_->calls.size(), 1u); // still backing off
  advance_time(500ms);
  ASSERT_EQ(sink_->calls.size(), 2u);
  sink_->calls[1].done(caf::make_error(net_errc::timeout, "slow"));
  run();
  advance_time(1s);
  EXPECT_EQ(sink_->calls.size(), 2u); // the second delay doubled
  advance_time(1s);
  ASSERT_EQ(sink_->calls.size(), 3u);
  sink_->calls[2].done({});
  run();
  EXPECT_EQ(answers(), (std::vector<std::string>{"ok"}));
}

TEST_F(status_writer_test, answers_a_terminal_failure_at_once) {
  start({});
  self_->send(writer_, starting("gone"));
  run();
  ASSERT_EQ(sink_->calls.size(), 1u);
  sink_->calls[0].done(caf::make_error(kube_errc::invalid, "being deleted"));
  run();
  auto a = answers();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].find("invalid"), std::string::npos) << a[0];
  advance_time(1min);
  EXPECT_EQ(sink_->calls.size(), 1u);
}

TEST_F(status_writer_test, gives_up_after_the_deadline) {
  status_write_options o;
  o.retry_base = 1s;
  o.retry_max = 2s;
  o.deadline = 6s;
  start(o);
  self_->send(writer_, finishing("a", "10.0.0.1"));
  run();
  // Answered failing at 0, 2, 4 and 6 s (retries after 1, 2, 2 s); the next would end at 8 s.
  for (size_t i = 0; i < 10 && answers().empty(); ++i) {
    ASSERT_EQ(sink_->calls.size(), i + 1);
    sink_->calls[i].done(caf::make_error(kube_errc::unavailable, "503"));
    run();
    auto a = answers();
    if (!a.empty()) {
      ASSERT_EQ(a.size(), 1u);
      EXPECT_NE(a[0].find("unavailable"), std::string::npos) << a[0];
      break;
    }
    advance_time(2s);
  }
  EXPECT_EQ(sink_->calls.size(), 4u);
}

TEST_F(status_writer_test, a_newer_status_follows_the_one_in_flight_and_replaces_queued_ones) {
  status_write_options o;
  o.max_in_flight = 1;
  start(o);
  self_->send(writer_, starting("a"));
  self_->send(writer_, starting("b"));
  self_->send(writer_, finishing("a", "10.0.0.1"));
  self_->send(writer_, finishing("a", "10.0.0.2"));
  self_->send(writer_, finishing("b", "10.0.0.3")); // replaces b's queued write
  run();
  EXPECT_EQ(written(), (std::vector<std::string>{"a"}));
  sink_->calls[0].done({});
  run();
  // a's newest status: its two waiting requesters are answered by one write.
  EXPECT_EQ(written(), (std::vector<std::string>{"a", "b=10.0.0.3"}));
  sink_->calls[1].done({});
  run();
  EXPECT_EQ(written(), (std::vector<std::string>{"a", "b=10.0.0.3", "a=10.0.0.2"}));
  sink_->calls[2].done({});
  run();
  EXPECT_EQ(answers().size(), 5u);
}

TEST_F(status_writer_test, a_sink_that_never_answers_is_timed_out_and_retried) {
  status_write_options o;
  o.attempt_timeout = 10s;
  o.retry_base = 1s;
  start(o);
  self_->send(writer_, finishing("a", "10.0.0.1"));
  run();
  advance_time(10s);
  EXPECT_TRUE(answers().empty());
  advance_time(1s);
  ASSERT_EQ(sink_->calls.size(), 2u);
  sink_->calls[0].done({}); // the lost call answers late: ignored
  run();
  EXPECT_TRUE(answers().empty());
  sink_->calls[1].done({});
  run();
  EXPECT_EQ(answers(), (std::vector<std::string>{"ok"}));
}

TEST_F(status_writer_test, events_go_straight_to_the_sink) {
  start({});
  service_event ev;
  ev.key = {"ns", "a"};
  ev.reason = "EnsuredLoadBalancer";
  self_->send(writer_, ev);
  run();
  ASSERT_EQ(sink_->events.size(), 1u);
  EXPECT_EQ(sink_->events[0].reason, "EnsuredLoadBalancer");
}

} // namespace
} // namespace vcdlb::detail
