"""Crash consistency: `vcdlb controller` is killed with SIGKILL at random points while it
reconciles many Services (creates, port edits, deletes), restarted, several times in a row;
then one last controller runs to quiescence. Argv: vcdlb kubectl [seed] [rounds].

Checks after the last run: every Service has an ingress IP that it kept since it first got one
(through every kill), no two Services share an IP, VCD holds exactly one virtual service and one
pool per Service port on that IP and nothing of deleted Services, and VCD never refused a
request for an (IP, port) that was already taken or a duplicate name; the cluster's RDE
(`status.cpi`) lists exactly the gateway's objects, and the changes a second writer made to the
entity meanwhile are all still there.

Exits 77 (skipped) when kubectl is not installed.
"""

import json
import os
import random
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "adapters", "kube", "sim"))
sys.path.insert(0, HERE)
from kube_sim_harness import KubeSim, check  # noqa: E402
from e2e_support import (CLUSTER_ID, NODE, Process, e2e_main, kubectl_runner,  # noqa: E402
                         service_yaml, start_vcd_sim, vcd_json, wait_for,
                         write_deployment_files)

SERVICES = 12

def run(vcdlb, kubectl, work, procs, extra):
    seed = int(extra[0]) if extra else 7
    rounds = int(extra[1]) if len(extra) > 1 else 4
    try:
        return run_seed(vcdlb, kubectl, work, procs, random.Random(seed), rounds)
    except AssertionError:
        print("seed %d, %d rounds" % (seed, rounds))
        raise


def run_seed(vcdlb, kubectl, work, procs, rng, rounds):
    # Slow tasks, so that kills land in the middle of work.
    # The cluster's RDE, with CAPVCD writing its own part of it now and then.
    vcd, vcd_url = start_vcd_sim(vcdlb, procs, 60, rde_dir=work, second_writer_every=3)

    with KubeSim(vcdlb) as sim:
        k = kubectl_runner(kubectl, sim.kubeconfig, os.path.join(work, "kubectl-cache"))

        def services():
            items = json.loads(k("get", "svc", "-A", "-o", "json").stdout)["items"]
            return {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in items}

        def ingress(s):
            ing = s.get("status", {}).get("loadBalancer", {}).get("ingress", [])
            return ing[0].get("ip") if ing else None

        cfg, auth = write_deployment_files(work, vcd_url)
        for ns in ("team-0", "team-1", "team-2", "team-new"):
            k("apply", "--validate=false", "-f", "-",
              stdin="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n" % ns)
        for i, ip in ((1, "10.0.0.11"), (2, "10.0.0.12")):
            k("create", "--validate=false", "-f", "-",
              stdin=NODE.format(name="worker-%d" % i, ip=ip))

        # The wanted state, kept by the test: (ns, name) -> ports.
        wanted = {}
        for i in range(SERVICES):
            key = ("team-%d" % (i % 3), "svc-%02d" % i)
            wanted[key] = sorted(rng.sample(range(80, 90), 2))
            k("apply", "--validate=false", "-f", "-", stdin=service_yaml(*key, wanted[key]))
        first_ip = {}

        def record_ips():
            for key, s in services().items():
                ip = ingress(s)
                if ip is None or key not in wanted:
                    continue
                check_ip = first_ip.setdefault(key, ip)
                assert check_ip == ip, "%s/%s changed its IP from %s to %s" % (*key, check_ip, ip)

        def controller(n):
            p = Process("controller-%d" % n,
                        [vcdlb, "controller", "--cloud-config", cfg, "--secrets-dir", auth,
                         "--kubeconfig", sim.kubeconfig, "--leader-elect=false",
                         "--metrics-bind-address=127.0.0.1:0"])
            procs.append(p)
            return p

        deleted = []
        interrupted = 0  # kills that left the gateway between empty and complete
        for n in range(rounds):
            c = controller(n)
            time.sleep(rng.uniform(0.5, 2.5))
            c.kill(signal.SIGKILL)
            c.proc.wait()
            # Pools and virtual services both count: the gateway creates a Service's pools
            # before its virtual services.
            dump = vcd_json(vcd_url, "/_sim/dump")
            have = len(dump["virtual_services"]) + len(dump["pools"])
            if 0 < have < 2 * sum(len(p) for p in wanted.values()) \
                    or dump.get("running_tasks", 0) > 0:
                interrupted += 1
            record_ips()
            # Meanwhile the users edit: a port changed, a Service deleted, one added.
            key = rng.choice(sorted(wanted))
            ports = wanted[key]
            ports[rng.randrange(len(ports))] = rng.choice([p for p in range(90, 99)
                                                           if p not in ports])
            wanted[key] = sorted(ports)
            k("apply", "--validate=false", "-f", "-", stdin=service_yaml(*key, wanted[key]))
            gone = rng.choice(sorted(wanted))
            del wanted[gone]
            first_ip.pop(gone, None)
            deleted.append(gone)
            k("delete", "svc", gone[1], "-n", gone[0], "--wait=false")
            new = ("team-new", "svc-new-%d" % n)
            wanted[new] = [80, 443]
            k("apply", "--validate=false", "-f", "-", stdin=service_yaml(*new, wanted[new]))
        check(interrupted > 0, "%d controllers killed with SIGKILL, %d of them mid-reconcile"
              % (rounds, interrupted))

        # The last one runs until everything converged.
        final = controller(rounds)

        def converged():
            have = services()
            if set(have) != set(wanted):
                return False  # a deleted Service still waits for its cleanup
            if any(ingress(s) is None for s in have.values()):
                return False
            # Every wanted listener, and only those (a count alone passes while an edited
            # port still waits for its turn at the gateway).
            dump = vcd_json(vcd_url, "/_sim/dump")
            listeners = sorted((v["virtualIpAddress"], v["servicePorts"][0]["portStart"])
                               for v in dump["virtual_services"])
            return listeners == sorted((ingress(have[key]), port)
                                       for key, ports in wanted.items() for port in ports)

        wait_for("every Service to converge", converged, 120)
        record_ips()
        have = services()
        ips = {key: ingress(s) for key, s in have.items()}
        check(len(set(ips.values())) == len(ips), "no two Services share an IP")
        dump = vcd_json(vcd_url, "/_sim/dump")
        listeners = sorted((v["virtualIpAddress"], v["servicePorts"][0]["portStart"])
                           for v in dump["virtual_services"])
        expected = sorted((ips[key], port) for key, ports in wanted.items() for port in ports)
        check(listeners == expected,
              "VCD holds exactly one virtual service per Service port on its IP "
              "(extra %s, missing %s)" % (sorted(set(listeners) - set(expected)),
                                          sorted(set(expected) - set(listeners))))
        check(len(dump["pools"]) == len(expected), "and exactly one pool per Service port")
        leaked = [v["name"] for v in dump["virtual_services"] + dump["pools"]
                  if any(".%s." % name in v["name"] for _, name in deleted)]
        check(not leaked, "nothing left of the deleted Services (%s)" % leaked)
        rejected = vcd_json(vcd_url, "/_sim/requests").get("rejections", {})
        for reason in ("vip_port_conflict", "duplicate_vip", "duplicate_name"):
            check(rejected.get(reason, 0) == 0,
                  "VCD never refused a request as %s (%d)" % (reason, rejected.get(reason, 0)))
        check(len(first_ip) == len(wanted), "every Service kept the IP it first got")

        # The RDE's status.cpi converges to the gateway's truth, and the second writer's
        # changes survived every kill.
        def cpi_truth(dump):
            want = sorted([("virtual-service", v["name"], v["id"], v["virtualIpAddress"])
                           for v in dump["virtual_services"]]
                          + [("lb-pool", p["name"], p["id"], "") for p in dump["pools"]])
            rde = [e for e in dump["defined_entities"] if e["id"] == CLUSTER_ID][0]
            cpi = rde["entity"]["status"].get("cpi", {})
            have = sorted((r["type"], r["name"], r["id"],
                           r.get("additionalDetails", {}).get("virtualIP", ""))
                          for r in cpi.get("vcdResourceSet", []))
            return want, have, rde

        wait_for("status.cpi to match the gateway",
                 lambda: cpi_truth(vcd_json(vcd_url, "/_sim/dump"))[0]
                 == cpi_truth(vcd_json(vcd_url, "/_sim/dump"))[1], 60)
        want, have, rde = cpi_truth(vcd_json(vcd_url, "/_sim/dump"))
        check(want == have, "status.cpi lists exactly the gateway's objects (%d)" % len(want))
        theirs = rde["second_writer_writes"]
        check(theirs > 0 and rde["entity"]["status"]["capvcd"].get("simSecondWriter") == theirs,
              "the second writer's %d writes are all in the entity" % theirs)
        final.kill(signal.SIGTERM)
        check(final.proc.wait(30) == 0, "the last controller exits 0 on SIGTERM")
    vcd.kill(signal.SIGTERM)
    vcd.proc.wait(10)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(e2e_main("controller-crash-", run))
