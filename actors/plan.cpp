#include "actors/plan.hpp"

#include <algorithm>

namespace vcdlb {

namespace {

// Equality of the fields the gateway holds, ignoring the id.
bool same(const app_port_profile_desc& a, const app_port_profile_desc& b) {
  return a.protocol == b.protocol && a.port == b.port;
}

bool same_members(const std::vector<std::string>& want, const std::vector<std::string>& have) {
  if (want.size() != have.size())
    return false;
  if (std::is_sorted(have.begin(), have.end()))
    return want == have;
  auto sorted = have;
  std::sort(sorted.begin(), sorted.end());
  return want == sorted;
}

bool same(const pool_desc& a, const pool_desc& b) {
  return a.port == b.port && a.tcp_health_monitor == b.tcp_health_monitor
         && same_members(a.members, b.members);
}

bool same(const dnat_rule_desc& a, const dnat_rule_desc& b) {
  return a.external_ip == b.external_ip && a.internal_ip == b.internal_ip
         && a.protocol == b.protocol && a.port == b.port && a.profile_name == b.profile_name;
}

bool same(const virtual_service_desc& a, const virtual_service_desc& b) {
  return a.vip == b.vip && a.protocol == b.protocol && a.port == b.port && a.profile == b.profile
         && a.ssl == b.ssl && a.cert_alias == b.cert_alias && a.pool_name == b.pool_name;
}

// Whether a difference can be fixed in place or needs remove + create (listener changes).
bool updatable(const app_port_profile_desc&, const app_port_profile_desc&) {
  return true;
}
bool updatable(const pool_desc&, const pool_desc&) {
  return true;
}
bool updatable(const dnat_rule_desc& want, const dnat_rule_desc& have) {
  return listener_of(want) == listener_of(have);
}
bool updatable(const virtual_service_desc& want, const virtual_service_desc& have) {
  return want.listener() == have.listener();
}

constexpr object_kind kind_of(const app_port_profile_desc*) {
  return object_kind::app_port_profile;
}
constexpr object_kind kind_of(const dnat_rule_desc*) {
  return object_kind::dnat_rule;
}
constexpr object_kind kind_of(const pool_desc*) {
  return object_kind::pool;
}
constexpr object_kind kind_of(const virtual_service_desc*) {
  return object_kind::virtual_service;
}

// The diff of one kind, split by operation so the caller can interleave kinds.
struct kind_diff {
  std::vector<lb_op> creates;
  std::vector<lb_op> updates;
  std::vector<lb_op> removes;
  /// Removes of objects VCD failed to realize that are created again under the same name:
  /// they must go before the create (names are unique per kind).
  std::vector<lb_op> replaced;
};

template <class T>
kind_diff diff(const std::vector<T>& desired, const std::vector<T>& observed) {
  kind_diff result;
  auto remove = [&](const T& x) {
    result.removes.push_back(make_remove(kind_of(&x), x.name, x.id));
  };
  size_t i = 0;
  size_t j = 0;
  while (i < desired.size() || j < observed.size()) {
    if (j == observed.size() || (i < desired.size() && desired[i].name < observed[j].name)) {
      result.creates.push_back(make_create(desired[i]));
      ++i;
      continue;
    }
    if (i == desired.size() || observed[j].name < desired[i].name) {
      remove(observed[j]);
      ++j;
      continue;
    }
    // Same name: VCD does not enforce unique names for every kind (NAT rules), so a name may
    // appear more than once. Keep one (an equal one if there is one), remove the rest.
    const auto& want = desired[i];
    size_t end = j;
    while (end < observed.size() && observed[end].name == want.name)
      ++end;
    size_t keep = j;
    for (size_t k = j; k < end; ++k)
      if (same(want, observed[k]) && !observed[k].failed) {
        keep = k;
        break;
      }
    for (size_t k = j; k < end; ++k)
      if (k != keep)
        remove(observed[k]);
    const auto& have = observed[keep];
    if (have.failed) {
      result.replaced.push_back(make_remove(kind_of(&have), have.name, have.id));
      result.creates.push_back(make_create(want));
    } else if (!same(want, have)) {
      if (updatable(want, have)) {
        T updated = want;
        updated.id = have.id;
        result.updates.push_back(make_update(std::move(updated)));
      } else {
        remove(have);
        result.creates.push_back(make_create(want));
      }
    }
    ++i;
    j = end;
  }
  return result;
}

void append(std::vector<lb_op>& out, std::vector<lb_op>& xs) {
  std::move(xs.begin(), xs.end(), std::back_inserter(out));
}

template <class T>
bool apply_to(std::vector<T>& xs, const lb_op& op, const T& payload, const std::string& new_id) {
  switch (op.op) {
  case op_kind::create: {
    T x = payload;
    x.id = new_id;
    auto pos = std::upper_bound(xs.begin(), xs.end(), x,
                                [](const T& a, const T& b) { return a.name < b.name; });
    xs.insert(pos, std::move(x));
    return true;
  }
  case op_kind::update:
    for (auto& x : xs)
      if (x.id == payload.id) {
        x = payload;
        return true;
      }
    return false;
  case op_kind::remove:
    for (auto i = xs.begin(); i != xs.end(); ++i)
      if (i->id == payload.id) {
        xs.erase(i);
        return true;
      }
    return false;
  }
  return false;
}

} // namespace

listener_key listener_of(const dnat_rule_desc& d) {
  return {d.external_ip, d.protocol, d.port};
}

std::vector<lb_op> make_plan(const lb_objects& desired, const lb_objects& observed) {
  auto profiles = diff(desired.profiles, observed.profiles);
  auto dnats = diff(desired.dnat_rules, observed.dnat_rules);
  auto pools = diff(desired.pools, observed.pools);
  auto vss = diff(desired.virtual_services, observed.virtual_services);
  std::vector<lb_op> plan;
  plan.reserve(vss.replaced.size() + dnats.replaced.size() + pools.replaced.size()
               + profiles.replaced.size() + profiles.creates.size() + profiles.updates.size()
               + profiles.removes.size() + dnats.creates.size() + dnats.updates.size()
               + dnats.removes.size() + pools.creates.size() + pools.updates.size()
               + pools.removes.size() + vss.creates.size() + vss.updates.size()
               + vss.removes.size());
  append(plan, vss.removes);
  append(plan, vss.replaced);
  append(plan, dnats.removes);
  append(plan, dnats.replaced);
  append(plan, pools.replaced);
  append(plan, profiles.replaced);
  // Application port profiles run in their own slot beside the gateway's tasks (they lock no
  // gateway): a Service's profile steps sit between gateway steps, so while it waits for them
  // the gateway works for the others. Profiles before the DNAT rules that use them; removed
  // right after the last rule that used them, before the pools.
  append(plan, pools.creates);
  append(plan, pools.updates);
  append(plan, profiles.creates);
  append(plan, profiles.updates);
  append(plan, dnats.updates);
  append(plan, vss.updates);
  append(plan, profiles.removes);
  append(plan, pools.removes);
  append(plan, dnats.creates);
  append(plan, vss.creates);
  return plan;
}

bool apply(lb_objects& objs, const lb_op& op, const std::string& new_id) {
  switch (op.kind) {
  case object_kind::app_port_profile:
    return apply_to(objs.profiles, op, op.profile, new_id);
  case object_kind::dnat_rule:
    return apply_to(objs.dnat_rules, op, op.dnat, new_id);
  case object_kind::pool:
    return apply_to(objs.pools, op, op.pool, new_id);
  case object_kind::virtual_service:
    return apply_to(objs.virtual_services, op, op.vs, new_id);
  }
  return false;
}

} // namespace vcdlb
