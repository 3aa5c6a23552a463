// The gateway actor's four op runners: create, update and remove pools, application port
// profiles, DNAT rules and virtual services, keeping the read cache in step with each change.

#include "actors/detail/gateway_internals.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::detail::gateway {

namespace {

using send_fn = std::function<void(vcd::callback<vcd::task_ref>)>;

// Removes the object `id` (VCD's "not found" counts as removed) and forgets it: `Map` is the
// cache's map of its kind.
template <class Map>
void remove_object(self_ptr self, const lb_op& op, Map gateway_state::cache::*map, std::string id,
                   send_fn remove, done_fn done) {
  mutate(self, task_kind_of(op), std::move(remove),
         [self, kind = op.kind, map, id, done](caf::expected<vcd::task> r) {
           if (!r && !has_code(r.error(), vcd_errc::not_found)) {
             done(std::move(r.error()));
             return;
           }
           auto& m = self->state.objects.*map;
           if (auto i = m.find(id); i != m.end()) {
             unindex_object(self, kind, id, name_of(i->second));
             m.erase(i);
           }
           done(op_result{id});
         });
}

// Creates or updates `body` (`send(body, create, callback)`), then records it in the cache:
// `record(entry, body)` on its entry in `map`, added under the id VCD gave a new object.
template <class Map, class Body, class Send, class Record>
void write_object(self_ptr self, gateway_state::task_kind kind, object_kind object,
                  Map gateway_state::cache::*map, Body body, bool create, Send send, Record record,
                  done_fn done) {
  mutate(
    self, kind, [body, create, send](auto cb) { send(body, create, std::move(cb)); },
    [self, object, map, body, record, done](caf::expected<vcd::task> r) mutable {
      if (!r) {
        done(std::move(r.error()));
        return;
      }
      if (body.id.empty())
        body.id = r->owner.id;
      auto& m = self->state.objects.*map;
      auto [it, added] = m.try_emplace(body.id);
      if (added) {
        index_object(self, object, it->first, body.name);
      } else if (name_of(it->second) != body.name) {
        // Renamed in place (a renamed Service port): the owner index goes by name.
        unindex_object(self, object, it->first, name_of(it->second));
        index_object(self, object, it->first, body.name);
      }
      record(it->second, body);
      // An update in place (a new VIP) changes what the cluster's RDE records too.
      if (!added && self->state.args.on_objects_changed)
        self->state.args.on_objects_changed();
      done(op_result{body.id});
    });
}

} // namespace

void run_pool_op(self_ptr self, pending_ptr p, done_fn done) {
  auto client = self->state.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    remove_object(
      self, op, &gateway_state::cache::pools, op.pool.id,
      [client, id = op.pool.id](auto cb) { client->delete_pool(id, std::move(cb)); },
      std::move(done));
    return;
  }
  write_object(
    self, task_kind_of(op), object_kind::pool, &gateway_state::cache::pools,
    detail::to_vcd(op.pool, self->state.args.ctx), op.op == op_kind::create,
    [client](const vcd::pool& body, bool create, vcd::callback<vcd::task_ref> cb) {
      if (create)
        client->create_pool(body, std::move(cb));
      else
        client->update_pool(body, std::move(cb));
    },
    [self](gateway_state::cached_pool& entry, const vcd::pool& body) {
      set_details(self, entry, body);
    },
    std::move(done));
}

void run_profile_op(self_ptr self, pending_ptr p, done_fn done) {
  auto client = self->state.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    remove_object(
      self, op, &gateway_state::cache::profiles, op.profile.id,
      [client, id = op.profile.id](auto cb) { client->delete_app_port_profile(id, std::move(cb)); },
      std::move(done));
    return;
  }
  write_object(
    self, task_kind_of(op), object_kind::app_port_profile, &gateway_state::cache::profiles,
    detail::to_vcd(op.profile, self->state.args.ctx), op.op == op_kind::create,
    [client](const vcd::app_port_profile& body, bool create, vcd::callback<vcd::task_ref> cb) {
      if (create)
        client->create_app_port_profile(body, std::move(cb));
      else
        client->update_app_port_profile(body, std::move(cb));
    },
    [](app_port_profile_desc& entry, const vcd::app_port_profile& body) {
      entry = without_id(detail::to_desc(body));
    },
    std::move(done));
}

void run_dnat_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  auto gw = st.args.ctx.gateway.id;
  const auto& op = p->op;
  auto kind = task_kind_of(op);
  if (op.op == op_kind::remove) {
    auto op_id = op.dnat.id;
    with_nat_rule(self, op, [self, client, gw, kind, op_id, done](auto target) {
      if (!target) {
        done(std::move(target.error()));
        return;
      }
      if (!*target) { // already gone
        forget_nat_rule(self, op_id);
        done(op_result{op_id});
        return;
      }
      auto id = (*target)->id;
      mutate(
        self, kind, [client, gw, id](auto cb) { client->delete_nat_rule(gw, id, std::move(cb)); },
        [self, id, op_id, done](caf::expected<vcd::task> r) {
          if (!r && !has_code(r.error(), vcd_errc::not_found)) {
            done(std::move(r.error()));
            return;
          }
          forget_nat_rule(self, id);
          forget_nat_rule(self, op_id);
          done(op_result{id});
        });
    });
    return;
  }
  const auto* profile = find_profile(st, op.dnat.profile_name);
  if (profile == nullptr) {
    done(caf::make_error(vcd_errc::not_found,
                         "app port profile " + op.dnat.profile_name + " does not exist"));
    return;
  }
  vcd::entity_ref profile_ref{profile->second.name, profile->first};
  auto send = [self, client, gw, kind, done](vcd::nat_rule body, bool create) {
    mutate(
      self, kind,
      [client, gw, body, create](auto cb) {
        if (create)
          client->create_nat_rule(gw, body, std::move(cb));
        else
          client->update_nat_rule(gw, body, std::move(cb));
      },
      [self, body, create, done](caf::expected<vcd::task> r) mutable {
        if (!r) {
          if (has_code(r.error(), vcd_errc::conflict))
            self->state.invalidate(object_kind::dnat_rule); // stale version: re-read first
          done(std::move(r.error()));
          return;
        }
        // No list to learn the new id or version: a create waits under a placeholder, an
        // update's version is unknown, until a list is needed (with_nat_rule) or a refresh.
        auto id = create ? std::string{unlisted_prefix} + body.name : body.id;
        body.id = id;
        body.version = -1;
        auto& c = self->state.objects;
        auto [it, added] = c.nat_rules.try_emplace(id);
        if (added) {
          index_object(self, object_kind::dnat_rule, it->first, body.name);
        } else if (it->second.desc.name != body.name) {
          unindex_object(self, object_kind::dnat_rule, it->first, it->second.desc.name);
          index_object(self, object_kind::dnat_rule, it->first, body.name);
        }
        it->second = to_cached(body);
        if (!added && self->state.args.on_objects_changed)
          self->state.args.on_objects_changed(); // a new external IP for the RDE
        done(op_result{id});
      });
  };
  if (op.op == op_kind::create) {
    send(detail::to_vcd(op.dnat, profile_ref, -1), true);
    return;
  }
  auto desc = op.dnat;
  with_nat_rule(self, op, [desc, profile_ref, send, done](auto target) mutable {
    if (!target) {
      done(std::move(target.error()));
      return;
    }
    if (!*target) {
      done(caf::make_error(vcd_errc::not_found, "NAT rule " + desc.name + " is gone"));
      return;
    }
    desc.id = (*target)->id;
    send(detail::to_vcd(desc, profile_ref, (*target)->version), false);
  });
}

// Resolves the service engine group (first assignment with capacity), once per actor.
void with_seg(self_ptr self, std::function<void(caf::expected<vcd::entity_ref>)> k) {
  auto& st = self->state;
  if (!st.seg.id.empty()) {
    k(st.seg);
    return;
  }
  auto client = st.args.client;
  auto gw = st.args.ctx.gateway.id;
  read<std::vector<vcd::seg_assignment>>(
    self, urgency::op, [client, gw](auto cb) { client->list_seg_assignments(gw, std::move(cb)); },
    [self, k](caf::expected<std::vector<vcd::seg_assignment>> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      for (const auto& a : *r)
        if (a.has_capacity()) {
          self->state.seg = a.service_engine_group_ref;
          k(self->state.seg);
          return;
        }
      k(caf::make_error(vcd_errc::unsupported,
                        std::string{"no service engine group with free capacity is assigned to "
                                    "the edge gateway"}));
    });
}

void with_certificate(self_ptr self, const std::string& alias,
                      std::function<void(caf::expected<vcd::entity_ref>)> k) {
  auto& st = self->state;
  if (alias.empty()) {
    k(vcd::entity_ref{});
    return;
  }
  if (auto i = st.certificates.find(alias); i != st.certificates.end()) {
    k(i->second);
    return;
  }
  auto client = st.args.client;
  read<std::vector<vcd::certificate>>(
    self, urgency::op,
    [client, alias](auto cb) { client->find_certificates(alias, std::move(cb)); },
    [self, alias, k](caf::expected<std::vector<vcd::certificate>> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      if (r->size() != 1) {
        k(caf::make_error(vcd_errc::bad_request,
                          "certificate alias '" + alias + "' matches " + std::to_string(r->size())
                            + " items in the org's certificate library (need exactly one)"));
        return;
      }
      vcd::entity_ref ref{r->front().alias, r->front().id};
      self->state.certificates[alias] = ref;
      k(ref);
    });
}

vcd::virtual_service_summary summary_of(const vcd::virtual_service& vs) {
  vcd::virtual_service_summary s;
  s.id = vs.id;
  s.name = vs.name;
  s.enabled = vs.enabled;
  s.virtual_ip_address = vs.virtual_ip_address;
  s.gateway_ref = vs.gateway_ref;
  s.load_balancer_pool_ref = vs.load_balancer_pool_ref;
  s.service_engine_group_ref = vs.service_engine_group_ref;
  s.certificate_ref = vs.certificate_ref;
  s.service_ports = vs.service_ports;
  s.application_profile_type = vs.app_profile.type;
  return s;
}

void run_vs_op(self_ptr self, pending_ptr p, done_fn done) {
  auto& st = self->state;
  auto client = st.args.client;
  const auto& op = p->op;
  if (op.op == op_kind::remove) {
    remove_object(
      self, op, &gateway_state::cache::vss, op.vs.id,
      [client, id = op.vs.id](auto cb) { client->delete_virtual_service(id, std::move(cb)); },
      std::move(done));
    return;
  }
  const auto* pool = find_pool(st, op.vs.pool_name);
  if (pool == nullptr) {
    done(caf::make_error(vcd_errc::not_found, "pool " + op.vs.pool_name + " does not exist"));
    return;
  }
  vcd::entity_ref pool_ref{pool->second.name, pool->first};
  // An update keeps the SEG the virtual service already runs on.
  vcd::entity_ref current_seg;
  if (op.op == op_kind::update)
    if (auto i = st.objects.vss.find(op.vs.id); i != st.objects.vss.end())
      if (i->second.seg)
        current_seg = *i->second.seg;
  auto desc = op.vs;
  auto create = op.op == op_kind::create;
  auto kind = task_kind_of(op);
  auto with_body = [self, client, desc, pool_ref, create, kind, done](vcd::entity_ref seg) {
    with_certificate(
      self, desc.ssl ? desc.cert_alias : std::string{},
      [self, client, desc, pool_ref, create, kind, done, seg](caf::expected<vcd::entity_ref> cert) {
        if (!cert) {
          done(std::move(cert.error()));
          return;
        }
        write_object(
          self, kind, object_kind::virtual_service, &gateway_state::cache::vss,
          detail::to_vcd(desc, self->state.args.ctx, pool_ref, seg, *cert), create,
          [client](const vcd::virtual_service& body, bool create, vcd::callback<vcd::task_ref> cb) {
            if (create)
              client->create_virtual_service(body, std::move(cb));
            else
              client->update_virtual_service(body, std::move(cb));
          },
          [self](gateway_state::cached_vs& entry, const vcd::virtual_service& body) {
            entry =
              to_cached(self, detail::to_desc(summary_of(body)), body.service_engine_group_ref);
          },
          done);
      });
  };
  if (!current_seg.id.empty()) {
    with_body(current_seg);
    return;
  }
  with_seg(self, [with_body, done](caf::expected<vcd::entity_ref> seg) {
    if (!seg) {
      done(std::move(seg.error()));
      return;
    }
    with_body(*seg);
  });
}

void run_op(self_ptr self, pending_ptr p, done_fn done) {
  ensure_cache(self, [self, p, done = std::move(done)](const caf::error& err) mutable {
    if (err) {
      done(err);
      return;
    }
    switch (p->op.kind) {
    case object_kind::pool:
      run_pool_op(self, p, std::move(done));
      break;
    case object_kind::virtual_service:
      run_vs_op(self, p, std::move(done));
      break;
    case object_kind::dnat_rule:
      run_dnat_op(self, p, std::move(done));
      break;
    case object_kind::app_port_profile:
      run_profile_op(self, p, std::move(done));
      break;
    }
  });
}
} // namespace vcdlb::detail::gateway
