#include "engine/detail/core.hpp"

#include <algorithm>

#include "actors/ip_pool_actor.hpp"
#include "actors/ipv4.hpp"
#include "actors/naming.hpp"
#include "actors/node_set.hpp"
#include "actors/pool_seed.hpp"
#include "actors/service_manager.hpp"
#include "adapters/asio/bridge.hpp"
#include "adapters/vcd/ip_spaces.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "engine/detail/rde_sink.hpp"
#include "engine/detail/status_writer.hpp"
#include "engine/settings.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb::detail {

namespace {

using self_ptr = core_actor*;

void discover(self_ptr self);

void set_phase(self_ptr self, engine_phase phase, const std::string& detail = {}) {
  auto& st = self->state;
  {
    std::lock_guard guard{st.shared->mutex};
    st.shared->detail = detail;
  }
  auto old = st.shared->phase.exchange(phase);
  if (st.opts.on_phase && (old != phase || !detail.empty()))
    st.opts.on_phase(phase, detail);
}

/// A VCD callback that continues in the actor, unless a newer discovery attempt started
/// meanwhile. The closure runs only inside the actor's own handler, so `self` is alive then.
template <class T, class F>
vcd::callback<T> in_actor(self_ptr self, F fn) {
  auto generation = self->state.generation;
  asio_bridge::weak_sender<caf::actor> back{self};
  return [back, self, generation, fn = std::move(fn)](caf::expected<T> result) mutable {
    back.send(resume_atom::value,
              resume{[self, generation, fn = std::move(fn), r = std::move(result)]() mutable {
                if (self->state.generation == generation)
                  fn(std::move(r));
              }});
  };
}

/// Spawned children are monitored so that shutdown can wait for them.
template <class Handle>
Handle track(self_ptr self, Handle child) {
  self->monitor(child);
  self->state.children.insert(child.address());
  return child;
}

/// Ends every child, then the core once the last one is down.
void shut_down(self_ptr self, caf::error reason) {
  auto& st = self->state;
  if (!st.stopping) {
    st.stopping = true;
    st.stop_reason = std::move(reason);
    for (const auto& addr : st.children)
      if (auto child = caf::actor_cast<caf::actor>(addr))
        self->send_exit(child, st.stop_reason);
  }
  if (st.children.empty())
    self->quit(st.stop_reason);
}

void fail(self_ptr self, const std::string& step, const caf::error& err) {
  auto detail = step + ": " + describe(err);
  spdlog::error("engine start-up failed, {}", detail);
  set_phase(self, engine_phase::failed, detail);
}

/// Retryable errors restart discovery after a backoff; the others end it.
void retry_or_fail(self_ptr self, const std::string& step, const caf::error& err) {
  if (!is_retryable(err)) {
    fail(self, step, err);
    return;
  }
  auto& st = self->state;
  auto delay = st.opts.retry_base;
  for (uint32_t i = 0; i < st.attempt && delay < st.opts.retry_max; ++i)
    delay *= 2;
  delay = std::min(delay, st.opts.retry_max);
  ++st.attempt;
  auto detail = step + ": " + describe(err);
  spdlog::warn("engine start-up: {}; retrying in {} ms", detail,
               std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  set_phase(self, engine_phase::discovering, detail);
  self->delayed_send(self, delay, tick_atom::value);
}

uint64_t address_count(const pool_seed& seed) {
  uint64_t n = 0;
  auto subnet = seed.vip_subnet.empty() ? std::nullopt : ipv4::parse_cidr(seed.vip_subnet);
  for (const auto& r : seed.external_ranges) {
    auto range = ipv4::parse_range(r.first, r.last);
    if (!range)
      continue;
    if (subnet) {
      range->first = std::max(range->first, subnet->first);
      range->last = std::min(range->last, subnet->last);
    }
    n += range->size();
  }
  return n;
}

/// Samples what the observer cannot see from the actors' hooks, then schedules the next one.
void sample(self_ptr self) {
  auto& st = self->state;
  if (!st.opts.observer || !st.manager)
    return;
  auto observer = st.opts.observer;
  observer->mailbox_depth("engine", self->mailbox().size());
  self->request(st.manager, std::chrono::seconds{5}, caf::get_atom::value)
    .then([observer](uint64_t n) { observer->managed_services(n); }, [](caf::error&) {});
  self->request(st.pool, std::chrono::seconds{5}, caf::get_atom::value)
    .then(
      [self, observer](const pool_stats& ps) {
        const auto& st = self->state;
        observer->pool_usage(st.external_size, ps.external_in_use, st.internal_size,
                             ps.internal_in_use);
      },
      [](caf::error&) {});
  self->delayed_send(self, st.opts.sample_interval, flush_atom::value);
}

/// Removes what belongs to none of `keys` (see service_manager's sweep).
void sweep(self_ptr self, std::vector<service_key> keys) {
  auto& st = self->state;
  self->request(st.manager, std::chrono::minutes{30}, sweep_atom::value, std::move(keys))
    .then(
      [](uint64_t removed) {
        if (removed > 0)
          spdlog::info("engine: removed {} leftover objects that belong to no Service", removed);
      },
      [](caf::error& err) {
        spdlog::warn("engine: sweep of leftover objects: {}", describe(err));
      });
}

void go_running(self_ptr self) {
  auto& st = self->state;
  st.seeding = false;
  for (auto& [key, spec] : st.pending) {
    st.known.insert(key);
    self->send(st.manager, std::move(spec));
  }
  st.pending.clear();
  spdlog::info("engine running: gateway {} ({}), mode {}, {} Services", st.edge.name, st.edge.id,
               config::to_string(st.opts.config.mode()), st.known.size());
  set_phase(self, engine_phase::running);
  sweep(self, {st.known.begin(), st.known.end()});
  sample(self);
}

/// Once the gateway's objects and the first full Service list are both known: rebuild the
/// pool from them, then let the Services reconcile.
void maybe_seed(self_ptr self) {
  auto& st = self->state;
  if (!st.ours || !st.listed || st.seeding || st.manager || st.stopping || st.draining)
    return;
  st.seeding = true;
  std::vector<service_spec> services;
  services.reserve(st.pending.size());
  for (const auto& [key, spec] : st.pending)
    services.push_back(spec);
  const auto& cfg = st.opts.config;
  seed_inputs in;
  in.gateway = &st.edge;
  in.used = &st.used;
  in.vip_subnet = cfg.loadbalancer.vip_subnet;
  in.internal_range = internal_range(cfg);
  in.mode = cfg.mode();
  in.cluster_id = cfg.cluster_id;
  in.ours = &*st.ours;
  in.services = &services;
  in.ip_spaces = st.edge.using_ip_space();
  in.allocations = &st.allocations;
  auto seed = make_pool_seed(in, cfg.vcdlb.load_balancer_class);
  st.external_size = address_count(seed);
  if (auto r = ipv4::parse_range(seed.internal_range.first, seed.internal_range.last))
    st.internal_size = r->size();
  self
    ->request(st.pool, std::chrono::seconds{30}, rebuild_atom::value, std::move(seed),
              caf::actor_cast<caf::actor>(st.gateway))
    .then(
      [self](caf::ok_atom) {
        auto& st = self->state;
        auto deps = std::make_shared<service_deps>();
        deps->settings =
          make_engine_settings(st.opts.config, supports_shared_vip(st.session.api_version));
        deps->pool = st.pool;
        deps->gateway = st.gateway;
        deps->writer = st.writer;
        // The writer answers within its deadline plus one attempt; the margin covers the trip.
        deps->status_timeout = st.opts.status_writes.deadline
                               + st.opts.status_writes.attempt_timeout + std::chrono::seconds{5};
        deps->backoff_base = st.opts.backoff_base;
        deps->backoff_max = st.opts.backoff_max;
        deps->resync_interval = st.opts.resync_interval;
        if (st.opts.observer)
          deps->observer = st.opts.observer;
        if (st.opts.vcd_health)
          deps->vcd = st.opts.vcd_health;
        st.manager = track(self, self->spawn<caf::linked>(service_manager_behavior,
                                                          std::shared_ptr<const service_deps>{deps},
                                                          st.nodes));
        go_running(self);
      },
      [self](caf::error& err) {
        self->state.seeding = false;
        fail(self, "rebuilding the IP pool from the gateway and the Services", err);
      });
}

void list_objects(self_ptr self) {
  auto& st = self->state;
  if (!st.gateway) {
    // Before the gateway actor exists: the observer's gateway hooks may use what this sets.
    if (st.opts.observer)
      st.opts.observer->discovered(st.edge.name, st.session.api_version);
    gateway_args args;
    args.client = st.opts.vcd;
    args.ctx.gateway = {st.edge.name, st.edge.id};
    args.ctx.org = st.edge.org_ref.id.empty() ? st.session.org : st.edge.org_ref;
    args.ctx.vdc_id =
      st.network.org_vdc.id.empty() ? st.network.owner_ref.id : st.network.org_vdc.id;
    args.cluster_id = st.opts.config.cluster_id;
    args.ctx.cluster_id = st.opts.config.cluster_id;
    args.settings = st.opts.gateway ? *st.opts.gateway : make_gateway_settings(st.opts.config);
    if (st.opts.observer)
      args.observer = st.opts.observer;
    if (st.rde)
      args.on_objects_changed = rde_change_signal(st.rde, st.rde_flag);
    st.gateway = track(self, caf::actor_cast<gateway_actor>(
                               self->spawn<caf::linked>(gateway_behavior, std::move(args))));
    if (st.rde)
      self->send(st.rde, rde_source{st.gateway});
  }
  auto generation = st.generation;
  self->request(st.gateway, std::chrono::minutes{10}, list_atom::value)
    .then(
      [self, generation](lb_objects& objects) {
        auto& st = self->state;
        if (st.generation != generation)
          return;
        st.ours = std::move(objects);
        st.attempt = 0;
        {
          std::lock_guard guard{st.shared->mutex};
          st.shared->gateway_id = st.edge.id;
          st.shared->api_version = st.session.api_version;
        }
        spdlog::info("engine: gateway {} has {} virtual services, {} pools, {} DNAT rules of this "
                     "cluster",
                     st.edge.name, st.ours->virtual_services.size(), st.ours->pools.size(),
                     st.ours->dnat_rules.size());
        set_phase(self, engine_phase::seeding);
        maybe_seed(self);
      },
      [self, generation](caf::error& err) {
        if (self->state.generation == generation)
          retry_or_fail(self, "listing the gateway's load-balancer objects", err);
      });
}

void discover(self_ptr self) {
  auto& st = self->state;
  if (st.stopping || st.draining)
    return;
  ++st.generation;
  st.opts.vcd->login(in_actor<vcd::session_info>(self, [self](auto result) {
    if (!result) {
      // Wrong credentials stay wrong: no retry (a 401 elsewhere means an expired session).
      if (has_code(result.error(), vcd_errc::unauthorized)
          || has_code(result.error(), vcd_errc::forbidden))
        fail(self, "logging in to VCD", result.error());
      else
        retry_or_fail(self, "logging in to VCD", result.error());
      return;
    }
    auto& st = self->state;
    st.session = std::move(*result);
    if (auto err = check_mode_supported(st.opts.config, st.session.api_version)) {
      fail(self, "checking the VCD version", err);
      return;
    }
    const auto& network_name = st.opts.config.loadbalancer.network;
    st.opts.vcd->get_org_vdc_network(
      network_name, in_actor<vcd::org_vdc_network>(self, [self, network_name](auto result) {
        auto step = "looking up loadbalancer.network \"" + network_name + "\"";
        if (!result) {
          retry_or_fail(self, step, result.error());
          return;
        }
        auto& st = self->state;
        st.network = std::move(*result);
        if (st.network.router_ref.id.empty()) {
          fail(self, step,
               caf::make_error(config_errc::invalid_value,
                               "the network is not connected to an edge gateway"));
          return;
        }
        st.opts.vcd->get_edge_gateway(
          st.network.router_ref.id, in_actor<vcd::edge_gateway>(self, [self](auto result) {
            if (!result) {
              retry_or_fail(self, "reading the edge gateway", result.error());
              return;
            }
            auto& st = self->state;
            st.edge = std::move(*result);
            st.opts.vcd->list_used_ip_addresses(
              st.edge.id, in_actor<std::vector<vcd::used_ip>>(self, [self](auto result) {
                if (!result) {
                  retry_or_fail(self, "listing the gateway's used IP addresses", result.error());
                  return;
                }
                auto& st = self->state;
                st.used = std::move(*result);
                st.allocations.clear();
                if (!st.edge.using_ip_space()) {
                  list_objects(self);
                  return;
                }
                // Before anything is allocated: the IPs this cluster (or the upstream provider
                // for it) already holds, by their claim markers.
                vcd::list_marked_allocations(
                  st.opts.vcd, st.edge.id,
                  naming::ip_claim_marker_prefix(st.opts.config.cluster_id),
                  in_actor<std::vector<vcd::ip_allocation>>(self, [self](auto result) {
                    if (!result) {
                      retry_or_fail(self, "listing this cluster's IP Space allocations",
                                    result.error());
                      return;
                    }
                    self->state.allocations = std::move(*result);
                    spdlog::info("engine: gateway {} allocates from IP Spaces; this cluster "
                                 "holds {} allocations",
                                 self->state.edge.name, self->state.allocations.size());
                    list_objects(self);
                  }));
              }));
          }));
      }));
  }));
}

void upsert(self_ptr self, service_spec& spec) {
  auto& st = self->state;
  if (!st.manager) {
    auto key = spec.key;
    st.pending.insert_or_assign(std::move(key), std::move(spec));
    return;
  }
  st.known.insert(spec.key);
  self->send(st.manager, std::move(spec));
}

// CAPVCD clusters: the RDE writer, and the Service Events fed to it through the sink. CSE 3
// native clusters: the RDE writer only (their entity records VIPs, no events).
void start_rde(self_ptr self) {
  auto& st = self->state;
  const auto& id = st.opts.config.cluster_id;
  auto kind = rde::classify_cluster_id(id);
  switch (kind) {
  case rde::cluster_id_kind::none:
  case rde::cluster_id_kind::no_rde:
    return; // no RDE work at all, as upstream
  case rde::cluster_id_kind::native:
    break;
  case rde::cluster_id_kind::unknown:
    spdlog::warn("clusterid '{}' is neither a capvcdCluster or nativeCluster URN nor "
                 "NO_RDE_...: no RDE is kept; the id is used in object names only",
                 id);
    return;
  case rde::cluster_id_kind::capvcd:
    break;
  }
  rde_args args;
  args.client = st.opts.vcd;
  args.cluster_id = id;
  args.version = VCDLB_VERSION;
  args.settings = st.opts.rde;
  args.now_rfc3339 = rfc3339_now;
  args.signal = st.rde_flag;
  st.rde = track(self, caf::actor_cast<rde_actor>(self->spawn<caf::linked>(
                         rde_behavior, std::move(args), st.opts.rde_stats)));
  if (kind == rde::cluster_id_kind::capvcd)
    st.opts.sink = std::make_shared<rde_event_sink>(st.opts.sink, st.rde);
}

} // namespace

caf::behavior core_behavior(core_actor* self, engine_options opts,
                            std::shared_ptr<engine::shared_state> shared) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.shared = std::move(shared);
  st.nodes = track(self, self->spawn<caf::linked>(node_set_behavior, st.opts.node_debounce));
  st.pool = track(self, self->spawn<caf::linked>(ip_pool_behavior));
  start_rde(self);
  st.writer = track(self, caf::actor_cast<status_writer_actor>(self->spawn<caf::linked>(
                            status_writer_behavior, st.opts.sink, st.opts.status_writes)));
  // A child that fails takes the engine down with a clear phase; shutdown requests end it.
  // Either way the children go first (see core_state::children).
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (em.reason && em.reason != caf::exit_reason::user_shutdown && em.source != caf::actor_addr{}
        && !self->state.stopping) {
      spdlog::error("engine: an actor failed: {}", to_string(em.reason));
      set_phase(self, engine_phase::failed, "an engine actor failed: " + to_string(em.reason));
    }
    shut_down(self, em.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.children.erase(dm.source);
    if (st.stopping && st.children.empty())
      self->quit(st.stop_reason);
  });
  discover(self);
  return {
    [self](std::vector<service_spec>& all) {
      auto& st = self->state;
      if (!st.manager) {
        st.pending.clear();
        for (auto& spec : all) {
          auto key = spec.key;
          st.pending.insert_or_assign(std::move(key), std::move(spec));
        }
        st.listed = true;
        maybe_seed(self);
        return;
      }
      std::set<service_key> now;
      for (auto& spec : all) {
        now.insert(spec.key);
        self->send(st.manager, std::move(spec));
      }
      for (const auto& key : st.known)
        if (!now.contains(key))
          self->send(st.manager, remove_atom::value, key);
      st.known = std::move(now);
      sweep(self, {st.known.begin(), st.known.end()});
    },
    [self](service_spec& spec) { upsert(self, spec); },
    [self](remove_atom, service_key& key) {
      auto& st = self->state;
      if (!st.manager) {
        st.pending.erase(key);
        return;
      }
      st.known.erase(key);
      self->send(st.manager, remove_atom::value, std::move(key));
    },
    [self](std::vector<node_description>& all) { self->send(self->state.nodes, std::move(all)); },
    [self](node_description& node) { self->send(self->state.nodes, std::move(node)); },
    [self](remove_atom, std::string& node) {
      self->send(self->state.nodes, remove_atom::value, std::move(node));
    },
    [self](std::vector<endpoint_slice_info>& all) {
      self->send(self->state.nodes, std::move(all));
    },
    [self](endpoint_slice_info& slice) { self->send(self->state.nodes, std::move(slice)); },
    [self](remove_atom, endpoint_slice_info& slice) {
      self->send(self->state.nodes, remove_atom::value, std::move(slice));
    },
    [self](caf::get_atom) {
      auto rp = self->make_response_promise();
      auto& st = self->state;
      auto with_count = [self, rp](uint64_t count) mutable {
        self->request(self->state.pool, std::chrono::seconds{5}, caf::get_atom::value)
          .then([rp, count](const pool_stats& ps) mutable { rp.deliver(count, ps); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      };
      if (!st.manager) {
        with_count(0);
      } else {
        self->request(st.manager, std::chrono::seconds{5}, caf::get_atom::value)
          .then(with_count, [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      }
      return rp;
    },
    [self](drain_atom) {
      // Shutdown: the Services stop first (no new ops, no Events about refused ones), then
      // the gateway finishes the mutation in flight.
      auto& st = self->state;
      st.draining = true;
      auto rp = self->make_response_promise();
      if (st.manager) {
        self->unlink_from(st.manager);
        self->send_exit(st.manager, caf::exit_reason::user_shutdown);
        st.manager = nullptr;
      }
      if (!st.gateway) {
        rp.deliver(caf::ok_atom::value);
        return rp;
      }
      self->request(st.gateway, caf::infinite, drain_atom::value)
        .then([rp](caf::ok_atom) mutable { rp.deliver(caf::ok_atom::value); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](resync_atom) {
      if (self->state.manager)
        self->send(self->state.manager, resync_atom::value);
    },
    [self](tick_atom) { discover(self); },
    [self](flush_atom) { sample(self); },
    [](resume_atom, resume& r) { r.fn(); },
  };
}

} // namespace vcdlb::detail
