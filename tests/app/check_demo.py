#!/usr/bin/env python3
"""Runs `vcdlb demo` and checks its exit code and its result table.

Usage: check_demo.py --vcdlb PATH --mode A|B|C [--services N]

The table must list the five examples and N generated Services, each with an external IP, the
object counts the mode needs for its ports (C: one virtual service and one pool per port; A and
B: also one DNAT rule and one application port profile per port) and a convergence time; the
shared-IP pair must show one IP and the pinned Service the IP it asked for.
"""
import argparse
import re
import subprocess
import sys

EXAMPLE_PORTS = {"web": 2, "dns": 1, "shared-a": 1, "shared-b": 1, "pinned": 1}
HEADER = ["SERVICE", "SHOWS", "MODE", "EXTERNAL-IP", "PORTS", "VS", "POOLS", "DNAT", "PROFILES",
          "CONVERGED"]


NODE_HEADER = ["NODE", "PROVIDER-ID", "INTERNAL-IP", "ZONE", "TAINTS"]
# demo/environment.cpp: demo_nodes(), zones from the demo's zones file.
WANT_NODES = {"control-plane-1": ("10.10.0.10", "zone-1"), "worker-1": ("10.10.0.21", "zone-1"),
              "worker-2": ("10.10.0.22", "zone-2"), "worker-3": ("10.10.0.23", "zone-2")}


def fail(msg, out):
    print(out)
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcdlb", required=True)
    ap.add_argument("--mode", required=True, choices=["A", "B", "C"])
    ap.add_argument("--services", type=int, default=None)
    args = ap.parse_args()

    cmd = [args.vcdlb, "demo", "--mode", args.mode, "--timeout", "120"]
    generated = 5  # the command's default
    if args.services is not None:
        cmd += ["--services", str(args.services)]
        generated = args.services
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)
    out = proc.stdout
    if proc.returncode != 0:
        fail("exit code %d" % proc.returncode, out)

    lines = out.splitlines()
    header_at = next((i for i, l in enumerate(lines) if l.split()[:1] == ["SERVICE"]), None)
    if header_at is None:
        fail("no table header", out)
    if lines[header_at].split() != HEADER:
        fail("unexpected header: " + lines[header_at], out)
    # Column starts from the header, so multi-word cells (SHOWS) do not shift the split.
    starts = [lines[header_at].index(h) for h in HEADER]

    def cells(line):
        bounds = starts[1:] + [len(line) + 1]
        return [line[s:e].strip() for s, e in zip(starts, bounds)]

    want = dict(EXAMPLE_PORTS)
    for i in range(1, generated + 1):
        want["gen-%03d" % i] = 2 if i % 2 == 0 else 1
    rows = {}
    for line in lines[header_at + 1:header_at + 1 + len(want)]:
        c = cells(line)
        name = c[0].split("/", 1)[-1]
        rows[name] = c
    if set(rows) != set(want):
        fail("table rows %s, want %s" % (sorted(rows), sorted(want)), out)

    one_arm = args.mode != "C"
    for name, ports in want.items():
        c = rows[name]
        if c[2] != args.mode:
            fail("%s: mode %s" % (name, c[2]), out)
        if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", c[3]):
            fail("%s: no external IP (%s)" % (name, c[3]), out)
        if len(c[4].split(",")) != ports:
            fail("%s: ports %s" % (name, c[4]), out)
        counts = [int(x) for x in c[5:9]]
        expected = [ports, ports, ports if one_arm else 0, ports if one_arm else 0]
        if counts != expected:
            fail("%s: objects %s, want %s" % (name, counts, expected), out)
        if not re.fullmatch(r"\d+\.\ds", c[9]):
            fail("%s: not converged (%s)" % (name, c[9]), out)
    if rows["shared-a"][3] != rows["shared-b"][3]:
        fail("the shared-IP pair has two IPs", out)
    if rows["pinned"][3] != "203.0.113.200":
        fail("pinned did not get its loadBalancerIP", out)
    total = len(want)
    if ("%d/%d Services converged" % (total, total)) not in out:
        fail("no summary line", out)
    # The node duties: every Node initialized from its VM (provider ID, InternalIP, zone).
    node_at = next((i for i, l in enumerate(lines) if l.split()[:1] == ["NODE"]), None)
    if node_at is None or lines[node_at].split() != NODE_HEADER:
        fail("no Node table", out)
    nodes = {}
    for line in lines[node_at + 1:]:
        c = line.split()
        if len(c) != len(NODE_HEADER):
            break
        nodes[c[0]] = c
    if sorted(nodes) != sorted(WANT_NODES):
        fail("Node rows %s, want %s" % (sorted(nodes), sorted(WANT_NODES)), out)
    for name, (ip, zone) in WANT_NODES.items():
        c = nodes[name]
        if not c[1].startswith("vmware-cloud-director://urn:vcloud:vm:"):
            fail("%s: provider ID %s" % (name, c[1]), out)
        if c[2] != ip or c[3] != zone or c[4] != "<none>":
            fail("%s: %s" % (name, " ".join(c)), out)
    if "%d/%d Nodes initialized" % (len(WANT_NODES), len(WANT_NODES)) not in out:
        fail("not every Node initialized", out)
    print(out)
    print("OK: mode %s, %d Services converged, %d Nodes initialized"
          % (args.mode, total, len(WANT_NODES)))


if __name__ == "__main__":
    main()
