#include "gc/collect.hpp"

#include <gtest/gtest.h>

#include "actors/naming.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using vcd::operation;

const std::string gw_id = "urn:vcloud:gateway:00000000-0000-0000-0000-00000000e001";
// Deleted (no RDE), upstream names.
const std::string dead_upstream =
  "urn:vcloud:entity:vmware:capvcdCluster:11111111-1111-1111-1111-111111111111";
// Being deleted (IN_DELETION), vcdlb names.
const std::string dead_vcdlb =
  "urn:vcloud:entity:vmware:capvcdCluster:22222222-2222-2222-2222-222222222222";
// Alive, upstream names.
const std::string live =
  "urn:vcloud:entity:vmware:capvcdCluster:33333333-3333-3333-3333-333333333333";
// The user may not read its RDE (403).
const std::string hidden =
  "urn:vcloud:entity:vmware:capvcdCluster:44444444-4444-4444-4444-444444444444";

class gc_collect : public ::testing::Test {
protected:
  gc_collect() {
    vcd::edge_gateway gw;
    gw.id = gw_id;
    gw.name = "edge-1";
    fake.add_gateway(gw);
    // The 403 cluster's objects come first, so its RDE is the first one read.
    seed(naming::upstream_names(hidden, "web", "http"), "", "203.0.113.40");
    seed(naming::upstream_names(dead_upstream, "web", "http"), "", "203.0.113.10");
    seed(naming::upstream_names(dead_upstream, "api", "https"), "", "203.0.113.11");
    seed(naming::namespaced_names(dead_vcdlb, {"default", "web"}, "http"),
         naming::owner_marker(dead_vcdlb), "203.0.113.20");
    // Created before vcdlb wrote markers: only a --cluster-id establishes its owner.
    seed(naming::namespaced_names(dead_vcdlb, {"shop", "cart"}, "http"), "", "203.0.113.21");
    seed(naming::upstream_names(live, "web", "http"), "", "203.0.113.30");
    seed({"hand-made-vs", "hand-made-pool", "hand-made-dnat", "hand-made-profile"}, "mine",
         "203.0.113.50");
    fake.put_defined_entity(entity(dead_vcdlb, "IN_DELETION"));
    fake.put_defined_entity(entity(live, "RESOLVED"));
    fake.put_defined_entity(entity(hidden, "RESOLVED"));
    fake.fail_next(operation::get_defined_entity,
                   caf::make_error(vcd_errc::forbidden, "403 ACCESS_TO_RESOURCE_IS_FORBIDDEN"));
    opts.gateway_id = gw_id;
    opts.sleep = [this](std::chrono::milliseconds d) { slept += d; };
  }

  static vcd::defined_entity entity(const std::string& id, const std::string& state) {
    vcd::defined_entity e;
    e.id = id;
    e.entity_type = "urn:vcloud:type:vmware:capvcdCluster:1.2.0";
    e.state = state;
    e.body = R"({"id":")" + id + R"(","entityState":")" + state + R"(","entity":{}})";
    return e;
  }

  void seed(const naming::port_names& n, const std::string& description, const std::string& vip) {
    vcd::pool p;
    p.name = n.pool;
    p.description = description;
    p.gateway_ref = {"edge-1", gw_id};
    auto pool_id = fake.put_pool(p);
    vcd::virtual_service vs;
    vs.name = n.virtual_service;
    vs.description = description;
    vs.gateway_ref = {"edge-1", gw_id};
    vs.load_balancer_pool_ref = {n.pool, pool_id};
    vs.virtual_ip_address = vip;
    vs.service_ports.push_back({80, 0, false, {}});
    fake.put_virtual_service(vs);
    vcd::app_port_profile ap;
    ap.name = n.app_port_profile;
    ap.description = description;
    ap.application_ports.push_back({"", "TCP", {"80"}});
    auto profile_id = fake.put_app_port_profile(ap);
    vcd::nat_rule r;
    r.name = n.dnat_rule;
    r.description = description;
    r.external_addresses = vip;
    r.internal_addresses = "192.168.1.2";
    r.application_port_profile = {n.app_port_profile, profile_id};
    fake.put_nat_rule(gw_id, r);
  }

  // True when all four objects of `n` exist.
  bool all_exist(const naming::port_names& n) const {
    return fake.virtual_service_by_name(n.virtual_service) && fake.pool_by_name(n.pool)
           && fake.nat_rule_by_name(gw_id, n.dnat_rule)
           && fake.app_port_profile_by_name(n.app_port_profile);
  }
  bool none_exist(const naming::port_names& n) const {
    return !fake.virtual_service_by_name(n.virtual_service) && !fake.pool_by_name(n.pool)
           && !fake.nat_rule_by_name(gw_id, n.dnat_rule)
           && !fake.app_port_profile_by_name(n.app_port_profile);
  }

  static const gc::finding* find(const gc::report& r, const std::string& name) {
    for (const auto& f : r.findings)
      if (f.name == name)
        return &f;
    return nullptr;
  }

  vcd::fake_client fake;
  gc::options opts;
  std::chrono::milliseconds slept{0};
};

TEST_F(gc_collect, dry_run_judges_every_owner_and_changes_nothing) {
  fake.reset_calls();
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(fake.mutation_calls(), 0u);
  // 2 dead upstream ports + 1 marked dead vcdlb port, 4 objects each.
  EXPECT_EQ(r->count(gc::verdict::remove), 12u);
  EXPECT_EQ(r->count(gc::verdict::keep), 4u);   // the live cluster
  EXPECT_EQ(r->count(gc::verdict::skip), 8u);   // the 403 cluster and the unmarked vcdlb port
  EXPECT_EQ(find(*r, "hand-made-vs"), nullptr); // no cluster reference: not listed
  auto up = naming::upstream_names(dead_upstream, "web", "http");
  const auto* f = find(*r, up.virtual_service);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->what, gc::verdict::remove);
  EXPECT_EQ(f->cluster_id, dead_upstream);
  EXPECT_NE(f->reason.find("not found"), std::string::npos);
  const auto* marked =
    find(*r, naming::namespaced_names(dead_vcdlb, {"default", "web"}, "http").pool);
  ASSERT_NE(marked, nullptr);
  EXPECT_NE(marked->reason.find("IN_DELETION"), std::string::npos);
  const auto* hid = find(*r, naming::upstream_names(hidden, "web", "http").dnat_rule);
  ASSERT_NE(hid, nullptr);
  EXPECT_EQ(hid->what, gc::verdict::skip);
  EXPECT_NE(hid->reason.find("no right"), std::string::npos);
  const auto* unmarked =
    find(*r, naming::namespaced_names(dead_vcdlb, {"shop", "cart"}, "http").virtual_service);
  ASSERT_NE(unmarked, nullptr);
  EXPECT_EQ(unmarked->what, gc::verdict::skip);
  EXPECT_TRUE(unmarked->cluster_id.empty());
  // One RDE read per cluster.
  EXPECT_EQ(fake.calls(operation::get_defined_entity), 4u);
  auto table = gc::format_report(*r, false);
  EXPECT_NE(table.find("would remove 12, kept 4, skipped 8"), std::string::npos) << table;
}

TEST_F(gc_collect, apply_removes_the_dead_clusters_objects_only_and_a_second_run_finds_nothing) {
  opts.apply = true;
  opts.candidate_cluster_ids = {dead_vcdlb};
  fake.options().task_polls = 2; // deletions are tasks polled to completion
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->removed(), 16u) << gc::format_report(*r, true);
  EXPECT_EQ(r->failed(), 0u);
  EXPECT_EQ(fake.unfinished_tasks(), 0u);
  EXPECT_TRUE(none_exist(naming::upstream_names(dead_upstream, "web", "http")));
  EXPECT_TRUE(none_exist(naming::upstream_names(dead_upstream, "api", "https")));
  EXPECT_TRUE(none_exist(naming::namespaced_names(dead_vcdlb, {"default", "web"}, "http")));
  EXPECT_TRUE(none_exist(naming::namespaced_names(dead_vcdlb, {"shop", "cart"}, "http")));
  EXPECT_TRUE(all_exist(naming::upstream_names(live, "web", "http")));
  EXPECT_TRUE(all_exist(naming::upstream_names(hidden, "web", "http")));
  EXPECT_TRUE(all_exist({"hand-made-vs", "hand-made-pool", "hand-made-dnat", "hand-made-profile"}));
  EXPECT_GT(slept.count(), 0);

  fake.fail_next(operation::get_defined_entity, caf::make_error(vcd_errc::forbidden, "403"));
  fake.reset_calls();
  auto again = gc::collect(fake, opts);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count(gc::verdict::remove), 0u);
  EXPECT_EQ(fake.mutation_calls(), 0u);
}

TEST_F(gc_collect, a_failed_removal_is_reported_its_dependents_kept_and_the_rest_continues) {
  opts.apply = true;
  fake.options().task_polls = 1;
  fake.fail_next_task(operation::delete_virtual_service, {500, "INTERNAL", "boom"});
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed(), 2u) << gc::format_report(*r, true); // the VS and its pool
  EXPECT_EQ(r->removed(), 10u);
  const gc::finding* failed_vs = nullptr;
  for (const auto& f : r->findings)
    if (f.kind == gc::item_kind::virtual_service && !f.error.empty())
      failed_vs = &f;
  ASSERT_NE(failed_vs, nullptr);
  auto vs = fake.virtual_service_by_name(failed_vs->name);
  ASSERT_TRUE(vs);
  EXPECT_TRUE(fake.pool_by_name(vs->load_balancer_pool_ref.name));
  const auto* pool = find(*r, vs->load_balancer_pool_ref.name);
  ASSERT_NE(pool, nullptr);
  EXPECT_NE(pool->error.find("still used by virtual service"), std::string::npos);
  // A later run finishes the job.
  fake.fail_next(operation::get_defined_entity, caf::make_error(vcd_errc::forbidden, "403"));
  auto again = gc::collect(fake, opts);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->removed(), 2u);
  EXPECT_EQ(again->failed(), 0u);
}

TEST_F(gc_collect, transient_faults_are_retried) {
  opts.apply = true;
  fake.fail_next(operation::delete_pool, caf::make_error(vcd_errc::busy_entity, "BUSY_ENTITY"), 2);
  fake.fail_next(operation::list_nat_rules, caf::make_error(vcd_errc::unavailable, "503"));
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed(), 0u) << gc::format_report(*r, true);
  EXPECT_EQ(r->removed(), 12u);
}

TEST_F(gc_collect, a_listing_failure_is_an_error_and_removes_nothing) {
  opts.apply = true;
  fake.fail_next(operation::list_pool_summaries, caf::make_error(vcd_errc::forbidden, "403"));
  fake.reset_calls();
  auto r = gc::collect(fake, opts);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), vcd_errc::forbidden));
  EXPECT_EQ(fake.mutation_calls(), 0u);
}

TEST_F(gc_collect, ids_without_an_rde_are_never_removable) {
  seed(naming::upstream_names("NO_RDE_old", "web", "http"), "", "203.0.113.60");
  opts.candidate_cluster_ids = {"NO_RDE_old"};
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  const auto* f = find(*r, naming::upstream_names("NO_RDE_old", "web", "http").virtual_service);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->what, gc::verdict::skip);
  EXPECT_NE(f->reason.find("not an RDE URN"), std::string::npos);
}

// The gateway allocates from an IP Space; the clusters' Services hold floating IPs with claim
// markers (upstream's and vcdlb's are the same), next to allocations gc must not touch.
class gc_ip_spaces : public gc_collect {
protected:
  gc_ip_spaces() {
    vcd::edge_gateway gw;
    gw.id = gw_id;
    gw.name = "edge-1";
    vcd::gateway_uplink up;
    up.uplink_name = "provider";
    up.using_ip_space = true;
    gw.uplinks.push_back(up);
    fake.add_gateway(gw);
    vcd::ip_space space;
    space.name = "public";
    space_id = fake.add_ip_space(space, {{"203.0.113.1", "203.0.113.99"}}, -1, {gw_id});
    dead_ip = claim("203.0.113.10", naming::ip_claim_marker(dead_upstream, {"default", "web"}));
    dying_ip = claim("203.0.113.20", naming::ip_claim_marker(dead_vcdlb, {"default", "web"}));
    live_ip = claim("203.0.113.30", naming::ip_claim_marker(live, {"default", "web"}));
    hidden_ip = claim("203.0.113.40", naming::ip_claim_marker(hidden, {"default", "web"}));
    // A dead cluster's IP that a hand-made virtual service uses now (a marker outlives its
    // cluster, upstream issue 382): the IP stays reserved.
    reused_ip = claim("203.0.113.50", naming::ip_claim_marker(dead_upstream, {"default", "old"}));
    // A dead cluster's IP nothing uses any more (its objects were deleted by hand).
    orphan_ip = claim("203.0.113.70", naming::ip_claim_marker(dead_upstream, {"default", "gone"}));
    // A CSE 3 nativeCluster's marker: the trimmed id does not say which RDE it is.
    native_ip = claim("203.0.113.80", "cluster-55555555-5555-5555-5555-555555555555-namespace-"
                                      "default-service-web");
    // CAPVCD's own control-plane marker, and an allocation that is not a manual reservation.
    capvcd_ip = claim("203.0.113.81", "cluster-c1-id-" + dead_upstream);
    vcd::ip_allocation unused;
    unused.ip_space_id = space_id;
    unused.value = "203.0.113.82";
    unused.usage_state = "UNUSED";
    unused_ip = fake.put_ip_allocation(unused);
  }

  std::string claim(const std::string& ip, const std::string& marker) {
    vcd::ip_allocation a;
    a.ip_space_id = space_id;
    a.value = ip;
    a.usage_state = "USED_MANUAL";
    a.description = marker;
    return fake.put_ip_allocation(a);
  }

  bool allocated(const std::string& id) const {
    for (const auto& a : fake.ip_allocations())
      if (a.id == id)
        return true;
    return false;
  }

  static const gc::finding* find_allocation(const gc::report& r, const std::string& ip) {
    for (const auto& f : r.findings)
      if (f.kind == gc::item_kind::ip_allocation && f.name == ip)
        return &f;
    return nullptr;
  }

  std::string space_id, dead_ip, dying_ip, live_ip, hidden_ip, reused_ip, orphan_ip, native_ip,
    capvcd_ip, unused_ip;
};

TEST_F(gc_ip_spaces, dry_run_judges_the_allocations_by_their_claim_markers) {
  fake.reset_calls();
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(fake.mutation_calls(), 0u);
  auto table = gc::format_report(*r, false);
  // Objects as before (12, 4, 8) plus the IPs of the dead clusters (10, 20, 70), the live one and
  // the reused one (kept), the hidden and the native one (skipped).
  EXPECT_NE(table.find("would remove 15, kept 6, skipped 10"), std::string::npos) << table;
  const auto* dead = find_allocation(*r, "203.0.113.10");
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->what, gc::verdict::remove);
  EXPECT_EQ(dead->cluster_id, dead_upstream);
  EXPECT_EQ(dead->ip_space_id, space_id);
  EXPECT_NE(dead->reason.find("not found"), std::string::npos) << dead->reason;
  EXPECT_NE(dead->reason.find("claim marker cluster-capvcdCluster:1111"), std::string::npos)
    << dead->reason;
  EXPECT_NE(table.find("ip_allocation"), std::string::npos) << table;
  const auto* dying = find_allocation(*r, "203.0.113.20");
  ASSERT_NE(dying, nullptr);
  EXPECT_EQ(dying->what, gc::verdict::remove);
  EXPECT_NE(dying->reason.find("IN_DELETION"), std::string::npos);
  EXPECT_EQ(find_allocation(*r, "203.0.113.30")->what, gc::verdict::keep);
  EXPECT_EQ(find_allocation(*r, "203.0.113.40")->what, gc::verdict::skip);
  const auto* reused = find_allocation(*r, "203.0.113.50");
  ASSERT_NE(reused, nullptr);
  EXPECT_EQ(reused->what, gc::verdict::keep);
  EXPECT_NE(reused->reason.find("still used by virtual service hand-made-vs"), std::string::npos)
    << reused->reason;
  EXPECT_EQ(find_allocation(*r, "203.0.113.70")->what, gc::verdict::remove);
  const auto* native = find_allocation(*r, "203.0.113.80");
  ASSERT_NE(native, nullptr);
  EXPECT_EQ(native->what, gc::verdict::skip);
  EXPECT_TRUE(native->cluster_id.empty());
  EXPECT_EQ(find_allocation(*r, "203.0.113.81"), nullptr);  // CAPVCD's: not ours
  EXPECT_EQ(find_allocation(*r, "203.0.113.82"), nullptr);  // no reservation
  EXPECT_EQ(fake.calls(operation::get_defined_entity), 4u); // still one read per cluster
}

TEST_F(gc_ip_spaces, apply_releases_the_dead_clusters_ips_after_their_objects) {
  opts.apply = true;
  fake.options().task_polls = 1;
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->failed(), 0u) << gc::format_report(*r, true);
  EXPECT_EQ(r->removed(), 15u) << gc::format_report(*r, true);
  EXPECT_FALSE(allocated(dead_ip));
  EXPECT_FALSE(allocated(dying_ip));
  EXPECT_FALSE(allocated(orphan_ip));
  for (const auto& id : {live_ip, hidden_ip, reused_ip, native_ip, capvcd_ip, unused_ip})
    EXPECT_TRUE(allocated(id)) << id;
  // As upstream: the reservation is ended (UNUSED), then the IP is given back.
  EXPECT_EQ(fake.calls(operation::update_ip_allocation), 3u);
  EXPECT_EQ(fake.calls(operation::delete_ip_allocation), 3u);
  EXPECT_EQ(fake.unfinished_tasks(), 0u);

  fake.fail_next(operation::get_defined_entity, caf::make_error(vcd_errc::forbidden, "403"));
  fake.reset_calls();
  auto again = gc::collect(fake, opts);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count(gc::verdict::remove), 0u);
  EXPECT_EQ(fake.mutation_calls(), 0u);
}

TEST_F(gc_ip_spaces, an_ip_is_not_released_while_an_object_that_uses_it_remains) {
  opts.apply = true;
  fake.options().task_polls = 1;
  fake.fail_next_task(operation::delete_virtual_service, {500, "INTERNAL", "boom"});
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  const gc::finding* failed_vs = nullptr;
  for (const auto& f : r->findings)
    if (f.kind == gc::item_kind::virtual_service && !f.error.empty())
      failed_vs = &f;
  ASSERT_NE(failed_vs, nullptr);
  auto vs = fake.virtual_service_by_name(failed_vs->name);
  ASSERT_TRUE(vs);
  const auto* held = find_allocation(*r, vs->virtual_ip_address);
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->removed);
  EXPECT_NE(held->error.find("still used by virtual service " + vs->name), std::string::npos)
    << gc::format_report(*r, true);
  EXPECT_TRUE(allocated(held->id));
  EXPECT_EQ(fake.calls(operation::delete_ip_allocation), 2u); // the other dead clusters' IPs
  // The next run finishes: virtual service, pool, then the IP.
  fake.fail_next(operation::get_defined_entity, caf::make_error(vcd_errc::forbidden, "403"));
  auto again = gc::collect(fake, opts);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->failed(), 0u) << gc::format_report(*again, true);
  EXPECT_EQ(again->removed(), 3u) << gc::format_report(*again, true);
  EXPECT_FALSE(allocated(held->id));
}

TEST_F(gc_ip_spaces, a_failed_unmark_keeps_the_allocation_and_reports_it) {
  opts.apply = true;
  fake.fail_next(operation::update_ip_allocation,
                 caf::make_error(vcd_errc::forbidden, "403 ACCESS_TO_RESOURCE_IS_FORBIDDEN"));
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed(), 1u) << gc::format_report(*r, true);
  EXPECT_EQ(r->removed(), 14u);
  EXPECT_EQ(fake.calls(operation::delete_ip_allocation), 2u); // not after a failed unmark
}

TEST_F(gc_ip_spaces, a_candidate_cluster_id_establishes_a_trimmed_marker) {
  const std::string native = "urn:vcloud:entity:cse:nativeCluster:"
                             "55555555-5555-5555-5555-555555555555";
  opts.candidate_cluster_ids = {native};
  auto r = gc::collect(fake, opts);
  ASSERT_TRUE(r);
  const auto* f = find_allocation(*r, "203.0.113.80");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cluster_id, native);
  EXPECT_EQ(f->what, gc::verdict::remove); // its RDE does not exist
  EXPECT_NE(f->reason.find("of a --cluster-id"), std::string::npos) << f->reason;

  auto e = entity(native, "RESOLVED");
  e.entity_type = "urn:vcloud:type:cse:nativeCluster:2.0.0";
  fake.put_defined_entity(e);
  fake.fail_next(operation::get_defined_entity, caf::make_error(vcd_errc::forbidden, "403"));
  auto alive = gc::collect(fake, opts);
  ASSERT_TRUE(alive);
  EXPECT_EQ(find_allocation(*alive, "203.0.113.80")->what, gc::verdict::keep);
}

TEST_F(gc_ip_spaces, a_failed_allocation_listing_is_an_error_and_removes_nothing) {
  opts.apply = true;
  fake.fail_next(operation::list_ip_allocations, caf::make_error(vcd_errc::forbidden, "403"));
  fake.reset_calls();
  auto r = gc::collect(fake, opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(fake.mutation_calls(), 0u);
}

} // namespace
