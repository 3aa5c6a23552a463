#pragma once

/// @file tests/engine/engine_fixture.hpp
/// @brief A VCD fake with one org network on one edge gateway (uplink range
/// 203.0.113.10-20, one SEG), a recording status sink that applies status writes to its own
/// copy of the Services like the API server would, and helpers to build Services and Nodes.

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/vcd/fake_client.hpp"
#include "engine/status_sink.hpp"
#include "protocol/service.hpp"

namespace vcdlb::testing {

inline constexpr const char* test_cluster_id = "urn:vcloud:entity:vmware:capvcdCluster:42";

/// Applies status writes to a Service table (finalizer + ingress), records Events.
class recording_sink final : public status_sink {
public:
  void write_status(const service_status& st, done_fn done) override {
    {
      std::lock_guard guard{mutex_};
      auto& svc = services_[st.key];
      svc.key = st.key;
      svc.has_finalizer = st.finalizer_wanted;
      svc.ingress_ips = st.external_ip.empty() ? std::vector<std::string>{}
                                               : std::vector<std::string>{st.external_ip};
      ++writes_;
    }
    done({});
  }
  void record_event(const service_event& ev) override {
    std::lock_guard guard{mutex_};
    events_.push_back(ev);
  }
  /// The ingress IP last written for `key`, "" if none.
  std::string ip_of(const service_key& key) const {
    std::lock_guard guard{mutex_};
    auto i = services_.find(key);
    return i == services_.end() || i->second.ingress_ips.empty() ? "" : i->second.ingress_ips[0];
  }
  bool has_finalizer(const service_key& key) const {
    std::lock_guard guard{mutex_};
    auto i = services_.find(key);
    return i != services_.end() && i->second.has_finalizer;
  }
  size_t writes() const {
    std::lock_guard guard{mutex_};
    return writes_;
  }
  std::vector<service_event> events() const {
    std::lock_guard guard{mutex_};
    return events_;
  }
  std::vector<std::string> reasons() const {
    std::lock_guard guard{mutex_};
    std::vector<std::string> r;
    for (const auto& e : events_)
      r.push_back(e.reason);
    return r;
  }

private:
  mutable std::mutex mutex_;
  std::map<service_key, service_spec> services_;
  std::vector<service_event> events_;
  size_t writes_ = 0;
};

/// The fake's org network "lb-net" on gateway "edge-1".
inline std::shared_ptr<vcd::fake_client> make_fake_vcd(vcd::fake_options opts = {}) {
  auto fake = std::make_shared<vcd::fake_client>(std::move(opts));
  vcd::edge_gateway g;
  g.name = "edge-1";
  vcd::gateway_uplink up;
  up.uplink_name = "ext";
  vcd::gateway_subnet sub;
  sub.gateway = "203.0.113.1";
  sub.prefix_length = 24;
  sub.ip_ranges = {{"203.0.113.10", "203.0.113.20"}};
  up.subnets = {sub};
  g.uplinks = {up};
  auto gw_id = fake->add_gateway(g);
  vcd::org_vdc_network n;
  n.name = "lb-net";
  n.org_vdc = {"vdc1", "urn:vcloud:vdc:0001"};
  n.router_ref = {"edge-1", gw_id};
  fake->add_network(n);
  vcd::seg_assignment a;
  a.gateway_ref = {"edge-1", gw_id};
  a.service_engine_group_ref = {"seg1", "urn:vcloud:serviceEngineGroup:seg1"};
  fake->add_seg_assignment(a);
  return fake;
}

/// A minimal config for `mode`: network "lb-net", one-arm 192.168.8.2-100 for A and B.
inline config::cloud_config make_config(config::lb_mode mode) {
  config::cloud_config cfg;
  cfg.vcd.host = "https://vcd.example";
  cfg.vcd.org = "org1";
  cfg.vcd.vdc = "vdc1";
  cfg.loadbalancer.network = "lb-net";
  cfg.loadbalancer.cert_alias = "cert";
  cfg.cluster_id = test_cluster_id;
  cfg.vapp_name = "cluster";
  cfg.loadbalancer.enable_virtual_service_shared_ip = mode != config::lb_mode::a;
  if (mode != config::lb_mode::c)
    cfg.loadbalancer.one_arm = config::one_arm_section{"192.168.8.2", "192.168.8.100"};
  return cfg;
}

/// `type: LoadBalancer` Service with TCP ports "p<port>" -> NodePort 30000 + port % 1000.
inline service_spec lb_service(std::string ns, std::string name, std::vector<int32_t> ports) {
  service_spec s;
  s.key = {std::move(ns), std::move(name)};
  s.uid = "uid-" + s.key.ns + "-" + s.key.name;
  s.type = service_type::load_balancer;
  for (auto p : ports)
    s.ports.push_back({"p" + std::to_string(p), ip_protocol::tcp, p, 30000 + p % 1000, ""});
  return s;
}

inline node_description worker(std::string name, std::string ip) {
  node_description n;
  n.name = std::move(name);
  n.addresses = {{"InternalIP", std::move(ip)}};
  return n;
}

} // namespace vcdlb::testing
