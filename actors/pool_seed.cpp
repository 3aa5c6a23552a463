#include "actors/pool_seed.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "actors/naming.hpp"
#include "actors/plan.hpp"

namespace vcdlb {

namespace {

// One object reduced to what the seed needs.
struct found {
  naming::parsed_name name;
  bool vs = false;
  std::string external; ///< the external IP it uses (DNAT external, or VIP in mode C)
  std::string internal; ///< a one-arm VIP
  listener_key listener;
};

std::vector<found> collect(const lb_objects& objs, const std::string& cluster_id,
                           config::lb_mode mode) {
  std::vector<found> out;
  for (const auto& vs : objs.virtual_services)
    if (auto p = naming::parse(vs.name, cluster_id)) {
      found f{*p, true, {}, {}, vs.listener()};
      if (mode == config::lb_mode::c)
        f.external = vs.vip;
      else
        f.internal = vs.vip;
      out.push_back(std::move(f));
    }
  for (const auto& d : objs.dnat_rules)
    if (auto p = naming::parse(d.name, cluster_id))
      out.push_back({*p, false, d.external_ip, {}, listener_of(d)});
  return out;
}

} // namespace

pool_seed make_pool_seed(const seed_inputs& in, std::string_view own_class) {
  pool_seed seed;
  seed.vip_subnet = in.vip_subnet;
  seed.internal_range = in.internal_range;
  if (in.gateway != nullptr)
    for (const auto& up : in.gateway->uplinks)
      for (const auto& sub : up.subnets)
        for (const auto& r : sub.ip_ranges)
          seed.external_ranges.push_back({r.start_address, r.end_address});
  std::vector<const service_spec*> relevant;
  if (in.services != nullptr)
    for (const auto& s : *in.services)
      if (wants_load_balancer(s, own_class) || s.has_finalizer)
        relevant.push_back(&s);
  std::sort(relevant.begin(), relevant.end(),
            [](const service_spec* a, const service_spec* b) { return a->key < b->key; });
  auto objects =
    in.ours != nullptr ? collect(*in.ours, in.cluster_id, in.mode) : std::vector<found>{};
  // Attribute each object to one Service: by its hash (namespaced names; exact), else by name
  // (upstream names), preferring the Service whose status IP the object uses, else the first
  // by key. Indexed, so a restart with many Services stays linear.
  std::unordered_map<std::string, size_t> by_hash;
  std::unordered_map<std::string, std::vector<size_t>> by_name;
  for (size_t j = 0; j < relevant.size(); ++j) {
    by_hash.try_emplace(naming::service_hash(in.cluster_id, relevant[j]->key), j);
    by_name[relevant[j]->key.name].push_back(j);
  }
  std::vector<std::vector<size_t>> owned(relevant.size()); // object indices, ascending
  std::vector<bool> has_owner(objects.size(), false);
  for (size_t i = 0; i < objects.size(); ++i) {
    const auto& name = objects[i].name;
    if (name.scheme == config::naming_scheme::namespaced) {
      if (auto h = by_hash.find(name.service_hash); h != by_hash.end()) {
        owned[h->second].push_back(i);
        has_owner[i] = true;
      }
      continue;
    }
    auto n = by_name.find(name.service);
    if (n == by_name.end())
      continue;
    auto first = n->second.front();
    for (auto j : n->second) {
      const auto& svc = *relevant[j];
      if (!svc.ingress_ips.empty() && svc.ingress_ips[0] == objects[i].external) {
        first = j;
        break;
      }
    }
    owned[first].push_back(i);
    has_owner[i] = true;
  }
  // IP Spaces: each allocation of this cluster names its Service in its claim marker.
  seed.ip_spaces = in.ip_spaces;
  seed.claim_marker_prefix = naming::ip_claim_marker_prefix(in.cluster_id);
  std::unordered_map<std::string, std::string> marked; ///< marker -> allocated IP
  if (in.allocations != nullptr)
    for (const auto& a : *in.allocations) {
      seed.allocations.push_back({a.value, a.ip_space_id, a.id});
      marked.try_emplace(a.description, a.value);
    }
  std::set<std::string> ours_ips;
  for (size_t j = 0; j < relevant.size(); ++j) {
    const auto& svc = *relevant[j];
    ip_reservation r;
    r.key = svc.key;
    r.sharing_key = svc.annotations.sharing_key;
    if (!svc.ingress_ips.empty())
      r.external_ip = svc.ingress_ips[0];

    for (auto i : owned[j]) {
      const auto& o = objects[i];
      if (r.external_ip.empty() && !o.external.empty())
        r.external_ip = o.external; // objects exist but the status was never written
      if (o.vs && !o.internal.empty()) {
        auto slot = in.mode == config::lb_mode::a ? o.name.port : std::string{};
        bool known = std::any_of(r.internal_ips.begin(), r.internal_ips.end(),
                                 [&](const auto& x) { return x.first == slot; });
        if (!known)
          r.internal_ips.emplace_back(slot, o.internal);
      }
      r.claims.push_back(o.listener);
    }
    if (r.external_ip.empty() && !marked.empty())
      if (auto m = marked.find(naming::ip_claim_marker(in.cluster_id, svc.key)); m != marked.end())
        r.external_ip = m->second; // allocated, but no object and no status yet
    if (!r.external_ip.empty())
      ours_ips.insert(r.external_ip);
    for (const auto& [slot, ip] : r.internal_ips)
      ours_ips.insert(ip);
    seed.reservations.push_back(std::move(r));
  }
  std::set<std::string> others;
  std::set<std::string> used_otherwise; ///< used by something that is not a VS or DNAT rule
  if (in.used != nullptr)
    for (const auto& u : *in.used)
      if (!ours_ips.count(u.ip_address)) {
        others.insert(u.ip_address);
        if (u.category != "Load_Balancer" && u.category != "DNAT")
          used_otherwise.insert(u.ip_address);
      }
  // Objects of no known Service: their addresses stay out of the pool until they are removed.
  std::set<std::string> leftovers;
  for (size_t i = 0; i < objects.size(); ++i)
    if (!has_owner[i]) {
      // (A leftover on an IP that a live Service holds is covered by that Service's claims
      // being absent for it; the IP itself stays that Service's.)
      for (const auto* ip : {&objects[i].external, &objects[i].internal})
        if (!ip->empty() && !ours_ips.count(*ip)) {
          others.insert(*ip);
          if (!used_otherwise.count(*ip))
            leftovers.insert(*ip);
        }
    }
  seed.used_by_others.assign(others.begin(), others.end());
  seed.leftover_ips.assign(leftovers.begin(), leftovers.end());
  return seed;
}

} // namespace vcdlb
