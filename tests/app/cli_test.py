#!/usr/bin/python3
"""Exit codes of the `vcdlb` command line: usage errors exit 2 for every subcommand.

The subcommands are read from `vcdlb --help`, so a new one is covered without editing this
test. For each: an unknown flag, a stray positional argument and (where the subcommand has
one) a bad option value must exit 2 with a message on stderr; `--help` must exit 0.

Usage: cli_test.py --vcdlb BINARY
"""

import argparse
import re
import subprocess
import sys

# Option values CLI11 rejects before the subcommand runs (validators, required options).
BAD_VALUES = {
    "controller": [["--log-format", "xml"], ["--v", "-3"], ["--leader-elect=maybe"]],
    "check-config": [[]],  # --cloud-config is required
    "vcd-sim": [["--task-ms", "many"]],
    "kube-sim": [["--listen"]],  # needs a value
    "demo": [["--mode", "D"], ["--services", "x"]],
    "bench": [["--mode", "Z"]],
    "gc": [["--timeout", "0"], ["--cluster-id"]],
}


def run(vcdlb, args):
    return subprocess.run([vcdlb] + args, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcdlb", required=True)
    a = ap.parse_args()
    failures = []

    def expect(args, code):
        r = run(a.vcdlb, args)
        if r.returncode != code:
            failures.append(f"vcdlb {' '.join(args)}: exit {r.returncode}, want {code}\n"
                            f"{r.stderr.strip()[:300]}")
        elif code == 2 and not r.stderr.strip():
            failures.append(f"vcdlb {' '.join(args)}: exit 2 without a message on stderr")
        return r

    top = expect(["--help"], 0)
    section = top.stdout.split("Subcommands:", 1)
    subcommands = re.findall(r"^\s+([a-z][a-z-]*)\s", section[1], re.M) if len(section) == 2 else []
    if len(subcommands) < 6:
        failures.append(f"could not read the subcommands from --help: {subcommands}")
    expect([], 2)
    expect(["--version"], 0)
    expect(["no-such-command"], 2)
    expect(["--no-such-flag"], 2)
    for sub in subcommands:
        expect([sub, "--help"], 0)
        expect([sub, "--no-such-flag"], 2)
        expect([sub, "stray-positional"], 2)
        for bad in BAD_VALUES.get(sub, []):
            expect([sub] + bad, 2)
    missing = set(BAD_VALUES) - set(subcommands)
    if missing:
        failures.append(f"subcommands gone from --help: {sorted(missing)}")

    for f in failures:
        print("FAIL:", f)
    print(f"checked {len(subcommands)} subcommands: {', '.join(subcommands)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
