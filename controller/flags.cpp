#include "controller/flags.hpp"

#include <set>

#include "config/duration.hpp"
#include "config/load.hpp"

namespace vcdlb {

void add_controller_flags(CLI::App& cli, controller_flags& f) {
  cli.add_option("--cloud-config", f.cloud_config, "the vcloud-ccm-config.yaml file")
    ->capture_default_str()
    ->type_name("FILE");
  cli
    .add_option("--secrets-dir", f.secrets_dir,
                "directory with the refreshToken, username and password files")
    ->capture_default_str()
    ->type_name("DIR");
  add_vcdlb_source_flags(cli, f.vcdlb_config, f.vcd_ca_file);
  cli
    .add_option("--kubeconfig", f.kubeconfig,
                "kubeconfig file; default: $KUBECONFIG, else in-cluster config, else "
                "~/.kube/config")
    ->type_name("FILE");
  cli.add_option("--context", f.context, "kubeconfig context (default: current-context)");
  // A flag that also takes `=false` (Go's strconv.ParseBool spellings); CLI11 reports a true
  // value as a positive count and a false one as a negative count.
  cli
    .add_flag_function(
      "--leader-elect", [&f](int64_t count) { f.leader_elect = count > 0; },
      "elect a leader on a Lease before reconciling; --leader-elect=false turns it off "
      "(default: vcdlb.leaderElection.enabled, true)")
    ->check(CLI::IsMember(
      {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}));
  cli.add_option("--leader-elect-lease-name", f.lease_name,
                 "name of the Lease (default: vcdlb.leaderElection.leaseName)");
  cli.add_option("--leader-elect-namespace", f.lease_namespace,
                 "namespace of the Lease (default: vcdlb.leaderElection.leaseNamespace)");
  cli
    .add_option("--leader-elect-lease-duration", f.lease_duration,
                "how long a standby waits before taking over a silent leader (Go duration)")
    ->type_name("DURATION");
  cli
    .add_option("--leader-elect-renew-deadline", f.renew_deadline,
                "how long the leader keeps trying to renew before it gives up (Go duration)")
    ->type_name("DURATION");
  cli
    .add_option("--leader-elect-retry-period", f.retry_period,
                "pause between acquire and renew attempts (Go duration)")
    ->type_name("DURATION");
  cli
    .add_option("--metrics-bind-address", f.metrics_address,
                "HOST:PORT for /metrics, /healthz and /readyz; \"\" turns it off (default: "
                "vcdlb.metricsAddress)")
    ->expected(0, 1) // so that `--metrics-bind-address=` (empty) is accepted
    ->type_name("HOST:PORT");
  cli.add_option("--log-format", f.log_format, "text or json (default: vcdlb.log.format)")
    ->check(CLI::IsMember({"text", "json"}));
  cli
    .add_option("-v,--v", f.verbosity,
                "log verbosity like klog: 0-3 info, 4-5 debug, 6+ trace (default: "
                "vcdlb.log.level)")
    ->check(CLI::NonNegativeNumber);
  cli
    .add_option("--kube-api-qps", f.kube_api_qps,
                "requests per second to the Kubernetes API, per client (status and finalizers; "
                "Events have their own client with the same budget); default 20 as in "
                "cloud-controller-manager")
    ->type_name("QPS");
  cli
    .add_option("--kube-api-burst", f.kube_api_burst,
                "burst above --kube-api-qps, per client; default 30 as in "
                "cloud-controller-manager")
    ->type_name("N");
  cli
    .add_option("--controllers", f.controllers,
                "controllers to run: service, cloud-node, cloud-node-lifecycle; * = all "
                "(default), -name leaves one out (e.g. --controllers=*,-cloud-node-lifecycle, or "
                "--controllers=service beside the upstream provider's cloud-node controllers)")
    ->delimiter(',')
    ->type_name("LIST");
  cli
    .add_option("--zones-file", f.zones_file,
                "the zones file of a cluster with vcd.isZoneEnabledCluster (default: upstream's "
                "/opt/vmware-cloud-director/ccm/vcloud-cse-zones.yaml)")
    ->type_name("FILE");
  cli
    .add_option("--vm-read-period", f.vm_read_period,
                "how often the node duties read the cluster's VMs from VCD (one vApp query and "
                "one GET per vApp, whatever the number of Nodes); default 1m")
    ->type_name("DURATION");
  cli.add_option("--concurrent-service-syncs", f.concurrent_service_syncs,
                 "accepted for compatibility with cloud-controller-manager; no effect (every "
                 "Service has its own reconciler)");
}

void add_vcdlb_source_flags(CLI::App& cli, std::string& vcdlb_config, std::string& vcd_ca_file) {
  cli
    .add_option("--vcdlb-config", vcdlb_config,
                "YAML file with vcdlb's own settings (the keys of the vcdlb: section), so the "
                "upstream cloud config stays unchanged; its keys win over that section's")
    ->type_name("FILE");
  cli
    .add_option("--vcd-ca-file", vcd_ca_file,
                "PEM bundle of the CA(s) that VCD's certificate is verified against (wins over "
                "vcdlb.vcd.tls.caFile; default: the system trust store)")
    ->type_name("FILE");
}

std::string level_for_verbosity(int v) {
  if (v >= 6)
    return "trace";
  if (v >= 4)
    return "debug";
  return "info";
}

namespace {

void apply_duration(const std::string& text, const char* flag, std::chrono::milliseconds& out,
                    std::vector<config::problem>& problems) {
  if (text.empty())
    return;
  auto d = config::parse_duration(text);
  if (!d || *d <= std::chrono::nanoseconds::zero()) {
    problems.push_back({config_errc::invalid_value, flag, 0, 0,
                        "\"" + text + "\" is not a positive duration like 15s or 500ms", ""});
    return;
  }
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

} // namespace

config::checked<controller_selection> parse_controllers(const std::vector<std::string>& values) {
  std::vector<config::problem> problems;
  bool all = values.empty();
  std::set<std::string> on;
  std::set<std::string> off;
  const std::set<std::string> known{"service", "cloud-node", "cloud-node-lifecycle"};
  for (const auto& raw : values) {
    auto v = raw;
    if (v == "*") {
      all = true;
      continue;
    }
    bool negate = !v.empty() && v.front() == '-';
    auto name = negate ? v.substr(1) : v;
    if (name == "route" && negate)
      continue; // VCD has no routes: nothing to leave out
    if (known.count(name) == 0) {
      problems.push_back({config_errc::invalid_value, "--controllers", 0, 0,
                          "unknown controller \"" + name
                            + "\" (vcdlb runs service, cloud-node and cloud-node-lifecycle"
                            + (name == "route" ? "; VCD has no routes" : "") + ")",
                          ""});
      continue;
    }
    (negate ? off : on).insert(name);
  }
  if (!problems.empty())
    return problems;
  auto pick = [&](const std::string& name) {
    return off.count(name) == 0 && (all || on.count(name) != 0);
  };
  controller_selection out;
  out.service = pick("service");
  out.cloud_node = pick("cloud-node");
  out.cloud_node_lifecycle = pick("cloud-node-lifecycle");
  if (!out.service && !out.cloud_node && !out.cloud_node_lifecycle)
    return std::vector<config::problem>{
      {config_errc::invalid_value, "--controllers", 0, 0, "selects no controller", ""}};
  return out;
}

config::checked<controller_options> make_controller_options(const controller_flags& f,
                                                            config::parse_options parse) {
  parse.vcdlb_config_file = f.vcdlb_config;
  parse.vcd_ca_file = f.vcd_ca_file;
  auto loaded = config::load_all(f.cloud_config, f.secrets_dir, parse);
  if (!loaded)
    return loaded.problems();
  controller_options opts;
  opts.loaded = std::move(loaded.value());
  auto& v = opts.loaded.config.vcdlb;
  std::vector<config::problem> problems;
  auto& le = v.leader_election;
  if (f.leader_elect)
    le.enabled = *f.leader_elect;
  if (!f.lease_name.empty())
    le.lease_name = f.lease_name;
  if (!f.lease_namespace.empty())
    le.lease_namespace = f.lease_namespace;
  apply_duration(f.lease_duration, "--leader-elect-lease-duration", le.lease_duration, problems);
  apply_duration(f.renew_deadline, "--leader-elect-renew-deadline", le.renew_deadline, problems);
  apply_duration(f.retry_period, "--leader-elect-retry-period", le.retry_period, problems);
  std::chrono::milliseconds vm_read_period = opts.vm_read_period;
  apply_duration(f.vm_read_period, "--vm-read-period", vm_read_period, problems);
  if (f.metrics_address)
    v.metrics_address = *f.metrics_address;
  if (f.kube_api_qps && !(*f.kube_api_qps > 0 && *f.kube_api_qps <= 100000))
    problems.push_back({config_errc::invalid_value, "--kube-api-qps", 0, 0,
                        "must be a number of requests per second above 0 (at most 100000)", ""});
  if (f.kube_api_burst && (*f.kube_api_burst < 1 || *f.kube_api_burst > 100000))
    problems.push_back(
      {config_errc::invalid_value, "--kube-api-burst", 0, 0, "must be 1 to 100000", ""});
  v.log = effective_logging(f, v.log);
  auto selection = parse_controllers(f.controllers);
  if (!selection)
    for (const auto& p : selection.problems())
      problems.push_back(p);
  if (problems.empty()) {
    // Flags may have broken a rule the file alone kept (leaseDuration > renewDeadline > ...).
    // A flag address is checked by the ops endpoint when it binds; unlike the file it may ask
    // for port 0 (any free port), which tests and embedders use.
    for (auto& p : config::validate(opts.loaded.config))
      if (!(f.metrics_address && p.key == "vcdlb.metricsAddress"))
        problems.push_back(std::move(p));
  }
  if (!problems.empty())
    return problems;
  opts.kubeconfig = f.kubeconfig;
  opts.kube_context = f.context;
  opts.leader_elect = le.enabled;
  opts.metrics_address = v.metrics_address;
  if (f.kube_api_qps)
    opts.kube_qps = *f.kube_api_qps;
  if (f.kube_api_burst)
    opts.kube_burst = *f.kube_api_burst;
  opts.run_service = selection.value().service;
  opts.run_cloud_node = selection.value().cloud_node;
  opts.run_cloud_node_lifecycle = selection.value().cloud_node_lifecycle;
  if (!f.zones_file.empty())
    opts.zones_file = f.zones_file;
  opts.vm_read_period = vm_read_period;
  return opts;
}

config::log_section effective_logging(const controller_flags& f, const config::log_section& file) {
  auto out = file;
  if (f.log_format == "json")
    out.format = config::log_format::json;
  else if (f.log_format == "text")
    out.format = config::log_format::text;
  if (f.verbosity)
    out.level = level_for_verbosity(*f.verbosity);
  return out;
}

} // namespace vcdlb
