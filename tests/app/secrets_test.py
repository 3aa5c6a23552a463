#!/usr/bin/env python3
"""Secrets never reach the output of the real `vcdlb` binary.

Runs, with known password / refresh-token / bearer-token values:
  * `vcdlb check-config` on valid and invalid configurations whose secret files and `vcd:`
    keys hold them, with `vcdlb.log` at trace in text and JSON format;
  * `vcdlb vcd-sim` with a scenario holding them, and logs in over HTTP: Basic auth with the
    right and a wrong password (tenant and provider), refresh-token exchange with the right and
    a wrong token, and a request with the issued access token;
  * `vcdlb kube-sim --log-level trace` (TLS + bearer auth), with requests carrying the right and
    a wrong bearer token;
and checks that none of the values (nor their base64 forms) appear anywhere in stdout or
stderr. Exit 0 on success, 1 with the offending output otherwise.
"""

import argparse
import base64
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "pw-Secret-7f3a9c1e"
WRONG_PASSWORD = "pw-Wrong-55d0b2aa"
REFRESH_TOKEN = "rt-Secret-0c4e8b2d6a"
WRONG_REFRESH_TOKEN = "rt-Wrong-9e1f3d5b7c"
PROVIDER_PASSWORD = "pw-Provider-3b6d9f21"
WRONG_BEARER = "bearer-Wrong-4a8c2e6f"

failures = []


def secrets_in(text, secrets):
    found = []
    for s in secrets:
        forms = {s, base64.b64encode(s.encode()).decode()}
        for f in forms:
            if f and f in text:
                found.append(f)
    return found


def check_output(what, out, err, secrets):
    for stream_name, text in (("stdout", out), ("stderr", err)):
        leaked = secrets_in(text, secrets)
        if leaked:
            failures.append(f"{what}: {stream_name} contains {leaked}:\n{text[:4000]}")


def base_config(extra=""):
    return (
        "vcd:\n"
        "  host: https://vcd.example.com\n"
        "  org: acme\n"
        "  vdc: acme-ovdc\n"
        "loadbalancer:\n"
        "  oneArm:\n"
        "    startIP: 192.168.8.2\n"
        "    endIP: 192.168.8.100\n"
        "  network: acme-net\n"
        "clusterid: NO_RDE_test\n"
        "vAppName: acme-k8s\n" + extra
    )


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def check_config(vcdlb, tmp):
    secrets = [PASSWORD, REFRESH_TOKEN, WRONG_PASSWORD]
    pw_dir = os.path.join(tmp, "pw")
    os.makedirs(pw_dir)
    write(os.path.join(pw_dir, "username"), "admin")
    write(os.path.join(pw_dir, "password"), PASSWORD + "\n")
    rt_dir = os.path.join(tmp, "rt")
    os.makedirs(rt_dir)
    write(os.path.join(rt_dir, "refreshToken"), REFRESH_TOKEN)
    empty_dir = os.path.join(tmp, "empty")
    os.makedirs(empty_dir)
    cases = []
    for fmt in ("text", "json"):
        log = f"vcdlb:\n  log:\n    level: trace\n    format: {fmt}\n"
        cases += [
            (f"password files, {fmt} log", base_config(log), pw_dir, 0),
            (f"refresh token file, {fmt} log", base_config(log), rt_dir, 0),
            # Upstream's credential keys in the config file itself.
            (f"secret and refreshtoken in the config, {fmt} log",
             base_config(log).replace("  vdc: acme-ovdc\n",
                                      f"  vdc: acme-ovdc\n  user: admin\n  secret: {PASSWORD}\n"
                                      f"  refreshtoken: {REFRESH_TOKEN}\n"), empty_dir, 0),
            # Invalid configurations whose problems sit next to (or on) the secrets.
            (f"secret of the wrong type, {fmt} log",
             base_config(log).replace("  vdc: acme-ovdc\n",
                                      f"  vdc: acme-ovdc\n  secret: [{PASSWORD}]\n"), pw_dir, 1),
            (f"refresh token as a mapping, {fmt} log",
             base_config(log).replace("  vdc: acme-ovdc\n",
                                      f"  vdc: acme-ovdc\n  refreshtoken: {{{REFRESH_TOKEN}: 1}}\n"),
             pw_dir, 1),
            (f"unknown key holding a secret, {fmt} log",
             base_config(log) + f"password: {WRONG_PASSWORD}\n", pw_dir, 1),
            (f"broken YAML after a secret, {fmt} log",
             base_config(log).replace("  vdc: acme-ovdc\n",
                                      f"  vdc: acme-ovdc\n  secret: \"{PASSWORD}\n"), pw_dir, 1),
            (f"secrets with an invalid host, {fmt} log",
             base_config(log).replace("https://vcd.example.com", "vcd.example.com"), pw_dir, 1),
        ]
    for what, text, secrets_dir, want_rc in cases:
        cfg = os.path.join(tmp, "config.yaml")
        write(cfg, text)
        p = subprocess.run([vcdlb, "check-config", "--cloud-config", cfg, "--secrets-dir",
                            secrets_dir], capture_output=True, text=True, timeout=60)
        if (p.returncode == 0) != (want_rc == 0):
            failures.append(f"check-config, {what}: exit {p.returncode}, expected "
                            f"{'success' if want_rc == 0 else 'failure'}:\n{p.stdout}{p.stderr}")
        if want_rc != 0 and not p.stderr.strip() and not p.stdout.strip():
            failures.append(f"check-config, {what}: failed without saying why")
        check_output(f"check-config, {what}", p.stdout, p.stderr, secrets)


class server:
    """A `vcdlb` simulator subprocess; its output is collected when it stops."""

    def __init__(self, args, ready_pattern):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.first_line = self.proc.stdout.readline()
        m = re.search(ready_pattern, self.first_line)
        if not m:
            self.stop()
            raise RuntimeError(f"{args[1]} did not start: {self.first_line!r} {self.err!r}")
        self.url = m.group(1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        self.out = self.first_line + out
        self.err = err
        return self.proc.returncode


def request(url, method="GET", headers=None, body=None, context=None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def vcd_sim(vcdlb, tmp):
    p = subprocess.run([vcdlb, "vcd-sim", "--print-scenario"], capture_output=True, text=True,
                       timeout=60, check=True)
    scenario = p.stdout
    for old, new in (("admin-password", PASSWORD), ("vcdlb-sim-api-token", REFRESH_TOKEN),
                     ("provider-password", PROVIDER_PASSWORD)):
        if old not in scenario:
            failures.append(f"vcd-sim: the built-in scenario has no {old!r}; test out of date")
            return
        scenario = scenario.replace(old, new)
    path = os.path.join(tmp, "scenario.yaml")
    write(path, scenario)
    sim = server([vcdlb, "vcd-sim", "--listen", "127.0.0.1:0", "--plain-http", "--scenario", path,
                  "--task-ms", "0"], r"listening on (\S+)")
    issued = []
    try:
        accept = {"Accept": "application/json;version=37.2"}
        steps = [
            ("tenant login", "/cloudapi/1.0.0/sessions", basic("admin@org1", PASSWORD), 200),
            ("tenant login, wrong password", "/cloudapi/1.0.0/sessions",
             basic("admin@org1", WRONG_PASSWORD), 401),
            ("provider login", "/cloudapi/1.0.0/sessions/provider",
             basic("administrator@System", PROVIDER_PASSWORD), 200),
            ("provider login, wrong password", "/cloudapi/1.0.0/sessions/provider",
             basic("administrator@System", WRONG_PASSWORD), 401),
        ]
        for what, path_, auth, want in steps:
            status, headers, body = request(sim.url + path_, "POST",
                                            dict(accept, Authorization=auth), b"")
            if status != want:
                failures.append(f"vcd-sim {what}: HTTP {status}, expected {want}: {body}")
            token = {k.lower(): v for k, v in headers.items()}.get("x-vmware-vcloud-access-token")
            if token:
                issued.append(token)
        for what, token, want in (("refresh token", REFRESH_TOKEN, 200),
                                  ("wrong refresh token", WRONG_REFRESH_TOKEN, 400)):
            form = f"grant_type=refresh_token&refresh_token={token}".encode()
            status, _, body = request(sim.url + "/oauth/tenant/org1/token", "POST",
                                      {"Accept": "application/json",
                                       "Content-Type": "application/x-www-form-urlencoded"}, form)
            if status != want:
                failures.append(f"vcd-sim {what}: HTTP {status}, expected {want}: {body}")
            if status == 200:
                issued.append(json.loads(body)["access_token"])
        if len(issued) != 3:
            failures.append(f"vcd-sim: expected 3 issued access tokens, got {len(issued)}")
        for token in issued:
            status, _, body = request(sim.url + "/cloudapi/1.0.0/sessions/current", "GET",
                                      dict(accept, Authorization="Bearer " + token))
            if status != 200:
                failures.append(f"vcd-sim current session: HTTP {status}: {body}")
        status, _, _ = request(sim.url + "/cloudapi/1.0.0/sessions/current", "GET",
                               dict(accept, Authorization="Bearer " + WRONG_BEARER))
        if status != 401:
            failures.append(f"vcd-sim wrong bearer token: HTTP {status}, expected 401")
    finally:
        sim.stop()
    check_output("vcd-sim", sim.out, sim.err,
                 [PASSWORD, WRONG_PASSWORD, PROVIDER_PASSWORD, REFRESH_TOKEN, WRONG_REFRESH_TOKEN,
                  WRONG_BEARER] + issued)


def kube_sim(vcdlb, tmp):
    kubeconfig = os.path.join(tmp, "kubeconfig")
    sim = server([vcdlb, "kube-sim", "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
                  "--log-level", "trace"], r"(https://\S+)")
    token = ""
    try:
        with open(kubeconfig, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"token:\s*\"?([^\s\"]+)", text)
        ca = re.search(r"certificate-authority-data:\s*\"?([^\s\"]+)", text)
        if not m or not ca:
            failures.append(f"kube-sim: no token or CA in the kubeconfig:\n{text}")
            return
        token = m.group(1)
        ctx = ssl.create_default_context(cadata=base64.b64decode(ca.group(1)).decode())
        ctx.check_hostname = False
        for what, bearer, want in (("right token", token, 200), ("wrong token", WRONG_BEARER, 401)):
            status, _, body = request(sim.url + "/api/v1/namespaces/default/services", "GET",
                                      {"Authorization": "Bearer " + bearer}, context=ctx)
            if status != want:
                failures.append(f"kube-sim {what}: HTTP {status}, expected {want}: {body[:500]}")
        body = json.dumps({"apiVersion": "v1", "kind": "Service",
                           "metadata": {"name": "web", "annotations": {"note": "x"}},
                           "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}).encode()
        status, _, resp = request(sim.url + "/api/v1/namespaces/default/services", "POST",
                                  {"Authorization": "Bearer " + token,
                                   "Content-Type": "application/json"}, body, context=ctx)
        if status != 201:
            failures.append(f"kube-sim create: HTTP {status}: {resp[:500]}")
    finally:
        sim.stop()
    if not sim.err.strip() and not sim.out.strip():
        failures.append("kube-sim at trace level printed nothing: the check would be empty")
    check_output("kube-sim --log-level trace", sim.out, sim.err, [token, WRONG_BEARER])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcdlb", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vcdlb-secrets-") as tmp:
        check_config(args.vcdlb, tmp)
        vcd_sim(args.vcdlb, tmp)
        kube_sim(args.vcdlb, tmp)
    if failures:
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1
    print("secrets: no secret in the output of check-config, vcd-sim and kube-sim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
