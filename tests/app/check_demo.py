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
    print(out)
    print("OK: mode %s, %d Services converged" % (args.mode, total))


if __name__ == "__main__":
    main()
