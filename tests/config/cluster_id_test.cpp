#include "config/cluster_id.hpp"

#include <gtest/gtest.h>

namespace {

using namespace vcdlb::config;

constexpr std::string_view capvcd =
  "urn:vcloud:entity:vmware:capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b";
constexpr std::string_view native =
  "urn:vcloud:entity:cse:nativeCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b";

TEST(cluster_id, trims_capvcd_prefix_to_type_and_uuid) {
  EXPECT_EQ(trimmed_cluster_id(capvcd), "capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b");
}

TEST(cluster_id, trims_cse_native_prefix_to_uuid) {
  EXPECT_EQ(trimmed_cluster_id(native), "5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b");
}

TEST(cluster_id, leaves_other_ids_alone) {
  EXPECT_EQ(trimmed_cluster_id("NO_RDE_abc"), "NO_RDE_abc");
  EXPECT_EQ(trimmed_cluster_id(""), "");
  // Other vendors keep their full URN, as upstream.
  EXPECT_EQ(trimmed_cluster_id("urn:vcloud:entity:acme:k8s:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b"),
            "urn:vcloud:entity:acme:k8s:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b");
}

TEST(cluster_id, prefixes_are_trimmed_in_sequence_like_upstream) {
  // TrimPrefix(vmware) then TrimPrefix(native): both apply when one follows the other.
  EXPECT_EQ(trimmed_cluster_id("urn:vcloud:entity:vmware:urn:vcloud:entity:cse:nativeCluster:x"),
            "x");
  // ...but not the other way round.
  EXPECT_EQ(trimmed_cluster_id("urn:vcloud:entity:cse:nativeCluster:urn:vcloud:entity:vmware:x"),
            "urn:vcloud:entity:vmware:x");
}

TEST(cluster_id, classifies) {
  EXPECT_EQ(classify_cluster_id(""), cluster_id_kind::empty);
  EXPECT_EQ(classify_cluster_id("NO_RDE_"), cluster_id_kind::no_rde);
  EXPECT_EQ(classify_cluster_id("NO_RDE_my-cluster"), cluster_id_kind::no_rde);
  EXPECT_EQ(classify_cluster_id(capvcd), cluster_id_kind::rde_urn);
  EXPECT_EQ(classify_cluster_id(native), cluster_id_kind::rde_urn);
  EXPECT_EQ(classify_cluster_id("urn:vcloud:entity:vmware:capvcdCluster:5D2E7F3A-9C41-4B8E-A0F2-"
                                "1C3D5E7F9A0B"),
            cluster_id_kind::rde_urn);
  for (const char* bad :
       {"my-cluster", "no_rde_x", "urn:vcloud:entity:vmware:capvcdCluster",
        "urn:vcloud:entity:vmware:capvcdCluster:not-a-uuid",
        "urn:vcloud:entity::capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b",
        "urn:vcloud:vm:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b",
        "urn:vcloud:entity:vmware:capvcdCluster:5d2e7f3a-9c41-4b8e-a0f2-1c3d5e7f9a0b:extra"})
    EXPECT_EQ(classify_cluster_id(bad), cluster_id_kind::invalid) << bad;
}

} // namespace
