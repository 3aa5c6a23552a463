#include "actors/naming.hpp"

#include <set>

#include <gtest/gtest.h>

namespace {

using namespace vcdlb;
using namespace vcdlb::naming;
using config::naming_scheme;

constexpr std::string_view capvcd_id =
  "urn:vcloud:entity:vmware:capvcdCluster:5d2e4f6a-1111-2222-3333-444455556666";

TEST(naming, trims_the_two_upstream_prefixes_only) {
  EXPECT_EQ(trim_cluster_id(capvcd_id), "capvcdCluster:5d2e4f6a-1111-2222-3333-444455556666");
  EXPECT_EQ(trim_cluster_id("urn:vcloud:entity:cse:nativeCluster:abc"), "abc");
  EXPECT_EQ(trim_cluster_id("NO_RDE_x"), "NO_RDE_x");
  EXPECT_EQ(trim_cluster_id(""), "");
}

TEST(naming, upstream_names_are_exactly_upstreams) {
  auto n = upstream_names(capvcd_id, "ingress-nginx-controller", "https");
  const std::string vs =
    "ingress-vs-ingress-nginx-controller-capvcdCluster:5d2e4f6a-1111-2222-3333-444455556666-https";
  EXPECT_EQ(n.virtual_service, vs);
  EXPECT_EQ(n.pool, "ingress-pool-ingress-nginx-controller-capvcdCluster:5d2e4f6a-1111-2222-3333-"
                    "444455556666-https");
  EXPECT_EQ(n.dnat_rule, "dnat-" + vs);
  EXPECT_EQ(n.app_port_profile, "appPort_dnat-" + vs);
  // An unnamed single port leaves a trailing '-', as upstream does.
  EXPECT_EQ(upstream_names("NO_RDE_c1", "web", "").virtual_service, "ingress-vs-web-NO_RDE_c1-");
}

TEST(naming, upstream_names_parse_back_for_every_kind) {
  auto n = upstream_names(capvcd_id, "a--b-web", "http-alt");
  const std::pair<std::string, object_kind> cases[] = {
    {n.virtual_service, object_kind::virtual_service},
    {n.pool, object_kind::pool},
    {n.dnat_rule, object_kind::dnat_rule},
    {n.app_port_profile, object_kind::app_port_profile}};
  for (const auto& [name, kind] : cases) {
    auto p = parse(name, capvcd_id);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->kind, kind);
    EXPECT_EQ(p->scheme, naming_scheme::upstream);
    EXPECT_EQ(p->service, "a--b-web");
    EXPECT_EQ(p->port, "http-alt");
    EXPECT_EQ(p->ns, "");
    EXPECT_TRUE(owned_by(*p, capvcd_id, {"any-namespace", "a--b-web"}));
    EXPECT_FALSE(owned_by(*p, capvcd_id, {"any-namespace", "web"}));
  }
}

TEST(naming, upstream_names_with_empty_cluster_id_and_unnamed_port_parse) {
  auto n = upstream_names("", "web", "");
  EXPECT_EQ(n.virtual_service, "ingress-vs-web--");
  auto p = parse(n.virtual_service, "");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->service, "web");
  EXPECT_EQ(p->port, "");
}

TEST(naming, other_clusters_and_foreign_objects_do_not_parse) {
  auto n = upstream_names("urn:vcloud:entity:vmware:capvcdCluster:other", "web", "http");
  EXPECT_FALSE(parse(n.virtual_service, capvcd_id));
  auto own = namespaced_names("other-cluster", {"ns", "web"}, "http");
  EXPECT_FALSE(parse(own.virtual_service, capvcd_id));
  EXPECT_FALSE(parse(own.pool, capvcd_id));
  for (auto foreign : {"my-cluster-abc-tcp", "dnat-something", "appPort_dnat-x", "vcdlb-vs-",
                       "vcdlb-vs-zzzzzz-0000000000-a.b.c", "ingress-vs-", ""})
    EXPECT_FALSE(parse(foreign, capvcd_id)) << foreign;
}

TEST(naming, namespaced_names_carry_namespace_name_and_port) {
  auto n = namespaced_names(capvcd_id, {"shop", "web"}, "http");
  const auto prefix = cluster_tag(capvcd_id) + "-" + service_hash(capvcd_id, {"shop", "web"});
  EXPECT_EQ(n.virtual_service, "vcdlb-vs-" + prefix + "-shop.web.http");
  EXPECT_EQ(n.pool, "vcdlb-pool-" + prefix + "-shop.web.http");
  EXPECT_EQ(n.dnat_rule, "vcdlb-dnat-" + prefix + "-shop.web.http");
  EXPECT_EQ(n.app_port_profile, "vcdlb-app-" + prefix + "-shop.web.http");
  EXPECT_EQ(cluster_tag(capvcd_id).size(), 6u);
  EXPECT_EQ(service_hash(capvcd_id, {"shop", "web"}).size(), 10u);
}

TEST(naming, hashes_are_stable_across_builds) {
  // Pinned values: changing the hash would orphan every object vcdlb created before.
  EXPECT_EQ(service_hash("c1", {"default", "web"}), service_hash("c1", {"default", "web"}));
  EXPECT_EQ(cluster_tag("c1"), cluster_tag("c1"));
  EXPECT_NE(service_hash("c1", {"default", "web"}), service_hash("c2", {"default", "web"}));
  EXPECT_NE(service_hash("c1", {"ab", "c"}), service_hash("c1", {"a", "bc"}));
  // Reference values computed independently (Python FNV-1a over length-prefixed parts).
  EXPECT_EQ(service_hash("", {"", ""}), "d7003c2305");
  EXPECT_EQ(service_hash("c1", {"default", "web"}), "92741fcf38");
  EXPECT_EQ(cluster_tag(""), "a8c7f8");
}

TEST(naming, namespaced_names_round_trip) {
  service_key key{"team-a", "api-gateway"};
  auto n = namespaced_names(capvcd_id, key, "grpc-web");
  for (const auto& name : {n.virtual_service, n.pool, n.dnat_rule, n.app_port_profile}) {
    auto p = parse(name, capvcd_id);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->scheme, naming_scheme::namespaced);
    EXPECT_TRUE(p->complete);
    EXPECT_EQ(p->ns, "team-a");
    EXPECT_EQ(p->service, "api-gateway");
    EXPECT_EQ(p->port, "grpc-web");
    EXPECT_TRUE(owned_by(*p, capvcd_id, key));
    EXPECT_FALSE(owned_by(*p, capvcd_id, {"team-b", "api-gateway"}));
  }
  EXPECT_EQ(parse(n.dnat_rule, capvcd_id)->kind, object_kind::dnat_rule);
  EXPECT_EQ(parse(n.app_port_profile, capvcd_id)->kind, object_kind::app_port_profile);
  EXPECT_EQ(parse(n.pool, capvcd_id)->kind, object_kind::pool);
}

TEST(naming, longest_kubernetes_names_stay_within_the_limit_and_keep_the_port) {
  service_key key{std::string(63, 'n'), std::string(63, 's')};
  auto n = namespaced_names(capvcd_id, key, "abcdefghijklmno"); // 15: the Kubernetes maximum
  EXPECT_EQ(n.pool.size(), max_name_length); // the longest prefix fills the limit exactly
  EXPECT_LE(n.virtual_service.size(), max_name_length);
  EXPECT_LE(n.dnat_rule.size(), max_name_length);
  EXPECT_LE(n.app_port_profile.size(), max_name_length);
  EXPECT_TRUE(fits(n));
  auto p = parse(n.virtual_service, capvcd_id);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->complete); // the readable part was cut...
  EXPECT_EQ(p->port, "abcdefghijklmno");
  EXPECT_TRUE(owned_by(*p, capvcd_id, key)); // ...but the hash still identifies the owner
  EXPECT_FALSE(owned_by(*p, capvcd_id, {std::string(63, 'n'), std::string(62, 's')}));
}

TEST(naming, names_just_below_the_cut_are_complete) {
  // 11 (prefix) + 18 (tag, hash, dashes) + readable + 1 + port = 128 exactly.
  const std::string port = "http";
  const size_t readable = 128 - 11 - 18 - 1 - port.size();
  service_key key{std::string(40, 'a'), std::string(readable - 41, 'b')};
  auto n = namespaced_names("c", key, port);
  EXPECT_EQ(n.pool.size(), 128u);
  auto p = parse(n.pool, "c");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->complete);
  EXPECT_EQ(p->ns, key.ns);
  EXPECT_EQ(p->service, key.name);
  key.name += 'b'; // one more character: cut
  auto cut = namespaced_names("c", key, port);
  EXPECT_EQ(cut.pool.size(), 128u);
  EXPECT_FALSE(parse(cut.pool, "c")->complete);
}

TEST(naming, same_names_in_other_namespaces_never_collide) {
  std::set<std::string> seen;
  size_t made = 0;
  const std::string long_prefix(60, 'x');
  for (int i = 0; i < 200; ++i) {
    // Long namespaces that differ only after the cut, and short ones that differ in place.
    for (const service_key& key :
         {service_key{long_prefix + std::to_string(i), std::string(63, 'w')},
          service_key{"ns" + std::to_string(i), "web"}}) {
      for (const char* port : {"http", "https", ""}) {
        auto n = namespaced_names(capvcd_id, key, port);
        seen.insert(n.virtual_service);
        seen.insert(n.pool);
        seen.insert(n.dnat_rule);
        seen.insert(n.app_port_profile);
        made += 4;
      }
    }
  }
  EXPECT_EQ(seen.size(), made);
}

TEST(naming, odd_characters_are_replaced_but_identity_is_kept) {
  service_key key{"naïve", "web.v2 x"}; // not valid in Kubernetes; must still be safe
  auto n = namespaced_names(capvcd_id, key, "http");
  for (char c : n.virtual_service.substr(9))
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                || c == '.')
      << n.virtual_service;
  auto p = parse(n.virtual_service, capvcd_id);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->complete); // sanitized text does not hash back to the original
  EXPECT_EQ(p->port, "http");
  EXPECT_TRUE(owned_by(*p, capvcd_id, key));
  EXPECT_FALSE(owned_by(*p, capvcd_id, {"na_ve", "web_v2_x"}));
}

TEST(naming, upstream_scheme_falls_back_when_too_long) {
  service_key key{"ns", std::string(63, 's')};
  auto n = names_for(naming_scheme::upstream, capvcd_id, key, "abcdefghijklmno");
  EXPECT_TRUE(fits(n));
  EXPECT_EQ(n, namespaced_names(capvcd_id, key, "abcdefghijklmno"));
  auto short_names = names_for(naming_scheme::upstream, capvcd_id, {"ns", "web"}, "http");
  EXPECT_EQ(short_names, upstream_names(capvcd_id, "web", "http"));
  EXPECT_EQ(names_for(naming_scheme::namespaced, capvcd_id, {"ns", "web"}, "http"),
            namespaced_names(capvcd_id, {"ns", "web"}, "http"));
}

TEST(naming, firewall_names_are_per_service_and_parse_back_to_their_owner) {
  service_key key{"web", "ingress"};
  auto n = firewall_names_for(capvcd_id, key);
  auto tag = cluster_tag(capvcd_id);
  auto hash = service_hash(capvcd_id, key);
  EXPECT_EQ(n.sources, "vcdlb-fws-" + tag + "-" + hash + "-web.ingress");
  EXPECT_EQ(n.vip, "vcdlb-fwv-" + tag + "-" + hash + "-web.ingress");
  EXPECT_EQ(n.allow_rule, "vcdlb-fwa-" + tag + "-" + hash + "-web.ingress");
  EXPECT_EQ(n.drop_rule, "vcdlb-fwd-" + tag + "-" + hash + "-web.ingress");
  EXPECT_EQ(n.ports, "vcdlb-fwp-" + tag + "-" + hash + "-web.ingress");
  for (const auto& name : {n.sources, n.vip, n.allow_rule, n.drop_rule, n.ports})
    EXPECT_EQ(firewall_owner(name, capvcd_id), hash) << name;
  // Another cluster's, a tenant's and the load balancer objects' names are not firewall names.
  EXPECT_FALSE(firewall_owner(n.allow_rule, "NO_RDE_other"));
  EXPECT_FALSE(firewall_owner("allow-ssh", capvcd_id));
  EXPECT_FALSE(firewall_owner(namespaced_names(capvcd_id, key, "http").virtual_service, capvcd_id));
  EXPECT_FALSE(firewall_owner("vcdlb-fwa-" + tag + "-nothex!!!!-x.y", capvcd_id));
  // Long names are cut to VCD's limit and stay distinct.
  service_key long_a{std::string(63, 'a'), std::string(63, 'b')};
  service_key long_b{std::string(63, 'a'), std::string(62, 'b') + "c"};
  auto a = firewall_names_for(capvcd_id, long_a);
  auto b = firewall_names_for(capvcd_id, long_b);
  EXPECT_EQ(a.allow_rule.size(), max_name_length);
  EXPECT_NE(a.allow_rule, b.allow_rule);
  EXPECT_EQ(firewall_owner(a.sources, capvcd_id), service_hash(capvcd_id, long_a));
}

} // namespace
