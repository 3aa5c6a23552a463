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
    if (f.kind == object_kind::virtual_service && !f.error.empty())
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

} // namespace
