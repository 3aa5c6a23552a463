"""End to end: `vcdlb vcd-sim` + `vcdlb kube-sim` + two `vcdlb controller` processes over
loopback, driven with a real kubectl (argv: vcdlb kubectl).

Checks: a LoadBalancer Service gets the finalizer, an ingress IP and its VCD objects; deleting it
removes the objects and the finalizer; /readyz and /metrics on leader and standby; after SIGKILL
of the leader the standby takes over within the lease duration and reconciles a Service created
after the kill; SIGTERM exits 0 and releases the Lease; a bad config exits 2 naming the key.

Exits 77 (skipped) when kubectl is not installed.
"""

import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "adapters", "kube", "sim"))
sys.path.insert(0, HERE)
from kube_sim_harness import KubeSim, check  # noqa: E402
from e2e_support import (CLUSTER_ID, CONFIG, LEASE_DURATION_S, LEASE_FLAGS, NODE,  # noqa: E402
                         Process, e2e_main, http_get, kubectl_runner, start_vcd_sim, vcd_json,
                         wait_for, write_deployment_files)

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: default
spec:
  type: LoadBalancer
  selector: {{app: {name}}}
  ports:
  - name: http
    port: {port}
    targetPort: 8080
"""


def run(vcdlb, kubectl, work, procs, _):
    vcd, vcd_url = start_vcd_sim(vcdlb, procs, 20)
    check(vcd_url.startswith("https://127.0.0.1:"), "vcd-sim is up at %s" % vcd_url)

    with KubeSim(vcdlb) as sim:
        k = kubectl_runner(kubectl, sim.kubeconfig, os.path.join(work, "kubectl-cache"))

        def get_json(*args):
            r = k("get", *args, "-o", "json", ok=False)
            return json.loads(r.stdout) if r.returncode == 0 else None

        def lease():
            return get_json("lease", "vcdlb", "-n", "kube-system")

        def holder():
            l = lease()
            return (l or {}).get("spec", {}).get("holderIdentity", "")

        def ingress_ip(name):
            s = get_json("svc", name)
            ing = (s or {}).get("status", {}).get("loadBalancer", {}).get("ingress", [])
            return ing[0].get("ip") if ing else None

        def objects_for(name):
            d = vcd_json(vcd_url, "/_sim/dump")
            vs = [v for v in d["virtual_services"] if name in v["name"]]
            pools = [p for p in d["pools"] if name in p["name"]]
            return vs, pools

        # -- configuration ------------------------------------------------------------------
        cfg, auth = write_deployment_files(work, vcd_url)

        bad = os.path.join(work, "bad.yaml")
        with open(bad, "w") as f:
            f.write(CONFIG.format(host=vcd_url, cluster=CLUSTER_ID).replace("  network: net1\n", ""))
        r = subprocess.run([vcdlb, "controller", "--cloud-config", bad, "--secrets-dir", auth,
                            "--kubeconfig", sim.kubeconfig], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 2 and "loadbalancer.network" in r.stderr,
              "a bad config exits 2 and names the key (%d: %s)" % (r.returncode, r.stderr.strip()))

        def controller(name):
            env = dict(os.environ, POD_NAME=name)
            p = Process(name, [vcdlb, "controller", "--cloud-config", cfg, "--secrets-dir", auth,
                               "--kubeconfig", sim.kubeconfig, "--leader-elect=true",
                               *LEASE_FLAGS, "--metrics-bind-address=127.0.0.1:0", "-v", "2",
                               "--concurrent-service-syncs=5"], env=env)
            procs.append(p)
            p.identity = p.match(r"identity (\S+)")
            p.url = p.match(r"serving /healthz, /readyz and /metrics on (\S+)")
            return p

        def metric(p, name):
            code, body = http_get(p.url + "/metrics")
            if code != 200:
                return None
            for line in body.splitlines():
                if line.startswith(name):
                    return float(line.split()[-1])
            return None

        # -- one leader, one standby -----------------------------------------------------------
        k("create", "--validate=false", "-f", "-", stdin=NODE.format(name="worker-1", ip="10.0.0.11"))
        k("create", "--validate=false", "-f", "-", stdin=NODE.format(name="worker-2", ip="10.0.0.12"))
        a = controller("controller-a")
        wait_for("controller-a to lead", lambda: holder() == a.identity, 15)
        check(True, "controller-a holds the lease")
        b = controller("controller-b")
        wait_for("both /readyz", lambda: http_get(a.url + "/readyz")[0] == 200
                 and http_get(b.url + "/readyz")[0] == 200, 20)
        check(True, "leader and standby are ready")
        check(http_get(a.url + "/healthz")[0] == 200, "/healthz answers 200")
        check(metric(a, 'leader_election_master_status{name="vcdlb"}') == 1.0
              and metric(b, 'leader_election_master_status{name="vcdlb"}') == 0.0,
              "leader_election_master_status: 1 on the leader, 0 on the standby")

        # -- a Service gets its load balancer ----------------------------------------------------
        k("apply", "--validate=false", "-f", "-", stdin=SERVICE.format(name="web", port=80))
        ip = wait_for("web's ingress IP", lambda: ingress_ip("web"), 30)
        check(ip.startswith("203.0.113."), "web got ingress IP %s from the uplink range" % ip)
        svc = get_json("svc", "web")
        check("service.kubernetes.io/load-balancer-cleanup" in svc["metadata"].get("finalizers", []),
              "web carries the cleanup finalizer")
        vs, pools = objects_for("web")
        check(len(vs) == 1 and vs[0]["virtualIpAddress"] == ip
              and vs[0]["servicePorts"][0]["portStart"] == 80,
              "VCD has one virtual service for web on %s:80" % ip)
        members = sorted(m["ipAddress"] for m in pools[0].get("members", [])) if pools else []
        check(len(pools) == 1 and members == ["10.0.0.11", "10.0.0.12"],
              "VCD has web's pool with both nodes (%s)" % members)
        events = json.loads(k("get", "events", "-n", "default", "-o", "json").stdout)["items"]
        reasons = {e["reason"] for e in events if e["involvedObject"]["name"] == "web"}
        check("EnsuredLoadBalancer" in reasons, "EnsuredLoadBalancer event (%s)" % sorted(reasons))
        wait_for("vcdlb_managed_services", lambda: metric(a, "vcdlb_managed_services") == 1.0, 15)
        check(True, "vcdlb_managed_services is 1 on the leader")
        pool = 'vcdlb_ip_pool_addresses{pool="edge-1",kind="external"}'
        free = 'vcdlb_ip_pool_addresses_free{pool="edge-1",kind="external"}'
        wait_for("the external pool gauges",
                 lambda: metric(a, pool) == 241.0 and metric(a, free) == 240.0, 15)
        check(True, "external pool: 241 addresses (203.0.113.10-250), 240 free with web's VIP")
        check((metric(a, 'cloudprovider_vcd_api_requests_total{operation="login",code="200"}')
               or 0) >= 1, "VCD requests are counted")

        # -- deleting it removes the objects and then the finalizer ------------------------------
        k("delete", "svc", "web", "--wait=false")
        wait_for("web to be gone", lambda: get_json("svc", "web") is None, 30)
        vs, pools = objects_for("web")
        check(not vs and not pools, "web's virtual service and pool are gone from VCD")

        # -- SIGKILL the leader: the standby takes over within the lease duration ----------------
        a.kill(signal.SIGKILL)
        a.proc.wait()
        killed = time.monotonic()
        k("apply", "--validate=false", "-f", "-", stdin=SERVICE.format(name="api", port=8443))
        wait_for("controller-b to lead", lambda: holder() == b.identity, LEASE_DURATION_S + 10)
        took = time.monotonic() - killed
        # The standby times the lease from when it last saw it change (up to one jittered retry
        # period, 0.66 s, after the leader's last renew) and takes it at its next attempt after
        # expiry (another 0.66 s at most): lease + 1.3 s, plus kubectl's polling.
        check(took <= LEASE_DURATION_S + 2,
              "controller-b took over %.1fs after the kill (lease %ds)" % (took, LEASE_DURATION_S))
        ip2 = wait_for("api's ingress IP", lambda: ingress_ip("api"), 30)
        vs, _ = objects_for("api")
        check(len(vs) == 1 and vs[0]["virtualIpAddress"] == ip2,
              "the new leader reconciled api, created after the kill (%s)" % ip2)
        wait_for("leader status on b",
                 lambda: metric(b, 'leader_election_master_status{name="vcdlb"}') == 1.0, 10)
        check(True, "controller-b reports itself leader")

        # -- SIGTERM: exit 0 and the lease is released ------------------------------------------
        b.kill(signal.SIGTERM)
        code = b.proc.wait(20)
        check(code == 0, "SIGTERM exits 0 (got %s)" % code)
        l = lease()["spec"]
        check(l.get("holderIdentity", "") == "" and l.get("leaseDurationSeconds") == 1,
              "the lease is released (%s)" % l)
        ip_after = ingress_ip("api")
        check(ip_after == ip2, "api keeps its IP after the controllers are gone")
    vcd.kill(signal.SIGTERM)
    vcd.proc.wait(10)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(e2e_main("controller-e2e-", run))
