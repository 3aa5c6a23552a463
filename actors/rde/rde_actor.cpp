#include "actors/rde/rde_actor.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "actors/rde/native_status.hpp"
#include "adapters/asio/bridge.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "protocol/errors.hpp"

namespace vcdlb {

namespace {

using self_ptr = rde_actor::stateful_pointer<rde_state>;

// A change to the entity body: the new body, nullopt when nothing changes, or an error.
using body_edit = std::function<caf::expected<std::optional<std::string>>(std::string_view)>;

bool native(const rde_state& st) {
  return st.kind == rde::cluster_id_kind::native;
}

// The part of the entity this writer keeps, for logs.
const char* section(const rde_state& st) {
  return native(st) ? "status.virtual_IPs" : "status.cpi";
}

// Notes kept while writes fail: the window upstream keeps, per kind, is all that would survive
// the write anyway; a few more cover the resolutions.
constexpr size_t max_notes = 4 * rde::rolling_window;

// Runs a client call; its result comes back into the actor.
template <class T>
void call(self_ptr self, std::function<void(vcd::callback<T>)> invoke,
          std::function<void(caf::expected<T>)> k) {
  asio_bridge::weak_sender<rde_actor> back{self};
  invoke([back, k = std::move(k)](caf::expected<T> result) {
    back.send(resume_atom::value,
              detail::resume{[k, r = std::move(result)]() mutable { k(std::move(r)); }});
  });
}

void report(self_ptr self, const std::string& what, const caf::error& err) {
  auto& st = self->state;
  auto text = what + ": " + describe(err);
  if (text == st.last_problem)
    return;
  st.last_problem = text;
  spdlog::error("rde {}: {}", st.args.cluster_id, text);
}

caf::timespan backoff(const rde_state& st) {
  auto d = st.args.settings.retry_base;
  for (uint32_t i = 1; i < st.failures && d < st.args.settings.retry_max; ++i)
    d *= 2;
  return std::min(d, st.args.settings.retry_max);
}

void schedule(self_ptr self, caf::timespan delay) {
  auto& st = self->state;
  if (st.timer)
    return;
  st.timer = true;
  self->delayed_send(self, delay, tick_atom::value);
}

void start_up(self_ptr self);
void write_round(self_ptr self);

// Arms the next round when there is something to write and nothing under way.
void arm(self_ptr self) {
  auto& st = self->state;
  if (!st.ready || st.writing || st.timer || (!st.dirty && st.notes.empty()))
    return;
  auto delay = st.args.settings.batch_delay;
  if (st.last_write) {
    auto since = self->clock().now() - *st.last_write;
    if (since < st.args.settings.min_interval)
      delay = std::max(delay, st.args.settings.min_interval - since);
  }
  schedule(self, delay);
}

void failed_round(self_ptr self, std::vector<rde_note> notes, bool had_change,
                  const std::string& what, const caf::error& err) {
  auto& st = self->state;
  ++st.counters->failures;
  ++st.failures;
  report(self, what, err);
  // Keep what was to be written, ahead of what arrived since, within the bound.
  notes.insert(notes.end(), std::make_move_iterator(st.notes.begin()),
               std::make_move_iterator(st.notes.end()));
  if (notes.size() > max_notes)
    notes.erase(notes.begin(),
                notes.begin() + static_cast<std::ptrdiff_t>(notes.size() - max_notes));
  st.notes = std::move(notes);
  st.dirty = st.dirty || had_change;
  // The round's VIPs may have been written (a lost answer): they stay vcdlb's to drop.
  st.known_vips.insert(st.round_vips.begin(), st.round_vips.end());
  st.writing = false;
  schedule(self, backoff(st));
}

void finished_round(self_ptr self, bool wrote) {
  auto& st = self->state;
  if (wrote) {
    ++st.counters->writes;
    st.last_write = self->clock().now();
  } else {
    ++st.counters->skipped;
  }
  st.failures = 0;
  if (native(st)) {
    st.known_vips = std::move(st.round_vips);
    st.round_vips.clear();
  }
  if (!st.last_problem.empty()) {
    spdlog::info("rde {}: {} is written again", st.args.cluster_id, section(st));
    st.last_problem.clear();
  }
  st.writing = false;
  arm(self);
}

rde::change make_change(const rde_state& st, std::optional<std::vector<rde::resource>> resources,
                        const std::vector<rde_note>& notes) {
  rde::change c;
  c.resources = std::move(resources);
  c.version = st.args.version;
  for (const auto& n : notes) {
    // A resolution applies to the errors written before it, also those of this same round.
    for (const auto& r : n.resolves) {
      c.resolved.push_back(r);
      std::erase_if(c.errors, [&](const rde::record& e) {
        return e.name == r.first && e.resource_name == r.second;
      });
    }
    (n.error ? c.errors : c.events).push_back(n.item);
  }
  return c;
}

// One GET + apply + PUT cycle; a 412 starts the next cycle with a fresh read.
void put_cycle(self_ptr self, std::shared_ptr<const body_edit> change, std::vector<rde_note> notes,
               bool had_change, uint32_t attempt) {
  auto& st = self->state;
  auto id = st.args.cluster_id;
  call<vcd::defined_entity>(
    self, [self, id](auto cb) { self->state.args.client->get_defined_entity(id, std::move(cb)); },
    [self, change, notes = std::move(notes), had_change,
     attempt](caf::expected<vcd::defined_entity> e) mutable {
      auto& st = self->state;
      if (!e)
        return failed_round(self, std::move(notes), had_change, "reading the cluster's entity",
                            e.error());
      auto body = (*change)(e->body);
      if (!body)
        return failed_round(self, std::move(notes), had_change,
                            std::string{"updating "} + section(st), body.error());
      if (!*body)
        return finished_round(self, false);
      vcd::defined_entity next = std::move(*e);
      next.body = std::move(**body);
      call<vcd::defined_entity>(
        self,
        [self, next = std::move(next)](auto cb) mutable {
          self->state.args.client->update_defined_entity(std::move(next), std::move(cb));
        },
        [self, change, notes = std::move(notes), had_change,
         attempt](caf::expected<vcd::defined_entity> stored) mutable {
          auto& st = self->state;
          if (stored)
            return finished_round(self, true);
          if (has_code(stored.error(), vcd_errc::precondition_failed)) {
            ++st.counters->conflicts;
            if (attempt + 1 < st.args.settings.max_conflict_retries)
              return put_cycle(self, std::move(change), std::move(notes), had_change, attempt + 1);
          }
          failed_round(self, std::move(notes), had_change, std::string{"writing "} + section(st),
                       stored.error());
        });
    });
}

std::shared_ptr<const body_edit> cpi_edit(const rde_state& st, rde::change c) {
  return std::make_shared<const body_edit>(
    [c = std::move(c), id = st.args.cluster_id](std::string_view body) {
      return rde::apply(body, c, id);
    });
}

// nativeCluster: status.virtual_IPs = this cluster's VIPs now; the ones seen before and gone
// are dropped, entries vcdlb never saw as its own stay (native_status.hpp).
std::shared_ptr<const body_edit> vip_edit(rde_state& st, const lb_objects& objects) {
  rde::vip_change c;
  c.owned = rde::virtual_ips_of(objects);
  for (const auto& ip : st.known_vips)
    if (!c.owned.contains(ip))
      c.retired.insert(ip);
  st.round_vips = c.owned;
  return std::make_shared<const body_edit>(
    [c = std::move(c)](std::string_view body) { return rde::apply_virtual_ips(body, c); });
}

void write_round(self_ptr self) {
  auto& st = self->state;
  st.writing = true;
  auto notes = std::move(st.notes);
  st.notes.clear();
  bool had_change = st.dirty;
  st.dirty = false;
  st.round_vips.clear();
  if (!st.gateway) {
    // The gateway is not known yet: nothing to say about the VIPs (native) / events and the
    // upgrade only, the items stay as they are (capvcd). rde_source marks the writer dirty.
    if (native(st)) {
      st.writing = false;
      return;
    }
    return put_cycle(self, cpi_edit(st, make_change(st, std::nullopt, notes)), std::move(notes),
                     had_change, 0);
  }
  self->request(st.gateway, st.args.settings.gateway_timeout, list_atom::value)
    .then(
      [self, notes, had_change](lb_objects& objects) mutable {
        auto& st = self->state;
        auto edit = native(st) ? vip_edit(st, objects)
                               : cpi_edit(st, make_change(st, rde::resources_of(objects), notes));
        put_cycle(self, std::move(edit), std::move(notes), had_change, 0);
      },
      [self, notes, had_change](caf::error& err) mutable {
        failed_round(self, std::move(notes), had_change,
                     std::string{"listing the gateway's objects for "} + section(self->state), err);
      });
}

void start_up(self_ptr self) {
  auto id = self->state.args.cluster_id;
  call<vcd::defined_entity>(
    self, [self, id](auto cb) { self->state.args.client->get_defined_entity(id, std::move(cb)); },
    [self](caf::expected<vcd::defined_entity> e) {
      auto& st = self->state;
      caf::error err;
      std::string what = "reading the cluster's entity " + st.args.cluster_id;
      if (!e) {
        err = std::move(e.error());
        if (has_code(err, vcd_errc::not_found))
          what += " (no such entity: is clusterid the cluster's RDE id?)";
        else if (has_code(err, vcd_errc::forbidden))
          what += native(st) ? " (the user may not see it: it needs view and edit rights on the "
                               "cse:nativeCluster entity)"
                             : " (the user may not see it: it needs view and edit rights on the "
                               "vmware:capvcdCluster entity)";
      } else {
        err = rde::check_entity_type(e->entity_type, st.kind);
      }
      if (err) {
        ++st.failures;
        report(self, what + "; " + section(st) + " is not kept until it is readable", err);
        self->delayed_send(self, backoff(st), tick_atom::value);
        return;
      }
      st.failures = 0;
      st.last_problem.clear();
      st.ready = true;
      spdlog::info("rde {}: keeping {} of '{}' ({})", st.args.cluster_id, section(st), e->name,
                   e->entity_type);
      if (native(st)) {
        // Upstream keeps no status.cpi (no upgrade, events or errors) in a native entity.
        st.dirty = true;
        arm(self);
        return;
      }
      rde_note upgraded;
      upgraded.item = {"CPIStatusRDEUpgraded", st.args.now_rfc3339(), st.args.cluster_id, "",
                       "status.cpi upgraded by vcdlb " + st.args.version};
      upgraded.resolves.emplace_back("CPIStatusUpgradeRdeError", "");
      st.notes.insert(st.notes.begin(), std::move(upgraded));
      st.dirty = true;
      arm(self);
    });
}

} // namespace

std::function<void()> rde_change_signal(rde_actor target, std::shared_ptr<rde_signal> signal) {
  return [target = std::move(target), signal = std::move(signal)] {
    if (!signal->pending.exchange(true))
      caf::anon_send(target, flush_atom::value);
  };
}

std::optional<rde_note> note_for_event(const std::string& reason, const std::string& message,
                                       const std::string& resource_name, const std::string& now) {
  rde_note n;
  n.item.occurred_at = now;
  n.item.resource_name = resource_name;
  n.item.detail = message;
  if (reason == "EnsuredLoadBalancer") {
    n.item.name = "CreatedLoadbalancer";
    n.resolves = {{"CreateLoadbalancerError", resource_name}};
  } else if (reason == "UpdatedLoadBalancer") {
    n.item.name = "UpdatedLoadbalancer"; // new pool members
    n.resolves = {{"CreateLoadbalancerError", resource_name}};
  } else if (reason == "SyncLoadBalancerFailed") {
    n.error = true;
    n.item.name = "CreateLoadbalancerError";
  } else if (reason == "DeletedLoadBalancer") {
    n.item.name = "DeletedLoadbalancer";
    n.resolves = {{"CreateLoadbalancerError", resource_name},
                  {"DeleteLoadbalancerError", resource_name}};
  } else {
    return std::nullopt;
  }
  return n;
}

rde_actor::behavior_type rde_behavior(self_ptr self, rde_args args,
                                      std::shared_ptr<rde_counters> counters) {
  auto& st = self->state;
  st.args = std::move(args);
  st.kind = rde::classify_cluster_id(st.args.cluster_id);
  if (!st.args.now_rfc3339)
    st.args.now_rfc3339 = [] { return std::string{"1970-01-01T00:00:00Z"}; };
  if (counters)
    st.counters = std::move(counters);
  start_up(self);
  return {
    [self](flush_atom) {
      auto& st = self->state;
      st.args.signal->pending.store(false);
      st.dirty = true;
      arm(self);
    },
    [self](rde_source& src) {
      self->state.gateway = std::move(src.gateway);
      self->state.dirty = true;
      arm(self);
    },
    [self](rde_note& n) {
      auto& st = self->state;
      if (native(st))
        return; // no events or errors in a native entity, as upstream
      st.notes.push_back(std::move(n));
      if (st.notes.size() > max_notes)
        st.notes.erase(st.notes.begin());
      arm(self);
    },
    [](resume_atom, detail::resume& r) { r.fn(); },
    [self](tick_atom) {
      auto& st = self->state;
      st.timer = false;
      if (!st.ready)
        return start_up(self);
      if (st.writing)
        return;
      if (st.dirty || !st.notes.empty())
        write_round(self);
    },
  };
}

} // namespace vcdlb
