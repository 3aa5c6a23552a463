#!/usr/bin/env python3
"""`vcdlb gc` end to end against `vcdlb vcd-sim`.

The simulator's scenario holds the RDEs of a live cluster, of a cluster being deleted
(IN_DELETION) and of a cluster the user may not see (403); a fourth cluster was deleted (no RDE).
Through the simulator's CloudAPI the test creates what cloud providers made for them on edge-1:
upstream-named objects of the deleted and of the live and hidden clusters, vcdlb-named objects
with the description marker of the cluster being deleted, and a hand-made virtual service.
Then:
  * `vcdlb gc` (dry run) exits 0, lists the dead clusters' objects as `remove`, the live ones as
    `keep`, the hidden ones as `skip`, and changes nothing on the gateway;
  * `vcdlb gc --apply` exits 0 and leaves exactly the live, hidden and hand-made objects;
  * a second `--apply` finds nothing to remove;
  * a bad flag exits 2, an unreachable VCD 1.
Exit 0 on success, 1 with the reasons otherwise.
"""

import argparse
import base64
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ACCEPT = "application/json;version=37.2"
DEAD = "urn:vcloud:entity:vmware:capvcdCluster:11111111-1111-1111-1111-111111111111"
DYING = "urn:vcloud:entity:vmware:capvcdCluster:22222222-2222-2222-2222-222222222222"
LIVE = "urn:vcloud:entity:vmware:capvcdCluster:33333333-3333-3333-3333-333333333333"
HIDDEN = "urn:vcloud:entity:vmware:capvcdCluster:44444444-4444-4444-4444-444444444444"

failures = []


def need(ok, what):
    if not ok:
        failures.append(what)
    return ok


class sim:
    def __init__(self, vcdlb, scenario_path):
        self.proc = subprocess.Popen([vcdlb, "vcd-sim", "--listen", "127.0.0.1:0", "--plain-http",
                                      "--task-ms", "20", "--scenario", scenario_path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"(http://\S+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"vcd-sim did not start: {line!r}")
        self.url = m.group(1)
        self.token = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()

    def request(self, method, path, body=None, auth=None):
        headers = {"Accept": ACCEPT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = auth
        elif self.token:
            headers["Authorization"] = "Bearer " + self.token
        url = path if path.startswith("http") else self.url + path
        req = urllib.request.Request(url, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()

    def login(self):
        basic = base64.b64encode(b"admin@org1:admin-password").decode()
        _, headers, _ = self.request("POST", "/cloudapi/1.0.0/sessions", auth="Basic " + basic)
        self.token = headers.get("X-VMWARE-VCLOUD-ACCESS-TOKEN")

    def mutate(self, method, path, body):
        status, headers, _ = self.request(method, path, body)
        location = headers.get("Location")
        if status != 202 or not location:
            return
        for _ in range(500):
            _, _, text = self.request("GET", location)
            m = re.search(r'status"?\s*[:=]\s*"(\w+)"', text)
            if m and m.group(1) in ("success", "error", "aborted"):
                if m.group(1) != "success":
                    raise RuntimeError(f"{method} {path}: task {m.group(1)}: {text}")
                return
            time.sleep(0.02)
        raise RuntimeError(f"{method} {path}: task did not finish")

    def get_all(self, path):
        _, _, text = self.request("GET", path + ("&" if "?" in path else "?") + "pageSize=128")
        return json.loads(text)["values"]

    def mutations(self):
        """Mutating requests in the simulator's request log."""
        _, _, text = self.request("GET", "/_sim/requests")
        return [r for r in json.loads(text)["log"] if r["method"] in ("POST", "PUT", "DELETE")
                and "/sessions" not in r["target"] and "/oauth/" not in r["target"]]


def upstream(cluster, svc):
    vs = f"ingress-vs-{svc}-{cluster.split(':', 4)[4]}-http"
    return {"vs": vs, "pool": f"ingress-pool-{svc}-{cluster.split(':', 4)[4]}-http",
            "dnat": "dnat-" + vs, "profile": "appPort_dnat-" + vs}


def vcdlb_named(tag, svc):
    body = f"{tag}-0123456789-default.{svc}.http"
    return {"vs": "vcdlb-vs-" + body, "pool": "vcdlb-pool-" + body, "dnat": "vcdlb-dnat-" + body,
            "profile": "vcdlb-app-" + body}


def seed(s, ctx, names, ip, description=""):
    gw = ctx["gateway"]
    s.mutate("POST", "/cloudapi/1.0.0/loadBalancer/pools",
             {"name": names["pool"], "description": description, "enabled": True,
              "gatewayRef": {"id": gw}, "algorithm": "ROUND_ROBIN", "defaultPort": 30080,
              "gracefulTimeoutPeriod": 0, "members": [{"ipAddress": "192.168.1.10", "port": 30080}]})
    pools = s.get_all(f"/cloudapi/1.0.0/edgeGateways/{gw}/loadBalancer/poolSummaries")
    pool_id = next(p["id"] for p in pools if p["name"] == names["pool"])
    s.mutate("POST", "/cloudapi/1.0.0/loadBalancer/virtualServices",
             {"name": names["vs"], "description": description, "enabled": True,
              "virtualIpAddress": ip, "gatewayRef": {"id": gw},
              "loadBalancerPoolRef": {"id": pool_id, "name": names["pool"]},
              "serviceEngineGroupRef": {"id": ctx["seg"]},
              "applicationProfile": {"name": "System-L4-Application", "type": "L4",
                                     "systemDefined": True},
              "servicePorts": [{"portStart": 80, "sslEnabled": False,
                                "tcpUdpProfile": {"type": "TCP_PROXY", "systemDefined": True}}]})
    if "profile" not in names:
        return
    s.mutate("POST", "/cloudapi/1.0.0/applicationPortProfiles",
             {"name": names["profile"], "description": description, "scope": "TENANT",
              "orgRef": {"id": ctx["org"]}, "contextEntityId": ctx["vdc"],
              "applicationPorts": [{"protocol": "TCP", "destinationPorts": ["80"]}]})
    profiles = s.get_all("/cloudapi/1.0.0/applicationPortProfiles")
    profile_id = next(p["id"] for p in profiles if p["name"] == names["profile"])
    s.mutate("POST", f"/cloudapi/1.0.0/edgeGateways/{gw}/nat/rules",
             {"name": names["dnat"], "description": description, "enabled": True, "type": "DNAT",
              "ruleType": "DNAT", "externalAddresses": ip, "internalAddresses": "192.168.1.10",
              "dnatExternalPort": "80",
              "applicationPortProfile": {"id": profile_id, "name": names["profile"]}})


def names_on_gateway(s, ctx):
    gw = ctx["gateway"]
    out = set()
    for path in (f"/cloudapi/1.0.0/edgeGateways/{gw}/loadBalancer/virtualServiceSummaries",
                 f"/cloudapi/1.0.0/edgeGateways/{gw}/loadBalancer/poolSummaries",
                 "/cloudapi/1.0.0/applicationPortProfiles?filter=scope==TENANT"):
        out |= {x["name"] for x in s.get_all(path)}
    _, _, text = s.request("GET", f"/cloudapi/1.0.0/edgeGateways/{gw}/nat/rules")
    out |= {x["name"] for x in json.loads(text)["values"]}
    return out


def run_gc(vcdlb, cfg, secrets, *extra):
    return subprocess.run([vcdlb, "gc", "--cloud-config", cfg, "--secrets-dir", secrets,
                           "--timeout", "30", *extra], capture_output=True, text=True, timeout=300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcdlb", required=True)
    args = ap.parse_args()
    vcdlb = args.vcdlb
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([vcdlb, "vcd-sim", "--print-scenario"], capture_output=True, text=True,
                           timeout=60, check=True)
        scenario = yaml.safe_load(p.stdout)
        org = scenario["orgs"][0]
        org["defined_entities"] = [
            {"id": LIVE, "name": "live", "state": "RESOLVED"},
            {"id": DYING, "name": "dying", "state": "IN_DELETION"},
            {"id": HIDDEN, "name": "hidden", "access": "none"},
        ]
        vdc = org["vdcs"][0]
        edge = vdc["edge_gateways"][0]
        ctx = {"gateway": edge["id"], "seg": edge["seg_assignments"][0]["service_engine_group_id"],
               "org": org["id"], "vdc": vdc["id"]}
        net = next(n for n in vdc["networks"] if n["gateway"] == edge["name"])
        scenario_path = os.path.join(tmp, "scenario.yaml")
        with open(scenario_path, "w", encoding="utf-8") as f:
            yaml.safe_dump(scenario, f)
        s = sim(vcdlb, scenario_path)
        try:
            s.login()
            dead = [upstream(DEAD, "web"), upstream(DEAD, "api")]
            dying = [vcdlb_named("a1b2c3", "web")]
            kept = [upstream(LIVE, "web"), upstream(HIDDEN, "web"),
                    {"vs": "hand-made-vs", "pool": "hand-made-pool"}]
            ip = 10
            for names in dead + kept:
                seed(s, ctx, names, f"203.0.113.{ip}")
                ip += 1
            for names in dying:
                seed(s, ctx, names, f"203.0.113.{ip}", f"vcdlb-cluster-id={DYING}")
                ip += 1
            gone = {n for names in dead + dying for n in names.values()}
            stay = {n for names in kept for n in names.values()}
            before = names_on_gateway(s, ctx)
            need(gone | stay <= before, f"seeding failed: {sorted((gone | stay) - before)}")

            cfg = os.path.join(tmp, "config.yaml")
            with open(cfg, "w", encoding="utf-8") as f:
                f.write(f"vcd:\n  host: {s.url}\n  org: {org['name']}\n  vdc: {vdc['name']}\n"
                        f"loadbalancer:\n  network: {net['name']}\n  enableVirtualServiceSharedIP: true\n"
                        f"clusterid: {LIVE}\nvAppName: gc-test\n")
            secrets = os.path.join(tmp, "secrets")
            os.mkdir(secrets)
            for k, v in (("username", "admin"), ("password", "admin-password")):
                with open(os.path.join(secrets, k), "w", encoding="utf-8") as f:
                    f.write(v)

            mutations_before = len(s.mutations())
            dry = run_gc(vcdlb, cfg, secrets)
            out = dry.stdout
            print(out + dry.stderr)
            need(dry.returncode == 0, f"dry run exit {dry.returncode}:\n{out}{dry.stderr}")
            need("would remove 12, kept 4, skipped 4" in out, f"dry-run summary:\n{out}")
            for n in gone:
                need(re.search(rf"^remove\s+\S+\s+{re.escape(n)}\s", out, re.M),
                     f"dry run does not remove {n}:\n{out}")
            for n in upstream(LIVE, "web").values():
                need(re.search(rf"^keep\s+\S+\s+{re.escape(n)}\s", out, re.M),
                     f"dry run does not keep {n}:\n{out}")
            for n in upstream(HIDDEN, "web").values():
                need(re.search(rf"^skip\s+\S+\s+{re.escape(n)}\s.*no right", out, re.M),
                     f"dry run does not skip {n}:\n{out}")
            need("hand-made" not in out, f"dry run lists a hand-made object:\n{out}")
            need(names_on_gateway(s, ctx) == before, "the dry run changed the gateway")
            need(len(s.mutations()) == mutations_before,
                 f"the dry run sent mutations: {s.mutations()[mutations_before:]}")

            applied = run_gc(vcdlb, cfg, secrets, "--apply")
            need(applied.returncode == 0,
                 f"--apply exit {applied.returncode}:\n{applied.stdout}{applied.stderr}")
            need("removed 12, kept 4, skipped 4, failed 0" in applied.stdout,
                 f"--apply summary:\n{applied.stdout}")
            print(applied.stdout + applied.stderr)
            after = names_on_gateway(s, ctx)
            need(not (gone & after), f"left behind: {sorted(gone & after)}")
            need(stay <= after, f"removed what must stay: {sorted(stay - after)}")

            again = run_gc(vcdlb, cfg, secrets, "--apply")
            need(again.returncode == 0 and "removed 0, kept 4, skipped 4, failed 0" in again.stdout,
                 f"second run:\n{again.stdout}{again.stderr}")
            need(names_on_gateway(s, ctx) == after, "the second run changed the gateway")

            bad = run_gc(vcdlb, cfg, secrets, "--no-such-flag")
            need(bad.returncode == 2, f"a bad flag exits {bad.returncode}, expected 2")

            # VCD cannot be read (the simulator is gone): exit 1, saying why, nothing removed.
            s.stop()
            down = run_gc(vcdlb, cfg, secrets, "--apply")
            need(down.returncode == 1 and "loadbalancer.network" in down.stderr,
                 f"VCD unreachable: exit {down.returncode}, expected 1:\n{down.stderr}")
        finally:
            s.stop()
    if failures:
        print("\n".join(failures))
        return 1
    print("ok: vcdlb gc removed the dead clusters' objects and nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
