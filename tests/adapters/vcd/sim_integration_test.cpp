// The CloudAPI client against the project's VCD simulator (`vcd::sim::core` behind an
// `http::server`) over loopback TLS, on a manual simulator clock: every operation, paging over
// many pages (page envelope and NAT cursors), re-login after token expiry, BUSY_ENTITY then
// success, task lifecycle and error classes. The simulator validates request bodies, so an
// accepted create also checks our field names against the reference shapes.

#include <future>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/server.hpp"
#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/ip_spaces.hpp"
#include "adapters/vcd/sim/core.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vcdlb;
using namespace vcdlb::vcd;
constexpr auto bound = std::chrono::seconds{20}; // far above any expected wait

class sim_integration : public ::testing::Test {
protected:
  asio_bridge::io_runner io{"vcd-sim-it", 2};
  sim::manual_clock clock;
  std::unique_ptr<sim::core> vcd;
  std::unique_ptr<http::server> server;
  std::shared_ptr<beast_client> client;
  std::string gw;
  entity_ref seg;

  void SetUp() override { start(); }

  void TearDown() override {
    client.reset();
    stop_server();
    io.stop();
  }

  // stop() closes connections on their strands; let that finish before the io threads go, or
  // a connection and the server state keep each other alive (a leak under ASan).
  void stop_server() {
    if (!server)
      return;
    server->stop();
    for (int i = 0; i < 5000 && server->open_connections() > 0; ++i)
      std::this_thread::sleep_for(1ms);
  }

  void start(sim::scenario s = sim::default_scenario(), size_t page_size = 128,
             bool api_token = false) {
    sim::core_options o;
    o.seed_state = std::move(s);
    o.clock = clock.fn();
    o.base_url = "https://vcd.test";
    o.faults.task_duration = 1000ms;
    vcd = std::make_unique<sim::core>(std::move(o));
    stop_server();
    auto srv = http::server::start(io.context(), {}, [this](http::request r, auto w) {
      auto res = vcd->handle(r);
      if (res.drop)
        return w->abort();
      w->respond(std::move(res.response));
    });
    ASSERT_TRUE(srv) << describe(srv.error());
    server = std::move(*srv);
    vcd->set_base_url(server->url());
    http::client_options h;
    h.base_url = server->url();
    h.tls.ca_pem = server->ca_pem();
    h.proxy_from_environment = false;
    beast_client_options opts;
    opts.org = "org1";
    opts.vdc = "vdc1";
    if (api_token) {
      opts.refresh_token = config::secret_string{"vcdlb-sim-api-token"};
    } else {
      opts.user = "admin";
      opts.password = config::secret_string{"admin-password"};
    }
    opts.page_size = page_size;
    auto c = beast_client::connect(io.context(), std::move(h), std::move(opts));
    ASSERT_TRUE(c) << describe(c.error());
    client = std::move(*c);
    auto net = run<org_vdc_network>([&](auto cb) { client->get_org_vdc_network("net1", cb); });
    ASSERT_TRUE(net) << describe(net.error());
    gw = net->router_ref.id;
    auto segs =
      run<std::vector<seg_assignment>>([&](auto cb) { client->list_seg_assignments(gw, cb); });
    ASSERT_TRUE(segs) << describe(segs.error());
    ASSERT_FALSE(segs->empty());
    seg = segs->front().service_engine_group_ref;
  }

  template <class T, class F>
  static caf::expected<T> run(F&& f) {
    auto p = std::make_shared<std::promise<caf::expected<T>>>();
    auto fut = p->get_future();
    f([p](caf::expected<T> x) { p->set_value(std::move(x)); });
    if (fut.wait_for(bound) != std::future_status::ready)
      return caf::make_error(vcd_errc::unavailable, std::string{"test bound exceeded"});
    return fut.get();
  }

  // Polls the task the way the gateway actor will: until it leaves the in-flight states.
  caf::expected<task> finish(const caf::expected<task_ref>& ref) {
    if (!ref)
      return ref.error();
    if (ref->completed_synchronously())
      return task{};
    for (int i = 0; i < 100; ++i) {
      auto t = run<task>([&](auto cb) { client->get_task(*ref, cb); });
      if (!t || !t->in_flight())
        return t;
      clock.advance(250ms);
    }
    return caf::make_error(vcd_errc::task_failed, std::string{"task never finished"});
  }

  pool make_pool(const std::string& name) {
    pool p;
    p.name = name;
    p.gateway_ref = {"edge-1", gw};
    p.default_port = 30080;
    p.health_monitors = {{"TCP", "", false}};
    p.members = {{"10.0.0.11", 30080, 1, true, ""}, {"10.0.0.12", 30080, 1, true, ""}};
    return p;
  }

  std::string create_pool(const std::string& name) {
    auto t = finish(run<task_ref>([&](auto cb) { client->create_pool(make_pool(name), cb); }));
    EXPECT_TRUE(t) << describe(t.error());
    EXPECT_EQ(t ? t->status : task_status::error, task_status::success);
    return t ? t->owner.id : std::string{};
  }

  virtual_service make_vs(const std::string& name, const std::string& pool_id,
                          const std::string& vip, int32_t port) {
    virtual_service vs;
    vs.name = name;
    vs.virtual_ip_address = vip;
    vs.gateway_ref = {"edge-1", gw};
    vs.load_balancer_pool_ref = {"", pool_id};
    vs.service_engine_group_ref = seg;
    vs.app_profile = {"System-L4-Application", "L4", true};
    vs.service_ports = {{port, 0, false, {"TCP_PROXY", "", true}}};
    return vs;
  }
};

TEST_F(sim_integration, discovery) {
  auto s = run<session_info>([&](auto cb) { client->login(cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->api_version, "37.2");
  EXPECT_EQ(s->org.name, "org1");
  auto g = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  ASSERT_TRUE(g) << describe(g.error());
  EXPECT_EQ(g->name, "edge-1");
  ASSERT_FALSE(g->uplinks.empty());
  ASSERT_FALSE(g->uplinks[0].subnets.empty());
  EXPECT_EQ(g->uplinks[0].subnets[0].ip_ranges.at(0), (ip_range{"203.0.113.10", "203.0.113.250"}));
  EXPECT_FALSE(g->using_ip_space());
  auto used = run<std::vector<used_ip>>([&](auto cb) { client->list_used_ip_addresses(gw, cb); });
  ASSERT_TRUE(used) << describe(used.error());
  auto certs = run<std::vector<certificate>>(
    [&](auto cb) { client->find_certificates("vcdlb-sim-cert", cb); });
  ASSERT_TRUE(certs) << describe(certs.error());
  ASSERT_EQ(certs->size(), 1u);
  EXPECT_FALSE(certs->front().certificate_pem.empty());
}

TEST_F(sim_integration, pool_and_virtual_service_lifecycle) {
  auto pool_id = create_pool("ingress-pool-web-http");
  ASSERT_FALSE(pool_id.empty());
  auto summaries = run<std::vector<pool_summary>>([&](auto cb) {
    client->list_pool_summaries(gw, fiql::eq("name", "ingress-pool-web-http"), cb);
  });
  ASSERT_TRUE(summaries) << describe(summaries.error());
  ASSERT_EQ(summaries->size(), 1u);
  EXPECT_EQ(summaries->front().id, pool_id);
  EXPECT_EQ(summaries->front().status, "REALIZED");

  auto vs_task = finish(run<task_ref>([&](auto cb) {
    client->create_virtual_service(make_vs("ingress-vs-web-http", pool_id, "203.0.113.10", 80), cb);
  }));
  ASSERT_TRUE(vs_task) << describe(vs_task.error());
  EXPECT_EQ(vs_task->status, task_status::success);
  auto vs_id = vs_task->owner.id;
  auto vs = run<virtual_service>([&](auto cb) { client->get_virtual_service(vs_id, cb); });
  ASSERT_TRUE(vs) << describe(vs.error());
  EXPECT_EQ(vs->virtual_ip_address, "203.0.113.10");
  EXPECT_EQ(vs->service_ports.at(0).port_start, 80);
  EXPECT_EQ(vs->load_balancer_pool_ref.id, pool_id);

  // Update the pool members (full PUT) and the VS port.
  auto p = run<pool>([&](auto cb) { client->get_pool(pool_id, cb); });
  ASSERT_TRUE(p);
  p->members.push_back({"10.0.0.13", 30080, 1, true, ""});
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->update_pool(*p, cb); })));
  EXPECT_EQ(run<pool>([&](auto cb) { client->get_pool(pool_id, cb); })->members.size(), 3u);
  vs->service_ports[0].port_start = 8080;
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->update_virtual_service(*vs, cb); })));

  auto by_vip = run<std::vector<virtual_service_summary>>([&](auto cb) {
    client->list_virtual_service_summaries(gw, fiql::eq("virtualIpAddress", "203.0.113.10"), cb);
  });
  ASSERT_TRUE(by_vip);
  ASSERT_EQ(by_vip->size(), 1u);
  EXPECT_EQ(by_vip->front().service_ports.at(0).port_start, 8080);

  // A second VS on the same VIP and port is refused; the pool in use cannot go.
  auto pool2 = create_pool("ingress-pool-web-other");
  auto clash = run<task_ref>([&](auto cb) {
    client->create_virtual_service(make_vs("ingress-vs-web-other", pool2, "203.0.113.10", 8080),
                                   cb);
  });
  ASSERT_FALSE(clash);
  EXPECT_TRUE(has_code(clash.error(), vcd_errc::bad_request)) << describe(clash.error());
  EXPECT_EQ(parse_error_info(clash.error()).http_status, 400u);
  auto in_use = run<task_ref>([&](auto cb) { client->delete_pool(pool_id, cb); });
  ASSERT_FALSE(in_use);
  EXPECT_TRUE(has_code(in_use.error(), vcd_errc::bad_request)) << describe(in_use.error());
  auto dup =
    run<task_ref>([&](auto cb) { client->create_pool(make_pool("ingress-pool-web-http"), cb); });
  ASSERT_FALSE(dup);
  EXPECT_TRUE(has_code(dup.error(), vcd_errc::bad_request)) << describe(dup.error());

  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->delete_virtual_service(vs_id, cb); })));
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->delete_pool(pool_id, cb); })));
  auto gone = run<pool>([&](auto cb) { client->get_pool(pool_id, cb); });
  ASSERT_FALSE(gone);
  EXPECT_TRUE(has_code(gone.error(), vcd_errc::not_found)) << describe(gone.error());
}

TEST_F(sim_integration, dnat_rule_and_app_port_profile) {
  auto s = run<session_info>([&](auto cb) { client->login(cb); });
  ASSERT_TRUE(s);
  auto net = run<org_vdc_network>([&](auto cb) { client->get_org_vdc_network("net1", cb); });
  ASSERT_TRUE(net);
  app_port_profile prof;
  prof.name = "appPort_dnat-ingress-vs-web-http";
  prof.description = "App Port Profile [appPort_dnat-ingress-vs-web-http]";
  prof.org_ref = s->org;
  prof.context_entity_id = net->org_vdc.id.empty() ? net->owner_ref.id : net->org_vdc.id;
  prof.application_ports = {{"", "TCP", {"80"}}};
  auto pt = finish(run<task_ref>([&](auto cb) { client->create_app_port_profile(prof, cb); }));
  ASSERT_TRUE(pt) << describe(pt.error());
  EXPECT_EQ(pt->status, task_status::success) << pt->error.message;
  auto profiles = run<std::vector<app_port_profile>>([&](auto cb) {
    client->list_app_port_profiles(fiql::eq("name", prof.name).with("scope", "TENANT"), cb);
  });
  ASSERT_TRUE(profiles) << describe(profiles.error());
  ASSERT_EQ(profiles->size(), 1u);
  auto prof_id = profiles->front().id;
  auto stored = run<app_port_profile>([&](auto cb) { client->get_app_port_profile(prof_id, cb); });
  ASSERT_TRUE(stored) << describe(stored.error());
  stored->application_ports[0].destination_ports = {"8080"};
  stored->context_entity_id = prof.context_entity_id; // write-only: not returned by reads
  auto ut = finish(run<task_ref>([&](auto cb) { client->update_app_port_profile(*stored, cb); }));
  ASSERT_TRUE(ut) << describe(ut.error());
  EXPECT_EQ(ut->status, task_status::success) << ut->error.message;
  auto updated = run<app_port_profile>([&](auto cb) { client->get_app_port_profile(prof_id, cb); });
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->application_ports.at(0).destination_ports, (std::vector<std::string>{"8080"}));

  nat_rule r;
  r.name = "dnat-ingress-vs-web-http";
  r.external_addresses = "203.0.113.20";
  r.internal_addresses = "192.168.8.2";
  r.dnat_external_port = "80";
  r.application_port_profile = {prof.name, prof_id};
  r.firewall_match = "MATCH_EXTERNAL_ADDRESS";
  r.priority = 0;
  auto nt = finish(run<task_ref>([&](auto cb) { client->create_nat_rule(gw, r, cb); }));
  ASSERT_TRUE(nt) << describe(nt.error());
  EXPECT_EQ(nt->status, task_status::success) << nt->error.message;
  EXPECT_EQ(nt->owner.id, gw) << "the NAT task's owner is the gateway";
  auto rules = run<std::vector<nat_rule>>([&](auto cb) { client->list_nat_rules(gw, cb); });
  ASSERT_TRUE(rules) << describe(rules.error());
  ASSERT_EQ(rules->size(), 1u);
  auto rule = rules->front();
  EXPECT_EQ(rule.name, r.name);
  EXPECT_EQ(rule.rule_type, "DNAT");
  EXPECT_EQ(rule.application_port_profile.id, prof_id);
  EXPECT_GE(rule.version, 0);

  auto got = run<nat_rule>([&](auto cb) { client->get_nat_rule(gw, rule.id, cb); });
  ASSERT_TRUE(got) << describe(got.error());
  auto stale = *got;
  got->internal_addresses = "192.168.8.3";
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->update_nat_rule(gw, *got, cb); })));
  stale.internal_addresses = "192.168.8.4";
  auto refused = run<task_ref>([&](auto cb) { client->update_nat_rule(gw, stale, cb); });
  ASSERT_FALSE(refused) << "a stale version is rejected";
  EXPECT_TRUE(has_code(refused.error(), vcd_errc::bad_request)) << describe(refused.error());

  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->delete_nat_rule(gw, rule.id, cb); })));
  ASSERT_TRUE(
    finish(run<task_ref>([&](auto cb) { client->delete_app_port_profile(prof_id, cb); })));
  EXPECT_TRUE(
    run<std::vector<nat_rule>>([&](auto cb) { client->list_nat_rules(gw, cb); })->empty());
  auto missing = run<app_port_profile>([&](auto cb) { client->get_app_port_profile(prof_id, cb); });
  EXPECT_TRUE(has_code(missing.error(), vcd_errc::not_found)) << describe(missing.error());
}

TEST_F(sim_integration, many_pages_and_nat_cursors) {
  start(sim::default_scenario(), 4);
  for (int i = 0; i < 22; ++i)
    ASSERT_FALSE(create_pool("pool-" + std::to_string(i)).empty());
  auto all =
    run<std::vector<pool_summary>>([&](auto cb) { client->list_pool_summaries(gw, {}, cb); });
  ASSERT_TRUE(all) << describe(all.error());
  EXPECT_EQ(all->size(), 22u);
  for (int i = 0; i < 9; ++i) {
    nat_rule r;
    r.name = "dnat-" + std::to_string(i);
    r.external_addresses = "203.0.113." + std::to_string(100 + i);
    r.internal_addresses = "192.168.8." + std::to_string(2 + i);
    r.dnat_external_port = "80";
    auto t = finish(run<task_ref>([&](auto cb) { client->create_nat_rule(gw, r, cb); }));
    ASSERT_TRUE(t) << describe(t.error());
  }
  auto rules = run<std::vector<nat_rule>>([&](auto cb) { client->list_nat_rules(gw, cb); });
  ASSERT_TRUE(rules) << describe(rules.error());
  EXPECT_EQ(rules->size(), 9u);
  EXPECT_GE(vcd->stats().by_route["GET /cloudapi/1.0.0/edgeGateways/{}/nat/rules"], 3u);
}

TEST_F(sim_integration, relogin_after_token_expiry) {
  ASSERT_TRUE(run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); }));
  auto before = client->login_count();
  vcd->expire_tokens();
  auto g = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  ASSERT_TRUE(g) << describe(g.error());
  EXPECT_EQ(client->login_count(), before + 1);
}

TEST_F(sim_integration, api_token_login) {
  start(sim::default_scenario(), 128, true);
  auto s = run<session_info>([&](auto cb) { client->login(cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->org.name, "org1");
  EXPECT_FALSE(s->org.id.empty());
}

TEST_F(sim_integration, busy_entity_then_success) {
  auto first = run<task_ref>([&](auto cb) { client->create_pool(make_pool("a"), cb); });
  ASSERT_TRUE(first) << describe(first.error());
  // The gateway is locked until the task ends.
  auto busy = run<task_ref>([&](auto cb) { client->create_pool(make_pool("b"), cb); });
  ASSERT_FALSE(busy);
  EXPECT_TRUE(has_code(busy.error(), vcd_errc::busy_entity)) << describe(busy.error());
  EXPECT_EQ(parse_error_info(busy.error()).minor_error_code, "BUSY_ENTITY");
  ASSERT_TRUE(finish(first));
  auto second = finish(run<task_ref>([&](auto cb) { client->create_pool(make_pool("b"), cb); }));
  ASSERT_TRUE(second) << describe(second.error());
  EXPECT_EQ(second->status, task_status::success);
}

TEST_F(sim_integration, injected_faults_keep_their_class) {
  auto f = vcd->faults();
  f.rate_429 = 1;
  vcd->set_faults(f);
  auto limited = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  ASSERT_FALSE(limited);
  EXPECT_TRUE(has_code(limited.error(), vcd_errc::rate_limited)) << describe(limited.error());
  f.rate_429 = 0;
  f.rate_503 = 1;
  vcd->set_faults(f);
  auto down = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  EXPECT_TRUE(has_code(down.error(), vcd_errc::unavailable)) << describe(down.error());
  f.rate_503 = 0;
  f.rate_500 = 1;
  vcd->set_faults(f);
  auto broken = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  EXPECT_TRUE(has_code(broken.error(), vcd_errc::server_error)) << describe(broken.error());
  f.rate_500 = 0;
  f.task_failure_rate = 1;
  vcd->set_faults(f);
  auto t = finish(run<task_ref>([&](auto cb) { client->create_pool(make_pool("doomed"), cb); }));
  ASSERT_TRUE(t) << describe(t.error());
  EXPECT_EQ(t->status, task_status::error);
  EXPECT_TRUE(has_code(make_task_error(*t), vcd_errc::task_failed));
}

// The legacy XML API over real TLS: the vApp query with paging (page size 2), the vApp with
// its VMs, a VM change through the simulator's controls, and a vApp that is gone.
TEST_F(sim_integration, finds_the_cluster_vapp_and_its_vms) {
  auto s = sim::default_scenario();
  auto& vdc = s.orgs.front().vdcs.front();
  for (int a = 0; a < 3; ++a) {
    sim::vapp_spec v;
    v.name = a == 0 ? "cluster1" : "cluster1_" + std::to_string(a);
    for (int i = 1; i <= 3; ++i)
      v.vms.push_back({"node-" + std::to_string(a) + std::to_string(i),
                       "",
                       4,
                       0,
                       {{"net1", "192.168.1." + std::to_string(10 * a + i), "", "", true}}});
    vdc.vapps.push_back(std::move(v));
  }
  start(s, 2);
  auto records =
    run<std::vector<vapp_record>>([&](auto cb) { client->query_vapps("cluster1", true, cb); });
  ASSERT_TRUE(records) << describe(records.error());
  ASSERT_EQ(records->size(), 3u);
  auto exact =
    run<std::vector<vapp_record>>([&](auto cb) { client->query_vapps("cluster1", false, cb); });
  ASSERT_TRUE(exact);
  ASSERT_EQ(exact->size(), 1u);
  EXPECT_EQ(exact->front().vdc_name, "vdc1");
  auto v = run<vapp>([&](auto cb) { client->get_vapp(exact->front().href, cb); });
  ASSERT_TRUE(v) << describe(v.error()) << exact->front().href;
  ASSERT_EQ(v->vms.size(), 3u);
  EXPECT_EQ(v->vms[1].name, "node-02");
  EXPECT_EQ(v->vms[1].nics.at(0).ip, "192.168.1.2");

  http::request off;
  off.method = "PATCH";
  off.target = "/_sim/vms/node-02";
  off.body = R"({"status":"POWERED_OFF"})";
  ASSERT_EQ(vcd->handle(off).response.status, 200u);
  v = run<vapp>([&](auto cb) { client->get_vapp(exact->front().href, cb); });
  ASSERT_TRUE(v);
  EXPECT_EQ(v->vms[1].status, vm_status_powered_off);

  auto gone = run<vapp>([&](auto cb) {
    client->get_vapp(server->url() + "/api/vApp/vapp-00000000-0000-0000-0000-000000000000", cb);
  });
  ASSERT_FALSE(gone);
  EXPECT_TRUE(has_code(gone.error(), vcd_errc::not_found)) << describe(gone.error());
}

} // namespace

namespace {

// IP Spaces end to end: the real client against the simulator's IP Space gateway.
TEST_F(sim_integration, ip_space_allocation_lifecycle) {
  start(sim::ip_space_example_scenario());
  auto g = run<edge_gateway>([&](auto cb) { client->get_edge_gateway(gw, cb); });
  ASSERT_TRUE(g) << describe(g.error());
  EXPECT_TRUE(g->using_ip_space());
  EXPECT_TRUE(g->uplinks.at(0).subnets.empty());
  auto sugg = run<std::vector<floating_ip_suggestion>>(
    [&](auto cb) { client->list_floating_ip_suggestions(gw, cb); });
  ASSERT_TRUE(sugg) << describe(sugg.error());
  ASSERT_EQ(sugg->size(), 2u);
  std::string pub;
  for (const auto& s : *sugg)
    if (s.ip_space_ref.name == "public-1")
      pub = s.ip_space_ref.id;
  auto space = run<ip_space>([&](auto cb) { client->get_ip_space(pub, cb); });
  ASSERT_TRUE(space) << describe(space.error());
  EXPECT_EQ(space->type, "PUBLIC");
  EXPECT_EQ(space->floating_ip_total, 50);
  EXPECT_EQ(space->floating_ip_allocated, 1);

  auto t = finish(run<task_ref>([&](auto cb) { client->allocate_floating_ip(pub, "", cb); }));
  ASSERT_TRUE(t) << describe(t.error());
  ASSERT_EQ(t->status, task_status::success);
  auto got = parse_allocation_result(*t);
  ASSERT_TRUE(got) << describe(got.error());
  auto a = run<ip_allocation>([&](auto cb) { client->get_ip_allocation(pub, got->at(0).id, cb); });
  ASSERT_TRUE(a) << describe(a.error());
  EXPECT_EQ(a->value, got->at(0).value);
  a->usage_state = "USED_MANUAL";
  a->description = "cluster-c9-namespace-default-service-web";
  auto marked = finish(run<task_ref>([&](auto cb) { client->update_ip_allocation(*a, cb); }));
  ASSERT_TRUE(marked) << describe(marked.error());
  EXPECT_EQ(marked->status, task_status::success);
  auto mine = run<std::vector<ip_allocation>>(
    [&](auto cb) { list_marked_allocations(client, gw, "cluster-c9-namespace-", cb); });
  ASSERT_TRUE(mine) << describe(mine.error());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->at(0).value, got->at(0).value);
  EXPECT_EQ(mine->at(0).ip_space_id, pub);
  auto upstream = run<std::vector<ip_allocation>>(
    [&](auto cb) { list_marked_allocations(client, gw, "cluster-capvcdCluster:", cb); });
  ASSERT_TRUE(upstream);
  EXPECT_EQ(upstream->size(), 1u) << "the seeded allocation with upstream's marker";
  auto released =
    finish(run<task_ref>([&](auto cb) { client->delete_ip_allocation(pub, got->at(0).id, cb); }));
  ASSERT_TRUE(released);
  EXPECT_EQ(released->status, task_status::success);
  auto gone = run<ip_allocation>([&](auto cb) { client->get_ip_allocation(pub, a->id, cb); });
  EXPECT_TRUE(has_code(gone.error(), vcd_errc::not_found));
}

} // namespace

namespace {

TEST_F(sim_integration, firewall_rules_and_ip_sets_round_trip) {
  ip_set clients;
  clients.name = "vcdlb-src-test";
  clients.owner_ref = {"edge-1", gw};
  clients.ip_addresses = {"198.51.100.0/24", "2001:db8::/48"};
  auto ct = finish(run<task_ref>([&](auto cb) { client->create_ip_set(clients, cb); }));
  ASSERT_TRUE(ct) << describe(ct.error());
  EXPECT_EQ(ct->status, task_status::success) << ct->error.message;
  auto sets = run<std::vector<ip_set>>(
    [&](auto cb) { client->list_ip_sets(gw, fiql::eq("name", clients.name), cb); });
  ASSERT_TRUE(sets) << describe(sets.error());
  ASSERT_EQ(sets->size(), 1u);
  EXPECT_TRUE(sets->front().ip_addresses.empty()) << "summaries carry no addresses";
  auto set_id = sets->front().id;
  auto details = run<ip_set>([&](auto cb) { client->get_ip_set(set_id, cb); });
  ASSERT_TRUE(details) << describe(details.error());
  EXPECT_EQ(details->ip_addresses, clients.ip_addresses);
  EXPECT_EQ(details->owner_ref.id, gw);

  firewall_rule allow;
  allow.name = "allow-clients";
  allow.direction = "IN";
  allow.source_firewall_groups = {{"", set_id}};
  firewall_rule drop;
  drop.name = "drop-rest";
  drop.action_value = "DROP";
  drop.direction = "IN";
  auto wt = finish(run<task_ref>([&](auto cb) {
    client->replace_firewall_rules(gw, {allow, drop}, cb);
  }));
  ASSERT_TRUE(wt) << describe(wt.error());
  EXPECT_EQ(wt->status, task_status::success) << wt->error.message;
  auto rules = run<firewall_rules>([&](auto cb) { client->get_firewall_rules(gw, cb); });
  ASSERT_TRUE(rules) << describe(rules.error());
  ASSERT_EQ(rules->user_defined_rules.size(), 2u);
  auto stored = rules->user_defined_rules;
  EXPECT_EQ(stored[0].name, "allow-clients");
  EXPECT_EQ(stored[0].source_firewall_groups.at(0).name, clients.name);
  EXPECT_EQ(stored[1].action_value, "DROP");
  EXPECT_GE(stored[0].version, 0);

  // A write with a stale version of an existing rule is refused and changes nothing.
  auto edited = stored;
  edited[1].description = "edited";
  ASSERT_TRUE(
    finish(run<task_ref>([&](auto cb) { client->replace_firewall_rules(gw, edited, cb); })));
  auto stale = run<task_ref>([&](auto cb) { client->replace_firewall_rules(gw, stored, cb); });
  ASSERT_FALSE(stale);
  EXPECT_TRUE(has_code(stale.error(), vcd_errc::bad_request)) << describe(stale.error());

  // The set is in use; emptying the list frees it.
  EXPECT_FALSE(run<task_ref>([&](auto cb) { client->delete_ip_set(set_id, cb); }));
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->replace_firewall_rules(gw, {}, cb); })));
  details->ip_addresses = {"192.0.2.1-192.0.2.9"};
  ASSERT_TRUE(finish(run<task_ref>([&](auto cb) { client->update_ip_set(*details, cb); })));
  auto dt = finish(run<task_ref>([&](auto cb) { client->delete_ip_set(set_id, cb); }));
  ASSERT_TRUE(dt) << describe(dt.error());
  auto gone = run<ip_set>([&](auto cb) { client->get_ip_set(set_id, cb); });
  ASSERT_FALSE(gone);
  EXPECT_TRUE(has_code(gone.error(), vcd_errc::not_found));
}

} // namespace

namespace {

sim::scenario transparent_ready_scenario(const std::string& api_version = "37.2") {
  auto s = sim::default_scenario();
  s.api_version = api_version;
  auto& g = s.orgs.front().vdcs.front().edge_gateways.front();
  g.transparent_mode_enabled = true;
  g.seg_assignments.front().ha_mode = "LEGACY_ACTIVE_STANDBY";
  return s;
}

TEST_F(sim_integration, transparent_mode_on_a_group_pool_round_trips_and_switches_off) {
  start(transparent_ready_scenario());
  auto alb = run<alb_settings>([&](auto cb) { client->get_alb_settings(gw, cb); });
  ASSERT_TRUE(alb) << describe(alb.error());
  EXPECT_TRUE(alb->enabled);
  EXPECT_TRUE(alb->transparent_mode_enabled);
  auto segs =
    run<std::vector<seg_assignment>>([&](auto cb) { client->list_seg_assignments(gw, cb); });
  ASSERT_TRUE(segs) << describe(segs.error());
  EXPECT_EQ(segs->front().service_engine_group_ha_mode, "LEGACY_ACTIVE_STANDBY");

  ip_set members;
  members.name = "vcdlb-members-test";
  members.owner_ref = {"edge-1", gw};
  members.ip_addresses = {"10.0.0.11", "10.0.0.12"};
  auto st = finish(run<task_ref>([&](auto cb) { client->create_ip_set(members, cb); }));
  ASSERT_TRUE(st) << describe(st.error());
  auto set_id = st->owner.id;
  ASSERT_FALSE(set_id.empty());

  auto p = make_pool("ingress-pool-transparent");
  p.members.clear();
  p.member_group_ref = {members.name, set_id};
  auto pt = finish(run<task_ref>([&](auto cb) { client->create_pool(p, cb); }));
  ASSERT_TRUE(pt) << describe(pt.error());
  ASSERT_EQ(pt->status, task_status::success) << pt->error.message;
  auto stored_pool = run<pool>([&](auto cb) { client->get_pool(pt->owner.id, cb); });
  ASSERT_TRUE(stored_pool) << describe(stored_pool.error());
  EXPECT_EQ(stored_pool->member_group_ref.id, set_id);
  EXPECT_TRUE(stored_pool->members.empty());

  auto vs = make_vs("ingress-vs-transparent", pt->owner.id, "203.0.113.10", 80);
  vs.transparent_mode_enabled = true;
  auto vt = finish(run<task_ref>([&](auto cb) { client->create_virtual_service(vs, cb); }));
  ASSERT_TRUE(vt) << describe(vt.error());
  ASSERT_EQ(vt->status, task_status::success) << vt->error.message;
  auto stored =
    run<virtual_service>([&](auto cb) { client->get_virtual_service(vt->owner.id, cb); });
  ASSERT_TRUE(stored) << describe(stored.error());
  EXPECT_TRUE(stored->transparent_mode_enabled);
  auto summaries = run<std::vector<virtual_service_summary>>(
    [&](auto cb) { client->list_virtual_service_summaries(gw, {}, cb); });
  ASSERT_TRUE(summaries) << describe(summaries.error());
  EXPECT_TRUE(summaries->front().transparent_mode_enabled);

  // Off: the client says so explicitly (37.1+), and VCD stores it.
  stored->transparent_mode_enabled = false;
  vcd->set_log_bodies(true);
  auto off = finish(run<task_ref>([&](auto cb) { client->update_virtual_service(*stored, cb); }));
  ASSERT_TRUE(off) << describe(off.error());
  bool sent_false = false;
  for (const auto& b : vcd->body_log())
    if (b.method == "PUT")
      sent_false = b.request_body.find(R"("transparentModeEnabled":false)") != std::string::npos;
  EXPECT_TRUE(sent_false) << "the PUT names the flag";
  vcd->set_log_bodies(false);
  auto after = run<virtual_service>([&](auto cb) { client->get_virtual_service(stored->id, cb); });
  ASSERT_TRUE(after) << describe(after.error());
  EXPECT_FALSE(after->transparent_mode_enabled);
  // The IP set stays in use while the group pool exists.
  auto del = run<task_ref>([&](auto cb) { client->delete_ip_set(set_id, cb); });
  ASSERT_FALSE(del);
  EXPECT_TRUE(has_code(del.error(), vcd_errc::bad_request)) << describe(del.error());
}

TEST_F(sim_integration, transparent_mode_refusals_name_the_missing_prerequisite) {
  auto s = transparent_ready_scenario();
  s.orgs.front().vdcs.front().edge_gateways.front().seg_assignments.front().ha_mode =
    "ELASTIC_ACTIVE_ACTIVE";
  start(std::move(s));
  ip_set members;
  members.name = "vcdlb-members-test";
  members.owner_ref = {"edge-1", gw};
  members.ip_addresses = {"10.0.0.11"};
  auto st = finish(run<task_ref>([&](auto cb) { client->create_ip_set(members, cb); }));
  ASSERT_TRUE(st) << describe(st.error());
  auto p = make_pool("ingress-pool-transparent");
  p.members.clear();
  p.member_group_ref = {members.name, st->owner.id};
  auto pt = finish(run<task_ref>([&](auto cb) { client->create_pool(p, cb); }));
  ASSERT_TRUE(pt) << describe(pt.error());
  auto vs = make_vs("ingress-vs-transparent", pt->owner.id, "203.0.113.10", 80);
  vs.transparent_mode_enabled = true;
  auto refused = run<task_ref>([&](auto cb) { client->create_virtual_service(vs, cb); });
  ASSERT_FALSE(refused);
  EXPECT_TRUE(has_code(refused.error(), vcd_errc::bad_request)) << describe(refused.error());
  auto info = parse_error_info(refused.error());
  EXPECT_EQ(info.http_status, 400u);
  EXPECT_NE(info.message.find("LEGACY_ACTIVE_STANDBY"), std::string::npos) << info.message;
}

TEST_F(sim_integration, below_api_37_1_the_client_refuses_transparent_fields_before_sending) {
  start(transparent_ready_scenario("37.0"));
  auto alb = run<alb_settings>([&](auto cb) { client->get_alb_settings(gw, cb); });
  ASSERT_TRUE(alb) << describe(alb.error());
  EXPECT_FALSE(alb->transparent_mode_enabled) << "not reported before 37.1";
  auto requests = vcd->stats().total;
  auto p = make_pool("ingress-pool-transparent");
  p.members.clear();
  p.member_group_ref = {"any", "urn:vcloud:firewallGroup:00000000-0000-0000-0000-000000000001"};
  auto pool_refused = run<task_ref>([&](auto cb) { client->create_pool(p, cb); });
  ASSERT_FALSE(pool_refused);
  EXPECT_TRUE(has_code(pool_refused.error(), vcd_errc::unsupported))
    << describe(pool_refused.error());
  auto pool_id = create_pool("ingress-pool-plain");
  auto vs = make_vs("ingress-vs-transparent", pool_id, "203.0.113.10", 80);
  vs.transparent_mode_enabled = true;
  auto before = vcd->stats().total;
  auto vs_refused = run<task_ref>([&](auto cb) { client->create_virtual_service(vs, cb); });
  ASSERT_FALSE(vs_refused);
  EXPECT_TRUE(has_code(vs_refused.error(), vcd_errc::unsupported)) << describe(vs_refused.error());
  EXPECT_EQ(vcd->stats().total, before) << "nothing was sent";
  EXPECT_GT(before, requests);
  // Without the field a 37.0 write works as before.
  vs.transparent_mode_enabled = false;
  auto ok = finish(run<task_ref>([&](auto cb) { client->create_virtual_service(vs, cb); }));
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(ok->status, task_status::success) << ok->error.message;
}

} // namespace
