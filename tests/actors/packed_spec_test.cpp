#include "actors/detail/packed_spec.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;

service_spec full() {
  service_spec s;
  s.key = {"team-a", "a-rather-long-service-name-that-needs-more-than-one-varint-byte-"
                     "to-encode-its-length-because-it-is-over-128-characters-long-xxxxxxxxxx"};
  s.uid = "0b0c3f6e-5a1d-4c55-9d0e-100000000042";
  s.type = service_type::load_balancer;
  s.load_balancer_class = "vcdlb.io/lb";
  s.load_balancer_ip = "203.0.113.7";
  s.ports = {{"http", ip_protocol::tcp, 80, 30080, "http"},
             {"", ip_protocol::udp, 53, 32053, ""},
             {"sctp", ip_protocol::sctp, 65535, -1, ""}};
  s.annotations = {"443", "my-cert", "true", "group-1", "198.51.100.0/24, 192.0.2.0/24"};
  s.deletion_requested = true;
  s.has_finalizer = true;
  s.ingress_ips = {"203.0.113.7", "203.0.113.8"};
  s.local_traffic_policy = true;
  s.load_balancer_source_ranges = {"10.0.0.0/8", "2001:db8::/32"};
  return s;
}

TEST(packed_spec, round_trips_every_field) {
  auto s = full();
  EXPECT_EQ(detail::unpack(detail::pack(s)), s);
  service_spec empty;
  EXPECT_EQ(detail::unpack(detail::pack(empty)), empty);
}

TEST(packed_spec, equal_specs_pack_equal_and_any_change_shows) {
  auto a = full();
  EXPECT_EQ(detail::pack(a), detail::pack(full()));
  auto b = a;
  b.has_finalizer = false;
  EXPECT_NE(detail::pack(a), detail::pack(b));
  b = a;
  b.local_traffic_policy = false;
  EXPECT_NE(detail::pack(a), detail::pack(b));
  b = a;
  b.load_balancer_source_ranges.pop_back();
  EXPECT_NE(detail::pack(a), detail::pack(b));
  b = a;
  b.annotations.source_ranges.clear();
  EXPECT_NE(detail::pack(a), detail::pack(b));
  b = a;
  b.ports[1].node_port = 32054;
  EXPECT_NE(detail::pack(a), detail::pack(b));
  b = a;
  b.ingress_ips.pop_back();
  EXPECT_NE(detail::pack(a), detail::pack(b));
  // Field boundaries are kept: moving a character between two strings changes the bytes.
  b = a;
  b.key = {a.key.ns + "x", a.key.name.substr(1)};
  EXPECT_NE(detail::pack(a), detail::pack(b));
}

TEST(packed_spec, is_much_smaller_than_the_struct) {
  auto p = detail::pack(full());
  EXPECT_LT(p.size(), sizeof(service_spec));
}

TEST(packed_spec, truncated_input_gives_a_spec_not_a_crash) {
  auto p = detail::pack(full());
  for (size_t n = 0; n < p.size(); ++n)
    (void)detail::unpack(std::string_view{p}.substr(0, n));
}

} // namespace

namespace {

TEST(packed_spec, shared_copies_hold_the_bytes) {
  auto bytes = vcdlb::detail::pack(full());
  vcdlb::detail::shared_packed_spec a{bytes};
  auto b = a;
  EXPECT_TRUE(a);
  EXPECT_EQ(a.bytes(), bytes);
  EXPECT_EQ(b.bytes().data(), a.bytes().data()); // one copy
  vcdlb::detail::shared_packed_spec none;
  EXPECT_FALSE(none);
  EXPECT_TRUE(none.bytes().empty());
  EXPECT_EQ(vcdlb::detail::shared_packed_spec{""}.bytes(), "");
}

} // namespace
