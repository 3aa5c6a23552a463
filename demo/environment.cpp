#include "demo/environment.hpp"

#include <cstdlib>
#include <fstream>
#include <system_error>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "adapters/kube/kubeconfig.hpp"
#include "config/parse.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::demo {

namespace {

namespace fs = std::filesystem;

caf::error write_file(const fs::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  out.close();
  if (!out)
    return caf::make_error(config_errc::unreadable_file, "cannot write " + path.string());
  return {};
}

caf::expected<fs::path> make_temp_dir() {
  std::error_code ec;
  auto base = fs::temp_directory_path(ec);
  if (ec)
    base = "/tmp";
  auto pattern = (base / "vcdlb-demo-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return caf::make_error(config_errc::unreadable_file, "cannot create a directory like "
                                                           + (base / "vcdlb-demo-XXXXXX").string());
  return fs::path{pattern};
}

boost::json::object node_object(const demo_node& n) {
  boost::json::object labels{{"kubernetes.io/hostname", n.name}};
  if (n.control_plane)
    labels["node-role.kubernetes.io/control-plane"] = "";
  // As a kubelet started with --cloud-provider=external registers it: tainted, no InternalIP.
  return boost::json::object{
    {"apiVersion", "v1"},
    {"kind", "Node"},
    {"metadata", boost::json::object{{"name", n.name}, {"labels", std::move(labels)}}},
    {"spec",
     boost::json::object{{"taints", boost::json::array{boost::json::object{
                                      {"key", "node.cloudprovider.kubernetes.io/uninitialized"},
                                      {"value", "true"},
                                      {"effect", "NoSchedule"}}}}}},
    {"status", boost::json::object{{"conditions", boost::json::array{boost::json::object{
                                                    {"type", "Ready"}, {"status", "True"}}}},
                                   {"addresses", boost::json::array{boost::json::object{
                                                   {"type", "Hostname"}, {"address", n.name}}}}}}};
}

// The built-in scenario plus a second VDC and the cluster's VMs: one vApp per VDC, named
// <vAppName>_<vdc uuid> as upstream's multi-zone clusters have them.
vcd::sim::scenario demo_scenario() {
  auto s = vcd::sim::default_scenario();
  auto& org = s.orgs.front();
  vcd::sim::vdc vdc2;
  vdc2.name = "vdc2";
  vdc2.id = vcd::sim::derived_urn("vdc", org.name + "/vdc2");
  org.vdcs.push_back(std::move(vdc2));
  for (auto& v : org.vdcs) {
    vcd::sim::vapp_spec vapp;
    vapp.name = "vcdlb-demo_" + v.id.substr(v.id.rfind(':') + 1);
    for (const auto& n : demo_nodes())
      if (n.vdc == v.name)
        vapp.vms.push_back({n.name, "", 4, 0, {{"net1", n.internal_ip, "", "", true}}});
    v.vapps.push_back(std::move(vapp));
  }
  return s;
}

} // namespace

std::vector<demo_node> demo_nodes() {
  return {{"control-plane-1", "10.10.0.10", true, "vdc1", "zone-1"},
          {"worker-1", "10.10.0.21", false, "vdc1", "zone-1"},
          {"worker-2", "10.10.0.22", false, "vdc2", "zone-2"},
          {"worker-3", "10.10.0.23", false, "vdc2", "zone-2"}};
}

std::string demo_cloud_config(config::lb_mode mode, const std::string& vcd_url,
                              const std::string& ca_file) {
  std::string y;
  y += "# Written by `vcdlb demo` for the in-process VCD simulator (mode ";
  y += std::string{config::to_string(mode)} + ").\n";
  y += "vcd:\n";
  y += "  host: \"" + vcd_url + "\"\n";
  y += "  org: \"org1\"\n";
  y += "  vdc: \"vdc1\"\n";
  y += "  isZoneEnabledCluster: true\n";
  y += "loadbalancer:\n";
  y += "  network: \"net1\"\n";
  y += std::string{"  enableVirtualServiceSharedIP: "}
       + (mode == config::lb_mode::a ? "false" : "true") + "\n";
  if (mode != config::lb_mode::c) {
    y += "  oneArm:\n";
    y += "    startIP: \"192.168.8.2\"\n";
    y += "    endIP: \"192.168.8.250\"\n";
  }
  y += "  certAlias: \"vcdlb-sim-cert\"\n";
  y += std::string{"clusterid: "} + demo_cluster_id + "\n";
  y += "vAppName: vcdlb-demo\n";
  y += "vcdlb:\n";
  y += "  vcd:\n";
  y += "    taskPoll:\n";
  y += "      initialInterval: 20ms\n";
  y += "      maxInterval: 500ms\n";
  y += "    tls:\n";
  y += "      caFile: \"" + ca_file + "\"\n";
  y += "  leaderElection:\n";
  y += "    leaseNamespace: kube-system\n";
  y += "    leaseDuration: 3s\n";
  y += "    renewDeadline: 2s\n";
  y += "    retryPeriod: 500ms\n";
  y += "  log:\n";
  y += "    level: warn\n";
  return y;
}

caf::expected<std::unique_ptr<environment>> environment::start(environment_options opts) {
  std::unique_ptr<environment> env{new environment()};
  if (auto err = env->start_impl(opts))
    return err; // the destructor cleans up whatever was started
  return env;
}

caf::error environment::start_impl(const environment_options& opts) {
  mode_ = opts.mode;
  auto dir = make_temp_dir();
  if (!dir)
    return dir.error();
  dir_ = *dir;

  vcd::sim::simulator_options vo;
  vo.core.seed_state = demo_scenario();
  vo.core.faults.task_duration = opts.task_duration;
  auto vcd = vcd::sim::simulator::start(vo);
  if (!vcd)
    return vcd.error();
  vcd_ = std::move(*vcd);

  io_ = std::make_unique<asio_bridge::io_runner>("demo-kube-io", 1);
  kube::sim::api_server_options ko;
  ko.kubeconfig_path = kubeconfig().string();
  auto server = kube::sim::api_server::start(io_->context(), ko);
  if (!server)
    return server.error();
  kube_ = std::move(*server);

  if (auto err = write_file(vcd_ca(), vcd_->ca_pem()))
    return err;
  if (auto err = write_file(cloud_config(), demo_cloud_config(mode_, vcd_->url(), vcd_ca())))
    return err;
  if (auto err = write_file(zones_file(), "zoneType: dcgroup\nzones:\n- name: zone-1\n  ovdcName: "
                                          "vdc1\n- name: zone-2\n  ovdcName: vdc2\n"))
    return err;
  std::error_code ec;
  fs::create_directories(secrets_dir(), ec);
  if (ec)
    return caf::make_error(config_errc::unreadable_file,
                           "cannot create " + secrets_dir().string() + ": " + ec.message());
  // The simulator's built-in tenant user (adapters/vcd/sim/scenario.hpp).
  if (auto err = write_file(secrets_dir() / "username", "admin\n"))
    return err;
  if (auto err = write_file(secrets_dir() / "password", "admin-password\n"))
    return err;

  for (const auto& n : demo_nodes()) {
    auto r = kube_->core().put_object(node_object(n));
    if (!r)
      return caf::make_error(kube_errc::invalid,
                             "cannot create Node " + n.name + ": " + r.error().message);
  }
  return {};
}

environment::~environment() {
  for (auto& c : clients_)
    c->shutdown();
  clients_.clear();
  if (kube_)
    kube_->stop();
  if (io_)
    io_->stop();
  kube_.reset();
  if (vcd_)
    vcd_->stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

caf::expected<config::loaded_config> environment::load_config() const {
  auto loaded = config::load_all(cloud_config(), secrets_dir(), config::parse_options{});
  if (!loaded)
    return loaded.error();
  return std::move(loaded).value();
}

caf::expected<std::shared_ptr<kube::beast_client>> environment::make_client() {
  auto conn = kube::load_kubeconfig(kubeconfig().string(), "");
  if (!conn)
    return conn.error();
  kube::beast_client_options o;
  o.connection = std::move(*conn);
  o.proxy_from_environment = false;
  o.qps = 50;
  o.burst = 100;
  o.user_agent = "vcdlb-demo";
  auto c = kube::beast_client::make(io_->context(), std::move(o));
  if (!c)
    return c.error();
  clients_.push_back(*c);
  return *c;
}

} // namespace vcdlb::demo
