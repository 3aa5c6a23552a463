"""Drives `vcdlb kube-sim` with a real kubectl binary (argv: vcdlb kubectl).

Exits 77 (skipped) when that kubectl is not installed.
"""

import json
import os
import subprocess
import sys
import time

from kube_sim_harness import SKIP, KubeSim, check

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""

SERVICE_V2 = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web, rev: "2"}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: https
    port: 443
  - name: http
    port: 8080
    targetPort: 8080
"""

EVENT = """apiVersion: v1
kind: Event
metadata:
  name: web.1
involvedObject:
  apiVersion: v1
  kind: Service
  name: web
  namespace: default
reason: EnsuringLoadBalancer
message: Ensuring load balancer
type: Normal
count: 1
source:
  component: vcdlb
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
"""

NODE = """apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {kubernetes.io/hostname: node-1}
"""


def main():
    vcdlb, kubectl = sys.argv[1], sys.argv[2]
    if not os.access(kubectl, os.X_OK):
        print("SKIP: %s is not installed" % kubectl)
        return SKIP
    with KubeSim(vcdlb) as sim:
        cache = os.path.join(sim.dir, "cache")

        def k(*args, stdin=None, ok=True, kubeconfig=None):
            r = subprocess.run([kubectl, "--kubeconfig", kubeconfig or sim.kubeconfig,
                                "--cache-dir", cache, "--request-timeout", "10s", *args],
                               input=stdin, capture_output=True, text=True, timeout=30)
            if ok and r.returncode != 0:
                raise AssertionError("kubectl %s failed: %s" % (" ".join(args), r.stderr))
            return r

        def svc():
            return json.loads(k("get", "svc", "web", "-o", "json").stdout)

        version = json.loads(k("version", "-o", "json").stdout)
        check(version["serverVersion"]["minor"] == "30", "kubectl version reads /version")

        out = k("apply", "-f", "-", stdin=SERVICE).stdout
        check("service/web created" in out, "apply creates the Service")
        s = svc()
        ports = s["spec"]["ports"]
        check(30000 <= ports[0]["nodePort"] <= 32767, "nodePort allocated by the server")
        check(s["spec"]["clusterIP"].startswith("10."), "clusterIP allocated")
        check(s["status"] == {"loadBalancer": {}}, "status defaulted")

        out = k("apply", "-f", "-", stdin=SERVICE_V2).stdout
        check("service/web configured" in out, "re-apply patches the Service")
        s = svc()
        check([p["port"] for p in s["spec"]["ports"]] == [443, 8080],
              "strategic merge patch replaced port 80 and kept the applied order")
        node_ports = [p["nodePort"] for p in s["spec"]["ports"]]
        check(len(set(node_ports)) == 2, "every port has its own nodePort")
        check(s["metadata"]["labels"]["rev"] == "2", "labels merged")
        out = k("apply", "-f", "-", stdin=SERVICE_V2).stdout
        check("unchanged" in out, "re-applying the same file changes nothing")

        listing = k("get", "svc").stdout
        check("web" in listing, "get svc lists it")
        k("get", "svc", "-l", "rev=2", "-o", "name")
        check(k("get", "svc", "-l", "rev=3", "-o", "name").stdout.strip() == "",
              "label selector filters")

        # get -w while a patch happens.
        watch = subprocess.Popen([kubectl, "--kubeconfig", sim.kubeconfig, "--cache-dir", cache,
                                  "get", "svc", "web", "-w", "--output-watch-events", "-o",
                                  "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        try:
            time.sleep(1.0)
            k("patch", "svc", "web", "--type=merge", "-p",
              '{"metadata":{"annotations":{"watched":"yes"}}}')
            k("patch", "svc", "web", "-p", '{"metadata":{"labels":{"smp":"1"}}}')
            k("patch", "svc", "web", "--type=json", "-p",
              '[{"op":"add","path":"/metadata/labels/jp","value":"1"}]')
            time.sleep(1.0)
        finally:
            watch.terminate()
            stdout, _ = watch.communicate(timeout=10)
        decoder = json.JSONDecoder()
        events, pos = [], 0
        text = stdout.strip()
        while pos < len(text):
            ev, end = decoder.raw_decode(text, pos)
            events.append(ev)
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
        types = [e["type"] for e in events]
        check(types[:1] == ["ADDED"] and types.count("MODIFIED") >= 3,
              "get -w saw the initial ADDED and the three patches (%s)" % types)
        last = events[-1]["object"]["metadata"]
        check(last["annotations"]["watched"] == "yes" and last["labels"]["jp"] == "1",
              "watch events carry the patched object")

        r = k("patch", "svc", "web", "--subresource=status", "--type=merge", "-p",
              '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}', ok=False)
        if "unknown flag" in r.stderr:
            print("note: this kubectl has no --subresource")
        else:
            check(r.returncode == 0, "patch --subresource=status")
            ingress = svc()["status"]["loadBalancer"]["ingress"]
            check(ingress == [{"ip": "192.0.2.10", "ipMode": "VIP"}], "status written, ipMode defaulted")
            table = k("get", "svc", "web").stdout.split("\n")
            check(table[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
                  and "192.0.2.10" in table[1].split() and "LoadBalancer" in table[1].split(),
                  "server-side Table printing shows the external IP")

        # Finalizers: delete leaves a terminating object until the finalizer goes.
        k("patch", "svc", "web", "--type=merge", "-p",
          '{"metadata":{"finalizers":["example.com/cleanup"]}}')
        k("delete", "svc", "web", "--wait=false")
        check("deletionTimestamp" in svc()["metadata"], "delete with a finalizer sets deletionTimestamp")
        k("patch", "svc", "web", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
        r = k("get", "svc", "web", ok=False)
        check(r.returncode != 0 and "NotFound" in r.stderr, "removing the last finalizer deletes")

        k("apply", "-f", "-", stdin=SERVICE)
        out = k("delete", "svc", "web").stdout
        check('service "web" deleted' in out, "delete waits for the deletion")
        r = k("get", "svc", "web", ok=False)
        check(r.returncode != 0 and 'services "web" not found' in r.stderr, "404 Status message")

        k("apply", "-f", "-", stdin=NODE)
        check("node-1" in k("get", "nodes").stdout, "nodes are served cluster-wide")
        check("default" in k("get", "ns").stdout, "namespaces are pre-created")
        check(k("get", "leases", "-n", "kube-system", "-o", "name").returncode == 0, "leases list")
        check(k("get", "events", "-A").returncode == 0, "events list")

        # kubectl validates against the server's OpenAPI (v3, fieldValidation=Strict):
        # unknown fields are refused by the server, known ones pass, without --validate=false.
        r = k("apply", "-f", "-", stdin=SERVICE.replace("  type: LoadBalancer",
                                                        "  type: LoadBalancer\n  bogus: 1"),
              ok=False)
        check(r.returncode != 0 and 'unknown field "spec.bogus"' in r.stderr,
              "strict server-side validation refuses an unknown field (%s)" % r.stderr.strip())
        r = k("apply", "--validate=warn", "-f", "-",
              stdin=SERVICE.replace("  type: LoadBalancer", "  type: LoadBalancer\n  bogus: 1"),
              ok=False)
        check(r.returncode == 0 and 'unknown field "spec.bogus"' in r.stderr,
              "--validate=warn: the server's Warning is printed (%s)" % r.stderr.strip())
        k("delete", "svc", "web")
        r = k("apply", "--validate=false", "-f", "-",
              stdin=SERVICE.replace("  type: LoadBalancer", "  type: LoadBalancer\n  bogus: 1"),
              ok=False)
        check(r.returncode == 0, "--validate=false still skips validation")
        k("delete", "svc", "web")
        check("openapi" in k("get", "--raw", "/openapi/v3").stdout, "/openapi/v3 is served")
        explain = k("explain", "service.spec.ports", ok=False)
        check(explain.returncode == 0 and "nodePort" in explain.stdout,
              "kubectl explain reads the schemas (%s)" % explain.stderr.strip())

        # Events: kubectl's columns from the server-side Table, and `kubectl events --for`.
        k("apply", "-f", "-", stdin=SERVICE)
        k("create", "-f", "-", stdin=EVENT)
        rows = k("get", "events").stdout.split("\n")
        check(rows[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
              and "service/web" in rows[1] and "EnsuringLoadBalancer" in rows[1],
              "get events shows the usual columns (%s)" % rows[:2])
        r = k("events", "--for", "service/web", ok=False)
        if "unknown command" in r.stderr or "unknown flag" in r.stderr:
            print("note: this kubectl has no `events --for`")
        else:
            check(r.returncode == 0 and "Ensuring load balancer" in r.stdout,
                  "kubectl events --for service/web (%s)" % r.stderr.strip())
        check(k("get", "endpointslices").returncode == 0, "endpointslices list")

        bad = os.path.join(sim.dir, "bad-kubeconfig")
        with open(sim.kubeconfig) as f, open(bad, "w") as g:
            g.write("\n".join(l if "token:" not in l else "    token: wrong"
                              for l in f.read().splitlines()) + "\n")
        r = k("get", "svc", ok=False, kubeconfig=bad)
        check(r.returncode != 0 and "nauthorized" in r.stderr, "a wrong token is refused")

    with KubeSim(vcdlb, "--plain-http") as plain:
        check(plain.url.startswith("http://"), "--plain-http serves http")
        r = subprocess.run([kubectl, "--kubeconfig", plain.kubeconfig, "--cache-dir",
                            os.path.join(plain.dir, "cache"), "get", "ns", "-o", "name"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and "namespace/default" in r.stdout, "kubectl over plain HTTP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
