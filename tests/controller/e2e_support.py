"""Shared by the controller's process-level tests: child processes with collected output,
polling, plain HTTP(S) GETs, and the files a deployment mounts."""

import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CLUSTER_ID = "urn:vcloud:entity:vmware:capvcdCluster:0b6a8f9e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"

CONFIG = """vcd:
  host: "{host}"
  org: org1
  vdc: vdc1
loadbalancer:
  network: net1
  enableVirtualServiceSharedIP: true
  certAlias: vcdlb-sim-cert
clusterid: {cluster}
vAppName: e2e
vcdlb:
  vcd:
    tls:
      insecureSkipVerify: true
    taskPoll:
      initialInterval: 50ms
      maxInterval: 200ms
  leaderElection:
    leaseNamespace: kube-system
    leaseName: vcdlb
"""

NODE = """apiVersion: v1
kind: Node
metadata:
  name: {name}
status:
  addresses:
  - type: InternalIP
    address: {ip}
"""


MULTI_PORT_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  type: LoadBalancer
  selector: {{app: {name}}}
  ports:
{ports}"""

PORT = """  - name: p{port}
    port: {port}
    targetPort: 8080
"""


def service_yaml(ns, name, ports):
    """A LoadBalancer Service with one TCP port per number in `ports`."""
    return MULTI_PORT_SERVICE.format(ns=ns, name=name,
                                     ports="".join(PORT.format(port=p) for p in ports))


# Short leases so that failover tests take seconds (the defaults are 15 s / 10 s / 2 s).
LEASE_DURATION_S = 3
LEASE_FLAGS = ["--leader-elect-lease-duration=%ds" % LEASE_DURATION_S,
               "--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=300ms"]


def write_deployment_files(work, vcd_url):
    """The config file and the basic-auth secret directory; returns (config path, secrets dir)."""
    cfg = os.path.join(work, "vcloud-ccm-config.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(host=vcd_url, cluster=CLUSTER_ID))
    auth = os.path.join(work, "basic-auth")
    os.mkdir(auth)
    for name, value in (("username", "admin"), ("password", "admin-password")):
        with open(os.path.join(auth, name), "w") as f:
            f.write(value + "\n")
    return cfg, auth


def http_get(url, timeout=5):
    """(status, body) of a GET; status 0 when the connection failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout,
                                    context=ssl._create_unverified_context()) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def wait_for(what, fn, timeout):
    """Polls fn() until it returns a truthy value; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(0.1)


class Process:
    """A child whose stdout/stderr lines are collected by a thread."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def match(self, pattern, timeout=15):
        """The first group of the first line matching `pattern`."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m.group(1)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: no line matching %r; output:\n%s"
                                         % (self.name, pattern, self.output()))
                self.cond.wait(min(left, 0.2))

    def output(self):
        return "\n".join(self.lines[-60:])

    def kill(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def e2e_main(prefix, body):
    """The scripts' common entry: argv is `vcdlb kubectl [extra...]`; exits 77 (skipped) without
    kubectl; runs body(vcdlb, kubectl, work_dir, procs, extra) and kills what it started."""
    from kube_sim_harness import SKIP
    vcdlb, kubectl, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not os.access(kubectl, os.X_OK):
        print("SKIP: %s is not installed" % kubectl)
        return SKIP
    work = tempfile.mkdtemp(prefix=prefix)
    procs = []
    try:
        return body(vcdlb, kubectl, work, procs, extra)
    finally:
        for p in procs:
            p.close()


def start_vcd_sim(vcdlb, procs, task_ms, rde_dir=None, second_writer_every=0):
    """`vcdlb vcd-sim` over HTTPS on a free loopback port; returns its base URL. With
    `rde_dir`, the built-in scenario plus the cluster's RDE (CLUSTER_ID), written there, and
    the simulator's second writer on it every `second_writer_every` reads (0: none)."""
    extra = []
    if rde_dir is not None:
        import yaml
        out = subprocess.run([vcdlb, "vcd-sim", "--print-scenario"], capture_output=True,
                             text=True, check=True).stdout
        scenario = yaml.safe_load(out)
        scenario["orgs"][0].setdefault("defined_entities", []).append(
            {"id": CLUSTER_ID, "name": "e2e-cluster",
             "entity_type": "urn:vcloud:type:vmware:capvcdCluster:1.2.0",
             "second_writer_every": second_writer_every})
        path = os.path.join(rde_dir, "vcd-scenario.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(scenario, f)
        extra = ["--scenario", path]
    vcd = Process("vcd-sim", [vcdlb, "vcd-sim", "--listen", "127.0.0.1:0",
                              "--task-ms", str(task_ms), *extra])
    procs.append(vcd)
    return vcd, vcd.match(r"vcd-sim listening on (\S+)")


def kubectl_runner(kubectl, kubeconfig, cache):
    """k(*args, stdin=None, ok=True): runs kubectl against the API server double; raises when it
    fails unless ok=False."""
    def k(*args, stdin=None, ok=True):
        r = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "--cache-dir", cache,
                            "--request-timeout", "10s", *args],
                           input=stdin, capture_output=True, text=True, timeout=30)
        if ok and r.returncode != 0:
            raise AssertionError("kubectl %s failed: %s" % (" ".join(args), r.stderr))
        return r
    return k


def vcd_json(vcd_url, path):
    """A simulator control endpoint (`/_sim/dump`, `/_sim/requests`) as JSON."""
    code, body = http_get(vcd_url + path)
    assert code == 200, "%s answered %d" % (path, code)
    return json.loads(body)
