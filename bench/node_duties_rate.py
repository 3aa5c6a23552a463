#!/usr/bin/python3
"""VCD requests of the node duties for an N-node cluster, measured against the real
`vcdlb controller` process with `vcdlb vcd-sim` and `vcdlb kube-sim` (three processes on
loopback, HTTPS).

    bench/node_duties_rate.py build/bin/vcdlb [--nodes 100] [--window-s 180]
        [--controller-arg=--flag=value ...]

The VCD simulator holds one vApp with N VMs; N Nodes register as a kubelet with
`--cloud-provider=external` does (uninitialized taint). The controller runs only the node duties
(`--controllers=cloud-node,cloud-node-lifecycle`). The script waits until every Node is
initialized and prints the VCD requests that took (logins included), then resets the
simulator's counters, lets the controller run for --window-s seconds of steady state and prints
the requests per minute, by route, from the simulator's own accounting (GET /_sim/requests).
"""

import argparse
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "controller"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "adapters", "kube", "sim"))
sys.path.insert(0, HERE)
from controller_wave import Api  # noqa: E402
from e2e_support import CLUSTER_ID, Process  # noqa: E402
from kube_sim_harness import KubeSim  # noqa: E402

CONFIG = """vcd:
  host: "{host}"
  org: org1
  vdc: vdc1
loadbalancer:
  network: net1
  enableVirtualServiceSharedIP: true
clusterid: {cluster}
vAppName: cluster1
vcdlb:
  vcd:
    tls:
      insecureSkipVerify: true
"""

UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"


def sim(url, method, path):
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30, context=ssl._create_unverified_context()) as r:
        body = r.read()
        return json.loads(body) if body else None


def initialized(node):
    taints = node.get("spec", {}).get("taints") or []
    return node.get("spec", {}).get("providerID") and not any(
        t.get("key") == UNINITIALIZED for t in taints)


def by_route(stats):
    """The API's routes only (the /_sim control calls of this script are left out)."""
    return {k: v for k, v in sorted(stats.get("by_route", {}).items())
            if v and "/_sim/" not in k}


def api_requests(stats):
    return stats["total"] - stats.get("control", 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vcdlb")
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--window-s", type=int, default=180)
    ap.add_argument("--controller-arg", action="append", default=[])
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="vcdlb-node-rate-")
    procs = []
    try:
        scenario = yaml.safe_load(subprocess.run([a.vcdlb, "vcd-sim", "--print-scenario"],
                                                 check=True, capture_output=True,
                                                 text=True).stdout)
        vms = [{"name": "node-%03d" % i, "status": "POWERED_ON",
                "nics": [{"network": "net1", "ip": "10.1.%d.%d" % (i // 250, 1 + i % 250)}]}
               for i in range(a.nodes)]
        scenario["orgs"][0]["vdcs"][0]["vapps"] = [{"name": "cluster1", "vms": vms}]
        scenario_file = os.path.join(work, "scenario.yaml")
        with open(scenario_file, "w") as f:
            yaml.safe_dump(scenario, f)
        vcd = Process("vcd-sim", [a.vcdlb, "vcd-sim", "--listen", "127.0.0.1:0",
                                  "--scenario", scenario_file])
        procs.append(vcd)
        vcd_url = vcd.match(r"vcd-sim listening on (\S+)")
        with KubeSim(a.vcdlb, "--log-level", "warn") as ks:
            api = Api(ks.url, ks.kubeconfig)
            for v in vms:
                api.call("POST", "/api/v1/nodes", {
                    "apiVersion": "v1", "kind": "Node", "metadata": {"name": v["name"]},
                    "spec": {"taints": [{"key": UNINITIALIZED, "value": "true",
                                         "effect": "NoSchedule"}]},
                    "status": {"conditions": [{"type": "Ready", "status": "True"}],
                               "addresses": [{"type": "Hostname", "address": v["name"]}]}})
            cfg = os.path.join(work, "vcloud-ccm-config.yaml")
            with open(cfg, "w") as f:
                f.write(CONFIG.format(host=vcd_url, cluster=CLUSTER_ID))
            auth = os.path.join(work, "basic-auth")
            os.mkdir(auth)
            for name, value in (("username", "admin"), ("password", "admin-password")):
                with open(os.path.join(auth, name), "w") as f:
                    f.write(value + "\n")
            sim(vcd_url, "POST", "/_sim/reset-stats")
            argv = [a.vcdlb, "controller", "--cloud-config", cfg, "--secrets-dir", auth,
                    "--kubeconfig", ks.kubeconfig, "--leader-elect=false",
                    "--metrics-bind-address", "127.0.0.1:0",
                    "--controllers=cloud-node,cloud-node-lifecycle"] + a.controller_arg
            t0 = time.monotonic()
            ctl = Process("controller", argv)
            procs.append(ctl)
            while True:
                items = api.call("GET", "/api/v1/nodes")["items"]
                done = sum(1 for n in items if initialized(n))
                if done == a.nodes:
                    break
                if time.monotonic() - t0 > 120:
                    sys.exit("only %d/%d Nodes initialized after 120 s" % (done, a.nodes))
                time.sleep(0.2)
            init_s = time.monotonic() - t0
            init = sim(vcd_url, "GET", "/_sim/requests")
            print("%d Nodes initialized in %.1f s with %d VCD requests:" % (
                a.nodes, init_s, api_requests(init)))
            for route, n in by_route(init).items():
                print("  %5d  %s" % (n, route))
            sim(vcd_url, "POST", "/_sim/reset-stats")
            time.sleep(a.window_s)
            steady = sim(vcd_url, "GET", "/_sim/requests")
            per_min = api_requests(steady) * 60.0 / a.window_s
            print("steady state, %d s: %d VCD requests = %.1f requests/minute for %d Nodes:"
                  % (a.window_s, api_requests(steady), per_min, a.nodes))
            for route, n in by_route(steady).items():
                print("  %5d  %s" % (n, route))
    finally:
        for p in reversed(procs):
            p.close()


if __name__ == "__main__":
    main()
