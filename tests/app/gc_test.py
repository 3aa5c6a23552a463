#!/usr/bin/env python3
"""`vcdlb gc` end to end against `vcdlb vcd-sim`.

The simulator's scenario holds the RDEs of a live cluster, of a cluster being deleted
(IN_DELETION) and of a cluster the user may not see (403); a fourth cluster was deleted (no RDE).
Its edge gateway allocates from an IP Space, and the scenario seeds (`load_balancers`, IP Space
`allocations`) what cloud providers left on it: upstream-named objects of the deleted cluster
(a two-arm and a one-arm load balancer) and of the live and hidden clusters, vcdlb-named objects
with the description marker of the cluster being deleted, a hand-made virtual service, and the
floating IPs reserved for them with their claim markers (one of the deleted cluster's IPs is
used by the hand-made virtual service now; another is used by nothing).
Then:
  * `vcdlb gc` (dry run) exits 0, lists the dead clusters' objects and IPs as `remove`, the live
    ones and the IP still in use as `keep`, the hidden ones as `skip`, and changes nothing;
  * `vcdlb gc --apply` exits 0 and leaves exactly the live, hidden and hand-made objects and
    their IPs;
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
SPACE = "urn:vcloud:ipSpace:55555555-5555-5555-5555-555555555555"

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


def seeded(names, ip, internal="", description=""):
    """A `load_balancers` entry of the scenario: two-arm, or one-arm with `internal`."""
    lb = {"virtual_service": names["vs"], "pool": names["pool"], "virtual_ip": ip,
          "members": ["192.168.1.10"], "description": description}
    if internal:
        lb.update({"dnat_rule": names["dnat"], "app_port_profile": names["profile"],
                   "internal_ip": internal})
    return lb


def marker(cluster, svc):
    return f"cluster-{cluster.split(':', 4)[4]}-namespace-default-service-{svc}"


def allocation(ip, description):
    return {"org": "org1", "value": ip, "usage_state": "USED_MANUAL", "description": description}


def allocations(s, space_id):
    """value -> description of the org's floating-IP allocations."""
    return {a["value"]: a.get("description", "") for a in
            s.get_all(f"/cloudapi/1.0.0/ipSpaces/{space_id}/allocations?filter=type==FLOATING_IP")}


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
        net = next(n for n in vdc["networks"] if n["gateway"] == edge["name"])
        ctx = {"gateway": edge["id"]}

        web = upstream(DEAD, "web")
        dead = [{"vs": web["vs"], "pool": web["pool"]}, upstream(DEAD, "api")]  # two-arm, one-arm
        dying = [vcdlb_named("a1b2c3", "web")]
        live, hidden = upstream(LIVE, "web"), upstream(HIDDEN, "web")
        hand_made = {"vs": "hand-made-vs", "pool": "hand-made-pool"}
        edge["load_balancers"] = [
            seeded(dead[0], "203.0.113.10"),
            seeded(dead[1], "203.0.113.11", "192.168.8.11"),
            seeded(dying[0], "203.0.113.20", "192.168.8.20", f"vcdlb-cluster-id={DYING}"),
            seeded(live, "203.0.113.30", "192.168.8.30"),
            seeded(hidden, "203.0.113.40", "192.168.8.40"),
            seeded(hand_made, "203.0.113.50"),
        ]
        # The gateway allocates from an IP Space; the IPs carry the Services' claim markers.
        uplink = edge["uplinks"][0]
        uplink["subnets"] = []
        uplink["ip_spaces"] = ["public-1"]
        scenario["ip_spaces"] = [{
            "name": "public-1", "id": SPACE, "type": "PUBLIC", "internal_scopes": ["203.0.113.0/24"],
            "ranges": [{"start": "203.0.113.10", "end": "203.0.113.250"}],
            "org_quotas": [{"org": "org1", "floating_ip_quota": -1}],
            "allocations": [
                allocation("203.0.113.10", marker(DEAD, "web")),
                allocation("203.0.113.11", marker(DEAD, "api")),
                allocation("203.0.113.20", marker(DYING, "web")),
                allocation("203.0.113.30", marker(LIVE, "web")),
                allocation("203.0.113.40", marker(HIDDEN, "web")),
                # The deleted cluster's IP that a hand-made virtual service uses now.
                allocation("203.0.113.50", marker(DEAD, "old")),
                # The deleted cluster's IP that nothing uses.
                allocation("203.0.113.60", marker(DEAD, "gone")),
            ]}]
        released = {"203.0.113.10", "203.0.113.11", "203.0.113.20", "203.0.113.60"}
        scenario_path = os.path.join(tmp, "scenario.yaml")
        with open(scenario_path, "w", encoding="utf-8") as f:
            yaml.safe_dump(scenario, f)
        s = sim(vcdlb, scenario_path)
        try:
            s.login()
            space_id = SPACE
            kept = [live, hidden, hand_made]
            gone = {n for names in dead + dying for n in names.values()}
            stay = {n for names in kept for n in names.values()}
            before = names_on_gateway(s, ctx)
            need(gone | stay <= before, f"seeding failed: {sorted((gone | stay) - before)}")
            ips_before = allocations(s, space_id)
            need(set(ips_before) == released | {"203.0.113.30", "203.0.113.40", "203.0.113.50"},
                 f"seeded allocations: {ips_before}")

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
            need("would remove 14, kept 6, skipped 5" in out, f"dry-run summary:\n{out}")
            for n in gone:
                need(re.search(rf"^remove\s+\S+\s+{re.escape(n)}\s", out, re.M),
                     f"dry run does not remove {n}:\n{out}")
            for n in upstream(LIVE, "web").values():
                need(re.search(rf"^keep\s+\S+\s+{re.escape(n)}\s", out, re.M),
                     f"dry run does not keep {n}:\n{out}")
            for n in upstream(HIDDEN, "web").values():
                need(re.search(rf"^skip\s+\S+\s+{re.escape(n)}\s.*no right", out, re.M),
                     f"dry run does not skip {n}:\n{out}")
            for ip in released:
                need(re.search(rf"^remove\s+ip_allocation\s+{re.escape(ip)}\s", out, re.M),
                     f"dry run does not release {ip}:\n{out}")
            need(re.search(r"^keep\s+ip_allocation\s+203\.0\.113\.30\s", out, re.M),
                 f"dry run does not keep the live cluster's IP:\n{out}")
            need(re.search(r"^keep\s+ip_allocation\s+203\.0\.113\.50\s.*"
                           r"still used by virtual service hand-made-vs", out, re.M),
                 f"dry run does not keep the IP the hand-made virtual service uses:\n{out}")
            need(re.search(r"^skip\s+ip_allocation\s+203\.0\.113\.40\s.*no right", out, re.M),
                 f"dry run does not skip the hidden cluster's IP:\n{out}")
            need(not re.search(r"^\S+\s+\S+\s+hand-made", out, re.M),
                 f"dry run lists a hand-made object:\n{out}")
            need(allocations(s, space_id) == ips_before, "the dry run changed the allocations")
            need(names_on_gateway(s, ctx) == before, "the dry run changed the gateway")
            need(len(s.mutations()) == mutations_before,
                 f"the dry run sent mutations: {s.mutations()[mutations_before:]}")

            applied = run_gc(vcdlb, cfg, secrets, "--apply")
            need(applied.returncode == 0,
                 f"--apply exit {applied.returncode}:\n{applied.stdout}{applied.stderr}")
            need("removed 14, kept 6, skipped 5, failed 0" in applied.stdout,
                 f"--apply summary:\n{applied.stdout}")
            print(applied.stdout + applied.stderr)
            after = names_on_gateway(s, ctx)
            need(not (gone & after), f"left behind: {sorted(gone & after)}")
            need(stay <= after, f"removed what must stay: {sorted(stay - after)}")
            ips_after = allocations(s, space_id)
            need(set(ips_after) == set(ips_before) - released,
                 f"allocations after --apply: {sorted(ips_after)}")
            need(all(ips_after[ip] == ips_before[ip] for ip in ips_after),
                 "a kept allocation lost its marker")

            again = run_gc(vcdlb, cfg, secrets, "--apply")
            need(again.returncode == 0 and "removed 0, kept 6, skipped 5, failed 0" in again.stdout,
                 f"second run:\n{again.stdout}{again.stderr}")
            need(names_on_gateway(s, ctx) == after and allocations(s, space_id) == ips_after,
                 "the second run changed the gateway")

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
