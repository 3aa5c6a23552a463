#include "demo/services.hpp"

#include <cstdio>

#include "protocol/service.hpp"

namespace vcdlb::demo {

namespace {

kube::service_snapshot lb(std::string name) {
  kube::service_snapshot s;
  s.ns = "default";
  s.name = std::move(name);
  s.type = "LoadBalancer";
  s.labels = {{"app.kubernetes.io/part-of", "vcdlb-demo"}};
  return s;
}

kube::service_port tcp(std::string name, int32_t port, std::string app_protocol = {}) {
  return {std::move(name), "TCP", port, 0, std::move(app_protocol)};
}

} // namespace

std::vector<demo_service> demo_services(uint32_t generated) {
  std::vector<demo_service> out;

  auto web = lb("web");
  web.ports = {tcp("http", 80, "http"), tcp("https", 443, "https")};
  web.annotations = {{std::string{annotations::ssl_ports}, "443"},
                     {std::string{annotations::ssl_cert_alias}, demo_cert_alias}};
  out.push_back({std::move(web), "HTTP + HTTPS (ssl annotations)", "", ""});

  auto dns = lb("dns");
  dns.ports = {{"dns", "UDP", 53, 0, ""}};
  out.push_back({std::move(dns), "UDP", "", ""});

  auto shared_a = lb("shared-a");
  shared_a.ports = {tcp("api", 8080)};
  shared_a.annotations = {{std::string{annotations::allow_shared_ip}, demo_sharing_key}};
  out.push_back({std::move(shared_a), "allow-shared-ip", "", ""});

  auto shared_b = lb("shared-b");
  shared_b.ports = {tcp("admin", 8443)};
  shared_b.annotations = {{std::string{annotations::allow_shared_ip}, demo_sharing_key}};
  out.push_back({std::move(shared_b), "allow-shared-ip", "", "shared-a"});

  auto pinned = lb("pinned");
  pinned.ports = {tcp("http", 80)};
  pinned.load_balancer_ip = demo_pinned_ip;
  out.push_back({std::move(pinned), "loadBalancerIP", demo_pinned_ip, ""});

  for (uint32_t i = 1; i <= generated; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "gen-%03u", i);
    auto svc = lb(name);
    svc.ports = {tcp("http", 80)};
    if (i % 2 == 0)
      svc.ports.push_back(tcp("metrics", 9100));
    out.push_back({std::move(svc), "generated", "", ""});
  }
  return out;
}

std::string ports_text(const kube::service_snapshot& svc) {
  std::string out;
  for (const auto& p : svc.ports) {
    if (!out.empty())
      out += ',';
    out += std::to_string(p.port) + "/" + p.protocol;
  }
  return out;
}

} // namespace vcdlb::demo
