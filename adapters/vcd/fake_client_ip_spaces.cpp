// The IP Space part of fake_client (adapters/vcd/fake_client.hpp): spaces, floating IP
// suggestions, allocations. Same rules as the simulator (ip-spaces-rde-traffic.md §1).

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "adapters/vcd/detail/fake_replies.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"
#include "adapters/vcd/ip_spaces.hpp"

namespace vcdlb::vcd {

namespace {

constexpr auto unknown_space = detail::fake_unknown_id;
constexpr auto bad_request = detail::fake_bad_request;

constexpr auto parse_ipv4 = detail::fake_parse_ipv4;

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xFF) + "."
         + std::to_string((ip >> 8) & 0xFF) + "." + std::to_string(ip & 0xFF);
}

// A fixed date: the fake has no wall clock.
constexpr const char* fake_allocation_date = "2026-01-01T00:00:00.000Z";

} // namespace

// -- seeding and inspection ----------------------------------------------------------------------

std::string fake_client::add_ip_space(ip_space space, std::vector<ip_range> ranges, int64_t quota,
                                      std::vector<std::string> gateway_ids) {
  if (space.id.empty())
    space.id = next_id("urn:vcloud:ipSpace:");
  if (space.type.empty())
    space.type = "PUBLIC";
  if (space.status.empty())
    space.status = "REALIZED";
  auto id = space.id;
  auto& s = ip_spaces_[id];
  s.space = std::move(space);
  s.ranges = std::move(ranges);
  s.quota = quota;
  s.gateway_ids.insert(gateway_ids.begin(), gateway_ids.end());
  return id;
}

std::string fake_client::put_ip_allocation(ip_allocation a) {
  auto* s = find_ip_space(a.ip_space_id);
  if (s == nullptr)
    return {};
  if (a.id.empty())
    a.id = next_id("urn:vcloud:ipSpaceIpAllocation:");
  if (a.usage_state.empty())
    a.usage_state = "UNUSED";
  if (a.org_ref.id.empty())
    a.org_ref = opts_.org;
  if (a.allocation_date.empty())
    a.allocation_date = fake_allocation_date;
  auto id = a.id;
  s->allocations[id] = std::move(a);
  return id;
}

std::vector<ip_allocation> fake_client::ip_allocations() const {
  std::vector<ip_allocation> out;
  for (const auto& [sid, s] : ip_spaces_)
    for (const auto& [id, a] : s.allocations)
      out.push_back(a);
  return out;
}

// -- internals -----------------------------------------------------------------------------------

fake_client::fake_ip_space* fake_client::find_ip_space(const std::string& id) {
  auto i = ip_spaces_.find(id);
  return i == ip_spaces_.end() ? nullptr : &i->second;
}

bool fake_client::in_ranges(const fake_ip_space& s, const std::string& ip) const {
  auto addr = parse_ipv4(ip);
  if (!addr)
    return false;
  for (const auto& r : s.ranges) {
    auto lo = parse_ipv4(r.start_address);
    auto hi = r.end_address.empty() ? lo : parse_ipv4(r.end_address);
    if (lo && hi && *lo <= *addr && *addr <= *hi)
      return true;
  }
  return false;
}

std::string fake_client::free_ip(const fake_ip_space& s) const {
  std::set<uint32_t> taken;
  for (const auto& [id, a] : s.allocations)
    if (auto ip = parse_ipv4(a.value))
      taken.insert(*ip);
  for (const auto& r : s.ranges) {
    auto lo = parse_ipv4(r.start_address);
    auto hi = r.end_address.empty() ? lo : parse_ipv4(r.end_address);
    if (!lo || !hi)
      continue;
    for (uint64_t ip = *lo; ip <= *hi; ++ip)
      if (!taken.contains(static_cast<uint32_t>(ip)))
        return format_ipv4(static_cast<uint32_t>(ip));
  }
  return {};
}

bool fake_client::allocated_to_gateway(const std::string& gateway_id, const std::string& ip) const {
  for (const auto& [sid, s] : ip_spaces_) {
    if (!s.gateway_ids.contains(gateway_id))
      continue;
    for (const auto& [id, a] : s.allocations)
      if (a.value == ip && a.org_ref.id == opts_.org.id)
        return true;
  }
  return false;
}

// -- client --------------------------------------------------------------------------------------

void fake_client::list_floating_ip_suggestions(std::string gateway_id,
                                               callback<std::vector<floating_ip_suggestion>> done) {
  if (auto err = enter(operation::list_floating_ip_suggestions))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end() || !gw->second.using_ip_space())
    return done(make_http_error(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                                "[ fake ] gateway " + gateway_id + " does not use IP Spaces", -1,
                                false));
  std::vector<floating_ip_suggestion> out;
  for (const auto& [sid, s] : ip_spaces_) {
    if (!s.gateway_ids.contains(gateway_id))
      continue;
    floating_ip_suggestion sug;
    sug.ip_space_ref = {s.space.name, s.space.id};
    for (const auto& [id, a] : s.allocations)
      if (a.type == "FLOATING_IP" && a.usage_state == "UNUSED" && a.org_ref.id == opts_.org.id
          && sug.unused_values.size() < 5)
        sug.unused_values.push_back(a.value);
    out.push_back(std::move(sug));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.ip_space_ref.name < b.ip_space_ref.name; });
  done(std::move(out));
}

void fake_client::get_ip_space(std::string ip_space_id, callback<ip_space> done) {
  if (auto err = enter(operation::get_ip_space))
    return done(std::move(err));
  auto* s = find_ip_space(ip_space_id);
  if (s == nullptr)
    return done(unknown_space(ip_space_id));
  auto out = s->space;
  out.utilization_reported = true;
  out.floating_ip_total = s->quota;
  out.floating_ip_allocated = 0;
  out.floating_ip_used = 0;
  for (const auto& [id, a] : s->allocations) {
    if (a.org_ref.id != opts_.org.id || a.type != "FLOATING_IP")
      continue;
    ++out.floating_ip_allocated;
    if (a.usage_state != "UNUSED")
      ++out.floating_ip_used;
  }
  done(std::move(out));
}

void fake_client::allocate_floating_ip(std::string ip_space_id, std::string value,
                                       callback<task_ref> done) {
  if (auto err = enter(operation::allocate_floating_ip))
    return done(std::move(err));
  auto* s = find_ip_space(ip_space_id);
  if (s == nullptr)
    return done(unknown_space(ip_space_id));
  if (!value.empty() && compare_api_versions(opts_.api_version, "37.2") < 0)
    return done(bad_request("Unrecognized field \"value\" (API version " + opts_.api_version
                            + " allocates by quantity only)"));
  // Decided now, applied when the task ends: a refused allocation is a failed task (§1.8).
  std::optional<task_error> refusal;
  int64_t held = 0;
  for (const auto& [id, a] : s->allocations)
    if (a.org_ref.id == opts_.org.id && a.type == "FLOATING_IP")
      ++held;
  if (s->gateway_ids.empty())
    refusal = task_error{403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                         "This operation is denied: no edge gateway of the org uses IP Space '"
                           + s->space.name + "'."};
  else if (s->quota >= 0 && held >= s->quota)
    refusal = task_error{400, "BAD_REQUEST", ip_space_quota_message(s->space.name, s->quota)};
  std::string ip = value;
  if (!refusal) {
    if (ip.empty()) {
      ip = free_ip(*s);
      if (ip.empty())
        refusal = task_error{400, "BAD_REQUEST", ip_space_exhausted_message(s->space.name)};
    } else if (!in_ranges(*s, ip)) {
      refusal =
        task_error{400, "BAD_REQUEST",
                   "IP " + ip + " is not in the ranges of IP Space '" + s->space.name + "'."};
    } else {
      for (const auto& [id, a] : s->allocations)
        if (a.value == ip)
          refusal =
            task_error{400, "BAD_REQUEST",
                       "IP " + ip + " of IP Space '" + s->space.name + "' is already allocated."};
    }
  }
  entity_ref owner{s->space.name, s->space.id};
  if (refusal) {
    injected_task_errors_[operation::allocate_floating_ip].push_front(*refusal);
    return done(start_task(operation::allocate_floating_ip, "",
                           "Allocating floating IP from " + owner.name, owner, [](bool) {}));
  }
  ip_allocation a;
  a.id = next_id("urn:vcloud:ipSpaceIpAllocation:");
  a.value = ip;
  a.usage_state = "UNUSED";
  a.org_ref = opts_.org;
  a.allocation_date = fake_allocation_date;
  a.ip_space_id = ip_space_id;
  auto result = "[{\"id\":\"" + a.id + "\",\"value\":\"" + ip + "\",\"suggestedValue\":null}]";
  done(start_task(
    operation::allocate_floating_ip, "", "Allocating floating IP from " + owner.name, owner,
    [this, a = std::move(a)](bool ok) {
      if (!ok)
        return;
      if (auto* sp = find_ip_space(a.ip_space_id))
        sp->allocations[a.id] = a;
    },
    std::move(result)));
}

void fake_client::list_ip_allocations(std::string ip_space_id, fiql filter,
                                      callback<std::vector<ip_allocation>> done) {
  if (auto err = enter(operation::list_ip_allocations))
    return done(std::move(err));
  auto* s = find_ip_space(ip_space_id);
  if (s == nullptr)
    return done(
      make_http_error(404, "NOT_FOUND", "[ fake ] " + ip_space_id + " not found", -1, false));
  bool typed = false;
  for (const auto& clause : filter.clauses())
    for (const auto& term : clause) {
      if (term.field == "type")
        typed = true;
      else if (term.field != "value" && term.field != "usageState" && term.field != "id")
        return done(bad_request("field '" + term.field + "' is not searchable"));
    }
  if (!typed)
    return done(bad_request("the filter must name the allocation type (type==FLOATING_IP)"));
  std::vector<ip_allocation> out;
  for (const auto& [id, a] : s->allocations) {
    if (a.org_ref.id != opts_.org.id)
      continue; // a tenant sees its own org's allocations only
    auto get = [&a = a](std::string_view field) -> std::optional<std::string> {
      if (field == "type")
        return a.type;
      if (field == "value")
        return a.value;
      if (field == "usageState")
        return a.usage_state;
      return a.id;
    };
    if (filter.matches(get))
      out.push_back(a);
  }
  done(std::move(out));
}

void fake_client::get_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                    callback<ip_allocation> done) {
  if (auto err = enter(operation::get_ip_allocation))
    return done(std::move(err));
  auto* s = find_ip_space(ip_space_id);
  if (s == nullptr || !s->allocations.contains(allocation_id))
    return done(unknown_space(allocation_id));
  done(s->allocations.at(allocation_id));
}

void fake_client::update_ip_allocation(ip_allocation a, callback<task_ref> done) {
  if (auto err = enter(operation::update_ip_allocation))
    return done(std::move(err));
  auto* s = find_ip_space(a.ip_space_id);
  if (s == nullptr || !s->allocations.contains(a.id))
    return done(unknown_space(a.id));
  const auto& current = s->allocations.at(a.id);
  if (a.value != current.value || a.type != current.type)
    return done(bad_request("the value and type of an allocation cannot change"));
  if (a.usage_state != "UNUSED" && a.usage_state != "USED_MANUAL")
    return done(bad_request("usageState can only be set to UNUSED or USED_MANUAL"));
  entity_ref owner{a.value, a.id};
  done(start_task(operation::update_ip_allocation, "", "Updating IP allocation " + a.value, owner,
                  [this, a](bool ok) {
                    auto* sp = find_ip_space(a.ip_space_id);
                    if (!ok || sp == nullptr || !sp->allocations.contains(a.id))
                      return;
                    auto& stored = sp->allocations[a.id];
                    stored.usage_state = a.usage_state;
                    stored.description = a.usage_state == "UNUSED" ? "" : a.description;
                  }));
}

void fake_client::delete_ip_allocation(std::string ip_space_id, std::string allocation_id,
                                       callback<task_ref> done) {
  if (auto err = enter(operation::delete_ip_allocation))
    return done(std::move(err));
  auto* s = find_ip_space(ip_space_id);
  if (s == nullptr || !s->allocations.contains(allocation_id))
    return done(unknown_space(allocation_id));
  entity_ref owner{s->allocations.at(allocation_id).value, allocation_id};
  done(start_task(operation::delete_ip_allocation, "", "Releasing IP allocation " + owner.name,
                  owner, [this, ip_space_id, allocation_id](bool ok) {
                    if (auto* sp = find_ip_space(ip_space_id); ok && sp != nullptr)
                      sp->allocations.erase(allocation_id);
                  }));
}

} // namespace vcdlb::vcd
