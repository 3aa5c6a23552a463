#include "actors/ip_pool_actor.hpp"

#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

namespace {

using self_ptr = ip_pool_actor::stateful_pointer<ip_pool_state>;

void flush_releases(self_ptr self);

// Releases, through the gateway, the allocations that nothing holds any more.
void flush_releases(self_ptr self) {
  auto& st = self->state;
  if (!st.pool || !st.gateway)
    return;
  for (auto& a : st.pool->take_releasable()) {
    ++st.releases_in_flight;
    ip_space_request req;
    req.release = true;
    req.allocation = a;
    self->request(st.gateway, ip_space_call_timeout, std::move(req))
      .then(
        [self, a](const ip_space_grant&) {
          --self->state.releases_in_flight;
          spdlog::info("ip pool: released IP Space allocation {} ({})", a.ip, a.allocation_id);
        },
        [self, a](caf::error& err) {
          auto& st = self->state;
          --st.releases_in_flight;
          spdlog::warn(
            "ip pool: releasing IP Space allocation {} failed ({}); retrying in {} s", a.ip,
            describe(err),
            std::chrono::duration_cast<std::chrono::seconds>(ip_space_release_retry).count());
          st.pool->restore_allocation(a);
          if (!st.release_retry_scheduled) {
            st.release_retry_scheduled = true;
            self->delayed_send(self, ip_space_release_retry, tick_atom::value);
          }
        });
  }
}

// An allocation refused by every IP Space is the IP Space's answer for this Service: shown as
// such (ip_exhausted names each space and its reason), not as a VCD failure of the gateway.
caf::error allocation_failure(const ip_request& req, const caf::error& err) {
  auto why = describe(err);
  if (!req.requested_ip.empty())
    return caf::make_error(lb_errc::ip_unavailable,
                           "spec.loadBalancerIP " + req.requested_ip
                             + " could not be allocated from the gateway's IP Spaces: " + why);
  if (has_code(err, lb_errc::ip_exhausted))
    return err;
  if (is_retryable(err))
    return err; // VCD unavailable: the Service backs off and tries again
  return caf::make_error(lb_errc::ip_exhausted,
                         "no external IP could be allocated from the gateway's IP Spaces: " + why);
}

// Allocates for `req`, asking the gateway for a floating IP first when the pool has none.
void allocate(self_ptr self, ip_request req, caf::typed_response_promise<ip_assignment> rp) {
  auto& st = self->state;
  auto result = st.pool->allocate(req);
  if (result) {
    rp.deliver(std::move(*result));
    flush_releases(self); // an IP change may have left the old allocation unused
    return;
  }
  if (!has_code(result.error(), lb_errc::ip_needs_allocation) || !st.gateway) {
    rp.deliver(std::move(result.error()));
    return;
  }
  // One allocation per Service at a time; later requests of that Service wait for it.
  if (auto i = st.allocating.find(req.key); i != st.allocating.end()) {
    i->second.emplace_back([self, req, rp]() mutable { allocate(self, std::move(req), rp); });
    return;
  }
  if (!req.sharing_key.empty())
    if (auto s = st.sharing_in_flight.find(req.sharing_key); s != st.sharing_in_flight.end()) {
      st.allocating[s->second].emplace_back(
        [self, req, rp]() mutable { allocate(self, std::move(req), rp); });
      return;
    }
  st.allocating[req.key];
  if (!req.sharing_key.empty())
    st.sharing_in_flight.emplace(req.sharing_key, req.key);
  ip_space_request ask;
  ask.value = req.requested_ip;
  ask.marker = st.marker_prefix + req.key.ns + "-service-" + req.key.name;
  self->request(st.gateway, ip_space_call_timeout, std::move(ask))
    .then(
      [self, req, rp](const ip_space_grant& g) mutable {
        auto& st = self->state;
        spdlog::info("ip pool: allocated {} from IP Space {} for Service {}", g.allocation.ip,
                     g.allocation.ip_space_id, to_string(req.key));
        st.pool->add_allocation(g.allocation);
        // The new IP is this Service's (reserved with its marker), whatever else is free now.
        auto pinned = req;
        if (pinned.requested_ip.empty())
          pinned.requested_ip = g.allocation.ip;
        auto result = st.pool->allocate(pinned);
        if (result)
          rp.deliver(std::move(*result));
        else
          rp.deliver(std::move(result.error()));
        auto waiting = std::move(st.allocating[req.key]);
        st.allocating.erase(req.key);
        st.sharing_in_flight.erase(req.sharing_key);
        for (auto& f : waiting)
          f();
        flush_releases(self);
      },
      [self, req, rp](caf::error& err) mutable {
        auto& st = self->state;
        spdlog::warn("ip pool: no IP Space allocation for Service {}: {}", to_string(req.key),
                     describe(err));
        rp.deliver(allocation_failure(req, err));
        auto waiting = std::move(st.allocating[req.key]);
        st.allocating.erase(req.key);
        st.sharing_in_flight.erase(req.sharing_key);
        for (auto& f : waiting)
          f();
      });
}

caf::result<caf::ok_atom> rebuild(self_ptr self, const pool_seed& seed, caf::actor gateway) {
  auto pool = ip_pool::make(seed);
  if (!pool)
    return std::move(pool.error());
  auto& st = self->state;
  st.pool = std::move(*pool);
  st.gateway = caf::actor_cast<gateway_actor>(gateway);
  st.marker_prefix = seed.claim_marker_prefix;
  auto stats = st.pool->stats();
  spdlog::info("ip pool rebuilt: {} services, {} external and {} internal IPs in use, {} "
               "claims, {} IP Space allocations; serving {} waiting requests",
               stats.services, stats.external_in_use, stats.internal_in_use, stats.claims,
               st.pool->allocation_count(), st.waiting.size());
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& f : waiting)
    f();
  // Allocations of this cluster that no Service owns (deleted while we were down): released.
  flush_releases(self);
  return caf::ok_atom::value;
}

} // namespace

ip_pool_actor::behavior_type ip_pool_behavior(ip_pool_actor::stateful_pointer<ip_pool_state> self) {
  return {
    [=](rebuild_atom, const pool_seed& seed) -> caf::result<caf::ok_atom> {
      return rebuild(self, seed, caf::actor{});
    },
    [=](rebuild_atom, const pool_seed& seed, caf::actor gateway) -> caf::result<caf::ok_atom> {
      return rebuild(self, seed, std::move(gateway));
    },
    [=](allocate_atom, const ip_request& req) -> caf::result<ip_assignment> {
      auto& st = self->state;
      auto rp = self->make_response_promise<ip_assignment>();
      if (st.pool)
        allocate(self, req, rp);
      else
        st.waiting.emplace_back([self, rp, req]() mutable { allocate(self, req, rp); });
      return rp;
    },
    [=](release_atom, const service_key& key) {
      auto& st = self->state;
      if (st.pool) {
        st.pool->release(key);
        flush_releases(self);
      } else {
        st.waiting.emplace_back([self, key] {
          self->state.pool->release(key);
          flush_releases(self);
        });
      }
    },
    [=](release_atom, const std::vector<std::string>& ips) {
      auto& st = self->state;
      if (st.pool) {
        st.pool->release_leftovers(ips);
        flush_releases(self);
      } else {
        st.waiting.emplace_back([self, ips] {
          self->state.pool->release_leftovers(ips);
          flush_releases(self);
        });
      }
    },
    [=](claim_atom, const service_key& key,
        const std::vector<listener_key>& ls) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      if (st.pool) {
        if (auto err = st.pool->claim(key, ls))
          return err;
        return caf::ok_atom::value;
      }
      auto rp = self->make_response_promise<caf::ok_atom>();
      st.waiting.emplace_back([self, rp, key, ls]() mutable {
        if (auto err = self->state.pool->claim(key, ls))
          rp.deliver(std::move(err));
        else
          rp.deliver(caf::ok_atom::value);
      });
      return rp;
    },
    [=](unclaim_atom, const service_key& key, const std::vector<listener_key>& ls) {
      auto& st = self->state;
      if (st.pool) {
        st.pool->unclaim(key, ls);
        flush_releases(self);
      } else {
        st.waiting.emplace_back([self, key, ls] {
          self->state.pool->unclaim(key, ls);
          flush_releases(self);
        });
      }
    },
    [=](tick_atom) {
      self->state.release_retry_scheduled = false;
      flush_releases(self);
    },
    [=](caf::get_atom) -> pool_stats {
      auto& st = self->state;
      if (st.pool)
        return st.pool->stats();
      pool_stats s;
      s.waiting = static_cast<uint32_t>(st.waiting.size());
      return s;
    },
  };
}

} // namespace vcdlb
