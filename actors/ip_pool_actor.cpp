#include "actors/ip_pool_actor.hpp"

#include "caf/typed_event_based_actor.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

ip_pool_actor::behavior_type ip_pool_behavior(ip_pool_actor::stateful_pointer<ip_pool_state> self) {
  return {
    [=](rebuild_atom, const pool_seed& seed) -> caf::result<caf::ok_atom> {
      auto pool = ip_pool::make(seed);
      if (!pool)
        return std::move(pool.error());
      auto& st = self->state;
      st.pool = std::move(*pool);
      auto stats = st.pool->stats();
      spdlog::info("ip pool rebuilt: {} services, {} external and {} internal IPs in use, {} "
                   "claims; serving {} waiting requests",
                   stats.services, stats.external_in_use, stats.internal_in_use, stats.claims,
                   st.waiting.size());
      auto waiting = std::move(st.waiting);
      st.waiting.clear();
      for (auto& f : waiting)
        f();
      return caf::ok_atom::value;
    },
    [=](allocate_atom, const ip_request& req) -> caf::result<ip_assignment> {
      auto& st = self->state;
      if (st.pool) {
        auto result = st.pool->allocate(req);
        if (!result)
          return std::move(result.error());
        return std::move(*result);
      }
      auto rp = self->make_response_promise<ip_assignment>();
      st.waiting.emplace_back([self, rp, req]() mutable {
        auto result = self->state.pool->allocate(req);
        if (result)
          rp.deliver(std::move(*result));
        else
          rp.deliver(std::move(result.error()));
      });
      return rp;
    },
    [=](release_atom, const service_key& key) {
      auto& st = self->state;
      if (st.pool)
        st.pool->release(key);
      else
        st.waiting.emplace_back([self, key] { self->state.pool->release(key); });
    },
    [=](release_atom, const std::vector<std::string>& ips) {
      auto& st = self->state;
      if (st.pool)
        st.pool->release_leftovers(ips);
      else
        st.waiting.emplace_back([self, ips] { self->state.pool->release_leftovers(ips); });
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
      if (st.pool)
        st.pool->unclaim(key, ls);
      else
        st.waiting.emplace_back([self, key, ls] { self->state.pool->unclaim(key, ls); });
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
