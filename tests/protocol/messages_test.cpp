// The message vocabulary: type IDs, inspect() round trips, typed interfaces.

#include "protocol/interfaces.hpp"

#include <gtest/gtest.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/make_message.hpp"
#include "protocol/register.hpp"

namespace {

using namespace vcdlb;

template <class T>
T round_trip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  EXPECT_FALSE(sink(value));
  T copy;
  caf::binary_deserializer source{sys, buf};
  EXPECT_FALSE(source(copy));
  return copy;
}

class messages : public ::testing::Test {
protected:
  messages() : sys_(init(cfg_)) {}
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    register_types(cfg);
    return cfg;
  }
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
};

TEST_F(messages, type_ids_are_a_contiguous_custom_block) {
  EXPECT_EQ(caf::type_id<service_key>::value, caf::first_custom_type_id);
  EXPECT_EQ(caf::id_block::vcdlb_engine::begin, caf::first_custom_type_id);
  EXPECT_EQ(caf::id_block::vcdlb_engine::end - caf::id_block::vcdlb_engine::begin, 30u);
  EXPECT_EQ(caf::type_id<source_range_request>::value, caf::id_block::vcdlb_engine::end - 1);
}

TEST_F(messages, service_spec_round_trips) {
  service_spec svc;
  svc.key = {"ns", "web"};
  svc.uid = "u-1";
  svc.type = service_type::load_balancer;
  svc.load_balancer_ip = "10.1.1.1";
  svc.ports = {{"http", ip_protocol::tcp, 80, 30080, "http"},
               {"dns", ip_protocol::udp, 53, 30053, ""}};
  svc.annotations.ssl_ports = "443";
  svc.annotations.sharing_key = "k";
  svc.has_finalizer = true;
  svc.ingress_ips = {"10.1.1.1"};
  EXPECT_EQ(round_trip(sys_, svc), svc);
}

TEST_F(messages, lb_op_and_objects_round_trip) {
  virtual_service_desc vs{"id-1", "vs", "1.2.3.4", ip_protocol::udp, 53, app_profile::l4,
                          false,  "",   "pool"};
  auto op = make_create(vs);
  EXPECT_EQ(round_trip(sys_, op), op);
  lb_plan plan{{op, make_remove(object_kind::virtual_service, "vs", "id-1")}};
  EXPECT_EQ(round_trip(sys_, plan), plan);
  plan_result result{{{"id-1"}, {"id-2"}}};
  EXPECT_EQ(round_trip(sys_, result), result);
  lb_objects objs;
  objs.virtual_services = {vs};
  objs.pools = {{"p1", "pool", 30053, {"10.0.0.1"}, false}};
  objs.dnat_rules = {{"d1", "dnat-vs", "1.2.3.4", "192.168.8.2", ip_protocol::udp, 53, "prof"}};
  objs.profiles = {{"a1", "prof", ip_protocol::udp, 53}};
  EXPECT_EQ(round_trip(sys_, objs), objs);
}

TEST_F(messages, pool_messages_round_trip) {
  pool_seed seed;
  seed.external_ranges = {{"10.0.0.10", "10.0.0.20"}};
  seed.internal_range = {"192.168.8.2", "192.168.8.100"};
  seed.used_by_others = {"10.0.0.10"};
  seed.leftover_ips = {"10.0.0.10"};
  seed.reservations = {
    {{"a", "b"}, "10.0.0.11", {{"", "192.168.8.2"}}, "key", {{"10.0.0.11", ip_protocol::tcp, 80}}}};
  EXPECT_EQ(round_trip(sys_, seed), seed);
  ip_request req{{"a", "b"}, "10.0.0.12", "", "k", {{"", ip_protocol::tcp, 80}}, {"http"}};
  EXPECT_EQ(round_trip(sys_, req), req);
}

TEST_F(messages, refresh_result_round_trips) {
  refresh_result none;
  EXPECT_FALSE(none.changed());
  EXPECT_EQ(round_trip(sys_, none), none);
  refresh_result some{false, {"h:0a1b2c", "u:web"}};
  EXPECT_TRUE(some.changed());
  EXPECT_EQ(round_trip(sys_, some), some);
  refresh_result all{true, {}};
  EXPECT_TRUE(all.changed());
  EXPECT_EQ(round_trip(sys_, all), all);
}

TEST_F(messages, node_members_share_their_list_and_round_trip) {
  auto m = make_node_members(3, {"10.0.0.1", "10.0.0.2"});
  auto copy = m;
  EXPECT_EQ(copy.ips.get(), m.ips.get()); // copies share the immutable list
  auto back = round_trip(sys_, m);
  EXPECT_EQ(back, m);
  EXPECT_NE(back.ips.get(), m.ips.get());
  EXPECT_EQ(back.list(), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  node_members empty;
  EXPECT_TRUE(empty.list().empty());
  EXPECT_EQ(round_trip(sys_, empty).list(), std::vector<std::string>{});
}

TEST_F(messages, make_message_prints_registered_names) {
  auto msg = caf::make_message(reconcile_atom::value, service_key{"ns", "web"});
  EXPECT_NE(caf::to_string(msg).find("ns"), std::string::npos);
}

TEST_F(messages, lb_op_accessors_follow_the_kind) {
  auto op = make_remove(object_kind::dnat_rule, "dnat-x", "rule-7");
  EXPECT_EQ(op.name(), "dnat-x");
  EXPECT_EQ(op.id(), "rule-7");
  EXPECT_EQ(to_string(op), "remove dnat_rule dnat-x");
  EXPECT_EQ(op.vs.name, "");
}

TEST_F(messages, system_profile_names_match_vcd) {
  EXPECT_EQ(system_profile_name(app_profile::l4), "System-L4-Application");
  EXPECT_EQ(system_profile_name(app_profile::l4_tls), "System-SSL-Application");
  EXPECT_EQ(system_profile_name(app_profile::http), "System-HTTP");
  EXPECT_EQ(system_profile_name(app_profile::https), "System-Secure-HTTP");
}

} // namespace
