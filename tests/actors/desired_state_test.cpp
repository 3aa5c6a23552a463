#include "actors/desired_state.hpp"

#include <gtest/gtest.h>

#include "actors/naming.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using config::lb_mode;

constexpr const char* cid = "urn:vcloud:entity:vmware:capvcdCluster:1234";

engine_settings settings(lb_mode mode) {
  engine_settings s;
  s.mode = mode;
  s.cluster_id = cid;
  s.cert_alias = "cluster-cert";
  return s;
}

service_spec two_port_service() {
  service_spec svc;
  svc.key = {"shop", "web"};
  svc.type = service_type::load_balancer;
  svc.ports = {{"http", ip_protocol::tcp, 80, 30080, ""},
               {"https", ip_protocol::tcp, 443, 30443, ""}};
  return svc;
}

const std::vector<std::string> members{"10.0.0.1", "10.0.0.2"};

service_plan plan_of(const service_spec& svc, lb_mode mode = lb_mode::c) {
  auto p = plan_ports(svc, settings(mode));
  EXPECT_TRUE(p) << describe(p.error());
  return p ? *p : service_plan{};
}

caf::error plan_error(const service_spec& svc, lb_mode mode = lb_mode::c) {
  auto p = plan_ports(svc, settings(mode));
  EXPECT_FALSE(p);
  return p ? caf::error{} : p.error();
}

TEST(desired_state, mode_c_one_vs_and_pool_per_port_on_the_external_ip) {
  auto svc = two_port_service();
  auto plan = plan_of(svc);
  auto objs =
    desired_objects(svc.key, plan, members, {"203.0.113.5", {}}, settings(lb_mode::c), {});
  ASSERT_TRUE(objs) << describe(objs.error());
  EXPECT_TRUE(objs->dnat_rules.empty());
  EXPECT_TRUE(objs->profiles.empty());
  ASSERT_EQ(objs->pools.size(), 2u);
  ASSERT_EQ(objs->virtual_services.size(), 2u);
  auto http = naming::namespaced_names(cid, svc.key, "http");
  const auto& vs = objs->virtual_services[0]; // sorted by name: "...http" < "...https"
  EXPECT_EQ(vs, (virtual_service_desc{"", http.virtual_service, "203.0.113.5", ip_protocol::tcp, 80,
                                      app_profile::l4, false, "", http.pool}));
  EXPECT_EQ(objs->pools[0], (pool_desc{"", http.pool, 30080, members, true}));
  EXPECT_EQ(objs->virtual_services[1].port, 443);
  EXPECT_EQ(objs->virtual_services[1].vip, "203.0.113.5");
}

TEST(desired_state, mode_b_shares_one_internal_ip_behind_per_port_dnat) {
  auto svc = two_port_service();
  auto plan = plan_of(svc, lb_mode::b);
  EXPECT_EQ(plan.internal_slots(lb_mode::b), (std::vector<std::string>{""}));
  ip_assignment ips{"203.0.113.5", {{"", "192.168.8.2"}}};
  auto objs = desired_objects(svc.key, plan, members, ips, settings(lb_mode::b), {});
  ASSERT_TRUE(objs) << describe(objs.error());
  ASSERT_EQ(objs->dnat_rules.size(), 2u);
  ASSERT_EQ(objs->profiles.size(), 2u);
  auto https = naming::namespaced_names(cid, svc.key, "https");
  EXPECT_EQ(objs->dnat_rules[1], (dnat_rule_desc{"", https.dnat_rule, "203.0.113.5", "192.168.8.2",
                                                 ip_protocol::tcp, 443, https.app_port_profile}));
  EXPECT_EQ(objs->profiles[1],
            (app_port_profile_desc{"", https.app_port_profile, ip_protocol::tcp, 443}));
  for (const auto& vs : objs->virtual_services)
    EXPECT_EQ(vs.vip, "192.168.8.2");
}

TEST(desired_state, mode_a_gives_each_port_its_own_internal_ip) {
  auto svc = two_port_service();
  auto plan = plan_of(svc, lb_mode::a);
  EXPECT_EQ(plan.internal_slots(lb_mode::a), (std::vector<std::string>{"http", "https"}));
  EXPECT_TRUE(plan.internal_slots(lb_mode::c).empty());
  ip_assignment ips{"203.0.113.5", {{"http", "192.168.8.2"}, {"https", "192.168.8.3"}}};
  auto objs = desired_objects(svc.key, plan, members, ips, settings(lb_mode::a), {});
  ASSERT_TRUE(objs) << describe(objs.error());
  EXPECT_EQ(objs->virtual_services[0].vip, "192.168.8.2");
  EXPECT_EQ(objs->virtual_services[1].vip, "192.168.8.3");
  EXPECT_EQ(objs->dnat_rules[0].internal_ip, "192.168.8.2");
  EXPECT_EQ(objs->dnat_rules[1].internal_ip, "192.168.8.3");
  EXPECT_EQ(objs->dnat_rules[1].external_ip, "203.0.113.5");
  EXPECT_EQ(objs->size(), 8u);
}

TEST(desired_state, missing_ips_are_reported_not_guessed) {
  auto svc = two_port_service();
  auto plan = plan_of(svc, lb_mode::a);
  auto objs = desired_objects(svc.key, plan, members, {"203.0.113.5", {{"http", "192.168.8.2"}}},
                              settings(lb_mode::a), {});
  ASSERT_FALSE(objs);
  EXPECT_TRUE(has_code(objs.error(), lb_errc::ip_unavailable));
  objs = desired_objects(svc.key, plan, members, {}, settings(lb_mode::c), {});
  EXPECT_TRUE(has_code(objs.error(), lb_errc::ip_unavailable));
}

TEST(desired_state, adopted_ports_keep_upstream_names) {
  auto svc = two_port_service();
  auto plan = plan_of(svc, lb_mode::b);
  ip_assignment ips{"203.0.113.5", {{"", "192.168.8.2"}}};
  auto objs = desired_objects(svc.key, plan, members, ips, settings(lb_mode::b), {"http"});
  ASSERT_TRUE(objs);
  auto up = naming::upstream_names(cid, "web", "http");
  auto own = naming::namespaced_names(cid, svc.key, "https");
  auto has_vs = [&](const std::string& name) {
    for (const auto& vs : objs->virtual_services)
      if (vs.name == name)
        return true;
    return false;
  };
  EXPECT_TRUE(has_vs(up.virtual_service));
  EXPECT_TRUE(has_vs(own.virtual_service));
  bool found = false;
  for (const auto& d : objs->dnat_rules)
    if (d.name == up.dnat_rule) {
      found = true;
      EXPECT_EQ(d.profile_name, up.app_port_profile);
    }
  EXPECT_TRUE(found);
}

TEST(desired_state, upstream_naming_scheme_is_honoured) {
  auto svc = two_port_service();
  auto s = settings(lb_mode::c);
  s.naming = config::naming_scheme::upstream;
  auto objs = desired_objects(svc.key, plan_of(svc), members, {"203.0.113.5", {}}, s, {});
  ASSERT_TRUE(objs);
  EXPECT_EQ(objs->virtual_services[0].name,
            naming::upstream_names(cid, "web", "http").virtual_service);
}

TEST(desired_state, udp_ports_get_l4_without_monitor) {
  auto svc = two_port_service();
  svc.ports = {{"dns-tcp", ip_protocol::tcp, 53, 30053, ""},
               {"dns", ip_protocol::udp, 53, 31053, ""}};
  auto plan = plan_of(svc);
  EXPECT_EQ(plan.ports[1],
            (port_plan{"dns", ip_protocol::udp, 53, 31053, app_profile::l4, false, false}));
  EXPECT_TRUE(plan.ports[0].tcp_health_monitor);
  auto ls = plan.listeners();
  EXPECT_EQ(ls[1], (listener_key{"", ip_protocol::udp, 53}));
  auto objs = desired_objects(svc.key, plan, members, {"203.0.113.5", {{"", "192.168.8.9"}}},
                              settings(lb_mode::b), {});
  ASSERT_TRUE(objs);
  ASSERT_EQ(objs->profiles.size(), 2u);
  auto udp_names = naming::namespaced_names(cid, svc.key, "dns");
  for (const auto& p : objs->profiles)
    EXPECT_EQ(p.protocol,
              p.name == udp_names.app_port_profile ? ip_protocol::udp : ip_protocol::tcp)
      << p.name; // the DNAT must match UDP traffic for the UDP port
  for (const auto& d : objs->dnat_rules)
    EXPECT_EQ(d.protocol, d.name == udp_names.dnat_rule ? ip_protocol::udp : ip_protocol::tcp);
}

TEST(desired_state, app_protocol_selects_profile) {
  auto svc = two_port_service();
  svc.ports[0].app_protocol = "HTTP";
  svc.ports[1].app_protocol = "https";
  svc.annotations.ssl_cert_alias = "web-cert";
  auto plan = plan_of(svc);
  EXPECT_EQ(plan.ports[0].profile, app_profile::http);
  EXPECT_FALSE(plan.ports[0].ssl);
  EXPECT_EQ(plan.ports[1].profile, app_profile::https);
  EXPECT_TRUE(plan.ports[1].ssl); // HTTPS always terminates: VCD needs the certificate
  EXPECT_EQ(plan.cert_alias, "web-cert");
  svc.ports[0].app_protocol = "kubernetes.io/h2c"; // unknown values mean L4
  EXPECT_EQ(plan_of(svc).ports[0].profile, app_profile::l4);
  svc.ports[0].app_protocol = "tcp";
  EXPECT_EQ(plan_of(svc).ports[0].profile, app_profile::l4);
}

TEST(desired_state, ssl_ports_annotation_turns_l4_into_l4_tls_with_cert) {
  auto svc = two_port_service();
  svc.annotations.ssl_ports = "443";
  auto plan = plan_of(svc);
  EXPECT_EQ(plan.ports[0].profile, app_profile::l4);
  EXPECT_FALSE(plan.ports[0].ssl);
  EXPECT_EQ(plan.ports[1].profile, app_profile::l4_tls);
  EXPECT_TRUE(plan.ports[1].ssl);
  EXPECT_EQ(plan.cert_alias, "cluster-cert"); // config default when no annotation
  auto objs =
    desired_objects(svc.key, plan, members, {"203.0.113.5", {}}, settings(lb_mode::c), {});
  ASSERT_TRUE(objs);
  EXPECT_EQ(objs->virtual_services[0].cert_alias, "");
  EXPECT_EQ(objs->virtual_services[1].cert_alias, "cluster-cert");
  // Whitespace and unknown ports are tolerated (upstream ignores ports it does not serve).
  svc.annotations.ssl_ports = " 443 , 8443";
  EXPECT_TRUE(plan_of(svc).ports[1].ssl);
}

TEST(desired_state, http_port_listed_as_ssl_keeps_http_profile_with_ssl) {
  auto svc = two_port_service();
  svc.ports[1].app_protocol = "http";
  svc.annotations.ssl_ports = "443";
  auto plan = plan_of(svc);
  EXPECT_EQ(plan.ports[1].profile, app_profile::http);
  EXPECT_TRUE(plan.ports[1].ssl);
}

TEST(desired_state, no_termination_forces_plain_l4) {
  auto svc = two_port_service();
  svc.ports[0].app_protocol = "http";
  svc.ports[1].app_protocol = "https";
  svc.annotations.ssl_ports = "80,443";
  svc.annotations.ssl_no_termination = "True";
  auto plan = plan_of(svc);
  for (const auto& p : plan.ports) {
    EXPECT_EQ(p.profile, app_profile::l4);
    EXPECT_FALSE(p.ssl);
    EXPECT_TRUE(p.tcp_health_monitor);
  }
  EXPECT_EQ(plan.cert_alias, "");
  svc.annotations.ssl_no_termination = "false";
  EXPECT_EQ(plan_of(svc).ports[0].profile, app_profile::http);
}

TEST(desired_state, no_termination_accepts_what_upstream_accepts) {
  // Upstream: strings.ToLower(value) == "true" skips termination; any other value is accepted
  // and means "terminate as usual" (no error, as a drop-in must not refuse those Services).
  auto svc = two_port_service();
  svc.ports[0].app_protocol = "http";
  svc.annotations.ssl_ports = "80";
  for (const char* on : {"true", "TRUE", "tRuE"}) {
    svc.annotations.ssl_no_termination = on;
    auto p = plan_ports(svc, settings(lb_mode::c));
    ASSERT_TRUE(p) << on;
    EXPECT_EQ(p->ports[0].profile, app_profile::l4) << on;
    EXPECT_FALSE(p->ports[0].ssl) << on;
  }
  const std::string one_mib(size_t{1} << 20, 't');
  for (const std::string off :
       {"", "false", "yes", "1", " true", "true\n", "\xE2\x9C\x93", one_mib.c_str()}) {
    svc.annotations.ssl_no_termination = off;
    auto p = plan_ports(svc, settings(lb_mode::c));
    ASSERT_TRUE(p) << off.substr(0, 16);
    EXPECT_EQ(p->ports[0].profile, app_profile::http) << off.substr(0, 16);
    EXPECT_TRUE(p->ports[0].ssl) << off.substr(0, 16);
  }
}

TEST(desired_state, ssl_without_any_cert_alias_is_invalid) {
  auto svc = two_port_service();
  svc.annotations.ssl_ports = "443";
  auto s = settings(lb_mode::c);
  s.cert_alias.clear();
  auto p = plan_ports(svc, s);
  ASSERT_FALSE(p);
  EXPECT_TRUE(has_code(p.error(), lb_errc::invalid_service));
  EXPECT_NE(error_detail(p.error()).find("certificate alias"), std::string::npos);
}

TEST(desired_state, bad_services_are_refused_with_a_message) {
  struct bad_case {
    const char* what;
    std::function<void(service_spec&)> edit;
    const char* needle;
  };
  const std::vector<bad_case> cases{
    {"no ports", [](service_spec& s) { s.ports.clear(); }, "no ports"},
    {"sctp", [](service_spec& s) { s.ports[0].protocol = ip_protocol::sctp; }, "SCTP"},
    {"dup port", [](service_spec& s) { s.ports[1].port = 80; }, "listed twice"},
    {"dup name", [](service_spec& s) { s.ports[1].name = "http"; }, "used twice"},
    {"no nodePort", [](service_spec& s) { s.ports[1].node_port = 0; }, "no nodePort"},
    {"bad nodePort", [](service_spec& s) { s.ports[1].node_port = 70000; }, "nodePort"},
    {"bad port", [](service_spec& s) { s.ports[1].port = 0; }, "1-65535"},
    {"bad name", [](service_spec& s) { s.ports[1].name = "Web.Port"; }, "port name"},
    {"ssl ports", [](service_spec& s) { s.annotations.ssl_ports = "443;80"; }, "ssl-ports"},
    {"ssl ports empty item", [](service_spec& s) { s.annotations.ssl_ports = "443,"; },
     "ssl-ports"},
    {"ssl port range", [](service_spec& s) { s.annotations.ssl_ports = "99999"; }, "ssl-ports"},
    {"lb ip", [](service_spec& s) { s.load_balancer_ip = "10.0.0.300"; }, "loadBalancerIP"},
    {"udp ssl",
     [](service_spec& s) {
       s.ports[1].protocol = ip_protocol::udp;
       s.annotations.ssl_ports = "443";
     },
     "UDP"},
  };
  for (const auto& c : cases) {
    auto svc = two_port_service();
    c.edit(svc);
    auto err = plan_error(svc);
    EXPECT_TRUE(has_code(err, lb_errc::invalid_service)) << c.what << ": " << describe(err);
    EXPECT_NE(error_detail(err).find(c.needle), std::string::npos)
      << c.what << ": " << describe(err);
  }
}

TEST(desired_state, shared_modes_are_refused_on_old_vcd) {
  auto svc = two_port_service();
  for (auto mode : {lb_mode::b, lb_mode::c}) {
    auto s = settings(mode);
    s.shared_vip_supported = false;
    auto p = plan_ports(svc, s);
    ASSERT_FALSE(p);
    EXPECT_TRUE(has_code(p.error(), vcd_errc::unsupported));
    EXPECT_NE(error_detail(p.error()).find("37.0"), std::string::npos);
  }
  auto s = settings(lb_mode::a);
  s.shared_vip_supported = false;
  EXPECT_TRUE(plan_ports(svc, s));
}

TEST(desired_state, unnamed_single_port_works_in_every_mode) {
  auto svc = two_port_service();
  svc.ports = {{"", ip_protocol::tcp, 8080, 31000, ""}};
  for (auto mode : {lb_mode::a, lb_mode::b, lb_mode::c}) {
    auto plan = plan_of(svc, mode);
    ip_assignment ips{"203.0.113.5", {{"", "192.168.8.2"}}};
    auto objs = desired_objects(svc.key, plan, members, ips, settings(mode), {});
    ASSERT_TRUE(objs) << describe(objs.error());
    EXPECT_EQ(objs->virtual_services.size(), 1u);
  }
}

} // namespace
