#pragma once

/// @file actors/ip_pool.hpp
/// @brief IP decisions without actors: external and one-arm internal IP reservations per
/// Service, opt-in sharing (MetalLB rules), and listener claims. Owned by ip_pool_actor.
///
/// Not thread-safe (one owner). Per-Service state is a few dozen bytes plus its claims.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/ipv4.hpp"
#include "caf/error.hpp"
#include "caf/expected.hpp"
#include "protocol/messages.hpp"

namespace vcdlb {

class ip_pool {
public:
  /// Builds the pool from the gateway's address space and what is already in use, then
  /// re-reserves every reservation of the seed (Services keep their IPs across restarts).
  /// Error: config_errc::invalid_value for malformed ranges or vipSubnet.
  [[nodiscard]] static caf::expected<ip_pool> make(const pool_seed& seed);

  // Movable, not copyable: external_holders_ points into entries_.
  ip_pool() = default;
  ip_pool(ip_pool&&) noexcept = default;
  ip_pool& operator=(ip_pool&&) noexcept = default;
  ip_pool(const ip_pool&) = delete;
  ip_pool& operator=(const ip_pool&) = delete;
  ~ip_pool() = default;

  /// Reserves (or confirms) the Service's IPs. The external IP is, in order: `requested_ip`
  /// (validated: inside the gateway ranges, not used by anything else, shareable), the IP the
  /// Service already holds, `current_ip` from its status when still valid, an IP held by
  /// Services with the same sharing key whose ports are disjoint, else the first free IP
  /// (inside vipSubnet when set). Internal IPs are kept per slot, new slots get the first free
  /// internal IP, slots no longer requested are released; when exactly one slot is gone and
  /// one is new (a renamed port in mode A) the new one keeps the old one's IP.
  /// Errors: lb_errc::ip_unavailable (requested IP outside the ranges or taken; never stolen),
  /// lb_errc::port_conflict (sharing with overlapping ports), lb_errc::ip_exhausted.
  [[nodiscard]] caf::expected<ip_assignment> allocate(const ip_request& req);

  /// Drops all reservations and claims of the Service.
  void release(const service_key& key);

  /// Claims listeners for `key`, all or nothing. Error: lb_errc::port_conflict naming the holder.
  [[nodiscard]] caf::error claim(const service_key& key, const std::vector<listener_key>& ls);

  /// Frees addresses that were held back only for leftover objects (pool_seed::leftover_ips)
  /// once those objects are gone; any other address in `ips` is ignored.
  void release_leftovers(const std::vector<std::string>& ips);

  /// Releases the listed listeners held by `key` (others are ignored).
  void unclaim(const service_key& key, const std::vector<listener_key>& ls);

  // -- IP Spaces (pool_seed::ip_spaces) ----------------------------------------------------

  /// True when external IPs may come from IP Space allocations made on demand.
  [[nodiscard]] bool uses_ip_spaces() const noexcept { return ip_spaces_; }
  /// True if `ip` is an external address the pool may hand out (uplink range or allocation).
  [[nodiscard]] bool is_external(const std::string& ip) const;
  /// A new allocation joins the pool (free until a Service takes it).
  void add_allocation(const held_allocation& a);
  /// The allocations that nothing holds any more (no Service, no listener claim, no object of
  /// another owner) since the last call: they leave the pool, to be released by the caller.
  /// Cost: O(log N) per address that became free since the last call.
  [[nodiscard]] std::vector<held_allocation> take_releasable();
  /// A release that failed: the allocation is back in the pool (and again a candidate).
  void restore_allocation(const held_allocation& a);
  [[nodiscard]] size_t allocation_count() const noexcept { return allocations_.size(); }

  [[nodiscard]] pool_stats stats() const;

  /// The external IP held by `key`, or "".
  [[nodiscard]] std::string external_ip_of(const service_key& key) const;

  /// The holder of a listener claim, if any.
  [[nodiscard]] const service_key* claim_holder(const listener_key& l) const;

private:
  struct entry {
    uint32_t external = 0; ///< 0 = none
    std::string sharing_key;
    std::vector<std::pair<ip_protocol, int32_t>> ports; ///< sorted
    std::vector<std::pair<std::string, uint32_t>> internal;
  };

  [[nodiscard]] caf::error
  check_shareable(uint32_t ip, const service_key& key, const std::string& sharing_key,
                  const std::vector<std::pair<ip_protocol, int32_t>>& ports) const;
  [[nodiscard]] bool in_external_ranges(uint32_t ip) const;
  [[nodiscard]] std::optional<uint32_t> first_free_external() const;
  /// Up to `n` free internal addresses not in `exclude`.
  [[nodiscard]] std::vector<uint32_t> free_internal(size_t n) const;
  void hold_external(const service_key& key, entry& e, uint32_t ip);
  void drop_external(const service_key& key, entry& e);

  // Lowest address that may still be free; searches start here (keeps a fill of N Services
  // linear instead of quadratic). Lowered again on release.
  uint32_t external_hint_ = 0;
  uint32_t internal_hint_ = 0;
  std::vector<ipv4::range> external_ranges_; ///< sorted by first address
  std::optional<ipv4::range> vip_subnet_;
  std::optional<ipv4::range> internal_range_;
  std::set<uint32_t> used_by_others_;
  std::set<uint32_t> leftovers_; ///< the part of used_by_others_ held only for leftovers
  std::map<service_key, entry> entries_;
  /// Holders of each external IP; the pointers are keys of entries_ (std::map keys do not
  /// move; a holder is dropped before its entry is erased), one copy of each key.
  std::map<uint32_t, std::vector<const service_key*>> external_holders_;
  std::map<uint32_t, service_key> internal_holders_;
  std::map<listener_key, service_key> claims_;
  bool ip_spaces_ = false;
  std::map<uint32_t, held_allocation> allocations_; ///< by address
  std::set<uint32_t> release_candidates_;           ///< allocations that may have become free
  void note_free(uint32_t ip);
  [[nodiscard]] bool claimed(const std::string& ip) const;
};

} // namespace vcdlb
