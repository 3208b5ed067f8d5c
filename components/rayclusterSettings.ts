/**
 * The settings of the RayCluster and its worker groups (`rayCluster`) and of KubeRay (`kuberay`):
 * their schemas, and the rules among their keys.
 */
import { z } from "zod";
import { dnsLabel, MAX_RELEASE_NAME, quantity, releaseName, repoUrl, semver, timeoutSeconds, anyObject, type Report } from "./formats";
import { podSecurityLevel } from "./podSecurity";
import { checkPodSettings, checkTolerations, dnsSubdomain, gpuSchema, labelKey, podSettingsShape, secretRef } from "./podSettings";
import { DEFAULT_NAME_OVERRIDE, rayClusterFullname, rayClusterNameProblem } from "./raycluster";
import { DEFAULT_KUBERAY_VERSION, DEFAULT_RAY_IMAGE_TAG, isSupportedKuberayVersion, KUBERAY_CHART_REPOSITORY, SUPPORTED_KUBERAY_RANGE } from "./versions";

const workerGroupSchema = z.strictObject({
    replicas: z.number().int().min(0, { message: "must be at least 0" }).meta({ description: "Initial worker count (the autoscaler owns it afterwards)." }),
    minReplicas: z.number().int().min(0, { message: "must be at least 0" }).meta({ description: "Autoscaler lower bound." }),
    maxReplicas: z.number().int().min(1, { message: "must be at least 1" }).meta({ description: "Autoscaler upper bound." }),
    cpu: quantity().meta({ description: "CPU request and limit per worker." }),
    memory: quantity().meta({ description: "Memory request and limit per worker." }),
    gpu: gpuSchema.optional().meta({
        description:
            "GPUs per worker: a count (`gpu: 1`), or `{count, resource, nodeSelector, tolerations}`. A GPU group tolerates its resource's NoSchedule taint (nvidia.com/gpu) by default.",
    }),
    ...podSettingsShape,
    disabled: z.boolean().default(false).meta({ description: "Keep the group declared but create no workers." }),
    rayStartParams: z
        .record(z.string(), z.string())
        .default({})
        .meta({ description: "Extra `ray start` parameters; `resources` is generated from the group name." }),
});

/** @internal The `rayCluster` section. */
export const rayClusterSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Declare the RayCluster Application." }),
        releaseName: releaseName().default("raycluster").meta({ description: "Helm release name of the ray-cluster chart." }),
        nameOverride: z.string().default(DEFAULT_NAME_OVERRIDE).meta({ description: "The chart's nameOverride (chart default kuberay)." }),
        fullnameOverride: z.string().default("").meta({ description: "The chart's fullnameOverride; when set it is the RayCluster's name." }),
        image: z
            .strictObject({
                repository: z.string().min(1).default("docker.io/rayproject/ray").meta({ description: "Ray image repository." }),
                tag: z.string().min(1).default(DEFAULT_RAY_IMAGE_TAG).meta({ description: "Ray image tag; never `latest` in prod." }),
                pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent").meta({ description: "Image pull policy." }),
            })
            .prefault({})
            .meta({ description: "Ray image of the head and every worker group." }),
        head: z
            .strictObject({
                cpu: quantity().default("1").meta({ description: "CPU request and limit of the head pod." }),
                memory: quantity().default("2G").meta({ description: "Memory request and limit of the head pod." }),
                rayStartParams: z
                    .record(z.string(), z.string())
                    .default({ "num-cpus": "0" })
                    .meta({ description: "`ray start` parameters of the head; num-cpus 0 keeps tasks off the head." }),
                ...podSettingsShape,
                autoscaler: z
                    .strictObject({
                        enabled: z.boolean().default(true).meta({ description: "enableInTreeAutoscaling." }),
                        upscalingMode: z
                            .enum(["Default", "Aggressive", "Conservative"])
                            .default("Default")
                            .meta({ description: "Autoscaler v2 upscaling mode." }),
                        idleTimeoutSeconds: timeoutSeconds.default(600).meta({ description: "Seconds before an idle worker is removed." }),
                        maxConcurrentLaunches: z.number().int().positive().default(100).meta({ description: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES." }),
                        version: z
                            .enum(["v1", "v2"])
                            .default("v2")
                            .meta({ description: "Autoscaler version, pinned so a new Ray image tag never changes it (`autoscalerOptions.version`)." }),
                    })
                    .prefault({})
                    .meta({ description: "Ray autoscaler (the head's sidecar)." }),
            })
            .prefault({})
            .meta({ description: "The head pod." }),
        serviceAccount: z
            .strictObject({
                name: dnsSubdomain().meta({
                    description: "ServiceAccount of the head, to which KubeRay binds the autoscaler's Role (patch pods and rayclusters in its namespace).",
                }),
                workerName: dnsSubdomain().optional().meta({
                    description:
                        "ServiceAccount of every worker group: workers run user code, so not the head's. Default `<name>-worker`, created beside the head's (same annotations, no API token mounted) when create is true; required when create is false.",
                }),
                create: z.boolean().default(false).meta({ description: "Create it in kuberay.namespace (true), or use one that exists (false)." }),
                annotations: z
                    .record(labelKey(), z.string())
                    .default({})
                    .meta({ description: "Its annotations when created: cloud identity (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account)." }),
            })
            .optional()
            .meta({ description: "The pods' identity; unset: the namespace's default ServiceAccount." }),
        imagePullSecrets: z.array(dnsSubdomain()).default([]).meta({ description: "Secrets (in kuberay.namespace) to pull the Ray image with, by name." }),
        gcsFaultTolerance: z
            .strictObject({
                enabled: z
                    .boolean()
                    .default(false)
                    .meta({ description: "GCS fault tolerance: the head's state in an external Redis, so a head restart keeps jobs running." }),
                redisAddress: z
                    .string()
                    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: "must be host:port, such as redis.ray-system.svc:6379" })
                    .optional()
                    .meta({ description: "host:port of the Redis." }),
                redisPassword: secretRef("must reference a Secret, {secret, key}: a password is never written into the config")
                    .optional()
                    .meta({ description: "The Redis password, from a Secret by reference (never a literal)." }),
                externalStorageNamespace: z
                    .string()
                    .min(1)
                    .optional()
                    .meta({ description: "Storage namespace in Redis; default KubeRay's, the RayCluster's UID." }),
            })
            .prefault({})
            .meta({ description: "GCS fault tolerance (`gcsFaultToleranceOptions`)." }),
        workerGroups: z
            .record(dnsLabel(), workerGroupSchema)
            .default({
                "standard-worker": {
                    replicas: 1,
                    minReplicas: 1,
                    maxReplicas: 10,
                    cpu: "1",
                    memory: "1G",
                    disabled: false,
                    rayStartParams: {},
                    nodeSelector: {},
                    tolerations: [],
                    labels: {},
                    annotations: {},
                    env: {},
                    secretEnv: {},
                    envFrom: [],
                },
            })
            .meta({
                description:
                    "Worker groups keyed by name. The RayCluster lists them in name order, whatever the order in the stack file (each is one of the chart's `additionalWorkerGroups`; its `worker` slot is disabled).",
            }),
    })
    .prefault({});

/** @internal The `kuberay` section. */
export const kuberaySchema = z
    .strictObject({
        install: z.boolean().default(true).meta({
            description:
                "Declare the KubeRay CRDs and operator Applications. false: another platform in the cluster installs them (the operator watches every namespace).",
        }),
        version: semver()
            .refine((v) => isSupportedKuberayVersion(v), {
                message: `must be ${SUPPORTED_KUBERAY_RANGE}, the KubeRay versions this release renders and tests`,
                // Only an exact version gets this second opinion: "v1.5.1" gets one message, not two.
                when: (payload) => payload.issues.length === 0,
            })
            .default(DEFAULT_KUBERAY_VERSION)
            .meta({
                description: `KubeRay version for the CRDs (git tag v<version>), the operator chart and the ray-cluster chart: ${SUPPORTED_KUBERAY_RANGE}.`,
            }),
        namespace: dnsLabel().default("ray-system").meta({ description: "Namespace of the operator and the RayCluster." }),
        crdsRepoURL: repoUrl
            .default("https://github.com/ray-project/kuberay")
            .meta({ description: "Git repository holding helm-chart/kuberay-operator/crds." }),
        chartRepository: repoUrl.default(KUBERAY_CHART_REPOSITORY).meta({ description: "Helm repository of kuberay-operator and ray-cluster." }),
        operatorValues: anyObject.default({}).meta({ description: "valuesObject for the kuberay-operator chart." }),
        podSecurity: podSecurityLevel(
            "restricted",
            "kuberay.namespace, the operator's and the RayCluster's; at restricted the Ray pods get the securityContexts it requires, so the Ray image must run as a numeric non-root user, as rayproject/ray does (uid 1000)",
        ),
    })
    .prefault({});

/** KubeRay releases whose ray-cluster chart lacks a pod key: the key is refused at those versions. */
const CHART_SINCE: Record<string, string> = { runtimeClassName: "1.6.0" };

const older = (version: string, than: string) => {
    const [a, b] = [version, than].map((v) => v.split(/[.-]/).slice(0, 3).map(Number));
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
};

/** Head environment and start parameters that KubeRay refuses beside gcsFaultTolerance (its validation.go). */
const FT_HEAD_ENV = ["RAY_REDIS_ADDRESS", "REDIS_PASSWORD", "REDIS_USERNAME"];
const FT_HEAD_PARAMS = ["redis-password", "redis-username"];

/**
 * The rules among the `rayCluster` keys (paths relative to the section); `prod` turns the
 * guardrails on; `kuberayVersion` is the chart's, which decides which pod keys exist.
 */
export function checkRayCluster(rc: z.output<typeof rayClusterSchema>, prod: boolean, kuberayVersion: string, report: Report): void {
    const checkPod = (path: string[], pod: Parameters<typeof checkPodSettings>[0], memory: string) => {
        checkPodSettings(pod, memory, (p, message) => report([...path, ...p], message));
        for (const [key, since] of Object.entries(CHART_SINCE))
            if ((pod as Record<string, unknown>)[key] !== undefined && older(kuberayVersion, since) < 0)
                report([...path, key], `needs KubeRay ${since} or later: the ray-cluster chart ${kuberayVersion} ignores it (kuberay.version)`);
    };
    checkPod(["head"], rc.head, rc.head.memory);
    // Worker groups: 0 <= min <= replicas <= max.
    for (const [name, g] of Object.entries(rc.workerGroups)) {
        if (g.minReplicas > g.replicas) report(["workerGroups", name, "minReplicas"], `must be ≤ replicas (${g.replicas})`);
        if (g.replicas > g.maxReplicas) report(["workerGroups", name, "replicas"], `must be ≤ maxReplicas (${g.maxReplicas})`);
        if ("resources" in g.rayStartParams) report(["workerGroups", name, "rayStartParams", "resources"], "is generated from the group name; remove it");
        checkPod(["workerGroups", name], g, g.memory);
        for (const [label, value] of Object.entries(g.gpu?.nodeSelector ?? {}))
            if (g.nodeSelector[label] !== undefined && g.nodeSelector[label] !== value)
                report(["workerGroups", name, "gpu", "nodeSelector", label], `contradicts nodeSelector.${label} (${g.nodeSelector[label]})`);
        checkTolerations(g.gpu?.tolerations ?? [], (p, message) => report(["workerGroups", name, "gpu", "tolerations", ...p], message));
    }
    if (rc.enabled && Object.keys(rc.workerGroups).length === 0) report(["workerGroups"], "must declare at least one worker group");
    // The name the chart derives: refused here, before KubeRay would refuse it (a release name helm
    // refuses is reported by the schema alone).
    if (rc.enabled && rc.releaseName.length <= MAX_RELEASE_NAME) {
        const problem = rayClusterNameProblem(rayClusterFullname(rc));
        if (problem) report([rc.fullnameOverride ? "fullnameOverride" : "releaseName"], problem);
    }
    if (prod && rc.image.tag === "latest") report(["image", "tag"], 'must not be "latest" in prod: pin a Ray version');
    const sa = rc.serviceAccount;
    if (sa && !sa.create && !sa.workerName)
        report(
            ["serviceAccount", "workerName"],
            "is required when serviceAccount.create is false: KubeRay binds the autoscaler's Role (patch pods, patch rayclusters) to the head's ServiceAccount, so the workers, which run user code, need one of their own",
        );
    if (sa && sa.workerName === sa.name)
        report(
            ["serviceAccount", "workerName"],
            "must differ from serviceAccount.name: the head's ServiceAccount holds the autoscaler's rights to patch the RayCluster",
        );
    if (rc.serviceAccount && !rc.serviceAccount.create && Object.keys(rc.serviceAccount.annotations).length)
        report(
            ["serviceAccount", "annotations"],
            "apply only to a ServiceAccount the program creates (create: true); annotate an existing one where it is managed",
        );

    // GCS fault tolerance: what KubeRay itself refuses beside it, refused here before any sync.
    const ft = rc.gcsFaultTolerance;
    if (ft.enabled) {
        if (!ft.redisAddress) report(["gcsFaultTolerance", "redisAddress"], "is required when gcsFaultTolerance.enabled is true");
        for (const k of FT_HEAD_PARAMS)
            if (k in rc.head.rayStartParams)
                report(["head", "rayStartParams", k], "is refused by KubeRay beside gcsFaultTolerance: use gcsFaultTolerance.redisPassword");
        for (const k of FT_HEAD_ENV)
            if (k in rc.head.env || k in rc.head.secretEnv)
                report(
                    ["head", k in rc.head.env ? "env" : "secretEnv", k],
                    "is refused by KubeRay beside gcsFaultTolerance: use gcsFaultTolerance.redisAddress and redisPassword",
                );
    } else {
        for (const key of ["redisAddress", "redisPassword", "externalStorageNamespace"] as const)
            if (ft[key] !== undefined) report(["gcsFaultTolerance", key], "has no effect unless gcsFaultTolerance.enabled is true");
        if ("RAY_REDIS_ADDRESS" in rc.head.env)
            report(
                ["head", "env", "RAY_REDIS_ADDRESS"],
                "turns GCS fault tolerance on, which KubeRay refuses without gcsFaultTolerance: use gcsFaultTolerance",
            );
    }
}
