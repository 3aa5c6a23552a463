"""End to end, the node duties: `vcdlb vcd-sim` (a vApp with VMs) + `vcdlb kube-sim` + one
`vcdlb controller --controllers=cloud-node,cloud-node-lifecycle` (the set-up beside an upstream
provider that keeps the load balancers), driven with a real kubectl (argv: vcdlb kubectl).

Checks: Nodes registered as an external-cloud-provider kubelet does (uninitialized taint) get
upstream's provider ID, the VM's addresses and no taint; a Node without a VM gets a Warning
VMNotFound Event and is left as it is, and so does one whose kubelet's --node-ip is not its VM's
(ProvidedNodeIPNotFound); the node duties' metrics count what happened; a NotReady Node whose VM is
powered off gets the shutdown taint, which goes when the VM is back; a Node whose VM is deleted is
deleted, and while VCD answers 503 nothing is.

Exits 77 (skipped) when kubectl is not installed.
"""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "adapters", "kube", "sim"))
sys.path.insert(0, HERE)
from kube_sim_harness import KubeSim, check  # noqa: E402
from e2e_support import (CLUSTER_ID, CONFIG, Process, e2e_main, kubectl_runner,  # noqa: E402
                         wait_for, write_deployment_files)

# The cluster's vApp (`vAppName: e2e` in e2e_support.CONFIG) in the built-in VDC vdc1.
VAPP = {"name": "e2e", "vms": [
    {"name": "worker-1", "nics": [{"network": "net1", "ip": "10.0.0.11"}]},
    {"name": "worker-2", "nics": [{"network": "net1", "ip": "10.0.0.12"},
                                  {"network": "storage", "ip": "172.16.0.12"}]},
    {"name": "worker-3", "nics": [{"network": "net1", "ip": "10.0.0.13"}]},
    {"name": "worker-4", "nics": [{"network": "net1", "ip": "10.0.0.14"}]}]}

NODE = """apiVersion: v1
kind: Node
metadata:
  name: {name}
  annotations: {annotations}
spec:
  taints:
  - {{key: node.cloudprovider.kubernetes.io/uninitialized, value: "true", effect: NoSchedule}}
"""

UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown"


def control(vcd_url, method, path, body=None):
    req = urllib.request.Request(vcd_url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=10, context=ssl._create_unverified_context()) as r:
        return r.status


def run(vcdlb, kubectl, work, procs, _):
    scenario = yaml.safe_load(subprocess.run([vcdlb, "vcd-sim", "--print-scenario"], check=True,
                                             capture_output=True, text=True).stdout)
    scenario["orgs"][0]["vdcs"][0]["vapps"] = [VAPP]
    scenario_file = os.path.join(work, "scenario.yaml")
    with open(scenario_file, "w") as f:
        yaml.safe_dump(scenario, f)
    vcd = Process("vcd-sim", [vcdlb, "vcd-sim", "--listen", "127.0.0.1:0",
                              "--scenario", scenario_file])
    procs.append(vcd)
    vcd_url = vcd.match(r"vcd-sim listening on (\S+)")

    with KubeSim(vcdlb) as sim:
        k = kubectl_runner(kubectl, sim.kubeconfig, os.path.join(work, "kubectl-cache"))

        def node(name):
            r = k("get", "node", name, "-o", "json", ok=False)
            return json.loads(r.stdout) if r.returncode == 0 else None

        def taints(name):
            return [t["key"] for t in ((node(name) or {}).get("spec", {}).get("taints") or [])]

        def set_ready(name, status):
            k("patch", "node", name, "--subresource=status", "--type=merge", "-p",
              json.dumps({"status": {"conditions": [{"type": "Ready", "status": status}]}}))

        for name in ("worker-1", "worker-2", "worker-3", "ghost"):
            k("create", "--validate=false", "-f", "-",
              stdin=NODE.format(name=name, annotations="{}"))
            set_ready(name, "True")
        # worker-4's kubelet was started with --node-ip=10.0.0.99, which its VM does not have.
        k("create", "--validate=false", "-f", "-", stdin=NODE.format(
            name="worker-4", annotations='{"alpha.kubernetes.io/provided-node-ip": "10.0.0.99"}'))
        set_ready("worker-4", "True")
        cfg, auth = write_deployment_files(work, vcd_url)
        ctl = Process("controller", [vcdlb, "controller", "--cloud-config", cfg,
                                     "--secrets-dir", auth, "--kubeconfig", sim.kubeconfig,
                                     "--leader-elect=false", "--metrics-bind-address=127.0.0.1:0",
                                     "--controllers=cloud-node,cloud-node-lifecycle",
                                     "--vm-read-period=1s"])
        procs.append(ctl)

        # -- initialization -----------------------------------------------------------------
        vms = json.loads(urllib.request.urlopen(
            vcd_url + "/_sim/vms", context=ssl._create_unverified_context()).read())["vms"]
        ids = {v["name"]: v["id"] for v in vms}
        for name in ("worker-1", "worker-2", "worker-3"):
            n = wait_for(name + " initialized",
                         lambda: node(name) if UNINITIALIZED not in taints(name) else None, 30)
            check(n["spec"].get("providerID") == "vmware-cloud-director://" + ids[name],
                  "%s has upstream's provider ID %s" % (name, n["spec"].get("providerID")))
        addrs = {(a["type"], a["address"]) for a in node("worker-2")["status"]["addresses"]}
        check(addrs == {("InternalIP", "10.0.0.12"), ("ExternalIP", "10.0.0.12"),
                        ("ExternalIP", "172.16.0.12"), ("Hostname", "worker-2")},
              "worker-2's addresses: InternalIP on net1, every NIC's ExternalIP, Hostname (%s)"
              % sorted(addrs))
        events = lambda: json.loads(k("get", "events", "-n", "default", "-o", "json").stdout)["items"]
        ghost = wait_for("a VMNotFound Event on ghost",
                         lambda: [e for e in events() if e["involvedObject"]["name"] == "ghost"
                                  and e["reason"] == "VMNotFound"], 30)
        check(ghost[0]["type"] == "Warning" and ghost[0]["involvedObject"]["kind"] == "Node",
              "ghost: Warning VMNotFound on the Node (%s)" % ghost[0]["message"])
        check(UNINITIALIZED in taints("ghost") and not node("ghost")["spec"].get("providerID"),
              "ghost is left as it is")
        synced = [e for e in events() if e["reason"] == "Synced"]
        check(len(synced) >= 3, "Synced Events for the initialized Nodes")
        bad_ip = wait_for("a ProvidedNodeIPNotFound Event on worker-4",
                          lambda: [e for e in events() if e["involvedObject"]["name"] == "worker-4"
                                   and e["reason"] == "ProvidedNodeIPNotFound"], 30)
        check(bad_ip[0]["type"] == "Warning" and "10.0.0.99" in bad_ip[0]["message"]
              and "10.0.0.14" in bad_ip[0]["message"],
              "worker-4: Warning naming the kubelet's IP and the VM's (%s)" % bad_ip[0]["message"])
        check(UNINITIALIZED in taints("worker-4")
              and not node("worker-4")["spec"].get("providerID"), "worker-4 is left as it is")
        metrics_url = ctl.match(r"serving /healthz, /readyz and /metrics on (\S+)")
        samples = {}
        for line in urllib.request.urlopen(metrics_url + "/metrics", timeout=10).read().decode() \
                .splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                samples[key] = float(value)
        check(samples.get('vcdlb_node_initializations_total{result="success"}') == 3
              and samples.get('vcdlb_nodes_tainted{taint="uninitialized"}') == 2
              and samples.get('vcdlb_node_problems_total{reason="VMNotFound"}') == 1
              and samples.get('vcdlb_node_problems_total{reason="ProvidedNodeIPNotFound"}') == 1
              and samples.get("vcdlb_vm_inventory_vms") == 4,
              "/metrics: 3 initialized, 2 waiting (ghost, worker-4), one problem each, 4 VMs (%s)"
              % {k: v for k, v in samples.items()
                 if k.startswith(("vcdlb_node", "vcdlb_vm_inventory"))})

        # -- powered off, then back ---------------------------------------------------------
        check(control(vcd_url, "PATCH", "/_sim/vms/worker-1", {"status": "POWERED_OFF"}) == 200,
              "worker-1's VM powered off")
        set_ready("worker-1", "Unknown")
        wait_for("the shutdown taint on worker-1", lambda: SHUTDOWN in taints("worker-1"), 30)
        check(True, "a NotReady Node whose VM is off gets the shutdown taint")
        control(vcd_url, "PATCH", "/_sim/vms/worker-1", {"status": "POWERED_ON"})
        wait_for("the shutdown taint gone", lambda: SHUTDOWN not in taints("worker-1"), 30)
        check(node("worker-1") is not None, "the taint goes when the VM is back; the Node stays")

        # -- VCD down: nothing is deleted; the VM deleted: its Node is --------------------------
        control(vcd_url, "POST", "/_sim/faults", {"rate_503": 1.0})
        check(control(vcd_url, "DELETE", "/_sim/vms/worker-3") == 204, "worker-3's VM deleted")
        set_ready("worker-3", "Unknown")
        time.sleep(5)
        check(node("worker-3") is not None, "while VCD answers 503 worker-3 stays")
        control(vcd_url, "POST", "/_sim/faults", {"rate_503": 0.0})
        wait_for("worker-3 deleted", lambda: node("worker-3") is None, 30)
        check(True, "worker-3 is deleted once VCD says its VM is gone")
        check(node("worker-2") is not None and node("ghost") is not None,
              "the other Nodes stay (ghost is Ready)")
        exposition = urllib.request.urlopen(metrics_url + "/metrics", timeout=10).read().decode()
        deletions = [line for line in exposition.splitlines()
                     if line.startswith("vcdlb_node_deletions_total")]
        check(deletions == ["vcdlb_node_deletions_total 1"],
              "/metrics: one deletion (%s)" % deletions)
        ctl.kill(signal.SIGTERM)
        check(ctl.proc.wait(20) == 0, "SIGTERM exits 0")
    vcd.kill(signal.SIGTERM)
    vcd.proc.wait(10)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(e2e_main("nodes-e2e-", run))
