// The gateway actor's source-range firewall (actors/detail/gateway_firewall.cpp) on the
// deterministic scheduler with the fake VCD client: objects made, changed and removed, waves
// batched into one list write, other owners' rules kept in content and order, a concurrent
// writer between our read and our write.

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "actors/gateway_actor.hpp"
#include "actors/naming.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "caf/all.hpp"
#include "tests/support/actor_fixture.hpp"

namespace {

using namespace vcdlb;
using namespace std::chrono_literals;
using vcd::operation;
using vcdlb::testing::actor_fixture;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:42";

class gateway_firewall_test : public actor_fixture {
protected:
  gateway_firewall_test() : fake_(std::make_shared<vcd::fake_client>()) {
    vcd::edge_gateway g;
    g.name = "edge-1";
    gw_id_ = fake_->add_gateway(g);
    // Another owner's rules (a tenant's, Terraform's): they must survive every write as they are.
    other_a_ = rule("allow-ssh", "ALLOW");
    other_b_ = rule("block-smtp", "DROP");
    other_a_.id = fake_->put_firewall_rule(gw_id_, other_a_);
    other_b_.id = fake_->put_firewall_rule(gw_id_, other_b_);
    other_a_ = fake_->firewall_rules_of(gw_id_)[0];
    other_b_ = fake_->firewall_rules_of(gw_id_)[1];
  }

  ~gateway_firewall_test() override {
    if (gw_)
      self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  }

  static vcd::firewall_rule rule(std::string name, std::string action) {
    vcd::firewall_rule r;
    r.name = std::move(name);
    r.action_value = std::move(action);
    return r;
  }

  void start() {
    gateway_args args;
    args.client = fake_;
    args.ctx.gateway = {"edge-1", gw_id_};
    args.ctx.org = fake_->options().org;
    args.ctx.vdc_id = "urn:vcloud:vdc:0001";
    args.ctx.cluster_id = cid;
    args.cluster_id = cid;
    gw_ = sys_.spawn(gateway_behavior, std::move(args));
  }

  static source_range_request request(std::string name, std::vector<std::string> cidrs,
                                      std::string vip = "203.0.113.5") {
    return {{"shop", std::move(name)},
            std::move(cidrs),
            {{vip, ip_protocol::tcp, 80}, {vip, ip_protocol::tcp, 443}}};
  }

  // Sends `req` from a fresh actor; `*done` counts replies, `*err` keeps the last error.
  void send(source_range_request req, std::shared_ptr<int> done, std::shared_ptr<caf::error> err) {
    gateway_actor gw = gw_;
    sys_.spawn([gw, req, done, err](caf::event_based_actor* self) {
      self->request(gw, 600s, req)
        .then([done](caf::ok_atom) { ++*done; },
              [done, err](caf::error& e) {
                *err = e;
                ++*done;
              });
    });
  }

  // Sends and lets virtual time pass until the reply came.
  caf::error sync(source_range_request req) {
    auto done = std::make_shared<int>(0);
    auto err = std::make_shared<caf::error>();
    send(std::move(req), done, err);
    settle([&] { return *done == 1; });
    EXPECT_EQ(*done, 1);
    return *err;
  }

  template <class F>
  void settle(F done, caf::timespan step = 50ms, int max_steps = 20000) {
    run();
    for (int i = 0; i < max_steps && !done(); ++i)
      advance_time(step);
  }

  std::vector<std::string> rule_names() const {
    std::vector<std::string> out;
    for (const auto& r : fake_->firewall_rules_of(gw_id_))
      out.push_back(r.name);
    return out;
  }

  // The other owner's rules are present, unchanged (id, version, content) and in their order.
  void expect_others_untouched(const std::vector<vcd::firewall_rule>& others) const {
    std::vector<vcd::firewall_rule> seen;
    for (const auto& r : fake_->firewall_rules_of(gw_id_))
      if (!naming::firewall_owner(r.name, cid))
        seen.push_back(r);
    EXPECT_EQ(seen, others);
  }

  std::shared_ptr<vcd::fake_client> fake_;
  std::string gw_id_;
  vcd::firewall_rule other_a_, other_b_;
  gateway_actor gw_;
};

TEST_F(gateway_firewall_test, makes_sets_profile_and_rules_on_top_of_the_others) {
  start();
  ASSERT_FALSE(sync(request("web", {"198.51.100.0/24", "10.0.0.0/8"})));
  auto names = naming::firewall_names_for(cid, {"shop", "web"});
  auto sources = fake_->ip_set_by_name(gw_id_, names.sources);
  auto vips = fake_->ip_set_by_name(gw_id_, names.vip);
  ASSERT_TRUE(sources && vips);
  EXPECT_EQ(sources->ip_addresses, (std::vector<std::string>{"10.0.0.0/8", "198.51.100.0/24"}));
  EXPECT_EQ(vips->ip_addresses, std::vector<std::string>{"203.0.113.5"});
  auto ports = fake_->app_port_profile_by_name(names.ports);
  ASSERT_TRUE(ports);
  ASSERT_EQ(ports->application_ports.size(), 1u);
  EXPECT_EQ(ports->application_ports[0].protocol, "TCP");
  EXPECT_EQ(ports->application_ports[0].destination_ports, (std::vector<std::string>{"443", "80"}));
  EXPECT_EQ(rule_names(), (std::vector<std::string>{names.allow_rule, names.drop_rule, "allow-ssh",
                                                    "block-smtp"}));
  auto rules = fake_->firewall_rules_of(gw_id_);
  EXPECT_EQ(rules[0].action_value, "ALLOW");
  EXPECT_EQ(rules[0].source_firewall_groups.at(0).id, sources->id);
  EXPECT_EQ(rules[0].destination_firewall_groups.at(0).id, vips->id);
  EXPECT_EQ(rules[0].application_port_profiles.at(0).id, ports->id);
  EXPECT_EQ(rules[1].action_value, "DROP");
  EXPECT_TRUE(rules[1].source_firewall_groups.empty()); // any other source
  EXPECT_EQ(rules[1].destination_firewall_groups.at(0).id, vips->id);
  expect_others_untouched({other_a_, other_b_});
  // The same request again changes nothing: no mutation at all.
  fake_->reset_calls();
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8", "198.51.100.0/24"})));
  EXPECT_EQ(fake_->mutation_calls(), 0u);
}

TEST_F(gateway_firewall_test, a_wave_of_services_is_one_list_write) {
  start();
  auto done = std::make_shared<int>(0);
  auto err = std::make_shared<caf::error>();
  for (int i = 0; i < 8; ++i)
    send(request("svc-" + std::to_string(i), {"10.0.0.0/8"}, "203.0.113." + std::to_string(i)),
         done, err);
  settle([&] { return *done == 8; });
  ASSERT_EQ(*done, 8);
  EXPECT_FALSE(*err);
  EXPECT_EQ(fake_->calls(operation::replace_firewall_rules), 1u);
  EXPECT_EQ(fake_->firewall_rules_of(gw_id_).size(), 8u * 2 + 2);
  expect_others_untouched({other_a_, other_b_});
}

TEST_F(gateway_firewall_test, change_then_clear_updates_and_removes_only_ours) {
  start();
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  auto names = naming::firewall_names_for(cid, {"shop", "web"});
  auto rules_before = fake_->firewall_rules_of(gw_id_);
  // New ranges: the IP set changes, the rules (which name the set) stay as they are.
  ASSERT_FALSE(sync(request("web", {"192.0.2.0/24"})));
  EXPECT_EQ(fake_->ip_set_by_name(gw_id_, names.sources)->ip_addresses,
            std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(fake_->firewall_rules_of(gw_id_), rules_before);
  // A new VIP and port: the VIP set and the profile follow.
  auto moved = request("web", {"192.0.2.0/24"}, "203.0.113.9");
  moved.destinations.push_back({"203.0.113.9", ip_protocol::udp, 53});
  ASSERT_FALSE(sync(moved));
  EXPECT_EQ(fake_->ip_set_by_name(gw_id_, names.vip)->ip_addresses,
            std::vector<std::string>{"203.0.113.9"});
  EXPECT_EQ(fake_->app_port_profile_by_name(names.ports)->application_ports.size(), 2u);
  // No ranges anymore: rules, sets and profile go; the others stay.
  ASSERT_FALSE(sync(request("web", {})));
  EXPECT_EQ(rule_names(), (std::vector<std::string>{"allow-ssh", "block-smtp"}));
  EXPECT_FALSE(fake_->ip_set_by_name(gw_id_, names.sources));
  EXPECT_FALSE(fake_->ip_set_by_name(gw_id_, names.vip));
  EXPECT_FALSE(fake_->app_port_profile_by_name(names.ports));
  expect_others_untouched({other_a_, other_b_});
}

TEST_F(gateway_firewall_test, adopts_after_restart_and_repairs_a_deleted_rule) {
  start();
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  auto names = naming::firewall_names_for(cid, {"shop", "web"});
  auto ours = fake_->firewall_rules_of(gw_id_);
  // A new gateway actor (a restart) finds the objects and makes nothing twice.
  self_->send_exit(gw_, caf::exit_reason::user_shutdown);
  run();
  start();
  fake_->reset_calls();
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  EXPECT_EQ(fake_->mutation_calls(), 0u);
  EXPECT_EQ(fake_->ip_sets().size(), 2u);
  // Someone deletes our DROP rule out of band: the next request puts it back on top.
  auto edited = fake_->firewall_rules_of(gw_id_);
  edited.erase(edited.begin() + 1);
  bool written = false;
  fake_->replace_firewall_rules(
    gw_id_, edited, [&](caf::expected<vcd::task_ref> r) { written = static_cast<bool>(r); });
  ASSERT_TRUE(written);
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  EXPECT_EQ(rule_names(), (std::vector<std::string>{names.allow_rule, names.drop_rule, "allow-ssh",
                                                    "block-smtp"}));
  expect_others_untouched({other_a_, other_b_});
}

TEST_F(gateway_firewall_test, a_concurrent_writer_between_our_read_and_write_loses_nothing) {
  start();
  auto done = std::make_shared<int>(0);
  auto err = std::make_shared<caf::error>();
  send(request("web", {"10.0.0.0/8"}), done, err);
  // Step the actors until vcdlb has read the list right before its write (the second read:
  // the first one only finds this cluster's objects)...
  for (int i = 0; i < 20000 && fake_->calls(operation::get_firewall_rules) < 2; ++i)
    if (!sched_.try_run_once())
      sched_.advance_time(50ms);
  ASSERT_EQ(fake_->calls(operation::get_firewall_rules), 2u);
  ASSERT_EQ(fake_->calls(operation::replace_firewall_rules), 0u);
  // ... then another writer edits one of its rules and appends a new one.
  auto list = fake_->firewall_rules_of(gw_id_);
  list[0].description = "ssh from the jump host only";
  vcd::firewall_rule added = rule("allow-dns", "ALLOW");
  list.push_back(added);
  bool written = false;
  fake_->replace_firewall_rules(
    gw_id_, list, [&](caf::expected<vcd::task_ref> r) { written = static_cast<bool>(r); });
  ASSERT_TRUE(written);
  auto others = fake_->firewall_rules_of(gw_id_);
  // vcdlb's write carries the old version of the edited rule: VCD refuses it, vcdlb reads
  // again, merges again and writes: the edit and the new rule stay, in their order.
  settle([&] { return *done == 1; });
  ASSERT_EQ(*done, 1);
  EXPECT_FALSE(*err);
  auto names = naming::firewall_names_for(cid, {"shop", "web"});
  EXPECT_EQ(rule_names(), (std::vector<std::string>{names.allow_rule, names.drop_rule, "allow-ssh",
                                                    "block-smtp", "allow-dns"}));
  expect_others_untouched(others);
  EXPECT_EQ(fake_->calls(operation::replace_firewall_rules), 3u); // theirs, our refused one, ours
}

TEST_F(gateway_firewall_test, a_refresh_reports_services_whose_rules_or_sets_changed) {
  start();
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  ASSERT_FALSE(sync(request("shop", {"10.0.0.0/8"}, "203.0.113.6")));
  auto refresh = [&] {
    self_->send(gw_, refresh_atom::value);
    settle([] { return false; }, 50ms, 20);
    refresh_result found;
    EXPECT_TRUE(try_receive([&](const refresh_result& r) { found = r; }));
    return found.owners;
  };
  EXPECT_TRUE(refresh().empty()); // nothing changed
  // Another writer edits web's ALLOW rule (its sources become ANY).
  auto list = fake_->firewall_rules_of(gw_id_);
  auto web = naming::firewall_names_for(cid, {"shop", "web"});
  for (auto& r : list)
    if (r.name == web.allow_rule)
      r.source_firewall_groups.clear();
  bool written = false;
  fake_->replace_firewall_rules(
    gw_id_, list, [&](caf::expected<vcd::task_ref> r) { written = static_cast<bool>(r); });
  ASSERT_TRUE(written);
  EXPECT_EQ(refresh(), std::vector<std::string>{"h:" + naming::service_hash(cid, {"shop", "web"})});
  // Its reconcile's request puts the rule back; the next refresh finds nothing.
  ASSERT_FALSE(sync(request("web", {"10.0.0.0/8"})));
  EXPECT_FALSE(fake_->firewall_rules_of(gw_id_)[0].source_firewall_groups.empty());
  EXPECT_TRUE(refresh().empty());
}

TEST_F(gateway_firewall_test, services_without_ranges_cost_no_request_once_loaded) {
  start();
  ASSERT_FALSE(sync(request("web", {})));
  fake_->reset_calls();
  for (int i = 0; i < 50; ++i)
    ASSERT_FALSE(sync(request("plain-" + std::to_string(i), {})));
  EXPECT_EQ(fake_->total_calls(), 0u);
  EXPECT_EQ(rule_names(), (std::vector<std::string>{"allow-ssh", "block-smtp"}));
}

} // namespace
