#include "actors/plan.hpp"

#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "actors/desired_state.hpp"
#include "actors/naming.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using config::lb_mode;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:77";

engine_settings settings(lb_mode mode) {
  engine_settings s;
  s.mode = mode;
  s.cluster_id = cid;
  s.cert_alias = "cert";
  return s;
}

service_spec base_service() {
  service_spec svc;
  svc.key = {"shop", "web"};
  svc.type = service_type::load_balancer;
  svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""},
               {"https", ip_protocol::tcp, 443, 30443, ""}};
  return svc;
}

struct world {
  lb_mode mode = lb_mode::b;
  std::vector<std::string> members{"10.0.0.1", "10.0.0.2"};
  std::string external_ip = "203.0.113.5";
  std::map<std::string, std::string> internal{{"", "192.168.8.2"},
                                              {"http", "192.168.8.2"},
                                              {"https", "192.168.8.3"},
                                              {"admin", "192.168.8.4"},
                                              {"web", "192.168.8.5"}};
  std::vector<std::string> upstream_ports;
};

lb_objects objects_for(const service_spec& svc, const world& w) {
  auto s = settings(w.mode);
  auto plan = plan_ports(svc, s);
  EXPECT_TRUE(plan) << describe(plan.error());
  if (!plan)
    return {};
  ip_assignment ips{w.external_ip, {}};
  for (const auto& slot : plan->internal_slots(w.mode))
    ips.internal_ips.emplace_back(slot, w.internal.at(slot));
  auto objs = desired_objects(svc.key, *plan, w.members, ips, s, w.upstream_ports);
  EXPECT_TRUE(objs) << describe(objs.error());
  return objs ? *objs : lb_objects{};
}

// What the gateway holds after creating `objs`: same objects with ids.
lb_objects observed(lb_objects objs) {
  for (auto& x : objs.profiles)
    x.id = "id:" + x.name;
  for (auto& x : objs.dnat_rules)
    x.id = "id:" + x.name;
  for (auto& x : objs.pools)
    x.id = "id:" + x.name;
  for (auto& x : objs.virtual_services)
    x.id = "id:" + x.name;
  return objs;
}

lb_objects without_ids(lb_objects objs) {
  for (auto& x : objs.profiles)
    x.id.clear();
  for (auto& x : objs.dnat_rules)
    x.id.clear();
  for (auto& x : objs.pools)
    x.id.clear();
  for (auto& x : objs.virtual_services)
    x.id.clear();
  return objs;
}

// Checks the gateway-side invariants of one state; returns a description of a violation or "".
std::string violation(const lb_objects& s) {
  std::set<listener_key> vs_keys;
  for (const auto& vs : s.virtual_services) {
    if (!vs_keys.insert(vs.listener()).second)
      return "two virtual services on " + to_string(vs.listener());
    bool pool_found = false;
    for (const auto& p : s.pools)
      pool_found = pool_found || p.name == vs.pool_name;
    if (!pool_found)
      return "virtual service " + vs.name + " without its pool";
  }
  std::set<listener_key> dnat_keys;
  for (const auto& d : s.dnat_rules) {
    if (!dnat_keys.insert(listener_of(d)).second)
      return "two DNAT rules on " + to_string(listener_of(d));
    bool profile_found = false;
    for (const auto& p : s.profiles)
      profile_found = profile_found || p.name == d.profile_name;
    if (!profile_found)
      return "DNAT rule " + d.name + " without its profile";
  }
  return {};
}

// Runs the plan against `state`, checking the invariants after every step; returns the end state.
lb_objects execute(lb_objects state, const std::vector<lb_op>& plan) {
  EXPECT_EQ(violation(state), "") << "initial state";
  int n = 0;
  for (const auto& op : plan) {
    EXPECT_TRUE(apply(state, op, "new:" + std::to_string(n++))) << to_string(op);
    auto v = violation(state);
    EXPECT_EQ(v, "") << "after " << to_string(op);
    if (!v.empty())
      break;
  }
  return state;
}

std::vector<std::string> describe_plan(const std::vector<lb_op>& plan) {
  std::vector<std::string> out;
  for (const auto& op : plan) {
    auto name = op.name();
    auto parsed = naming::parse(name, cid);
    out.push_back(std::string{to_string(op.op)} + " " + std::string{to_string(op.kind)} + " "
                  + (parsed ? parsed->port : name));
  }
  return out;
}

using strings = std::vector<std::string>;

void expect_converges(const lb_objects& before, const lb_objects& want) {
  auto plan = make_plan(want, before);
  auto after = execute(before, plan);
  EXPECT_EQ(without_ids(after), want);
  // And once there, nothing more to do.
  EXPECT_TRUE(make_plan(want, after).empty());
}

TEST(plan, unchanged_service_plans_nothing_in_every_mode) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    world w;
    w.mode = mode;
    auto want = objects_for(base_service(), w);
    EXPECT_TRUE(make_plan(want, observed(want)).empty());
  }
}

TEST(plan, fresh_service_creates_in_dependency_order) {
  world w;
  auto want = objects_for(base_service(), w);
  auto plan = make_plan(want, {});
  EXPECT_EQ(
    describe_plan(plan),
    (strings{"create pool http", "create pool https", "create app_port_profile http",
             "create app_port_profile https", "create dnat_rule http", "create dnat_rule https",
             "create virtual_service http", "create virtual_service https"}));
  expect_converges({}, want);
  w.mode = lb_mode::c;
  EXPECT_EQ(describe_plan(make_plan(objects_for(base_service(), w), {})),
            (strings{"create pool http", "create pool https", "create virtual_service http",
                     "create virtual_service https"}));
}

TEST(plan, objects_vcd_failed_to_realize_are_replaced_remove_first) {
  world w;
  auto want = objects_for(base_service(), w);
  // A pool create failed (the object stays as REALIZATION_FAILED), so nothing after it was
  // made; a profile failed too.
  auto before = observed(want);
  before.pools[0].failed = true; // "http": its virtual service never came
  before.virtual_services.erase(before.virtual_services.begin());
  before.profiles[1].failed = true; // "https": its DNAT rule never came
  before.dnat_rules.erase(before.dnat_rules.begin() + 1);
  auto plan = make_plan(want, before);
  EXPECT_EQ(describe_plan(plan),
            (strings{"remove pool http", "remove app_port_profile https", "create pool http",
                     "create app_port_profile https", "create dnat_rule https",
                     "create virtual_service http"}));
  expect_converges(before, want);
}

// A failed object is replaced by a create of its own (no id), also when another port arrives
// beside it (that port's objects must not be paired with the failed one).
TEST(plan, a_failed_object_beside_a_new_port_is_replaced_by_a_fresh_create) {
  world w;
  w.mode = lb_mode::c;
  auto svc = base_service();
  svc.ports = {{"admin", ip_protocol::tcp, 9000, 30900, ""}};
  auto before = observed(objects_for(svc, w));
  before.virtual_services.clear(); // its pool's task failed: nothing after it was made
  before.pools[0].failed = true;
  svc.ports.push_back({"http", ip_protocol::tcp, 80, 30080, ""});
  auto want = objects_for(svc, w);
  auto plan = make_plan(want, before);
  for (const auto& op : plan) {
    if (op.op == op_kind::create) {
      EXPECT_TRUE(op.id().empty()) << to_string(op);
    }
  }
  expect_converges(before, want);
}

TEST(plan, port_added) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.ports.push_back({"admin", ip_protocol::tcp, 9000, 30900, ""});
  auto want = objects_for(svc, w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"create pool admin", "create app_port_profile admin", "create dnat_rule admin",
                     "create virtual_service admin"}));
  expect_converges(before, want);
}

TEST(plan, port_removed) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.ports.pop_back();
  auto want = objects_for(svc, w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"remove virtual_service https", "remove dnat_rule https",
                     "remove app_port_profile https", "remove pool https"}));
  expect_converges(before, want);
}

// The ids of every object, by kind and the port its name carries.
std::map<std::string, std::string> ids_by_port(const lb_objects& objs) {
  std::map<std::string, std::string> out;
  auto add = [&](const char* kind, const auto& xs) {
    for (const auto& x : xs)
      out[std::string{kind} + " " + naming::parse(x.name, cid)->port] = x.id;
  };
  add("vs", objs.virtual_services);
  add("pool", objs.pools);
  add("dnat", objs.dnat_rules);
  add("profile", objs.profiles);
  return out;
}

// The end state of `plan` on `before`, with no remove or create on the way.
void expect_in_place(const lb_objects& before, const lb_objects& want,
                     const std::vector<lb_op>& plan) {
  for (const auto& op : plan)
    EXPECT_EQ(op.op, op_kind::update) << to_string(op);
  expect_converges(before, want);
}

TEST(plan, port_renamed_renames_its_objects_in_place_in_every_mode) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    SCOPED_TRACE(to_string(mode));
    world w;
    w.mode = mode;
    w.internal["web"] = w.internal["http"]; // the ip pool keeps a renamed port's internal IP
    auto before = observed(objects_for(base_service(), w));
    auto svc = base_service();
    svc.ports[0].name = "web";
    auto want = objects_for(svc, w);
    auto plan = make_plan(want, before);
    const strings expected = mode == lb_mode::c
                               ? strings{"update pool web", "update virtual_service web"}
                               : strings{"update pool web", "update app_port_profile web",
                                         "update dnat_rule web", "update virtual_service web"};
    EXPECT_EQ(describe_plan(plan), expected);
    expect_in_place(before, want, plan);
    // The renamed objects keep their ids.
    auto after = execute(before, plan);
    auto old_ids = ids_by_port(before);
    for (const auto& [what, id] : ids_by_port(after)) {
      auto port = what.substr(what.find(' ') + 1);
      auto kind = what.substr(0, what.find(' '));
      EXPECT_EQ(id, old_ids.at(kind + " " + (port == "web" ? "http" : port))) << what;
    }
  }
}

TEST(plan, port_renumbered_moves_its_listeners_in_place_in_every_mode) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    SCOPED_TRACE(to_string(mode));
    world w;
    w.mode = mode;
    auto before = observed(objects_for(base_service(), w));
    auto svc = base_service();
    svc.ports[0].port = 8080;
    auto want = objects_for(svc, w);
    auto plan = make_plan(want, before);
    const strings expected = mode == lb_mode::c
                               ? strings{"update virtual_service http"}
                               : strings{"update app_port_profile http", "update dnat_rule http",
                                         "update virtual_service http"};
    EXPECT_EQ(describe_plan(plan), expected);
    EXPECT_EQ(plan.back().vs.port, 8080);
    EXPECT_EQ(plan.back().vs.id, before.virtual_services[0].id);
    expect_in_place(before, want, plan);
  }
}

TEST(plan, a_virtual_service_whose_vip_changes_is_replaced_not_moved) {
  // Mode A, a rename that got a new internal IP: VCD may refuse to move the VIP (shared) and
  // the old address may be another Service's by now, so the VS is created anew; its pool,
  // DNAT rule and profile are still renamed in place.
  world w;
  w.mode = lb_mode::a;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.ports[0].name = "web";
  auto want = objects_for(svc, w);
  EXPECT_EQ(
    describe_plan(make_plan(want, before)),
    (strings{"remove virtual_service http", "update pool web", "update app_port_profile web",
             "update dnat_rule web", "create virtual_service web"}));
  expect_converges(before, want);
}

TEST(plan, renamed_and_renumbered_at_once_is_replaced) {
  world w;
  w.mode = lb_mode::c;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.ports[0].name = "web";
  svc.ports[0].port = 8080;
  auto want = objects_for(svc, w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"remove virtual_service http", "create pool web", "remove pool http",
                     "create virtual_service web"}));
  expect_converges(before, want);
}

TEST(plan, swapping_port_numbers_never_doubles_a_listener) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    SCOPED_TRACE(to_string(mode));
    world w;
    w.mode = mode;
    auto before = observed(objects_for(base_service(), w));
    auto svc = base_service();
    std::swap(svc.ports[0].port, svc.ports[1].port);
    auto want = objects_for(svc, w);
    auto plan = make_plan(want, before);
    // One of the two must give up its listener first; the other then moves in place.
    if (mode == lb_mode::c) {
      EXPECT_EQ(describe_plan(plan),
                (strings{"remove virtual_service http", "update virtual_service https",
                         "create virtual_service http"}));
    }
    expect_converges(before, want);
  }
}

TEST(plan, swapping_port_names_never_doubles_a_listener) {
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    SCOPED_TRACE(to_string(mode));
    world w;
    w.mode = mode;
    auto before = observed(objects_for(base_service(), w));
    auto svc = base_service();
    std::swap(svc.ports[0].name, svc.ports[1].name);
    expect_converges(before, objects_for(svc, w));
  }
}

TEST(plan, a_chain_of_moves_never_doubles_a_listener) {
  world w;
  w.mode = lb_mode::c;
  auto svc = base_service();
  svc.ports.push_back({"admin", ip_protocol::tcp, 8443, 30843, ""});
  auto before = observed(objects_for(svc, w));
  svc.ports[0].port = 443;  // onto https's
  svc.ports[1].port = 8443; // onto admin's
  svc.ports[2].port = 9443; // free
  auto want = objects_for(svc, w);
  auto plan = make_plan(want, before);
  size_t updates = 0;
  for (const auto& op : plan)
    updates += op.op == op_kind::update ? 1 : 0;
  EXPECT_GE(updates, 1u);
  expect_converges(before, want);
}

TEST(plan, node_port_change_updates_the_pool_only) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.ports[1].node_port = 31443;
  auto plan = make_plan(objects_for(svc, w), before);
  EXPECT_EQ(describe_plan(plan), (strings{"update pool https"}));
  EXPECT_EQ(plan[0].pool.id, before.pools[1].id);
  EXPECT_EQ(plan[0].pool.port, 31443);
  expect_converges(before, objects_for(svc, w));
}

TEST(plan, node_set_change_updates_every_pool_and_nothing_else) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  w.members = {"10.0.0.2", "10.0.0.3", "10.0.0.4"};
  auto want = objects_for(base_service(), w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"update pool http", "update pool https"}));
  expect_converges(before, want);
}

TEST(plan, member_order_from_the_gateway_does_not_matter) {
  world w;
  auto want = objects_for(base_service(), w);
  auto before = observed(want);
  for (auto& p : before.pools)
    std::reverse(p.members.begin(), p.members.end());
  EXPECT_TRUE(make_plan(want, before).empty());
}

TEST(plan, annotation_change_updates_the_virtual_service_in_place) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  auto svc = base_service();
  svc.annotations.ssl_ports = "443";
  auto want = objects_for(svc, w);
  auto plan = make_plan(want, before);
  EXPECT_EQ(describe_plan(plan), (strings{"update virtual_service https"}));
  EXPECT_EQ(plan[0].vs.profile, app_profile::l4_tls);
  EXPECT_EQ(plan[0].vs.cert_alias, "cert");
  expect_converges(before, want);
  svc.annotations.ssl_no_termination = "true"; // and back to L4
  EXPECT_EQ(describe_plan(make_plan(objects_for(svc, w), observed(want))),
            (strings{"update virtual_service https"}));
}

TEST(plan, load_balancer_ip_change_updates_dnat_in_one_arm_and_replaces_vs_in_mode_c) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  w.external_ip = "203.0.113.9";
  auto want = objects_for(base_service(), w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"update dnat_rule http", "update dnat_rule https"}));
  expect_converges(before, want);
  w.mode = lb_mode::c;
  w.external_ip = "203.0.113.5";
  before = observed(objects_for(base_service(), w));
  w.external_ip = "203.0.113.9";
  want = objects_for(base_service(), w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"remove virtual_service http", "remove virtual_service https",
                     "create virtual_service http", "create virtual_service https"}));
}

TEST(plan, internal_ip_change_updates_the_dnat_rule_and_replaces_the_vs) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  w.internal[""] = "192.168.8.50";
  auto want = objects_for(base_service(), w);
  EXPECT_EQ(describe_plan(make_plan(want, before)),
            (strings{"remove virtual_service http", "remove virtual_service https",
                     "update dnat_rule http", "update dnat_rule https",
                     "create virtual_service http", "create virtual_service https"}));
  expect_converges(before, want);
}

TEST(plan, type_change_away_or_delete_removes_everything_vs_first) {
  world w;
  auto before = observed(objects_for(base_service(), w));
  auto plan = make_plan({}, before);
  EXPECT_EQ(
    describe_plan(plan),
    (strings{"remove virtual_service http", "remove virtual_service https", "remove dnat_rule http",
             "remove dnat_rule https", "remove app_port_profile http",
             "remove app_port_profile https", "remove pool http", "remove pool https"}));
  for (const auto& op : plan)
    EXPECT_FALSE(op.id().empty());
  expect_converges(before, {});
}

TEST(plan, mode_change_from_a_to_c_drops_dnat_and_moves_vips) {
  world w;
  w.mode = lb_mode::a;
  auto before = observed(objects_for(base_service(), w));
  w.mode = lb_mode::c;
  expect_converges(before, objects_for(base_service(), w));
}

TEST(plan, upstream_objects_are_adopted_without_recreation) {
  world w;
  w.upstream_ports = {"http", "https"};
  auto upstream = observed(objects_for(base_service(), w)); // what the upstream CPI created
  EXPECT_EQ(naming::parse(upstream.virtual_services[0].name, cid)->scheme,
            config::naming_scheme::upstream);
  EXPECT_TRUE(make_plan(objects_for(base_service(), w), upstream).empty());
  // A new port on an adopted Service gets vcdlb's names; the adopted ones stay.
  auto svc = base_service();
  svc.ports.push_back({"admin", ip_protocol::tcp, 9000, 30900, ""});
  auto plan = make_plan(objects_for(svc, w), upstream);
  EXPECT_EQ(describe_plan(plan),
            (strings{"create pool admin", "create app_port_profile admin", "create dnat_rule admin",
                     "create virtual_service admin"}));
  EXPECT_EQ(naming::parse(plan[0].name(), cid)->scheme, config::naming_scheme::namespaced);
}

TEST(plan, duplicate_names_are_reduced_to_one) {
  world w;
  auto want = objects_for(base_service(), w);
  auto before = observed(want);
  auto dup = before.dnat_rules[0];
  dup.id = "id:leaked-copy";
  dup.internal_ip = "192.168.8.99";
  before.dnat_rules.insert(before.dnat_rules.begin(), dup); // same name, listed first
  auto plan = make_plan(want, before);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].op, op_kind::remove);
  EXPECT_EQ(plan[0].dnat.id, "id:leaked-copy"); // the one that matches is kept
}

// Property: for random pairs (before, after) of Services, modes, members and IPs, executing the
// plan never puts two VSs / DNAT rules on one listener, never leaves a VS without its pool or a
// DNAT rule without its profile, ends exactly at the desired state, and a second plan is empty.
TEST(plan, random_changes_converge_without_violating_invariants) {
  std::mt19937 rng{20261126};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const strings names{"http", "https", "admin", "web"};
  const int numbers[] = {80, 443, 8080, 9000};
  auto random_service = [&] {
    auto svc = base_service();
    svc.ports.clear();
    std::set<std::pair<ip_protocol, int>> used;
    std::set<std::string> used_names;
    int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      service_port p;
      p.name = names[pick(4)];
      p.protocol = pick(4) == 0 ? ip_protocol::udp : ip_protocol::tcp;
      p.port = numbers[pick(4)];
      p.node_port = 30000 + pick(3);
      p.app_protocol = pick(3) == 0 ? "http" : "";
      if (!used.emplace(p.protocol, p.port).second || !used_names.insert(p.name).second)
        continue;
      svc.ports.push_back(p);
    }
    if (pick(3) == 0 && !used.count({ip_protocol::udp, 443}))
      svc.annotations.ssl_ports = "443";
    return svc;
  };
  auto random_world = [&] {
    world w;
    w.mode = static_cast<lb_mode>(pick(3));
    w.external_ip = pick(2) == 0 ? "203.0.113.5" : "203.0.113.6";
    w.members = pick(2) == 0 ? strings{"10.0.0.1"} : strings{"10.0.0.1", "10.0.0.2"};
    if (pick(2) == 0)
      w.internal[""] = "192.168.8.7";
    return w;
  };
  for (int round = 0; round < 2000; ++round) {
    auto before_world = random_world();
    auto before = observed(objects_for(random_service(), before_world));
    // Partial creation: drop some objects that depend on nothing still present.
    if (pick(3) == 0 && !before.virtual_services.empty())
      before.virtual_services.erase(before.virtual_services.begin());
    if (pick(3) == 0 && !before.dnat_rules.empty())
      before.dnat_rules.pop_back();
    lb_objects want;
    if (pick(8) != 0)
      want = objects_for(random_service(), random_world());
    SCOPED_TRACE("round " + std::to_string(round));
    expect_converges(before, want);
    if (::testing::Test::HasFailure())
      break;
  }
}

} // namespace
