// Edge gateway firewall rules (whole-list PUT, per-rule versions, order, gateway lock) and IP
// sets (address validation, gateway scoping, summaries, in-use protection).

#include "protocol/errors.hpp"
#include "sim_fixture.hpp"

namespace {

using namespace vcdlb::vcd::sim;
using namespace vcdlb::vcd::sim::test;
namespace http = vcdlb::http;
using vcdlb::describe;

class vcd_sim_firewall : public sim_test {
protected:
  json::object ip_set(const std::string& name, json::array addresses) const {
    return {{"name", name},
            {"typeValue", "IP_SET"},
            {"ownerRef", gw_ref()},
            {"ipAddresses", std::move(addresses)}};
  }

  std::string make_ip_set(const std::string& name, json::array addresses) {
    auto r = post("/cloudapi/1.0.0/firewallGroups", ip_set(name, std::move(addresses)));
    EXPECT_EQ(r.status, 202u) << r.body;
    finish_tasks();
    auto ids = sim->find("firewallGroup", name);
    return ids.empty() ? "" : ids.front();
  }

  static json::object rule(const std::string& name, const std::string& action,
                           const std::string& source = "", const std::string& dest = "") {
    json::object o{{"name", name}, {"actionValue", action}, {"direction", "IN"}};
    if (!source.empty())
      o["sourceFirewallGroups"] = json::array{json::object{{"id", source}}};
    if (!dest.empty())
      o["destinationFirewallGroups"] = json::array{json::object{{"id", dest}}};
    return o;
  }

  http::response put_rules(json::array rules) {
    return put(gw_path("/firewall/rules"), json::object{{"userDefinedRules", std::move(rules)}});
  }

  json::array user_rules() {
    auto r = call("GET", gw_path("/firewall/rules"));
    EXPECT_EQ(r.status, 200u) << r.body;
    auto v = body_of(r);
    return v.at("userDefinedRules").as_array();
  }

  static std::vector<std::string> names(const json::array& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules)
      out.push_back(str(r, "name"));
    return out;
  }
};

TEST_F(vcd_sim_firewall, put_replaces_the_list_in_payload_order_and_locks_the_gateway) {
  auto src = make_ip_set("clients", {"198.51.100.0/24"});
  auto vip = make_ip_set("vip", {"203.0.113.10"});
  auto r = put_rules({rule("allow", "ALLOW", src, vip), rule("drop", "DROP", "", vip)});
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(str(task_json(r), "owner.id"), gw);
  // The gateway is locked until the task ends.
  auto busy = put_rules({});
  EXPECT_EQ(busy.status, 400u);
  EXPECT_EQ(str(body_of(busy), "minorErrorCode"), "BUSY_ENTITY");
  finish_tasks();
  auto rules = user_rules();
  ASSERT_EQ(names(rules), (std::vector<std::string>{"allow", "drop"}));
  EXPECT_EQ(str(rules[0], "id").find("urn:"), std::string::npos);
  EXPECT_EQ(str(rules[0], "version.version"), "0");
  EXPECT_EQ(str(rules[0].at("sourceFirewallGroups").at(0), "name"), "clients");
  EXPECT_EQ(str(rules[0], "action"), "ALLOW");
  EXPECT_EQ(str(rules[1], "actionValue"), "DROP");
}

TEST_F(vcd_sim_firewall, existing_rules_need_their_current_version_and_omitted_ones_go) {
  ASSERT_EQ(put_rules({rule("a", "ALLOW"), rule("b", "DROP"), rule("c", "ALLOW")}).status, 202u);
  finish_tasks();
  auto rules = user_rules();
  // Reorder: c first, drop b, keep a unchanged.
  auto c = rules[2].as_object();
  auto a = rules[0].as_object();
  ASSERT_EQ(put_rules({c, a, rule("d", "REJECT")}).status, 202u);
  finish_tasks();
  rules = user_rules();
  EXPECT_EQ(names(rules), (std::vector<std::string>{"c", "a", "d"}));
  EXPECT_EQ(str(rules[1], "id"), str(a, "id"));
  EXPECT_EQ(str(rules[1], "version.version"), "0"); // unchanged rules keep their version
  // A change bumps the version; writing the old version afterwards is refused.
  auto changed = rules[1].as_object();
  changed["description"] = "edited";
  ASSERT_EQ(put_rules({rules[0], changed, rules[2]}).status, 202u);
  finish_tasks();
  EXPECT_EQ(str(user_rules()[1], "version.version"), "1");
  auto stale = put_rules({rules[0], rules[1], rules[2]});
  EXPECT_EQ(stale.status, 400u);
  EXPECT_NE(str(body_of(stale), "message").find("changed by someone else"), std::string::npos);
  // A missing version on an existing rule is refused too, and nothing changed.
  auto no_version = rules[0].as_object();
  no_version.erase("version");
  EXPECT_EQ(put_rules({no_version}).status, 400u);
  EXPECT_EQ(user_rules().size(), 3u);
}

TEST_F(vcd_sim_firewall, invalid_rules_are_refused_and_change_nothing) {
  ASSERT_EQ(put_rules({rule("keep", "ALLOW")}).status, 202u);
  finish_tasks();
  EXPECT_EQ(put_rules({rule("", "ALLOW")}).status, 400u);
  EXPECT_EQ(put_rules({rule("x", "PERMIT")}).status, 400u);
  auto bad_dir = rule("x", "ALLOW");
  bad_dir["direction"] = "SIDEWAYS";
  EXPECT_EQ(put_rules({bad_dir}).status, 400u);
  EXPECT_EQ(put_rules({rule("x", "ALLOW", "urn:vcloud:firewallGroup:nope")}).status, 400u);
  auto versioned_new = rule("x", "ALLOW");
  versioned_new["version"] = json::object{{"version", 3}};
  EXPECT_EQ(put_rules({versioned_new}).status, 400u);
  json::array many;
  for (int i = 0; i < 1001; ++i)
    many.push_back(rule("r" + std::to_string(i), "ALLOW"));
  EXPECT_EQ(put_rules(std::move(many)).status, 400u);
  EXPECT_EQ(names(user_rules()), (std::vector<std::string>{"keep"}));
}

TEST_F(vcd_sim_firewall, an_out_of_band_edit_makes_the_old_version_stale) {
  ASSERT_EQ(put_rules({rule("theirs", "ALLOW")}).status, 202u);
  finish_tasks();
  auto before = user_rules();
  ASSERT_TRUE(sim->patch_object(str(before[0], "id"), json::object{{"description", "by hand"}}));
  EXPECT_EQ(put_rules({before[0]}).status, 400u);
  EXPECT_EQ(str(user_rules()[0], "description"), "by hand");
}

TEST_F(vcd_sim_firewall, ip_sets_validate_addresses_and_names_per_gateway) {
  auto id = make_ip_set("ok", {"10.0.0.1", "10.0.0.0/8", "10.0.0.1-10.0.0.9", "2001:db8::/32"});
  ASSERT_FALSE(id.empty());
  for (const char* bad : {"10.0.0.0/33", "10.0.0.300", "10.0.0.9-10.0.0.1", "nonsense", ""}) {
    auto r = post("/cloudapi/1.0.0/firewallGroups", ip_set("bad", json::array{bad}));
    EXPECT_EQ(r.status, 400u) << bad;
  }
  EXPECT_EQ(post("/cloudapi/1.0.0/firewallGroups", ip_set("ok", {"10.0.0.2"})).status, 400u);
  auto wrong_owner = ip_set("elsewhere", {"10.0.0.2"});
  wrong_owner["ownerRef"] = json::object{{"id", "urn:vcloud:gateway:nope"}};
  EXPECT_EQ(post("/cloudapi/1.0.0/firewallGroups", wrong_owner).status, 400u);
  // Details carry the addresses; summaries filtered by the gateway do not.
  auto details = body_of(call("GET", "/cloudapi/1.0.0/firewallGroups/" + id));
  EXPECT_EQ(details.at("ipAddresses").as_array().size(), 4u);
  EXPECT_EQ(str(details, "ownerRef.id"), gw);
  auto list = body_of(call("GET", "/cloudapi/1.0.0/firewallGroups/summaries?filter="
                                    + detail::url_encode("_context==" + gw + ";name==ok")));
  ASSERT_EQ(list.at("values").as_array().size(), 1u);
  EXPECT_EQ(str(list.at("values").at(0), "ipAddresses"), "<missing>");
  auto none = body_of(call("GET", "/cloudapi/1.0.0/firewallGroups/summaries?filter="
                                    + detail::url_encode("_context==urn:vcloud:gateway:other")));
  EXPECT_TRUE(none.at("values").as_array().empty());
  // Update replaces the addresses.
  auto upd = ip_set("ok", {"192.0.2.0/24"});
  ASSERT_EQ(put("/cloudapi/1.0.0/firewallGroups/" + id, upd).status, 202u);
  finish_tasks();
  details = body_of(call("GET", "/cloudapi/1.0.0/firewallGroups/" + id));
  EXPECT_EQ(str(details.at("ipAddresses").at(0), ""), "192.0.2.0/24");
}

TEST_F(vcd_sim_firewall, an_ip_set_in_use_by_a_rule_cannot_be_deleted) {
  auto src = make_ip_set("src", {"198.51.100.7"});
  ASSERT_EQ(put_rules({rule("uses-src", "ALLOW", src)}).status, 202u);
  finish_tasks();
  auto r = call("DELETE", "/cloudapi/1.0.0/firewallGroups/" + src);
  EXPECT_EQ(r.status, 400u);
  ASSERT_EQ(put_rules({}).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("DELETE", "/cloudapi/1.0.0/firewallGroups/" + src).status, 202u);
  finish_tasks();
  EXPECT_EQ(call("GET", "/cloudapi/1.0.0/firewallGroups/" + src).status, 403u);
}

TEST_F(vcd_sim_firewall, the_dump_shows_rules_sets_and_the_enforcement_order) {
  auto src = make_ip_set("src", {"198.51.100.7"});
  ASSERT_EQ(put_rules({rule("z-first", "ALLOW", src), rule("a-second", "DROP")}).status, 202u);
  finish_tasks();
  auto d = sim->dump();
  EXPECT_EQ(d.at("ip_sets").as_array().size(), 1u);
  ASSERT_EQ(d.at("firewall_rules").as_array().size(), 2u);
  const auto& order = d.at("gateways").at(0).at("_sim").at("firewall_order").as_array();
  ASSERT_EQ(order.size(), 2u);
  auto rules = user_rules();
  EXPECT_EQ(order[0].as_string(), str(rules[0], "id"));
  EXPECT_EQ(order[1].as_string(), str(rules[1], "id"));
}

TEST_F(vcd_sim_firewall, seeded_rules_of_other_owners_are_served_and_kept_by_a_merge) {
  auto s = default_scenario();
  auto& g = s.orgs.at(0).vdcs.at(0).edge_gateways.at(0);
  g.ip_sets.push_back({"office", "", {"198.51.100.0/24"}});
  g.firewall_rules.push_back({"tenant-allow", "", "ALLOW", "IN", "IPV4", {"office"}, {}});
  g.firewall_rules.push_back({"tenant-drop", "", "DROP", "IN_OUT", "IPV4_IPV6", {}, {}});
  auto parsed = parse_scenario(to_yaml(s)); // derives the ids as a scenario file would
  ASSERT_TRUE(parsed) << describe(parsed.error());
  start(*parsed);
  auto rules = user_rules();
  ASSERT_EQ(names(rules), (std::vector<std::string>{"tenant-allow", "tenant-drop"}));
  EXPECT_EQ(str(rules[0].at("sourceFirewallGroups").at(0), "name"), "office");
  EXPECT_EQ(str(rules[0], "version.version"), "0");
  // A writer that keeps them as read and adds its own on top changes nothing of theirs.
  ASSERT_EQ(put_rules({rule("mine", "DROP"), rules[0], rules[1]}).status, 202u);
  finish_tasks();
  auto after = user_rules();
  ASSERT_EQ(names(after), (std::vector<std::string>{"mine", "tenant-allow", "tenant-drop"}));
  EXPECT_EQ(after[1], rules[0]);
  EXPECT_EQ(after[2], rules[1]);
}

TEST_F(vcd_sim_firewall, single_rule_get_and_delete) {
  ASSERT_EQ(put_rules({rule("a", "ALLOW"), rule("b", "DROP")}).status, 202u);
  finish_tasks();
  auto id = str(user_rules()[0], "id");
  EXPECT_EQ(str(body_of(call("GET", gw_path("/firewall/rules/" + id))), "name"), "a");
  ASSERT_EQ(call("DELETE", gw_path("/firewall/rules/" + id)).status, 202u);
  finish_tasks();
  EXPECT_EQ(names(user_rules()), (std::vector<std::string>{"b"}));
  EXPECT_EQ(call("GET", gw_path("/firewall/rules/" + id)).status, 404u);
  ASSERT_EQ(call("DELETE", gw_path("/firewall/rules")).status, 202u);
  finish_tasks();
  EXPECT_TRUE(user_rules().empty());
}

} // namespace
