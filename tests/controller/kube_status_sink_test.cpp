#include "controller/kube_status_sink.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {
namespace {

using namespace std::chrono_literals;

class kube_status_sink_test : public ::testing::Test {
protected:
  kube_status_sink_test()
    : fake_(std::make_shared<kube::fake_client>()),
      writer_(std::make_shared<kube::service_writer>(fake_, timers_)),
      recorder_(std::make_shared<kube::event_recorder>(fake_, timers_)),
      sink_(fake_, writer_, recorder_, [this](const kube::service_key& k) {
        return cache_enabled_ ? fake_->service(k) : std::nullopt;
      }) {
    kube::service_snapshot s;
    s.ns = "default";
    s.name = "web";
    s.type = "LoadBalancer";
    s.ports = {{"http", "TCP", 80, 31000, ""}};
    fake_->put_service(s);
  }

  // Runs fake completions and due timers until the write reported back.
  caf::error write(const service_status& st) {
    std::optional<caf::error> out;
    sink_.write_status(st, [&](caf::error err) { out = std::move(err); });
    for (int i = 0; i < 100 && !out; ++i) {
      if (fake_->run() + timers_.advance(0ms) == 0)
        timers_.advance(timers_.next_delay());
    }
    EXPECT_TRUE(out.has_value()) << "done was not called";
    return out ? *out : caf::make_error(kube_errc::bad_response, "no completion");
  }

  void settle() {
    for (int i = 0; i < 100; ++i)
      if (fake_->run() + timers_.advance(0ms) == 0)
        return;
  }

  static service_status status(std::string ip, bool finalizer) {
    service_status st;
    st.key = {"default", "web"};
    st.external_ip = std::move(ip);
    st.finalizer_wanted = finalizer;
    return st;
  }

  kube::service_snapshot stored() const { return *fake_->service({"default", "web"}); }

  size_t calls(std::string_view prefix) const {
    size_t n = 0;
    for (const auto& c : fake_->calls())
      n += c.starts_with(prefix) ? 1 : 0;
    return n;
  }

  kube::manual_timer_queue timers_;
  std::shared_ptr<kube::fake_client> fake_;
  std::shared_ptr<kube::service_writer> writer_;
  std::shared_ptr<kube::event_recorder> recorder_;
  bool cache_enabled_ = true;
  kube_status_sink sink_;
};

TEST_F(kube_status_sink_test, adds_the_finalizer_then_the_ingress) {
  EXPECT_FALSE(write(status("203.0.113.10", true)));
  auto s = stored();
  EXPECT_TRUE(s.has_finalizer(kube::load_balancer_cleanup_finalizer));
  ASSERT_EQ(s.ingress.size(), 1u);
  EXPECT_EQ(s.ingress[0].ip, "203.0.113.10");
  // The finalizer is written before the status: no cloud IP shows without the guard.
  std::vector<std::string> writes;
  for (const auto& c : fake_->calls())
    if (c.starts_with("patch_service"))
      writes.push_back(c.substr(0, c.find(' ')));
  EXPECT_EQ(writes, (std::vector<std::string>{"patch_service_finalizers", "patch_service_status"}));
}

TEST_F(kube_status_sink_test, an_unchanged_status_writes_nothing) {
  ASSERT_FALSE(write(status("203.0.113.10", true)));
  fake_->clear_calls();
  EXPECT_FALSE(write(status("203.0.113.10", true)));
  EXPECT_EQ(calls("patch_service"), 0u);
}

TEST_F(kube_status_sink_test, cleanup_clears_the_ingress_then_drops_the_finalizer) {
  ASSERT_FALSE(write(status("203.0.113.10", true)));
  fake_->clear_calls();
  EXPECT_FALSE(write(status("", false)));
  auto s = stored();
  EXPECT_FALSE(s.has_finalizer(kube::load_balancer_cleanup_finalizer));
  EXPECT_TRUE(s.ingress.empty());
  ASSERT_GE(fake_->calls().size(), 2u);
  EXPECT_TRUE(fake_->calls()[0].starts_with("patch_service_status"));
}

TEST_F(kube_status_sink_test, a_deleted_service_goes_away_when_the_finalizer_is_dropped) {
  ASSERT_FALSE(write(status("203.0.113.10", true)));
  fake_->delete_service({"default", "web"});
  ASSERT_TRUE(stored().deleting);
  EXPECT_FALSE(write(status("", false)));
  EXPECT_FALSE(fake_->service({"default", "web"}).has_value());
}

TEST_F(kube_status_sink_test, a_cache_miss_reads_the_service) {
  cache_enabled_ = false;
  EXPECT_FALSE(write(status("203.0.113.11", true)));
  EXPECT_EQ(calls("get_service"), 1u);
  EXPECT_EQ(stored().ingress.at(0).ip, "203.0.113.11");
}

TEST_F(kube_status_sink_test, a_gone_service_is_fine_for_cleanup_but_not_for_a_new_status) {
  cache_enabled_ = false;
  fake_->delete_service({"default", "web"}); // no finalizer: removed at once
  EXPECT_FALSE(write(status("", false)));
  auto err = write(status("203.0.113.12", true));
  EXPECT_TRUE(has_code(err, kube_errc::not_found)) << describe(err);
}

TEST_F(kube_status_sink_test, write_errors_reach_the_engine) {
  fake_->fail_always("patch_service_finalizers", caf::make_error(kube_errc::forbidden, "rbac"));
  auto err = write(status("203.0.113.10", true));
  EXPECT_TRUE(has_code(err, kube_errc::forbidden)) << describe(err);
  EXPECT_TRUE(stored().ingress.empty());
}

TEST_F(kube_status_sink_test, events_name_the_service) {
  service_event ev;
  ev.key = {"default", "web"};
  ev.type = event_type::warning;
  ev.reason = "SyncLoadBalancerFailed";
  ev.message = "no free IP";
  sink_.record_event(ev);
  settle();
  auto events = fake_->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "SyncLoadBalancerFailed");
  EXPECT_EQ(events[0].type, kube::event_type::warning);
  EXPECT_EQ(events[0].involved_object.name, "web");
  EXPECT_EQ(events[0].involved_object.uid, stored().uid);
}

TEST_F(kube_status_sink_test, events_for_uncached_services_still_name_them) {
  cache_enabled_ = false;
  service_event ev;
  ev.key = {"default", "web"};
  ev.reason = "EnsuredLoadBalancer";
  ev.message = "ok";
  sink_.record_event(ev);
  settle();
  auto events = fake_->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, kube::event_type::normal);
  EXPECT_EQ(events[0].involved_object.kind, "Service");
  EXPECT_EQ(events[0].involved_object.ns, "default");
}

} // namespace
} // namespace vcdlb
