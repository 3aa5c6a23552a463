// The in-memory vm_client: name and prefix queries, vApps with VMs, test controls, injected
// failures and call counting.

#include "adapters/vcd/fake_vm_client.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;

template <class T, class F>
caf::expected<T> run(F&& f) {
  std::optional<caf::expected<T>> out;
  f([&](caf::expected<T> x) { out.emplace(std::move(x)); });
  EXPECT_TRUE(out) << "the fake completes synchronously";
  return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
}

TEST(fake_vm_client, queries_by_name_or_prefix) {
  fake_vm_client c;
  c.add_vapp("cluster1", "vdc1");
  c.add_vapp("cluster1_abc", "vdc2");
  c.add_vapp("other", "vdc1");
  auto exact =
    run<std::vector<vapp_record>>([&](auto cb) { c.query_vapps("cluster1", false, cb); });
  ASSERT_TRUE(exact);
  ASSERT_EQ(exact->size(), 1u);
  EXPECT_EQ((*exact)[0].vdc_name, "vdc1");
  auto prefixed =
    run<std::vector<vapp_record>>([&](auto cb) { c.query_vapps("cluster1_", true, cb); });
  ASSERT_TRUE(prefixed);
  ASSERT_EQ(prefixed->size(), 1u);
  EXPECT_EQ((*prefixed)[0].name, "cluster1_abc");
  EXPECT_EQ(c.calls("query_vapps"), 2u);
}

TEST(fake_vm_client, vms_change_and_disappear) {
  fake_vm_client c;
  auto href = c.add_vapp("cluster1", "vdc1");
  auto id = c.add_vm(href, "node-1", "net1", "10.0.0.5");
  auto v = run<vapp>([&](auto cb) { c.get_vapp(href, cb); });
  ASSERT_TRUE(v);
  ASSERT_EQ(v->vms.size(), 1u);
  EXPECT_EQ(v->vms[0].id, id);
  EXPECT_EQ(v->vms[0].status, vm_status_powered_on);
  EXPECT_EQ(v->vms[0].nics.at(0).ip, "10.0.0.5");

  EXPECT_TRUE(c.set_vm_status(id, vm_status_powered_off));
  EXPECT_TRUE(c.set_vm_nics(id, {vm_nic{0, "net1", "10.0.0.6", "", "m", true}}));
  v = run<vapp>([&](auto cb) { c.get_vapp(href, cb); });
  ASSERT_TRUE(v);
  EXPECT_EQ(v->vms[0].status, vm_status_powered_off);
  EXPECT_EQ(v->vms[0].nics.at(0).ip, "10.0.0.6");

  EXPECT_TRUE(c.remove_vm(id));
  EXPECT_FALSE(c.remove_vm(id));
  EXPECT_FALSE(c.set_vm_status(id, vm_status_powered_on));
  v = run<vapp>([&](auto cb) { c.get_vapp(href, cb); });
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->vms.empty());

  EXPECT_TRUE(c.remove_vapp(href));
  v = run<vapp>([&](auto cb) { c.get_vapp(href, cb); });
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), vcd_errc::not_found);
}

TEST(fake_vm_client, injected_failures_hit_the_next_calls) {
  fake_vm_client c;
  auto href = c.add_vapp("cluster1", "vdc1");
  c.fail_next(caf::make_error(vcd_errc::unavailable, "down"), 2);
  EXPECT_FALSE(
    run<std::vector<vapp_record>>([&](auto cb) { c.query_vapps("cluster1", false, cb); }));
  EXPECT_FALSE(run<vapp>([&](auto cb) { c.get_vapp(href, cb); }));
  EXPECT_TRUE(run<vapp>([&](auto cb) { c.get_vapp(href, cb); }));
  EXPECT_EQ(c.calls("get_vapp"), 2u);
}

} // namespace
