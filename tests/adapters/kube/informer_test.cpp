#include "adapters/kube/informer.hpp"

#include <random>

#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;

service_snapshot svc(std::string name, std::string ns = "default") {
  service_snapshot s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.type = "LoadBalancer";
  return s;
}

struct recorder {
  std::vector<std::pair<delta_type, std::string>> seen;
  std::map<std::string, service_snapshot> mirror; // what the handler was told
  void operator()(const delta<service_snapshot>& d) {
    seen.emplace_back(d.type, d.object.name);
    switch (d.type) {
    case delta_type::added:
      EXPECT_EQ(mirror.count(object_key(d.object)), 0u) << "duplicate add " << d.object.name;
      mirror[object_key(d.object)] = d.object;
      break;
    case delta_type::updated:
      EXPECT_EQ(mirror.at(object_key(d.object)), d.old);
      mirror[object_key(d.object)] = d.object;
      break;
    case delta_type::deleted:
      EXPECT_EQ(mirror.erase(object_key(d.object)), 1u) << "unknown delete " << d.object.name;
      break;
    case delta_type::resync:
      EXPECT_EQ(mirror.at(object_key(d.object)), d.object);
      break;
    case delta_type::synced:
      break;
    }
  }
  size_t count(delta_type t) const {
    return std::count_if(seen.begin(), seen.end(), [t](const auto& x) { return x.first == t; });
  }
};

class informer_test : public ::testing::Test {
protected:
  informer_test() : fake_(std::make_shared<fake_client>()) {}

  std::shared_ptr<service_informer> make(informer_options opts = {}) {
    opts.seed = 7;
    return service_informer::make(fake_, timers_, opts,
                                  [this](const delta<service_snapshot>& d) { rec_(d); });
  }

  // Delivers everything queued in the fake (timers do not move).
  void settle() {
    while (fake_->run() > 0) {
    }
  }

  bool has_call(const std::string& c) const {
    const auto& calls = fake_->calls();
    return std::find(calls.begin(), calls.end(), c) != calls.end();
  }

  std::map<std::string, service_snapshot> store_services() {
    std::map<std::string, service_snapshot> out;
    list_options lo;
    caf::expected<list_result<service_snapshot>> res = caf::make_error(kube_errc::not_found);
    fake_->list_services(lo, [&](caf::expected<list_result<service_snapshot>> r) { res = r; });
    settle();
    for (auto& s : res->items)
      out[object_key(s)] = s;
    return out;
  }

  std::shared_ptr<fake_client> fake_;
  manual_timer_queue timers_;
  recorder rec_;
};

TEST_F(informer_test, first_list_delivers_adds_then_synced_and_watches_from_list_rv) {
  fake_->put_service(svc("a"));
  fake_->put_service(svc("b"));
  auto inf = make();
  EXPECT_FALSE(inf->has_synced());
  inf->start();
  settle();
  EXPECT_TRUE(inf->has_synced());
  ASSERT_EQ(rec_.seen.size(), 3u);
  EXPECT_EQ(rec_.seen[2].first, delta_type::synced);
  EXPECT_EQ(inf->list().size(), 2u);
  EXPECT_TRUE(has_call("list_services rv=0 limit=500"));
  EXPECT_TRUE(has_call("watch_services rv=" + fake_->resource_version()));
  EXPECT_EQ(fake_->open_watches(), 1u);
}

TEST_F(informer_test, watch_events_update_cache_and_rv_bookmarks_advance_it) {
  auto inf = make();
  inf->start();
  settle();
  auto a = fake_->put_service(svc("a"));
  auto s = svc("a");
  s.load_balancer_ip = "192.0.2.1";
  fake_->put_service(s);
  fake_->put_service(svc("b"));
  fake_->delete_service({"default", "b"});
  settle();
  EXPECT_EQ(rec_.count(delta_type::added), 2u);
  EXPECT_EQ(rec_.count(delta_type::updated), 1u);
  EXPECT_EQ(rec_.count(delta_type::deleted), 1u);
  ASSERT_TRUE(inf->get("default/a"));
  EXPECT_EQ(inf->get("default/a")->load_balancer_ip, "192.0.2.1");
  EXPECT_FALSE(inf->get("default/b"));
  EXPECT_EQ(inf->last_resource_version(), fake_->resource_version());
  fake_->put_node(
    node_snapshot{"n1", "", "", false, {}, {}, false, {}, "True", "", ""}); // other kind
  fake_->bookmark();
  settle();
  EXPECT_EQ(inf->last_resource_version(), fake_->resource_version());
}

TEST_F(informer_test, dropped_watch_rewatches_from_last_rv_without_relisting) {
  auto inf = make();
  inf->start();
  settle();
  fake_->put_service(svc("a"));
  settle();
  timers_.advance(5s); // the watch is not "very short"
  auto rv = inf->last_resource_version();
  fake_->close_watches();
  fake_->put_service(svc("b")); // happens while no watch is open
  fake_->clear_calls();
  settle();
  EXPECT_EQ(fake_->calls(), std::vector<std::string>{"watch_services rv=" + rv});
  EXPECT_TRUE(inf->get("default/b"));
  EXPECT_EQ(inf->stats().lists, 1u);
  EXPECT_EQ(rec_.count(delta_type::added), 2u); // replayed exactly once
}

TEST_F(informer_test, bookmark_rv_is_where_the_next_watch_starts) {
  auto inf = make();
  inf->start();
  settle();
  timers_.advance(5s);
  fake_->put_node(node_snapshot{"n1", "", "", false, {}, {}, false, {}, "", "", ""});
  fake_->bookmark();
  settle();
  fake_->clear_calls();
  fake_->close_watches();
  settle();
  EXPECT_EQ(fake_->calls(),
            std::vector<std::string>{"watch_services rv=" + fake_->resource_version()});
}

TEST_F(informer_test, gone_relists_and_delivers_the_diff) {
  fake_->put_service(svc("keep"));
  fake_->put_service(svc("change"));
  fake_->put_service(svc("vanish"));
  auto inf = make();
  inf->start();
  settle();
  timers_.advance(5s);
  fake_->close_watches();
  auto changed = svc("change");
  changed.annotations["x"] = "y";
  fake_->put_service(changed);
  fake_->delete_service({"default", "vanish"});
  fake_->put_service(svc("new"));
  fake_->compact(); // the informer's RV is now too old
  rec_.seen.clear();
  fake_->clear_calls();
  auto old_rv = inf->last_resource_version();
  settle();
  EXPECT_EQ(fake_->calls(),
            (std::vector<std::string>{"watch_services rv=" + old_rv, "list_services rv=" + old_rv,
                                      "watch_services rv=" + fake_->resource_version()}));
  EXPECT_EQ(inf->stats().relists_after_gone, 1u);
  EXPECT_EQ(rec_.count(delta_type::added), 1u);
  EXPECT_EQ(rec_.count(delta_type::updated), 1u);
  EXPECT_EQ(rec_.count(delta_type::deleted), 1u);
  EXPECT_EQ(rec_.count(delta_type::synced), 0u); // only once, at the first list
  EXPECT_EQ(inf->list().size(), 3u);
  EXPECT_EQ(inf->get("default/change")->annotations.at("x"), "y");
}

TEST_F(informer_test, expired_open_watch_relists) {
  auto inf = make();
  inf->start();
  settle();
  fake_->expire_watches();
  settle();
  EXPECT_EQ(inf->stats().relists_after_gone, 1u);
  EXPECT_EQ(inf->stats().lists, 2u);
  EXPECT_EQ(fake_->open_watches(), 1u);
}

TEST_F(informer_test, list_errors_back_off_exponentially) {
  fake_->fail_always("list_services", caf::make_error(kube_errc::unavailable));
  auto inf = make();
  inf->start();
  settle();
  ASSERT_EQ(timers_.pending(), 1u);
  auto d1 = timers_.next_delay();
  EXPECT_GE(d1, 800ms);
  EXPECT_LT(d1, 1600ms);
  timers_.advance(d1);
  settle();
  auto d2 = timers_.next_delay();
  EXPECT_GE(d2, 1600ms);
  EXPECT_LT(d2, 3200ms);
  for (int i = 0; i < 10; ++i) {
    timers_.advance(timers_.next_delay());
    settle();
  }
  auto capped = timers_.next_delay();
  EXPECT_GE(capped, 30s);
  EXPECT_LT(capped, 60s);
  EXPECT_FALSE(inf->has_synced());
  fake_->fail_always("list_services", {});
  timers_.advance(capped);
  settle();
  EXPECT_TRUE(inf->has_synced());
  // After two quiet minutes the backoff starts over.
  timers_.advance(3min);
  fake_->fail_next("watch_services", caf::make_error(net_errc::connection_closed));
  fake_->close_watches();
  settle();
  auto fresh = timers_.next_delay();
  EXPECT_GE(fresh, 800ms);
  EXPECT_LT(fresh, 1600ms);
}

TEST_F(informer_test, list_gone_falls_back_to_a_quorum_list) {
  auto inf = make();
  inf->start();
  settle();
  timers_.advance(5s);
  auto rv = inf->last_resource_version();
  fake_->fail_next("list_services", caf::make_error(kube_errc::gone));
  fake_->clear_calls();
  fake_->expire_watches();
  settle();
  timers_.advance(timers_.next_delay());
  settle();
  EXPECT_EQ(fake_->calls(),
            (std::vector<std::string>{"list_services rv=" + rv, "list_services rv= limit=500",
                                      "watch_services rv=" + fake_->resource_version()}));
}

TEST_F(informer_test, transport_error_on_watch_resumes_from_last_rv_after_backoff) {
  auto inf = make();
  inf->start();
  settle();
  timers_.advance(5s);
  auto rv = inf->last_resource_version();
  fake_->fail_next("watch_services", caf::make_error(net_errc::connect_failed));
  fake_->close_watches();
  fake_->clear_calls();
  settle();
  EXPECT_EQ(fake_->calls(), std::vector<std::string>{"watch_services rv=" + rv});
  EXPECT_EQ(fake_->open_watches(), 0u);
  timers_.advance(timers_.next_delay());
  settle();
  EXPECT_EQ(fake_->calls(),
            (std::vector<std::string>{"watch_services rv=" + rv, "watch_services rv=" + rv}));
  EXPECT_EQ(fake_->open_watches(), 1u);
  EXPECT_EQ(inf->stats().lists, 1u);
}

TEST_F(informer_test, forbidden_watch_relists_after_backoff) {
  auto inf = make();
  inf->start();
  settle();
  timers_.advance(5s);
  fake_->fail_next("watch_services", caf::make_error(kube_errc::forbidden));
  fake_->close_watches();
  settle();
  timers_.advance(timers_.next_delay());
  settle();
  EXPECT_EQ(inf->stats().lists, 2u);
}

TEST_F(informer_test, very_short_empty_watch_backs_off) {
  auto inf = make();
  inf->start();
  settle();
  fake_->close_watches(); // no time passed, no events
  settle();
  EXPECT_EQ(fake_->open_watches(), 0u);
  EXPECT_EQ(timers_.pending(), 1u);
  timers_.advance(timers_.next_delay());
  settle();
  EXPECT_EQ(fake_->open_watches(), 1u);
}

TEST_F(informer_test, watch_timeout_is_randomized_between_5_and_10_minutes) {
  struct spy : fake_client {
    std::vector<std::chrono::seconds> timeouts;
    watch_ptr watch_services(watch_options o, watch_handler<service_snapshot> h) override {
      timeouts.push_back(o.timeout);
      EXPECT_TRUE(o.allow_bookmarks);
      return fake_client::watch_services(std::move(o), std::move(h));
    }
  };
  auto s = std::make_shared<spy>();
  informer_options opts;
  opts.seed = 3;
  auto inf = service_informer::make(s, timers_, opts, [](const delta<service_snapshot>&) {});
  inf->start();
  for (int i = 0; i < 20; ++i) {
    while (s->run() > 0) {
    }
    timers_.advance(2s);
    s->close_watches();
  }
  ASSERT_GE(s->timeouts.size(), 20u);
  bool differ = false;
  for (auto t : s->timeouts) {
    EXPECT_GE(t, 300s);
    EXPECT_LT(t, 600s);
    differ |= t != s->timeouts.front();
  }
  EXPECT_TRUE(differ);
}

TEST_F(informer_test, resync_redelivers_the_cache) {
  fake_->put_service(svc("a"));
  fake_->put_service(svc("b"));
  informer_options opts;
  opts.resync_period = 30s;
  auto inf = make(opts);
  inf->start();
  settle();
  EXPECT_EQ(rec_.count(delta_type::resync), 0u);
  timers_.advance(30s);
  EXPECT_EQ(rec_.count(delta_type::resync), 2u);
  timers_.advance(30s);
  EXPECT_EQ(rec_.count(delta_type::resync), 4u);
  inf->stop();
  timers_.advance(30s);
  EXPECT_EQ(rec_.count(delta_type::resync), 4u);
}

TEST_F(informer_test, pages_through_large_lists) {
  for (int i = 0; i < 5; ++i)
    fake_->put_service(svc("s" + std::to_string(i)));
  informer_options opts;
  opts.page_size = 2;
  auto inf = make(opts);
  inf->start();
  settle();
  EXPECT_EQ(inf->list().size(), 5u);
  EXPECT_TRUE(has_call("list_services rv=0 limit=2"));
  EXPECT_TRUE(has_call("list_services rv= limit=2 continue"));
  EXPECT_EQ(std::count_if(fake_->calls().begin(), fake_->calls().end(),
                          [](const std::string& c) { return c.starts_with("list_services"); }),
            3);
}

TEST_F(informer_test, namespace_scoped) {
  fake_->put_service(svc("a", "one"));
  fake_->put_service(svc("b", "two"));
  informer_options opts;
  opts.ns = "one";
  auto inf = make(opts);
  inf->start();
  settle();
  fake_->put_service(svc("c", "two"));
  fake_->put_service(svc("d", "one"));
  settle();
  auto items = inf->list();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "a");
  EXPECT_EQ(items[1].name, "d");
}

TEST_F(informer_test, stop_silences_everything) {
  auto inf = make();
  inf->start();
  settle();
  inf->stop();
  settle();
  auto n = rec_.seen.size();
  fake_->put_service(svc("late"));
  settle();
  EXPECT_EQ(rec_.seen.size(), n);
  EXPECT_EQ(fake_->open_watches(), 0u);
}

TEST_F(informer_test, node_and_endpoint_slice_informers) {
  fake_->put_node(node_snapshot{"n1", "", "", false, {}, {}, false, {}, "True", "p1", ""});
  std::vector<std::string> nodes;
  auto ni = node_informer::make(fake_, timers_, {}, [&](const delta<node_snapshot>& d) {
    if (d.type != delta_type::synced)
      nodes.push_back(std::string{to_string(d.type)} + ":" + d.object.name);
  });
  std::vector<std::string> slices;
  auto ei =
    endpoint_slice_informer::make(fake_, timers_, {}, [&](const delta<endpoint_slice_snapshot>& d) {
      if (d.type != delta_type::synced)
        slices.push_back(std::string{to_string(d.type)} + ":" + d.object.service_name);
    });
  ni->start();
  ei->start();
  settle();
  endpoint_slice_snapshot es;
  es.ns = "default";
  es.name = "web-1";
  es.service_name = "web";
  fake_->put_endpoint_slice(es);
  fake_->delete_node("n1");
  settle();
  EXPECT_EQ(nodes, (std::vector<std::string>{"added:n1", "deleted:n1"}));
  EXPECT_EQ(slices, std::vector<std::string>{"added:web"});
  EXPECT_TRUE(ni->has_synced());
  EXPECT_TRUE(ei->get("default/web-1"));
}

// Random mutations interleaved with dropped watches, 410s, compactions and transport errors:
// the informer's cache (and what its handler was told) always converges to the store.
TEST_F(informer_test, consistent_across_random_drops_and_expiries) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    fake_ = std::make_shared<fake_client>();
    fake_->set_history_limit(8);
    rec_ = recorder{};
    auto inf = make();
    inf->start();
    std::mt19937_64 rng{seed};
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    for (int step = 0; step < 150; ++step) {
      auto name = "s" + std::to_string(pick(12));
      switch (pick(9)) {
      case 0:
      case 1:
      case 2: {
        auto s = svc(name);
        s.annotations["v"] = std::to_string(pick(3));
        fake_->put_service(s);
        break;
      }
      case 3:
        fake_->delete_service({"default", name});
        break;
      case 4:
        fake_->close_watches();
        break;
      case 5:
        fake_->expire_watches();
        break;
      case 6:
        fake_->compact();
        break;
      case 7:
        fake_->fail_next(pick(2) == 0 ? "watch_services" : "list_services",
                         caf::make_error(net_errc::connection_closed));
        fake_->close_watches();
        break;
      case 8:
        fake_->bookmark();
        break;
      }
      if (pick(3) == 0)
        settle();
      if (pick(4) == 0)
        timers_.advance(std::chrono::milliseconds{pick(40'000)});
    }
    // Let it converge.
    for (int i = 0; i < 20; ++i) {
      settle();
      timers_.advance(60s);
    }
    settle();
    auto store = store_services();
    std::map<std::string, service_snapshot> cache;
    for (auto& s : inf->list())
      cache[object_key(s)] = s;
    ASSERT_EQ(cache, store) << "seed " << seed;
    ASSERT_EQ(rec_.mirror, store) << "seed " << seed;
    EXPECT_EQ(fake_->open_watches(), 1u) << "seed " << seed;
    inf->stop();
  }
}

} // namespace
} // namespace vcdlb::kube
