// The node writes' bodies (strategic merge patches as the upstream provider sends them) and the
// fake's semantics: resourceVersion and uid preconditions, providerID set once.

#include "adapters/kube/node_client.hpp"

#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "adapters/kube/fake_client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {
namespace {

namespace json = boost::json;

TEST(node_client, update_bodies) {
  node_update u;
  u.resource_version = "7";
  u.provider_id = "vmware-cloud-director://urn:vcloud:vm:1";
  u.labels["topology.kubernetes.io/zone"] = "z1";
  u.taints =
    std::vector<node_taint>{{"node.cloudprovider.kubernetes.io/shutdown", "", "NoSchedule"}};
  EXPECT_EQ(json::parse(encode_node_update(u)),
            json::parse(
              R"({"metadata":{"resourceVersion":"7","labels":{"topology.kubernetes.io/zone":"z1"}},
              "spec":{"providerID":"vmware-cloud-director://urn:vcloud:vm:1",
                      "taints":[{"key":"node.cloudprovider.kubernetes.io/shutdown","effect":"NoSchedule"}]}})"));
  node_update clear;
  clear.taints = std::vector<node_taint>{};
  EXPECT_EQ(encode_node_update(clear), R"({"spec":{"taints":null}})");
  EXPECT_EQ(encode_node_update({}), "{}");
}

TEST(node_client, address_and_delete_bodies) {
  EXPECT_EQ(json::parse(encode_node_addresses({{"InternalIP", "10.0.0.5"}}, "node-1")),
            json::parse(R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.5"},
              {"type":"Hostname","address":"node-1"},{"$patch":"replace"}]}})"));
  EXPECT_EQ(
    json::parse(encode_node_delete_options("u-1")),
    json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"u-1"}})"));
  EXPECT_EQ(encode_node_delete_options(""), "");
}

template <class T>
std::optional<caf::expected<T>> capture(fake_client& c, std::function<void(callback<T>)> start) {
  std::optional<caf::expected<T>> out;
  start([&](caf::expected<T> r) { out.emplace(std::move(r)); });
  c.run();
  return out;
}

TEST(node_client, fake_applies_preconditions) {
  fake_client c;
  node_snapshot n;
  n.name = "node-1";
  n.taints = {{std::string{taint_uninitialized}, "true", "NoSchedule"}};
  auto stored = c.put_node(n);
  node_update u;
  u.resource_version = stored.resource_version;
  u.provider_id = "vmware-cloud-director://urn:vcloud:vm:1";
  u.taints = std::vector<node_taint>{};
  auto r = capture<node_snapshot>(c, [&](auto cb) { c.patch_node("node-1", u, cb); });
  ASSERT_TRUE(r && *r);
  EXPECT_TRUE((*r)->taints.empty());
  auto stale = capture<node_snapshot>(c, [&](auto cb) { c.patch_node("node-1", u, cb); });
  ASSERT_TRUE(stale && !*stale);
  EXPECT_EQ(stale->error(), kube_errc::conflict);
  node_update other;
  other.provider_id = "vmware-cloud-director://urn:vcloud:vm:2";
  auto immutable = capture<node_snapshot>(c, [&](auto cb) { c.patch_node("node-1", other, cb); });
  ASSERT_TRUE(immutable && !*immutable);
  EXPECT_EQ(immutable->error(), kube_errc::invalid);
  auto wrong = capture<caf::unit_t>(c, [&](auto cb) { c.delete_node("node-1", "nope", cb); });
  ASSERT_TRUE(wrong && !*wrong);
  EXPECT_EQ(wrong->error(), kube_errc::conflict);
  auto ok = capture<caf::unit_t>(c, [&](auto cb) { c.delete_node("node-1", stored.uid, cb); });
  ASSERT_TRUE(ok && *ok);
  EXPECT_FALSE(c.node("node-1"));
}

} // namespace
} // namespace vcdlb::kube
