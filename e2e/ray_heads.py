"""The e2e's stand-in for the kubelet of the Ray head pods: a real Ray head for each head pod on
the loopback node (see e2e/NOTES.md, "A real Ray").

KWOK fakes every pod. A head pod of a RayCluster that the KubeRay operator created for a RayJob or
a RayService, placed on the node whose pod CIDR is on loopback, gets an address there from KWOK
(127.1.0.1, ...). For each such pod this runs `ray start --head` on that address, from the Ray
virtualenv of the toolchain, until the pod goes away, and does for the operator what a cluster's
DNS and EndpointSlice controller would:

- the operator's own hosts file (bind-mounted over /etc/hosts in its mount namespace) maps
  `<cluster>-head-svc.<namespace>.svc.cluster.local`, the name it reaches the Ray dashboard by, to
  the head pod's address: there is no cluster DNS;
- for a RayService's serve Service (`<name>-serve-svc`), once the operator has labelled the head pod
  `ray.io/serve=true` (its proxy answered /-/healthz), an EndpointSlice naming the head pod, which
  the operator counts as a serve endpoint: the API server refuses loopback addresses in
  EndpointSlices, so the slice carries the head Service's name (addressType FQDN), not the pod IP,
  and kube-controller-manager, which would write the real one, leaves it alone (managed-by).

The head pod is Ready only while its Ray is: KWOK makes every pod Ready at once, so this marks a
head pod unready when it first sees it and ready when its head answers the checks KubeRay's own
readiness probe makes (the raylet's health through the dashboard agent, the GCS's through the
dashboard), as the kubelet would. Without it, the operator calls a dashboard that is not up yet,
and KubeRay 1.7.0's RayService reconciler returns each failure as an error, whose exponential
backoff put its next look at a Serve application already RUNNING minutes away (seen).

Heads run side by side, each on its pod's address, and each with ports of its own: Ray binds
several of its ports on every address (GCS, the client server, the dashboard agent, the node and
object managers, the workers' range), so head N gets the block 20000 + 100 N (the GCS at +0, the
dashboard agent at +2, workers at +10 to +99); the dashboard (8265) and the Serve proxy (8000),
which the operator calls, keep KubeRay's ports (the dashboard on the pod's address; one RayService).
Every action is one line on stdout (the run's log).

usage: python3 ray_heads.py KUBECTL VENV WORKDIR HOSTS_FILE CIDR CA_BUNDLE
"""
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

kubectl, venv, workdir, hosts_file, cidr, ca_bundle = sys.argv[1:7]
network = ipaddress.ip_network(cidr)
if not network.is_loopback:
    sys.exit(f"ray_heads.py: {cidr} is not a loopback network; Ray must not listen anywhere else")
BASE_HOSTS = open(hosts_file).read()
MANAGED_BY = "ray-heads.e2e.ml-gitops"


def log(msg):
    print(f"[ray-heads {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def k(*args, stdin=None):
    r = subprocess.run([kubectl, "--request-timeout=20s", *args], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args[:3])}: {r.stderr.strip()}")
    return r.stdout


def items(*args):
    return json.loads(k("get", *args, "-o", "json"))["items"]


def set_ready(ns, pod, ready):
    """The pod's Ready condition, as the kubelet reports its readiness probe."""
    status = "True" if ready else "False"
    patch = {"status": {"conditions": [{"type": "Ready", "status": status}, {"type": "ContainersReady", "status": status}]}}
    k("-n", ns, "patch", "pod", pod, "--subresource=status", "--type=strategic", "-p", json.dumps(patch))


class Head:
    def __init__(self, pod, n):
        self.ns, self.name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.uid = pod["metadata"]["uid"]
        self.ip = pod["status"]["podIP"]
        self.cluster = pod["metadata"]["labels"].get("ray.io/cluster", "")
        # Short: Ray's Unix sockets live under it, and their paths must stay under 108 bytes.
        self.temp = os.path.join(workdir, f"r{n}")
        self.base = 20000 + 100 * n   # this head's ports (see above)
        self.log = os.path.join(workdir, f"ray-head-{n}.log")
        self.proc = None
        self.started = 0.0
        self.dashboard_up = False

    def start(self):
        # The dashboard's modules get 30 s each to start; on 2 cores shared with a second stack's
        # cluster, MetricsHead took longer, and the dashboard exited while the head ran on (seen).
        env = dict(os.environ, PATH=f"{venv}/bin:{os.environ.get('PATH', '/usr/bin:/bin')}", RAY_USAGE_STATS_ENABLED="0",
                   REQUESTS_CA_BUNDLE=ca_bundle, SSL_CERT_FILE=ca_bundle, RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT="300")
        for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(v, None)
        b = self.base
        cmd = [f"{venv}/bin/ray", "start", "--head", "--block", f"--node-ip-address={self.ip}", f"--dashboard-host={self.ip}",
               "--num-cpus=1", f"--temp-dir={self.temp}", "--disable-usage-stats",
               f"--port={b}", f"--ray-client-server-port={b + 1}", f"--dashboard-agent-listen-port={b + 2}",
               f"--dashboard-agent-grpc-port={b + 3}", f"--runtime-env-agent-port={b + 4}", f"--metrics-export-port={b + 5}",
               f"--node-manager-port={b + 6}", f"--object-manager-port={b + 7}", f"--min-worker-port={b + 10}", f"--max-worker-port={b + 99}"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=open(self.log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.time()
        log(f"head {self.ns}/{self.name} ({self.cluster}) on {self.ip}: ray start --head (pid {self.proc.pid}, log {self.log})")

    def check_ready(self):
        """Once the head passes KubeRay's readiness checks, marks its pod ready (once)."""
        if self.dashboard_up or self.proc is None:
            return
        for url in (f"http://{self.ip}:{self.base + 2}/api/local_raylet_healthz", f"http://{self.ip}:8265/api/gcs_healthz"):
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if b"success" not in r.read():
                        return
            except OSError:
                return
        self.dashboard_up = True
        set_ready(self.ns, self.name, True)
        log(f"head {self.ns}/{self.name}: raylet and GCS healthy, dashboard on {self.ip}:8265, {time.time() - self.started:.0f} s after ray start; pod marked Ready")


    def stop(self):
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 4), (signal.SIGKILL, 3)):   # within stop_controllers' 10 s
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Ray's own processes may have left the group (the raylet's workers): whatever still has
        # this head's temp dir on its command line goes too.
        subprocess.run(["pkill", "-KILL", "-f", f"{self.temp}/"], capture_output=True)
        log(f"head {self.ns}/{self.name} stopped: its pod is gone")
        self.proc = None


def write_hosts(heads):
    lines = "".join(f"{h.ip} {h.cluster}-head-svc.{h.ns}.svc.cluster.local\n" for h in heads if h.cluster)
    content = BASE_HOSTS + ("# the e2e's Ray heads (ray_heads.py)\n" + lines if lines else "")
    with open(hosts_file, "r+") as f:  # in place: the bind mount holds this inode
        if f.read() == content:
            return
        f.seek(0)
        f.write(content)
        f.truncate()
    log("operator hosts: " + ("; ".join(lines.strip().split("\n")) if lines else "none"))


def serve_slices(heads, pods):
    """An EndpointSlice per serve Service whose head pod (in pods, by uid: this pass's listing) the
    operator labelled ray.io/serve=true."""
    want = {}
    for h in heads:
        if pods[h.uid]["metadata"].get("labels", {}).get("ray.io/serve") != "true":
            continue
        for svc in items("-n", h.ns, "services", "-l", "ray.io/serve"):
            if svc["spec"].get("selector", {}).get("ray.io/cluster") != h.cluster:
                continue
            name = svc["metadata"]["name"]
            want[(h.ns, f"{name}-e2e")] = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{name}-e2e",
                    "namespace": h.ns,
                    "labels": {"kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": MANAGED_BY},
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": svc["metadata"]["uid"]}],
                },
                "addressType": "FQDN",
                "endpoints": [
                    {
                        "addresses": [f"{h.cluster}-head-svc.{h.ns}.svc.cluster.local"],
                        "conditions": {"ready": True, "serving": True, "terminating": False},
                        "targetRef": {"kind": "Pod", "namespace": h.ns, "name": h.name, "uid": h.uid},
                    }
                ],
                "ports": [{"name": "serve", "port": 8000, "protocol": "TCP"}],
            }
    have = {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in items("endpointslices", "-A", "-l", f"endpointslice.kubernetes.io/managed-by={MANAGED_BY}")}
    for key, obj in want.items():
        if key not in have:
            k("apply", "-f", "-", stdin=json.dumps(obj))
            log(f"EndpointSlice {key[0]}/{key[1]} written for Service {obj['metadata']['labels']['kubernetes.io/service-name']}: "
                f"head pod {obj['endpoints'][0]['targetRef']['name']} (loopback addresses are refused in EndpointSlices)")
    for key in have - set(want):
        k("-n", key[0], "delete", "endpointslice", key[1], "--ignore-not-found")
        log(f"EndpointSlice {key[0]}/{key[1]} deleted: its head pod is gone or no longer serves")


def main():
    running, n, seen = {}, 0, set()

    def shutdown(*_):
        for h in running.values():
            h.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    log(f"watching head pods with an address in {cidr}")
    while True:
        try:
            pods = items("pods", "-A", "-l", "ray.io/node-type=head")
            live = {}
            for p in pods:
                ip = p.get("status", {}).get("podIP")
                if p["metadata"].get("deletionTimestamp") or p.get("status", {}).get("phase") != "Running" or not ip:
                    continue
                if ipaddress.ip_address(ip) in network:
                    live[p["metadata"]["uid"]] = p
                    if p["metadata"]["uid"] not in seen:   # KWOK made it Ready; its Ray is not up yet
                        set_ready(p["metadata"]["namespace"], p["metadata"]["name"], False)
                        seen.add(p["metadata"]["uid"])
                        log(f"head pod {p['metadata']['namespace']}/{p['metadata']['name']} on {ip}: marked unready until its Ray head is")
            for uid in [u for u in running if u not in live]:
                running.pop(uid).stop()
            for uid, pod in sorted(live.items(), key=lambda kv: kv[1]["metadata"]["creationTimestamp"]):
                if uid not in running:
                    n += 1
                    running[uid] = Head(pod, n)
                    running[uid].start()
            for h in running.values():
                if h.proc and h.proc.poll() is not None:
                    log(f"head {h.ns}/{h.name}: ray start exited {h.proc.returncode} (log {h.log})")
                    h.proc = None
                h.check_ready()
            write_hosts(running.values())
            serve_slices([h for h in running.values() if h.proc], live)
        except (RuntimeError, json.JSONDecodeError) as e:
            log(f"retrying: {e}")
        time.sleep(1)


main()
