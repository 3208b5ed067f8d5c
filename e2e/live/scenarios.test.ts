/**
 * What the real controllers are made to show after run.sh's first `pulumi up`, one test a
 * scenario, each recording its part of the summary line (or why it failed) in the results file.
 * Run by run.sh before the re-preview; see fixture.ts for the environment. The scenarios are
 * independent of each other, but run in this order: placement first, before the others scale or
 * unready the pods.
 *
 *   placement   the real kube-scheduler bound each Ray pod by its group's nodeSelector, tolerations
 *               and GPU request (a stack with such groups: e2e)
 *   pods        every Ray pod runs as the created ServiceAccount, with one /dev/shm (e2e)
 *   health      the head pod unready: Argo CD, running our Lua, says Degraded, then Healthy again
 *   autoscaler  the autoscaler's replicas against Argo CD's syncs
 *   denied      an Application whose source holds a kind its project refuses: Argo CD refuses it
 *   drift       an object Argo CD owns changed by hand: selfHeal restores it
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ARGOCD_NS, Cluster, RAY_NS, Results } from "./fixture";

const cluster = new Cluster();
const results = new Results();
const stack = process.env.E2E_STACK ?? "";

/** The worker group the autoscaler scenario scales (both e2e stacks and the default declare it). */
const AUTOSCALER_GROUP = "standard-worker";
/** run.sh's KWOK nodes: the only one with nvidia.com/gpu (tainted), and the spot one (tainted). */
const GPU_NODE = "gpu-node-0";
const SPOT_NODE = "spot-node-0";

interface Pod {
    metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
    spec: {
        nodeName?: string;
        nodeSelector?: Record<string, string>;
        serviceAccountName?: string;
        volumes?: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
        containers: { resources?: { requests?: Record<string, string> }; volumeMounts?: { name: string; mountPath: string }[] }[];
    };
    status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[] };
}

/** The pods of the RayCluster, not being deleted. */
function rayPods(): Pod[] {
    const list = JSON.parse(cluster.run(["-n", RAY_NS, "get", "pods", "-l", `ray.io/cluster=${cluster.rayClusterName}`, "-o", "json"])) as { items: Pod[] };
    return list.items.filter((p) => !p.metadata.deletionTimestamp);
}
const groupOf = (p: Pod) => (p.metadata.labels?.["ray.io/node-type"] === "head" ? "head" : (p.metadata.labels?.["ray.io/group"] ?? ""));

/** What a scenario's body returns when the stack has nothing for it: the test is skipped. */
const NOT_HERE = Symbol("not here");

/** A test that records its scenario's summary part: what `body` returns, or why it failed. */
function scenario(name: string, title: string, body: () => Promise<string | typeof NOT_HERE> | string | typeof NOT_HERE): void {
    it(title, async function () {
        let text: string | typeof NOT_HERE;
        try {
            text = await body();
        } catch (e) {
            results.scenario(name, (e as Error).message.split("\n")[0], false);
            throw e;
        }
        if (text === NOT_HERE) this.skip();
        else results.scenario(name, text, true);
    });
}

/** The head and each worker group's replicas (none while suspended). */
function expectedPods(): number {
    return 1 + cluster.rayCluster().spec.workerGroupSpecs.reduce((n, g) => n + ((g as { suspend?: boolean }).suspend ? 0 : (g.replicas ?? 0)), 0);
}

function appState(app: string): string {
    const a = cluster.app(app);
    return `${a.status?.sync?.status}/${a.status?.health?.status}`;
}

function headCondition(): string {
    const rc = cluster.get<{ status?: { conditions?: { type: string; status: string; reason?: string }[] } }>("raycluster", cluster.rayClusterName, RAY_NS);
    const c = rc?.status?.conditions?.find((x) => x.type === "HeadPodReady");
    return `HeadPodReady=${c?.status} (${c?.reason})`;
}

/** The Ready and ContainersReady conditions of a pod, as a kubelet reports them. */
function setPodReady(pod: string, ready: boolean): void {
    const status = ready ? "True" : "False";
    const patch = {
        status: {
            conditions: [
                { type: "Ready", status },
                { type: "ContainersReady", status },
            ],
        },
    };
    cluster.run(["-n", RAY_NS, "patch", "pod", pod, "--subresource=status", "--type=strategic", "-p", JSON.stringify(patch)]);
}

describe(`scenarios on the live platform (stack ${stack})`, function () {
    this.timeout(300_000);

    scenario("placement", "placement: the real scheduler bound each group by its nodeSelector, tolerations and GPU request", async () => {
        const placed = cluster
            .rayCluster()
            .spec.workerGroupSpecs.filter(
                (g) => (g.replicas ?? 0) > 0 && Object.keys((g.template.spec as { nodeSelector?: object }).nodeSelector ?? {}).length,
            );
        if (!placed.length) return NOT_HERE;
        const t0 = Date.now();
        const bound = await cluster.until(90, () => {
            const pods = rayPods();
            return pods.length >= expectedPods() && pods.every((p) => p.spec.nodeName && p.status?.phase === "Running");
        });
        results.note(
            `placement: ${bound ? `every pod bound and Running ${Math.round((Date.now() - t0) / 1000)}s after the scenario began` : "not every pod bound and Running in 90 s"}`,
        );
        const pods = rayPods();
        const problems: string[] = [];
        if (pods.length < expectedPods()) problems.push(`${pods.length} pods of the ${expectedPods()} the RayCluster asks for`);
        for (const p of pods) {
            const group = groupOf(p);
            const node = p.spec.nodeName;
            const gpus = p.spec.containers.map((c) => c.resources?.requests?.["nvidia.com/gpu"] ?? "").join("");
            if (!node) {
                const why = p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message;
                problems.push(`${group} pod ${p.metadata.name} unscheduled (${p.status?.phase}: ${why ?? "no PodScheduled message"})`);
                continue;
            }
            if (p.status?.phase !== "Running") problems.push(`${group} pod ${p.metadata.name} bound to ${node} but ${p.status?.phase}`);
            if (group === "gpu-worker" && node !== GPU_NODE) problems.push(`gpu-worker pod ${p.metadata.name} on ${node}, not ${GPU_NODE}`);
            if (group === "spot-worker" && node !== SPOT_NODE) problems.push(`spot-worker pod ${p.metadata.name} on ${node}, not ${SPOT_NODE}`);
            if (node === GPU_NODE && !gpus) problems.push(`${group} pod ${p.metadata.name} requests no GPU but is on ${GPU_NODE}`);
        }
        // Nothing else in the cluster that requests no GPU may be on the GPU node either (its taint keeps it off).
        const others = (
            JSON.parse(cluster.run(["get", "pods", "-A", "--field-selector", `spec.nodeName=${GPU_NODE}`, "-o", "json"])) as {
                items: Pod[] & { metadata: { namespace: string } }[];
            }
        ).items.filter(
            (p) =>
                p.metadata.labels?.["ray.io/cluster"] !== cluster.rayClusterName && !p.spec.containers.some((c) => c.resources?.requests?.["nvidia.com/gpu"]),
        );
        if (others.length) problems.push(`on ${GPU_NODE} without a GPU request: ${others.map((p) => p.metadata.name).join(" ")}`);
        const groups = [...cluster.groupNames(), "head"];
        const nodesOf = (g: string) =>
            pods
                .filter((p) => groupOf(p) === g)
                .map((p) => p.spec.nodeName ?? `(unscheduled: ${p.status?.phase})`)
                .sort()
                .join(",");
        for (const g of groups) results.note(`placement: ${g} → ${nodesOf(g) || "(no pod)"}`);
        assert.deepEqual(problems, [], `placement FAILED: ${problems.join("; ")}`);
        return `placed ${placed.map((g) => `${g.groupName}→${nodesOf(g.groupName)}`).join(" ")}`;
    });

    scenario("pods", "pods: the head runs as the created ServiceAccount, the workers as theirs, each with exactly one memory-backed /dev/shm", () => {
        const head = cluster.rayCluster().spec.headGroupSpec.template.spec as { serviceAccountName?: string };
        const sa = head.serviceAccountName;
        if (!sa) return NOT_HERE;
        const workerSa = `${sa}-worker`;
        const gpuGroup = cluster.group("gpu-worker")?.template.spec as { volumes?: Pod["spec"]["volumes"] } | undefined;
        const wantShm = gpuGroup?.volumes?.find((v) => v.name === "shared-mem")?.emptyDir?.sizeLimit;
        const problems: string[] = [];
        const account = cluster.get<{ metadata: { annotations?: Record<string, string> } }>("serviceaccount", sa, RAY_NS);
        if (account?.metadata.annotations?.["e2e.ml-gitops/identity"] !== "ray-workloads")
            problems.push(`ServiceAccount ${RAY_NS}/${sa} missing or without its annotation`);
        const sizes = new Set<string>();
        for (const p of rayPods()) {
            const group = p.metadata.labels?.["ray.io/group"] || "headgroup";
            const want = group === "headgroup" ? sa : workerSa;
            if (p.spec.serviceAccountName !== want)
                problems.push(`${group} pod ${p.metadata.name} runs as ${p.spec.serviceAccountName ?? "default"}, not ${want}`);
            const mounts = (p.spec.containers[0].volumeMounts ?? []).filter((m) => m.mountPath === "/dev/shm");
            if (mounts.length !== 1) {
                problems.push(`${group} pod ${p.metadata.name} has ${mounts.length} volumes at /dev/shm`);
                continue;
            }
            const volume = p.spec.volumes?.find((v) => v.name === mounts[0].name)?.emptyDir;
            if (volume?.medium !== "Memory") problems.push(`${group} pod ${p.metadata.name}: /dev/shm (${mounts[0].name}) is not memory-backed`);
            if (group === "gpu-worker" && volume?.sizeLimit !== wantShm)
                problems.push(`gpu-worker pod ${p.metadata.name}: /dev/shm sized ${volume?.sizeLimit ?? "unset"}, not ${wantShm}`);
            sizes.add(`${group}:${volume?.sizeLimit ?? "unsized"}`);
        }
        assert.deepEqual(problems, [], `pods FAILED: ${problems.join("; ")}`);
        return `pods as ${sa}, workers as ${workerSa}, one /dev/shm each (${[...sizes].sort().join(" ")})`;
    });

    scenario(
        "least-privilege",
        "least privilege: a worker's token cannot patch the RayCluster or its pods; the head's can (KubeRay binds the autoscaler's Role to it)",
        () => {
            const head = (cluster.rayCluster().spec.headGroupSpec.template.spec as { serviceAccountName?: string }).serviceAccountName;
            if (!head) return NOT_HERE;
            const as = (account: string) => `system:serviceaccount:${RAY_NS}:${account}`;
            const rights = (account: string) =>
                [
                    ["patch", "rayclusters.ray.io"],
                    ["patch", "pods"],
                    ["create", "pods"],
                ].map(([verb, resource]) => `${verb} ${resource}: ${cluster.canI(as(account), verb, resource, RAY_NS) ? "yes" : "no"}`);
            assert.deepEqual(rights(`${head}-worker`), ["patch rayclusters.ray.io: no", "patch pods: no", "create pods: no"], "the workers' ServiceAccount");
            assert.deepEqual(rights(head).slice(0, 2), ["patch rayclusters.ray.io: yes", "patch pods: yes"], "the head's holds the autoscaler's Role");
            results.note(`least privilege: worker ${rights(`${head}-worker`).join(", ")}; head ${rights(head).join(", ")}`);
            return "worker token cannot patch the RayCluster";
        },
    );

    scenario(
        "pod-security",
        "pod security: the namespaces the program creates carry their levels, and the real API server refuses a pod each level forbids",
        () => {
            const levels: Record<string, string> = {};
            for (const ns of [ARGOCD_NS, RAY_NS, "ml-serving"]) {
                const labels = cluster.get<{ metadata: { labels?: Record<string, string> } }>("namespace", ns)?.metadata.labels ?? {};
                levels[ns] = `${labels["pod-security.kubernetes.io/enforce"] ?? "none"}/${labels["pod-security.kubernetes.io/warn"] ?? "none"}`;
            }
            assert.deepEqual(levels, { [ARGOCD_NS]: "restricted/restricted", [RAY_NS]: "restricted/restricted", "ml-serving": "baseline/restricted" });
            // A server-side dry run: the API server's own PodSecurity admission answers.
            const pod = (ns: string, securityContext: object) => ({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "e2e-psa", namespace: ns },
                spec: { containers: [{ name: "c", image: "busybox:1.36", securityContext }] },
            });
            const refusals = [
                cluster.refusal(pod(ARGOCD_NS, { runAsUser: 0 })),
                cluster.refusal(pod(RAY_NS, { runAsUser: 0 })),
                cluster.refusal(pod("ml-serving", { privileged: true })),
            ];
            assert.match(refusals[0] ?? "admitted", /violates PodSecurity "restricted:latest"/, `${ARGOCD_NS}: a root pod`);
            assert.match(refusals[1] ?? "admitted", /violates PodSecurity "restricted:latest"/, `${RAY_NS}: a root pod`);
            assert.match(refusals[2] ?? "admitted", /violates PodSecurity "baseline:latest"/, "ml-serving: a privileged pod");
            // Every pod the platform made was admitted: no controller was told "violates PodSecurity".
            const events = JSON.parse(cluster.run(["get", "events", "-A", "--field-selector", "reason=FailedCreate", "-o", "json"])) as {
                items: { involvedObject: { kind: string; name: string; namespace?: string }; message?: string }[];
            };
            const refused = events.items
                .filter((e) => /violates PodSecurity/.test(e.message ?? ""))
                .map((e) => `${e.involvedObject.namespace}/${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);
            assert.deepEqual(refused, [], "pods of the platform refused by Pod Security Admission");
            results.note(
                `pod security: refused a root pod in ${ARGOCD_NS} and ${RAY_NS}, a privileged one in ml-serving; no FailedCreate for PodSecurity among Argo CD's, KubeRay's and the Ray pods`,
            );
            return "PSA enforced (argocd, ray-system: restricted; ml-serving: baseline)";
        },
    );

    scenario("health", "health: the head pod unready makes the raycluster Application Degraded, ready again Healthy", async () => {
        assert.equal(
            cluster.app("raycluster").status?.health?.status,
            "Healthy",
            `raycluster is ${appState("raycluster")} before the scenario: ${headCondition()}`,
        );
        const head = cluster.pods("headgroup")[0];
        assert.ok(head, `no head pod in ${RAY_NS}`);
        setPodReady(head, false);
        let t0 = Date.now();
        assert.ok(
            await cluster.until(90, () => cluster.app("raycluster").status?.health?.status === "Degraded"),
            `raycluster stayed ${appState("raycluster")} with the head pod unready: ${headCondition()}`,
        );
        let detail = `Degraded after ${Math.round((Date.now() - t0) / 1000)}s (the RayCluster's ${headCondition()})`;
        setPodReady(head, true);
        t0 = Date.now();
        assert.ok(
            await cluster.until(90, () => cluster.app("raycluster").status?.health?.status === "Healthy"),
            `raycluster stayed ${appState("raycluster")} with the head pod ready again: ${headCondition()}`,
        );
        detail += `, Healthy again after ${Math.round((Date.now() - t0) / 1000)}s`;
        results.note(`health: ${detail}`);
        return "health Healthy→Degraded→Healthy";
    });

    // One worker group's replicas patched on the live RayCluster, as the Ray autoscaler does, then
    // Argo CD made to sync three ways:
    //   1. a sync operation as `argocd app sync` and the UI write it (the API server copies the
    //      Application's syncOptions into it): the replicas stay, since the diff ignores them and
    //      ApplyOutOfSyncOnly leaves a RayCluster that is in sync alone;
    //   2. selfHeal: a label Argo CD owns on the RayCluster drifted beside the replicas: the automated
    //      sync applies the RayCluster, restoring the label, and the replicas go back to the declared
    //      value (a custom resource's list is applied whole; docs/design.md);
    //   3. an operation without the Application's syncOptions: recorded, not required.
    // After 1 and 2 the Application must be Synced, and it must not sync in a loop.
    scenario("autoscaler", "autoscaler: replicas kept by a sync that leaves the RayCluster alone, declared again when selfHeal applies it", async () => {
        const g = cluster.group(AUTOSCALER_GROUP);
        assert.ok(g, `no worker group ${AUTOSCALER_GROUP} in RayCluster ${RAY_NS}/${cluster.rayClusterName} (groups: ${cluster.groupNames().join(" ")})`);
        const [r0, lo, hi] = [g.replicas ?? 0, g.minReplicas ?? 0, g.maxReplicas ?? 0];
        const [r1, r2] = [r0 + 1, r0 - 1, r0 + 2, r0 - 2].filter((c) => c >= lo && c <= hi);
        assert.ok(r2 !== undefined, `worker group ${AUTOSCALER_GROUP}'s minReplicas..maxReplicas (${lo}..${hi}) leaves no room to scale`);
        const replicas = () => cluster.group(AUTOSCALER_GROUP)?.replicas;
        const options = cluster.get<{ spec: { syncPolicy?: { syncOptions?: string[]; automated?: { selfHeal?: boolean } } } }>(
            "application",
            "raycluster",
            ARGOCD_NS,
        )!.spec.syncPolicy;
        const syncOp = async (user: string, syncOptions: string[]) => {
            const op = { operation: { initiatedBy: { username: user }, sync: { syncStrategy: { hook: {} }, syncOptions } } };
            cluster.run(["-n", ARGOCD_NS, "patch", "application", "raycluster", "--type=merge", "-p", JSON.stringify(op)]);
            const done = await cluster.until(120, () => {
                const s = cluster.get<{ status?: { operationState?: { operation?: { initiatedBy?: { username?: string } }; phase?: string } } }>(
                    "application",
                    "raycluster",
                    ARGOCD_NS,
                )?.status?.operationState;
                return s?.operation?.initiatedBy?.username === user && s.phase === "Succeeded";
            });
            assert.ok(done, `the sync by ${user} did not succeed`);
        };
        let detail = `replicas of worker group ${AUTOSCALER_GROUP} ${r0}`;

        cluster.autoscale(AUTOSCALER_GROUP, r1);
        await new Promise((r) => setTimeout(r, 2000));
        await syncOp("e2e-argocd-app-sync", options?.syncOptions ?? []);
        detail += `; →${r1} by the autoscaler, after a sync as argocd app sync requests it ${replicas()}`;
        assert.equal(replicas(), r1, `autoscaler replicas RESET by a sync (${detail})`);

        if (options?.automated?.selfHeal) {
            const label = () =>
                cluster.get<{ metadata: { labels?: Record<string, string> } }>("raycluster", cluster.rayClusterName, RAY_NS)?.metadata.labels?.[
                    "helm.sh/chart"
                ];
            const version = label();
            cluster.autoscale(AUTOSCALER_GROUP, r2);
            cluster.run(["-n", RAY_NS, "label", "raycluster", cluster.rayClusterName, "--overwrite", "helm.sh/chart=drifted"]);
            assert.ok(await cluster.until(60, () => label() === version), "selfHeal did not restore the RayCluster's helm.sh/chart label");
            await new Promise((r) => setTimeout(r, 2000));
            detail += `; →${r2} with a label of the RayCluster drifted, after selfHeal re-applied the RayCluster ${replicas()} (declared ${r0})`;
            assert.equal(replicas(), r0, `selfHeal re-applied the RayCluster but its replicas are not the declared ones (${detail})`);
            cluster.autoscale(AUTOSCALER_GROUP, r2);
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.equal(cluster.app("raycluster").status?.sync?.status, "Synced", `autoscaler replicas kept but the app is ${appState("raycluster")}`);
        // No sync loop: the automated syncs of raycluster in the controller's log stay few; a loop syncs about once a second.
        const log = readFileSync(`${process.env.E2E_LOGS}/${stack}-application-controller.log`, "utf8");
        const autosyncs = log.split("\n").filter((l) => /msg="Initiated automated sync.*app-namespace=argocd application=raycluster /.test(l)).length;
        detail += `; automated syncs of raycluster so far: ${autosyncs}`;
        results.note(`autoscaler: ${detail}`);
        assert.ok(autosyncs <= 5, `raycluster syncs in a loop (${detail})`);

        const kept = replicas();
        await syncOp("e2e-operation-without-options", []);
        const r = replicas();
        results.note(
            `autoscaler: ${r === kept ? `an operation without the Application's syncOptions kept them too (${r})` : `an operation without the Application's syncOptions (a hand-written one, or argocd app sync --sync-option X, which replaces the list) reset them ${kept}→${r}`}`,
        );
        return "autoscaler replicas kept";
    });

    scenario(
        "denied",
        "denied: an Application whose source holds a cluster-scoped object its project does not admit is refused by Argo CD: a ClusterRole in the ML project, a ClusterRoleBinding named outside the Ray project's names",
        async () => {
            const ml = cluster.app("ml-platform") as { spec: { project: string; source: { repoURL?: string } } };
            const said = await refusedByProject("e2e-denied", ml.spec.project, { repoURL: ml.spec.source.repoURL!, targetRevision: "v1.0.0" }, "ml-serving", [
                "clusterrole",
                "e2e-denied",
            ]);
            results.note(`denied: Argo CD says "${said}"`);
            const crds = cluster.app("ray-operator-crds") as { spec: { project: string; source: { repoURL: string; targetRevision: string } } };
            const ray = await refusedByProject("e2e-denied-ray", crds.spec.project, crds.spec.source, "ray-system", ["clusterrolebinding", "e2e-ray-admin"]);
            results.note(`denied (Ray project, a ClusterRoleBinding it does not admit by name): Argo CD says "${ray}"`);
            return "denied by project";
        },
    );

    /** Applies an Application of `denied/` in `project`; waits for Argo CD's "not permitted"; checks the object was not created; cleans up. */
    async function refusedByProject(
        name: string,
        project: string,
        source: { repoURL: string; targetRevision: string },
        namespace: string,
        [kind, objectName]: [string, string],
    ): Promise<string> {
        cluster.apply({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Application",
            metadata: { name, namespace: ARGOCD_NS },
            spec: {
                project,
                source: { repoURL: source.repoURL, targetRevision: source.targetRevision, path: "denied" },
                destination: { server: "https://kubernetes.default.svc", namespace },
                syncPolicy: { automated: {} },
            },
        });
        let status = "";
        await cluster.until(90, () => {
            const a = cluster.get<{
                status?: { operationState?: { message?: string; syncResult?: { resources?: { message?: string }[] } }; conditions?: { message?: string }[] };
            }>("application", name, ARGOCD_NS);
            status = [
                a?.status?.operationState?.message,
                ...(a?.status?.conditions ?? []).map((c) => c.message),
                ...(a?.status?.operationState?.syncResult?.resources ?? []).map((r) => r.message),
            ].join(" ");
            return status.includes("not permitted in project");
        });
        const said = /[^.;:]*not permitted in project[^.;,]*/.exec(status)?.[0];
        const created = cluster.get(kind, objectName);
        if (created) cluster.run(["delete", kind, objectName]);
        cluster.run(["-n", ARGOCD_NS, "delete", "application", name, "--wait=true", "--timeout=60s"]);
        assert.equal(created, undefined, `${kind} ${objectName} was created although project ${project} does not admit it`);
        assert.ok(said, `${name}: no 'not permitted' from Argo CD in 90 s (status: ${status})`);
        return said;
    }

    scenario("drift", "drift: a field of the ML platform's ConfigMap changed by hand is restored by selfHeal", async () => {
        const ml = cluster.get<{ spec: { syncPolicy?: { automated?: { selfHeal?: boolean } } } }>("application", "ml-platform", ARGOCD_NS);
        if (!ml?.spec.syncPolicy?.automated?.selfHeal) return NOT_HERE;
        const modelServer = () => cluster.get<{ data?: Record<string, string> }>("configmap", "ml-platform", "ml-serving")?.data?.modelServer;
        const was = modelServer();
        assert.ok(was, "no ConfigMap ml-serving/ml-platform");
        cluster.run(["-n", "ml-serving", "patch", "configmap", "ml-platform", "--type=merge", "-p", '{"data":{"modelServer":"drifted"}}']);
        const t0 = Date.now();
        assert.ok(await cluster.until(90, () => modelServer() === was), "drift not restored in 90 s");
        results.note(`drift: restored in ${Math.round((Date.now() - t0) / 1000)}s`);
        return "drift restored";
    });
});
