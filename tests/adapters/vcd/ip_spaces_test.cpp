// IP Space operations of the VCD client (ip-spaces-rde-traffic.md §1): the wire shapes the real
// client sends and decodes, the allocate task's result, the fake's quota and allocation rules,
// and list_marked_allocations.

#include "adapters/vcd/ip_spaces.hpp"

#include <optional>
#include <set>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/detail/json.hpp"
#include "adapters/vcd/detail/xml.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "tests/adapters/vcd/scripted_http.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::vcd;
namespace bj = boost::json;

const std::string base = "https://vcd.example.com";
const std::string gw = "urn:vcloud:gateway:2d7a";
const std::string space = "urn:vcloud:ipSpace:5e1";

template <class T, class F>
caf::expected<T> run(F&& f) {
  std::optional<caf::expected<T>> out;
  size_t calls = 0;
  f([&](caf::expected<T> x) {
    ++calls;
    out.emplace(std::move(x));
  });
  EXPECT_EQ(calls, 1u) << "callback must run exactly once, synchronously";
  return out ? std::move(*out) : caf::expected<T>{caf::make_error(vcd_errc::bad_response)};
}

// -- decoding ------------------------------------------------------------------------------------

TEST(ip_space_json, suggestions_page_decodes) {
  auto page = detail::decode_floating_ip_suggestion_page(
    R"({"resultTotal":2,"pageCount":1,"page":1,"pageSize":10,"associations":[],"values":[
      {"ipSpaceRef":{"name":"public-a","id":"urn:vcloud:ipSpace:1"},"unusedValues":["198.51.100.7"]},
      {"ipSpaceRef":{"name":"public-b","id":"urn:vcloud:ipSpace:2"},"unusedValues":null}]})");
  ASSERT_TRUE(page) << describe(page.error());
  ASSERT_EQ(page->values.size(), 2u);
  EXPECT_EQ(page->values[0].ip_space_ref, (entity_ref{"public-a", "urn:vcloud:ipSpace:1"}));
  EXPECT_EQ(page->values[0].unused_values, std::vector<std::string>{"198.51.100.7"});
  EXPECT_TRUE(page->values[1].unused_values.empty());
}

TEST(ip_space_json, ip_space_reads_string_counters) {
  auto s = detail::decode_ip_space(
    R"({"id":"urn:vcloud:ipSpace:1","name":"public-a","type":"PUBLIC","status":"REALIZED",
        "utilization":{"floatingIPs":{"totalCount":"3","allocatedCount":"2","usedCount":"1",
        "unusedCount":"1","allocatedPercentage":66.6,"usedPercentage":33.3}}})");
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->type, "PUBLIC");
  EXPECT_TRUE(s->utilization_reported);
  EXPECT_EQ(s->floating_ip_total, 3);
  EXPECT_EQ(s->floating_ip_allocated, 2);
  EXPECT_EQ(s->floating_ip_used, 1);
  auto uncapped =
    detail::decode_ip_space(R"({"id":"x","utilization":{"floatingIPs":{"totalCount":"-1"}}})");
  ASSERT_TRUE(uncapped);
  EXPECT_EQ(uncapped->floating_ip_total, -1);
  auto bad = detail::decode_ip_space(R"({"utilization":{"floatingIPs":{"totalCount":"many"}}})");
  EXPECT_TRUE(has_code(bad.error(), vcd_errc::bad_response));
}

TEST(ip_space_json, allocation_round_trip_keeps_only_writable_fields) {
  auto page = detail::decode_ip_allocation_page(
    R"({"resultTotal":1,"values":[{"id":"urn:vcloud:ipSpaceIpAllocation:9","type":"FLOATING_IP",
        "value":"198.51.100.7","allocationDate":"2026-12-01T10:00:00.000Z",
        "orgRef":{"name":"org1","id":"urn:vcloud:org:1"},"usageState":"USED_MANUAL",
        "description":"cluster-c1-namespace-default-service-web",
        "usedByRef":{"name":"edge-1","id":"urn:vcloud:gateway:1"},
        "usageCategories":["LOAD_BALANCER"]}]})");
  ASSERT_TRUE(page) << describe(page.error());
  ASSERT_EQ(page->values.size(), 1u);
  const auto& a = page->values[0];
  EXPECT_EQ(a.usage_state, "USED_MANUAL");
  EXPECT_EQ(a.description, "cluster-c1-namespace-default-service-web");
  EXPECT_EQ(a.usage_categories, std::vector<std::string>{"LOAD_BALANCER"});
  EXPECT_EQ(a.used_by_ref.id, "urn:vcloud:gateway:1");
  EXPECT_EQ(bj::parse(detail::encode_ip_allocation(a)),
            bj::parse(R"({"id":"urn:vcloud:ipSpaceIpAllocation:9","type":"FLOATING_IP",
                "value":"198.51.100.7","usageState":"USED_MANUAL",
                "description":"cluster-c1-namespace-default-service-web",
                "orgRef":{"name":"org1","id":"urn:vcloud:org:1"}})"));
}

TEST(ip_space_json, allocation_request_is_quantity_or_value) {
  EXPECT_EQ(bj::parse(detail::encode_allocation_request("")),
            bj::parse(R"({"type":"FLOATING_IP","quantity":1})"));
  EXPECT_EQ(bj::parse(detail::encode_allocation_request("198.51.100.9")),
            bj::parse(R"({"type":"FLOATING_IP","value":"198.51.100.9"})"));
}

TEST(ip_space_json, allocate_task_result_is_read_from_the_task_document) {
  auto t = detail::decode_task(
    R"(<Task xmlns="http://www.vmware.com/vcloud/v1.5" id="urn:vcloud:task:7" href="h" status="success">
  <Owner id="urn:vcloud:ipSpace:1" name="public-a"/>
  <Result><ResultContent>[{&quot;id&quot;:&quot;urn:vcloud:ipSpaceIpAllocation:3&quot;,&quot;value&quot;:&quot;198.51.100.10&quot;,&quot;suggestedValue&quot;:null}]</ResultContent></Result>
</Task>)");
  ASSERT_TRUE(t) << describe(t.error());
  auto values = parse_allocation_result(*t);
  ASSERT_TRUE(values) << describe(values.error());
  ASSERT_EQ(values->size(), 1u);
  EXPECT_EQ(values->at(0), (allocated_ip{"urn:vcloud:ipSpaceIpAllocation:3", "198.51.100.10", ""}));
  task empty;
  empty.id = "urn:vcloud:task:8";
  EXPECT_TRUE(has_code(parse_allocation_result(empty).error(), vcd_errc::bad_response));
  empty.result_content = R"({"id":"x"})";
  EXPECT_TRUE(has_code(parse_allocation_result(empty).error(), vcd_errc::bad_response))
    << "an object is not the array VCD sends";
  empty.result_content = R"([{"id":"x"}])";
  EXPECT_TRUE(has_code(parse_allocation_result(empty).error(), vcd_errc::bad_response))
    << "an allocation without value";
}

// -- the real client's requests ------------------------------------------------------------------

http::response json(unsigned status, std::string body, http::header_list fields = {}) {
  http::response r;
  r.status = status;
  r.fields = std::move(fields);
  r.fields.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string path_of(const std::string& target) {
  return target.substr(0, target.find('?'));
}

TEST(ip_space_beast_client, operations_use_the_reference_endpoints_and_bodies) {
  std::vector<http::request> seen;
  auto http = std::make_shared<test::scripted_http>([&](const http::request& r)
                                                      -> caf::expected<http::response> {
    auto path = path_of(r.target);
    if (path == "/api/versions") {
      http::response resp;
      resp.status = 200;
      resp.body = "<SupportedVersions><VersionInfo><Version>37.2</Version></VersionInfo>"
                  "</SupportedVersions>";
      return resp;
    }
    if (path == "/cloudapi/1.0.0/sessions")
      return json(200, R"({"id":"s","org":{"name":"org1","id":"urn:vcloud:org:1"}})",
                  {{"X-VMWARE-VCLOUD-ACCESS-TOKEN", "tok"}});
    seen.push_back(r);
    if (path == "/cloudapi/1.0.0/ipSpaces/floatingIpSuggestions") {
      if (r.target.find("page=1&") != std::string::npos)
        return json(200, R"({"resultTotal":2,"pageCount":2,"page":1,"values":[
            {"ipSpaceRef":{"name":"a","id":"urn:vcloud:ipSpace:1"},"unusedValues":[]}]})");
      return json(200, R"({"resultTotal":2,"pageCount":2,"page":2,"values":[
            {"ipSpaceRef":{"name":"b","id":"urn:vcloud:ipSpace:2"},"unusedValues":["1.2.3.4"]}]})");
    }
    if (r.method == "GET" && path.ends_with("/allocations"))
      return json(
        200,
        R"({"resultTotal":1,"pageCount":1,"values":[{"id":"urn:vcloud:ipSpaceIpAllocation:1","value":"1.2.3.4","type":"FLOATING_IP"}]})");
    if (r.method == "GET" && path.find("/allocations/") != std::string::npos)
      return json(200, R"({"id":"urn:vcloud:ipSpaceIpAllocation:1","value":"1.2.3.4"})");
    if (r.method == "GET")
      return json(200, R"({"id":")" + space + R"(","name":"a","type":"PUBLIC"})");
    return json(202, "", {{"Location", base + "/api/task/t1"}});
  });
  beast_client_options o;
  o.org = "org1";
  o.user = "u";
  o.password = config::secret_string{"p"};
  auto c = beast_client::make(http, base, o);

  auto sugg = run<std::vector<floating_ip_suggestion>>(
    [&](auto cb) { c->list_floating_ip_suggestions(gw, cb); });
  ASSERT_TRUE(sugg) << describe(sugg.error());
  ASSERT_EQ(sugg->size(), 2u) << "both pages";
  EXPECT_EQ(sugg->at(1).unused_values, std::vector<std::string>{"1.2.3.4"});
  auto s = run<ip_space>([&](auto cb) { c->get_ip_space(space, cb); });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "PUBLIC");
  auto alloc = run<task_ref>([&](auto cb) { c->allocate_floating_ip(space, "", cb); });
  ASSERT_TRUE(alloc);
  EXPECT_EQ(alloc->id, "t1");
  auto specific = run<task_ref>([&](auto cb) { c->allocate_floating_ip(space, "1.2.3.9", cb); });
  ASSERT_TRUE(specific);
  auto list = run<std::vector<ip_allocation>>([&](auto cb) {
    c->list_ip_allocations(space, fiql::eq("type", "FLOATING_IP").with("value", "1.2.3.4"), cb);
  });
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).ip_space_id, space) << "the client fills the space";
  auto one = run<ip_allocation>(
    [&](auto cb) { c->get_ip_allocation(space, "urn:vcloud:ipSpaceIpAllocation:1", cb); });
  ASSERT_TRUE(one);
  EXPECT_EQ(one->ip_space_id, space);
  auto marked = *one;
  marked.usage_state = "USED_MANUAL";
  marked.description = "cluster-c-namespace-n-service-s";
  ASSERT_TRUE(run<task_ref>([&](auto cb) { c->update_ip_allocation(marked, cb); }));
  marked.ip_space_id.clear();
  auto no_space = run<task_ref>([&](auto cb) { c->update_ip_allocation(marked, cb); });
  EXPECT_TRUE(has_code(no_space.error(), vcd_errc::bad_request));
  ASSERT_TRUE(run<task_ref>(
    [&](auto cb) { c->delete_ip_allocation(space, "urn:vcloud:ipSpaceIpAllocation:1", cb); }));

  std::vector<std::string> hits;
  for (const auto& r : seen)
    hits.push_back(r.method + " " + path_of(r.target));
  const std::string sp = "/cloudapi/1.0.0/ipSpaces/" + space;
  std::vector<std::string> want{
    "GET /cloudapi/1.0.0/ipSpaces/floatingIpSuggestions",
    "GET /cloudapi/1.0.0/ipSpaces/floatingIpSuggestions",
    "GET " + sp,
    "POST " + sp + "/allocate",
    "POST " + sp + "/allocate",
    "GET " + sp + "/allocations",
    "GET " + sp + "/allocations/urn:vcloud:ipSpaceIpAllocation:1",
    "PUT " + sp + "/allocations/urn:vcloud:ipSpaceIpAllocation:1",
    "DELETE " + sp + "/allocations/urn:vcloud:ipSpaceIpAllocation:1",
  };
  EXPECT_EQ(hits, want);
  // gatewayId is mandatory in the suggestions filter; IPv4 only.
  EXPECT_NE(seen[0].target.find("filter=gatewayId%3D%3Durn%3Avcloud%3Agateway%3A2d7a%3BipType%3D%"
                                "3DIPV4"),
            std::string::npos)
    << seen[0].target;
  EXPECT_EQ(bj::parse(seen[3].body), bj::parse(R"({"type":"FLOATING_IP","quantity":1})"));
  EXPECT_EQ(bj::parse(seen[4].body), bj::parse(R"({"type":"FLOATING_IP","value":"1.2.3.9"})"));
  EXPECT_NE(seen[5].target.find("filter=type%3D%3DFLOATING_IP%3Bvalue%3D%3D1.2.3.4"),
            std::string::npos)
    << seen[5].target;
  auto put = bj::parse(seen[7].body).as_object();
  EXPECT_EQ(put.at("usageState"), "USED_MANUAL");
  EXPECT_EQ(put.at("description"), "cluster-c-namespace-n-service-s");
  EXPECT_FALSE(put.contains("ipSpaceId")) << "not a wire field";
  for (const auto& r : seen)
    EXPECT_EQ(*detail::header_value(r.fields, "X-VMWARE-VCLOUD-TENANT-CONTEXT"), "1")
      << "allocations are org-scoped: the tenant context goes with every call";
}

// -- the fake ------------------------------------------------------------------------------------

class fake_ip_space_test : public ::testing::Test {
protected:
  fake_client fake;
  std::string gw_id;
  std::string space_id;

  void SetUp() override {
    edge_gateway g;
    g.name = "edge-ips";
    gateway_uplink up;
    up.uplink_id = "urn:vcloud:network:provider";
    up.using_ip_space = true; // no subnets: IPs come from the space
    g.uplinks.push_back(up);
    gw_id = fake.add_gateway(g);
    ip_space s;
    s.name = "public-a";
    space_id = fake.add_ip_space(s, {{"198.51.100.10", "198.51.100.12"}}, 2, {gw_id});
  }

  caf::expected<task> allocate(std::string value = {}) {
    auto ref = run<task_ref>([&](auto cb) { fake.allocate_floating_ip(space_id, value, cb); });
    if (!ref)
      return std::move(ref.error());
    return run<task>([&](auto cb) { fake.get_task(*ref, cb); });
  }
};

TEST_F(fake_ip_space_test, allocate_until_the_quota_then_a_failed_task_names_space_and_quota) {
  auto first = allocate();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, task_status::success);
  auto got = parse_allocation_result(*first);
  ASSERT_TRUE(got) << describe(got.error());
  EXPECT_EQ(got->at(0).value, "198.51.100.10");
  auto second = allocate();
  ASSERT_EQ(second->status, task_status::success);
  EXPECT_EQ(parse_allocation_result(*second)->at(0).value, "198.51.100.11");
  auto third = allocate();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, task_status::error);
  EXPECT_EQ(third->error.message, ip_space_quota_message("public-a", 2));
  EXPECT_TRUE(third->result_content.empty());
  EXPECT_EQ(fake.ip_allocations().size(), 2u);
  EXPECT_TRUE(is_mutation(operation::allocate_floating_ip));
}

TEST_F(fake_ip_space_test, exhausted_space_and_specific_values) {
  ip_space tiny;
  tiny.id = "urn:vcloud:ipSpace:tiny";
  tiny.name = "tiny";
  fake.add_ip_space(tiny, {{"198.51.100.50", ""}}, -1, {gw_id});
  space_id = "urn:vcloud:ipSpace:tiny";
  ASSERT_EQ(allocate("198.51.100.50")->status, task_status::success);
  auto again = allocate();
  EXPECT_EQ(again->status, task_status::error);
  EXPECT_EQ(again->error.message, ip_space_exhausted_message("tiny"));
  EXPECT_EQ(allocate("198.51.100.50")->status, task_status::error) << "already allocated";
  EXPECT_EQ(allocate("10.0.0.1")->status, task_status::error) << "outside the ranges";
  fake.options().api_version = "37.1";
  auto old = run<task_ref>([&](auto cb) { fake.allocate_floating_ip(space_id, "1.1.1.1", cb); });
  EXPECT_TRUE(has_code(old.error(), vcd_errc::bad_request)) << "value needs API 37.2";
}

TEST_F(fake_ip_space_test, suggestions_list_unused_allocations_and_refuse_range_gateways) {
  ASSERT_TRUE(allocate());
  auto s = run<std::vector<floating_ip_suggestion>>(
    [&](auto cb) { fake.list_floating_ip_suggestions(gw_id, cb); });
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ(s->at(0).ip_space_ref.id, space_id);
  EXPECT_EQ(s->at(0).unused_values, std::vector<std::string>{"198.51.100.10"});
  edge_gateway ranges;
  ranges.name = "edge-ranges";
  ranges.uplinks.push_back({});
  auto other = fake.add_gateway(ranges);
  auto refused = run<std::vector<floating_ip_suggestion>>(
    [&](auto cb) { fake.list_floating_ip_suggestions(other, cb); });
  EXPECT_TRUE(has_code(refused.error(), vcd_errc::forbidden));
}

TEST_F(fake_ip_space_test, mark_used_filter_release) {
  ASSERT_TRUE(allocate());
  auto all = run<std::vector<ip_allocation>>(
    [&](auto cb) { fake.list_ip_allocations(space_id, fiql::eq("type", "FLOATING_IP"), cb); });
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  auto a = all->at(0);
  EXPECT_EQ(a.usage_state, "UNUSED");
  a.usage_state = "USED_MANUAL";
  a.description = "cluster-c1-namespace-default-service-web";
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.update_ip_allocation(a, cb); }));
  auto marked = run<std::vector<ip_allocation>>([&](auto cb) {
    fake.list_ip_allocations(space_id,
                             fiql::eq("type", "FLOATING_IP").with("usageState", "USED_MANUAL"), cb);
  });
  ASSERT_EQ(marked->size(), 1u);
  EXPECT_EQ(marked->at(0).description, a.description);
  auto untyped = run<std::vector<ip_allocation>>(
    [&](auto cb) { fake.list_ip_allocations(space_id, fiql::eq("value", a.value), cb); });
  EXPECT_TRUE(has_code(untyped.error(), vcd_errc::bad_request)) << "the type must be filtered";
  auto by_description = run<std::vector<ip_allocation>>([&](auto cb) {
    fake.list_ip_allocations(
      space_id, fiql::eq("type", "FLOATING_IP").with("description", a.description), cb);
  });
  EXPECT_TRUE(has_code(by_description.error(), vcd_errc::bad_request)) << "NonSearchable";
  auto s = run<ip_space>([&](auto cb) { fake.get_ip_space(space_id, cb); });
  EXPECT_EQ(s->floating_ip_allocated, 1);
  EXPECT_EQ(s->floating_ip_used, 1);
  EXPECT_EQ(s->floating_ip_total, 2);
  ASSERT_TRUE(run<task_ref>([&](auto cb) { fake.delete_ip_allocation(space_id, a.id, cb); }));
  EXPECT_TRUE(fake.ip_allocations().empty());
  auto gone = run<ip_allocation>([&](auto cb) { fake.get_ip_allocation(space_id, a.id, cb); });
  EXPECT_TRUE(has_code(gone.error(), vcd_errc::not_found));
}

TEST_F(fake_ip_space_test, marked_allocations_are_found_by_prefix_in_every_space) {
  ip_space b;
  b.name = "public-b";
  auto other = fake.add_ip_space(b, {{"192.0.2.1", "192.0.2.9"}}, -1, {gw_id});
  ip_allocation a;
  a.ip_space_id = space_id;
  a.value = "198.51.100.10";
  a.usage_state = "USED_MANUAL";
  a.description = "cluster-c1-namespace-default-service-web";
  fake.put_ip_allocation(a);
  a.ip_space_id = other;
  a.value = "192.0.2.1";
  a.description = "cluster-c1-namespace-prod-service-api";
  fake.put_ip_allocation(a);
  a.value = "192.0.2.2";
  a.description = "cluster-c2-namespace-default-service-web"; // another cluster
  fake.put_ip_allocation(a);
  a.value = "192.0.2.3";
  a.usage_state = "UNUSED";
  a.description = "";
  fake.put_ip_allocation(a);
  auto shared = std::shared_ptr<client>(&fake, [](client*) {});
  auto found = run<std::vector<ip_allocation>>(
    [&](auto cb) { list_marked_allocations(shared, gw_id, "cluster-c1-namespace-", cb); });
  ASSERT_TRUE(found) << describe(found.error());
  ASSERT_EQ(found->size(), 2u);
  std::set<std::string> values{found->at(0).value, found->at(1).value};
  EXPECT_EQ(values, (std::set<std::string>{"198.51.100.10", "192.0.2.1"}));
  auto all = run<std::vector<ip_allocation>>(
    [&](auto cb) { list_marked_allocations(shared, gw_id, "", cb); });
  EXPECT_EQ(all->size(), 3u) << "every USED_MANUAL allocation, not the UNUSED one";
}

TEST_F(fake_ip_space_test, used_ip_addresses_include_allocated_vips) {
  ASSERT_TRUE(allocate());
  nat_rule r;
  r.name = "dnat-x";
  r.external_addresses = "198.51.100.10";
  r.internal_addresses = "192.168.8.2";
  fake.put_nat_rule(gw_id, r);
  auto used = run<std::vector<used_ip>>([&](auto cb) { fake.list_used_ip_addresses(gw_id, cb); });
  ASSERT_TRUE(used);
  ASSERT_EQ(used->size(), 1u);
  EXPECT_EQ(used->at(0).ip_address, "198.51.100.10");
  EXPECT_EQ(used->at(0).category, "DNAT");
}

} // namespace
