#include "adapters/vcd/fake_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "adapters/vcd/detail/fake_replies.hpp"
#include "adapters/vcd/errors.hpp"

namespace vcdlb::vcd {

namespace {

constexpr std::array<std::string_view, 45> operation_names{
  "login",
  "get_org_vdc_network",
  "get_edge_gateway",
  "list_used_ip_addresses",
  "list_seg_assignments",
  "list_pool_summaries",
  "get_pool",
  "create_pool",
  "update_pool",
  "delete_pool",
  "list_virtual_service_summaries",
  "get_virtual_service",
  "create_virtual_service",
  "update_virtual_service",
  "delete_virtual_service",
  "list_nat_rules",
  "get_nat_rule",
  "create_nat_rule",
  "update_nat_rule",
  "delete_nat_rule",
  "list_app_port_profiles",
  "get_app_port_profile",
  "create_app_port_profile",
  "update_app_port_profile",
  "delete_app_port_profile",
  "find_certificates",
  "get_task",
  "get_defined_entity",
  "update_defined_entity",
  "get_defined_entity_type",
  "list_floating_ip_suggestions",
  "get_ip_space",
  "allocate_floating_ip",
  "list_ip_allocations",
  "get_ip_allocation",
  "update_ip_allocation",
  "delete_ip_allocation",
  "get_firewall_rules",
  "replace_firewall_rules",
  "list_ip_sets",
  "get_ip_set",
  "create_ip_set",
  "update_ip_set",
  "delete_ip_set",
  "get_alb_settings",
};

constexpr auto unknown_id = detail::fake_unknown_id;
constexpr auto unknown_parent = detail::fake_unknown_parent;
constexpr auto bad_request = detail::fake_bad_request;

// Like the simulator (and, as far as known, VCD): a plain 400 BAD_REQUEST.
caf::error duplicate_name(const std::string& kind, const std::string& name) {
  return bad_request(kind + " with name '" + name + "' already exists");
}

std::string uuid_of(const std::string& urn) {
  auto pos = urn.rfind(':');
  return pos == std::string::npos ? urn : urn.substr(pos + 1);
}

constexpr auto parse_ipv4 = detail::fake_parse_ipv4;

bool in_gateway_ranges(const edge_gateway& gw, const std::string& ip) {
  auto addr = parse_ipv4(ip);
  if (!addr)
    return false;
  for (const auto& up : gw.uplinks)
    for (const auto& sub : up.subnets)
      for (const auto& r : sub.ip_ranges) {
        auto lo = parse_ipv4(r.start_address);
        auto hi = r.end_address.empty() ? lo : parse_ipv4(r.end_address);
        if (lo && hi && *lo <= *addr && *addr <= *hi)
          return true;
      }
  return false;
}

// A port range from "80", "1000-1010" or "" / "ANY" (everything).
std::pair<int, int> port_range(std::string_view text) {
  if (text.empty() || text == "ANY")
    return {0, 65535};
  int lo = 0;
  int hi = 0;
  auto dash = text.find('-');
  auto a = text.substr(0, dash);
  std::from_chars(a.data(), a.data() + a.size(), lo);
  if (dash == std::string_view::npos) {
    hi = lo;
  } else {
    auto b = text.substr(dash + 1);
    std::from_chars(b.data(), b.data() + b.size(), hi);
  }
  return {lo, hi};
}

bool overlaps(std::pair<int, int> a, std::pair<int, int> b) {
  return a.first <= b.second && b.first <= a.second;
}

std::string port_protocol(const service_port& p) {
  return p.profile.type == "UDP_FAST_PATH" ? "UDP" : "TCP";
}

template <class T>
std::vector<T> values_of(const std::map<std::string, T>& m) {
  std::vector<T> out;
  out.reserve(m.size());
  for (const auto& [id, v] : m)
    out.push_back(v);
  return out;
}

} // namespace

std::string to_string(operation x) {
  auto i = static_cast<size_t>(x);
  return i < operation_names.size() ? std::string{operation_names[i]} : "unknown";
}

bool is_mutation(operation x) {
  auto name = to_string(x);
  return name.starts_with("create_") || name.starts_with("update_") || name.starts_with("delete_")
         || name.starts_with("allocate_") || name.starts_with("replace_");
}

fake_client::fake_client(fake_options opts) : opts_(std::move(opts)) {
  // Nothing else: the fake starts empty and deterministic.
}

// -- seeding -----------------------------------------------------------------------------------

std::string fake_client::next_id(const std::string& prefix) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "00000000-0000-0000-0000-%012llu",
                static_cast<unsigned long long>(++next_seq_));
  return prefix + buf;
}

std::string fake_client::add_network(org_vdc_network n) {
  if (n.id.empty())
    n.id = next_id("urn:vcloud:network:");
  auto id = n.id;
  networks_[id] = std::move(n);
  return id;
}

std::string fake_client::add_gateway(edge_gateway gw) {
  if (gw.id.empty())
    gw.id = next_id("urn:vcloud:gateway:");
  if (gw.status.empty())
    gw.status = "REALIZED";
  auto id = gw.id;
  gateways_[id] = std::move(gw);
  return id;
}

void fake_client::add_used_ip(const std::string& gateway_id, used_ip ip) {
  extra_used_ips_[gateway_id].push_back(std::move(ip));
}

std::string fake_client::add_seg_assignment(seg_assignment a) {
  if (a.id.empty())
    a.id = next_id("urn:vcloud:serviceEngineGroupAssignment:");
  auto id = a.id;
  segs_[id] = std::move(a);
  return id;
}

std::string fake_client::add_certificate(certificate c) {
  if (c.id.empty())
    c.id = next_id("urn:vcloud:certificateLibraryItem:");
  auto id = c.id;
  certificates_[id] = std::move(c);
  return id;
}

std::string fake_client::put_pool(pool p) {
  if (p.id.empty())
    p.id = next_id("urn:vcloud:loadBalancerPool:");
  p.status = "REALIZED";
  auto id = p.id;
  if (auto i = pools_.find(id); i != pools_.end())
    unindex(i->second);
  index(p);
  pools_[id] = std::move(p);
  return id;
}

std::string fake_client::put_virtual_service(virtual_service vs) {
  if (vs.id.empty())
    vs.id = next_id("urn:vcloud:loadBalancerVirtualService:");
  vs.status = "REALIZED";
  if (vs.health_status.empty())
    vs.health_status = "UP";
  if (auto* seg = find_seg(vs.gateway_ref.id, vs.service_engine_group_ref.id))
    ++seg->num_deployed_virtual_services;
  auto id = vs.id;
  if (auto i = virtual_services_.find(id); i != virtual_services_.end())
    unindex(i->second);
  index(vs);
  virtual_services_[id] = std::move(vs);
  return id;
}

std::string fake_client::put_nat_rule(const std::string& gateway_id, nat_rule rule) {
  if (rule.id.empty())
    rule.id = uuid_of(next_id(""));
  if (rule.version < 0)
    rule.version = 0;
  auto id = rule.id;
  nat_rules_[gateway_id][id] = std::move(rule);
  return id;
}

std::string fake_client::put_app_port_profile(app_port_profile profile) {
  if (profile.id.empty())
    profile.id = next_id("urn:vcloud:applicationPortProfile:");
  profile.status = "REALIZED";
  auto id = profile.id;
  profiles_[id] = std::move(profile);
  return id;
}

// -- configuration, faults, inspection ----------------------------------------------------------

void fake_client::fail_next(operation op, caf::error err, size_t times) {
  for (size_t i = 0; i < times; ++i)
    injected_[op].push_back(err);
}

void fake_client::fail_next_task(operation op, task_error err, size_t times) {
  for (size_t i = 0; i < times; ++i)
    injected_task_errors_[op].push_back(err);
}

size_t fake_client::calls(operation op) const {
  auto i = calls_.find(op);
  return i == calls_.end() ? 0 : i->second;
}

size_t fake_client::total_calls() const {
  size_t n = 0;
  for (const auto& [op, count] : calls_)
    n += count;
  return n;
}

size_t fake_client::mutation_calls() const {
  size_t n = 0;
  for (const auto& [op, count] : calls_)
    if (is_mutation(op))
      n += count;
  return n;
}

void fake_client::reset_calls() {
  calls_.clear();
}

size_t fake_client::unfinished_tasks() const {
  return static_cast<size_t>(std::count_if(
    tasks_.begin(), tasks_.end(), [](const auto& kv) { return kv.second.snapshot.in_flight(); }));
}

std::vector<pool> fake_client::pools() const {
  return values_of(pools_);
}

std::vector<virtual_service> fake_client::virtual_services() const {
  return values_of(virtual_services_);
}

std::vector<nat_rule> fake_client::nat_rules(const std::string& gateway_id) const {
  auto i = nat_rules_.find(gateway_id);
  return i == nat_rules_.end() ? std::vector<nat_rule>{} : values_of(i->second);
}

std::vector<app_port_profile> fake_client::app_port_profiles() const {
  return values_of(profiles_);
}

std::vector<seg_assignment> fake_client::seg_assignments() const {
  return values_of(segs_);
}

std::optional<pool> fake_client::pool_by_name(const std::string& name) const {
  for (const auto& [id, p] : pools_)
    if (p.name == name)
      return p;
  return std::nullopt;
}

std::optional<virtual_service> fake_client::virtual_service_by_name(const std::string& name) const {
  for (const auto& [id, vs] : virtual_services_)
    if (vs.name == name)
      return vs;
  return std::nullopt;
}

std::optional<nat_rule> fake_client::nat_rule_by_name(const std::string& gateway_id,
                                                      const std::string& name) const {
  for (const auto& r : nat_rules(gateway_id))
    if (r.name == name)
      return r;
  return std::nullopt;
}

std::optional<app_port_profile>
fake_client::app_port_profile_by_name(const std::string& name) const {
  for (const auto& [id, p] : profiles_)
    if (p.name == name)
      return p;
  return std::nullopt;
}

// -- internals -----------------------------------------------------------------------------------

caf::error fake_client::enter(operation op) {
  ++calls_[op];
  auto& queue = injected_[op];
  if (queue.empty())
    return {};
  auto err = std::move(queue.front());
  queue.pop_front();
  return err;
}

caf::error fake_client::busy_check(const std::string& gateway_id) const {
  if (!opts_.busy_while_task_running || gateway_id.empty())
    return {};
  for (const auto& [id, rec] : tasks_)
    if (rec.gateway_id == gateway_id && rec.snapshot.in_flight())
      return make_http_error(400, "BUSY_ENTITY",
                             "[ fake ] The entity Ref: com.vmware.vcloud.entity.gateway:"
                               + uuid_of(gateway_id) + " is busy completing an operation "
                               + rec.snapshot.operation + ".",
                             -1, false);
  return {};
}

task_ref fake_client::start_task(operation op, const std::string& gateway_id,
                                 std::string description, entity_ref owner,
                                 std::function<void(bool)> complete,
                                 std::string result_on_success) {
  auto urn = next_id("urn:vcloud:task:");
  auto uuid = uuid_of(urn);
  task_record rec;
  rec.snapshot.id = urn;
  rec.snapshot.href = "https://fake.vcd/api/task/" + uuid;
  rec.snapshot.operation = std::move(description);
  rec.snapshot.owner = std::move(owner);
  rec.snapshot.status = task_status::running;
  rec.polls_left = opts_.task_polls;
  bool timed = opts_.clock && opts_.task_duration.count() > 0;
  if (timed) {
    rec.polls_left = 0;
    rec.ends = opts_.clock() + opts_.task_duration;
  }
  rec.gateway_id = gateway_id;
  rec.complete = std::move(complete);
  rec.result_on_success = std::move(result_on_success);
  if (auto& q = injected_task_errors_[op]; !q.empty()) {
    rec.fail = true;
    rec.snapshot.error = q.front();
    q.pop_front();
  }
  task_ref ref{rec.snapshot.href, uuid};
  auto& stored = tasks_[uuid] = std::move(rec);
  if (!timed && stored.polls_left == 0) {
    stored.snapshot.status = stored.fail ? task_status::error : task_status::success;
    stored.snapshot.progress = 100;
    if (!stored.fail)
      stored.snapshot.result_content = stored.result_on_success;
    stored.complete(!stored.fail);
  }
  return ref;
}

seg_assignment* fake_client::find_seg(const std::string& gateway_id, const std::string& seg_id) {
  for (auto& [id, a] : segs_)
    if (a.gateway_ref.id == gateway_id && a.service_engine_group_ref.id == seg_id)
      return &a;
  return nullptr;
}

pool_summary fake_client::summarize(const pool& p, bool with_refs) const {
  pool_summary s;
  s.id = p.id;
  s.name = p.name;
  s.description = p.description;
  s.enabled = p.enabled;
  s.status = p.status;
  s.health_status = p.health_status;
  s.member_count = static_cast<int32_t>(p.members.size());
  for (const auto& m : p.members)
    if (m.enabled)
      ++s.enabled_member_count;
  // A group pool's members are its IP set's entries, all enabled.
  if (!p.member_group_ref.id.empty())
    if (auto set = ip_sets_.find(p.member_group_ref.id); set != ip_sets_.end())
      s.member_count = s.enabled_member_count =
        static_cast<int32_t>(set->second.ip_addresses.size());
  s.up_member_count = s.enabled_member_count;
  if (with_refs)
    if (auto users = vs_by_pool_.find(p.id); users != vs_by_pool_.end())
      for (const auto& vs_id : users->second)
        s.virtual_service_refs.push_back({virtual_services_.at(vs_id).name, vs_id});
  return s;
}

virtual_service_summary fake_client::summarize(const virtual_service& vs) const {
  virtual_service_summary s;
  s.id = vs.id;
  s.name = vs.name;
  s.description = vs.description;
  s.enabled = vs.enabled;
  s.virtual_ip_address = vs.virtual_ip_address;
  s.gateway_ref = vs.gateway_ref;
  s.load_balancer_pool_ref = vs.load_balancer_pool_ref;
  s.service_engine_group_ref = vs.service_engine_group_ref;
  s.certificate_ref = vs.certificate_ref;
  s.service_ports = vs.service_ports;
  s.application_profile_type = vs.app_profile.type;
  s.transparent_mode_enabled = vs.transparent_mode_enabled;
  s.status = vs.status;
  s.health_status = vs.health_status;
  s.health_message = vs.health_message;
  return s;
}

void fake_client::index(const pool& p) {
  pool_names_[{p.gateway_ref.id, p.name}].insert(p.id);
}

void fake_client::unindex(const pool& p) {
  auto erase = [&p](auto& m, const auto& key) {
    if (auto i = m.find(key); i != m.end() && i->second.erase(p.id) > 0 && i->second.empty())
      m.erase(i);
  };
  erase(pool_names_, gateway_key{p.gateway_ref.id, p.name});
}

void fake_client::index(const virtual_service& vs) {
  vs_names_[{vs.gateway_ref.id, vs.name}].insert(vs.id);
  vs_vips_[{vs.gateway_ref.id, vs.virtual_ip_address}].insert(vs.id);
  vs_by_pool_[vs.load_balancer_pool_ref.id].insert(vs.id);
}

void fake_client::unindex(const virtual_service& vs) {
  auto erase = [&vs](auto& m, const auto& key) {
    if (auto i = m.find(key); i != m.end() && i->second.erase(vs.id) > 0 && i->second.empty())
      m.erase(i);
  };
  erase(vs_names_, gateway_key{vs.gateway_ref.id, vs.name});
  erase(vs_vips_, gateway_key{vs.gateway_ref.id, vs.virtual_ip_address});
  erase(vs_by_pool_, vs.load_balancer_pool_ref.id);
}

caf::error fake_client::validate_pool(const pool& p, bool create) const {
  if (p.name.empty())
    return bad_request("pool name is required");
  if (p.gateway_ref.id.empty() || !gateways_.contains(p.gateway_ref.id))
    return bad_request("pool gatewayRef is missing or invalid: '" + p.gateway_ref.id + "'");
  if (p.members.size() > 100)
    return bad_request("a pool has at most 100 members");
  if (p.default_port < 1 || p.default_port > 65535)
    return bad_request("defaultPort out of range");
  for (const auto& m : p.members) {
    if (m.ip_address.empty())
      return bad_request("member ipAddress is required");
    if (m.port < 0 || m.port > 65535 || m.ratio < 1 || m.ratio > 20)
      return bad_request("member port or ratio out of range");
  }
  if (auto named = pool_names_.find({p.gateway_ref.id, p.name}); named != pool_names_.end())
    for (const auto& id : named->second)
      if (id != p.id)
        return duplicate_name("pool", p.name);
  if (!create) {
    auto i = pools_.find(p.id);
    if (i != pools_.end() && i->second.gateway_ref.id != p.gateway_ref.id)
      return bad_request("the gateway of a pool cannot change");
  }
  return validate_group_pool(p);
}

caf::error fake_client::validate_virtual_service(const virtual_service& vs, bool create) const {
  if (vs.name.empty())
    return bad_request("virtual service name is required");
  const auto& gw_id = vs.gateway_ref.id;
  if (gw_id.empty() || !gateways_.contains(gw_id))
    return bad_request("virtual service gatewayRef is missing or invalid: '" + gw_id + "'");
  auto p = pools_.find(vs.load_balancer_pool_ref.id);
  if (p == pools_.end() || p->second.gateway_ref.id != gw_id)
    return bad_request("loadBalancerPoolRef is invalid: '" + vs.load_balancer_pool_ref.id + "'");
  const seg_assignment* seg = nullptr;
  for (const auto& [id, a] : segs_)
    if (a.gateway_ref.id == gw_id
        && a.service_engine_group_ref.id == vs.service_engine_group_ref.id)
      seg = &a;
  if (seg == nullptr)
    return bad_request("service engine group '" + vs.service_engine_group_ref.id
                       + "' is not assigned to the gateway");
  if (vs.service_ports.empty() || vs.service_ports.size() > 10)
    return bad_request("a virtual service needs 1 to 10 service ports");
  for (const auto& sp : vs.service_ports)
    if (sp.port_start < 0 || sp.port_start > 65535 || sp.last_port() < sp.port_start
        || sp.last_port() > 65535)
      return bad_request("service port range is invalid");
  static const std::set<std::string> profile_types{"HTTP", "HTTPS", "L4", "L4_TLS"};
  if (!profile_types.contains(vs.app_profile.type))
    return bad_request("applicationProfile.type is invalid: '" + vs.app_profile.type + "'");
  if (vs.app_profile.type == "HTTPS" || vs.app_profile.type == "L4_TLS") {
    if (vs.certificate_ref.id.empty() || !certificates_.contains(vs.certificate_ref.id))
      return bad_request("certificateRef is required for " + vs.app_profile.type);
  }
  if (vs.virtual_ip_address.empty())
    return bad_request("virtualIpAddress is required");
  const virtual_service* old = nullptr;
  if (!create) {
    auto i = virtual_services_.find(vs.id);
    if (i != virtual_services_.end())
      old = &i->second;
  }
  if (auto named = vs_names_.find({gw_id, vs.name}); named != vs_names_.end())
    for (const auto& id : named->second)
      if (id != vs.id)
        return duplicate_name("virtual service", vs.name);
  if (auto users = vs_by_pool_.find(vs.load_balancer_pool_ref.id); users != vs_by_pool_.end())
    for (const auto& id : users->second)
      if (id != vs.id)
        return bad_request("pool '" + p->second.name + "' is already used by virtual service '"
                           + virtual_services_.at(id).name + "'");
  if (auto sharing = vs_vips_.find({gw_id, vs.virtual_ip_address}); sharing != vs_vips_.end())
    for (const auto& id : sharing->second) {
      if (id == vs.id)
        continue;
      const auto& other = virtual_services_.at(id);
      if (!opts_.shared_vip_supported)
        return bad_request("virtual IP " + vs.virtual_ip_address + " is already in use");
      if (other.service_engine_group_ref.id != vs.service_engine_group_ref.id)
        return bad_request("virtual services sharing " + vs.virtual_ip_address
                           + " must use the same service engine group");
      for (const auto& a : vs.service_ports)
        for (const auto& b : other.service_ports)
          if (port_protocol(a) == port_protocol(b)
              && overlaps({a.port_start, a.last_port()}, {b.port_start, b.last_port()}))
            return bad_request("port " + std::to_string(a.port_start) + " on "
                               + vs.virtual_ip_address + " overlaps virtual service '" + other.name
                               + "'");
    }
  if (old != nullptr && old->virtual_ip_address != vs.virtual_ip_address) {
    if (auto sharing = vs_vips_.find({gw_id, old->virtual_ip_address}); sharing != vs_vips_.end())
      for (const auto& id : sharing->second)
        if (id != vs.id)
          return bad_request("the VIP of a virtual service that shares its IP cannot change");
  }
  const bool moves_seg =
    old == nullptr || old->service_engine_group_ref.id != vs.service_engine_group_ref.id;
  if (moves_seg && !seg->has_capacity())
    return bad_request("service engine group '" + vs.service_engine_group_ref.id
                       + "' has no capacity left");
  return validate_transparent_mode(vs, p->second);
}

caf::error fake_client::validate_nat_rule(const std::string& gateway_id, const nat_rule& r,
                                          bool create) const {
  if (r.name.empty())
    return bad_request("NAT rule name is required");
  static const std::set<std::string> types{"DNAT", "SNAT", "NO_DNAT", "NO_SNAT", "REFLEXIVE"};
  if (!types.contains(r.rule_type))
    return bad_request("NAT rule type is invalid: '" + r.rule_type + "'");
  if (r.internal_addresses.empty() && r.rule_type != "NO_SNAT" && r.rule_type != "NO_DNAT")
    return bad_request("internalAddresses is required");
  if (r.external_addresses.empty() && r.rule_type != "NO_SNAT" && r.rule_type != "NO_DNAT")
    return bad_request("externalAddresses is required");
  if (create && (!r.id.empty() || r.version >= 0))
    return bad_request("id and version must not be set on create");
  std::string protocol = "TCP";
  std::string port = r.dnat_external_port;
  if (!r.application_port_profile.id.empty()) {
    auto p = profiles_.find(r.application_port_profile.id);
    if (p == profiles_.end())
      return bad_request("applicationPortProfile is invalid: '" + r.application_port_profile.id
                         + "'");
    if (!p->second.application_ports.empty()) {
      protocol = p->second.application_ports.front().protocol;
      if (port.empty() && !p->second.application_ports.front().destination_ports.empty())
        port = p->second.application_ports.front().destination_ports.front();
    }
  }
  if (r.rule_type != "DNAT")
    return {};
  auto rules = nat_rules_.find(gateway_id);
  if (rules == nat_rules_.end())
    return {};
  for (const auto& [id, other] : rules->second) {
    if (id == r.id || other.rule_type != "DNAT" || other.external_addresses != r.external_addresses)
      continue;
    std::string other_protocol = "TCP";
    std::string other_port = other.dnat_external_port;
    if (auto p = profiles_.find(other.application_port_profile.id);
        p != profiles_.end() && !p->second.application_ports.empty()) {
      other_protocol = p->second.application_ports.front().protocol;
      if (other_port.empty() && !p->second.application_ports.front().destination_ports.empty())
        other_port = p->second.application_ports.front().destination_ports.front();
    }
    if (other_protocol == protocol && overlaps(port_range(port), port_range(other_port)))
      return bad_request("DNAT " + r.external_addresses + ":" + (port.empty() ? "ANY" : port)
                         + " overlaps rule '" + other.name + "'");
  }
  return {};
}

caf::error fake_client::validate_app_port_profile(const app_port_profile& p, bool create) const {
  if (p.name.empty())
    return bad_request("application port profile name is required");
  if (p.scope != "TENANT" && p.scope != "PROVIDER")
    return bad_request("scope must be TENANT or PROVIDER");
  if (p.scope == "TENANT" && p.org_ref.id.empty())
    return bad_request("orgRef is required for TENANT scope");
  if (p.application_ports.empty())
    return bad_request("applicationPorts is required");
  static const std::set<std::string> protocols{"TCP", "UDP", "ICMPv4", "ICMPv6"};
  for (const auto& ap : p.application_ports) {
    if (!protocols.contains(ap.protocol))
      return bad_request("protocol is invalid: '" + ap.protocol + "'");
    for (const auto& port : ap.destination_ports) {
      auto [lo, hi] = port_range(port);
      if (port.empty() || lo < 1 || hi > 65535 || hi < lo)
        return bad_request("destination port is invalid: '" + port + "'");
    }
  }
  for (const auto& [id, other] : profiles_)
    if (other.id != p.id && other.scope == p.scope && other.name == p.name)
      return duplicate_name("application port profile", p.name);
  (void)create;
  return {};
}

// -- client: session and discovery ---------------------------------------------------------------

void fake_client::login(callback<session_info> done) {
  if (auto err = enter(operation::login))
    return done(std::move(err));
  done(session_info{opts_.api_version, opts_.api_version, opts_.org, opts_.user, false});
}

void fake_client::get_org_vdc_network(std::string name, callback<org_vdc_network> done) {
  if (auto err = enter(operation::get_org_vdc_network))
    return done(std::move(err));
  std::vector<org_vdc_network> found;
  for (const auto& [id, n] : networks_)
    if (n.name == name)
      found.push_back(n);
  if (found.empty())
    return done(
      make_http_error(404, "NOT_FOUND", "[ fake ] no network named '" + name + "'", -1, false));
  if (found.size() > 1)
    return done(
      caf::make_error(vcd_errc::conflict, "found more than one network named '" + name + "'"));
  done(std::move(found.front()));
}

void fake_client::get_edge_gateway(std::string gateway_id, callback<edge_gateway> done) {
  if (auto err = enter(operation::get_edge_gateway))
    return done(std::move(err));
  auto i = gateways_.find(gateway_id);
  if (i == gateways_.end())
    return done(unknown_id(gateway_id));
  done(i->second);
}

void fake_client::list_used_ip_addresses(std::string gateway_id,
                                         callback<std::vector<used_ip>> done) {
  if (auto err = enter(operation::list_used_ip_addresses))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end())
    return done(unknown_parent(gateway_id));
  std::vector<used_ip> out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](const std::string& ip, const std::string& category) {
    if (seen.emplace(ip, category).second)
      out.push_back({ip, category, {}});
  };
  for (const auto& up : gw->second.uplinks)
    for (const auto& sub : up.subnets)
      if (!sub.primary_ip.empty())
        add(sub.primary_ip, "PRIMARY_IP");
  if (auto extra = extra_used_ips_.find(gateway_id); extra != extra_used_ips_.end())
    for (const auto& u : extra->second)
      if (seen.emplace(u.ip_address, u.category).second)
        out.push_back(u);
  if (auto rules = nat_rules_.find(gateway_id); rules != nat_rules_.end())
    for (const auto& [id, r] : rules->second)
      if (r.rule_type == "DNAT"
          && (in_gateway_ranges(gw->second, r.external_addresses)
              || allocated_to_gateway(gateway_id, r.external_addresses)))
        add(r.external_addresses, "DNAT");
  for (const auto& [id, vs] : virtual_services_)
    if (vs.gateway_ref.id == gateway_id
        && (in_gateway_ranges(gw->second, vs.virtual_ip_address)
            || allocated_to_gateway(gateway_id, vs.virtual_ip_address)))
      add(vs.virtual_ip_address, "Load_Balancer");
  done(std::move(out));
}

void fake_client::list_seg_assignments(std::string gateway_id,
                                       callback<std::vector<seg_assignment>> done) {
  if (auto err = enter(operation::list_seg_assignments))
    return done(std::move(err));
  std::vector<seg_assignment> out;
  for (const auto& [id, a] : segs_)
    if (a.gateway_ref.id == gateway_id)
      out.push_back(a);
  done(std::move(out));
}

// -- client: pools ------------------------------------------------------------------------------

void fake_client::list_pool_summaries(std::string gateway_id, fiql filter,
                                      callback<std::vector<pool_summary>> done) {
  if (auto err = enter(operation::list_pool_summaries))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_parent(gateway_id));
  for (const auto& clause : filter.clauses())
    for (const auto& term : clause)
      if (term.field != "name" && term.field != "id")
        return done(bad_request("field '" + term.field + "' is not searchable"));
  // The virtual services that use each pool, found in one pass (not one pass per pool: a
  // list of 20 000 pools would take seconds).
  std::unordered_map<std::string, std::vector<entity_ref>> refs;
  for (const auto& [vs_id, vs] : virtual_services_)
    refs[vs.load_balancer_pool_ref.id].push_back({vs.name, vs.id});
  std::vector<pool_summary> out;
  for (const auto& [id, p] : pools_) {
    if (p.gateway_ref.id != gateway_id)
      continue;
    auto get = [&p = p](std::string_view field) -> std::optional<std::string> {
      return field == "name" ? p.name : p.id;
    };
    if (filter.matches(get)) {
      auto s = summarize(p, false);
      if (auto r = refs.find(p.id); r != refs.end())
        s.virtual_service_refs = r->second;
      out.push_back(std::move(s));
    }
  }
  done(std::move(out));
}

void fake_client::get_pool(std::string pool_id, callback<pool> done) {
  if (auto err = enter(operation::get_pool))
    return done(std::move(err));
  auto i = pools_.find(pool_id);
  if (i == pools_.end())
    return done(unknown_id(pool_id));
  auto p = i->second;
  p.virtual_service_refs = summarize(p).virtual_service_refs;
  done(std::move(p));
}

void fake_client::create_pool(pool p, callback<task_ref> done) {
  if (auto err = enter(operation::create_pool))
    return done(std::move(err));
  if (!p.id.empty())
    return done(bad_request("id must not be set on create"));
  if (auto err = busy_check(p.gateway_ref.id))
    return done(std::move(err));
  if (auto err = validate_pool(p, true))
    return done(std::move(err));
  p.id = next_id("urn:vcloud:loadBalancerPool:");
  p.status = "PENDING";
  p.health_status = "UNAVAILABLE";
  p.virtual_service_refs.clear();
  auto id = p.id;
  entity_ref owner{p.name, id};
  auto gw = p.gateway_ref.id;
  index(p);
  pools_[id] = std::move(p);
  done(start_task(operation::create_pool, gw, "Creating Load Balancer Pool " + owner.name, owner,
                  [this, id](bool ok) {
                    if (auto i = pools_.find(id); i != pools_.end())
                      i->second.status = ok ? "REALIZED" : "REALIZATION_FAILED";
                  }));
}

void fake_client::update_pool(pool p, callback<task_ref> done) {
  if (auto err = enter(operation::update_pool))
    return done(std::move(err));
  auto i = pools_.find(p.id);
  if (i == pools_.end())
    return done(unknown_id(p.id));
  if (auto err = busy_check(i->second.gateway_ref.id))
    return done(std::move(err));
  if (auto err = validate_pool(p, false))
    return done(std::move(err));
  entity_ref owner{p.name, p.id};
  auto gw = p.gateway_ref.id;
  done(start_task(operation::update_pool, gw, "Updating Load Balancer Pool " + p.name, owner,
                  [this, p = std::move(p)](bool ok) mutable {
                    auto i = pools_.find(p.id);
                    if (!ok || i == pools_.end())
                      return;
                    p.status = "REALIZED";
                    p.health_status = i->second.health_status;
                    p.virtual_service_refs.clear();
                    unindex(i->second);
                    index(p);
                    // VCD keeps references by id: a renamed pool shows its new name in the
                    // virtual services that use it.
                    if (auto users = vs_by_pool_.find(p.id); users != vs_by_pool_.end())
                      for (const auto& id : users->second)
                        if (auto vs = virtual_services_.find(id); vs != virtual_services_.end())
                          vs->second.load_balancer_pool_ref.name = p.name;
                    i->second = std::move(p);
                  }));
}

void fake_client::delete_pool(std::string pool_id, callback<task_ref> done) {
  if (auto err = enter(operation::delete_pool))
    return done(std::move(err));
  auto i = pools_.find(pool_id);
  if (i == pools_.end())
    return done(unknown_id(pool_id));
  if (auto err = busy_check(i->second.gateway_ref.id))
    return done(std::move(err));
  if (auto users = vs_by_pool_.find(pool_id); users != vs_by_pool_.end())
    return done(bad_request("pool '" + i->second.name + "' is in use by virtual service '"
                            + virtual_services_.at(*users->second.begin()).name + "'"));
  entity_ref owner{i->second.name, pool_id};
  done(start_task(operation::delete_pool, i->second.gateway_ref.id,
                  "Deleting Load Balancer Pool " + owner.name, owner, [this, pool_id](bool ok) {
                    auto i = pools_.find(pool_id);
                    if (!ok || i == pools_.end())
                      return;
                    unindex(i->second);
                    pools_.erase(i);
                  }));
}

// -- client: virtual services -------------------------------------------------------------------

void fake_client::list_virtual_service_summaries(
  std::string gateway_id, fiql filter, callback<std::vector<virtual_service_summary>> done) {
  if (auto err = enter(operation::list_virtual_service_summaries))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_parent(gateway_id));
  static const std::set<std::string, std::less<>> searchable{
    "name", "id", "virtualIpAddress", "loadBalancerPoolRef.id", "serviceEngineGroupRef.id"};
  for (const auto& clause : filter.clauses())
    for (const auto& term : clause)
      if (!searchable.contains(term.field))
        return done(bad_request("field '" + term.field + "' is not searchable"));
  std::vector<virtual_service_summary> out;
  for (const auto& [id, vs] : virtual_services_) {
    if (vs.gateway_ref.id != gateway_id)
      continue;
    auto get = [&vs = vs](std::string_view field) -> std::optional<std::string> {
      if (field == "name")
        return vs.name;
      if (field == "id")
        return vs.id;
      if (field == "virtualIpAddress")
        return vs.virtual_ip_address;
      if (field == "loadBalancerPoolRef.id")
        return vs.load_balancer_pool_ref.id;
      return vs.service_engine_group_ref.id;
    };
    if (filter.matches(get))
      out.push_back(summarize(vs));
  }
  done(std::move(out));
}

void fake_client::get_virtual_service(std::string vs_id, callback<virtual_service> done) {
  if (auto err = enter(operation::get_virtual_service))
    return done(std::move(err));
  auto i = virtual_services_.find(vs_id);
  if (i == virtual_services_.end())
    return done(unknown_id(vs_id));
  done(i->second);
}

void fake_client::create_virtual_service(virtual_service vs, callback<task_ref> done) {
  if (auto err = enter(operation::create_virtual_service))
    return done(std::move(err));
  if (!vs.id.empty())
    return done(bad_request("id must not be set on create"));
  if (auto err = busy_check(vs.gateway_ref.id))
    return done(std::move(err));
  if (auto err = validate_virtual_service(vs, true))
    return done(std::move(err));
  vs.id = next_id("urn:vcloud:loadBalancerVirtualService:");
  vs.status = "PENDING";
  vs.health_status = "PENDING";
  if (auto* seg = find_seg(vs.gateway_ref.id, vs.service_engine_group_ref.id))
    ++seg->num_deployed_virtual_services;
  auto id = vs.id;
  entity_ref owner{vs.name, id};
  auto gw = vs.gateway_ref.id;
  index(vs);
  virtual_services_[id] = std::move(vs);
  done(start_task(operation::create_virtual_service, gw,
                  "Creating Load Balancer Virtual Service " + owner.name, owner,
                  [this, id](bool ok) {
                    auto i = virtual_services_.find(id);
                    if (i == virtual_services_.end())
                      return;
                    i->second.status = ok ? "REALIZED" : "REALIZATION_FAILED";
                    i->second.health_status = ok ? "UP" : "DOWN";
                  }));
}

void fake_client::update_virtual_service(virtual_service vs, callback<task_ref> done) {
  if (auto err = enter(operation::update_virtual_service))
    return done(std::move(err));
  auto i = virtual_services_.find(vs.id);
  if (i == virtual_services_.end())
    return done(unknown_id(vs.id));
  if (auto err = busy_check(i->second.gateway_ref.id))
    return done(std::move(err));
  if (vs.gateway_ref.id != i->second.gateway_ref.id)
    return done(bad_request("the gateway of a virtual service cannot change"));
  if (auto err = validate_virtual_service(vs, false))
    return done(std::move(err));
  entity_ref owner{vs.name, vs.id};
  auto gw = vs.gateway_ref.id;
  done(start_task(operation::update_virtual_service, gw,
                  "Updating Load Balancer Virtual Service " + vs.name, owner,
                  [this, vs = std::move(vs)](bool ok) mutable {
                    auto i = virtual_services_.find(vs.id);
                    if (!ok || i == virtual_services_.end())
                      return;
                    auto& old = i->second;
                    if (old.service_engine_group_ref.id != vs.service_engine_group_ref.id) {
                      if (auto* s = find_seg(old.gateway_ref.id, old.service_engine_group_ref.id))
                        --s->num_deployed_virtual_services;
                      if (auto* s = find_seg(vs.gateway_ref.id, vs.service_engine_group_ref.id))
                        ++s->num_deployed_virtual_services;
                    }
                    vs.status = "REALIZED";
                    vs.health_status = "UP";
                    unindex(old);
                    index(vs);
                    old = std::move(vs);
                  }));
}

void fake_client::delete_virtual_service(std::string vs_id, callback<task_ref> done) {
  if (auto err = enter(operation::delete_virtual_service))
    return done(std::move(err));
  auto i = virtual_services_.find(vs_id);
  if (i == virtual_services_.end())
    return done(unknown_id(vs_id));
  if (auto err = busy_check(i->second.gateway_ref.id))
    return done(std::move(err));
  entity_ref owner{i->second.name, vs_id};
  done(start_task(
    operation::delete_virtual_service, i->second.gateway_ref.id,
    "Deleting Load Balancer Virtual Service " + owner.name, owner, [this, vs_id](bool ok) {
      auto i = virtual_services_.find(vs_id);
      if (!ok || i == virtual_services_.end())
        return;
      if (auto* s = find_seg(i->second.gateway_ref.id, i->second.service_engine_group_ref.id))
        --s->num_deployed_virtual_services;
      unindex(i->second);
      virtual_services_.erase(i);
    }));
}

// -- client: NAT rules ---------------------------------------------------------------------------

void fake_client::list_nat_rules(std::string gateway_id, callback<std::vector<nat_rule>> done) {
  if (auto err = enter(operation::list_nat_rules))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_parent(gateway_id));
  done(nat_rules(gateway_id));
}

void fake_client::get_nat_rule(std::string gateway_id, std::string rule_id,
                               callback<nat_rule> done) {
  if (auto err = enter(operation::get_nat_rule))
    return done(std::move(err));
  if (!gateways_.contains(gateway_id))
    return done(unknown_parent(gateway_id));
  auto rules = nat_rules_.find(gateway_id);
  if (rules == nat_rules_.end() || !rules->second.contains(rule_id))
    return done(unknown_id(rule_id));
  done(rules->second.at(rule_id));
}

void fake_client::create_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) {
  if (auto err = enter(operation::create_nat_rule))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end())
    return done(unknown_parent(gateway_id));
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  if (auto err = validate_nat_rule(gateway_id, rule, true))
    return done(std::move(err));
  // The rule appears when the task succeeds; the task's owner is the gateway (as in VCD).
  entity_ref owner{gw->second.name, gateway_id};
  auto name = rule.name;
  done(start_task(operation::create_nat_rule, gateway_id, "Creating NAT rule " + name, owner,
                  [this, gateway_id, rule = std::move(rule)](bool ok) mutable {
                    if (!ok)
                      return;
                    rule.id = uuid_of(next_id(""));
                    rule.version = 0;
                    auto id = rule.id;
                    nat_rules_[gateway_id][id] = std::move(rule);
                  }));
}

void fake_client::update_nat_rule(std::string gateway_id, nat_rule rule, callback<task_ref> done) {
  if (auto err = enter(operation::update_nat_rule))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end())
    return done(unknown_parent(gateway_id));
  auto rules = nat_rules_.find(gateway_id);
  if (rules == nat_rules_.end() || !rules->second.contains(rule.id))
    return done(unknown_id(rule.id));
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  const auto& current = rules->second.at(rule.id);
  if (rule.version < 0)
    return done(bad_request("version is required on update"));
  if (rule.version != current.version)
    return done(bad_request(
      "the NAT rule '" + current.name + "' was changed by someone else (version "
      + std::to_string(rule.version) + ", current " + std::to_string(current.version) + ")"));
  if (auto err = validate_nat_rule(gateway_id, rule, false))
    return done(std::move(err));
  entity_ref owner{gw->second.name, gateway_id};
  auto name = rule.name;
  done(start_task(operation::update_nat_rule, gateway_id, "Updating NAT rule " + name, owner,
                  [this, gateway_id, rule = std::move(rule)](bool ok) mutable {
                    auto& rules = nat_rules_[gateway_id];
                    auto i = rules.find(rule.id);
                    if (!ok || i == rules.end())
                      return;
                    rule.version = i->second.version + 1;
                    i->second = std::move(rule);
                  }));
}

void fake_client::delete_nat_rule(std::string gateway_id, std::string rule_id,
                                  callback<task_ref> done) {
  if (auto err = enter(operation::delete_nat_rule))
    return done(std::move(err));
  auto gw = gateways_.find(gateway_id);
  if (gw == gateways_.end())
    return done(unknown_parent(gateway_id));
  auto rules = nat_rules_.find(gateway_id);
  if (rules == nat_rules_.end() || !rules->second.contains(rule_id))
    return done(unknown_id(rule_id));
  if (auto err = busy_check(gateway_id))
    return done(std::move(err));
  entity_ref owner{gw->second.name, gateway_id};
  auto name = rules->second.at(rule_id).name;
  done(start_task(operation::delete_nat_rule, gateway_id, "Deleting NAT rule " + name, owner,
                  [this, gateway_id, rule_id](bool ok) {
                    if (ok)
                      nat_rules_[gateway_id].erase(rule_id);
                  }));
}

// -- client: application port profiles ---------------------------------------------------------

void fake_client::list_app_port_profiles(fiql filter,
                                         callback<std::vector<app_port_profile>> done) {
  if (auto err = enter(operation::list_app_port_profiles))
    return done(std::move(err));
  for (const auto& clause : filter.clauses())
    for (const auto& term : clause)
      if (term.field != "name" && term.field != "scope" && term.field != "id"
          && term.field != "_context")
        return done(bad_request("field '" + term.field + "' is not searchable"));
  std::vector<app_port_profile> out;
  for (const auto& [id, p] : profiles_) {
    auto get = [&p = p](std::string_view field) -> std::optional<std::string> {
      if (field == "name")
        return p.name;
      if (field == "scope")
        return p.scope;
      if (field == "id")
        return p.id;
      return p.context_entity_id; // _context
    };
    if (filter.matches(get)) {
      auto copy = p;
      copy.context_entity_id.clear(); // write-only in VCD: unset on reads
      out.push_back(std::move(copy));
    }
  }
  done(std::move(out));
}

void fake_client::get_app_port_profile(std::string profile_id, callback<app_port_profile> done) {
  if (auto err = enter(operation::get_app_port_profile))
    return done(std::move(err));
  auto i = profiles_.find(profile_id);
  if (i == profiles_.end())
    return done(unknown_id(profile_id));
  auto copy = i->second;
  copy.context_entity_id.clear();
  done(std::move(copy));
}

void fake_client::create_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  if (auto err = enter(operation::create_app_port_profile))
    return done(std::move(err));
  if (!profile.id.empty())
    return done(bad_request("id must not be set on create"));
  if (auto err = validate_app_port_profile(profile, true))
    return done(std::move(err));
  profile.id = next_id("urn:vcloud:applicationPortProfile:");
  profile.status = "PENDING";
  profile.usable_for_nat = profile.application_ports.size() == 1
                           && profile.application_ports.front().destination_ports.size() <= 1;
  auto id = profile.id;
  entity_ref owner{profile.name, id};
  profiles_[id] = std::move(profile);
  done(start_task(operation::create_app_port_profile, "",
                  "Creating application port profile " + owner.name, owner, [this, id](bool ok) {
                    if (auto i = profiles_.find(id); i != profiles_.end())
                      i->second.status = ok ? "REALIZED" : "REALIZATION_FAILED";
                  }));
}

void fake_client::update_app_port_profile(app_port_profile profile, callback<task_ref> done) {
  if (auto err = enter(operation::update_app_port_profile))
    return done(std::move(err));
  auto i = profiles_.find(profile.id);
  if (i == profiles_.end())
    return done(unknown_id(profile.id));
  if (auto err = validate_app_port_profile(profile, false))
    return done(std::move(err));
  entity_ref owner{profile.name, profile.id};
  done(start_task(
    operation::update_app_port_profile, "", "Updating application port profile " + profile.name,
    owner, [this, profile = std::move(profile)](bool ok) mutable {
      auto i = profiles_.find(profile.id);
      if (!ok || i == profiles_.end())
        return;
      profile.status = "REALIZED";
      profile.usable_for_nat = profile.application_ports.size() == 1
                               && profile.application_ports.front().destination_ports.size() <= 1;
      // NAT rules show the profile's current name (VCD keeps the reference by id).
      for (auto& [gw, rules] : nat_rules_)
        for (auto& [id, rule] : rules)
          if (rule.application_port_profile.id == profile.id)
            rule.application_port_profile.name = profile.name;
      i->second = std::move(profile);
    }));
}

void fake_client::delete_app_port_profile(std::string profile_id, callback<task_ref> done) {
  if (auto err = enter(operation::delete_app_port_profile))
    return done(std::move(err));
  auto i = profiles_.find(profile_id);
  if (i == profiles_.end())
    return done(unknown_id(profile_id));
  for (const auto& [gw, rules] : nat_rules_)
    for (const auto& [id, r] : rules)
      if (r.application_port_profile.id == profile_id)
        return done(bad_request("application port profile '" + i->second.name
                                + "' is in use by NAT rule '" + r.name + "'"));
  for (const auto& [gw, rules] : firewall_rules_)
    for (const auto& r : rules)
      for (const auto& p : r.application_port_profiles)
        if (p.id == profile_id)
          return done(bad_request("application port profile '" + i->second.name
                                  + "' is in use by firewall rule '" + r.name + "'"));
  entity_ref owner{i->second.name, profile_id};
  done(start_task(operation::delete_app_port_profile, "",
                  "Deleting application port profile " + owner.name, owner,
                  [this, profile_id](bool ok) {
                    if (ok)
                      profiles_.erase(profile_id);
                  }));
}

// -- client: certificates and tasks -------------------------------------------------------------

void fake_client::find_certificates(std::string alias, callback<std::vector<certificate>> done) {
  if (auto err = enter(operation::find_certificates))
    return done(std::move(err));
  std::vector<certificate> out;
  for (const auto& [id, c] : certificates_)
    if (c.alias == alias)
      out.push_back(c);
  done(std::move(out));
}

void fake_client::get_task(task_ref ref, callback<task> done) {
  if (auto err = enter(operation::get_task))
    return done(std::move(err));
  auto i = tasks_.find(ref.id);
  if (i == tasks_.end())
    return done(unknown_id(ref.id));
  auto& rec = i->second;
  if (rec.snapshot.in_flight()) {
    if (rec.polls_left > 0 || (rec.ends && opts_.clock() < *rec.ends)) {
      rec.polls_left -= rec.polls_left > 0 ? 1 : 0;
      rec.snapshot.progress = 50;
    } else {
      rec.snapshot.status = rec.fail ? task_status::error : task_status::success;
      rec.snapshot.progress = 100;
      if (!rec.fail)
        rec.snapshot.result_content = rec.result_on_success;
      // Copy first: completing may touch other maps, never tasks_, but stay defensive.
      auto complete = rec.complete;
      complete(!rec.fail);
    }
  }
  done(rec.snapshot);
}

} // namespace vcdlb::vcd
