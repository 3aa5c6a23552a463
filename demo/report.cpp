#include "demo/report.hpp"

#include <algorithm>
#include <array>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actors/naming.hpp"

namespace vcdlb::demo {

namespace {

namespace json = boost::json;

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string first_ip(const kube::service_snapshot& s) {
  for (const auto& in : s.ingress)
    if (!in.ip.empty())
      return in.ip;
  return {};
}

std::string counts_text(const object_counts& c) {
  return std::to_string(c.virtual_services) + " VS, " + std::to_string(c.pools) + " pools, "
         + std::to_string(c.dnat_rules) + " DNAT, " + std::to_string(c.app_port_profiles)
         + " profiles";
}

/// Finds the owner of an object name among the demo Services: namespaced names by their
/// Service hash, upstream names (no namespace) by the Service name.
class owner_index {
public:
  owner_index(const std::vector<demo_service>& wanted, std::string_view cluster_id)
    : cluster_id_(cluster_id) {
    for (size_t i = 0; i < wanted.size(); ++i) {
      const auto& o = wanted[i].object;
      by_hash_.emplace(naming::service_hash(cluster_id, {o.ns, o.name}), i);
      by_name_.emplace(o.name, i);
    }
  }

  /// The index of the owning Service; -1 for an object of this cluster owned by none of
  /// them; -2 for names that are not this cluster's load-balancer objects.
  [[nodiscard]] long owner(std::string_view object_name) const {
    auto parsed = naming::parse(object_name, cluster_id_);
    if (!parsed)
      return -2;
    if (parsed->scheme == config::naming_scheme::namespaced) {
      auto i = by_hash_.find(parsed->service_hash);
      return i == by_hash_.end() ? -1 : static_cast<long>(i->second);
    }
    auto i = by_name_.find(parsed->service);
    return i == by_name_.end() ? -1 : static_cast<long>(i->second);
  }

private:
  std::string cluster_id_;
  std::unordered_map<std::string, size_t> by_hash_;
  std::unordered_map<std::string, size_t> by_name_;
};

} // namespace

object_counts expected_counts(config::lb_mode mode, int ports) noexcept {
  object_counts c;
  c.virtual_services = ports;
  c.pools = ports;
  if (mode != config::lb_mode::c) {
    c.dnat_rules = ports;
    c.app_port_profiles = ports;
  }
  return c;
}

observation observe(const std::vector<demo_service>& wanted,
                    const std::vector<kube::service_snapshot>& live, const json::value& vcd_dump,
                    config::lb_mode mode, std::string_view cluster_id) {
  observation obs;
  obs.rows.resize(wanted.size());
  std::map<std::string, const kube::service_snapshot*> listed;
  for (const auto& s : live)
    if (s.ns == "default")
      listed.emplace(s.name, &s);
  for (size_t i = 0; i < wanted.size(); ++i) {
    auto& row = obs.rows[i];
    row.name = wanted[i].object.name;
    row.feature = wanted[i].feature;
    row.ports = ports_text(wanted[i].object);
    if (auto l = listed.find(row.name); l != listed.end())
      row.external_ip = first_ip(*l->second);
  }

  owner_index owners{wanted, cluster_id};
  auto count = [&](const char* array, int object_counts::*field) {
    const auto* root = vcd_dump.if_object();
    const auto* arr = root == nullptr ? nullptr : root->if_contains(array);
    if (arr == nullptr || !arr->is_array())
      return;
    for (const auto& item : arr->get_array()) {
      const auto* obj = item.if_object();
      const auto* name = obj == nullptr ? nullptr : obj->if_contains("name");
      if (name == nullptr || !name->is_string())
        continue;
      auto owner = owners.owner(name->get_string());
      if (owner >= 0)
        ++(obs.rows[static_cast<size_t>(owner)].objects.*field);
      else if (owner == -1)
        ++obs.foreign_objects;
    }
  };
  count("virtual_services", &object_counts::virtual_services);
  count("pools", &object_counts::pools);
  count("nat_rules", &object_counts::dnat_rules);
  count("app_port_profiles", &object_counts::app_port_profiles);

  std::map<std::string, std::string> ip_of;
  for (const auto& row : obs.rows)
    ip_of[row.name] = row.external_ip;
  for (size_t i = 0; i < wanted.size(); ++i) {
    auto& row = obs.rows[i];
    const auto& want = wanted[i];
    auto expected = expected_counts(mode, static_cast<int>(want.object.ports.size()));
    if (!listed.contains(row.name))
      row.problem = "not listed by the API";
    else if (row.external_ip.empty())
      row.problem = "no ingress IP yet";
    else if (row.objects != expected)
      row.problem = "have " + counts_text(row.objects) + ", want " + counts_text(expected);
    else if (!want.expected_ip.empty() && row.external_ip != want.expected_ip)
      row.problem = "got " + row.external_ip + ", asked for " + want.expected_ip;
    else if (!want.shares_ip_with.empty() && ip_of[want.shares_ip_with] != row.external_ip)
      row.problem = "not sharing the IP of " + want.shares_ip_with;
    row.converged = row.problem.empty();
    obs.converged += row.converged ? 1 : 0;
  }
  return obs;
}

void convergence_clock::update(const observation& obs, std::chrono::milliseconds elapsed) {
  for (const auto& row : obs.rows) {
    if (row.converged)
      at_.try_emplace(row.name, elapsed);
    else
      at_.erase(row.name); // converged only counts once it holds
  }
}

std::optional<std::chrono::milliseconds>
convergence_clock::converged_after(const std::string& name) const {
  auto i = at_.find(name);
  if (i == at_.end())
    return std::nullopt;
  return i->second;
}

std::string progress_line(const observation& obs, std::chrono::milliseconds elapsed) {
  int objects = 0;
  for (const auto& row : obs.rows)
    objects += row.objects.total();
  char buf[128];
  std::snprintf(buf, sizeof buf, "[%6.1fs] %d/%zu Services converged, %d VCD objects",
                static_cast<double>(elapsed.count()) / 1000.0, obs.converged, obs.rows.size(),
                objects);
  return buf;
}

std::string format_table(const observation& obs, config::lb_mode mode,
                         const convergence_clock& clock) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"SERVICE", "SHOWS", "MODE", "EXTERNAL-IP", "PORTS", "VS", "POOLS", "DNAT",
                   "PROFILES", "CONVERGED"});
  std::string mode_text{config::to_string(mode)};
  for (const auto& row : obs.rows) {
    std::string done;
    if (!row.converged)
      done = "no: " + row.problem;
    else if (auto t = clock.converged_after(row.name))
      done = seconds_text(*t);
    else
      done = "yes";
    cells.push_back({"default/" + row.name, row.feature, mode_text,
                     row.external_ip.empty() ? "<pending>" : row.external_ip, row.ports,
                     std::to_string(row.objects.virtual_services),
                     std::to_string(row.objects.pools), std::to_string(row.objects.dnat_rules),
                     std::to_string(row.objects.app_port_profiles), done});
  }
  std::vector<size_t> width(cells.front().size(), 0);
  for (const auto& line : cells)
    for (size_t c = 0; c < line.size(); ++c)
      width[c] = std::max(width[c], line[c].size());
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      text += line[c];
      if (c + 1 < line.size())
        text += std::string(width[c] - line[c].size() + 2, ' ');
    }
    out += text + "\n";
  }
  int objects = 0;
  for (const auto& row : obs.rows)
    objects += row.objects.total();
  out += std::to_string(obs.converged) + "/" + std::to_string(obs.rows.size())
         + " Services converged; " + std::to_string(objects) + " VCD objects";
  if (obs.foreign_objects > 0)
    out += ", " + std::to_string(obs.foreign_objects) + " owned by no Service";
  out += "\n";
  return out;
}

bool node_initialized(const kube::node_snapshot& n) {
  if (n.provider_id.empty())
    return false;
  return std::none_of(n.taints.begin(), n.taints.end(), [](const kube::node_taint& t) {
    return t.key == "node.cloudprovider.kubernetes.io/uninitialized";
  });
}

std::string format_node_table(std::vector<kube::node_snapshot> nodes) {
  std::sort(
    nodes.begin(), nodes.end(),
    [](const kube::node_snapshot& a, const kube::node_snapshot& b) { return a.name < b.name; });
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"NODE", "PROVIDER-ID", "INTERNAL-IP", "ZONE", "TAINTS"});
  size_t initialized = 0;
  for (const auto& n : nodes) {
    std::string taints;
    for (const auto& t : n.taints)
      taints += (taints.empty() ? "" : ",") + t.key;
    auto zone = n.labels.find("topology.kubernetes.io/zone");
    auto ip = n.first_address("InternalIP");
    rows.push_back({n.name, n.provider_id.empty() ? "<none>" : n.provider_id,
                    ip.empty() ? "<none>" : ip, zone == n.labels.end() ? "<none>" : zone->second,
                    taints.empty() ? "<none>" : taints});
    initialized += node_initialized(n) ? 1 : 0;
  }
  std::array<size_t, 5> width{};
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i)
      line += r[i] + (i + 1 < r.size() ? std::string(width[i] - r[i].size() + 2, ' ') : "");
    out += line + "\n";
  }
  out += std::to_string(initialized) + "/" + std::to_string(nodes.size()) + " Nodes initialized\n";
  return out;
}

} // namespace vcdlb::demo
