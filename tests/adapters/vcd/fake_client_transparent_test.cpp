// The fake's transparent mode: load-balancer settings, group pools and the prerequisites of a
// transparent virtual service, refused with the same shapes as the simulator.

#include <gtest/gtest.h>

#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;

template <class T, class F>
caf::expected<T> run(F&& f) {
  std::optional<caf::expected<T>> out;
  f([&](caf::expected<T> x) { out.emplace(std::move(x)); });
  return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
}

class fake_client_transparent : public ::testing::Test {
protected:
  fake_client fake;
  std::string gw;
  std::string seg_id = "urn:vcloud:serviceEngineGroup:seg1";
  std::string set_id;

  void SetUp() override { seed("LEGACY_ACTIVE_STANDBY", true); }

  void seed(const std::string& ha_mode, bool gateway_transparent) {
    edge_gateway g;
    g.name = "edge-1";
    gw = fake.add_gateway(g);
    seg_assignment a;
    a.gateway_ref = {"edge-1", gw};
    a.service_engine_group_ref = {"seg1", seg_id};
    a.service_engine_group_ha_mode = ha_mode;
    fake.add_seg_assignment(a);
    alb_settings s;
    s.enabled = true;
    s.transparent_mode_enabled = gateway_transparent;
    fake.set_alb_settings(gw, s);
    ip_set members;
    members.name = "members";
    members.owner_ref = {"edge-1", gw};
    members.ip_addresses = {"10.0.0.11", "10.0.0.12", "10.0.0.13"};
    set_id = fake.put_ip_set(members);
  }

  pool group_pool(const std::string& name) const {
    pool p;
    p.name = name;
    p.gateway_ref = {"edge-1", gw};
    p.default_port = 30080;
    p.member_group_ref = {"members", set_id};
    return p;
  }

  std::string create(const pool& p) {
    auto ref = run<task_ref>([&](auto cb) { fake.create_pool(p, cb); });
    EXPECT_TRUE(ref) << describe(ref.error());
    return fake.pool_by_name(p.name)->id;
  }

  virtual_service transparent_vs(const std::string& pool_id) const {
    virtual_service vs;
    vs.name = "vs";
    vs.virtual_ip_address = "203.0.113.10";
    vs.gateway_ref = {"edge-1", gw};
    vs.load_balancer_pool_ref = {"", pool_id};
    vs.service_engine_group_ref = {"seg1", seg_id};
    vs.app_profile = {"System-L4-Application", "L4", true};
    vs.service_ports = {{80, 0, false, {}}};
    vs.transparent_mode_enabled = true;
    return vs;
  }

  caf::expected<task_ref> create_vs(const virtual_service& vs) {
    return run<task_ref>([&](auto cb) { fake.create_virtual_service(vs, cb); });
  }

  static std::string message(const caf::error& err) { return parse_error_info(err).message; }
};

TEST_F(fake_client_transparent, settings_default_off_and_are_counted) {
  fake_client other;
  edge_gateway g;
  g.name = "edge-2";
  auto id = other.add_gateway(g);
  auto s = run<alb_settings>([&](auto cb) { other.get_alb_settings(id, cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_TRUE(s->enabled);
  EXPECT_FALSE(s->transparent_mode_enabled);
  EXPECT_EQ(other.calls(operation::get_alb_settings), 1u);
  EXPECT_FALSE(is_mutation(operation::get_alb_settings));
  auto unknown = run<alb_settings>([&](auto cb) { other.get_alb_settings("urn:x", cb); });
  EXPECT_TRUE(has_code(unknown.error(), vcd_errc::not_found));
}

TEST_F(fake_client_transparent, a_transparent_service_on_a_group_pool_is_accepted) {
  auto pool_id = create(group_pool("p"));
  ASSERT_TRUE(create_vs(transparent_vs(pool_id)));
  EXPECT_TRUE(fake.virtual_service_by_name("vs")->transparent_mode_enabled);
  auto summaries =
    run<std::vector<pool_summary>>([&](auto cb) { fake.list_pool_summaries(gw, {}, cb); });
  ASSERT_TRUE(summaries);
  EXPECT_EQ(summaries->front().member_count, 3);
  EXPECT_EQ(summaries->front().enabled_member_count, 3);
  auto vs_summaries = run<std::vector<virtual_service_summary>>(
    [&](auto cb) { fake.list_virtual_service_summaries(gw, {}, cb); });
  ASSERT_TRUE(vs_summaries);
  EXPECT_TRUE(vs_summaries->front().transparent_mode_enabled);
  // The pool must stay a group pool and the IP set stay while they are used.
  auto back = group_pool("p");
  back.id = pool_id;
  back.member_group_ref = {};
  back.members = {{"10.0.0.11", 30080, 1, true, ""}};
  auto refused = run<task_ref>([&](auto cb) { fake.update_pool(back, cb); });
  ASSERT_FALSE(refused);
  EXPECT_NE(message(refused.error()).find("memberGroupRef"), std::string::npos);
  auto in_use = run<task_ref>([&](auto cb) { fake.delete_ip_set(set_id, cb); });
  ASSERT_FALSE(in_use);
  EXPECT_TRUE(has_code(in_use.error(), vcd_errc::bad_request));
}

TEST_F(fake_client_transparent, group_pools_are_validated) {
  auto both = group_pool("p");
  both.members = {{"10.0.0.11", 30080, 1, true, ""}};
  auto r = run<task_ref>([&](auto cb) { fake.create_pool(both, cb); });
  ASSERT_FALSE(r);
  EXPECT_NE(message(r.error()).find("mutually exclusive"), std::string::npos);
  auto unknown = group_pool("p");
  unknown.member_group_ref = {"x", "urn:vcloud:firewallGroup:nope"};
  r = run<task_ref>([&](auto cb) { fake.create_pool(unknown, cb); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), vcd_errc::bad_request));
}

TEST_F(fake_client_transparent, gateway_setting_off_is_named) {
  fake = fake_client{};
  seed("LEGACY_ACTIVE_STANDBY", false);
  auto r = create_vs(transparent_vs(create(group_pool("p"))));
  ASSERT_FALSE(r);
  EXPECT_NE(message(r.error()).find("not enabled on the load balancer"), std::string::npos)
    << message(r.error());
  EXPECT_FALSE(fake.virtual_service_by_name("vs"));
}

TEST_F(fake_client_transparent, elastic_seg_is_named) {
  fake = fake_client{};
  seed("ELASTIC_N_PLUS_M_BUFFER", true);
  auto r = create_vs(transparent_vs(create(group_pool("p"))));
  ASSERT_FALSE(r);
  EXPECT_NE(message(r.error()).find("LEGACY_ACTIVE_STANDBY"), std::string::npos)
    << message(r.error());
}

TEST_F(fake_client_transparent, member_ip_pool_is_named) {
  auto p = group_pool("p");
  p.member_group_ref = {};
  p.members = {{"10.0.0.11", 30080, 1, true, ""}};
  auto r = create_vs(transparent_vs(create(p)));
  ASSERT_FALSE(r);
  EXPECT_NE(message(r.error()).find("memberGroupRef"), std::string::npos) << message(r.error());
}

TEST_F(fake_client_transparent, api_37_0_is_refused_as_unsupported) {
  fake_options o;
  o.api_version = "37.0";
  fake = fake_client{o};
  seed("LEGACY_ACTIVE_STANDBY", true);
  auto r = run<task_ref>([&](auto cb) { fake.create_pool(group_pool("p"), cb); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), vcd_errc::unsupported)) << describe(r.error());
  auto s = run<alb_settings>([&](auto cb) { fake.get_alb_settings(gw, cb); });
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->transparent_mode_enabled) << "not reported before 37.1";
}

} // namespace
