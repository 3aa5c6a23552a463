#!/usr/bin/python3
"""Validates vcdlb's deployment files.

(a) Parses deploy/manifests, deploy/examples, the Helm chart's Chart.yaml/values.yaml and the
    Dockerfile, and checks the security context, probes, mounts, command line and RBAC rules
    exactly, so weakening any of them fails the test. A built-in mutation self-check proves the
    rules catch such changes. With --vcdlb, the example ConfigMap/Secret (and vcdlb's own
    settings ConfigMap, through --vcdlb-config/--vcd-ca-file) pass `vcdlb check-config`.
    deploy/patches/vcdlb-config.json applied to the manifests keeps every rule.
(b) Renders the Helm chart with `helm template` and applies the same rules, if helm is installed.
(c) Runs `kubectl apply --dry-run=client` against `vcdlb kube-sim` (the project's API server
    double), if the binary has that subcommand, for every object kind the double serves.

Usage: check_deploy.py --repo DIR [--vcdlb BINARY] [--kubectl KUBECTL]
"""

import argparse
import copy
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile

import yaml

NAMESPACE = "kube-system"
NAME = "vcdlb"
METRICS_PORT = 10271
COMMAND = [
    "vcdlb", "controller",
    "--cloud-config=/etc/kubernetes/vcloud/vcloud-ccm-config.yaml",
    "--secrets-dir=/etc/kubernetes/vcloud/basic-auth",
    "--leader-elect=true",
    "--leader-elect-lease-name=vcdlb",
    "--leader-elect-namespace=kube-system",
    "--metrics-bind-address=0.0.0.0:10271",
    "--log-format=json",
    "--controllers=*",
]
# The same grants as controller/permissions.hpp (tests/controller/permissions_test.cpp checks
# the manifests and chart against that table; this test adds resourceNames and the chart render).
CLUSTER_RULES = {
    ("", "services", v, ()) for v in ("get", "list", "watch", "patch")
} | {
    ("", "services/status", "patch", ()),
} | {
    ("", "nodes", v, ()) for v in ("list", "watch", "patch", "delete")
} | {
    ("", "nodes/status", "patch", ()),
} | {
    ("discovery.k8s.io", "endpointslices", v, ()) for v in ("list", "watch")
} | {
    ("", "events", v, ()) for v in ("create", "patch")
}
LEASE_RULES = {
    ("coordination.k8s.io", "leases", "create", ()),
    ("coordination.k8s.io", "leases", "get", ("vcdlb",)),
    ("coordination.k8s.io", "leases", "update", ("vcdlb",)),
}
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "Namespace"}
ALLOWED_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                 "Deployment", "PodDisruptionBudget", "Service"}
CONFIG_DIR = "/etc/kubernetes/vcloud"
SECRETS_DIR = "/etc/kubernetes/vcloud/basic-auth"
ZONES_DIR = "/opt/vmware-cloud-director/ccm"


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def normalize_rules(rules):
    out = set()
    for r in rules or []:
        for g in r.get("apiGroups", []):
            for res in r.get("resources", []):
                for v in r.get("verbs", []):
                    out.add((g, res, v, tuple(sorted(r.get("resourceNames", [])))))
    return out


def subset(small, big):
    return bool(small) and all(big.get(k) == v for k, v in small.items())


def check_install(objs, command=COMMAND):
    """Returns the list of rule violations of one install (manifests or rendered chart)."""
    errors = []

    def need(cond, msg):
        if not cond:
            errors.append(msg)
        return cond

    by = {}
    for o in objs:
        kind = o.get("kind")
        meta = o.get("metadata", {})
        need(kind in ALLOWED_KINDS,
             f"unexpected kind {kind} (never ship ConfigMaps/Secrets that overwrite the user's)")
        if kind not in CLUSTER_SCOPED:
            need(meta.get("namespace") == NAMESPACE,
                 f"{kind}/{meta.get('name')} must be in namespace {NAMESPACE}")
        by[(kind, meta.get("name"))] = o

    def get(kind, name):
        o = by.get((kind, name))
        need(o is not None, f"missing {kind}/{name}")
        return o or {}

    sa_subject = [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]
    get("ServiceAccount", NAME)

    cr = get("ClusterRole", NAME)
    rules = normalize_rules(cr.get("rules"))
    need(rules == CLUSTER_RULES,
         f"ClusterRole rules differ: extra {sorted(rules - CLUSTER_RULES)}, "
         f"missing {sorted(CLUSTER_RULES - rules)}")
    crb = get("ClusterRoleBinding", NAME)
    need(crb.get("roleRef") == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                "name": NAME}, "ClusterRoleBinding roleRef")
    need(crb.get("subjects") == sa_subject, "ClusterRoleBinding subjects")

    role = get("Role", "vcdlb-leader-election")
    lrules = normalize_rules(role.get("rules"))
    need(lrules == LEASE_RULES,
         f"lease Role rules differ: extra {sorted(lrules - LEASE_RULES)}, "
         f"missing {sorted(LEASE_RULES - lrules)}")
    rb = get("RoleBinding", "vcdlb-leader-election")
    need(rb.get("roleRef", {}).get("kind") == "Role"
         and rb.get("roleRef", {}).get("name") == "vcdlb-leader-election", "RoleBinding roleRef")
    need(rb.get("subjects") == sa_subject, "RoleBinding subjects")
    for o in objs:
        if o.get("kind") in ("ClusterRole", "Role"):
            for r in normalize_rules(o.get("rules")):
                need("*" not in r[:3], f"wildcard in {o['kind']}/{o['metadata']['name']}: {r}")

    dep = get("Deployment", NAME)
    spec = dep.get("spec", {})
    need(spec.get("replicas") == 2, "Deployment replicas must be 2")
    tmpl = spec.get("template", {})
    pod_labels = tmpl.get("metadata", {}).get("labels", {})
    need(subset(spec.get("selector", {}).get("matchLabels", {}), pod_labels),
         "Deployment selector must match the pod labels")
    pod = tmpl.get("spec", {})
    need(pod.get("serviceAccountName") == NAME, "serviceAccountName")
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        need(not pod.get(host), f"{host} must be off")
    psc = pod.get("securityContext", {})
    need(psc.get("runAsNonRoot") is True, "pod runAsNonRoot")
    need(psc.get("runAsUser") == 65532, "pod runAsUser 65532")
    need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccomp")
    tolerated = {t.get("key") for t in pod.get("tolerations", [])}
    for key in ("node-role.kubernetes.io/control-plane", "node.cloudprovider.kubernetes.io/uninitialized",
                "CriticalAddonsOnly"):
        need(key in tolerated, f"toleration for {key}")
    terms = (pod.get("affinity", {}).get("nodeAffinity", {})
             .get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", []))
    need(any(e.get("key") == "node-role.kubernetes.io/control-plane" and e.get("operator") == "Exists"
             for t in terms for e in t.get("matchExpressions", [])),
         "node affinity to control-plane nodes")

    containers = pod.get("containers", [])
    need(len(containers) == 1, "exactly one container")
    c = containers[0] if containers else {}
    need(c.get("command", []) + c.get("args", []) == command,
         f"command line differs: {c.get('command', []) + c.get('args', [])}")
    image = c.get("image", "")
    need(":" in image and not image.endswith(":latest"), f"image must have a fixed tag: {image}")
    sc = c.get("securityContext", {})
    need(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    need(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation false")
    need(not sc.get("privileged"), "not privileged")
    need(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities drop ALL")
    need(not sc.get("capabilities", {}).get("add"), "no added capabilities")
    need(sc.get("runAsUser", 65532) == 65532 and sc.get("runAsNonRoot", True) is True,
         "container must not override the non-root user")
    need(sc.get("seccompProfile", {"type": "RuntimeDefault"}).get("type") == "RuntimeDefault",
         "container seccomp")
    res = c.get("resources", {})
    for part in ("requests", "limits"):
        for r in ("cpu", "memory"):
            need(r in res.get(part, {}), f"resources.{part}.{r}")
    ports = {p.get("name"): p for p in c.get("ports", [])}
    need(ports.get("metrics", {}).get("containerPort") == METRICS_PORT, "metrics containerPort")

    def probe_ok(probe, path):
        h = (probe or {}).get("httpGet", {})
        port = h.get("port")
        return h.get("path") == path and (port == "metrics" or port == METRICS_PORT) \
            and h.get("scheme", "HTTP") == "HTTP"
    need(probe_ok(c.get("livenessProbe"), "/healthz"), "livenessProbe GET /healthz on metrics")
    need(probe_ok(c.get("readinessProbe"), "/readyz"), "readinessProbe GET /readyz on metrics")

    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts", [])}
    cfg = mounts.get(CONFIG_DIR, {})
    cfg_vol = volumes.get(cfg.get("name"), {}).get("configMap", {})
    need(cfg_vol.get("name") == "vcloud-ccm-configmap" and cfg.get("readOnly") is True,
         f"ConfigMap vcloud-ccm-configmap read-only at {CONFIG_DIR}")
    items = cfg_vol.get("items")
    need(items is None or any(i.get("key") == "vcloud-ccm-config.yaml"
                              and i.get("path") == "vcloud-ccm-config.yaml" for i in items),
         "config key vcloud-ccm-config.yaml must appear as that file")
    sec = mounts.get(SECRETS_DIR, {})
    sec_vol = volumes.get(sec.get("name"), {}).get("secret", {})
    need(sec_vol.get("secretName") == "vcloud-basic-auth" and sec.get("readOnly") is True,
         f"Secret vcloud-basic-auth read-only at {SECRETS_DIR}")
    zones = mounts.get(ZONES_DIR, {})
    zones_vol = volumes.get(zones.get("name"), {}).get("configMap", {})
    need(zones_vol.get("name") == "vcloud-capvcd-zones" and zones.get("readOnly") is True
         and zones_vol.get("optional") is True,
         f"ConfigMap vcloud-capvcd-zones read-only and optional at {ZONES_DIR} (the node duties' "
         "zones file, where upstream mounts it)")
    for path, m in mounts.items():
        v = volumes.get(m.get("name"), {})
        need("hostPath" not in v, f"no hostPath volumes ({path})")

    pdb = get("PodDisruptionBudget", NAME)
    need(pdb.get("apiVersion") == "policy/v1", "PDB policy/v1")
    need(pdb.get("spec", {}).get("minAvailable") == 1, "PDB minAvailable 1")
    need(subset(pdb.get("spec", {}).get("selector", {}).get("matchLabels", {}), pod_labels),
         "PDB selects the pods")

    svc = get("Service", "vcdlb-metrics")
    sspec = svc.get("spec", {})
    need(subset(sspec.get("selector", {}), pod_labels), "metrics Service selects the pods")
    need(any(p.get("port") == METRICS_PORT and p.get("targetPort") in ("metrics", METRICS_PORT)
             for p in sspec.get("ports", [])), "metrics Service port")
    need(sspec.get("type", "ClusterIP") == "ClusterIP", "metrics Service stays ClusterIP")
    return errors


def mutation_self_check(objs):
    """Each weakening must be caught, or the rules above are not worth much."""
    dep_index = next(i for i, o in enumerate(objs) if o["kind"] == "Deployment")
    role_index = next(i for i, o in enumerate(objs) if o["kind"] == "ClusterRole")

    def container(o):
        return o["spec"]["template"]["spec"]["containers"][0]

    mutations = {
        "readOnlyRootFilesystem off": lambda o: container(o[dep_index])["securityContext"]
        .__setitem__("readOnlyRootFilesystem", False),
        "capability added": lambda o: container(o[dep_index])["securityContext"]["capabilities"]
        .__setitem__("add", ["NET_ADMIN"]),
        "liveness probe removed": lambda o: container(o[dep_index]).pop("livenessProbe"),
        "root user": lambda o: o[dep_index]["spec"]["template"]["spec"]["securityContext"]
        .__setitem__("runAsUser", 0),
        "wildcard verb": lambda o: o[role_index]["rules"].append(
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}),
        "secret mount moved": lambda o: container(o[dep_index])["volumeMounts"][1]
        .__setitem__("mountPath", "/secrets"),
        "hostNetwork": lambda o: o[dep_index]["spec"]["template"]["spec"]
        .__setitem__("hostNetwork", True),
        "one replica": lambda o: o[dep_index]["spec"].__setitem__("replicas", 1),
    }
    missed = []
    for name, mutate in mutations.items():
        m = copy.deepcopy(objs)
        mutate(m)
        if not check_install(m):
            missed.append(name)
    return missed


def check_examples(repo, vcdlb, errors):
    ex = os.path.join(repo, "deploy", "examples")
    cm = load_yaml_docs(os.path.join(ex, "vcloud-ccm-configmap.yaml"))
    sec = load_yaml_docs(os.path.join(ex, "vcloud-basic-auth-secret.yaml"))
    if len(cm) != 1 or cm[0].get("kind") != "ConfigMap" \
            or cm[0]["metadata"].get("name") != "vcloud-ccm-configmap" \
            or cm[0]["metadata"].get("namespace") != NAMESPACE:
        errors.append("example ConfigMap must be kube-system/vcloud-ccm-configmap")
        return
    if len(sec) != 1 or sec[0].get("kind") != "Secret" \
            or sec[0]["metadata"].get("name") != "vcloud-basic-auth" \
            or sec[0]["metadata"].get("namespace") != NAMESPACE:
        errors.append("example Secret must be kube-system/vcloud-basic-auth")
        return
    config_text = cm[0].get("data", {}).get("vcloud-ccm-config.yaml")
    if config_text is None:
        errors.append("example ConfigMap lacks key vcloud-ccm-config.yaml")
        return
    config = yaml.safe_load(config_text)
    for key in ("vcd", "loadbalancer", "clusterid", "vAppName"):
        if key not in config:
            errors.append(f"example config lacks {key}")
    secret_data = sec[0].get("stringData", {})
    if set(secret_data) != {"username", "password", "refreshToken"}:
        errors.append(f"example Secret keys must be username, password, refreshToken: "
                      f"{sorted(secret_data)}")
    if vcdlb and os.access(vcdlb, os.X_OK):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "vcloud-ccm-config.yaml")
            with open(cfg, "w", encoding="utf-8") as f:
                f.write(config_text)
            auth = os.path.join(tmp, "basic-auth")
            os.mkdir(auth)
            for k, v in secret_data.items():
                with open(os.path.join(auth, k), "w", encoding="utf-8") as f:
                    f.write(v)
            args = [vcdlb, "check-config", "--cloud-config", cfg, "--secrets-dir", auth]
            # vcdlb's own settings and VCD's CA from their own ConfigMap (--vcdlb-config,
            # --vcd-ca-file), so that the upstream ConfigMap stays unchanged.
            own = load_yaml_docs(os.path.join(ex, "vcdlb-config.yaml"))
            own_data = own[0].get("data", {}) if len(own) == 1 else {}
            if set(own_data) != {"vcdlb.yaml", "ca.crt"}:
                errors.append("example vcdlb-config.yaml must be a ConfigMap with keys vcdlb.yaml "
                              f"and ca.crt: {sorted(own_data)}")
            for key, flag in (("vcdlb.yaml", "--vcdlb-config"), ("ca.crt", "--vcd-ca-file")):
                if key in own_data:
                    path = os.path.join(tmp, key)
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(own_data[key])
                    args += [flag, path]
            r = subprocess.run(args, capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                errors.append(f"vcdlb check-config rejects the examples:\n{r.stdout}{r.stderr}")
            elif "change-me" in r.stdout + r.stderr:
                errors.append("vcdlb check-config printed the example password")
            else:
                print("ok: the example ConfigMap and Secret pass `vcdlb check-config`")


def json_patch_add(doc, patch):
    """Applies the "add" operations of an RFC 6902 patch (what deploy/patches/ uses)."""
    for op in patch:
        if op.get("op") != "add":
            raise ValueError(f"only add operations are expected: {op}")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        target = doc
        for p in parts[:-1]:
            target = target[int(p)] if isinstance(target, list) else target[p]
        last = parts[-1]
        if isinstance(target, list):
            if last == "-":
                target.append(copy.deepcopy(op["value"]))
            else:
                target.insert(int(last), copy.deepcopy(op["value"]))
        else:
            target[last] = copy.deepcopy(op["value"])


def check_settings_patch(repo, objs, vcdlb, errors):
    """deploy/patches/vcdlb-config.json (docs/deployment.md) on the manifests: every rule still
    holds, the flags point into the mounted ConfigMap vcdlb-config, and the example ConfigMap
    has the keys they name."""
    with open(os.path.join(repo, "deploy", "patches", "vcdlb-config.json"), encoding="utf-8") as f:
        patch = json.load(f)
    patched = copy.deepcopy(objs)
    dep = next(o for o in patched if o["kind"] == "Deployment")
    json_patch_add(dep, patch)
    flags = ["--vcdlb-config=/etc/vcdlb/vcdlb.yaml", "--vcd-ca-file=/etc/vcdlb/ca.crt"]
    problems = check_install(patched, COMMAND + flags)
    pod = dep["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    mount = mounts.get("/etc/vcdlb", {})
    if volumes.get(mount.get("name"), {}).get("configMap", {}).get("name") != "vcdlb-config" \
            or mount.get("readOnly") is not True:
        problems.append("ConfigMap vcdlb-config must be mounted read-only at /etc/vcdlb")
    example = load_yaml_docs(os.path.join(repo, "deploy", "examples", "vcdlb-config.yaml"))[0]
    for flag in flags:
        key = flag.rsplit("/", 1)[1]
        if key not in example.get("data", {}):
            problems.append(f"{flag} names key {key}, which deploy/examples/vcdlb-config.yaml lacks")
    errors.extend(f"deploy/patches/vcdlb-config.json: {p}" for p in problems)
    if vcdlb and os.access(vcdlb, os.X_OK):
        # The patched command line parses (unknown flags would exit 2 before anything else).
        r = subprocess.run([vcdlb, "controller", "--help"], capture_output=True, text=True,
                           timeout=30)
        for flag in flags:
            if flag.split("=", 1)[0] not in r.stdout:
                errors.append(f"vcdlb controller does not know {flag.split('=', 1)[0]}")
    if not problems:
        print("ok: deploy/patches/vcdlb-config.json keeps every rule and mounts what it names")


def check_gc_cronjob(repo, vcdlb, errors):
    """deploy/examples/vcdlb-gc-cronjob.yaml: runs `vcdlb gc` with flags it knows, reads the
    controller's ConfigMap and Secret where its flags say, one run at a time, without a service
    account token, locked down like the controller."""
    path = os.path.join(repo, "deploy", "examples", "vcdlb-gc-cronjob.yaml")
    docs = load_yaml_docs(path)
    problems = []
    if len(docs) != 1 or docs[0].get("kind") != "CronJob":
        errors.append("deploy/examples/vcdlb-gc-cronjob.yaml must hold one CronJob")
        return
    cj = docs[0]
    if cj["metadata"].get("namespace") != NAMESPACE:
        problems.append(f"must be in namespace {NAMESPACE}")
    if cj["spec"].get("concurrencyPolicy") != "Forbid":
        problems.append("concurrencyPolicy must be Forbid (two runs would race on the gateway)")
    pod = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if pod.get("automountServiceAccountToken") is not False:
        problems.append("gc needs no Kubernetes API access: automountServiceAccountToken: false")
    c = pod["containers"][0]
    cmd = c.get("command", [])
    if cmd[:2] != ["vcdlb", "gc"]:
        problems.append(f"command must start with vcdlb gc: {cmd}")
    sc = c.get("securityContext", {})
    if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
        problems.append("container must have a read-only root and no privilege escalation")
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        problems.append("pod must run as non-root")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    wanted = {CONFIG_DIR: ("configMap", "name", "vcloud-ccm-configmap"),
              SECRETS_DIR: ("secret", "secretName", "vcloud-basic-auth")}
    for mount_path, (kind, key, name) in wanted.items():
        m = mounts.get(mount_path, {})
        if volumes.get(m.get("name"), {}).get(kind, {}).get(key) != name or not m.get("readOnly"):
            problems.append(f"{kind} {name} must be mounted read-only at {mount_path}")
    flags = dict(a.split("=", 1) if "=" in a else (a, "") for a in cmd[2:])
    if flags.get("--cloud-config", "").rsplit("/", 1)[0] != CONFIG_DIR:
        problems.append(f"--cloud-config must point into {CONFIG_DIR}")
    if flags.get("--secrets-dir") != SECRETS_DIR:
        problems.append(f"--secrets-dir must be {SECRETS_DIR}")
    if vcdlb and os.access(vcdlb, os.X_OK):
        r = subprocess.run([vcdlb, "gc", "--help"], capture_output=True, text=True, timeout=30)
        for flag in flags:
            if flag not in r.stdout:
                problems.append(f"vcdlb gc does not know {flag}")
    errors.extend(f"deploy/examples/vcdlb-gc-cronjob.yaml: {p}" for p in problems)
    if not problems:
        print("ok: the gc CronJob runs vcdlb gc on the controller's ConfigMap and Secret")


def project_version(repo):
    with open(os.path.join(repo, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(vcdlb VERSION ([0-9.]+)", f.read())
    return m.group(1) if m else None


def check_chart_static(repo, manifest_objs, errors):
    chart_dir = os.path.join(repo, "deploy", "helm", "vcdlb")
    chart = load_yaml_docs(os.path.join(chart_dir, "Chart.yaml"))[0]
    values = load_yaml_docs(os.path.join(chart_dir, "values.yaml"))[0]
    version = project_version(repo)
    if chart.get("apiVersion") != "v2" or chart.get("name") != "vcdlb":
        errors.append("Chart.yaml: apiVersion v2, name vcdlb")
    if str(chart.get("appVersion")) != version:
        errors.append(f"Chart appVersion {chart.get('appVersion')} != project version {version}")
    dep = next(o for o in manifest_objs if o["kind"] == "Deployment")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    if not c["image"].endswith(":" + str(version)):
        errors.append(f"manifest image {c['image']} is not tagged with the project version {version}")
    # The chart's defaults give the same install as the plain manifests.
    expect = {
        ("replicas",): 2,
        ("resources",): c["resources"],
        ("leaderElection", "enabled"): True,
        ("leaderElection", "leaseName"): "vcdlb",
        ("metrics", "port"): METRICS_PORT,
        ("cloudConfig", "configMapName"): "vcloud-ccm-configmap",
        ("cloudConfig", "secretName"): "vcloud-basic-auth",
        ("logFormat",): "json",
        ("serviceAccount", "name"): NAME,
        ("tolerations",): dep["spec"]["template"]["spec"]["tolerations"],
        ("affinity",): dep["spec"]["template"]["spec"]["affinity"],
    }
    for path, want in expect.items():
        v = values
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if v != want:
            errors.append(f"values.yaml {'.'.join(path)} = {v!r}, manifests have {want!r}")
    for t in ("deployment.yaml", "rbac.yaml", "serviceaccount.yaml", "pdb.yaml", "service.yaml",
              "_helpers.tpl"):
        if not os.path.exists(os.path.join(chart_dir, "templates", t)):
            errors.append(f"chart template {t} missing")
    # Without helm, at least every `.Values.a.b` a template uses must exist in values.yaml, and
    # the template actions must be balanced.
    for t in sorted(os.listdir(os.path.join(chart_dir, "templates"))):
        with open(os.path.join(chart_dir, "templates", t), encoding="utf-8") as f:
            text = f.read()
        if text.count("{{") != text.count("}}"):
            errors.append(f"chart template {t}: unbalanced {{{{ }}}}")
        opened = len(re.findall(r"{{-?\s*(?:if|with|range|define)\b", text))
        closed = len(re.findall(r"{{-?\s*end\b", text))
        if opened != closed:
            errors.append(f"chart template {t}: {opened} blocks opened, {closed} closed")
        for path in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text):
            v = values
            for p in path.strip(".").split("."):
                if not isinstance(v, dict) or p not in v:
                    errors.append(f"chart template {t} uses .Values{path}, not in values.yaml")
                    break
                v = v[p]


def check_dockerfile(repo, errors):
    path = os.path.join(repo, "Dockerfile")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    if froms != ["debian:bookworm", "debian:bookworm-slim"]:
        errors.append(f"Dockerfile stages must be debian:bookworm then debian:bookworm-slim: {froms}")
    for needle, what in [
        ("scripts/install-deps.sh", "build stage installs deps with scripts/install-deps.sh"),
        ("-DCMAKE_BUILD_TYPE=Release", "Release build"),
        ("ca-certificates", "runtime has ca-certificates"),
        ('ENTRYPOINT ["/usr/local/bin/vcdlb"]', "exec-form entrypoint"),
    ]:
        if needle not in text:
            errors.append(f"Dockerfile: {what}")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    if not users or users[-1] not in ("65532", "65532:65532"):
        errors.append(f"Dockerfile: last USER must be 65532: {users}")
    if not os.path.exists(os.path.join(repo, ".dockerignore")):
        errors.append(".dockerignore missing")


def render_helm(repo, helm, errors):
    chart_dir = os.path.join(repo, "deploy", "helm", "vcdlb")
    r = subprocess.run([helm, "lint", chart_dir], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        errors.append(f"helm lint failed:\n{r.stdout}{r.stderr}")
    r = subprocess.run([helm, "template", NAME, chart_dir, "--namespace", NAMESPACE],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        errors.append(f"helm template failed:\n{r.stderr}")
        return
    objs = [d for d in yaml.safe_load_all(r.stdout) if d is not None]
    errors.extend(f"helm: {e}" for e in check_install(objs))
    r = subprocess.run([helm, "template", NAME, chart_dir, "--namespace", NAMESPACE,
                        "--set", "leaderElection.enabled=false"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 0:
        errors.append("helm: replicas=2 without leader election must be refused")
    print("ok: helm lint and helm template pass the same rules")


def start_kube_sim(vcdlb, kubeconfig):
    proc = subprocess.Popen([vcdlb, "kube-sim", "--listen", "127.0.0.1:0",
                             "--kubeconfig-out", kubeconfig],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline() if ready else ""
    m = re.match(r"kube-sim listening on (\S+)", line)
    if not m:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"kube-sim did not start: {line!r} {proc.stderr.read()}")
    return proc, m.group(1)


def kubectl_dry_run(repo, vcdlb, kubectl, errors):
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        proc, url = start_kube_sim(vcdlb, kubeconfig)
        try:
            r = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "api-resources", "--no-headers"],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                errors.append(f"kubectl api-resources against kube-sim failed: {r.stderr}")
                return
            served = set()
            for line in r.stdout.splitlines():
                f = line.split()
                if len(f) >= 4:
                    served.add((f[-3], f[-1]))
            print(f"kube-sim at {url} serves {len(served)} kinds")
            files = sorted(os.path.join(d, f) for d in (os.path.join(repo, "deploy", "manifests"),
                                                        os.path.join(repo, "deploy", "examples"))
                           for f in os.listdir(d) if f.endswith(".yaml"))
            applied = skipped = 0
            for path in files:
                for i, doc in enumerate(load_yaml_docs(path)):
                    ident = f"{doc['kind']}/{doc['metadata']['name']} ({os.path.basename(path)})"
                    if (doc["apiVersion"], doc["kind"]) not in served:
                        print(f"skip: {ident}: kind not served by kube-sim; checked by the rules only")
                        skipped += 1
                        continue
                    one = os.path.join(tmp, f"doc-{applied}-{i}.yaml")
                    with open(one, "w", encoding="utf-8") as f:
                        yaml.safe_dump(doc, f)
                    r = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "apply",
                                        "--dry-run=client", "--validate=false", "-f", one],
                                       capture_output=True, text=True, timeout=60)
                    if r.returncode != 0 or "(dry run)" not in r.stdout:
                        errors.append(f"kubectl apply --dry-run=client {ident}: {r.stdout}{r.stderr}")
                    else:
                        print(f"ok: kubectl: {r.stdout.strip()}")
                    applied += 1
            print(f"kubectl dry-run: {applied} objects applied, {skipped} skipped")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def has_kube_sim(vcdlb):
    if not vcdlb or not os.access(vcdlb, os.X_OK):
        return False
    r = subprocess.run([vcdlb, "kube-sim", "--help"], capture_output=True, text=True, timeout=30)
    # Without the subcommand, CLI11 answers --help with the top-level help and exit code 0.
    return r.returncode == 0 and "--kubeconfig-out" in r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--vcdlb", help="the vcdlb binary (check-config, kube-sim)")
    ap.add_argument("--kubectl", default=shutil.which("kubectl"))
    ap.add_argument("--helm", default=shutil.which("helm"))
    args = ap.parse_args()

    errors = []
    manifest_dir = os.path.join(args.repo, "deploy", "manifests")
    objs = []
    for f in sorted(os.listdir(manifest_dir)):
        if f.endswith(".yaml"):
            objs.extend(load_yaml_docs(os.path.join(manifest_dir, f)))
    print(f"parsed {len(objs)} objects from deploy/manifests")
    errors.extend(check_install(objs))
    missed = mutation_self_check(objs) if not errors else []
    if missed:
        errors.append(f"the rules miss these weakenings: {missed}")
    else:
        print("ok: manifests pass; every mutation of the self-check is caught")
    check_examples(args.repo, args.vcdlb, errors)
    check_settings_patch(args.repo, objs, args.vcdlb, errors)
    check_gc_cronjob(args.repo, args.vcdlb, errors)
    check_chart_static(args.repo, objs, errors)
    check_dockerfile(args.repo, errors)

    if args.helm:
        render_helm(args.repo, args.helm, errors)
    else:
        print("SKIP (b): helm is not installed; the chart was checked statically only "
              "(Chart.yaml; values.yaml defaults equal the manifests; templates use only defined "
              "values and balance their blocks)")

    if args.kubectl and has_kube_sim(args.vcdlb):
        kubectl_dry_run(args.repo, args.vcdlb, args.kubectl, errors)
    else:
        print("SKIP (c): `vcdlb kube-sim` is not available (or no kubectl); "
              "checked with (a) only")

    if errors:
        print("FAILED:")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("deploy checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
