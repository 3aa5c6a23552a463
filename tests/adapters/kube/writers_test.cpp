#include "adapters/kube/event_recorder.hpp"
#include "adapters/kube/service_writer.hpp"

#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;

class writers_test : public ::testing::Test {
protected:
  writers_test() : fake_(std::make_shared<fake_client>()), writer_(fake_, timers_) {
    service_snapshot s;
    s.ns = "default";
    s.name = "web";
    s.type = "LoadBalancer";
    s.ports = {{"http", "TCP", 80, 31000, ""}};
    svc_ = fake_->put_service(s);
  }

  // Runs fake completions and zero-delay timers until quiet.
  void settle() {
    for (;;) {
      auto n = fake_->run() + timers_.advance(0ms);
      if (n == 0)
        return;
    }
  }

  template <class T>
  caf::expected<T> wait(std::function<void(callback<T>)> start) {
    std::optional<caf::expected<T>> out;
    start([&](caf::expected<T> r) { out = std::move(r); });
    for (int i = 0; i < 100 && !out; ++i) {
      settle();
      if (!out)
        timers_.advance(timers_.next_delay());
    }
    EXPECT_TRUE(out.has_value()) << "no completion";
    return out ? std::move(*out) : caf::expected<T>{caf::make_error(kube_errc::bad_response)};
  }

  size_t count_calls(const std::string& prefix) const {
    return std::count_if(fake_->calls().begin(), fake_->calls().end(),
                         [&](const std::string& c) { return c.starts_with(prefix); });
  }

  std::shared_ptr<fake_client> fake_;
  manual_timer_queue timers_;
  service_writer writer_;
  service_snapshot svc_;
};

TEST_F(writers_test, status_is_written_only_when_it_changed) {
  auto stored = wait<service_snapshot>([&](auto cb) {
    writer_.update_status(svc_, {{"192.0.2.10", "", "", {}}}, cb);
  });
  ASSERT_TRUE(stored) << describe(stored.error());
  ASSERT_EQ(stored->ingress.size(), 1u);
  EXPECT_EQ(stored->ingress[0].ip_mode, "VIP"); // server default
  EXPECT_EQ(writer_.writes(), 1u);
  // The same desired status against the stored object (ipMode defaulted) is not written again.
  auto again = wait<service_snapshot>([&](auto cb) {
    writer_.update_status(*stored, {{"192.0.2.10", "", "", {}}}, cb);
  });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->resource_version, stored->resource_version);
  EXPECT_EQ(writer_.writes(), 1u);
  EXPECT_EQ(count_calls("patch_service_status"), 1u);
  // Clearing it is a change.
  auto cleared = wait<service_snapshot>([&](auto cb) { writer_.update_status(*stored, {}, cb); });
  ASSERT_TRUE(cleared);
  EXPECT_TRUE(cleared->ingress.empty());
  EXPECT_EQ(count_calls("patch_service_status"), 2u);
}

TEST_F(writers_test, status_of_a_missing_service_is_not_found) {
  auto gone = svc_;
  gone.name = "nope";
  auto r = wait<service_snapshot>([&](auto cb) {
    writer_.update_status(gone, {{"192.0.2.10", "", "", {}}}, cb);
  });
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), kube_errc::not_found));
}

TEST_F(writers_test, finalizer_add_is_idempotent) {
  auto added = wait<service_snapshot>([&](auto cb) { writer_.add_finalizer(svc_, cb); });
  ASSERT_TRUE(added) << describe(added.error());
  EXPECT_TRUE(added->has_finalizer(load_balancer_cleanup_finalizer));
  EXPECT_TRUE(fake_->service(svc_.key())->has_finalizer(load_balancer_cleanup_finalizer));
  auto again = wait<service_snapshot>([&](auto cb) { writer_.add_finalizer(*added, cb); });
  ASSERT_TRUE(again);
  EXPECT_EQ(writer_.writes(), 1u);
}

TEST_F(writers_test, finalizer_conflict_rereads_and_retries) {
  // Someone else changes the Service after we read it: our RV is stale.
  auto newer = svc_;
  newer.annotations["other"] = "writer";
  fake_->put_service(newer);
  fake_->clear_calls();
  auto added = wait<service_snapshot>([&](auto cb) { writer_.add_finalizer(svc_, cb); });
  ASSERT_TRUE(added) << describe(added.error());
  EXPECT_TRUE(added->has_finalizer(load_balancer_cleanup_finalizer));
  EXPECT_EQ(added->annotations.at("other"), "writer");
  EXPECT_EQ(fake_->calls(), (std::vector<std::string>{"patch_service_finalizers default/web",
                                                      "get_service default/web",
                                                      "patch_service_finalizers default/web"}));
}

TEST_F(writers_test, finalizer_conflict_gives_up_after_five_attempts) {
  fake_->fail_always("patch_service_finalizers",
                     caf::make_error(kube_errc::conflict, std::string{"modified"}));
  auto r = wait<service_snapshot>([&](auto cb) { writer_.add_finalizer(svc_, cb); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), kube_errc::conflict));
  EXPECT_EQ(count_calls("patch_service_finalizers"), 5u);
  EXPECT_EQ(count_calls("get_service"), 4u);
}

TEST_F(writers_test, finalizer_flow_add_delete_remove) {
  auto added = wait<service_snapshot>([&](auto cb) { writer_.add_finalizer(svc_, cb); });
  ASSERT_TRUE(added);
  fake_->delete_service(svc_.key()); // kept: it has our finalizer
  auto deleting = fake_->service(svc_.key());
  ASSERT_TRUE(deleting);
  EXPECT_TRUE(deleting->deleting);
  // No new finalizer once deletion started.
  auto other = *deleting;
  auto refused = wait<service_snapshot>([&](auto cb) {
    service_writer w{fake_, timers_, service_writer_options{5, 10ms, "example.com/other"}};
    w.add_finalizer(other, cb);
  });
  ASSERT_FALSE(refused);
  EXPECT_TRUE(has_code(refused.error(), kube_errc::invalid));
  auto removed = wait<service_snapshot>([&](auto cb) { writer_.remove_finalizer(*deleting, cb); });
  ASSERT_TRUE(removed) << describe(removed.error());
  EXPECT_FALSE(removed->has_finalizer(load_balancer_cleanup_finalizer));
  EXPECT_FALSE(fake_->service(svc_.key())); // the last finalizer went: the Service is gone
  // Removing again (from a stale snapshot) finds nothing to do on a gone object.
  auto twice = wait<service_snapshot>([&](auto cb) { writer_.remove_finalizer(*deleting, cb); });
  ASSERT_FALSE(twice);
  EXPECT_TRUE(has_code(twice.error(), kube_errc::not_found));
}

class recorder_test : public writers_test {
protected:
  recorder_test() {
    opts_.component = "vcdlb";
    opts_.host = "pod-1";
    opts_.wall_clock = [this] {
      return std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 54}
             + std::chrono::duration_cast<std::chrono::system_clock::duration>(
               timers_.now().time_since_epoch());
    };
  }
  event_recorder_options opts_;

  void record(event_recorder& r, std::string_view reason, std::string msg,
              event_type t = event_type::warning) {
    r.record(svc_, t, reason, std::move(msg));
    settle();
  }
};

TEST_F(recorder_test, repeats_patch_count_and_last_timestamp) {
  event_recorder rec{fake_, timers_, opts_};
  record(rec, reasons::sync_load_balancer_failed, "Error syncing load balancer: busy");
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 1u);
  const auto ev = evs[0];
  EXPECT_EQ(ev.ns, "default");
  EXPECT_TRUE(ev.name.starts_with("web."));
  EXPECT_EQ(ev.type, event_type::warning);
  EXPECT_EQ(ev.reason, "SyncLoadBalancerFailed");
  EXPECT_EQ(ev.count, 1);
  EXPECT_EQ(ev.involved_object.kind, "Service");
  EXPECT_EQ(ev.involved_object.uid, svc_.uid);
  EXPECT_EQ(ev.source_component, "vcdlb");
  EXPECT_EQ(ev.source_host, "pod-1");
  timers_.advance(30s);
  record(rec, reasons::sync_load_balancer_failed, "Error syncing load balancer: busy");
  evs = fake_->events();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].count, 2);
  EXPECT_EQ(evs[0].first_timestamp, ev.first_timestamp);
  EXPECT_GT(evs[0].last_timestamp, ev.last_timestamp);
  EXPECT_EQ(rec.stats().created, 1u);
  EXPECT_EQ(rec.stats().patched, 1u);
  // A Normal event with another reason is a separate Event.
  record(rec, reasons::ensured_load_balancer, "Ensured load balancer", event_type::normal);
  EXPECT_EQ(fake_->events().size(), 2u);
}

TEST_F(recorder_test, rapid_repeats_wait_for_the_create_and_coalesce) {
  event_recorder rec{fake_, timers_, opts_};
  for (int i = 0; i < 4; ++i)
    rec.record(svc_, event_type::warning, reasons::sync_load_balancer_failed, "boom");
  EXPECT_EQ(count_calls("create_event"), 1u);
  EXPECT_EQ(count_calls("patch_event"), 0u); // not before the create landed
  settle();
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].count, 4);
  EXPECT_EQ(count_calls("patch_event"), 1u); // three repeats, one patch
  EXPECT_EQ(rec.stats().created, 1u);
  EXPECT_EQ(rec.stats().patched, 1u);
}

TEST_F(recorder_test, similar_messages_are_combined) {
  event_recorder rec{fake_, timers_, opts_};
  for (int i = 0; i < 9; ++i)
    record(rec, reasons::sync_load_balancer_failed, "error " + std::to_string(i));
  EXPECT_EQ(fake_->events().size(), 9u);
  for (int i = 9; i < 15; ++i)
    record(rec, reasons::sync_load_balancer_failed, "error " + std::to_string(i));
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 10u); // 9 single ones + 1 combined
  auto combined = std::find_if(evs.begin(), evs.end(), [](const event& e) {
    return e.message.starts_with("(combined from similar events): ");
  });
  ASSERT_NE(combined, evs.end());
  EXPECT_EQ(combined->count, 6);
  EXPECT_EQ(combined->message, "(combined from similar events): error 14");
}

TEST_F(recorder_test, spam_filter_limits_each_object) {
  event_recorder rec{fake_, timers_, opts_};
  for (int i = 0; i < 30; ++i)
    record(rec, reasons::sync_load_balancer_failed, "boom");
  EXPECT_EQ(rec.stats().dropped, 5u);
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].count, 25);
  // Another object has its own bucket.
  auto other = svc_;
  other.name = "api";
  other.uid = "u-other";
  rec.record(other, event_type::warning, reasons::sync_load_balancer_failed, "boom");
  settle();
  EXPECT_EQ(fake_->events().size(), 2u);
  // One token per 5 minutes.
  timers_.advance(5min);
  record(rec, reasons::sync_load_balancer_failed, "boom");
  record(rec, reasons::sync_load_balancer_failed, "boom");
  EXPECT_EQ(rec.stats().dropped, 6u);
}

TEST_F(recorder_test, a_repeat_after_the_window_is_a_new_event) {
  event_recorder rec{fake_, timers_, opts_};
  record(rec, reasons::ensuring_load_balancer, "Ensuring load balancer", event_type::normal);
  timers_.advance(11min);
  record(rec, reasons::ensuring_load_balancer, "Ensuring load balancer", event_type::normal);
  EXPECT_EQ(fake_->events().size(), 2u);
}

TEST_F(recorder_test, retryable_failures_are_retried_others_dropped) {
  event_recorder rec{fake_, timers_, opts_};
  fake_->fail_next("create_event", caf::make_error(kube_errc::unavailable), 2);
  record(rec, reasons::ensuring_load_balancer, "Ensuring load balancer", event_type::normal);
  EXPECT_TRUE(fake_->events().empty());
  timers_.advance(10s);
  settle();
  EXPECT_TRUE(fake_->events().empty());
  timers_.advance(10s);
  settle();
  EXPECT_EQ(fake_->events().size(), 1u);
  fake_->fail_next("create_event", caf::make_error(kube_errc::forbidden));
  record(rec, reasons::deleting_load_balancer, "Deleting load balancer", event_type::normal);
  EXPECT_EQ(rec.stats().failed, 1u);
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(recorder_test, patch_of_a_vanished_event_creates_a_new_one) {
  event_recorder rec{fake_, timers_, opts_};
  record(rec, reasons::sync_load_balancer_failed, "boom");
  fake_->fail_next("patch_event", caf::make_error(kube_errc::not_found));
  record(rec, reasons::sync_load_balancer_failed, "boom");
  EXPECT_EQ(fake_->events().size(), 2u);
  record(rec, reasons::sync_load_balancer_failed, "boom"); // patches the new one
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(std::max(evs[0].count, evs[1].count), 2);
}

TEST_F(recorder_test, node_events_go_to_default_namespace_and_messages_are_bounded) {
  event_recorder rec{fake_, timers_, opts_};
  object_reference node{"Node", "", "n1", "u-n1", "v1", ""};
  rec.record(node, event_type::normal, "Excluded", std::string(5000, 'x') + "\xc3\xa9");
  settle();
  auto evs = fake_->events();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].ns, "default");
  EXPECT_EQ(evs[0].message.size(), 1024u);
}

TEST(fake_client_test, semantics_the_engine_relies_on) {
  auto fake = std::make_shared<fake_client>();
  service_snapshot s;
  s.ns = "a";
  s.name = "b";
  auto stored = fake->put_service(s);
  EXPECT_FALSE(stored.uid.empty());
  auto rv = fake->resource_version();
  fake->put_service(s); // no-op write: nothing changes
  EXPECT_EQ(fake->resource_version(), rv);
  lease l{"ns", "l", "", "me", 15, "", "", 0};
  std::optional<caf::expected<lease>> got;
  fake->update_lease(l, [&](caf::expected<lease> r) { got = r; });
  EXPECT_FALSE(got); // never inside the call
  fake->run();
  ASSERT_TRUE(got);
  EXPECT_TRUE(has_code(got->error(), kube_errc::not_found));
  fake->create_lease(l, [&](caf::expected<lease> r) { got = r; });
  fake->run();
  ASSERT_TRUE(*got);
  auto first = **got;
  fake->create_lease(l, [&](caf::expected<lease> r) { got = r; });
  fake->run();
  EXPECT_TRUE(has_code(got->error(), kube_errc::already_exists));
  auto stale = first;
  stale.resource_version = "1";
  fake->update_lease(stale, [&](caf::expected<lease> r) { got = r; });
  fake->run();
  EXPECT_TRUE(has_code(got->error(), kube_errc::conflict));
}

} // namespace
} // namespace vcdlb::kube
