// The gateway actor's source-range firewall (protocol/interfaces.hpp, source_range_request):
// per Service two IP sets (its allowed sources, its VIPs), a port profile (its ports) and two
// rules on top of the gateway's user-defined list: ALLOW sources -> VIPs:ports, then DROP
// any -> VIPs:ports.
//
// Requests are batched into waves. A wave holds the gateway's mutation slot from start to end
// (the IP sets and rules are gateway objects that VCD locks the gateway for), so it takes its
// turn with the Services' plans: it starts when the slot is free and no plan waits, or when the
// oldest request has waited `firewall_batch`. A wave:
//   1. (first wave, and after a refresh) lists the gateway's IP sets and reads the rule list:
//      this cluster's objects by owner (naming::firewall_owner), adopted after a restart;
//   2. per Service with ranges: creates or updates its IP sets and profile (a read first when
//      their content is not known);
//   3. reads the rule list, merges (actors/firewall_merge.hpp: the wave's rules on top, every
//      other rule, another owner's or another Service's, as read and in its order), writes the
//      whole list once when it differs, reads it again and checks it; a write refused because
//      another writer changed a rule since the read, or a check that fails, starts 3 again
//      (at most `max_list_rounds` times);
//   4. per Service without ranges: deletes its profile and IP sets (no rule uses them now).
// A Service whose objects of step 2 fail is left out of steps 3 and 4: its rules stay as they
// were, and it hears the error. Every call goes through the token bucket.

#include <algorithm>
#include <set>

#include "actors/detail/gateway_internals.hpp"
#include "actors/firewall_merge.hpp"
#include "actors/naming.hpp"
#include "adapters/vcd/errors.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb::detail::gateway {

namespace {

// Keys the duration estimate of firewall tasks; not one of the planner's object kinds.
constexpr auto firewall_task = static_cast<object_kind>(0x10);
constexpr int max_list_rounds = 3;

using book = detail::firewall_book;
using k_fn = std::function<void(caf::error)>;

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::string> vips_of(const source_range_request& r) {
  std::vector<std::string> out;
  for (const auto& d : r.destinations)
    out.push_back(d.ip);
  return sorted_unique(std::move(out));
}

std::string protocol_name(ip_protocol p) {
  return p == ip_protocol::udp ? "UDP" : "TCP";
}

std::vector<std::string> ports_of(const source_range_request& r) {
  std::vector<std::string> out;
  for (const auto& d : r.destinations)
    out.push_back(protocol_name(d.protocol) + ":" + std::to_string(d.port));
  return sorted_unique(std::move(out));
}

std::vector<std::string> ports_of(const vcd::app_port_profile& p) {
  std::vector<std::string> out;
  for (const auto& ap : p.application_ports)
    for (const auto& port : ap.destination_ports)
      out.push_back(ap.protocol + ":" + port);
  return sorted_unique(std::move(out));
}

// One applicationPorts entry per protocol.
std::vector<vcd::application_port> application_ports(const std::vector<std::string>& ports) {
  std::vector<vcd::application_port> out;
  for (const auto& p : ports) {
    auto colon = p.find(':');
    auto proto = p.substr(0, colon);
    auto i = std::find_if(out.begin(), out.end(),
                          [&](const vcd::application_port& a) { return a.protocol == proto; });
    if (i == out.end()) {
      out.push_back({"", proto, {}});
      i = std::prev(out.end());
    }
    i->destination_ports.push_back(p.substr(colon + 1));
  }
  return out;
}

std::string description(self_ptr self, std::string_view what, const service_key& key) {
  auto text = std::string{what} + " of Service " + to_string(key) + " (loadBalancerSourceRanges)";
  if (auto marker = naming::owner_marker(self->state.args.ctx.cluster_id); !marker.empty())
    text += " " + marker;
  return text;
}

// A mutation with its task, retried like the plans' ops (BUSY_ENTITY, 429, 5xx, ...).
void mutate_retrying(self_ptr self, op_kind op,
                     std::function<void(vcd::callback<vcd::task_ref>)> invoke,
                     std::function<void(caf::expected<vcd::task>)> k, uint32_t attempt = 0) {
  mutate(self, {firewall_task, op}, invoke,
         [self, op, invoke, k, attempt](caf::expected<vcd::task> r) {
           auto& st = self->state;
           if (!r && !st.draining && is_retryable(r.error())
               && attempt + 1 < st.args.settings.max_attempts) {
             st.args.observer->gateway_retry(code_name(r.error()));
             after(self, retry_backoff(self, r.error(), attempt), [self, op, invoke, k, attempt] {
               mutate_retrying(self, op, invoke, k, attempt + 1);
             });
             return;
           }
           k(std::move(r));
         });
}

struct wave {
  std::map<std::string, book::waiting> items; ///< by service hash
  std::map<std::string, caf::error> failed;   ///< services whose objects could not be made
  std::vector<std::string> order;             ///< hashes, to walk step 2 and 4
  size_t next = 0;
  int rounds = 0;
  std::map<std::string, std::vector<vcd::firewall_rule>> rules; ///< what it writes, by owner
};
using wave_ptr = std::shared_ptr<wave>;

bool restricts(const book::waiting& w) {
  return !w.req.cidrs.empty();
}

// Step 1: this cluster's IP sets (all pages) and rules, by owner.
void load(self_ptr self, k_fn k) {
  auto& st = self->state;
  if (st.firewall.loaded) {
    k({});
    return;
  }
  auto client = st.args.client;
  auto gw = st.args.ctx.gateway.id;
  read<std::vector<vcd::ip_set>>(
    self, urgency::op,
    [client, gw](auto cb) { client->list_ip_sets(gw, vcd::fiql{}, std::move(cb)); },
    [self, client, gw, k](caf::expected<std::vector<vcd::ip_set>> sets) {
      if (!sets) {
        k(std::move(sets.error()));
        return;
      }
      read<vcd::firewall_rules>(
        self, urgency::op, [client, gw](auto cb) { client->get_firewall_rules(gw, std::move(cb)); },
        [self, k, sets = std::move(*sets)](caf::expected<vcd::firewall_rules> rules) {
          if (!rules) {
            k(std::move(rules.error()));
            return;
          }
          auto& fw = self->state.firewall;
          const auto& cluster = self->state.args.cluster_id;
          fw.services.clear();
          for (const auto& s : sets) {
            auto owner = naming::firewall_owner(s.name, cluster);
            if (!owner)
              continue;
            auto& o = fw.services[*owner];
            (s.name.starts_with("vcdlb-fws-") ? o.sources_id : o.vip_id) = s.id;
          }
          for (const auto& r : rules->user_defined_rules)
            if (auto owner = naming::firewall_owner(r.name, cluster))
              fw.services[*owner].has_rules = true;
          fw.loaded = true;
          k({});
        });
    });
}

// Makes one IP set hold `addresses` (read first when its content is not known).
void ensure_ip_set(self_ptr self, const service_key& key, std::string name, std::string what,
                   std::string* id, std::optional<std::vector<std::string>>* known,
                   std::vector<std::string> addresses, k_fn k) {
  auto client = self->state.args.client;
  if (!id->empty() && !known->has_value()) {
    read<vcd::ip_set>(
      self, urgency::op,
      [client, set_id = *id](auto cb) { client->get_ip_set(set_id, std::move(cb)); },
      [=](caf::expected<vcd::ip_set> r) {
        if (!r && !has_code(r.error(), vcd_errc::not_found)) {
          k(std::move(r.error()));
          return;
        }
        if (r)
          *known = sorted_unique(r->ip_addresses);
        else
          id->clear(); // deleted out of band: made again below
        ensure_ip_set(self, key, name, what, id, known, addresses, k);
      });
    return;
  }
  if (!id->empty() && *known == addresses) {
    k({});
    return;
  }
  vcd::ip_set s;
  s.id = *id;
  s.name = name;
  s.description = description(self, what, key);
  s.owner_ref = self->state.args.ctx.gateway;
  s.ip_addresses = addresses;
  bool create = id->empty();
  mutate_retrying(
    self, create ? op_kind::create : op_kind::update,
    [client, s, create](auto cb) {
      if (create)
        client->create_ip_set(s, std::move(cb));
      else
        client->update_ip_set(s, std::move(cb));
    },
    [id, known, addresses, k](caf::expected<vcd::task> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      if (id->empty())
        *id = r->owner.id;
      *known = addresses;
      k({});
    });
}

// Makes the Service's port profile list `ports` (looked up by name when not known).
void ensure_profile(self_ptr self, const service_key& key, std::string name, book::owned* o,
                    std::vector<std::string> ports, k_fn k) {
  auto client = self->state.args.client;
  if (!o->ports.has_value()) {
    read<std::vector<vcd::app_port_profile>>(
      self, urgency::op,
      [client, name](auto cb) {
        client->list_app_port_profiles(vcd::fiql::eq("name", name).with("scope", "TENANT"),
                                       std::move(cb));
      },
      [=](caf::expected<std::vector<vcd::app_port_profile>> r) {
        if (!r) {
          k(std::move(r.error()));
          return;
        }
        if (!r->empty()) {
          o->ports_id = r->front().id;
          o->ports = ports_of(r->front());
        } else {
          o->ports_id.clear(); // none (or deleted out of band): made below
          o->ports = std::vector<std::string>{};
        }
        ensure_profile(self, key, name, o, ports, k);
      });
    return;
  }
  if (!o->ports_id.empty() && o->ports == ports) {
    k({});
    return;
  }
  const auto& ctx = self->state.args.ctx;
  vcd::app_port_profile p;
  p.id = o->ports_id;
  p.name = name;
  p.description = description(self, "ports", key);
  p.scope = "TENANT";
  p.org_ref = ctx.org;
  p.context_entity_id = ctx.vdc_id;
  p.application_ports = application_ports(ports);
  bool create = p.id.empty();
  mutate_retrying(
    self, create ? op_kind::create : op_kind::update,
    [client, p, create](auto cb) {
      if (create)
        client->create_app_port_profile(p, std::move(cb));
      else
        client->update_app_port_profile(p, std::move(cb));
    },
    [o, ports, k](caf::expected<vcd::task> r) {
      if (!r) {
        k(std::move(r.error()));
        return;
      }
      if (o->ports_id.empty())
        o->ports_id = r->owner.id;
      o->ports = ports;
      k({});
    });
}

// Step 2 for one Service: sources, VIPs, ports.
void ensure_objects(self_ptr self, const book::waiting& w, const std::string& hash, k_fn k) {
  auto names = naming::firewall_names_for(self->state.args.cluster_id, w.req.key);
  auto* o = &self->state.firewall.services[hash];
  auto key = w.req.key;
  auto vips = vips_of(w.req);
  auto ports = ports_of(w.req);
  ensure_ip_set(self, key, names.sources, "allowed sources", &o->sources_id, &o->sources,
                sorted_unique(w.req.cidrs), [=](caf::error err) {
                  if (err) {
                    k(std::move(err));
                    return;
                  }
                  ensure_ip_set(self, key, names.vip, "load balancer addresses", &o->vip_id,
                                &o->vips, vips, [=](caf::error err) {
                                  if (err) {
                                    k(std::move(err));
                                    return;
                                  }
                                  ensure_profile(self, key, names.ports, o, ports, k);
                                });
                });
}

// The wave's rules, in enforcement order: per Service with ranges, ALLOW then DROP.
std::vector<vcd::firewall_rule> wave_rules(self_ptr self, wave& wv) {
  std::vector<vcd::firewall_rule> out;
  for (const auto& [hash, w] : wv.items) {
    if (!restricts(w) || wv.failed.contains(hash))
      continue;
    auto names = naming::firewall_names_for(self->state.args.cluster_id, w.req.key);
    const auto& o = self->state.firewall.services.at(hash);
    vcd::firewall_rule allow;
    allow.name = names.allow_rule;
    allow.description = description(self, "allowed sources", w.req.key);
    allow.action_value = "ALLOW";
    allow.direction = "IN";
    allow.source_firewall_groups = {{names.sources, o.sources_id}};
    allow.destination_firewall_groups = {{names.vip, o.vip_id}};
    allow.application_port_profiles = {{names.ports, o.ports_id}};
    auto drop = allow;
    drop.name = names.drop_rule;
    drop.description = description(self, "every other source", w.req.key);
    drop.action_value = "DROP";
    drop.source_firewall_groups.clear(); // any
    wv.rules[hash] = {allow, drop};
    out.push_back(std::move(allow));
    out.push_back(std::move(drop));
  }
  return out;
}

// Rules of the wave's Services (those whose objects were made): the only ones it rewrites.
firewall::is_ours_fn wave_owns(self_ptr self, wave_ptr wv) {
  return [cluster = self->state.args.cluster_id, wv](const vcd::firewall_rule& r) {
    auto owner = naming::firewall_owner(r.name, cluster);
    return owner && wv->items.contains(*owner) && !wv->failed.contains(*owner);
  };
}

void finish_wave(self_ptr self, wave_ptr wv, caf::error err);
void arm_timer(self_ptr self);
void remove_unused(self_ptr self, wave_ptr wv);

// Step 3: read, merge, write, read and check.
void write_rules(self_ptr self, wave_ptr wv) {
  auto client = self->state.args.client;
  auto gw = self->state.args.ctx.gateway.id;
  read<vcd::firewall_rules>(
    self, urgency::op, [client, gw](auto cb) { client->get_firewall_rules(gw, std::move(cb)); },
    [self, wv, client, gw](caf::expected<vcd::firewall_rules> current) {
      if (!current) {
        finish_wave(self, wv, std::move(current.error()));
        return;
      }
      auto ours = wave_rules(self, *wv);
      auto is_ours = wave_owns(self, wv);
      auto merged = firewall::merge(current->user_defined_rules, ours, is_ours);
      if (!firewall::differs(current->user_defined_rules, merged)) {
        remove_unused(self, wv);
        return;
      }
      ++wv->rounds;
      mutate_retrying(
        self, op_kind::update,
        [client, gw, merged](auto cb) {
          client->replace_firewall_rules(gw, merged, std::move(cb));
        },
        [self, wv, client, gw, merged, ours, is_ours](caf::expected<vcd::task> r) {
          if (!r) {
            // Another writer changed a rule between our read and our write (its version is
            // stale now) or the list is otherwise refused: read again, merge again.
            if (wv->rounds < max_list_rounds && !self->state.draining) {
              spdlog::info("gateway {}: firewall rule list write refused ({}), merging again",
                           self->state.args.ctx.gateway.name, vcdlb::describe(r.error()));
              write_rules(self, wv);
            } else {
              finish_wave(self, wv, std::move(r.error()));
            }
            return;
          }
          read<vcd::firewall_rules>(
            self, urgency::op,
            [client, gw](auto cb) { client->get_firewall_rules(gw, std::move(cb)); },
            [self, wv, merged, ours, is_ours](caf::expected<vcd::firewall_rules> after) {
              if (!after) {
                finish_wave(self, wv, std::move(after.error()));
                return;
              }
              auto v = firewall::verify(after->user_defined_rules, merged, ours, is_ours);
              if (!v.others_gone.empty())
                spdlog::warn("gateway {}: {} firewall rules of other owners were deleted by "
                             "another writer after our write",
                             self->state.args.ctx.gateway.name, v.others_gone.size());
              if (!v.ours_in_place) {
                if (wv->rounds < max_list_rounds) {
                  write_rules(self, wv);
                } else {
                  finish_wave(self, wv,
                              caf::make_error(vcd_errc::conflict,
                                              "the gateway's firewall rule list keeps changing "
                                              "under vcdlb's writes"));
                }
                return;
              }
              remove_unused(self, wv);
            });
        });
    });
}

// Step 4, one Service at a time: profile, then the IP sets (VCD refuses to delete an IP set a
// rule still uses; the rules went in step 3).
void remove_next(self_ptr self, wave_ptr wv) {
  auto& fw = self->state.firewall;
  while (wv->next < wv->order.size()) {
    const auto& hash = wv->order[wv->next];
    auto& w = wv->items.at(hash);
    auto i = fw.services.find(hash);
    if (restricts(w) || wv->failed.contains(hash) || i == fw.services.end()) {
      ++wv->next;
      continue;
    }
    auto& o = i->second;
    o.has_rules = false;
    o.rules.clear();
    auto client = self->state.args.client;
    std::function<void(vcd::callback<vcd::task_ref>)> del;
    std::string* id = nullptr;
    if (!o.ports_id.empty()) {
      id = &o.ports_id;
      del = [client, x = o.ports_id](auto cb) {
        client->delete_app_port_profile(x, std::move(cb));
      };
    } else if (!o.sources_id.empty()) {
      id = &o.sources_id;
      del = [client, x = o.sources_id](auto cb) { client->delete_ip_set(x, std::move(cb)); };
    } else if (!o.vip_id.empty()) {
      id = &o.vip_id;
      del = [client, x = o.vip_id](auto cb) { client->delete_ip_set(x, std::move(cb)); };
    } else {
      fw.services.erase(i);
      ++wv->next;
      continue;
    }
    mutate_retrying(self, op_kind::remove, del, [self, wv, hash, id](caf::expected<vcd::task> r) {
      if (!r && !has_code(r.error(), vcd_errc::not_found)) {
        wv->failed.emplace(hash, std::move(r.error()));
        ++wv->next;
      } else {
        id->clear();
      }
      remove_next(self, wv);
    });
    return;
  }
  finish_wave(self, wv, {});
}

void remove_unused(self_ptr self, wave_ptr wv) {
  for (const auto& [hash, w] : wv->items)
    if (restricts(w) && !wv->failed.contains(hash)) {
      auto& o = self->state.firewall.services[hash];
      o.has_rules = true;
      o.rules = wv->rules[hash];
    }
  wv->next = 0;
  remove_next(self, wv);
}

// Step 2 over the wave, one Service after the other.
void ensure_next(self_ptr self, wave_ptr wv) {
  while (wv->next < wv->order.size() && !restricts(wv->items.at(wv->order[wv->next])))
    ++wv->next;
  if (wv->next == wv->order.size()) {
    write_rules(self, wv);
    return;
  }
  const auto& hash = wv->order[wv->next];
  ensure_objects(self, wv->items.at(hash), hash, [self, wv, hash](caf::error err) {
    if (err) {
      spdlog::warn("gateway {}: source-range objects of {}: {}", self->state.args.ctx.gateway.name,
                   to_string(wv->items.at(hash).req.key), vcdlb::describe(err));
      wv->failed.emplace(hash, std::move(err));
    }
    ++wv->next;
    ensure_next(self, wv);
  });
}

void finish_wave(self_ptr self, wave_ptr wv, caf::error err) {
  auto& fw = self->state.firewall;
  if (err) {
    // What the list holds now is not known: read it again on the next wave.
    fw.loaded = false;
    spdlog::warn("gateway {}: firewall wave failed: {}", self->state.args.ctx.gateway.name,
                 vcdlb::describe(err));
  }
  for (auto& [hash, w] : wv->items) {
    caf::error e = err;
    if (auto f = wv->failed.find(hash); f != wv->failed.end())
      e = f->second;
    for (auto& rp : w.rps)
      if (e)
        rp.deliver(e);
      else
        rp.deliver(caf::ok_atom::value);
  }
  fw.running = false;
  arm_timer(self); // for requests that came during the wave
  firewall_wave_finished(self);
}

// Requests wait at most `firewall_batch` for the slot: then the next start takes them.
void arm_timer(self_ptr self) {
  auto& fw = self->state.firewall;
  if (fw.timer || fw.running || fw.next.empty())
    return;
  fw.timer = true;
  after(self, self->state.args.settings.firewall_batch, [self] {
    self->state.firewall.timer = false;
    start_ops(self);
  });
}

void run_wave(self_ptr self) {
  auto& fw = self->state.firewall;
  auto wv = std::make_shared<wave>();
  wv->items = std::move(fw.next);
  fw.next.clear();
  for (const auto& [hash, w] : wv->items)
    wv->order.push_back(hash);
  load(self, [self, wv](caf::error err) {
    if (err) {
      finish_wave(self, wv, std::move(err));
      return;
    }
    ensure_next(self, wv);
  });
}

} // namespace

void accept_source_ranges(self_ptr self, source_range_request req,
                          caf::typed_response_promise<caf::ok_atom> rp) {
  auto& st = self->state;
  auto& fw = st.firewall;
  auto hash = naming::service_hash(st.args.cluster_id, req.key);
  req.cidrs = sorted_unique(std::move(req.cidrs));
  std::sort(req.destinations.begin(), req.destinations.end());
  // Nothing asked and nothing there: the common case (no ranges) costs one lookup.
  // (Not while a wave runs: it may be making this Service's objects right now.)
  if (req.cidrs.empty() && fw.loaded && !fw.running && !fw.next.contains(hash)) {
    auto i = fw.services.find(hash);
    if (i == fw.services.end() || i->second.empty()) {
      rp.deliver(caf::ok_atom::value);
      return;
    }
  }
  if (fw.next.empty())
    fw.next_since = self->clock().now();
  auto& w = fw.next[hash];
  w.req = std::move(req);
  w.rps.push_back(std::move(rp));
  arm_timer(self);
  // Through the mailbox: the requests already in it join this wave before it starts.
  self->send(self, resume_atom::value, detail::resume{[self] { start_ops(self); }});
}

bool maybe_start_firewall_wave(self_ptr self) {
  auto& st = self->state;
  auto& fw = st.firewall;
  if (fw.running || fw.next.empty() || st.slots[gateway_state::gateway_slot].busy)
    return false;
  // Plans first while the requests can wait: a wave then serves many Services at once.
  bool waited = self->clock().now() - fw.next_since >= st.args.settings.firewall_batch;
  if (st.queue.size() > 0 && !waited)
    return false;
  fw.running = true;
  st.slots[gateway_state::gateway_slot].busy = true;
  st.slots[gateway_state::gateway_slot].serving = caf::actor_addr{};
  run_wave(self);
  return true;
}

void fail_firewall_waiting(self_ptr self, const caf::error& err) {
  auto& fw = self->state.firewall;
  for (auto& [hash, w] : fw.next)
    for (auto& rp : w.rps)
      rp.deliver(err);
  fw.next.clear();
}

void check_firewall_drift(self_ptr self, std::function<void(std::set<std::string>)> k) {
  auto& fw = self->state.firewall;
  // Contents are read again by the next wave of each Service (IP set summaries carry no
  // addresses, so an edit of one is found there, not here).
  bool any = false;
  for (auto& [hash, o] : fw.services) {
    o.sources.reset();
    o.vips.reset();
    o.ports.reset();
    any = any || o.has_rules;
  }
  if (!fw.loaded || !any || fw.running) {
    k({});
    return;
  }
  auto client = self->state.args.client;
  auto gw = self->state.args.ctx.gateway.id;
  read<std::vector<vcd::ip_set>>(
    self, urgency::op,
    [client, gw](auto cb) { client->list_ip_sets(gw, vcd::fiql{}, std::move(cb)); },
    [self, client, gw, k](caf::expected<std::vector<vcd::ip_set>> sets) {
      if (!sets) {
        self->state.firewall.loaded = false; // the next wave reads everything again
        k({});
        return;
      }
      read<vcd::firewall_rules>(
        self, urgency::op, [client, gw](auto cb) { client->get_firewall_rules(gw, std::move(cb)); },
        [self, k, sets = std::move(*sets)](caf::expected<vcd::firewall_rules> rules) {
          std::set<std::string> owners;
          auto& fw = self->state.firewall;
          if (!rules) {
            fw.loaded = false;
            k({});
            return;
          }
          std::set<std::string> set_ids;
          for (const auto& s : sets)
            set_ids.insert(s.id);
          std::map<std::string, const vcd::firewall_rule*> by_name;
          for (const auto& r : rules->user_defined_rules)
            by_name.emplace(r.name, &r);
          for (const auto& [hash, o] : fw.services) {
            if (!o.has_rules)
              continue;
            bool same = set_ids.contains(o.sources_id) && set_ids.contains(o.vip_id);
            for (const auto& want : o.rules) {
              auto i = by_name.find(want.name);
              same = same && i != by_name.end() && firewall::same_rule(*i->second, want);
            }
            if (!same)
              owners.insert("h:" + hash);
          }
          k(std::move(owners));
        });
    });
}

} // namespace vcdlb::detail::gateway
