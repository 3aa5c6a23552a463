// The cluster's RDE (`status.cpi`) kept by the real engine over HTTPS against the simulator:
// per mode, after create, edit and delete, status.cpi lists exactly this cluster's objects on
// the gateway (virtual IPs included); a 100-Service wave with the simulator's second writer
// changing status.capvcd keeps both writers' changes; restarts in the middle of a wave
// converge to the gateway's truth; a wave costs a handful of RDE writes. With a CSE 3
// nativeCluster id, status.virtual_IPs follows the Services' external IPs the same way.

#include <algorithm>
#include <iostream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/rde/cpi_status.hpp"
#include "actors/rde/native_status.hpp"
#include "tests/integration/harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vcdlb;
using namespace vcdlb::integration;
namespace json = boost::json;

std::string text(const json::value& o, const char* key) {
  const auto* v = o.as_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

// One `vcdResourceSet` item, comparable: a DNAT rule's id may still be unknown to the engine
// (VCD does not return it on create; it is learnt with the next NAT rule list).
struct item {
  std::string type, name, id, vip;
  friend bool operator<(const item& a, const item& b) {
    return std::tie(a.type, a.name) < std::tie(b.type, b.name);
  }
  friend bool operator==(const item& a, const item& b) {
    return a.type == b.type && a.name == b.name && a.vip == b.vip
           && (a.id == b.id || (a.type == "dnat-rule" && (a.id.empty() || b.id.empty())));
  }
  friend std::ostream& operator<<(std::ostream& os, const item& x) {
    return os << x.type << " " << x.name << " " << x.id << " " << x.vip;
  }
};

// The gateway's truth from the simulator's dump: this cluster's objects as upstream records them.
std::vector<item> truth(const json::value& dump) {
  lb_objects o;
  auto ours = [](const std::string& name) { return naming::parse(name, cluster_id).has_value(); };
  for (const auto& v : dump.at("virtual_services").as_array()) {
    if (!ours(text(v, "name")))
      continue;
    virtual_service_desc d;
    d.id = text(v, "id");
    d.name = text(v, "name");
    d.vip = text(v, "virtualIpAddress");
    d.port = static_cast<int32_t>(
      v.at("servicePorts").as_array().at(0).at("portStart").to_number<int64_t>());
    o.virtual_services.push_back(d);
  }
  for (const auto& p : dump.at("pools").as_array())
    if (ours(text(p, "name")))
      o.pools.push_back({text(p, "id"), text(p, "name"), 0, {}, false, false});
  for (const auto& r : dump.at("nat_rules").as_array()) {
    if (!ours(text(r, "name")))
      continue;
    dnat_rule_desc d;
    d.id = text(r, "id");
    d.name = text(r, "name");
    d.external_ip = text(r, "externalAddresses");
    d.internal_ip = text(r, "internalAddresses");
    const auto& port = r.at("dnatExternalPort");
    d.port = static_cast<int32_t>(port.is_string() ? std::stoi(std::string{port.get_string()})
                                                   : port.to_number<int64_t>());
    o.dnat_rules.push_back(d);
  }
  for (const auto& p : dump.at("app_port_profiles").as_array())
    if (ours(text(p, "name")))
      o.profiles.push_back({text(p, "id"), text(p, "name"), ip_protocol::tcp, 0, false});
  std::vector<item> out;
  for (const auto& r : rde::resources_of(o))
    out.push_back({r.type, r.name, r.id, r.virtual_ip});
  std::sort(out.begin(), out.end());
  return out;
}

const json::value* find_entity(const json::value& dump) {
  for (const auto& e : dump.at("defined_entities").as_array())
    if (text(e, "id") == cluster_id)
      return &e;
  return nullptr;
}

std::vector<item> recorded(const json::value& dump) {
  std::vector<item> out;
  const auto* e = find_entity(dump);
  if (e == nullptr)
    return out;
  auto items = rde::read_resources(json::serialize(*e));
  if (items)
    for (const auto& r : *items)
      out.push_back({r.type, r.name, r.id, r.virtual_ip});
  std::sort(out.begin(), out.end());
  return out;
}

class rde_it : public ::testing::TestWithParam<config::lb_mode> {
protected:
  /// `second_writer_every` > 0: the simulator's second writer on the entity.
  explicit rde_it(int second_writer_every = 0) : h{options(second_writer_every)} {}

  harness_options options(int second_writer_every) {
    harness_options o{GetParam()};
    o.rde_entity = true;
    o.second_writer_every = second_writer_every;
    return o;
  }

  harness h;

  void SetUp() override {
    h.api().apply_node(worker("w1", "10.0.0.11"));
    h.api().apply_node(worker("w2", "10.0.0.12"));
  }

  // Converges the gateway, then waits until status.cpi says what the gateway holds.
  void expect_recorded(const std::string& step, std::chrono::milliseconds bound = 20s) {
    auto p = h.converge({}, bound);
    ASSERT_TRUE(p.empty()) << step << ": " << join(p);
    std::vector<item> want, got;
    h.eventually(
      [&] {
        auto dump = h.vcd().dump();
        want = truth(dump);
        got = recorded(dump);
        return want == got;
      },
      bound);
    EXPECT_EQ(got, want) << step;
  }
};

TEST_P(rde_it, status_cpi_matches_the_gateway_after_create_edit_and_delete) {
  h.start_engine();
  auto svc = lb_service("shop", "web", {tcp("http", 80, 30080), tcp("https", 443, 30443)});
  h.api().apply(svc);
  expect_recorded("create");
  {
    // The start-up event, checked now: later events (retries on a loaded machine) may push it
    // out of the rolling window of 10 by the end.
    auto dump = h.vcd().dump();
    const auto* e = find_entity(dump);
    ASSERT_NE(e, nullptr);
    bool upgraded = false;
    for (const auto& ev : e->at("entity").at("status").at("cpi").at("eventSet").as_array())
      upgraded = upgraded || text(ev, "name") == "CPIStatusRDEUpgraded";
    EXPECT_TRUE(upgraded);
  }
  {
    auto got = recorded(h.vcd().dump());
    EXPECT_EQ(got.size(), GetParam() == config::lb_mode::c ? 4u : 8u);
    auto ip = h.api().ip_of({"shop", "web"});
    for (const auto& i : got) {
      if (i.type == "virtual-service") {
        EXPECT_EQ(i.vip, ip) << "the Service's external IP";
      }
    }
  }
  svc.ports.push_back(tcp("alt", 8443, 30843));
  h.api().apply(svc);
  expect_recorded("port added");
  std::erase_if(svc.ports, [](const service_port& p) { return p.name == "http"; });
  h.api().apply(svc);
  expect_recorded("port removed");
  h.api().request_delete(svc.key);
  expect_recorded("deleted");
  EXPECT_TRUE(recorded(h.vcd().dump()).empty()) << "nothing of the Service is left";
  // Upstream's shape around it: name, version, and the start-up event.
  auto final_dump = h.vcd().dump();
  const auto* e = find_entity(final_dump);
  ASSERT_NE(e, nullptr);
  const auto& cpi = e->at("entity").at("status").at("cpi");
  EXPECT_EQ(text(cpi, "name"), "cloud-controller-manager");
  EXPECT_LE(cpi.at("eventSet").as_array().size(), rde::rolling_window);
}

std::string mode_name(const ::testing::TestParamInfo<config::lb_mode>& info) {
  return "mode_" + std::string{config::to_string(info.param)};
}

INSTANTIATE_TEST_SUITE_P(integration, rde_it,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         mode_name);

// -- concurrency and restarts (mode C) ------------------------------------------------------

class rde_wave : public rde_it {
protected:
  rde_wave() : rde_it(2) {} // CAPVCD writes status.capvcd after every second read

  std::vector<service_spec> wave(int n) {
    std::vector<service_spec> out;
    for (int i = 0; i < n; ++i)
      out.push_back(lb_service("wave", "s" + std::to_string(i), {tcp("http", 80, 30000 + i)}));
    return out;
  }
};

TEST_P(rde_wave, a_second_writer_through_a_100_service_wave_keeps_both_writers_changes) {
  h.start_engine();
  for (const auto& s : wave(100))
    h.api().apply(s);
  expect_recorded("wave", 60s);
  auto dump = h.vcd().dump();
  const auto* e = find_entity(dump);
  ASSERT_NE(e, nullptr);
  auto theirs = e->at("second_writer_writes").to_number<int64_t>();
  EXPECT_GT(theirs, 0) << "the second writer wrote during the wave";
  EXPECT_EQ(e->at("entity").at("status").at("capvcd").at("simSecondWriter").to_number<int64_t>(),
            theirs)
    << "every change of the second writer is still there";
  EXPECT_EQ(recorded(dump).size(), 200u);
  EXPECT_GT(h.rde_stats().conflicts, 0u) << "our writes met 412s and were retried";
  std::cout << "[ rde ] 100-Service wave with a second writer: " << h.rde_stats().writes
            << " writes, " << h.rde_stats().conflicts << " 412 retries, " << theirs
            << " second-writer writes\n";
}

TEST_P(rde_wave, restarts_in_the_middle_of_a_wave_converge_to_the_gateways_truth) {
  h.start_engine();
  auto all = wave(60);
  for (int round = 0; round < 3; ++round) {
    for (int i = round * 20; i < (round + 1) * 20; ++i)
      h.api().apply(all[static_cast<size_t>(i)]);
    std::this_thread::sleep_for(std::chrono::milliseconds{30 + 20 * round});
    h.stop_engine(std::chrono::milliseconds{50}); // as abrupt as the engine allows
    h.start_engine();
  }
  // Some Services deleted while no engine runs: their items must go too.
  h.stop_engine();
  for (int i = 0; i < 10; ++i)
    h.api().request_delete(all[static_cast<size_t>(i)].key);
  h.start_engine();
  expect_recorded("after the restarts", 60s);
  EXPECT_EQ(recorded(h.vcd().dump()).size(), 100u);
}

INSTANTIATE_TEST_SUITE_P(integration, rde_wave, ::testing::Values(config::lb_mode::c), mode_name);

// -- CSE 3 nativeCluster: status.virtual_IPs ------------------------------------------------

constexpr const char* native_cluster_id =
  "urn:vcloud:entity:cse:nativeCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b";

class native_rde_it : public ::testing::TestWithParam<config::lb_mode> {
protected:
  native_rde_it() : h{options()} {}

  harness_options options() {
    harness_options o{GetParam()};
    o.cluster_id = native_cluster_id;
    o.rde_entity = true;
    o.second_writer_every = 2; // the CSE server writes status.nodes after every second read
    return o;
  }

  harness h;

  void SetUp() override {
    h.api().apply_node(worker("w1", "10.0.0.11"));
    h.api().apply_node(worker("w2", "10.0.0.12"));
  }

  const json::value* entity(const json::value& dump) {
    for (const auto& e : dump.at("defined_entities").as_array())
      if (text(e, "id") == native_cluster_id)
        return &e;
    return nullptr;
  }

  std::vector<std::string> recorded_vips() {
    auto dump = h.vcd().dump();
    const auto* e = entity(dump);
    if (e == nullptr)
      return {};
    auto vips = rde::read_virtual_ips(json::serialize(*e));
    if (!vips)
      return {};
    std::sort(vips->begin(), vips->end());
    return *vips;
  }

  // Converges the gateway, then waits until status.virtual_IPs holds the Services' IPs.
  void expect_vips(const std::string& step, const std::vector<service_key>& live) {
    auto p = h.converge({}, 20s);
    ASSERT_TRUE(p.empty()) << step << ": " << join(p);
    std::vector<std::string> want, got;
    for (const auto& k : live)
      want.push_back(h.api().ip_of(k));
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    h.eventually(
      [&] {
        got = recorded_vips();
        return got == want;
      },
      20s);
    EXPECT_EQ(got, want) << step;
  }
};

TEST_P(native_rde_it, status_virtual_ips_follow_the_services_and_the_other_writer_keeps_its_part) {
  h.start_engine();
  auto web = lb_service("shop", "web", {tcp("http", 80, 30080), tcp("https", 443, 30443)});
  auto db = lb_service("shop", "db", {tcp("pg", 5432, 30432)});
  h.api().apply(web);
  h.api().apply(db);
  expect_vips("create", {web.key, db.key});
  EXPECT_FALSE(h.api().ip_of(web.key).empty());
  web.ports.push_back(tcp("alt", 8443, 30843));
  h.api().apply(web);
  expect_vips("port added", {web.key, db.key});
  h.api().request_delete(db.key);
  expect_vips("db deleted", {web.key});
  h.api().request_delete(web.key);
  expect_vips("all deleted", {});
  auto dump = h.vcd().dump();
  const auto* e = entity(dump);
  ASSERT_NE(e, nullptr);
  const auto& status = e->at("entity").at("status").as_object();
  EXPECT_FALSE(status.contains("cpi")) << "no status.cpi in a native entity, as upstream";
  EXPECT_EQ(status.at("phase"), "CREATE:SUCCEEDED");
  auto theirs = e->at("second_writer_writes").to_number<int64_t>();
  EXPECT_GT(theirs, 0) << "the second writer wrote while vcdlb did";
  EXPECT_EQ(status.at("nodes").at("simSecondWriter").to_number<int64_t>(), theirs)
    << "every change of the second writer is still there";
  EXPECT_GT(h.rde_stats().writes, 0u);
}

INSTANTIATE_TEST_SUITE_P(integration, native_rde_it,
                         ::testing::Values(config::lb_mode::a, config::lb_mode::b,
                                           config::lb_mode::c),
                         mode_name);

} // namespace
