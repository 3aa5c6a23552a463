#pragma once

/// @file demo/environment.hpp
/// @brief The world `vcdlb demo` runs the controller in: the VCD simulator and the Kubernetes
/// API server double, both in-process on loopback over HTTPS, and the files a real deployment
/// would mount (VCD CA, kubeconfig, vcloud-ccm-config.yaml, basic-auth secret files) in a
/// temporary directory.
///
/// Thread-safety: `start` and the destructor from one thread; the accessors from any thread.
/// Owns the simulators, their I/O threads and the directory (removed by the destructor).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "adapters/asio/io_runner.hpp"
#include "adapters/kube/beast_client.hpp"
#include "adapters/kube/sim/api_server.hpp"
#include "adapters/vcd/sim/simulator.hpp"
#include "caf/expected.hpp"
#include "config/config.hpp"
#include "config/load.hpp"

namespace vcdlb::demo {

/// The cluster id the demo's configuration and object names use.
inline constexpr const char* demo_cluster_id =
  "urn:vcloud:entity:vmware:capvcdCluster:9b0e5a52-3c1d-4d3e-8f6a-0c2b4d6e8a10";

/// The demo's Nodes: one control plane (never a backend) and three workers. Each runs on a VM
/// of the simulator (the NIC on net1 has `internal_ip`), in VDC `vdc` of zone `zone`; they are
/// registered as a kubelet with `--cloud-provider=external` does (uninitialized taint, no
/// InternalIP), and the controller's node duties initialize them.
struct demo_node {
  std::string name;
  std::string internal_ip;
  bool control_plane = false;
  std::string vdc = "vdc1";
  std::string zone = "zone-1";
};
[[nodiscard]] std::vector<demo_node> demo_nodes();

/// The `vcloud-ccm-config.yaml` for `mode` against the simulator's built-in scenario at
/// `vcd_url` (org1/vdc1, network net1, certificate alias vcdlb-sim-cert), verifying VCD with
/// `ca_file`, with short leader-election timings and fast task polling. Pure.
[[nodiscard]] std::string demo_cloud_config(config::lb_mode mode, const std::string& vcd_url,
                                            const std::string& ca_file);

struct environment_options {
  config::lb_mode mode = config::lb_mode::c;
  /// How long each simulated VCD task runs (VCD's own take seconds).
  std::chrono::milliseconds task_duration{50};
};

class environment {
public:
  /// Makes the directory, starts both simulators, writes the files and creates the Nodes.
  /// Errors: net_errc from the servers, config_errc::unreadable_file when a file cannot be
  /// written.
  [[nodiscard]] static caf::expected<std::unique_ptr<environment>> start(environment_options opts);

  /// Stops the simulators and removes the directory.
  ~environment();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  [[nodiscard]] config::lb_mode mode() const noexcept { return mode_; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  [[nodiscard]] std::filesystem::path cloud_config() const {
    return dir_ / "vcloud-ccm-config.yaml";
  }
  [[nodiscard]] std::filesystem::path secrets_dir() const { return dir_ / "basic-auth"; }
  [[nodiscard]] std::filesystem::path vcd_ca() const { return dir_ / "vcd-ca.pem"; }
  /// Upstream's zones file for the demo's two VDCs (config/zones.hpp).
  [[nodiscard]] std::filesystem::path zones_file() const { return dir_ / "vcloud-cse-zones.yaml"; }

  [[nodiscard]] vcd::sim::simulator& vcd() noexcept { return *vcd_; }
  [[nodiscard]] kube::sim::api_server& kube() noexcept { return *kube_; }

  /// The configuration and credentials as `vcdlb controller` would load them from the files.
  [[nodiscard]] caf::expected<config::loaded_config> load_config() const;

  /// A client of the API server double made from the kubeconfig (what `kubectl` would use);
  /// the environment keeps it and shuts it down before its I/O threads stop.
  [[nodiscard]] caf::expected<std::shared_ptr<kube::beast_client>> make_client();

private:
  environment() = default;
  caf::error start_impl(const environment_options& opts);

  config::lb_mode mode_ = config::lb_mode::c;
  std::filesystem::path dir_;
  std::unique_ptr<vcd::sim::simulator> vcd_;
  // Declared before the server that runs on it, so it is stopped after the server.
  std::unique_ptr<asio_bridge::io_runner> io_;
  std::unique_ptr<kube::sim::api_server> kube_;
  std::vector<std::shared_ptr<kube::beast_client>> clients_;
};

} // namespace vcdlb::demo
