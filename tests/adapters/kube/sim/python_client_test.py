"""Drives `vcdlb kube-sim` with the python3-kubernetes client (argv: vcdlb).

Run it with /usr/bin/python3 (the interpreter python3-kubernetes is installed for); exits 77
(skipped) when the module is missing.
"""

import sys
import threading
import time

from kube_sim_harness import SKIP, KubeSim, check

try:
    from kubernetes import client, config, watch
except ImportError:
    print("SKIP: python3-kubernetes is not importable by %s" % sys.executable)
    sys.exit(SKIP)


def api(sim, retries=None):
    cfg = client.Configuration()
    config.load_kube_config(config_file=sim.kubeconfig, client_configuration=cfg)
    if retries is not None:
        cfg.retries = retries  # urllib3 would otherwise honour Retry-After and retry
    return client.ApiClient(cfg)


def service(name, port=80):
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels={"app": name}),
        spec=client.V1ServiceSpec(type="LoadBalancer", ports=[client.V1ServicePort(port=port)]))


def main():
    vcdlb = sys.argv[1]
    with KubeSim(vcdlb, "--history-events", "20") as sim:
        c = api(sim)
        v1 = client.CoreV1Api(c)
        created = v1.create_namespaced_service("default", service("web"))
        check(30000 <= created.spec.ports[0].node_port <= 32767, "create returns the allocated nodePort")

        listed = v1.list_namespaced_service("default")
        rv = listed.metadata.resource_version
        check([s.metadata.name for s in listed.items] == ["web"], "list")

        def write_status():
            time.sleep(0.5)
            v1.patch_namespaced_service_status(
                "web", "default", {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.20"}]}}})
            v1.create_namespaced_service("default", service("second", 81))

        writer = threading.Thread(target=write_status)
        writer.start()
        seen = []
        started = time.monotonic()
        for ev in watch.Watch().stream(v1.list_namespaced_service, "default", resource_version=rv,
                                       timeout_seconds=2):
            seen.append((ev["type"], ev["object"].metadata.name, ev["object"].metadata.resource_version))
        writer.join()
        elapsed = time.monotonic() - started
        check([(t, n) for t, n, _ in seen] == [("MODIFIED", "web"), ("ADDED", "second")],
              "watch from the list RV sees the status patch and the create in order (%s)" % seen)
        check(int(seen[0][2]) < int(seen[1][2]), "event resourceVersions increase")
        check(1.5 < elapsed < 6, "the server ends the watch after timeoutSeconds (%.1fs)" % elapsed)
        got = v1.read_namespaced_service_status("web", "default")
        check(got.status.load_balancer.ingress[0].ip == "192.0.2.20", "patch_namespaced_service_status")

        # Optimistic concurrency and Status bodies.
        stale = v1.read_namespaced_service("web", "default")
        v1.patch_namespaced_service("web", "default", {"metadata": {"labels": {"x": "1"}}})
        stale.metadata.labels["y"] = "2"
        try:
            v1.replace_namespaced_service("web", "default", stale)
            check(False, "stale replace must fail")
        except client.ApiException as e:
            check(e.status == 409 and '"reason":"Conflict"' in e.body, "stale replace is 409 Conflict")
        try:
            v1.read_namespaced_service("nope", "default")
        except client.ApiException as e:
            check(e.status == 404 and "NotFound" in e.body, "404 NotFound Status")

        # Other kinds the controller uses.
        v1.create_node(client.V1Node(
            metadata=client.V1ObjectMeta(name="node-1"),
            status=client.V1NodeStatus(addresses=[client.V1NodeAddress(type="InternalIP", address="10.0.0.1")])))
        nodes = v1.list_node(field_selector="metadata.name=node-1")
        check(nodes.items[0].status.addresses[0].address == "10.0.0.1", "nodes with a field selector")
        v1.create_namespaced_event("default", client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="web.1"), reason="EnsuredLoadBalancer", type="Normal",
            message="Ensured load balancer",
            involved_object=client.V1ObjectReference(kind="Service", namespace="default", name="web")))
        check([e.reason for e in v1.list_namespaced_event("default").items] == ["EnsuredLoadBalancer"],
              "core/v1 events")
        leases = client.CoordinationV1Api(c)
        lease = leases.create_namespaced_lease("kube-system", client.V1Lease(
            metadata=client.V1ObjectMeta(name="vcdlb"),
            spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15)))
        lease.spec.holder_identity = "b"
        leases.replace_namespaced_lease("vcdlb", "kube-system", lease)
        try:
            leases.replace_namespaced_lease("vcdlb", "kube-system", lease)
            check(False, "second replace with the same RV must fail")
        except client.ApiException as e:
            check(e.status == 409, "lease takeover race is 409")
        slices = client.DiscoveryV1Api(c)
        slices.create_namespaced_endpoint_slice("default", client.V1EndpointSlice(
            metadata=client.V1ObjectMeta(name="web-abc", labels={"kubernetes.io/service-name": "web"}),
            address_type="IPv4", endpoints=[client.V1Endpoint(addresses=["10.1.0.1"])]))
        found = slices.list_namespaced_endpoint_slice(
            "default", label_selector="kubernetes.io/service-name=web")
        check([s.metadata.name for s in found.items] == ["web-abc"], "endpointslices by label")

        # History is bounded (20 events): an old RV is 410 Expired.
        for i in range(25):
            v1.patch_namespaced_service("web", "default", {"metadata": {"labels": {"n": str(i)}}})
        try:
            for _ in watch.Watch().stream(v1.list_namespaced_service, "default", resource_version=rv,
                                          timeout_seconds=2):
                pass
            check(False, "a watch from a compacted RV must fail")
        except client.ApiException as e:
            check(e.status == 410, "watch from a compacted RV raises 410")

    with KubeSim(vcdlb, "--fault-429-rate", "1", "--fault-retry-after-s", "2") as sim:
        v1 = client.CoreV1Api(api(sim, retries=0))
        try:
            v1.list_namespaced_service("default")
            check(False, "fault injection must answer 429")
        except client.ApiException as e:
            check(e.status == 429 and e.headers.get("Retry-After") == "2", "429 with Retry-After")
    return 0


if __name__ == "__main__":
    sys.exit(main())
