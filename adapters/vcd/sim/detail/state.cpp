#include "adapters/vcd/sim/detail/state.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "adapters/vcd/sim/detail/ipv4.hpp"
#include "adapters/vcd/sim/detail/scenario_load_balancers.hpp"
#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace {

constexpr std::array<std::string_view, 8> kind_names{
  "pool",        "virtualService", "natRule",      "appPortProfile",
  "certificate", "segAssignment",  "firewallRule", "firewallGroup"};

// Versions a 10.x line may offer; the scenario's api_version caps the list.
constexpr std::array<int, 12> known_versions{3400, 3500, 3502, 3600, 3601, 3602,
                                             3700, 3701, 3702, 3800, 3801, 3900};

} // namespace

std::string_view kind_name(kind k) {
  return kind_names[static_cast<size_t>(k)];
}

std::optional<kind> kind_from_name(std::string_view name) {
  for (size_t i = 0; i < kind_names.size(); ++i)
    if (kind_names[i] == name)
      return static_cast<kind>(i);
  return std::nullopt;
}

std::string_view urn_uuid(std::string_view urn) {
  auto colon = urn.rfind(':');
  return colon == std::string_view::npos ? urn : urn.substr(colon + 1);
}

state::state(core_options opts)
  : sc(std::move(opts.seed_state)), faults(opts.faults),
    clock(opts.clock ? std::move(opts.clock) : system_clock_fn()),
    base_url(std::move(opts.base_url)), fault_rng(opts.seed), task_rng(opts.seed * 7919 + 1),
    id_rng(opts.seed * 104729 + 2), wall_epoch(std::chrono::system_clock::now()) {
  log_bodies = opts.log_bodies;
  task_history = std::max<size_t>(1, opts.task_history);
  on_body = std::move(opts.on_body);
  steady_epoch = clock();
  max_version = parse_version(sc.api_version).value_or(3702);
  for (int v : known_versions)
    if (v <= max_version)
      versions.push_back(v);
  if (versions.empty() || versions.back() != max_version)
    versions.push_back(max_version);
  shared_vip = sc.shared_vip.value_or(max_version >= 3700);
  // SYSTEM application port profiles exist on every installation (read-only, no org).
  for (auto [name, port] :
       {std::pair{"HTTP", "80"}, std::pair{"HTTPS", "443"}, std::pair{"SSH", "22"}}) {
    entry e;
    e.k = kind::app_port_profile;
    e.id = derived_urn("applicationPortProfile", std::string{"system/"} + name);
    e.body["name"] = name;
    e.body["description"] = "";
    e.body["scope"] = "SYSTEM";
    e.body["applicationPorts"] =
      json::array{json::object{{"protocol", "TCP"}, {"destinationPorts", json::array{port}}}};
    insert(std::move(e));
  }
  // vApps and VMs built in code (not parsed) may lack ids: derive them as parsing does.
  for (auto& o : sc.orgs)
    for (auto& v : o.vdcs)
      for (auto& a : v.vapps) {
        if (a.id.empty())
          a.id = derived_urn("vapp", o.name + "/" + v.name + "/" + a.name);
        for (auto& m : a.vms)
          if (m.id.empty())
            m.id = derived_urn("vm", o.name + "/" + v.name + "/" + a.name + "/" + m.name);
      }
  // The capvcdCluster entity types CAPVCD and CSE 4.x register (reference
  // ip-spaces-rde-traffic.md §2.5, §2.9).
  for (const char* v : {"1.1.0", "1.2.0", "1.3.0"}) {
    std::string id = std::string{"urn:vcloud:type:vmware:capvcdCluster:"} + v;
    entity_types[id] = json::object{{"id", id},
                                    {"name", "CAPVCD Cluster"},
                                    {"vendor", "vmware"},
                                    {"nss", "capvcdCluster"},
                                    {"version", v},
                                    {"readonly", false},
                                    {"schema", json::object{{"type", "object"}}}};
  }
  // The nativeCluster entity types CSE 3.x registers (reference ip-spaces-rde-traffic.md
  // §2.1, §2.5): the upstream provider keeps the VIPs in status.virtual_IPs.
  for (const char* v : {"1.0.0", "2.0.0"}) {
    std::string id = std::string{"urn:vcloud:type:cse:nativeCluster:"} + v;
    entity_types[id] = json::object{{"id", id},
                                    {"name", "nativeCluster"},
                                    {"vendor", "cse"},
                                    {"nss", "nativeCluster"},
                                    {"version", v},
                                    {"readonly", false},
                                    {"schema", json::object{{"type", "object"}}}};
  }
  // Seed the stored objects from the scenario.
  for (const auto& o : sc.orgs) {
    for (const auto& d : o.defined_entities) {
      // A CSE 3 native cluster's entity as the CSE server leaves it after creation (the parts
      // a load-balancer provider meets); a CAPVCD one before CAPVCD filled in its status.
      json::object body =
        native_entity_type(d.entity_type)
          ? json::object{{"kind", "native"},
                         {"apiVersion", "cse.vmware.com/v2.0"},
                         {"metadata", json::object{{"name", d.name}, {"org_name", o.name}}},
                         {"spec", json::object{}},
                         {"status",
                          json::object{{"phase", "CREATE:SUCCEEDED"}, {"nodes", json::object{}}}}}
          : json::object{{"kind", "CAPVCDCluster"},
                         {"apiVersion", "capvcd.vmware.com/v1.1"},
                         {"metadata", json::object{{"name", d.name}, {"orgName", o.name}}},
                         {"spec", json::object{}},
                         {"status", json::object{{"capvcd", json::object{}}}}};
      entity_rec rec{d.id, d.name, d.entity_type, o.id, std::move(body), 1};
      rec.access = d.access;
      rec.state = d.state;
      rec.second_writer_every = d.second_writer_every;
      entities.emplace(d.id, std::move(rec));
    }
    for (const auto& c : o.certificates) {
      entry e;
      e.k = kind::certificate;
      e.id = c.id;
      e.org_id = o.id;
      e.body["alias"] = c.alias;
      e.body["certificate"] = c.certificate_pem;
      e.body["description"] = c.description;
      e.body["privateKey"] = c.private_key_pem;
      insert(std::move(e));
    }
    for (const auto& v : o.vdcs) {
      for (const auto& g : v.edge_gateways) {
        gateway_rec r;
        r.id = g.id;
        r.name = g.name;
        r.org_id = o.id;
        r.org_name = o.name;
        r.vdc_id = v.id;
        r.vdc_name = v.name;
        r.uplinks = g.uplinks;
        r.alb_enabled = g.alb_enabled;
        r.feature_set = g.supported_feature_set;
        r.transparent_mode = g.transparent_mode_enabled;
        gateways.emplace(r.id, std::move(r));
        for (const auto& a : g.seg_assignments) {
          entry e;
          e.k = kind::seg_assignment;
          e.id = a.id;
          e.gateway_id = g.id;
          e.org_id = o.id;
          e.body["gatewayRef"] = json::object{{"name", g.name}, {"id", g.id}};
          e.body["serviceEngineGroupRef"] = json::object{{"name", a.seg_name}, {"id", a.seg_id}};
          if (a.max_virtual_services)
            e.body["maxVirtualServices"] = *a.max_virtual_services;
          if (a.min_virtual_services)
            e.body["minVirtualServices"] = *a.min_virtual_services;
          e.body["serviceEngineGroupHaMode"] = a.ha_mode;
          insert(std::move(e));
        }
        // Other owners' IP sets and firewall rules, as the handlers store them.
        for (const auto& x : g.ip_sets) {
          entry e;
          e.k = kind::ip_set;
          e.id = x.id;
          e.gateway_id = g.id;
          e.org_id = o.id;
          json::array addresses;
          for (const auto& a : x.addresses)
            addresses.push_back(json::value(a));
          e.body = json::object{
            {"name", x.name}, {"description", ""}, {"ipAddresses", std::move(addresses)}};
          insert(std::move(e));
        }
        auto& order = gateways.at(g.id).firewall_order;
        for (const auto& x : g.firewall_rules) {
          auto refs = [&](const std::vector<std::string>& names) {
            json::array out;
            for (const auto& n : names)
              for (const auto& s : g.ip_sets)
                if (s.name == n)
                  out.push_back(json::object{{"name", s.name}, {"id", s.id}});
            return out;
          };
          entry e;
          e.k = kind::firewall_rule;
          e.id = x.id;
          e.gateway_id = g.id;
          e.org_id = o.id;
          e.body = json::object{{"name", x.name},
                                {"description", ""},
                                {"enabled", true},
                                {"logging", false},
                                {"actionValue", x.action},
                                {"direction", x.direction},
                                {"ipProtocol", x.ip_protocol}};
          if (!x.sources.empty())
            e.body["sourceFirewallGroups"] = refs(x.sources);
          if (!x.destinations.empty())
            e.body["destinationFirewallGroups"] = refs(x.destinations);
          insert(std::move(e));
          order.push_back(x.id);
        }
        // Load balancers someone else made (e.g. a deleted cluster's cloud provider).
        seed_load_balancers(*this, g, o.id);
      }
    }
  }
  // IP Spaces with their seeded allocations (e.g. made by the upstream provider).
  for (auto& sp : sc.ip_spaces) {
    if (sp.id.empty())
      sp.id = derived_urn("ipSpace", sp.name);
    auto& rec = ip_spaces[sp.id];
    rec.def = sp;
    for (const auto& a : sp.allocations) {
      const auto* o = find_org_by_name(a.org);
      allocation_rec r;
      // A scenario built in code (not parsed) may leave the id to be derived, as parsing does.
      r.id = a.id.empty() ? derived_urn("ipSpaceIpAllocation", sp.name + "/" + a.value) : a.id;
      r.space_id = sp.id;
      r.org_id = o != nullptr ? o->id : "";
      r.org_name = a.org;
      r.value = a.value;
      r.usage_state = a.usage_state;
      r.description = a.description;
      r.allocation_date = wall(steady_epoch);
      r.seq = next_allocation_seq++;
      rec.allocations.emplace(r.id, std::move(r));
    }
  }
}

std::string state::new_uuid() {
  uint64_t a = id_rng();
  uint64_t b = id_rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string state::wall(time_point t) const {
  return iso_time(
    wall_epoch + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady_epoch));
}

entry* state::find(std::string_view id) {
  auto i = index.find(std::string{id});
  if (i == index.end())
    return nullptr;
  return &objects.at(i->second);
}

entry& state::insert(entry e) {
  e.seq = next_seq++;
  index[e.id] = e.seq;
  auto seq = e.seq;
  return objects.emplace(seq, std::move(e)).first->second;
}

void state::erase(std::string_view id) {
  auto i = index.find(std::string{id});
  if (i == index.end())
    return;
  objects.erase(i->second);
  index.erase(i);
}

gateway_rec* state::gateway(std::string_view id) {
  auto i = gateways.find(std::string{id});
  return i == gateways.end() ? nullptr : &i->second;
}

task_rec& state::start_task(task_rec t) {
  t.uuid = new_uuid();
  t.start = now();
  t.end = t.start + faults.task_duration;
  std::uniform_real_distribution<double> u{0.0, 1.0};
  // Always draw, so that the failure sequence depends only on the order of tasks.
  double draw = u(task_rng);
  t.will_fail = draw < faults.task_failure_rate;
  ++stats.tasks_started;
  if (!t.gateway_id.empty())
    if (auto* g = gateway(t.gateway_id))
      g->lock_task = t.uuid;
  running.push_back(t.uuid);
  task_order.push_back(t.uuid);
  // Bounded history: the oldest tasks go once they finished (a running one stays until then).
  while (task_order.size() > task_history) {
    auto old = tasks.find(task_order.front());
    if (old != tasks.end() && old->second.status == "running")
      break;
    if (old != tasks.end())
      tasks.erase(old);
    task_order.pop_front();
  }
  auto uuid = t.uuid;
  return tasks.emplace(uuid, std::move(t)).first->second;
}

void state::settle(time_point t) {
  if (running.empty())
    return;
  // Finish in end-time order so effects apply as they would have in real time.
  std::vector<task_rec*> due;
  for (const auto& uuid : running) {
    auto& task = tasks.at(uuid);
    if (task.end <= t) {
      due.push_back(&task);
    } else if (task.start < t) {
      if (auto* e = find(task.object_id); e != nullptr && e->status == "PENDING")
        e->status = "CONFIGURING";
      if (auto* g = gateway(task.object_id); g != nullptr && g->status == "PENDING")
        g->status = "CONFIGURING";
    }
  }
  std::sort(due.begin(), due.end(), [](const task_rec* a, const task_rec* b) {
    return a->end < b->end || (a->end == b->end && a->start < b->start);
  });
  for (auto* task : due) {
    bool fail = task->will_fail;
    task->status = fail ? "error" : "success";
    if (fail) {
      ++stats.tasks_failed;
      if (task->error_message.empty())
        task->error_message = "[ " + task->uuid + " ] The back end failed to realize the change ("
                              + task->operation_name + ").";
    }
    if (task->act == task_rec::action::ip_allocate || task->act == task_rec::action::ip_update
        || task->act == task_rec::action::ip_release) {
      settle_allocation(*task, fail);
    } else if (task->act == task_rec::action::gateway_update) {
      if (auto* g = gateway(task->object_id))
        g->status = fail ? "REALIZATION_FAILED" : "REALIZED";
    } else if (auto* e = find(task->object_id); e != nullptr && e->task_id == task->uuid) {
      e->task_id.clear();
      if (task->act == task_rec::action::remove && !fail) {
        erase(task->object_id);
      } else {
        e->status = fail ? "REALIZATION_FAILED" : "REALIZED";
        if (!fail && !e->realized_at)
          e->realized_at = task->end;
      }
    }
    if (!task->gateway_id.empty())
      if (auto* g = gateway(task->gateway_id); g != nullptr && g->lock_task == task->uuid)
        g->lock_task.clear();
    auto uuid = task->uuid;
    running.erase(std::remove(running.begin(), running.end(), uuid), running.end());
  }
}

void state::settle_allocation(const task_rec& task, bool fail) {
  auto sp = ip_spaces.find(task.ip_space_id);
  if (sp == ip_spaces.end())
    return;
  auto& allocs = sp->second.allocations;
  if (task.act == task_rec::action::ip_allocate) {
    // Every value of the request: reserved when it was accepted, visible once it succeeded.
    if (const auto* ids = task.change.if_contains("ids"); ids != nullptr && ids->is_array())
      for (const auto& id : ids->get_array()) {
        auto i = allocs.find(std::string{id.as_string()});
        if (i == allocs.end())
          continue;
        if (fail)
          allocs.erase(i);
        else
          i->second.visible = true;
      }
    return;
  }
  auto a = allocs.find(task.object_id);
  if (a == allocs.end())
    return;
  switch (task.act) {
  case task_rec::action::ip_update:
    if (!fail) {
      if (auto* u = task.change.if_contains("usageState"); u != nullptr && u->is_string())
        a->second.usage_state = std::string{u->get_string()};
      if (auto* d = task.change.if_contains("description"); d != nullptr && d->is_string())
        a->second.description = std::string{d->get_string()};
    }
    break;
  case task_rec::action::ip_release:
    if (!fail)
      allocs.erase(a);
    break;
  default:
    break;
  }
}

const org* state::find_org(std::string_view id_or_uuid) const {
  for (const auto& o : sc.orgs)
    if (o.id == id_or_uuid || urn_uuid(o.id) == id_or_uuid)
      return &o;
  return nullptr;
}

const org* state::find_org_by_name(std::string_view name) const {
  for (const auto& o : sc.orgs)
    if (iequals(o.name, name))
      return &o;
  return nullptr;
}

} // namespace vcdlb::vcd::sim::detail
