#include "gc/detail/ownership.hpp"

#include <gtest/gtest.h>

#include "actors/naming.hpp"

namespace {

using namespace vcdlb;
using gc::detail::owner_of;
using gc::detail::owner_of_allocation;
using gc::detail::ownership;
using state = gc::detail::ownership::state;

const std::string capvcd =
  "urn:vcloud:entity:vmware:capvcdCluster:5d2e4f6a-1111-2222-3333-444455556666";
const std::string other =
  "urn:vcloud:entity:vmware:capvcdCluster:0a0b0c0d-aaaa-bbbb-cccc-ddddeeeeffff";

TEST(gc_ownership, upstream_names_of_every_kind_give_the_capvcd_urn) {
  auto n = naming::upstream_names(capvcd, "web-svc", "http");
  for (const auto& name : {n.virtual_service, n.pool, n.dnat_rule, n.app_port_profile}) {
    auto o = owner_of(name, "", {});
    EXPECT_EQ(o.what, state::known) << name;
    EXPECT_EQ(o.cluster_id, capvcd) << name;
  }
}

TEST(gc_ownership, the_description_marker_wins_over_the_name) {
  auto n = naming::namespaced_names(capvcd, {"default", "web"}, "http");
  auto o = owner_of(n.virtual_service, naming::owner_marker(other), {});
  EXPECT_EQ(o.what, state::known);
  EXPECT_EQ(o.cluster_id, other);
  // The profile's description keeps upstream's text before the marker.
  auto p =
    owner_of(n.app_port_profile,
             "App Port Profile [" + n.app_port_profile + "] " + naming::owner_marker(capvcd), {});
  EXPECT_EQ(p.cluster_id, capvcd);
}

TEST(gc_ownership, vcdlb_names_need_a_marker_or_a_candidate_with_their_tag) {
  auto n = naming::namespaced_names(capvcd, {"default", "web"}, "http");
  auto unknown = owner_of(n.pool, "", {other});
  EXPECT_EQ(unknown.what, state::unknown);
  EXPECT_NE(unknown.reason.find("--cluster-id"), std::string::npos);
  auto known = owner_of(n.pool, "", {other, capvcd});
  EXPECT_EQ(known.what, state::known);
  EXPECT_EQ(known.cluster_id, capvcd);
}

TEST(gc_ownership, upstream_names_without_a_capvcd_id_need_a_candidate) {
  auto n = naming::upstream_names("NO_RDE_abc", "web", "http");
  EXPECT_EQ(owner_of(n.virtual_service, "", {}).what, state::unknown);
  auto o = owner_of(n.virtual_service, "", {"NO_RDE_abc"});
  EXPECT_EQ(o.what, state::known);
  EXPECT_EQ(o.cluster_id, "NO_RDE_abc");
}

TEST(gc_ownership, other_names_are_unrelated) {
  EXPECT_EQ(owner_of("my-own-vs", "hand made", {capvcd}).what, state::unrelated);
  EXPECT_EQ(owner_of("ingress-vs-x-capvcdCluster:not-a-uuid-http", "", {}).what, state::unknown);
}

TEST(gc_ownership, claim_markers_of_capvcd_clusters_give_the_urn) {
  auto own = owner_of_allocation(naming::ip_claim_marker(capvcd, {"shop", "cart-service-x"}), {});
  EXPECT_EQ(own.what, ownership::state::known);
  EXPECT_EQ(own.cluster_id, capvcd);
  EXPECT_NE(own.reason.find("claim marker cluster-capvcdCluster:"), std::string::npos);
}

TEST(gc_ownership, other_claim_markers_need_a_candidate) {
  const std::string native = "urn:vcloud:entity:cse:nativeCluster:"
                             "55555555-5555-5555-5555-555555555555";
  auto marker = naming::ip_claim_marker(native, {"default", "web"});
  EXPECT_EQ(owner_of_allocation(marker, {}).what, ownership::state::unknown);
  auto own = owner_of_allocation(marker, {capvcd, native});
  EXPECT_EQ(own.what, ownership::state::known);
  EXPECT_EQ(own.cluster_id, native);
  // A truncated uuid is no CAPVCD id.
  EXPECT_EQ(owner_of_allocation("cluster-capvcdCluster:1234-namespace-a-service-b", {}).what,
            ownership::state::unknown);
}

TEST(gc_ownership, other_descriptions_are_not_claim_markers) {
  for (const char* d : {"", "reserved by hand", "cluster-c1-id-urn:vcloud:entity:vmware:x",
                        "cluster--namespace-a-service-b", "cluster-x-namespace-a"})
    EXPECT_EQ(owner_of_allocation(d, {capvcd}).what, ownership::state::unrelated) << d;
}

TEST(gc_ownership, marker_round_trip) {
  EXPECT_EQ(naming::owner_from_description(naming::owner_marker(capvcd)), capvcd);
  EXPECT_EQ(naming::owner_from_description("nothing here"), "");
  EXPECT_EQ(naming::owner_marker(""), "");
}

} // namespace
