#include "tests/integration/harness.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include <boost/json.hpp>

#include "actors/ipv4.hpp"
#include "protocol/errors.hpp"
#include "protocol/register.hpp"
#include "spdlog/spdlog.h"
#include "tests/integration/firewall_check.hpp"

namespace vcdlb::integration {

namespace json = boost::json;

config::cloud_config make_config(config::lb_mode mode) {
  config::cloud_config cfg;
  cfg.vcd.host = "https://vcd.invalid"; // the harness connects to the simulator's URL
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.loadbalancer.network = "net1";
  cfg.loadbalancer.cert_alias = sim_cert_alias;
  cfg.cluster_id = cluster_id;
  cfg.vapp_name = "cluster";
  cfg.loadbalancer.enable_virtual_service_shared_ip = mode != config::lb_mode::a;
  if (mode != config::lb_mode::c)
    cfg.loadbalancer.one_arm = config::one_arm_section{internal_first, internal_last};
  return cfg;
}

service_spec lb_service(std::string ns, std::string name, std::vector<service_port> ports) {
  service_spec s;
  s.key = {std::move(ns), std::move(name)};
  s.type = service_type::load_balancer;
  s.ports = std::move(ports);
  return s;
}

service_port tcp(std::string name, int32_t port, int32_t node_port, std::string app_protocol) {
  return {std::move(name), ip_protocol::tcp, port, node_port, std::move(app_protocol)};
}

service_port udp(std::string name, int32_t port, int32_t node_port) {
  return {std::move(name), ip_protocol::udp, port, node_port, ""};
}

node_description worker(std::string name, std::string ip) {
  node_description n;
  n.name = std::move(name);
  n.addresses = {{"InternalIP", std::move(ip)}};
  return n;
}

std::string join(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

// -- the checker -------------------------------------------------------------------------------

namespace {

std::string s_of(const json::value* v) {
  if (v == nullptr)
    return {};
  if (v->is_string())
    return std::string{v->get_string()};
  if (v->is_int64())
    return std::to_string(v->get_int64());
  if (v->is_bool())
    return v->get_bool() ? "true" : "false";
  return {};
}

const json::value* at(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object())
      return nullptr;
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr)
      return nullptr;
  }
  return cur;
}

std::string field(const json::value& v, std::initializer_list<std::string_view> path) {
  return s_of(at(v, path));
}

bool in_range(const std::string& ip, const char* first, const char* last) {
  auto x = ipv4::parse(ip);
  auto a = ipv4::parse(first);
  auto b = ipv4::parse(last);
  return x && a && b && *a <= *x && *x <= *b;
}

/// What one port needs (the rules of desired_state.hpp, restated independently).
struct expected_port {
  const service_spec* svc = nullptr;
  const service_port* port = nullptr;
  naming::port_names names;
  std::string profile_type; // ALB application profile type
  bool ssl = false;
};

bool ssl_listed(const std::string& annotation, int32_t port) {
  size_t pos = 0;
  while (pos <= annotation.size()) {
    auto comma = annotation.find(',', pos);
    auto item =
      annotation.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == std::to_string(port))
      return true;
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return false;
}

void decide_profile(expected_port& e) {
  const auto& p = *e.port;
  const auto& a = e.svc->annotations;
  bool listed = ssl_listed(a.ssl_ports, p.port);
  auto app = p.app_protocol;
  std::transform(app.begin(), app.end(), app.begin(), ::tolower);
  auto no_term = a.ssl_no_termination;
  std::transform(no_term.begin(), no_term.end(), no_term.begin(), ::tolower);
  if (p.protocol == ip_protocol::udp || no_term == "true") {
    e.profile_type = "L4";
  } else if (app == "http") {
    e.profile_type = "HTTP";
    e.ssl = listed;
  } else if (app == "https") {
    e.profile_type = "HTTPS";
    e.ssl = true;
  } else {
    e.ssl = listed;
    e.profile_type = listed ? "L4_TLS" : "L4";
  }
}

std::vector<std::string> eligible_ips(const std::vector<node_description>& nodes) {
  std::vector<std::string> ips;
  for (const auto& n : nodes)
    if (is_eligible_backend(n))
      if (auto ip = first_internal_ip(n); !ip.empty())
        ips.push_back(ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  return ips;
}

// The eligible nodes with a ready endpoint of `key`, as node_set computes them.
std::vector<std::string> local_ips(const service_key& key,
                                   const std::vector<node_description>& nodes,
                                   const std::vector<endpoint_slice_info>& slices) {
  std::set<std::string> ready;
  for (const auto& s : slices)
    if (s.service == key)
      ready.insert(s.ready_nodes.begin(), s.ready_nodes.end());
  std::vector<node_description> with_endpoints;
  for (const auto& n : nodes)
    if (ready.contains(n.name))
      with_endpoints.push_back(n);
  return eligible_ips(with_endpoints);
}

std::map<std::string, const json::value*> by_name(const json::value& dump, const char* list,
                                                  std::vector<std::string>& problems,
                                                  bool skip_system = false) {
  std::map<std::string, const json::value*> out;
  const auto* arr = at(dump, {list});
  if (arr == nullptr || !arr->is_array())
    return out;
  for (const auto& o : arr->get_array()) {
    if (skip_system && field(o, {"scope"}) == "SYSTEM")
      continue;
    auto name = field(o, {"name"});
    if (!out.emplace(name, &o).second)
      problems.push_back(std::string{list} + ": two objects named " + name);
  }
  return out;
}

} // namespace

std::vector<std::string> check_gateway(const json::value& dump,
                                       const std::vector<service_spec>& services,
                                       const std::vector<node_description>& nodes,
                                       const check_options& opts) {
  std::vector<std::string> problems;
  auto bad = [&](std::string text) { problems.push_back(std::move(text)); };
  name_fn names = opts.names;
  if (!names)
    names = [&opts](const service_key& key, const std::string& port) {
      return naming::namespaced_names(opts.cluster_id, key, port);
    };
  const bool one_arm = opts.mode != config::lb_mode::c;
  auto vss = by_name(dump, "virtual_services", problems);
  auto pools = by_name(dump, "pools", problems);
  auto rules = by_name(dump, "nat_rules", problems);
  auto profiles = by_name(dump, "app_port_profiles", problems, true);
  std::set<std::string> expected_vs, expected_pool, expected_rule, expected_profile;
  // Per Service: what the edge firewall sees for each port (firewall_check.hpp).
  std::map<service_key, std::vector<listener_key>> destinations;
  const auto members = eligible_ips(nodes);

  // External IP -> the Services holding it (invariant 2); internal IP -> its owner.
  std::map<std::string, std::vector<const service_spec*>> external_owners;
  std::map<std::string, std::string> internal_owner;

  for (const auto& svc : services) {
    const auto who = to_string(svc.key);
    if (svc.deletion_requested) {
      bad(who + ": still being deleted (finalizer " + (svc.has_finalizer ? "kept" : "gone") + ")");
      continue;
    }
    if (opts.lenient.contains(svc.key))
      continue;
    if (svc.type != service_type::load_balancer) {
      if (svc.has_finalizer)
        bad(who + ": not a LoadBalancer but keeps the finalizer");
      if (!svc.ingress_ips.empty())
        bad(who + ": not a LoadBalancer but keeps ingress " + svc.ingress_ips.front());
      continue;
    }
    if (!svc.has_finalizer)
      bad(who + ": no finalizer");
    if (svc.ingress_ips.size() != 1) {
      bad(who + ": " + std::to_string(svc.ingress_ips.size()) + " ingress IPs");
      continue;
    }
    const auto& ext = svc.ingress_ips.front();
    if (!in_range(ext, external_first, external_last))
      bad(who + ": ingress " + ext + " is outside the gateway's allocation");
    if (!svc.load_balancer_ip.empty() && ext != svc.load_balancer_ip)
      bad(who + ": ingress " + ext + " but loadBalancerIP " + svc.load_balancer_ip);
    external_owners[ext].push_back(&svc);
    // Local with no ready endpoint on an eligible node: the pool keeps what it had.
    const auto local = svc.local_traffic_policy ? local_ips(svc.key, nodes, opts.slices)
                                                : std::vector<std::string>{};
    const bool kept = svc.local_traffic_policy && local.empty();
    const auto& want = svc.local_traffic_policy ? local : members;
    std::string service_internal; // mode B: one per Service
    for (const auto& port : svc.ports) {
      expected_port e;
      e.svc = &svc;
      e.port = &port;
      e.names = names(svc.key, port.name);
      decide_profile(e);
      const auto where = who + " port " + port.name;
      const bool is_udp = port.protocol == ip_protocol::udp;
      // Pool.
      expected_pool.insert(e.names.pool);
      if (auto i = pools.find(e.names.pool); i == pools.end()) {
        bad(where + ": pool " + e.names.pool + " missing");
      } else {
        const auto& p = *i->second;
        if (field(p, {"defaultPort"}) != std::to_string(port.node_port))
          bad(where + ": pool defaultPort " + field(p, {"defaultPort"}) + ", NodePort "
              + std::to_string(port.node_port));
        std::vector<std::string> got;
        if (const auto* m = at(p, {"members"}); m != nullptr && m->is_array())
          for (const auto& x : m->get_array()) {
            got.push_back(field(x, {"ipAddress"}));
            auto member_port = field(x, {"port"});
            if (!member_port.empty() && member_port != std::to_string(port.node_port))
              bad(where + ": member " + got.back() + " on port " + member_port);
          }
        std::sort(got.begin(), got.end());
        if (kept) {
          if (got.empty() || !std::includes(members.begin(), members.end(), got.begin(), got.end()))
            bad(where + ": pool members {" + join(got) + "} of a Local Service without ready "
                + "endpoints, nodes {" + join(members) + "}");
        } else if (got != want) {
          bad(where + ": pool members {" + join(got) + "}, "
              + (svc.local_traffic_policy ? "nodes with ready endpoints {" : "nodes {") + join(want)
              + "}");
        }
        const auto* hm = at(p, {"healthMonitors"});
        size_t monitors = hm != nullptr && hm->is_array() ? hm->get_array().size() : 0;
        if (monitors != (is_udp ? 0u : 1u))
          bad(where + ": " + std::to_string(monitors) + " health monitors");
      }
      // Virtual service.
      expected_vs.insert(e.names.virtual_service);
      std::string vip;
      if (auto i = vss.find(e.names.virtual_service); i == vss.end()) {
        bad(where + ": virtual service " + e.names.virtual_service + " missing");
      } else {
        const auto& v = *i->second;
        vip = field(v, {"virtualIpAddress"});
        const auto* sp = at(v, {"servicePorts"});
        if (sp == nullptr || !sp->is_array() || sp->get_array().size() != 1) {
          bad(where + ": virtual service needs exactly one service port");
        } else {
          const auto& s = sp->get_array()[0];
          if (field(s, {"portStart"}) != std::to_string(port.port))
            bad(where + ": VS port " + field(s, {"portStart"}));
          auto end = field(s, {"portEnd"});
          if (!end.empty() && end != std::to_string(port.port))
            bad(where + ": VS portEnd " + end);
          auto l4 = field(s, {"tcpUdpProfile", "type"});
          if (l4 != (is_udp ? "UDP_FAST_PATH" : "TCP_PROXY"))
            bad(where + ": VS tcpUdpProfile " + l4);
          if (field(s, {"sslEnabled"}) != (e.ssl ? "true" : "false"))
            bad(where + ": VS sslEnabled " + field(s, {"sslEnabled"}));
        }
        if (field(v, {"applicationProfile", "type"}) != e.profile_type)
          bad(where + ": VS profile " + field(v, {"applicationProfile", "type"}) + ", want "
              + e.profile_type);
        auto cert = field(v, {"certificateRef", "name"});
        const std::string want_cert =
          svc.annotations.ssl_cert_alias.empty() ? sim_cert_alias : svc.annotations.ssl_cert_alias;
        if (e.ssl && cert != want_cert)
          bad(where + ": VS certificate '" + cert + "', want " + want_cert);
        if (!e.ssl && !cert.empty())
          bad(where + ": VS has certificate " + cert + " without SSL");
        if (field(v, {"loadBalancerPoolRef", "name"}) != e.names.pool)
          bad(where + ": VS uses pool " + field(v, {"loadBalancerPoolRef", "name"}));
        destinations[svc.key].push_back({vip, port.protocol, port.port});
        if (!one_arm) {
          if (vip != ext)
            bad(where + ": VIP " + vip + ", ingress " + ext);
        } else {
          if (!in_range(vip, internal_first, internal_last))
            bad(where + ": internal VIP " + vip + " outside the one-arm range");
          auto owner = opts.mode == config::lb_mode::a ? where : who;
          auto [it, fresh] = internal_owner.emplace(vip, owner);
          if (!fresh && it->second != owner)
            bad(where + ": internal VIP " + vip + " also used by " + it->second);
          if (opts.mode == config::lb_mode::b) {
            if (service_internal.empty())
              service_internal = vip;
            else if (service_internal != vip)
              bad(where + ": internal VIP " + vip + " differs from " + service_internal);
          }
        }
      }
      if (!one_arm)
        continue;
      // DNAT rule and its app port profile.
      expected_rule.insert(e.names.dnat_rule);
      expected_profile.insert(e.names.app_port_profile);
      if (auto i = rules.find(e.names.dnat_rule); i == rules.end()) {
        bad(where + ": DNAT rule " + e.names.dnat_rule + " missing");
      } else {
        const auto& r = *i->second;
        if (field(r, {"type"}) != "DNAT")
          bad(where + ": NAT rule type " + field(r, {"type"}));
        if (field(r, {"externalAddresses"}) != ext)
          bad(where + ": DNAT external " + field(r, {"externalAddresses"}) + ", ingress " + ext);
        if (!vip.empty() && field(r, {"internalAddresses"}) != vip)
          bad(where + ": DNAT internal " + field(r, {"internalAddresses"}) + ", VIP " + vip);
        if (field(r, {"dnatExternalPort"}) != std::to_string(port.port))
          bad(where + ": DNAT port " + field(r, {"dnatExternalPort"}));
        if (field(r, {"applicationPortProfile", "name"}) != e.names.app_port_profile)
          bad(where + ": DNAT uses profile " + field(r, {"applicationPortProfile", "name"}));
      }
      if (auto i = profiles.find(e.names.app_port_profile); i == profiles.end()) {
        bad(where + ": app port profile " + e.names.app_port_profile + " missing");
      } else {
        const auto* ap = at(*i->second, {"applicationPorts"});
        if (ap == nullptr || !ap->is_array() || ap->get_array().size() != 1) {
          bad(where + ": app port profile needs one application port");
        } else {
          const auto& a = ap->get_array()[0];
          if (field(a, {"protocol"}) != (is_udp ? "UDP" : "TCP"))
            bad(where + ": app port profile protocol " + field(a, {"protocol"}));
          const auto* dp = at(a, {"destinationPorts"});
          if (dp == nullptr || !dp->is_array() || dp->get_array().size() != 1
              || s_of(&dp->get_array()[0]) != std::to_string(port.port))
            bad(where + ": app port profile ports " + (dp ? json::serialize(*dp) : "none"));
        }
      }
    }
  }
  // Invariant 2: an external IP is shared only by Services with the same key, disjoint ports.
  for (const auto& [ip, owners] : external_owners) {
    if (owners.size() < 2)
      continue;
    std::set<std::pair<ip_protocol, int32_t>> seen;
    for (const auto* s : owners) {
      if (s->annotations.sharing_key.empty()
          || s->annotations.sharing_key != owners.front()->annotations.sharing_key)
        bad("IP " + ip + " is given to " + to_string(owners.front()->key) + " and "
            + to_string(s->key) + " without a common sharing key");
      for (const auto& p : s->ports)
        if (!seen.emplace(p.protocol, p.port).second)
          bad("IP " + ip + ": port " + std::to_string(p.port) + " used twice");
    }
  }
  // Nothing else, and everything settled.
  std::set<std::string> lenient_hashes;
  for (const auto& key : opts.lenient)
    lenient_hashes.insert(naming::service_hash(opts.cluster_id, key));
  auto lenient_name = [&](const std::string& name) {
    auto p = naming::parse(name, opts.cluster_id);
    return p && lenient_hashes.contains(p->service_hash);
  };
  auto extra = [&](const std::map<std::string, const json::value*>& have,
                   const std::set<std::string>& want, const char* what) {
    for (const auto& [name, obj] : have) {
      if (lenient_name(name))
        continue;
      if (!want.contains(name))
        bad(std::string{"leaked "} + what + " " + name);
      auto status = field(*obj, {"status"});
      if (!status.empty() && status != "REALIZED"
          && !(opts.tolerate_realization_failed && status == "REALIZATION_FAILED"))
        bad(std::string{what} + " " + name + " is " + status);
    }
  };
  check_source_ranges(dump, services, destinations, cluster_id, expected_profile, problems);
  extra(vss, expected_vs, "virtual service");
  extra(pools, expected_pool, "pool");
  extra(rules, expected_rule, "NAT rule");
  extra(profiles, expected_profile, "app port profile");
  return problems;
}

void use_ip_spaces(vcd::sim::scenario& s) {
  auto& up = s.orgs.at(0).vdcs.at(0).edge_gateways.at(0).uplinks.at(0);
  up.subnets.clear();
  up.ip_spaces = {"public-1"};
  vcd::sim::ip_space space;
  space.name = "public-1";
  space.id = vcd::sim::derived_urn("ipSpace", space.name);
  space.internal_scopes = {"203.0.113.0/24"};
  space.ranges = {{"203.0.113.10", "203.0.113.250"}};
  space.default_floating_ip_quota = -1;
  s.ip_spaces.push_back(std::move(space));
}

// -- the harness -------------------------------------------------------------------------------

harness::harness(harness_options opts) : opts_(std::move(opts)), io_("it-io", 2) {
  // The engine's info lines drown the test output; warnings (failed reconciles) stay.
  spdlog::set_level(spdlog::level::warn);
  register_types(cfg_);
  cfg_.set("scheduler.max-threads", 2);
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  vcd::sim::simulator_options so;
  so.core.seed = opts_.sim_seed;
  if (auto& certs = so.core.seed_state.orgs.at(0).certificates; !certs.empty()) {
    auto second = certs.front();
    second.alias = second_cert_alias;
    second.id = vcd::sim::derived_urn("certificateLibraryItem", second_cert_alias);
    certs.push_back(std::move(second));
  }
  for (auto& org : so.core.seed_state.orgs)
    for (auto& vdc : org.vdcs)
      for (auto& gw : vdc.edge_gateways)
        gw.supported_feature_set = opts_.feature_set;
  if (opts_.rde_entity) {
    vcd::sim::defined_entity rde;
    rde.id = opts_.cluster_id;
    if (opts_.cluster_id.starts_with("urn:vcloud:entity:cse:nativeCluster:"))
      rde.entity_type = "urn:vcloud:type:cse:nativeCluster:2.0.0";
    rde.name = "it-cluster";
    rde.second_writer_every = opts_.second_writer_every;
    so.core.seed_state.orgs.at(0).defined_entities.push_back(rde);
  }
  if (opts_.edit_scenario)
    opts_.edit_scenario(so.core.seed_state);
  so.core.faults.task_duration = opts_.task_duration;
  so.io_threads = opts_.sim_io_threads;
  auto sim = vcd::sim::simulator::start(std::move(so));
  if (!sim)
    throw std::runtime_error("simulator: " + describe(sim.error()));
  sim_ = std::move(*sim);
}

harness::~harness() {
  stop_engine();
  clients_.clear();
  sim_->stop();
  io_.stop();
  sys_.reset();
}

std::shared_ptr<vcd::beast_client> harness::make_client() {
  http::client_options h;
  h.base_url = sim_->url();
  h.tls.ca_pem = sim_->ca_pem(); // verification stays on: the simulator's own CA
  h.proxy_from_environment = false;
  h.request_timeout = std::chrono::seconds{10};
  vcd::beast_client_options o;
  o.org = "org1";
  o.vdc = "vdc1";
  o.user = "admin";
  o.password = config::secret_string{"admin-password"};
  auto c = vcd::beast_client::connect(io_.context(), std::move(h), std::move(o));
  if (!c)
    throw std::runtime_error("client: " + describe(c.error()));
  clients_.push_back(*c);
  return *c;
}

void harness::start_engine() {
  stop_engine();
  engine_options o;
  o.config = make_config(opts_.mode);
  o.config.cluster_id = opts_.cluster_id;
  o.vcd = make_client();
  o.sink = api_;
  gateway_settings g;
  g.qps = 5000;
  g.burst = 500;
  g.poll_initial = std::chrono::milliseconds{2};
  g.poll_max = std::chrono::milliseconds{20};
  g.poll_multiplier = 1.5;
  g.task_timeout = std::chrono::seconds{20};
  g.retry_base = std::chrono::milliseconds{5};
  g.retry_max = std::chrono::milliseconds{100};
  g.max_attempts = 8;
  o.gateway = g;
  o.node_debounce = std::chrono::milliseconds{5};
  o.retry_base = std::chrono::milliseconds{10};
  o.retry_max = std::chrono::milliseconds{200};
  o.backoff_base = std::chrono::milliseconds{20};
  o.backoff_max = std::chrono::milliseconds{200};
  o.resync_interval = caf::timespan{0}; // tests resync explicitly (or restart)
  if (opts_.rde_entity) {
    // Without the entity the writer keeps its default backoff (its start-up read fails).
    o.rde.batch_delay = std::chrono::milliseconds{20};
    o.rde.min_interval = std::chrono::milliseconds{100};
    o.rde.retry_base = std::chrono::milliseconds{10};
    o.rde.retry_max = std::chrono::milliseconds{200};
  }
  o.rde_stats = rde_stats_;
  auto e = engine::start(*sys_, std::move(o));
  if (!e)
    throw std::runtime_error("engine: " + describe(e.error()));
  engine_ = std::move(*e);
  api_->attach(engine_.get());
}

void harness::stop_engine(std::chrono::milliseconds grace) {
  if (!engine_)
    return;
  api_->detach();
  engine_->stop(grace);
  engine_.reset();
}

bool harness::quiesce(std::chrono::milliseconds quiet, std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  auto last = vcd().stats().total;
  auto since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    auto now_total = vcd().stats().total;
    auto now = std::chrono::steady_clock::now();
    if (now_total != last) {
      last = now_total;
      since = now;
    } else if (now - since >= quiet && vcd().running_tasks() == 0) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> harness::problems(name_fn names) {
  check_options o;
  o.mode = opts_.mode;
  o.cluster_id = opts_.cluster_id;
  o.names = std::move(names);
  o.tolerate_realization_failed =
    opts_.tolerate_known_engine_bugs && known_engine_bugs::keeps_realization_failed_objects;
  if (opts_.tolerate_known_engine_bugs && known_engine_bugs::leaks_claims_of_ports_never_created)
    o.lenient = opts_.lenient_services;
  o.slices = api_->slices();
  return check_gateway(vcd().dump(), api_->services(), api_->nodes(), o);
}

std::vector<std::string> harness::converge(name_fn names, std::chrono::milliseconds bound,
                                           std::chrono::milliseconds quiet) {
  std::vector<std::string> last;
  eventually(
    [&] {
      last = problems(names);
      return last.empty();
    },
    bound);
  if (!last.empty())
    return last;
  if (!quiesce(quiet, bound))
    return {"the engine never went quiet"};
  return problems(names);
}

} // namespace vcdlb::integration
