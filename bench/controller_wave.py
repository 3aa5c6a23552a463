#!/usr/bin/python3
"""A wave of new LoadBalancer Services against the real `vcdlb controller` process, with real
informers, over HTTPS to `vcdlb kube-sim` and `vcdlb vcd-sim` (three processes on loopback).

    bench/controller_wave.py build/bin/vcdlb --services 2000 [--ports 1] [--task-ms 1]
        [--vcd-qps 1000] [--kube-api-qps 20] [--kube-api-burst 30] [--workers N]
        [--idle-s 60] [--timeout-s 900] [--controller-arg=--flag=value ...]

Creates the Services through the API (8 client threads), then polls the Service list once a
second until every one has an ingress IP. Prints: Services with an IP over time (p50/p90/max
from creation), the controller's failed reconciles and status-write timeouts (from /metrics and
its log), its CPU during the wave, its RSS at the end, and with --idle-s its CPU over that many
seconds of quiet after convergence (utime+stime from /proc/<pid>/stat). Requests go out with
urllib and the kubeconfig's bearer token; nothing but the Python standard library is needed.
"""

import argparse
import concurrent.futures
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "controller"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "adapters", "kube", "sim"))
from e2e_support import CLUSTER_ID, Process, http_get  # noqa: E402
from kube_sim_harness import KubeSim  # noqa: E402

CONFIG = """vcd:
  host: "{host}"
  org: org1
  vdc: vdc1
loadbalancer:
  network: net1
  enableVirtualServiceSharedIP: true
clusterid: {cluster}
vAppName: wave
vcdlb:
  workerThreads: {workers}
  vcd:
    qps: {vcd_qps}
    burst: {vcd_burst}
    tls:
      insecureSkipVerify: true
    taskPoll:
      initialInterval: 10ms
      maxInterval: 200ms
"""

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class Api:
    """Minimal HTTPS client for kube-sim with the kubeconfig's bearer token."""

    def __init__(self, url, kubeconfig):
        text = open(kubeconfig).read()
        self.url = url
        self.token = re.search(r"token:\s*\"?([^\s\"]+)", text).group(1)
        self.ctx = ssl._create_unverified_context()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60, context=self.ctx) as r:
            return json.loads(r.read())


def service(i, ports):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "wave-%05d" % i, "namespace": "default"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "wave-%05d" % i},
                     "ports": [{"name": "p%d" % p, "port": 80 + p, "targetPort": 8080}
                               for p in range(ports)]}}


def metric(text, name, labels=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and labels in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vcdlb")
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--ports", type=int, default=1)
    ap.add_argument("--task-ms", type=int, default=1)
    ap.add_argument("--vcd-qps", type=float, default=1000)
    ap.add_argument("--vcd-burst", type=int, default=1000)
    ap.add_argument("--kube-api-qps", type=float)
    ap.add_argument("--kube-api-burst", type=int)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--idle-s", type=int, default=0)
    ap.add_argument("--timeout-s", type=int, default=900)
    ap.add_argument("--controller-arg", action="append", default=[])
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="vcdlb-wave-")
    procs = []
    try:
        # The built-in scenario with a /16 of external IPs and room for every virtual service.
        scenario = subprocess.run([a.vcdlb, "vcd-sim", "--print-scenario"], check=True,
                                  capture_output=True, text=True).stdout
        for old, new in (('gateway: "203.0.113.1"', 'gateway: "100.64.0.1"'),
                         ("prefix_length: 24", "prefix_length: 16"),
                         ('primary_ip: "203.0.113.2"', 'primary_ip: "100.64.0.2"'),
                         ('{start: "203.0.113.10", end: "203.0.113.250"}',
                          '{start: "100.64.0.10", end: "100.64.255.250"}'),
                         ("max_virtual_services: 1000",
                          "max_virtual_services: %d" % (a.services * a.ports + 100))):
            assert old in scenario, old
            scenario = scenario.replace(old, new)
        scenario_file = os.path.join(work, "scenario.yaml")
        with open(scenario_file, "w") as f:
            f.write(scenario)
        vcd = Process("vcd-sim", [a.vcdlb, "vcd-sim", "--listen", "127.0.0.1:0",
                                  "--scenario", scenario_file, "--task-ms", str(a.task_ms)])
        procs.append(vcd)
        vcd_url = vcd.match(r"vcd-sim listening on (\S+)")
        # kube-apiserver's default node port range holds 2 768 ports; widen it like a cluster
        # with that many LoadBalancer Services must.
        node_ports = "30000-%d" % (30000 + max(2767, a.services * a.ports + 100))
        with KubeSim(a.vcdlb, "--log-level", "warn",
                     "--service-node-port-range", node_ports) as sim:
            cfg = os.path.join(work, "vcloud-ccm-config.yaml")
            with open(cfg, "w") as f:
                f.write(CONFIG.format(host=vcd_url, cluster=CLUSTER_ID, workers=a.workers,
                                      vcd_qps=a.vcd_qps, vcd_burst=a.vcd_burst))
            auth = os.path.join(work, "basic-auth")
            os.mkdir(auth)
            for name, value in (("username", "admin"), ("password", "admin-password")):
                with open(os.path.join(auth, name), "w") as f:
                    f.write(value + "\n")
            api = Api(sim.url, sim.kubeconfig)
            for n in range(3):
                api.call("POST", "/api/v1/nodes", {
                    "apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-%d" % n},
                    "status": {"addresses": [{"type": "InternalIP",
                                              "address": "10.0.0.%d" % (11 + n)}]}})
            argv = [a.vcdlb, "controller", "--cloud-config", cfg, "--secrets-dir", auth,
                    "--kubeconfig", sim.kubeconfig, "--leader-elect=false",
                    "--metrics-bind-address", "127.0.0.1:0"]
            if a.kube_api_qps is not None:
                argv.append("--kube-api-qps=%g" % a.kube_api_qps)
            if a.kube_api_burst is not None:
                argv.append("--kube-api-burst=%d" % a.kube_api_burst)
            argv += a.controller_arg
            ctl = Process("controller", argv)
            procs.append(ctl)
            metrics_url = ctl.match(r"serving /healthz, /readyz and /metrics on (\S+)", 30)
            ctl.match(r"(engine running)", 60)
            pid = ctl.proc.pid
            rss_before = rss_mib(pid)
            cpu0 = cpu_seconds(pid)
            t0 = time.monotonic()
            created = {}

            def create(i):
                api.call("POST", "/api/v1/namespaces/default/services", service(i, a.ports))
                return i, time.monotonic()

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                for i, t in pool.map(create, range(a.services)):
                    created["wave-%05d" % i] = t
            t_created = time.monotonic() - t0
            got = {}
            progress = []
            deadline = t0 + a.timeout_s
            while len(got) < a.services and time.monotonic() < deadline:
                time.sleep(1)
                items = api.call("GET", "/api/v1/namespaces/default/services")["items"]
                now = time.monotonic()
                for s in items:
                    name = s["metadata"]["name"]
                    ing = s.get("status", {}).get("loadBalancer", {}).get("ingress") or []
                    if ing and name not in got:
                        got[name] = now
                progress.append((now - t0, len(got)))
                print("\r%6.0f s: %d/%d with an IP" % (now - t0, len(got), a.services),
                      end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            wave_s = time.monotonic() - t0
            cpu_wave = cpu_seconds(pid) - cpu0
            _, text = http_get(metrics_url + "/metrics")
            failed = metric(text, "controller_runtime_reconcile_total", 'result="error"')
            timeouts = sum(1 for line in ctl.lines
                           if re.search(r"service \S+: .*(timed? ?out|timeout)", line))
            lat = [got[n] - created[n] for n in got]
            print("vcdlb controller wave: %d Services x %d ports, task %d ms, vcd qps %g, "
                  "kube-api-qps %s, kube-api-burst %s, %d workers"
                  % (a.services, a.ports, a.task_ms, a.vcd_qps,
                     a.kube_api_qps if a.kube_api_qps is not None else "default",
                     a.kube_api_burst if a.kube_api_burst is not None else "default",
                     a.workers))
            print("  created in %.1f s; with an IP: %d/%d after %.1f s" %
                  (t_created, len(got), a.services, wave_s))
            for mark in (30, 60, 117, 120, 180, 300):
                seen = [c for t, c in progress if t <= mark]
                if seen and mark < wave_s:
                    print("  with an IP after %d s: %d" % (mark, seen[-1]))
            print("  time to IP from creation: p50 %.1f s, p90 %.1f s, max %.1f s"
                  % (pct(lat, 0.5), pct(lat, 0.9), max(lat) if lat else float("nan")))
            print("  failed reconciles: %d; reconcile failures naming a timeout: %d"
                  % (failed, timeouts))
            print("  controller CPU during the wave: %.2f s; RSS %.1f MiB (%.1f MiB before)"
                  % (cpu_wave, rss_mib(pid), rss_before))
            if a.idle_s > 0:
                time.sleep(5)  # the last writes' echoes
                c0, w0 = cpu_seconds(pid), time.monotonic()
                time.sleep(a.idle_s)
                used = cpu_seconds(pid) - c0
                print("  idle after convergence: %.3f CPU-s over %.0f s = %.2f %% of a core"
                      % (used, time.monotonic() - w0, 100.0 * used / (time.monotonic() - w0)))
            print("  RSS at the end: %.1f MiB" % rss_mib(pid))
            ctl.kill(15)
            ctl.proc.wait(60)
            return 0 if len(got) == a.services else 1
    finally:
        for p in procs:
            p.close()


if __name__ == "__main__":
    sys.exit(main())
