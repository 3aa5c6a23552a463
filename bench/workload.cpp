#include "bench/workload.hpp"

#include <algorithm>
#include <cstdio>

namespace vcdlb::bench {

namespace {

// Node ports count up from 30000 and wrap into 1024-65535 past it: a 20 000 x 2 workload needs
// more ports than one range holds, and the engine needs them valid, not unique.
int node_port_at(int n) {
  return 1024 + (n - 1024) % (65536 - 1024);
}

std::string service_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "svc-%05d", i);
  return buf;
}

node_def make_node(int i) {
  return {"node-" + std::to_string(i),
          "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2)};
}

} // namespace

std::string_view to_string(phase_kind k) noexcept {
  switch (k) {
  case phase_kind::create:
    return "create";
  case phase_kind::resync:
    return "resync";
  case phase_kind::update:
    return "update";
  case phase_kind::churn:
    return "churn";
  case phase_kind::shared_ports:
    return "shared-ports";
  case phase_kind::remove:
    return "delete";
  case phase_kind::drift_repair:
    return "drift-repair";
  case phase_kind::churn_endpoints:
    return "churn-endpoints";
  case phase_kind::restart:
    return "restart";
  }
  return "?";
}

std::optional<scenario_plan> plan_for(std::string_view name) {
  using k = phase_kind;
  scenario_plan p;
  p.name = std::string{name};
  if (name == "create")
    p.steps = {{k::create, true}};
  else if (name == "update")
    p.steps = {{k::create, false}, {k::update, true}};
  else if (name == "churn")
    p.steps = {{k::create, false}, {k::churn, true}};
  else if (name == "delete")
    p.steps = {{k::create, false}, {k::remove, true}};
  else if (name == "resync")
    p.steps = {{k::create, false}, {k::resync, true}};
  else if (name == "restart")
    p.steps = {{k::create, false}, {k::restart, true}};
  else if (name == "drift-repair")
    p.steps = {{k::create, false}, {k::drift_repair, true}};
  else if (name == "churn-endpoints") {
    p.steps = {{k::create, false}, {k::churn_endpoints, true}};
    p.local = true;
  } else if (name == "shared-ports") {
    p.steps = {{k::create, false}, {k::shared_ports, true}};
    p.shared = true;
  } else if (name == "all")
    p.steps = {
      {k::create, true}, {k::resync, true}, {k::update, true}, {k::churn, true}, {k::remove, true}};
  else
    return std::nullopt;
  return p;
}

std::vector<std::string> scenario_names() {
  return {"create", "update",       "churn",           "shared-ports", "delete",
          "resync", "drift-repair", "churn-endpoints", "restart",      "all"};
}

cluster_state initial_state(const workload_options& o, bool shared) {
  cluster_state s;
  int group = std::max(2, o.share_group);
  int node_port = 30000;
  for (int i = 0; i < o.services; ++i) {
    service_def svc;
    svc.name = service_name(i);
    int base = 8000;
    if (shared) {
      svc.sharing_key = "share-" + std::to_string(i / group);
      base += (i % group) * o.ports;
    }
    for (int j = 0; j < o.ports; ++j)
      svc.ports.push_back({"p" + std::to_string(j), base + j, node_port_at(node_port++)});
    s.services.push_back(std::move(svc));
  }
  for (int i = 0; i < o.nodes; ++i)
    s.nodes.push_back(make_node(i));
  return s;
}

void make_local(cluster_state& s) {
  for (size_t i = 0; i < s.services.size(); ++i) {
    auto& svc = s.services[i];
    svc.local = true;
    svc.endpoint_nodes.clear();
    if (!s.nodes.empty())
      svc.endpoint_nodes.push_back(s.nodes[i % s.nodes.size()].name);
  }
}

cluster_state apply_phase(phase_kind k, const cluster_state& before, int generation) {
  cluster_state after = before;
  switch (k) {
  case phase_kind::create:
  case phase_kind::resync:
  case phase_kind::drift_repair:
    break;
  case phase_kind::remove:
    after.services.clear();
    break;
  case phase_kind::update:
  case phase_kind::restart: {
    // Node ports continue past every one in use so the new ports never collide.
    int next = 30000;
    for (const auto& svc : before.services)
      for (const auto& p : svc.ports)
        next = std::max(next, p.node_port + 1);
    for (auto& svc : after.services) {
      if (svc.ports.empty())
        continue;
      svc.ports.pop_back();
      svc.ports.push_back(
        {"u" + std::to_string(generation), 9000 + generation % 1000, node_port_at(next++)});
    }
    break;
  }
  case phase_kind::churn_endpoints: {
    // Every Local Service's pod moves to the node after the one it ran on.
    if (after.nodes.size() < 2)
      break;
    for (auto& svc : after.services) {
      if (!svc.local || svc.endpoint_nodes.empty())
        continue;
      auto at = std::find_if(after.nodes.begin(), after.nodes.end(),
                             [&](const node_def& n) { return n.name == svc.endpoint_nodes[0]; });
      auto next = at == after.nodes.end() ? 0 : (at - after.nodes.begin() + 1) % after.nodes.size();
      svc.endpoint_nodes = {after.nodes[static_cast<size_t>(next)].name};
    }
    break;
  }
  case phase_kind::churn: {
    if (after.nodes.empty())
      break;
    // Replace the first node by a new one past every existing index.
    after.nodes.erase(after.nodes.begin());
    after.nodes.push_back(make_node(static_cast<int>(before.nodes.size()) + 100 + generation));
    break;
  }
  case phase_kind::shared_ports: {
    // Within each sharing group, Service i takes the port numbers Service i+1 releases in
    // the same phase, and the last Service moves to numbers nobody used: a chain of edits
    // on one IP where each claim waits for the release of the one before. (A full rotation
    // is a cycle that only converges if a Service releases before it claims.)
    size_t i = 0;
    while (i < before.services.size()) {
      size_t j = i;
      while (j < before.services.size()
             && before.services[j].sharing_key == before.services[i].sharing_key)
        ++j;
      if (!before.services[i].sharing_key.empty() && j - i > 1) {
        for (size_t m = i; m < j; ++m) {
          auto& svc = after.services[m];
          for (size_t p = 0; p < svc.ports.size(); ++p) {
            if (m + 1 < j && p < before.services[m + 1].ports.size())
              svc.ports[p].port = before.services[m + 1].ports[p].port;
            else
              svc.ports[p].port = 20000 + generation % 100 * 100 + static_cast<int>(p);
          }
        }
      }
      i = j;
    }
    break;
  }
  }
  return after;
}

} // namespace vcdlb::bench
