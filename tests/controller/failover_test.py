"""Leader failover in the middle of a large reconcile: no two controllers mutate VCD at once.

Two `vcdlb controller` replicas with leader election. While the leader creates many load
balancers it is frozen with SIGSTOP (a stalled process or paused VM: its lease runs out but it
does not know). The standby takes over and carries on; then the old leader is resumed with its
timers overdue. It must not send one more mutation (the lease fence refuses them), notice that it
lost the lease and exit 1. Finally everything converges with exactly the wanted objects.

The VCD simulator logs the session of every request, so the mutations of the two replicas can be
told apart: each session's mutations must form one unbroken run, in takeover order.
Argv: vcdlb kubectl. Exits 77 (skipped) when kubectl is not installed.
"""

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "adapters", "kube", "sim"))
sys.path.insert(0, HERE)
from kube_sim_harness import KubeSim, check  # noqa: E402
from e2e_support import (LEASE_DURATION_S, LEASE_FLAGS, NODE, Process, e2e_main,  # noqa: E402
                         kubectl_runner, service_yaml, start_vcd_sim, vcd_json, wait_for,
                         write_deployment_files)

SERVICES = 16
PORTS = [80, 443]


def mutation_runs(log):
    """The sessions of the mutations in log order, each unbroken run once: [(session, count)]."""
    runs = []
    for r in log:
        if r["category"] != "mutation":
            continue
        if runs and runs[-1][0] == r["session"]:
            runs[-1][1] += 1
        else:
            runs.append([r["session"], 1])
    return runs


def run(vcdlb, kubectl, work, procs, _):
    # Slow tasks: 16 Services x 2 ports x 2 mutations x 80 ms keep the gateway busy for ~5 s.
    vcd, vcd_url = start_vcd_sim(vcdlb, procs, 80)

    with KubeSim(vcdlb) as sim:
        k = kubectl_runner(kubectl, sim.kubeconfig, os.path.join(work, "kubectl-cache"))

        def holder():
            r = k("get", "lease", "vcdlb", "-n", "kube-system", "-o", "json", ok=False)
            return json.loads(r.stdout)["spec"].get("holderIdentity", "") if r.returncode == 0 \
                else ""

        def runs():
            return mutation_runs(vcd_json(vcd_url, "/_sim/requests")["log"])

        cfg, auth = write_deployment_files(work, vcd_url)
        for i, ip in ((1, "10.0.0.11"), (2, "10.0.0.12")):
            k("create", "--validate=false", "-f", "-",
              stdin=NODE.format(name="worker-%d" % i, ip=ip))

        def controller(name):
            p = Process(name, [vcdlb, "controller", "--cloud-config", cfg, "--secrets-dir", auth,
                               "--kubeconfig", sim.kubeconfig, "--leader-elect=true",
                               *LEASE_FLAGS, "--metrics-bind-address=127.0.0.1:0"],
                        env=dict(os.environ, POD_NAME=name))
            procs.append(p)
            p.identity = p.match(r"identity (\S+)")
            return p

        a = controller("controller-a")
        wait_for("controller-a to lead", lambda: holder() == a.identity, 15)
        b = controller("controller-b")
        names = ["svc-%02d" % i for i in range(SERVICES)]
        k("apply", "--validate=false", "-f", "-",
          stdin="---\n".join(service_yaml("default", n, PORTS) for n in names))

        # Freeze the leader a few mutations into the work.
        wait_for("controller-a to be mutating", lambda: sum(c for _, c in runs()) >= 6, 30)
        a.kill(signal.SIGSTOP)
        frozen = time.monotonic()
        wait_for("controller-b to take over", lambda: holder() == b.identity,
                 LEASE_DURATION_S + 15)
        wait_for("controller-b to be mutating", lambda: len(runs()) >= 2, 30)
        before_resume = runs()
        check(len(before_resume) == 2,
              "a frozen leader's successor took over and mutates after %.1fs (runs %s)"
              % (time.monotonic() - frozen, before_resume))

        # Wake the old leader up with its timers overdue, in the middle of b's work.
        a.kill(signal.SIGCONT)
        code = a.proc.wait(20)
        check(code == 1, "the resumed ex-leader exits 1 after losing its lease (got %s)" % code)

        def converged():
            dump = vcd_json(vcd_url, "/_sim/dump")
            return len(dump["virtual_services"]) == SERVICES * len(PORTS) \
                and vcd_json(vcd_url, "/_sim/dump").get("running_tasks", 0) == 0
        wait_for("every Service to converge", converged, 90)
        items = json.loads(k("get", "svc", "-o", "json").stdout)["items"]
        ips = [(s.get("status", {}).get("loadBalancer", {}).get("ingress") or [{}])[0].get("ip")
               for s in items]
        check(len(items) == SERVICES and all(ips) and len(set(ips)) == SERVICES,
              "every Service has its own ingress IP")
        dump = vcd_json(vcd_url, "/_sim/dump")
        check(len(dump["pools"]) == SERVICES * len(PORTS),
              "VCD holds exactly one pool and one virtual service per Service port")
        final = runs()
        sessions = [s for s, _ in final]
        check(len(sessions) == len(set(sessions)) and len(final) == 2,
              "the mutations came in two unbroken runs, the old leader's then the new one's "
              "(%s)" % final)
        rejected = vcd_json(vcd_url, "/_sim/requests").get("rejections", {})
        check(rejected.get("busy_entity", 0) == 0,
              "VCD never found the gateway busy with the other replica's task (%d)"
              % rejected.get("busy_entity", 0))
        refusals = [line for line in a.lines if "refusing VCD mutations" in line]
        print("note: the resumed ex-leader %s" % ("refused its own mutations: " + refusals[0]
                                                  if refusals else "attempted no mutation"))
        b.kill(signal.SIGTERM)
        check(b.proc.wait(30) == 0, "the new leader exits 0 on SIGTERM")
    vcd.kill(signal.SIGTERM)
    vcd.proc.wait(10)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(e2e_main("controller-failover-", run))
