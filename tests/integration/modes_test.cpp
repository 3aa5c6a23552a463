// The real engine against the VCD simulator over HTTPS, once per mode (A, B, C): a Service's
// whole life (create with TCP+UDP, HTTP/HTTPS and SSL ports, every kind of edit, nodes coming
// and going and excluded, type change away from LoadBalancer, delete), loadBalancerIP,
// restarts in the middle of a create and with nothing to do, adoption of objects that carry
// the upstream provider's names, repair of objects deleted behind the engine's back, and
// externalTrafficPolicy: Local pools that follow the endpoints. After
// every step the gateway must hold exactly what the Services need and nothing else.

#include <future>
#include <iostream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "adapters/vcd/sim/scenario.hpp"
#include "protocol/errors.hpp"
#include "tests/integration/firewall_check.hpp"
#include "tests/integration/harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vcdlb;
using namespace vcdlb::integration;

const service_key web_key{"shop", "web"};

class modes : public ::testing::TestWithParam<config::lb_mode> {
protected:
  harness h{harness_options{GetParam()}};

  void SetUp() override {
    h.api().apply_node(worker("w1", "10.0.0.11"));
    h.api().apply_node(worker("w2", "10.0.0.12"));
    h.api().apply_node(worker("w3", "10.0.0.13"));
    auto cp = worker("cp1", "10.0.0.2");
    cp.labels = {{"node-role.kubernetes.io/control-plane", ""}};
    h.api().apply_node(cp); // never a backend
  }

  /// Converges and expects the gateway to be exactly right.
  void expect_converged(const std::string& step, name_fn names = {}) {
    auto p = h.converge(std::move(names));
    EXPECT_TRUE(p.empty()) << step << ": " << join(p);
  }

  /// Waits until the engine is running and has gone quiet (discovery, list, first pass).
  void settle() {
    ASSERT_TRUE(h.eventually([&] { return h.current()->phase() == engine_phase::running; }));
    ASSERT_TRUE(h.quiesce());
  }

  service_spec web() {
    auto s = lb_service("shop", "web",
                        {tcp("http", 80, 30080, "http"), tcp("https", 443, 30443),
                         udp("dns", 53, 30053), tcp("metrics", 9000, 30900)});
    s.annotations.ssl_ports = "443";
    s.annotations.ssl_cert_alias = sim_cert_alias;
    return s;
  }

  /// The first request matching method and route (a path pattern suffix), or none.
  std::optional<vcd::sim::request_record> first(const std::string& method,
                                                const std::string& route_suffix) {
    for (const auto& r : h.vcd().request_log())
      if (r.method == method && r.route.size() >= route_suffix.size()
          && r.route.compare(r.route.size() - route_suffix.size(), route_suffix.size(),
                             route_suffix)
               == 0)
        return r;
    return std::nullopt;
  }

  /// Requests with `method` on a load-balancer object route (not logins).
  size_t count_object_requests(const std::string& method) {
    size_t n = 0;
    for (const auto& r : h.vcd().request_log())
      if (r.method == method
          && (r.route.find("/loadBalancer/") != std::string::npos
              || r.route.find("/nat/rules") != std::string::npos
              || r.route.find("/applicationPortProfiles") != std::string::npos))
        ++n;
    return n;
  }
};

std::string mode_name(const ::testing::TestParamInfo<config::lb_mode>& info) {
  return "mode_" + std::string{config::to_string(info.param)};
}

TEST_P(modes, a_service_lifecycle_leaves_exactly_what_it_needs_after_every_step) {
  h.start_engine();
  settle();
  h.vcd().reset_stats();
  auto svc = web();
  h.api().apply(svc);
  expect_converged("create");
  const auto ip = h.api().ip_of(web_key);
  ASSERT_FALSE(ip.empty());
  {
    auto st = h.vcd().stats();
    std::cout << "[ requests ] mode " << config::to_string(GetParam()) << " create, "
              << svc.ports.size() << " ports: total " << st.total << " (mutations " << st.mutations
              << ", task polls " << st.task_polls << ", reads " << st.reads << ", auth " << st.auth
              << ") = " << static_cast<double>(st.total) / static_cast<double>(svc.ports.size())
              << " per port\n";
    // Issue #5's budgets, task polls included: about 6 requests per port in mode C, 12 in A/B
    // (polls timed to the learnt task time, no NAT list per DNAT create).
    const size_t per_port = GetParam() == config::lb_mode::c ? 6 : 12;
    EXPECT_LE(st.total, per_port * svc.ports.size());
  }
  auto step = [&](const std::string& name) {
    h.api().apply(svc);
    expect_converged(name);
    EXPECT_EQ(h.api().ip_of(web_key), ip) << name << ": the IP must not move";
  };
  svc.ports.push_back(tcp("alt", 8443, 30843));
  step("port added");
  std::erase_if(svc.ports, [](const service_port& p) { return p.name == "metrics"; });
  step("port removed");
  svc.ports[0].name = "web";
  step("port renamed");
  svc.ports.back().port = 8444;
  step("port renumbered");
  svc.ports[1].node_port = 31443;
  step("NodePort changed");
  svc.ports[2].protocol = ip_protocol::tcp;
  step("protocol changed UDP -> TCP");
  svc.ports[1].app_protocol = "https";
  step("appProtocol https");

  h.api().apply_node(worker("w4", "10.0.0.14"));
  expect_converged("node added");
  h.api().remove_node("w2");
  expect_converged("node removed");
  auto w3 = worker("w3", "10.0.0.13");
  w3.labels = {{"node.kubernetes.io/exclude-from-external-load-balancers", "true"}};
  h.api().apply_node(w3);
  expect_converged("node excluded");
  EXPECT_EQ(h.api().ip_of(web_key), ip);

  svc.annotations.ssl_ports = "";
  svc.ports[1].app_protocol = "";
  step("ssl ports off");
  svc.annotations.ssl_ports = "443,8444";
  step("ssl ports on");
  svc.annotations.ssl_cert_alias = second_cert_alias;
  step("certificate alias changed");
  svc.annotations.ssl_cert_alias = "";
  step("certificate alias from the config");
  svc.annotations.ssl_no_termination = "true";
  step("ssl no termination");

  svc.type = service_type::cluster_ip;
  h.api().apply(svc);
  expect_converged("type ClusterIP");
  auto now = h.api().get(web_key);
  ASSERT_TRUE(now);
  EXPECT_FALSE(now->has_finalizer);
  EXPECT_TRUE(now->ingress_ips.empty());

  svc.type = service_type::load_balancer;
  h.api().apply(svc);
  expect_converged("type LoadBalancer again");
  h.api().request_delete(web_key);
  expect_converged("delete");
  EXPECT_FALSE(h.api().get(web_key));
  auto reasons = h.api().reasons(web_key);
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "DeletedLoadBalancer"), reasons.end());
  EXPECT_EQ(h.vcd().stats().rejections.count("vip_port_conflict"), 0u);
  EXPECT_EQ(h.vcd().stats().dnat_overlaps, 0u);
}

TEST_P(modes, load_balancer_ip_is_honoured_and_followed) {
  h.start_engine();
  auto svc = lb_service("shop", "fixed", {tcp("http", 80, 30080), udp("dns", 53, 30053)});
  svc.load_balancer_ip = "203.0.113.77";
  h.api().apply(svc);
  expect_converged("create with loadBalancerIP");
  EXPECT_EQ(h.api().ip_of(svc.key), "203.0.113.77");
  // Another Service cannot take it.
  h.api().apply(lb_service("shop", "other", {tcp("http", 80, 31080)}));
  expect_converged("second Service");
  EXPECT_NE(h.api().ip_of({"shop", "other"}), "203.0.113.77");
  svc.load_balancer_ip = "203.0.113.78";
  h.api().apply(svc);
  expect_converged("loadBalancerIP changed");
  EXPECT_EQ(h.api().ip_of(svc.key), "203.0.113.78");
}

TEST_P(modes, a_restart_in_the_middle_of_a_create_converges_on_the_same_ip) {
  auto f = h.vcd().faults();
  f.task_duration = 150ms;
  h.vcd().set_faults(f);
  h.start_engine();
  h.api().apply(
    lb_service("shop", "half", {tcp("a", 80, 30080), tcp("b", 81, 30081), udp("c", 82, 30082)}));
  // Stop right after the first object that carries the external IP was accepted.
  const std::string carrier =
    GetParam() == config::lb_mode::c ? "/loadBalancer/virtualServices" : "/nat/rules";
  ASSERT_TRUE(h.eventually([&] {
    auto r = first("POST", carrier);
    return r && r->status == 202;
  }));
  h.stop_engine(1ms);
  auto dump = h.vcd().dump();
  std::string half_ip;
  const char* list = GetParam() == config::lb_mode::c ? "virtual_services" : "nat_rules";
  const char* field = GetParam() == config::lb_mode::c ? "virtualIpAddress" : "externalAddresses";
  for (const auto& o : dump.at(list).as_array())
    half_ip = std::string{o.at(field).as_string()};
  ASSERT_FALSE(half_ip.empty());

  f.task_duration = 3ms;
  h.vcd().set_faults(f);
  h.start_engine();
  expect_converged("after the restart");
  EXPECT_EQ(h.api().ip_of({"shop", "half"}), half_ip);

  // A restart with nothing to do costs no mutation.
  h.stop_engine();
  h.vcd().reset_stats();
  h.start_engine();
  settle();
  expect_converged("idle restart");
  auto st = h.vcd().stats();
  EXPECT_EQ(st.mutations, 0u);
  for (const char* method : {"POST", "PUT", "DELETE"})
    EXPECT_EQ(count_object_requests(method), 0u) << method << " in the request log";
  std::cout << "[ requests ] mode " << config::to_string(GetParam())
            << " idle restart with 1 Service (3 ports): total " << st.total << ", reads "
            << st.reads << ", auth " << st.auth << ", mutations " << st.mutations << "\n";
}

// -- adoption --------------------------------------------------------------------------------

template <class T, class F>
caf::expected<T> run(F&& f) {
  auto p = std::make_shared<std::promise<caf::expected<T>>>();
  auto fut = p->get_future();
  f([p](caf::expected<T> x) { p->set_value(std::move(x)); });
  if (fut.wait_for(20s) != std::future_status::ready)
    return caf::make_error(vcd_errc::unavailable, std::string{"test bound exceeded"});
  return fut.get();
}

/// Creates objects through the VCD client the way the upstream provider does.
class upstream_writer {
public:
  explicit upstream_writer(harness& h) : h_(h), c_(h.make_client()) {
    auto net = run<vcd::org_vdc_network>([&](auto cb) { c_->get_org_vdc_network("net1", cb); });
    EXPECT_TRUE(net) << describe(net.error());
    if (!net)
      return;
    gw_ = net->router_ref;
    vdc_ = net->org_vdc.id;
    auto segs =
      run<std::vector<vcd::seg_assignment>>([&](auto cb) { c_->list_seg_assignments(gw_.id, cb); });
    EXPECT_TRUE(segs && !segs->empty());
    if (segs && !segs->empty())
      seg_ = segs->front().service_engine_group_ref;
  }

  void wait(const caf::expected<vcd::task_ref>& ref) {
    ASSERT_TRUE(ref) << describe(ref.error());
    for (int i = 0; i < 2000 && !ref->completed_synchronously(); ++i) {
      auto t = run<vcd::task>([&](auto cb) { c_->get_task(*ref, cb); });
      ASSERT_TRUE(t) << describe(t.error());
      if (!t->in_flight()) {
        ASSERT_EQ(t->status, vcd::task_status::success);
        return;
      }
      std::this_thread::sleep_for(2ms);
    }
  }

  /// One port: [profile + DNAT ext -> vip,] pool on node_port, VS on vip.
  void port(const std::string& svc, const service_port& p, const std::string& ext,
            const std::string& vip, const std::vector<std::string>& members, bool one_arm) {
    auto names = naming::upstream_names(cluster_id, svc, p.name);
    if (one_arm) {
      vcd::app_port_profile prof;
      prof.name = names.app_port_profile;
      prof.description = "App Port Profile [" + names.app_port_profile + "]";
      prof.org_ref = {"org1", vcd::sim::default_scenario().orgs[0].id};
      prof.context_entity_id = vdc_;
      prof.application_ports = {{"", "TCP", {std::to_string(p.port)}}};
      wait(run<vcd::task_ref>([&](auto cb) { c_->create_app_port_profile(prof, cb); }));
      auto found = h_.vcd().find("appPortProfile", prof.name);
      ASSERT_EQ(found.size(), 1u);
      vcd::nat_rule rule;
      rule.name = names.dnat_rule;
      rule.external_addresses = ext;
      rule.internal_addresses = vip;
      rule.dnat_external_port = std::to_string(p.port);
      rule.application_port_profile = {prof.name, found[0]};
      wait(run<vcd::task_ref>([&](auto cb) { c_->create_nat_rule(gw_.id, rule, cb); }));
    }
    vcd::pool pool;
    pool.name = names.pool;
    pool.gateway_ref = gw_;
    pool.default_port = p.node_port;
    pool.health_monitors = {{"TCP", "", false}};
    for (const auto& m : members)
      pool.members.push_back({m, p.node_port, 1, true, ""});
    wait(run<vcd::task_ref>([&](auto cb) { c_->create_pool(pool, cb); }));
    auto pool_id = h_.vcd().find("pool", pool.name);
    ASSERT_EQ(pool_id.size(), 1u);
    vcd::virtual_service vs;
    vs.name = names.virtual_service;
    vs.virtual_ip_address = vip;
    vs.gateway_ref = gw_;
    vs.load_balancer_pool_ref = {pool.name, pool_id[0]};
    vs.service_engine_group_ref = seg_;
    vs.app_profile = {"System-L4-Application", "L4", true};
    vs.service_ports = {{p.port, 0, false, {"TCP_PROXY", "", true}}};
    wait(run<vcd::task_ref>([&](auto cb) { c_->create_virtual_service(vs, cb); }));
  }

private:
  harness& h_;
  std::shared_ptr<vcd::beast_client> c_;
  vcd::entity_ref gw_;
  std::string vdc_;
  vcd::entity_ref seg_;
};

/// Ids of every VS, pool, NAT rule and non-system profile, by kind and name.
std::map<std::string, std::string> ids(vcd::sim::core& vcd) {
  std::map<std::string, std::string> out;
  auto dump = vcd.dump();
  for (const char* list : {"virtual_services", "pools", "nat_rules", "app_port_profiles"})
    for (const auto& o : dump.at(list).as_array()) {
      const auto& obj = o.as_object();
      if (auto* scope = obj.if_contains("scope"); scope && scope->as_string() == "SYSTEM")
        continue;
      out[std::string{list} + "/" + std::string{obj.at("name").as_string()}] =
        std::string{obj.at("id").as_string()};
    }
  return out;
}

TEST_P(modes, objects_with_upstream_names_are_adopted_in_place_and_managed) {
  const bool one_arm = GetParam() != config::lb_mode::c;
  auto svc = lb_service("shop", "legacy", {tcp("http", 80, 30080), tcp("tcp8080", 8080, 30880)});
  const std::string ext = "203.0.113.60";
  const std::vector<std::string> members{"10.0.0.11", "10.0.0.12", "10.0.0.13"};
  {
    upstream_writer up{h};
    for (size_t i = 0; i < svc.ports.size(); ++i) {
      std::string vip = !one_arm                           ? ext
                        : GetParam() == config::lb_mode::b ? "192.168.8.50"
                                                           : "192.168.8." + std::to_string(50 + i);
      up.port(svc.key.name, svc.ports[i], ext, vip, members, one_arm);
    }
  }
  // What the upstream provider left in the Service: the finalizer and the ingress IP.
  auto seeded = svc;
  seeded.has_finalizer = true;
  seeded.ingress_ips = {ext};
  h.api().seed(seeded);
  auto before = ids(h.vcd());
  ASSERT_EQ(before.size(), one_arm ? 8u : 4u);
  h.vcd().reset_stats();

  h.start_engine();
  name_fn upstream = [&](const service_key& key, const std::string& port) {
    return key == svc.key ? naming::upstream_names(cluster_id, key.name, port)
                          : naming::namespaced_names(cluster_id, key, port);
  };
  expect_converged("adopted", upstream);
  EXPECT_EQ(ids(h.vcd()), before) << "adoption must not delete and recreate";
  EXPECT_EQ(count_object_requests("DELETE"), 0u);
  EXPECT_EQ(count_object_requests("POST"), 0u);
  // Nor rewritten: upstream's objects carry no owner marker in their description, and that is
  // not drift.
  EXPECT_EQ(count_object_requests("PUT"), 0u);
  EXPECT_EQ(h.api().ip_of(svc.key), ext);

  // Managed from now on: a NodePort change updates the adopted pool in place.
  svc.ports[0].node_port = 31080;
  h.api().apply(svc);
  expect_converged("NodePort of an adopted port", upstream);
  EXPECT_EQ(ids(h.vcd()), before);
  // A new port gets vcdlb's own names, next to the adopted ones.
  svc.ports.push_back(tcp("extra", 9090, 30990));
  h.api().apply(svc);
  name_fn mixed = [&](const service_key& key, const std::string& port) {
    return port == "extra" ? naming::namespaced_names(cluster_id, key, port) : upstream(key, port);
  };
  expect_converged("new port on an adopted Service", mixed);
  EXPECT_EQ(h.api().ip_of(svc.key), ext);
  h.api().request_delete(svc.key);
  expect_converged("adopted Service deleted");
}

// Issue 13: on an IP Space gateway the upstream provider's objects and its allocation (its claim
// marker, USED_MANUAL) are kept as they are: no object request, no allocation request.
class ip_space_modes : public ::testing::TestWithParam<config::lb_mode> {
protected:
  static harness_options options() {
    harness_options o{GetParam()};
    o.edit_scenario = [](vcd::sim::scenario& s) {
      use_ip_spaces(s);
      s.ip_spaces.back().allocations.push_back(
        {"org1", "203.0.113.60", "USED_MANUAL",
         naming::ip_claim_marker(cluster_id, {"shop", "legacy"}), ""});
    };
    return o;
  }
  harness h{options()};
};

TEST_P(ip_space_modes, upstream_objects_and_allocation_are_adopted_with_no_request) {
  h.api().apply_node(worker("w1", "10.0.0.11"));
  const bool one_arm = GetParam() != config::lb_mode::c;
  auto svc = lb_service("shop", "legacy", {tcp("http", 80, 30080)});
  const std::string ext = "203.0.113.60";
  {
    upstream_writer up{h};
    up.port(svc.key.name, svc.ports[0], ext, one_arm ? "192.168.8.50" : ext, {"10.0.0.11"},
            one_arm);
  }
  auto seeded = svc;
  seeded.has_finalizer = true;
  seeded.ingress_ips = {ext};
  h.api().seed(seeded);
  auto before = ids(h.vcd());
  h.vcd().reset_stats();
  h.start_engine();
  name_fn upstream = [&](const service_key& key, const std::string& port) {
    return naming::upstream_names(cluster_id, key.name, port);
  };
  auto p = h.converge(upstream);
  EXPECT_TRUE(p.empty()) << join(p);
  EXPECT_EQ(ids(h.vcd()), before);
  EXPECT_EQ(h.api().ip_of(svc.key), ext);
  size_t mutations = 0;
  for (const auto& r : h.vcd().request_log())
    if (r.method != "GET" && r.category == "mutation")
      ++mutations;
  EXPECT_EQ(mutations, 0u) << "no object and no allocation request on takeover";
  auto dump = h.vcd().dump();
  const auto& allocs = dump.at("ip_spaces").at(0).at("allocations").as_array();
  ASSERT_EQ(allocs.size(), 1u);
  EXPECT_EQ(allocs[0].at("description").as_string(), naming::ip_claim_marker(cluster_id, svc.key));

  // Deleted: objects, then the allocation (the IP goes back to the space).
  h.api().request_delete(svc.key);
  p = h.converge(upstream);
  EXPECT_TRUE(p.empty()) << join(p);
  // The release runs after the finalizer is gone (two org-scoped tasks).
  EXPECT_TRUE(h.eventually(
    [&] { return h.vcd().dump().at("ip_spaces").at(0).at("allocations").as_array().empty(); }))
    << "the allocation went back to the space";
}

INSTANTIATE_TEST_SUITE_P(integration, ip_space_modes,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         [](const auto& info) {
                           return std::string{config::to_string(info.param)};
                         });

// -- drift -----------------------------------------------------------------------------------

// Issue 17: a port-number edit and a port rename update the objects in place (PUT): the VCD
// ids stay, and the simulator sees no DELETE and no POST of an object.
TEST_P(modes, a_port_edit_updates_its_objects_in_place) {
  const bool one_arm = GetParam() != config::lb_mode::c;
  h.start_engine();
  auto svc = lb_service("shop", "edit", {tcp("a", 80, 30080), tcp("b", 81, 30081)});
  h.api().apply(svc);
  expect_converged("create");
  const auto ip = h.api().ip_of(svc.key);
  auto ids_of = [&](const std::string& port) {
    auto names = naming::namespaced_names(cluster_id, svc.key, port);
    std::vector<std::vector<std::string>> ids{h.vcd().find("virtualService", names.virtual_service),
                                              h.vcd().find("pool", names.pool)};
    if (one_arm) {
      ids.push_back(h.vcd().find("natRule", names.dnat_rule));
      ids.push_back(h.vcd().find("appPortProfile", names.app_port_profile));
    }
    return ids;
  };
  const auto before = ids_of("a");
  for (const auto& found : before)
    ASSERT_EQ(found.size(), 1u);
  h.vcd().reset_stats();

  svc.ports[0].port = 8080;
  h.api().apply(svc);
  expect_converged("port renumbered");
  EXPECT_EQ(ids_of("a"), before) << "a renumbered port keeps its objects";
  EXPECT_EQ(count_object_requests("DELETE"), 0u);
  EXPECT_EQ(count_object_requests("POST"), 0u);
  EXPECT_GT(count_object_requests("PUT"), 0u);

  svc.ports[0].name = "web";
  h.api().apply(svc);
  expect_converged("port renamed");
  EXPECT_EQ(ids_of("web"), before) << "a renamed port keeps its objects";
  for (const auto& found : ids_of("a"))
    EXPECT_TRUE(found.empty()) << "no object keeps the old name";
  EXPECT_EQ(count_object_requests("DELETE"), 0u);
  EXPECT_EQ(count_object_requests("POST"), 0u);
  EXPECT_EQ(h.api().ip_of(svc.key), ip);
  EXPECT_EQ(h.vcd().stats().rejections.count("vip_port_conflict"), 0u);
  EXPECT_EQ(h.vcd().stats().dnat_overlaps, 0u);

  // Both at once cannot be told from a new port: replaced, and still converged.
  svc.ports[0].name = "w2";
  svc.ports[0].port = 8081;
  h.api().apply(svc);
  expect_converged("port renamed and renumbered");
}

// Objects deleted or edited behind the engine's back come back on the next resync, without a
// restart, and the IP stays.
TEST_P(modes, objects_deleted_or_edited_behind_the_engines_back_are_repaired_on_resync) {
  const bool one_arm = GetParam() != config::lb_mode::c;
  h.start_engine();
  auto svc = lb_service("shop", "drift", {tcp("a", 80, 30080), tcp("b", 81, 30081)});
  h.api().apply(svc);
  expect_converged("create");
  const auto ip = h.api().ip_of(svc.key);
  auto names_a = naming::namespaced_names(cluster_id, svc.key, "a");
  auto names_b = naming::namespaced_names(cluster_id, svc.key, "b");
  auto remove = [&](const char* kind, const std::string& name) {
    auto found = h.vcd().find(kind, name);
    ASSERT_EQ(found.size(), 1u) << name;
    ASSERT_TRUE(h.vcd().remove_object(found[0]));
  };
  remove("virtualService", names_a.virtual_service);
  remove("pool", names_a.pool);
  if (one_arm)
    remove("natRule", names_b.dnat_rule);
  // An edit: port b's pool loses its members.
  auto pool_b = h.vcd().find("pool", names_b.pool);
  ASSERT_EQ(pool_b.size(), 1u);
  ASSERT_TRUE(
    h.vcd().patch_object(pool_b[0], boost::json::object{{"members", boost::json::array{}}}));
  ASSERT_FALSE(h.problems().empty());
  h.current()->resync();
  expect_converged("repaired by resync");
  EXPECT_EQ(h.api().ip_of(svc.key), ip);
  EXPECT_EQ(h.vcd().find("pool", names_b.pool), pool_b) << "an edited object is updated in place";
}

// A Service removed while no controller ran (its finalizer dropped by hand) leaves objects
// nobody owns: the next engine's first full list sweeps them and frees the IP.
TEST_P(modes, objects_of_a_service_removed_while_the_engine_was_down_are_swept) {
  h.start_engine();
  auto gone = lb_service("shop", "gone", {tcp("a", 80, 30080), udp("b", 53, 30053)});
  auto kept = lb_service("shop", "kept", {tcp("a", 80, 31080)});
  h.api().apply(gone);
  h.api().apply(kept);
  expect_converged("two Services");
  h.stop_engine();
  h.api().force_delete(gone.key);
  h.start_engine();
  expect_converged("swept");
}

// VCD leaves an object whose task failed in place, REALIZATION_FAILED (vcd-cloudapi.md §3.3):
// it has the right name but does nothing, so it must be replaced (or updated until realized).
TEST_P(modes, objects_whose_task_failed_are_replaced) {
  if (known_engine_bugs::keeps_realization_failed_objects)
    GTEST_SKIP() << "engine bug: an object left REALIZATION_FAILED by a failed task is taken "
                    "as converged (lb_objects carry no status), so the Service never gets a "
                    "working object; see the report";
  h.start_engine();
  settle();
  auto f = h.vcd().faults();
  f.task_failure_rate = 1.0;
  h.vcd().set_faults(f);
  h.api().apply(lb_service("shop", "flaky", {tcp("a", 80, 30080)}));
  ASSERT_TRUE(h.eventually([&] { return h.vcd().stats().tasks_failed >= 1; }));
  f.task_failure_rate = 0;
  h.vcd().set_faults(f);
  expect_converged("after a failed task");
}

// A claim on a shared IP's listener must go when the port goes, also when the object for it
// was never created (its plan failed after the claim was granted). Otherwise the sibling that
// takes the port over waits for a claim nobody will ever release (DESIGN.md invariants 3, 6).
TEST_P(modes, a_port_given_up_before_its_object_existed_frees_its_claim) {
  if (known_engine_bugs::leaks_claims_of_ports_never_created)
    GTEST_SKIP() << "engine bug: listener claims are released only for objects a plan "
                    "removed (freed_listeners), never for claims whose port left the spec "
                    "before its object was made; see the report";
  h.start_engine();
  settle();
  auto x = lb_service("shop", "x", {tcp("a", 80, 30080)});
  x.annotations.sharing_key = "k";
  auto y = lb_service("shop", "y", {tcp("b", 81, 30081)});
  y.annotations.sharing_key = "k";
  h.api().apply(y);
  expect_converged("y alone");
  // x claims 80 on the shared IP, but its objects cannot be made.
  auto f = h.vcd().faults();
  f.task_failure_rate = 1.0;
  h.vcd().set_faults(f);
  h.api().apply(x);
  ASSERT_TRUE(h.eventually([&] { return h.vcd().stats().tasks_failed >= 1; }));
  // x gives 80 up, y takes it over.
  x.ports = {tcp("a", 82, 30082)};
  h.api().apply(x);
  f.task_failure_rate = 0;
  h.vcd().set_faults(f);
  y.ports.push_back(tcp("c", 80, 30090));
  h.api().apply(y);
  auto lenient = known_engine_bugs::keeps_realization_failed_objects;
  auto p = h.converge();
  if (lenient)
    std::erase_if(
      p, [](const std::string& x) { return x.find("REALIZATION_FAILED") != std::string::npos; });
  EXPECT_TRUE(p.empty()) << join(p);
  EXPECT_EQ(h.api().ip_of(x.key), h.api().ip_of(y.key));
}

// externalTrafficPolicy: Local: the pools hold the nodes with a ready endpoint and follow the
// pods as they move, one in-place pool update per pool and move; with no ready endpoint the
// pools keep their members (also across a restart); back to Cluster, every eligible node.
TEST_P(modes, local_traffic_policy_pools_follow_the_ready_endpoints) {
  auto svc = lb_service("shop", "local", {tcp("a", 80, 30080), tcp("b", 81, 30081)});
  svc.local_traffic_policy = true;
  h.api().apply_slice({svc.key, "local-1", {"w2"}});
  h.start_engine();
  h.api().apply(svc);
  expect_converged("created on w2 only");
  const auto ip = h.api().ip_of(svc.key);
  auto names = naming::namespaced_names(cluster_id, svc.key, "a");
  const auto pool = h.vcd().find("pool", names.pool);
  auto pool_puts = [&] {
    size_t n = 0;
    for (const auto& r : h.vcd().request_log())
      if (r.method == "PUT" && r.route.find("/loadBalancer/pools/") != std::string::npos)
        ++n;
    return n;
  };
  auto before = pool_puts();
  h.api().apply_slice({svc.key, "local-1", {"w3"}}); // the pod moved
  expect_converged("moved to w3");
  EXPECT_EQ(pool_puts() - before, 2u) << "one update per pool";
  before = pool_puts();
  h.api().apply_slice({svc.key, "local-2", {"w1", "cp1"}}); // scaled up; cp1 is no backend
  expect_converged("w1 and w3");
  EXPECT_EQ(pool_puts() - before, 2u);
  EXPECT_EQ(h.vcd().find("pool", names.pool), pool) << "updated in place";
  // Scaled to zero: the pools keep their members, nothing is written.
  before = pool_puts();
  h.api().remove_slice(svc.key, "local-1");
  h.api().apply_slice({svc.key, "local-2", {}});
  expect_converged("no ready endpoint");
  EXPECT_EQ(pool_puts(), before);
  h.stop_engine();
  h.start_engine();
  expect_converged("restart without ready endpoints");
  h.api().apply_slice({svc.key, "local-2", {"w1"}});
  expect_converged("ready again on w1");
  svc.local_traffic_policy = false;
  h.api().apply(svc);
  expect_converged("back to Cluster");
  EXPECT_EQ(h.api().ip_of(svc.key), ip);
}

// loadBalancerSourceRanges on the edge firewall, with another owner's IP set and rules on the
// gateway from the start: created with the Service (its rules on top, the others' untouched and
// in order), changed (field, then the legacy annotation; an invalid list keeps the rules),
// repaired after an out-of-band delete, removed with the field and with the Service.
class source_range_modes : public ::testing::TestWithParam<config::lb_mode> {
protected:
  static harness_options options() {
    harness_options o{GetParam()};
    o.edit_scenario = [](vcd::sim::scenario& s) {
      auto& gw = s.orgs.at(0).vdcs.at(0).edge_gateways.at(0);
      // Ids given: the scenario derives missing ones only when it is loaded from YAML.
      gw.ip_sets.push_back({"office",
                            "urn:vcloud:firewallGroup:5e1f0c2a-0000-4000-8000-00000000a001",
                            {"192.0.2.0/24"}});
      vcd::sim::gateway_firewall_rule ssh;
      ssh.name = "allow-ssh-from-office";
      ssh.id = "5e1f0c2a-0000-4000-8000-00000000b001";
      ssh.sources = {"office"};
      gw.firewall_rules.push_back(ssh);
      vcd::sim::gateway_firewall_rule smtp;
      smtp.name = "block-smtp";
      smtp.action = "DROP";
      smtp.id = "5e1f0c2a-0000-4000-8000-00000000b002";
      gw.firewall_rules.push_back(smtp);
    };
    return o;
  }
  harness h{options()};

  void SetUp() override {
    h.api().apply_node(worker("w1", "10.0.0.11"));
    h.api().apply_node(worker("w2", "10.0.0.12"));
  }

  void expect_converged(const std::string& step) {
    auto p = h.converge();
    EXPECT_TRUE(p.empty()) << step << ": " << join(p);
  }

  // The rules of other owners, in order, as the simulator holds them.
  std::vector<std::pair<std::string, boost::json::value>> others() {
    auto all = firewall_rules_in_order(h.vcd().dump());
    std::erase_if(all, [](const auto& r) { return naming::firewall_owner(r.first, cluster_id); });
    return all;
  }
};

TEST_P(source_range_modes, create_change_repair_and_remove_keep_other_owners_rules) {
  const auto theirs = others();
  ASSERT_EQ(theirs.size(), 2u);
  auto svc = lb_service("shop", "web", {tcp("http", 80, 30080), udp("dns", 53, 30053)});
  svc.load_balancer_source_ranges = {"198.51.100.0/24"};
  h.start_engine();
  h.api().apply(svc);
  expect_converged("created with ranges");
  EXPECT_EQ(others(), theirs);
  const auto names = naming::firewall_names_for(cluster_id, svc.key);
  auto top = firewall_rules_in_order(h.vcd().dump());
  ASSERT_GE(top.size(), 2u);
  EXPECT_EQ(top[0].first, names.allow_rule);
  EXPECT_EQ(top[1].first, names.drop_rule);
  // Changed in the field, then through the legacy annotation.
  svc.load_balancer_source_ranges = {"198.51.100.0/24", "203.0.113.0/28"};
  h.api().apply(svc);
  expect_converged("more ranges");
  svc.load_balancer_source_ranges.clear();
  svc.annotations.source_ranges = "10.0.0.0/8";
  h.api().apply(svc);
  expect_converged("ranges from the annotation");
  EXPECT_EQ(others(), theirs);
  // An invalid list: the rules of the last valid one stay.
  svc.annotations.source_ranges = "10.0.0.0/8, 300.1.2.3/8";
  h.api().apply(svc);
  ASSERT_TRUE(h.eventually([&] {
    auto r = h.api().reasons(svc.key);
    return std::find(r.begin(), r.end(), "InvalidSourceRanges") != r.end();
  }));
  ASSERT_TRUE(h.quiesce());
  auto sources = h.vcd().find("firewallGroup", names.sources);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(h.vcd().find("firewallRule", names.drop_rule).size(), 1u);
  svc.annotations.source_ranges = "10.0.0.0/8";
  h.api().apply(svc);
  expect_converged("valid again");
  // Someone deletes the DROP rule: the Service's next reconcile (here a node change) puts it
  // back on top.
  auto drop = h.vcd().find("firewallRule", names.drop_rule);
  ASSERT_EQ(drop.size(), 1u);
  ASSERT_TRUE(h.vcd().remove_object(drop.front()));
  h.api().apply_node(worker("w3", "10.0.0.13"));
  expect_converged("DROP rule repaired");
  EXPECT_EQ(others(), theirs);
  // Cleared: the firewall objects go, the load balancer stays.
  svc.annotations.source_ranges.clear();
  h.api().apply(svc);
  expect_converged("ranges cleared");
  EXPECT_TRUE(h.vcd().find("firewallGroup", names.sources).empty());
  EXPECT_EQ(others(), theirs);
  // Ranges again, then the Service goes: so do its rules.
  svc.load_balancer_source_ranges = {"10.0.0.0/8"};
  h.api().apply(svc);
  expect_converged("ranges again");
  h.api().request_delete(svc.key);
  expect_converged("deleted");
  EXPECT_TRUE(h.vcd().find("firewallRule", names.allow_rule).empty());
  EXPECT_EQ(others(), theirs);
}

INSTANTIATE_TEST_SUITE_P(integration, source_range_modes,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         mode_name);

INSTANTIATE_TEST_SUITE_P(integration, modes,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         mode_name);

} // namespace
