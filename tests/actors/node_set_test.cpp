#include "actors/node_set.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "caf/all.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcdlb::testing::actor_fixture;

using inbox = std::shared_ptr<std::vector<node_members>>;

// A stand-in service actor that records the member sets it is sent.
service_actor::behavior_type recorder(service_actor::pointer, inbox box) {
  return {
    [](const service_spec&) {},
    [box](const node_members& m) { box->push_back(m); },
    [](reconcile_atom) {},
    [](caf::get_atom) { return service_status{}; },
  };
}

node_description worker(const std::string& name, const std::string& ip) {
  node_description n;
  n.name = name;
  n.addresses = {{"InternalIP", ip}};
  return n;
}

class node_set_test : public actor_fixture {
protected:
  node_set_test() : nodes_(sys_.spawn(node_set_behavior, caf::timespan{2s})) {}
  ~node_set_test() override {
    self_->send_exit(nodes_, caf::exit_reason::user_shutdown);
    for (auto& s : services_)
      self_->send_exit(s, caf::exit_reason::user_shutdown);
  }

  inbox subscribe(const std::string& name) {
    auto box = std::make_shared<std::vector<node_members>>();
    auto svc = sys_.spawn(recorder, box);
    services_.push_back(svc);
    self_->send(nodes_, subscribe_atom::value, service_key{"ns", name}, svc);
    run();
    return box;
  }

  /// A subscriber with `externalTrafficPolicy: Local`.
  inbox subscribe_local(const std::string& name) {
    auto box = std::make_shared<std::vector<node_members>>();
    auto svc = sys_.spawn(recorder, box);
    services_.push_back(svc);
    self_->send(nodes_, subscribe_atom::value, service_key{"ns", name}, svc, true);
    run();
    return box;
  }

  /// Three workers w1..w3 (10.0.0.1..3) and the first EndpointSlice list: `a` has ready
  /// endpoints on w1, `b` on w2 and w3.
  void three_workers_and_slices() {
    self_->send(nodes_, std::vector<endpoint_slice_info>{slice("a", "a-1", {"w1"}),
                                                         slice("b", "b-1", {"w2"}),
                                                         slice("b", "b-2", {"w3"})});
    self_->send(nodes_,
                std::vector<node_description>{worker("w1", "10.0.0.1"), worker("w2", "10.0.0.2"),
                                              worker("w3", "10.0.0.3")});
    run();
  }

  static endpoint_slice_info slice(const std::string& svc, const std::string& name,
                                   std::vector<std::string> nodes) {
    return {service_key{"ns", svc}, name, std::move(nodes)};
  }

  node_set_actor nodes_;
  std::vector<service_actor> services_;
};

TEST_F(node_set_test, nothing_is_published_before_the_first_full_list) {
  auto box = subscribe("a");
  self_->send(nodes_, worker("w1", "10.0.0.1"));
  run();
  advance_time(10s);
  EXPECT_TRUE(box->empty());
  self_->send(nodes_,
              std::vector<node_description>{worker("w1", "10.0.0.1"), worker("w2", "10.0.0.2")});
  run();
  ASSERT_EQ(box->size(), 1u); // the first list goes out at once
  EXPECT_EQ(box->back().list(), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(box->back().version, 1u);
}

TEST_F(node_set_test, churn_is_debounced_into_one_notification) {
  auto box = subscribe("a");
  self_->send(nodes_, std::vector<node_description>{worker("w1", "10.0.0.1")});
  run();
  ASSERT_EQ(box->size(), 1u);
  self_->send(nodes_, worker("w2", "10.0.0.2"));
  self_->send(nodes_, worker("w3", "10.0.0.3"));
  self_->send(nodes_, remove_atom::value, std::string{"w1"});
  run();
  advance_time(1s);
  EXPECT_EQ(box->size(), 1u); // still within the debounce window
  advance_time(1s);
  ASSERT_EQ(box->size(), 2u);
  EXPECT_EQ(box->back().list(), (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(box->back().version, 2u);
}

TEST_F(node_set_test, changes_that_keep_membership_notify_nobody) {
  auto box = subscribe("a");
  self_->send(nodes_, std::vector<node_description>{worker("w1", "10.0.0.1")});
  run();
  auto relabelled = worker("w1", "10.0.0.1");
  relabelled.labels = {{"team", "blue"}};
  self_->send(nodes_, relabelled);
  auto excluded = worker("w9", "10.0.0.9");
  excluded.labels = {{node_keys::exclude_from_lb, "true"}};
  self_->send(nodes_, excluded); // a new node that is not eligible
  run();
  advance_time(5s);
  EXPECT_EQ(box->size(), 1u);
  // Excluding an existing member is a change.
  auto w1_excluded = worker("w1", "10.0.0.1");
  w1_excluded.labels = {{node_keys::exclude_from_lb, ""}};
  self_->send(nodes_, w1_excluded);
  run();
  advance_time(2s);
  ASSERT_EQ(box->size(), 2u);
  EXPECT_TRUE(box->back().list().empty());
}

TEST_F(node_set_test, late_subscribers_get_the_current_set_and_only_changes_after) {
  self_->send(nodes_, std::vector<node_description>{worker("w1", "10.0.0.1")});
  run();
  auto a = subscribe("a");
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(a->back().list(), (std::vector<std::string>{"10.0.0.1"}));
  auto b = subscribe("b");
  EXPECT_EQ(a->size(), 1u); // a already has this version
  EXPECT_EQ(b->size(), 1u);
  // Every subscriber holds the same immutable list, and it still prints like a value.
  EXPECT_EQ(a->back().ips.get(), b->back().ips.get());
  EXPECT_NE(caf::deep_to_string(b->back()).find("10.0.0.1"), std::string::npos);
  self_->send(nodes_, unsubscribe_atom::value, service_key{"ns", "a"});
  self_->send(nodes_, worker("w2", "10.0.0.2"));
  run();
  advance_time(2s);
  EXPECT_EQ(a->size(), 1u);
  EXPECT_EQ(b->size(), 2u);
}

TEST_F(node_set_test, terminated_subscribers_are_forgotten) {
  self_->send(nodes_, std::vector<node_description>{worker("w1", "10.0.0.1")});
  run();
  auto box = subscribe("a");
  self_->send_exit(services_.back(), caf::exit_reason::user_shutdown);
  run();
  self_->send(nodes_, worker("w2", "10.0.0.2"));
  run();
  advance_time(2s); // would crash or leak if the dead handle were still used
  EXPECT_EQ(box->size(), 1u);
  self_->send(nodes_, caf::get_atom::value);
  run();
  node_members now;
  EXPECT_TRUE(try_receive([&](const node_members& m) { now = m; }));
  EXPECT_EQ(now.list().size(), 2u);
}

using ips = std::vector<std::string>;

TEST_F(node_set_test, local_services_get_only_the_nodes_with_ready_endpoints) {
  three_workers_and_slices();
  auto a = subscribe_local("a");
  auto b = subscribe_local("b");
  auto c = subscribe("c"); // Cluster
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(a->back().list(), ips{"10.0.0.1"});
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ(b->back().list(), (ips{"10.0.0.2", "10.0.0.3"}));
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ(c->back().list(), (ips{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
}

TEST_F(node_set_test, endpoint_moves_are_debounced_into_one_update_per_window) {
  three_workers_and_slices();
  auto a = subscribe_local("a");
  auto c = subscribe("c");
  // A rolling restart: the pod moves w1 -> w2 -> w3 within one window.
  self_->send(nodes_, slice("a", "a-1", {"w1", "w2"}));
  self_->send(nodes_, slice("a", "a-1", {"w2"}));
  self_->send(nodes_, slice("a", "a-1", {"w3"}));
  run();
  advance_time(1s);
  EXPECT_EQ(a->size(), 1u); // still within the window
  advance_time(1s);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(a->back().list(), ips{"10.0.0.3"});
  EXPECT_EQ(c->size(), 1u); // Cluster Services hear nothing of endpoints
  // A slice event that leaves the set as it was sends nothing.
  self_->send(nodes_, slice("a", "a-2", {"w3"}));
  run();
  advance_time(5s);
  EXPECT_EQ(a->size(), 2u);
}

TEST_F(node_set_test, a_local_service_without_ready_endpoints_keeps_its_members) {
  three_workers_and_slices();
  auto b = subscribe_local("b");
  ASSERT_EQ(b->back().list(), (ips{"10.0.0.2", "10.0.0.3"}));
  // Every pod is gone (scaled to zero, or all restarting): the pool keeps its members.
  self_->send(nodes_, remove_atom::value, slice("b", "b-1", {}));
  self_->send(nodes_, slice("b", "b-2", {}));
  run();
  advance_time(5s);
  EXPECT_EQ(b->size(), 1u);
  // ... minus a node that stops being a backend meanwhile,
  self_->send(nodes_, remove_atom::value, std::string{"w2"});
  run();
  advance_time(2s);
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ(b->back().list(), ips{"10.0.0.3"});
  // ... and when none of what it had is left, every eligible node (never an empty pool).
  self_->send(nodes_, remove_atom::value, std::string{"w3"});
  run();
  advance_time(2s);
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ(b->back().list(), ips{"10.0.0.1"});
  // A ready endpoint again: back to exactly its nodes.
  self_->send(nodes_, worker("w4", "10.0.0.4"));
  self_->send(nodes_, slice("b", "b-3", {"w4"}));
  run();
  advance_time(2s);
  ASSERT_EQ(b->size(), 4u);
  EXPECT_EQ(b->back().list(), ips{"10.0.0.4"});
}

TEST_F(node_set_test, endpoints_on_nodes_that_are_no_backends_do_not_count) {
  three_workers_and_slices();
  auto a = subscribe_local("a");
  auto cp = worker("cp", "10.0.0.9");
  cp.labels = {{node_keys::control_plane, ""}};
  self_->send(nodes_, cp);
  self_->send(nodes_, slice("a", "a-1", {"cp", "w2", "unknown-node"}));
  run();
  advance_time(2s);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(a->back().list(), ips{"10.0.0.2"});
  // Excluding w2 leaves only the control plane's endpoint: the members stay (w2 is gone from
  // them: it is no backend any more) -> every eligible node.
  auto w2 = worker("w2", "10.0.0.2");
  w2.labels = {{node_keys::exclude_from_lb, "true"}};
  self_->send(nodes_, w2);
  run();
  advance_time(2s);
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ(a->back().list(), (ips{"10.0.0.1", "10.0.0.3"}));
}

TEST_F(node_set_test, local_is_served_like_cluster_until_the_first_endpoint_list) {
  self_->send(nodes_,
              std::vector<node_description>{worker("w1", "10.0.0.1"), worker("w2", "10.0.0.2")});
  run();
  auto a = subscribe_local("a");
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(a->back().list(), (ips{"10.0.0.1", "10.0.0.2"}));
  self_->send(nodes_, slice("a", "a-1", {"w2"})); // a watch event before the list: stored
  run();
  advance_time(5s);
  EXPECT_EQ(a->size(), 1u);
  self_->send(nodes_, std::vector<endpoint_slice_info>{slice("a", "a-1", {"w2"})});
  run();
  advance_time(2s);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(a->back().list(), ips{"10.0.0.2"});
}

TEST_F(node_set_test, switching_the_policy_resubscribes_with_the_other_set) {
  three_workers_and_slices();
  auto box = std::make_shared<std::vector<node_members>>();
  auto svc = sys_.spawn(recorder, box);
  services_.push_back(svc);
  service_key key{"ns", "a"};
  self_->send(nodes_, subscribe_atom::value, key, svc, false);
  run();
  ASSERT_EQ(box->size(), 1u);
  EXPECT_EQ(box->back().list().size(), 3u);
  self_->send(nodes_, subscribe_atom::value, key, svc, true);
  run();
  ASSERT_EQ(box->size(), 2u);
  EXPECT_EQ(box->back().list(), ips{"10.0.0.1"});
  self_->send(nodes_, subscribe_atom::value, key, svc, true); // the same again: nothing
  run();
  EXPECT_EQ(box->size(), 2u);
  self_->send(nodes_, subscribe_atom::value, key, svc, false);
  run();
  ASSERT_EQ(box->size(), 3u);
  EXPECT_EQ(box->back().list().size(), 3u);
}

TEST_F(node_set_test, a_relist_of_endpoints_tells_only_the_services_whose_slices_changed) {
  three_workers_and_slices();
  auto a = subscribe_local("a");
  auto b = subscribe_local("b");
  self_->send(
    nodes_, std::vector<endpoint_slice_info>{slice("a", "a-1", {"w1"}), slice("b", "b-1", {"w2"})});
  run();
  advance_time(2s);
  EXPECT_EQ(a->size(), 1u);
  ASSERT_EQ(b->size(), 2u); // b-2 vanished while the watch was down
  EXPECT_EQ(b->back().list(), ips{"10.0.0.2"});
}

} // namespace
