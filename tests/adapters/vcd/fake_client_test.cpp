// The in-memory fake: tasks, the VCD rules it enforces, call counting and fault injection.

#include "adapters/vcd/fake_client.hpp"

#include <gtest/gtest.h>

#include "adapters/vcd/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;

// Runs an operation on the fake and returns what its callback got (always synchronous).
template <class T, class F>
caf::expected<T> run(F&& f) {
  std::optional<caf::expected<T>> out;
  size_t calls = 0;
  f([&](caf::expected<T> x) {
    ++calls;
    out.emplace(std::move(x));
  });
  EXPECT_EQ(calls, 1u) << "callback must run exactly once, synchronously";
  return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
}

class fake_client_test : public ::testing::Test {
protected:
  fake_client fake;
  std::string gw;
  std::string seg_id = "urn:vcloud:serviceEngineGroup:seg1";

  void SetUp() override {
    edge_gateway g;
    g.name = "edge-1";
    gateway_uplink up;
    up.uplink_id = "urn:vcloud:network:ext";
    gateway_subnet sub;
    sub.gateway = "203.0.113.1";
    sub.prefix_length = 24;
    sub.primary_ip = "203.0.113.2";
    sub.ip_ranges = {{"203.0.113.10", "203.0.113.20"}};
    up.subnets.push_back(sub);
    g.uplinks.push_back(up);
    gw = fake.add_gateway(g);
    seg_assignment a;
    a.gateway_ref = {"edge-1", gw};
    a.service_engine_group_ref = {"seg1", seg_id};
    a.max_virtual_services = 3;
    fake.add_seg_assignment(a);
  }

  pool make_pool(const std::string& name) {
    pool p;
    p.name = name;
    p.gateway_ref = {"edge-1", gw};
    p.default_port = 30080;
    p.members = {{"10.0.0.11", 30080, 1, true, ""}, {"10.0.0.12", 30080, 1, true, ""}};
    p.health_monitors = {{"TCP", "", false}};
    return p;
  }

  std::string create_pool(const std::string& name) {
    auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool(name), cb); });
    EXPECT_TRUE(ref) << describe(ref.error());
    return fake.pool_by_name(name)->id;
  }

  virtual_service make_vs(const std::string& name, const std::string& pool_id,
                          const std::string& vip, int32_t port) {
    virtual_service vs;
    vs.name = name;
    vs.virtual_ip_address = vip;
    vs.gateway_ref = {"edge-1", gw};
    vs.load_balancer_pool_ref = {"", pool_id};
    vs.service_engine_group_ref = {"seg1", seg_id};
    vs.app_profile = {"System-L4-Application", "L4", true};
    vs.service_ports = {{port, 0, false, {}}};
    return vs;
  }

  caf::expected<task_ref> create_vs(const virtual_service& vs) {
    return run<task_ref>([&](auto cb) { fake.create_virtual_service(vs, cb); });
  }

  caf::expected<task> poll(const task_ref& ref) {
    return run<task>([&](auto cb) { fake.get_task(ref, cb); });
  }
};

TEST_F(fake_client_test, login_reports_version_and_org) {
  auto s = run<session_info>([&](auto cb) { fake.login(cb); });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->api_version, "37.2");
  EXPECT_EQ(s->org.name, "org1");
  EXPECT_EQ(fake.calls(operation::login), 1u);
}

TEST_F(fake_client_test, network_resolves_to_its_gateway) {
  org_vdc_network n;
  n.name = "net-1";
  n.router_ref = {"edge-1", gw};
  fake.add_network(n);
  auto got = run<org_vdc_network>([&](auto cb) { fake.get_org_vdc_network("net-1", cb); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->router_ref.id, gw);
  auto missing = run<org_vdc_network>([&](auto cb) { fake.get_org_vdc_network("nope", cb); });
  EXPECT_TRUE(has_code(missing.error(), vcd_errc::not_found));
  fake.add_network(n);
  auto twice = run<org_vdc_network>([&](auto cb) { fake.get_org_vdc_network("net-1", cb); });
  EXPECT_TRUE(has_code(twice.error(), vcd_errc::conflict));
}

TEST_F(fake_client_test, immediate_tasks_apply_at_once) {
  auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  ASSERT_TRUE(ref);
  EXPECT_FALSE(ref->completed_synchronously());
  auto p = fake.pool_by_name("p1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, "REALIZED");
  auto t = poll(*ref);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, task_status::success);
  EXPECT_EQ(t->owner.id, p->id);
  EXPECT_EQ(fake.unfinished_tasks(), 0u);
}

TEST_F(fake_client_test, tasks_complete_after_configured_polls) {
  fake.options().task_polls = 2;
  auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  ASSERT_TRUE(ref);
  EXPECT_EQ(fake.pool_by_name("p1")->status, "PENDING");
  EXPECT_EQ(fake.unfinished_tasks(), 1u);
  EXPECT_EQ(poll(*ref)->status, task_status::running);
  EXPECT_EQ(poll(*ref)->status, task_status::running);
  EXPECT_EQ(poll(*ref)->status, task_status::success);
  EXPECT_EQ(poll(*ref)->status, task_status::success);
  EXPECT_EQ(fake.pool_by_name("p1")->status, "REALIZED");
  EXPECT_EQ(fake.calls(operation::get_task), 4u);
}

TEST_F(fake_client_test, timed_tasks_run_for_their_duration_on_the_given_clock) {
  auto now = std::chrono::steady_clock::time_point{};
  fake.options().task_polls = 5; // ignored for timed tasks
  fake.options().clock = [&now] { return now; };
  fake.options().task_duration = std::chrono::seconds{2};
  auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  ASSERT_TRUE(ref);
  now += std::chrono::milliseconds{1999};
  EXPECT_EQ(poll(*ref)->status, task_status::running);
  EXPECT_EQ(fake.pool_by_name("p1")->status, "PENDING");
  now += std::chrono::milliseconds{1};
  EXPECT_EQ(poll(*ref)->status, task_status::success);
  EXPECT_EQ(fake.pool_by_name("p1")->status, "REALIZED");
}

TEST_F(fake_client_test, failed_tasks_report_their_error) {
  fake.fail_next_task(operation::create_pool, {500, "INTERNAL_SERVER_ERROR", "avi down"});
  auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  ASSERT_TRUE(ref);
  auto t = poll(*ref);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, task_status::error);
  EXPECT_EQ(t->error.minor_error_code, "INTERNAL_SERVER_ERROR");
  EXPECT_TRUE(has_code(make_task_error(*t), vcd_errc::task_failed));
  EXPECT_EQ(fake.pool_by_name("p1")->status, "REALIZATION_FAILED");
  // The next create is fine again.
  create_pool("p2");
  EXPECT_EQ(fake.pool_by_name("p2")->status, "REALIZED");
}

TEST_F(fake_client_test, injected_errors_hit_the_next_calls_in_order) {
  fake.fail_next(operation::get_edge_gateway, make_http_error(503, "", "down", -1, false));
  fake.fail_next(operation::get_edge_gateway, make_http_error(429, "", "slow", 2, false));
  auto a = run<edge_gateway>([&](auto cb) { fake.get_edge_gateway(gw, cb); });
  auto b = run<edge_gateway>([&](auto cb) { fake.get_edge_gateway(gw, cb); });
  auto c = run<edge_gateway>([&](auto cb) { fake.get_edge_gateway(gw, cb); });
  EXPECT_TRUE(has_code(a.error(), vcd_errc::unavailable));
  EXPECT_TRUE(has_code(b.error(), vcd_errc::rate_limited));
  EXPECT_EQ(parse_error_info(b.error()).retry_after_seconds, 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "edge-1");
  EXPECT_EQ(fake.calls(operation::get_edge_gateway), 3u);
  EXPECT_EQ(fake.total_calls(), 3u);
  EXPECT_EQ(fake.mutation_calls(), 0u);
  fake.reset_calls();
  EXPECT_EQ(fake.total_calls(), 0u);
}

TEST_F(fake_client_test, busy_gateway_rejects_mutations_while_a_task_runs) {
  fake.options().task_polls = 1;
  fake.options().busy_while_task_running = true;
  auto ref = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  ASSERT_TRUE(ref);
  auto second = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p2"), cb); });
  ASSERT_FALSE(second);
  EXPECT_TRUE(has_code(second.error(), vcd_errc::busy_entity));
  EXPECT_EQ(parse_error_info(second.error()).minor_error_code, "BUSY_ENTITY");
  // Reads are fine meanwhile.
  auto list =
    run<std::vector<pool_summary>>([&](auto cb) { fake.list_pool_summaries(gw, {}, cb); });
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
  EXPECT_EQ(poll(*ref)->status, task_status::running);
  EXPECT_EQ(poll(*ref)->status, task_status::success);
  auto third = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p2"), cb); });
  EXPECT_TRUE(third);
}

TEST_F(fake_client_test, duplicate_pool_names_are_rejected) {
  create_pool("p1");
  auto dup = run<task_ref>([&](auto cb) { fake.create_pool(make_pool("p1"), cb); });
  EXPECT_TRUE(has_code(dup.error(), vcd_errc::bad_request));
  EXPECT_NE(parse_error_info(dup.error()).message.find("already exists"), std::string::npos);
}

TEST_F(fake_client_test, pool_validation) {
  auto p = make_pool("p1");
  p.gateway_ref.id = "urn:vcloud:gateway:unknown";
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.create_pool(p, cb); }).error(),
                       vcd_errc::bad_request));
  p = make_pool("");
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.create_pool(p, cb); }).error(),
                       vcd_errc::bad_request));
  p = make_pool("p1");
  p.members.resize(101, {"10.0.0.1", 1, 1, true, ""});
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.create_pool(p, cb); }).error(),
                       vcd_errc::bad_request));
}

TEST_F(fake_client_test, unknown_ids_are_not_found) {
  auto p = run<pool>([&](auto cb) { fake.get_pool("urn:vcloud:loadBalancerPool:x", cb); });
  EXPECT_TRUE(has_code(p.error(), vcd_errc::not_found));
  EXPECT_EQ(parse_error_info(p.error()).http_status, 403u);
  auto d = run<task_ref>([&](auto cb) { fake.delete_virtual_service("urn:x", cb); });
  EXPECT_TRUE(has_code(d.error(), vcd_errc::not_found));
  auto l =
    run<std::vector<nat_rule>>([&](auto cb) { fake.list_nat_rules("urn:vcloud:gateway:x", cb); });
  EXPECT_TRUE(has_code(l.error(), vcd_errc::not_found));
}

TEST_F(fake_client_test, pool_in_use_cannot_be_deleted_or_shared) {
  auto pool_id = create_pool("p1");
  ASSERT_TRUE(create_vs(make_vs("vs1", pool_id, "203.0.113.10", 80)));
  auto del = run<task_ref>([&](auto cb) { fake.delete_pool(pool_id, cb); });
  EXPECT_TRUE(has_code(del.error(), vcd_errc::bad_request));
  // A second VS on the same pool is rejected too.
  auto other = create_vs(make_vs("vs2", pool_id, "203.0.113.11", 80));
  EXPECT_TRUE(has_code(other.error(), vcd_errc::bad_request));
  // Delete in the right order works.
  auto vs = fake.virtual_service_by_name("vs1");
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.delete_virtual_service(vs->id, cb); }));
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.delete_pool(pool_id, cb); }));
  EXPECT_TRUE(fake.pools().empty());
  EXPECT_TRUE(fake.virtual_services().empty());
}

TEST_F(fake_client_test, shared_vip_needs_disjoint_ports_and_same_seg) {
  ASSERT_TRUE(create_vs(make_vs("vs-http", create_pool("p1"), "203.0.113.10", 80)));
  auto same_port = create_vs(make_vs("vs-dup", create_pool("p2"), "203.0.113.10", 80));
  EXPECT_TRUE(has_code(same_port.error(), vcd_errc::bad_request));
  auto range = make_vs("vs-range", create_pool("p3"), "203.0.113.10", 70);
  range.service_ports[0].port_end = 90;
  EXPECT_TRUE(has_code(create_vs(range).error(), vcd_errc::bad_request));
  // UDP on the same port is a different (ip, protocol, port).
  auto udp = make_vs("vs-udp", create_pool("p4"), "203.0.113.10", 80);
  udp.service_ports[0].profile.type = "UDP_FAST_PATH";
  EXPECT_TRUE(create_vs(udp));
  EXPECT_TRUE(create_vs(make_vs("vs-https", create_pool("p5"), "203.0.113.10", 443)));
  // SEG capacity (3) is now used up.
  auto full = create_vs(make_vs("vs-more", create_pool("p6"), "203.0.113.11", 80));
  EXPECT_TRUE(has_code(full.error(), vcd_errc::bad_request));
  EXPECT_EQ(fake.seg_assignments().front().num_deployed_virtual_services, 3);
}

TEST_F(fake_client_test, shared_vip_unsupported_rejects_a_second_service) {
  fake.options().shared_vip_supported = false;
  ASSERT_TRUE(create_vs(make_vs("a", create_pool("p1"), "203.0.113.10", 80)));
  EXPECT_TRUE(has_code(create_vs(make_vs("b", create_pool("p2"), "203.0.113.10", 443)).error(),
                       vcd_errc::bad_request));
}

TEST_F(fake_client_test, virtual_service_rules) {
  auto pool_id = create_pool("p1");
  auto vs = make_vs("vs1", pool_id, "203.0.113.10", 443);
  vs.app_profile = {"System-Secure-HTTP", "HTTPS", true};
  vs.service_ports[0].ssl_enabled = true;
  EXPECT_TRUE(has_code(create_vs(vs).error(), vcd_errc::bad_request)) << "needs a certificate";
  vs.certificate_ref = {"c", fake.add_certificate({"", "my-cert", "", "PEM"})};
  ASSERT_TRUE(create_vs(vs));
  auto dup = make_vs("vs1", create_pool("p2"), "203.0.113.11", 80);
  EXPECT_TRUE(has_code(create_vs(dup).error(), vcd_errc::bad_request));
  auto bad_seg = make_vs("vs3", create_pool("p3"), "203.0.113.12", 80);
  bad_seg.service_engine_group_ref.id = "urn:vcloud:serviceEngineGroup:other";
  EXPECT_TRUE(has_code(create_vs(bad_seg).error(), vcd_errc::bad_request));
}

TEST_F(fake_client_test, update_replaces_and_vip_change_on_shared_ip_is_refused) {
  ASSERT_TRUE(create_vs(make_vs("a", create_pool("p1"), "203.0.113.10", 80)));
  ASSERT_TRUE(create_vs(make_vs("b", create_pool("p2"), "203.0.113.10", 443)));
  auto a = *fake.virtual_service_by_name("a");
  a.virtual_ip_address = "203.0.113.11";
  auto moved = run<task_ref>([&](auto cb) { fake.update_virtual_service(a, cb); });
  EXPECT_TRUE(has_code(moved.error(), vcd_errc::bad_request));
  a = *fake.virtual_service_by_name("a");
  a.service_ports[0].port_start = 8080;
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_virtual_service(a, cb); }));
  EXPECT_EQ(fake.virtual_service_by_name("a")->service_ports[0].port_start, 8080);
}

// Issue 17: a renamed Service port renames its pool and VS in place; VCD keeps references by
// id, refuses a name another object has, and a port move onto a port the VIP already serves.
TEST_F(fake_client_test, pools_and_virtual_services_are_renamed_and_moved_in_place) {
  auto pool_id = create_pool("p-a");
  create_pool("p-b");
  ASSERT_TRUE(create_vs(make_vs("vs-a", pool_id, "203.0.113.10", 80)));
  ASSERT_TRUE(create_vs(make_vs("vs-b", fake.pool_by_name("p-b")->id, "203.0.113.10", 81)));
  auto p = *fake.pool_by_name("p-a");
  p.name = "p-b";
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.update_pool(p, cb); }).error(),
                       vcd_errc::bad_request))
    << "names are unique per gateway";
  p.name = "p-web";
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_pool(p, cb); }));
  EXPECT_EQ(fake.pool_by_name("p-web")->id, pool_id);
  EXPECT_FALSE(fake.pool_by_name("p-a"));
  EXPECT_EQ(fake.virtual_service_by_name("vs-a")->load_balancer_pool_ref.name, "p-web");
  auto vs = *fake.virtual_service_by_name("vs-a");
  const auto vs_id = vs.id;
  vs.service_ports[0].port_start = 81;
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.update_virtual_service(vs, cb); }).error(),
                       vcd_errc::bad_request))
    << "81 is served by vs-b on the same VIP";
  vs.name = "vs-web";
  vs.service_ports[0].port_start = 8080;
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_virtual_service(vs, cb); }));
  EXPECT_EQ(fake.virtual_service_by_name("vs-web")->id, vs_id);
  EXPECT_EQ(fake.virtual_service_by_name("vs-web")->service_ports[0].port_start, 8080);
  EXPECT_FALSE(fake.virtual_service_by_name("vs-a"));
}

TEST_F(fake_client_test, summaries_filter_by_fiql_and_reject_unknown_fields) {
  auto p1 = create_pool("p1");
  create_pool("p,2");
  ASSERT_TRUE(create_vs(make_vs("vs1", p1, "203.0.113.10", 80)));
  auto by_name = run<std::vector<pool_summary>>(
    [&](auto cb) { fake.list_pool_summaries(gw, fiql::eq("name", "p,2"), cb); });
  ASSERT_TRUE(by_name);
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ(by_name->front().name, "p,2");
  auto all = run<std::vector<pool_summary>>([&](auto cb) { fake.list_pool_summaries(gw, {}, cb); });
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->front().virtual_service_refs.size(), 1u);
  EXPECT_EQ(all->front().member_count, 2);
  auto vs = run<std::vector<virtual_service_summary>>([&](auto cb) {
    fake.list_virtual_service_summaries(gw, fiql::eq("virtualIpAddress", "203.0.113.10"), cb);
  });
  ASSERT_EQ(vs->size(), 1u);
  EXPECT_EQ(vs->front().application_profile_type, "L4");
  auto bad = run<std::vector<virtual_service_summary>>(
    [&](auto cb) { fake.list_virtual_service_summaries(gw, fiql::eq("healthStatus", "UP"), cb); });
  EXPECT_TRUE(has_code(bad.error(), vcd_errc::bad_request));
}

TEST_F(fake_client_test, nat_rules_version_locking_and_dnat_overlap) {
  app_port_profile prof;
  prof.name = "appPort_dnat-vs";
  prof.org_ref = {"org1", "urn:vcloud:org:1"};
  prof.context_entity_id = "urn:vcloud:vdc:1";
  prof.application_ports = {{"", "TCP", {"80"}}};
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.create_app_port_profile(prof, cb); }));
  auto prof_id = fake.app_port_profile_by_name("appPort_dnat-vs")->id;
  EXPECT_TRUE(fake.app_port_profile_by_name("appPort_dnat-vs")->usable_for_nat);

  nat_rule r;
  r.name = "dnat-vs";
  r.external_addresses = "203.0.113.10";
  r.internal_addresses = "192.168.8.2";
  r.dnat_external_port = "80";
  r.application_port_profile = {prof.name, prof_id};
  auto ref = run<task_ref>([&](auto cb) { fake.create_nat_rule(gw, r, cb); });
  ASSERT_TRUE(ref);
  EXPECT_EQ(poll(*ref)->owner.id, gw) << "the owner of a NAT task is the gateway";
  auto rule = fake.nat_rule_by_name(gw, "dnat-vs");
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->version, 0);
  EXPECT_FALSE(rule->id.starts_with("urn:"));

  auto clash = r;
  clash.name = "dnat-other";
  EXPECT_TRUE(has_code(run<task_ref>([&](auto cb) { fake.create_nat_rule(gw, clash, cb); }).error(),
                       vcd_errc::bad_request));

  auto stale = *rule;
  stale.internal_addresses = "192.168.8.3";
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_nat_rule(gw, stale, cb); }));
  EXPECT_EQ(fake.nat_rule_by_name(gw, "dnat-vs")->version, 1);
  auto again = run<task_ref>([&](auto cb) { fake.update_nat_rule(gw, stale, cb); });
  EXPECT_TRUE(has_code(again.error(), vcd_errc::bad_request));
  EXPECT_NE(parse_error_info(again.error()).message.find("changed by someone else"),
            std::string::npos);

  // The profile is in use by the rule.
  EXPECT_TRUE(
    has_code(run<task_ref>([&](auto cb) { fake.delete_app_port_profile(prof_id, cb); }).error(),
             vcd_errc::bad_request));
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.delete_nat_rule(gw, rule->id, cb); }));
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.delete_app_port_profile(prof_id, cb); }));
  EXPECT_TRUE(fake.nat_rules(gw).empty());
}

TEST_F(fake_client_test, app_port_profiles_filter_and_names_unique_per_scope) {
  app_port_profile prof;
  prof.name = "appPort_dnat-a";
  prof.org_ref = {"org1", "urn:vcloud:org:1"};
  prof.context_entity_id = "urn:vcloud:vdc:1";
  prof.application_ports = {{"", "TCP", {"443"}}};
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.create_app_port_profile(prof, cb); }));
  EXPECT_TRUE(
    has_code(run<task_ref>([&](auto cb) { fake.create_app_port_profile(prof, cb); }).error(),
             vcd_errc::bad_request));
  auto found = run<std::vector<app_port_profile>>([&](auto cb) {
    fake.list_app_port_profiles(fiql::eq("name", "appPort_dnat-a").with("scope", "TENANT"), cb);
  });
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().context_entity_id, "") << "write-only field";
  auto none = run<std::vector<app_port_profile>>([&](auto cb) {
    fake.list_app_port_profiles(fiql::eq("name", "appPort_dnat-a").with("scope", "SYSTEM"), cb);
  });
  EXPECT_TRUE(none->empty());
  prof.application_ports = {{"", "TCP", {"0"}}};
  prof.name = "bad";
  EXPECT_TRUE(
    has_code(run<task_ref>([&](auto cb) { fake.create_app_port_profile(prof, cb); }).error(),
             vcd_errc::bad_request));
}

TEST_F(fake_client_test, used_ips_derive_from_objects) {
  fake.add_used_ip(gw, {"203.0.113.15", "SNAT", {}});
  ASSERT_TRUE(create_vs(make_vs("vs1", create_pool("p1"), "203.0.113.10", 80)));
  ASSERT_TRUE(create_vs(make_vs("vs2", create_pool("p2"), "203.0.113.10", 81)));
  ASSERT_TRUE(create_vs(make_vs("internal", create_pool("p3"), "192.168.8.2", 80)));
  auto used = run<std::vector<used_ip>>([&](auto cb) { fake.list_used_ip_addresses(gw, cb); });
  ASSERT_TRUE(used);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& u : *used)
    got.emplace_back(u.ip_address, u.category);
  std::vector<std::pair<std::string, std::string>> want{
    {"203.0.113.2", "PRIMARY_IP"}, {"203.0.113.15", "SNAT"}, {"203.0.113.10", "Load_Balancer"}};
  EXPECT_EQ(got, want);
}

TEST_F(fake_client_test, certificates_by_alias) {
  fake.add_certificate({"", "a", "", "PEM-A"});
  fake.add_certificate({"", "b", "", "PEM-B"});
  auto got = run<std::vector<certificate>>([&](auto cb) { fake.find_certificates("b", cb); });
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().certificate_pem, "PEM-B");
  EXPECT_TRUE(
    run<std::vector<certificate>>([&](auto cb) { fake.find_certificates("c", cb); })->empty());
}

TEST_F(fake_client_test, seeded_objects_are_listed) {
  auto p = make_pool("upstream-pool");
  auto pid = fake.put_pool(p);
  auto vid = fake.put_virtual_service(make_vs("ingress-vs-web-x-http", pid, "203.0.113.12", 80));
  auto vs = run<virtual_service>([&](auto cb) { fake.get_virtual_service(vid, cb); });
  ASSERT_TRUE(vs);
  EXPECT_EQ(vs->status, "REALIZED");
  EXPECT_EQ(fake.seg_assignments().front().num_deployed_virtual_services, 1);
  EXPECT_EQ(to_string(operation::create_virtual_service), "create_virtual_service");
  EXPECT_TRUE(is_mutation(operation::delete_nat_rule));
  EXPECT_FALSE(is_mutation(operation::get_task));
}

TEST_F(fake_client_test, firewall_rules_are_replaced_as_a_whole_with_per_rule_versions) {
  EXPECT_EQ(to_string(operation::replace_firewall_rules), "replace_firewall_rules");
  EXPECT_TRUE(is_mutation(operation::replace_firewall_rules));
  EXPECT_FALSE(is_mutation(operation::get_firewall_rules));
  firewall_rule theirs;
  theirs.name = "theirs";
  auto theirs_id = fake.put_firewall_rule(gw, theirs);
  ip_set src;
  src.name = "vcdlb-src";
  src.owner_ref = {"edge-1", gw};
  src.ip_addresses = {"198.51.100.0/24"};
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.create_ip_set(src, cb); }));
  auto src_id = fake.ip_set_by_name(gw, "vcdlb-src")->id;

  auto read = run<firewall_rules>([&](auto cb) { fake.get_firewall_rules(gw, cb); });
  ASSERT_TRUE(read);
  auto list = read->user_defined_rules;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].version, 0);
  firewall_rule mine;
  mine.name = "mine";
  mine.source_firewall_groups = {{"", src_id}};
  list.push_back(mine);
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, list, cb); }));
  auto now = fake.firewall_rules_of(gw);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].id, theirs_id);
  EXPECT_EQ(now[0].version, 0) << "an unchanged rule keeps its version";
  EXPECT_FALSE(now[1].id.empty());

  // Another writer edits "theirs" (version 0 -> 1): our old copy is stale and refused.
  auto other = now;
  other[0].description = "edited elsewhere";
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, other, cb); }));
  EXPECT_EQ(fake.firewall_rules_of(gw)[0].version, 1);
  auto stale = run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, now, cb); });
  ASSERT_FALSE(stale);
  EXPECT_TRUE(has_code(stale.error(), vcd_errc::bad_request));
  // Validation: unknown groups, bad enums, a version on a new rule.
  firewall_rule bad = mine;
  bad.source_firewall_groups = {{"", "urn:vcloud:firewallGroup:nope"}};
  EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, {bad}, cb); }));
  bad = mine;
  bad.action_value = "PERMIT";
  EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, {bad}, cb); }));
  bad = mine;
  bad.version = 2;
  EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, {bad}, cb); }));
  EXPECT_EQ(fake.firewall_rules_of(gw).size(), 2u);
  // In use: the set cannot go while a rule references it.
  EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.delete_ip_set(src_id, cb); }));
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, {}, cb); }));
  EXPECT_TRUE(run<task_ref>([&](auto cb) { fake.delete_ip_set(src_id, cb); }));
  EXPECT_TRUE(fake.ip_sets().empty());
}

TEST_F(fake_client_test, ip_sets_validate_addresses_names_and_owner) {
  ip_set s;
  s.name = "a";
  s.owner_ref = {"edge-1", gw};
  s.ip_addresses = {"10.0.0.1", "10.0.0.0/8", "10.0.0.1-10.0.0.9", "2001:db8::1"};
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.create_ip_set(s, cb); }));
  EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.create_ip_set(s, cb); })) << "duplicate name";
  for (const char* bad : {"10.0.0.0/33", "300.0.0.1", "10.0.0.9-10.0.0.1", "10.0.0.1-::1", ""}) {
    ip_set b = s;
    b.name = "b";
    b.ip_addresses = {bad};
    EXPECT_FALSE(run<task_ref>([&](auto cb) { fake.create_ip_set(b, cb); })) << bad;
  }
  auto listed =
    run<std::vector<ip_set>>([&](auto cb) { fake.list_ip_sets(gw, fiql::eq("name", "a"), cb); });
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().ip_addresses.empty());
  auto elsewhere = run<std::vector<ip_set>>([&](auto cb) { fake.list_ip_sets("other", {}, cb); });
  ASSERT_TRUE(elsewhere);
  EXPECT_TRUE(elsewhere->empty());
  auto got = run<ip_set>([&](auto cb) { fake.get_ip_set(listed->front().id, cb); });
  ASSERT_TRUE(got);
  got->ip_addresses = {"192.0.2.0/24"};
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_ip_set(*got, cb); }));
  EXPECT_EQ(fake.ip_set_by_name(gw, "a")->ip_addresses, got->ip_addresses);
  fake.options().task_polls = 1;
  fake.options().busy_while_task_running = true;
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_ip_set(*got, cb); }));
  auto busy = run<task_ref>([&](auto cb) { fake.replace_firewall_rules(gw, {}, cb); });
  ASSERT_FALSE(busy);
  EXPECT_TRUE(has_code(busy.error(), vcd_errc::busy_entity));
}

} // namespace
