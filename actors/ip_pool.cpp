#include "actors/ip_pool.hpp"

#include <algorithm>

#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

caf::error unavailable(std::string msg) {
  return caf::make_error(lb_errc::ip_unavailable, std::move(msg));
}

std::string port_text(const std::pair<ip_protocol, int32_t>& p) {
  return std::to_string(p.second) + "/" + std::string{to_string(p.first)};
}

bool contains(const std::vector<const service_key*>& keys, const service_key& key) {
  return std::any_of(keys.begin(), keys.end(), [&](const service_key* k) { return *k == key; });
}

} // namespace

caf::expected<ip_pool> ip_pool::make(const pool_seed& seed) {
  ip_pool pool;
  for (const auto& r : seed.external_ranges) {
    auto parsed = ipv4::parse_range(r.first, r.last);
    if (!parsed)
      return caf::make_error(config_errc::invalid_value,
                             "edge gateway range '" + r.first + "-" + r.last + "' is malformed");
    pool.external_ranges_.push_back(*parsed);
  }
  std::sort(pool.external_ranges_.begin(), pool.external_ranges_.end(),
            [](const ipv4::range& a, const ipv4::range& b) { return a.first < b.first; });
  if (!seed.vip_subnet.empty()) {
    auto subnet = ipv4::parse_cidr(seed.vip_subnet);
    if (!subnet)
      return caf::make_error(config_errc::invalid_value,
                             "loadbalancer.vipSubnet '" + seed.vip_subnet + "' is not a CIDR");
    pool.vip_subnet_ = *subnet;
  }
  if (!seed.internal_range.first.empty()) {
    auto parsed = ipv4::parse_range(seed.internal_range.first, seed.internal_range.last);
    if (!parsed)
      return caf::make_error(config_errc::invalid_value,
                             "loadbalancer.oneArm range '" + seed.internal_range.first + "-"
                               + seed.internal_range.last + "' is malformed");
    pool.internal_range_ = *parsed;
  }
  for (const auto& ip : seed.used_by_others)
    if (auto a = ipv4::parse(ip))
      pool.used_by_others_.insert(*a);
  for (const auto& ip : seed.leftover_ips)
    if (auto a = ipv4::parse(ip); a && pool.used_by_others_.count(*a))
      pool.leftovers_.insert(*a);
  pool.ip_spaces_ = seed.ip_spaces;
  for (const auto& a : seed.allocations)
    if (auto ip = ipv4::parse(a.ip)) {
      pool.allocations_.emplace(*ip, a);
      pool.release_candidates_.insert(*ip); // released unless a reservation below holds it
    }
  // Re-reserve in key order so the outcome does not depend on the order of the seed. A
  // reservation that contradicts an earlier one (two Services, one IP, no common sharing key)
  // loses that IP and gets a fresh one on its next allocate.
  auto reservations = seed.reservations;
  std::sort(reservations.begin(), reservations.end(),
            [](const ip_reservation& a, const ip_reservation& b) { return a.key < b.key; });
  for (const auto& r : reservations) {
    auto& e = pool.entries_[r.key];
    e.sharing_key = r.sharing_key;
    for (const auto& c : r.claims)
      e.ports.emplace_back(c.protocol, c.port);
    std::sort(e.ports.begin(), e.ports.end());
    e.ports.erase(std::unique(e.ports.begin(), e.ports.end()), e.ports.end());
    if (auto ext = ipv4::parse(r.external_ip)) {
      if (!pool.check_shareable(*ext, r.key, e.sharing_key, e.ports))
        pool.hold_external(r.key, e, *ext);
    }
    for (const auto& [slot, ip] : r.internal_ips) {
      auto in = ipv4::parse(ip);
      if (in && !pool.internal_holders_.count(*in)) {
        pool.internal_holders_.emplace(*in, r.key);
        e.internal.emplace_back(slot, *in);
      }
    }
    for (const auto& c : r.claims)
      pool.claims_.emplace(c, r.key);
  }
  return pool;
}

bool ip_pool::in_external_ranges(uint32_t ip) const {
  return allocations_.contains(ip)
         || std::any_of(external_ranges_.begin(), external_ranges_.end(),
                        [ip](const ipv4::range& r) { return r.contains(ip); });
}

bool ip_pool::is_external(const std::string& ip) const {
  auto a = ipv4::parse(ip);
  return a && in_external_ranges(*a);
}

void ip_pool::add_allocation(const held_allocation& a) {
  if (auto ip = ipv4::parse(a.ip)) {
    allocations_.insert_or_assign(*ip, a);
    release_candidates_.erase(*ip); // made for a Service that takes it next
  }
}

void ip_pool::restore_allocation(const held_allocation& a) {
  if (auto ip = ipv4::parse(a.ip)) {
    allocations_.insert_or_assign(*ip, a);
    note_free(*ip);
  }
}

void ip_pool::note_free(uint32_t ip) {
  if (allocations_.contains(ip))
    release_candidates_.insert(ip);
}

std::vector<held_allocation> ip_pool::take_releasable() {
  std::vector<held_allocation> out;
  for (auto ip : release_candidates_) {
    auto a = allocations_.find(ip);
    if (a == allocations_.end() || external_holders_.contains(ip) || used_by_others_.contains(ip))
      continue;
    if (claimed(a->second.ip))
      continue;
    out.push_back(a->second);
    allocations_.erase(a);
  }
  release_candidates_.clear();
  return out;
}

caf::error
ip_pool::check_shareable(uint32_t ip, const service_key& key, const std::string& sharing_key,
                         const std::vector<std::pair<ip_protocol, int32_t>>& ports) const {
  auto text = ipv4::format(ip);
  if (used_by_others_.count(ip))
    return unavailable(text + " is already used on the edge gateway (not by a Service of vcdlb)");
  auto i = external_holders_.find(ip);
  if (i == external_holders_.end())
    return {};
  for (const auto* held_by : i->second) {
    const auto& holder = *held_by;
    if (holder == key)
      continue;
    const auto& other = entries_.at(holder);
    if (sharing_key.empty() || other.sharing_key != sharing_key)
      return unavailable(text + " is used by Service " + to_string(holder)
                         + "; to share it, both Services need the same "
                         + std::string{annotations::allow_shared_ip} + " annotation");
    // Both port lists are sorted: find a common (protocol, port).
    auto a = ports.begin();
    auto b = other.ports.begin();
    while (a != ports.end() && b != other.ports.end()) {
      if (*a == *b)
        return caf::make_error(lb_errc::port_conflict, "port " + port_text(*a) + " on " + text
                                                         + " is already used by Service "
                                                         + to_string(holder));
      if (*a < *b)
        ++a;
      else
        ++b;
    }
  }
  return {};
}

std::optional<uint32_t> ip_pool::first_free_external() const {
  for (const auto& r : external_ranges_) {
    uint64_t first = std::max(r.first, external_hint_);
    uint64_t last = r.last;
    if (vip_subnet_) {
      first = std::max<uint64_t>(first, vip_subnet_->first);
      last = std::min<uint64_t>(last, vip_subnet_->last);
    }
    for (uint64_t a = first; a <= last; ++a) {
      auto ip = static_cast<uint32_t>(a);
      if (!used_by_others_.count(ip) && !external_holders_.count(ip))
        return ip;
    }
  }
  // An allocation nobody holds (it would be released otherwise): reuse it before allocating.
  for (const auto& [ip, a] : allocations_)
    if (!used_by_others_.count(ip) && !external_holders_.count(ip) && !claimed(a.ip))
      return ip;
  return std::nullopt;
}

// Claims are ordered by address first: one lookup tells whether any listener is on it.
bool ip_pool::claimed(const std::string& ip) const {
  auto c = claims_.lower_bound(listener_key{ip, ip_protocol::tcp, 0});
  return c != claims_.end() && c->first.ip == ip;
}

std::vector<uint32_t> ip_pool::free_internal(size_t n) const {
  std::vector<uint32_t> result;
  if (!internal_range_ || n == 0)
    return result;
  for (uint64_t a = std::max(internal_range_->first, internal_hint_);
       a <= internal_range_->last && result.size() < n; ++a) {
    auto ip = static_cast<uint32_t>(a);
    if (!used_by_others_.count(ip) && !internal_holders_.count(ip))
      result.push_back(ip);
  }
  return result;
}

void ip_pool::hold_external(const service_key& key, entry& e, uint32_t ip) {
  e.external = ip;
  auto& holders = external_holders_[ip];
  if (!contains(holders, key))
    holders.push_back(&entries_.find(key)->first); // `e` is that entry
}

void ip_pool::drop_external(const service_key& key, entry& e) {
  if (e.external == 0)
    return;
  auto i = external_holders_.find(e.external);
  if (i != external_holders_.end()) {
    std::erase_if(i->second, [&](const service_key* k) { return *k == key; });
    if (i->second.empty()) {
      external_holders_.erase(i);
      external_hint_ = std::min(external_hint_, e.external);
      note_free(e.external);
    }
  }
  e.external = 0;
}

caf::expected<ip_assignment> ip_pool::allocate(const ip_request& req) {
  const auto& key = req.key;
  std::vector<std::pair<ip_protocol, int32_t>> ports;
  ports.reserve(req.listeners.size());
  for (const auto& l : req.listeners)
    ports.emplace_back(l.protocol, l.port);
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  auto found = entries_.find(key);
  const entry* current = found != entries_.end() ? &found->second : nullptr;
  // Refused on its own IP because a sibling uses a port it wants: it keeps only the ports it
  // still wants, so a sibling waiting for one of its old ports is not refused in turn (two
  // Services swapping ports would otherwise block each other forever).
  auto refused_on_own_ip = [&](caf::error err) {
    if (has_code(err, lb_errc::port_conflict)) {
      auto& kept = found->second.ports;
      std::erase_if(
        kept, [&](const auto& p) { return !std::binary_search(ports.begin(), ports.end(), p); });
    }
    return err;
  };
  // 1. The external IP.
  uint32_t target = 0;
  bool from_search = false;
  if (!req.requested_ip.empty()) {
    auto ip = ipv4::parse(req.requested_ip);
    if (!ip)
      return unavailable("spec.loadBalancerIP '" + req.requested_ip + "' is not an IPv4 address");
    if (!in_external_ranges(*ip) && ip_spaces_)
      return caf::make_error(lb_errc::ip_needs_allocation, req.requested_ip);
    if (!in_external_ranges(*ip))
      return unavailable("spec.loadBalancerIP " + req.requested_ip
                         + " is not in the edge gateway's external IP ranges");
    if (auto err = check_shareable(*ip, key, req.sharing_key, ports))
      return current != nullptr && current->external == *ip ? refused_on_own_ip(std::move(err))
                                                            : err;
    target = *ip;
  } else if (current != nullptr && current->external != 0) {
    if (auto err = check_shareable(current->external, key, req.sharing_key, ports))
      return refused_on_own_ip(std::move(err));
    target = current->external;
  } else {
    auto status_ip = ipv4::parse(req.current_ip);
    if (status_ip && in_external_ranges(*status_ip)
        && !check_shareable(*status_ip, key, req.sharing_key, ports)) {
      target = *status_ip;
    } else if (!req.sharing_key.empty()) {
      for (const auto& [ip, holders] : external_holders_)
        if (!holders.empty() && !contains(holders, key)
            && !check_shareable(ip, key, req.sharing_key, ports)) {
          target = ip;
          break;
        }
    }
    if (target == 0) {
      auto ip = first_free_external();
      if (!ip && ip_spaces_)
        return caf::make_error(lb_errc::ip_needs_allocation, std::string{});
      if (!ip)
        return caf::make_error(lb_errc::ip_exhausted,
                               std::string{"no free external IP left on the edge gateway"}
                                 + (vip_subnet_ ? " inside loadbalancer.vipSubnet" : ""));
      target = *ip;
      from_search = true;
    }
  }
  // 2. Internal IPs per slot: keep what the Service has, pick new ones for new slots.
  std::vector<std::pair<std::string, uint32_t>> internal;
  internal.reserve(req.internal_slots.size());
  size_t missing = 0;
  for (const auto& slot : req.internal_slots) {
    uint32_t ip = 0;
    if (current != nullptr)
      for (const auto& [s, a] : current->internal)
        if (s == slot)
          ip = a;
    if (ip == 0)
      ++missing;
    internal.emplace_back(slot, ip);
  }
  // A renamed port (one slot gone, one new) keeps its internal IP, so that its virtual
  // service and DNAT rule are renamed in place rather than moved to a new address.
  if (missing == 1 && current != nullptr) {
    std::vector<uint32_t> dropped;
    for (const auto& [s, a] : current->internal)
      if (std::none_of(internal.begin(), internal.end(),
                       [&](const auto& x) { return x.first == s; }))
        dropped.push_back(a);
    if (dropped.size() == 1)
      for (auto& [slot, ip] : internal)
        if (ip == 0) {
          ip = dropped.front();
          missing = 0;
        }
  }
  if (missing > 0) {
    if (!internal_range_)
      return caf::make_error(lb_errc::ip_exhausted,
                             std::string{"one-arm mode needs loadbalancer.oneArm startIP/endIP"});
    auto fresh = free_internal(missing);
    if (fresh.size() < missing)
      return caf::make_error(lb_errc::ip_exhausted,
                             "no free internal IP left in loadbalancer.oneArm range "
                               + ipv4::format(internal_range_->first) + "-"
                               + ipv4::format(internal_range_->last));
    if (fresh.back() != UINT32_MAX)
      internal_hint_ = fresh.back() + 1;
    auto next = fresh.begin();
    for (auto& [slot, ip] : internal)
      if (ip == 0)
        ip = *next++;
  }
  // 3. Commit.
  auto& e = entries_[key];
  if (e.external != target)
    drop_external(key, e);
  e.sharing_key = req.sharing_key;
  e.ports = std::move(ports);
  hold_external(key, e, target);
  // Everything below the first free address is taken; the next search starts after it.
  if (from_search && target != UINT32_MAX)
    external_hint_ = target + 1;
  for (const auto& [slot, ip] : e.internal) {
    bool kept =
      std::any_of(internal.begin(), internal.end(), [&](const auto& x) { return x.second == ip; });
    if (!kept) {
      internal_holders_.erase(ip);
      internal_hint_ = std::min(internal_hint_, ip);
    }
  }
  for (const auto& [slot, ip] : internal)
    internal_holders_[ip] = key;
  e.internal = std::move(internal);
  ip_assignment result;
  result.external_ip = ipv4::format(target);
  result.internal_ips.reserve(e.internal.size());
  for (const auto& [slot, ip] : e.internal)
    result.internal_ips.emplace_back(slot, ipv4::format(ip));
  return result;
}

void ip_pool::release(const service_key& key) {
  auto i = entries_.find(key);
  if (i != entries_.end()) {
    drop_external(key, i->second);
    for (const auto& [slot, ip] : i->second.internal) {
      internal_holders_.erase(ip);
      internal_hint_ = std::min(internal_hint_, ip);
    }
    entries_.erase(i);
  }
  std::erase_if(claims_, [&](const auto& kv) {
    if (kv.second != key)
      return false;
    if (auto ip = ipv4::parse(kv.first.ip))
      note_free(*ip);
    return true;
  });
}

void ip_pool::release_leftovers(const std::vector<std::string>& ips) {
  for (const auto& text : ips) {
    auto ip = ipv4::parse(text);
    if (!ip || leftovers_.erase(*ip) == 0)
      continue;
    used_by_others_.erase(*ip);
    external_hint_ = std::min(external_hint_, *ip);
    internal_hint_ = std::min(internal_hint_, *ip);
    note_free(*ip);
  }
}

caf::error ip_pool::claim(const service_key& key, const std::vector<listener_key>& ls) {
  for (const auto& l : ls) {
    auto i = claims_.find(l);
    if (i != claims_.end() && i->second != key)
      return caf::make_error(lb_errc::port_conflict,
                             to_string(l) + " is in use by Service " + to_string(i->second));
  }
  for (const auto& l : ls)
    claims_.emplace(l, key);
  return {};
}

void ip_pool::unclaim(const service_key& key, const std::vector<listener_key>& ls) {
  for (const auto& l : ls) {
    auto i = claims_.find(l);
    if (i != claims_.end() && i->second == key) {
      claims_.erase(i);
      if (auto ip = ipv4::parse(l.ip))
        note_free(*ip);
    }
  }
}

pool_stats ip_pool::stats() const {
  pool_stats s;
  s.initialized = true;
  s.services = static_cast<uint32_t>(entries_.size());
  s.external_in_use = static_cast<uint32_t>(external_holders_.size());
  s.internal_in_use = static_cast<uint32_t>(internal_holders_.size());
  s.claims = static_cast<uint32_t>(claims_.size());
  return s;
}

std::string ip_pool::external_ip_of(const service_key& key) const {
  auto i = entries_.find(key);
  if (i == entries_.end() || i->second.external == 0)
    return {};
  return ipv4::format(i->second.external);
}

const service_key* ip_pool::claim_holder(const listener_key& l) const {
  auto i = claims_.find(l);
  return i == claims_.end() ? nullptr : &i->second;
}

} // namespace vcdlb
