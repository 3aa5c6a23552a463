"""Memory under churn: `vcdlb vcd-sim`, `vcdlb kube-sim` and `vcdlb controller` as separate
processes; Services are created (2 ports each, new names every cycle), served, and deleted in
cycles for a given time, while the resident set size, open fds and threads of each process are sampled.

Usage: /usr/bin/python3 bench/churn_rss.py BUILD/bin/vcdlb [minutes=10] [services=20]
       (CHURN_CONTROLLER_WRAPPER="heaptrack -o FILE" profiles the controller's heap)

Prints one line per sample and, per process, the RSS growth rate over the whole run and over
its second half in MB/min (a leak grows at a steady rate; a warm-up that fills caches, pools or
bounded logs flattens out). Loopback only, ports chosen by the kernel.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "controller"))
from e2e_support import write_deployment_files  # noqa: E402

from kubernetes import client, config  # noqa: E402


def start(name, argv, work):
    """A child with stdout and stderr in a file (never a pipe nobody drains)."""
    out = open(os.path.join(work, name + ".log"), "w+")
    return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True), out


def first_line_matching(out, prefix, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out.flush()
        with open(out.name) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split()[-1]
        time.sleep(0.1)
    raise RuntimeError("no line starting with %r in %s" % (prefix, out.name))


def usage(pid):
    """(RSS in MB, open fds, threads) of `pid`."""
    rss = threads = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid)), threads


def slope(points):
    """Least-squares slope of (minutes, MB) points, MB/min."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / den if den else 0.0


def service(name):
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name, namespace="churn"),
        spec=client.V1ServiceSpec(type="LoadBalancer", selector={"app": name}, ports=[
            client.V1ServicePort(name="http", port=80, protocol="TCP"),
            client.V1ServicePort(name="https", port=443, protocol="TCP")]))


def main():
    vcdlb = sys.argv[1]
    minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    work = tempfile.mkdtemp(prefix="vcdlb-churn-")
    procs = {}
    try:
        vcd, vcd_out = start("vcd-sim", [vcdlb, "vcd-sim", "--listen", "127.0.0.1:0",
                                         "--task-ms", "5"], work)
        procs["vcd-sim"] = vcd
        vcd_url = first_line_matching(vcd_out, "vcd-sim listening on ")
        kubeconfig = os.path.join(work, "kubeconfig")
        kube, kube_out = start("kube-sim", [vcdlb, "kube-sim", "--listen", "127.0.0.1:0",
                                            "--kubeconfig-out", kubeconfig], work)
        procs["kube-sim"] = kube
        first_line_matching(kube_out, "kube-sim listening on ")
        cfg, auth = write_deployment_files(work, vcd_url)
        # CHURN_CONTROLLER_WRAPPER, e.g. "heaptrack -o /tmp/ctl": runs the controller under a
        # heap profiler (the controller RSS column then shows the wrapper process, not vcdlb).
        wrapper = os.environ.get("CHURN_CONTROLLER_WRAPPER", "").split()
        ctl, _ = start("controller", wrapper + [vcdlb, "controller", "--cloud-config", cfg,
                                      "--secrets-dir", auth, "--kubeconfig", kubeconfig,
                                      "--leader-elect=false",
                                      "--metrics-bind-address=127.0.0.1:0"], work)
        procs["controller"] = ctl

        config.load_kube_config(config_file=kubeconfig)
        core = client.CoreV1Api()
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="churn")))
        for i, ip in ((1, "10.0.0.11"), (2, "10.0.0.12")):
            core.create_node(client.V1Node(
                metadata=client.V1ObjectMeta(name="worker-%d" % i),
                status=client.V1NodeStatus(addresses=[
                    client.V1NodeAddress(type="InternalIP", address=ip)])))

        samples = {name: [] for name in procs}
        stop = threading.Event()
        t0 = time.monotonic()

        def sampler():
            while not stop.is_set():
                now = (time.monotonic() - t0) / 60.0
                line = ["%6.2f min" % now]
                for name, p in procs.items():
                    if p.poll() is not None:
                        raise SystemExit("%s exited with %d (log in %s)" % (name, p.returncode,
                                                                             work))
                    rss, fds, threads = usage(p.pid)
                    samples[name].append((now, rss))
                    line.append("%s %.1f MB %d fds %d thr" % (name, rss, fds, threads))
                print("  ".join(line), flush=True)
                stop.wait(15)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        cycles = 0
        while time.monotonic() - t0 < minutes * 60:
            # New names every cycle: state kept per Service key would pile up.
            names = ["svc-%d-%02d" % (cycles, i) for i in range(count)]
            for n in names:
                core.create_namespaced_service("churn", service(n))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                items = core.list_namespaced_service("churn").items
                if len(items) == count and all(s.status.load_balancer.ingress for s in items):
                    break
                time.sleep(0.2)
            else:
                raise SystemExit("cycle %d: Services not served within 120 s" % cycles)
            for n in names:
                core.delete_namespaced_service(n, "churn")
            deadline = time.monotonic() + 120
            while core.list_namespaced_service("churn").items:
                if time.monotonic() > deadline:
                    raise SystemExit("cycle %d: Services not gone within 120 s" % cycles)
                time.sleep(0.2)
            cycles += 1
        stop.set()
        th.join()
        print("%d cycles of %d Services (2 ports each) in %.1f min" %
              (cycles, count, (time.monotonic() - t0) / 60.0))
        for name, pts in samples.items():
            half = [p for p in pts if p[0] >= pts[-1][0] / 2]
            print("%-10s RSS %.1f -> %.1f MB; growth %.3f MB/min over the run, %.3f MB/min over "
                  "its second half" % (name, pts[0][1], pts[-1][1], slope(pts), slope(half)))
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
