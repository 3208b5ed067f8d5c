/**
 * Issue 19: the RayCluster's pods: scheduling (node selector, tolerations, affinity, topology
 * spread, priority and runtime class, the GPU shorthand), identity (a ServiceAccount the program
 * creates or references), environment (Secrets by reference only), /dev/shm and GCS fault
 * tolerance. Bad config is refused at config time with the key named; good config becomes the
 * ray-cluster chart's values (the chart suite renders them with the real chart at every KubeRay
 * version) and, for the ServiceAccount, a resource ordered before the RayCluster's Application.
 */
import * as assert from "node:assert/strict";
import { parseConfig } from "../components/config";
import { rayClusterValues } from "../components/raycluster";
import { quantityValue } from "../components/podSettings";
import { byType, one, problemsOf, run, runError, T } from "./harness";

const group = (o: object) => ({ replicas: 1, minReplicas: 0, maxReplicas: 2, cpu: "1", memory: "4Gi", ...o });
const groups = (o: object) => ({ environment: "dev", rayCluster: { workerGroups: { g: group(o) } } });
const rc = (o: object) => ({ environment: "dev", rayCluster: o });
const K = "ml-gitops:rayCluster";
/** An object without the keys a test does not look at. */
const without = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** [what, config, the exact problems]. */
const BAD: [string, Record<string, unknown>, string[]][] = [
    [
        "an unknown taint effect",
        groups({ tolerations: [{ key: "spot", operator: "Exists", effect: "NoSchedul" }] }),
        [`${K}.workerGroups.g.tolerations.0.effect: must be NoSchedule, PreferNoSchedule or NoExecute (got "NoSchedul")`],
    ],
    [
        "operator Equal without a value",
        groups({ tolerations: [{ key: "spot", effect: "NoSchedule" }] }),
        [`${K}.workerGroups.g.tolerations.0.value: is required with operator Equal; use operator Exists to tolerate any value`],
    ],
    [
        "operator Exists with a value",
        groups({ tolerations: [{ key: "spot", operator: "Exists", value: "true" }] }),
        [`${K}.workerGroups.g.tolerations.0.value: must be unset with operator Exists (got "true")`],
    ],
    [
        "no key but Equal",
        groups({ tolerations: [{ value: "x" }] }),
        [`${K}.workerGroups.g.tolerations.0.operator: must be Exists when key is unset (a toleration of every taint)`],
    ],
    [
        "tolerationSeconds without NoExecute",
        rc({ head: { tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }] } }),
        [`${K}.head.tolerations.0.tolerationSeconds: applies to effect NoExecute only (got 30)`],
    ],
    [
        "a GPU count with no resource name",
        groups({ gpu: { count: 1, resource: "" } }),
        [`${K}.workerGroups.g.gpu.resource: must be an extended resource name such as nvidia.com/gpu or amd.com/gpu (got "")`],
    ],
    [
        "a GPU resource without a domain",
        groups({ gpu: { count: 1, resource: "gpu" } }),
        [`${K}.workerGroups.g.gpu.resource: must be an extended resource name such as nvidia.com/gpu or amd.com/gpu (got "gpu")`],
    ],
    ["a GPU count of 0", groups({ gpu: { count: 0 } }), [`${K}.workerGroups.g.gpu.count: must be at least 1 (got 0)`]],
    [
        "a fractional GPU",
        groups({ gpu: "0.5" }),
        [`${K}.workerGroups.g.gpu: must be a whole number of GPUs, or {count, resource, nodeSelector, tolerations} (got "0.5")`],
    ],
    [
        "a GPU toleration without a value for Equal",
        groups({ gpu: { count: 1, tolerations: [{ key: "nvidia.com/gpu" }] } }),
        [`${K}.workerGroups.g.gpu.tolerations.0.value: is required with operator Equal; use operator Exists to tolerate any value`],
    ],
    [
        "a GPU node selector against the group's",
        groups({ nodeSelector: { pool: "cpu" }, gpu: { count: 1, nodeSelector: { pool: "gpu" } } }),
        [`${K}.workerGroups.g.gpu.nodeSelector.pool: contradicts nodeSelector.pool (cpu) (got "gpu")`],
    ],
    [
        "a misspelt affinity key",
        rc({
            head: {
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operatr: "In" }] }] },
                    },
                },
            },
        }),
        [
            `${K}.head.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.0.matchExpressions.0.operator: Invalid input: expected string, received undefined (Kubernetes Affinity)`,
            `${K}.head.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.0.matchExpressions.0.operatr: unknown key in a Kubernetes Affinity (got "In")`,
        ],
    ],
    [
        "a topology spread constraint without its topology key",
        groups({ topologySpreadConstraints: [{ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" }] }),
        [
            `${K}.workerGroups.g.topologySpreadConstraints.0.topologyKey: Invalid input: expected string, received undefined (Kubernetes TopologySpreadConstraint list)`,
        ],
    ],
    [
        "a bad node selector label",
        groups({ nodeSelector: { "bad key!": "x" } }),
        [
            `${K}.workerGroups.g.nodeSelector.bad key!: the name "bad key!" must be a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'`,
        ],
    ],
    [
        "a label KubeRay owns",
        groups({ labels: { "ray.io/group": "x" } }),
        [`${K}.workerGroups.g.labels.ray.io/group: is set by KubeRay or the ray-cluster chart; choose another label (got "x")`],
    ],
    [
        "a secret written into env",
        rc({ head: { env: { HF_TOKEN: "hf_abc" } } }),
        [`${K}.head.env.HF_TOKEN: looks like a secret: put it in a Secret and reference it with secretEnv.HF_TOKEN (secret, key) (got [secret])`],
    ],
    [
        "an API key written into env, by any of the names that say so",
        rc({ head: { env: { OPENAI_API_KEY: "sk-abc", AWS_SECRET_ACCESS_KEY: "x", DB_PASSWD: "y", GCP_CREDENTIALS: "z", MODEL_NAME: "llama" } } }),
        [
            `${K}.head.env.AWS_SECRET_ACCESS_KEY: looks like a secret: put it in a Secret and reference it with secretEnv.AWS_SECRET_ACCESS_KEY (secret, key) (got [secret])`,
            `${K}.head.env.DB_PASSWD: looks like a secret: put it in a Secret and reference it with secretEnv.DB_PASSWD (secret, key) (got [secret])`,
            `${K}.head.env.GCP_CREDENTIALS: looks like a secret: put it in a Secret and reference it with secretEnv.GCP_CREDENTIALS (secret, key) (got [secret])`,
            `${K}.head.env.OPENAI_API_KEY: looks like a secret: put it in a Secret and reference it with secretEnv.OPENAI_API_KEY (secret, key) (got [secret])`,
        ],
    ],
    [
        "one name in env and secretEnv",
        groups({ env: { MODEL: "a" }, secretEnv: { MODEL: { secret: "s", key: "k" } } }),
        [`${K}.workerGroups.g.env.MODEL: is also in secretEnv; keep one (got "a")`],
    ],
    [
        "an envFrom with both",
        groups({ envFrom: [{ secret: "a", configMap: "b" }] }),
        [`${K}.workerGroups.g.envFrom.0: must name either a secret or a configMap (got {"secret":"a","configMap":"b"})`],
    ],
    [
        "/dev/shm over the memory limit",
        groups({ memory: "4Gi", shmSize: "5Gi" }),
        [`${K}.workerGroups.g.shmSize: must be at most the memory limit (4Gi): a memory-backed /dev/shm counts against it (got "5Gi")`],
    ],
    [
        "runtimeClassName on KubeRay 1.5.1",
        { environment: "dev", kuberay: { version: "1.5.1" }, rayCluster: { head: { runtimeClassName: "nvidia" } } },
        [`${K}.head.runtimeClassName: needs KubeRay 1.6.0 or later: the ray-cluster chart 1.5.1 ignores it (kuberay.version) (got "nvidia")`],
    ],
    [
        "GCS fault tolerance without Redis",
        rc({ gcsFaultTolerance: { enabled: true } }),
        [`${K}.gcsFaultTolerance.redisAddress: is required when gcsFaultTolerance.enabled is true`],
    ],
    [
        "GCS fault tolerance beside the head's own Redis settings",
        rc({
            gcsFaultTolerance: { enabled: true, redisAddress: "redis:6379" },
            head: { rayStartParams: { "num-cpus": "0", "redis-password": "x" }, secretEnv: { REDIS_PASSWORD: { secret: "r", key: "p" } } },
        }),
        [
            `${K}.head.rayStartParams.redis-password: is refused by KubeRay beside gcsFaultTolerance: use gcsFaultTolerance.redisPassword (got [secret])`,
            `${K}.head.secretEnv.REDIS_PASSWORD: is refused by KubeRay beside gcsFaultTolerance: use gcsFaultTolerance.redisAddress and redisPassword (got [secret])`,
        ],
    ],
    [
        "a Redis address without GCS fault tolerance",
        rc({ gcsFaultTolerance: { redisAddress: "redis:6379" }, head: { env: { RAY_REDIS_ADDRESS: "redis:6379" } } }),
        [
            `${K}.gcsFaultTolerance.redisAddress: has no effect unless gcsFaultTolerance.enabled is true (got "redis:6379")`,
            `${K}.head.env.RAY_REDIS_ADDRESS: turns GCS fault tolerance on, which KubeRay refuses without gcsFaultTolerance: use gcsFaultTolerance (got "redis:6379")`,
        ],
    ],
    [
        "a Redis address without a port",
        rc({ gcsFaultTolerance: { enabled: true, redisAddress: "redis" } }),
        [`${K}.gcsFaultTolerance.redisAddress: must be host:port, such as redis.ray-system.svc:6379 (got "redis")`],
    ],
    [
        "a Redis password written in",
        rc({ gcsFaultTolerance: { enabled: true, redisAddress: "r:6379", redisPassword: "hunter2" } }),
        [`${K}.gcsFaultTolerance.redisPassword: must reference a Secret, {secret, key}: a password is never written into the config (got [secret])`],
    ],
    [
        "annotations on a ServiceAccount the program does not create",
        rc({ serviceAccount: { name: "ray", workerName: "ray-w", annotations: { "iam.gke.io/gcp-service-account": "ray@p.iam.gserviceaccount.com" } } }),
        [
            `${K}.serviceAccount.annotations: apply only to a ServiceAccount the program creates (create: true); annotate an existing one where it is managed (got {"iam.gke.io/gcp-service-account":"ray@p.iam.gserviceaccount.com"})`,
        ],
    ],
    [
        "an existing head ServiceAccount without the workers' own",
        rc({ serviceAccount: { name: "ray" } }),
        [
            `${K}.serviceAccount.workerName: is required when serviceAccount.create is false: KubeRay binds the autoscaler's Role (patch pods, patch rayclusters) to the head's ServiceAccount, so the workers, which run user code, need one of their own`,
        ],
    ],
    [
        "the workers under the head's ServiceAccount",
        rc({ serviceAccount: { name: "ray", create: true, workerName: "ray" } }),
        [
            `${K}.serviceAccount.workerName: must differ from serviceAccount.name: the head's ServiceAccount holds the autoscaler's rights to patch the RayCluster (got "ray")`,
        ],
    ],
];

describe("RayCluster pods: scheduling, identity, environment, /dev/shm, fault tolerance", () => {
    describe("bad config is refused at config time, naming the key", () => {
        for (const [what, config, problems] of BAD) {
            it(what, () => assert.deepEqual(problemsOf(config), problems));
        }
        it("before any resource is registered", async () => {
            const { error, resources } = await runError(groups({ tolerations: [{ key: "spot", effect: "NoSchedule" }] }));
            assert.match(error.message, /tolerations\.0\.value: is required with operator Equal/);
            assert.deepEqual(
                resources.map((r) => r.type),
                [T.stack],
            );
        });
    });

    it("accepts every valid form: a toleration of every taint, NoExecute with seconds, own labels, both envFrom kinds, a valid affinity", () => {
        const pod = {
            tolerations: [{ operator: "Exists" }, { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
            labels: { team: "ml", "app.kubernetes.io/component": "ray" },
            envFrom: [{ secret: "a" }, { configMap: "b" }],
            env: { MODEL_NAME: "llama" },
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }],
                },
            },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }],
            shmSize: "4Gi",
        };
        assert.deepEqual(
            problemsOf({ environment: "dev", rayCluster: { head: { ...pod, memory: "4Gi" }, workerGroups: { g: group({ ...pod, gpu: "10" }) } } }),
            [],
        );
        assert.deepEqual(problemsOf(rc({ gcsFaultTolerance: { enabled: true, redisAddress: "redis:6379" }, head: { env: { RAY_LOG_LEVEL: "info" } } })), []);
    });

    it("turns the GPU shorthand into the resource, the node selector and the pool's toleration", () => {
        const values = (gpu: unknown, extra: object = {}) =>
            (
                rayClusterValues(parseConfig(groups({ gpu, ...extra })).rayCluster) as {
                    additionalWorkerGroups: { g: { nodeSelector?: object; tolerations?: object[]; resources: { limits: object } } };
                }
            ).additionalWorkerGroups.g;
        const short = values(2);
        assert.deepEqual(short.resources.limits, { cpu: "1", memory: "4Gi", "nvidia.com/gpu": "2" });
        assert.deepEqual(short.tolerations, [{ effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" }]);
        assert.equal(short.nodeSelector, undefined);
        const amd = values(
            { count: 1, resource: "amd.com/gpu", nodeSelector: { "amd.com/gpu.present": "true" } },
            { tolerations: [{ key: "spot", operator: "Exists" }] },
        );
        assert.deepEqual(amd.resources.limits, { cpu: "1", memory: "4Gi", "amd.com/gpu": "1" });
        assert.deepEqual(amd.nodeSelector, { "amd.com/gpu.present": "true" });
        assert.deepEqual(amd.tolerations, [
            { key: "spot", operator: "Exists" },
            { effect: "NoSchedule", key: "amd.com/gpu", operator: "Exists" },
        ]);
        assert.deepEqual(values({ count: 1, tolerations: [] }).tolerations, undefined, "gpu.tolerations: [] drops the default");
        assert.deepEqual(values({ count: 1, tolerations: [{ key: "gpu", operator: "Equal", value: "a100", effect: "NoSchedule" }] }).tolerations, [
            { effect: "NoSchedule", key: "gpu", operator: "Equal", value: "a100" },
        ]);
        assert.deepEqual(values("12").resources.limits, { cpu: "1", memory: "4Gi", "nvidia.com/gpu": "12" });
        const none = values(undefined);
        assert.deepEqual([none.tolerations, none.nodeSelector], [undefined, undefined], "a CPU group gets neither");
    });

    it("gives the chart every pod key as its value of the same name, the head keeping its /tmp/ray volume beside /dev/shm", () => {
        const pod = {
            nodeSelector: { pool: "ml" },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" }],
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }],
                },
            },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }],
            priorityClassName: "ml-high",
            runtimeClassName: "nvidia",
            labels: { team: "ml" },
            annotations: { "prometheus.io/scrape": "true" },
            env: { ZETA: "z", ALPHA: "a" },
            secretEnv: { HF_TOKEN: { secret: "hf", key: "token" } },
            envFrom: [{ secret: "s3" }, { configMap: "cfg" }],
            shmSize: "1Gi",
        };
        const v = rayClusterValues(
            parseConfig({
                environment: "dev",
                kuberay: { version: "1.6.2" },
                rayCluster: {
                    serviceAccount: { name: "ray", create: true },
                    imagePullSecrets: ["regcred", "mirror"],
                    gcsFaultTolerance: {
                        enabled: true,
                        redisAddress: "redis:6379",
                        redisPassword: { secret: "redis", key: "pw" },
                        externalStorageNamespace: "ns1",
                    },
                    head: pod,
                    workerGroups: { g: group({ ...pod, gpu: { count: 1, nodeSelector: { pool: "ml", gpu: "a100" } } }) },
                },
            }).rayCluster,
        ) as Record<string, Record<string, unknown>>;
        const shared = {
            affinity: pod.affinity,
            annotations: { "prometheus.io/scrape": "true" },
            containerEnv: [
                { name: "ALPHA", value: "a" },
                { name: "HF_TOKEN", valueFrom: { secretKeyRef: { key: "token", name: "hf" } } },
                { name: "ZETA", value: "z" },
            ],
            envFrom: [{ secretRef: { name: "s3" } }, { configMapRef: { name: "cfg" } }],
            labels: { team: "ml" },
            priorityClassName: "ml-high",
            runtimeClassName: "nvidia",
            serviceAccountName: "ray",
            topologySpreadConstraints: pod.topologySpreadConstraints,
        };
        const shm = { volume: { emptyDir: { medium: "Memory", sizeLimit: "1Gi" }, name: "shared-mem" }, mount: { mountPath: "/dev/shm", name: "shared-mem" } };
        const head = without(v.head, "autoscalerOptions", "enableInTreeAutoscaling", "rayStartParams", "resources");
        assert.deepEqual(head, {
            ...shared,
            nodeSelector: { pool: "ml" },
            tolerations: [{ effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "ml" }],
            volumeMounts: [{ mountPath: "/tmp/ray", name: "log-volume" }, shm.mount],
            volumes: [{ emptyDir: {}, name: "log-volume" }, shm.volume],
        });
        const g = without(
            (v.additionalWorkerGroups as Record<string, Record<string, unknown>>).g,
            "disabled",
            "maxReplicas",
            "minReplicas",
            "rayStartParams",
            "replicas",
        );
        assert.deepEqual(g, {
            ...shared,
            nodeSelector: { gpu: "a100", pool: "ml" },
            serviceAccountName: "ray-worker",
            resources: { limits: { cpu: "1", memory: "4Gi", "nvidia.com/gpu": "1" }, requests: { cpu: "1", memory: "4Gi", "nvidia.com/gpu": "1" } },
            tolerations: [
                { effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "ml" },
                { effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" },
            ],
            volumeMounts: [shm.mount],
            volumes: [shm.volume],
        });
        assert.deepEqual(v.imagePullSecrets, [{ name: "regcred" }, { name: "mirror" }]);
        assert.deepEqual(v.gcsFaultTolerance, {
            enabled: true,
            externalStorageNamespace: "ns1",
            redisAddress: "redis:6379",
            redisPassword: { valueFrom: { secretKeyRef: { key: "pw", name: "redis" } } },
        });
        const noPassword = rayClusterValues(parseConfig(rc({ gcsFaultTolerance: { enabled: true, redisAddress: "redis:6379" } })).rayCluster);
        assert.deepEqual(noPassword.gcsFaultTolerance, { enabled: true, redisAddress: "redis:6379" });
    });

    it("refuses REDIS_PASSWORD in the head's plain env too, and takes runtimeClassName from KubeRay 1.6.0", () => {
        assert.deepEqual(problemsOf(rc({ gcsFaultTolerance: { enabled: true, redisAddress: "r:6379" }, head: { env: { REDIS_USERNAME: "ray" } } })), [
            `${K}.head.env.REDIS_USERNAME: is refused by KubeRay beside gcsFaultTolerance: use gcsFaultTolerance.redisAddress and redisPassword (got "ray")`,
        ]);
        for (const version of ["1.6.2", "1.7.0"])
            assert.deepEqual(
                problemsOf({ environment: "dev", kuberay: { version }, rayCluster: { workerGroups: { g: group({ runtimeClassName: "nvidia" }) } } }),
                [],
                version,
            );
        assert.deepEqual(
            problemsOf(groups({ nodeSelector: { pool: "gpu" }, gpu: { count: 1, nodeSelector: { pool: "gpu" } } })),
            [],
            "the same label twice agrees",
        );
    });

    it("sets nothing new for a config that uses none of the keys, so existing renders keep their values", () => {
        const v = rayClusterValues(parseConfig({ environment: "dev" }).rayCluster) as Record<string, Record<string, unknown>>;
        assert.deepEqual(Object.keys(v).sort(), ["additionalWorkerGroups", "fullnameOverride", "head", "image", "nameOverride", "worker"]);
        assert.deepEqual(Object.keys(v.head).sort(), ["autoscalerOptions", "enableInTreeAutoscaling", "rayStartParams", "resources"]);
        assert.deepEqual(Object.keys(v.additionalWorkerGroups["standard-worker"] as object).sort(), [
            "disabled",
            "maxReplicas",
            "minReplicas",
            "rayStartParams",
            "replicas",
            "resources",
        ]);
    });

    it("creates the ServiceAccount in the Ray namespace, with its annotations, before the RayCluster's Application", async () => {
        const annotations = { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ray" };
        const ev = await run(rc({ serviceAccount: { name: "ray-workloads", create: true, annotations } }));
        const sa = one(ev, "kubernetes:core/v1:ServiceAccount", "ml-ray-sa");
        assert.deepEqual(sa.inputs, { apiVersion: "v1", kind: "ServiceAccount", metadata: { annotations, name: "ray-workloads", namespace: "ray-system" } });
        assert.deepEqual(sa.dependencies, [one(ev, T.namespace, "ml-ray-ns").urn]);
        const app = byType(ev, T.app).find((a) => (a.inputs.metadata as { name: string }).name === "raycluster")!;
        assert.ok(app.dependencies.includes(sa.urn), "the RayCluster's Application waits for it, and is deleted before it");
        const values = (
            app.inputs.spec as {
                source: { helm: { valuesObject: { head: Record<string, unknown>; additionalWorkerGroups: Record<string, Record<string, unknown>> } } };
            }
        ).source.helm.valuesObject;
        assert.equal(values.head.serviceAccountName, "ray-workloads");
        assert.equal(
            values.additionalWorkerGroups["standard-worker"].serviceAccountName,
            "ray-workloads-worker",
            "never the head's: it holds the autoscaler's rights",
        );
        const worker = one(ev, "kubernetes:core/v1:ServiceAccount", "ml-ray-worker-sa");
        assert.deepEqual(worker.inputs, {
            apiVersion: "v1",
            automountServiceAccountToken: false,
            kind: "ServiceAccount",
            metadata: { annotations, name: "ray-workloads-worker", namespace: "ray-system" },
        });
        assert.ok(app.dependencies.includes(worker.urn));
        const named = await run(rc({ serviceAccount: { name: "ray-workloads", create: true, workerName: "ray-users" } }));
        assert.equal((one(named, "kubernetes:core/v1:ServiceAccount", "ml-ray-worker-sa").inputs.metadata as { name: string }).name, "ray-users");

        const referenced = await run(rc({ serviceAccount: { name: "existing", workerName: "existing-workers" } }));
        assert.deepEqual(byType(referenced, "kubernetes:core/v1:ServiceAccount"), [], "an existing one is only referenced");
        const shared = await run({ environment: "dev", kuberay: { namespace: "argocd" }, rayCluster: { serviceAccount: { name: "ray", create: true } } });
        const inArgo = one(shared, "kubernetes:core/v1:ServiceAccount", "ml-ray-sa");
        assert.equal((inArgo.inputs.metadata as { namespace: string }).namespace, "argocd");
        const after = inArgo.dependencies.map((u) => u.split("::").pop());
        assert.ok(after.includes("ml-argocd-ns") && after.includes("ml-argocd"), `in Argo CD's namespace, after Argo CD: ${after.join(", ")}`);
        const off = await run({ environment: "dev", rayCluster: { enabled: false, serviceAccount: { name: "x", create: true } } });
        assert.deepEqual(byType(off, "kubernetes:core/v1:ServiceAccount"), [], "no RayCluster, no ServiceAccount");
    });

    it("compares quantities in their base units", () => {
        assert.deepEqual(["500m", "2", "1k", "1Ki", "1M", "1Mi", "1G", "1Gi", "1T", "1Ti", "1e3", "1.5Gi"].map(quantityValue), [
            0.5,
            2,
            1000,
            1024,
            1e6,
            2 ** 20,
            1e9,
            2 ** 30,
            1e12,
            2 ** 40,
            1000,
            1.5 * 2 ** 30,
        ]);
    });
});
