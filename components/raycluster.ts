/**
 * Pure planning for the RayCluster Application: config → ray-cluster chart values, and the name
 * the chart gives the RayCluster (needed for the Application's ignoreDifferences).
 */
import type { RayClusterConfig, WorkerGroupConfig } from "./generated/settingsTypes";
import { RESTRICTED_CONTAINER, RESTRICTED_POD, type PodSecurityLevel } from "./podSecurity";
import { helmFullname } from "./helmNames";
import { gpuTolerations } from "./podSettings";
import { sortKeys } from "./util";

/** Inputs of the ray-cluster chart's `ray-cluster.fullname` helper. */
export interface RayClusterNaming {
    /** Helm release name. */
    readonly releaseName: string;
    /** `nameOverride`; unset means the chart's default, {@link DEFAULT_NAME_OVERRIDE}; an empty value falls back to the chart name. */
    readonly nameOverride?: string;
    /** `fullnameOverride`; when set it is the name. */
    readonly fullnameOverride?: string;
}

const CHART_NAME = "ray-cluster";
/** The ray-cluster chart's default `nameOverride` (its values.yaml). */
export const DEFAULT_NAME_OVERRIDE = "kuberay";

/**
 * KubeRay refuses longer RayCluster names (`MaxRayClusterNameLength`: its longest Service suffix,
 * `-serve-svc`, must still fit in 63), and names that are not DNS-1035 labels; it only records an
 * event, and the RayCluster would never get a status (the health check in health/ray.io/RayCluster
 * would keep the app Progressing until `pulumi up`'s wait times out).
 */
export const MAX_RAYCLUSTER_NAME = 53;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why KubeRay would refuse a RayCluster of this name, or undefined when it accepts it. */
export function rayClusterNameProblem(name: string): string | undefined {
    if (name.length > MAX_RAYCLUSTER_NAME)
        return `the RayCluster would be named "${name}" (${name.length} characters); KubeRay refuses RayCluster names over ${MAX_RAYCLUSTER_NAME} characters`;
    if (!DNS_1035.test(name))
        return `the RayCluster would be named "${name}", which KubeRay refuses: it must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)`;
    return undefined;
}

/** The RayCluster's metadata.name, computed exactly as the chart's `ray-cluster.fullname` does. */
export function rayClusterFullname(n: RayClusterNaming): string {
    return helmFullname(n.releaseName, CHART_NAME, n.nameOverride ?? DEFAULT_NAME_OVERRIDE, n.fullnameOverride);
}

/** The seed's custom-resource advertisement: `"{\"<group>\": 1}"`, quotes included. */
export function groupResources(group: string): string {
    return `"{\\"${group}\\": 1}"`;
}

type PodConfig = RayClusterConfig["head"] | WorkerGroupConfig;

function podResources(cpu: string, memory: string, gpu?: { count: number; resource: string }) {
    const r: Record<string, string> = { cpu, memory };
    if (gpu) r[gpu.resource] = String(gpu.count);
    return { limits: { ...r }, requests: { ...r } };
}

/** The volume the chart gives the head by default (its values.yaml): kept when the head's volumes are set. */
const HEAD_LOG_VOLUME = { volume: { emptyDir: {}, name: "log-volume" }, mount: { mountPath: "/tmp/ray", name: "log-volume" } };

/**
 * A pod's settings as the chart's keys of the same name, each only when set, so that the chart's
 * defaults stay where nothing is configured. `/dev/shm`: KubeRay mounts a memory-backed
 * `shared-mem` volume there, as large as the memory limit, unless one is mounted already; a set
 * `shmSize` mounts that volume, sized, so KubeRay adds none.
 */
function podValues(p: PodConfig, serviceAccount: string | undefined, head: boolean, gpu?: WorkerGroupConfig["gpu"]): Record<string, unknown> {
    const v: Record<string, unknown> = {};
    const nodeSelector = { ...p.nodeSelector, ...gpu?.nodeSelector };
    if (Object.keys(nodeSelector).length) v.nodeSelector = nodeSelector;
    const tolerations = [...p.tolerations, ...(gpu ? gpuTolerations(gpu) : [])];
    if (tolerations.length) v.tolerations = tolerations;
    if (p.affinity) v.affinity = p.affinity;
    if (p.topologySpreadConstraints) v.topologySpreadConstraints = p.topologySpreadConstraints;
    if (p.priorityClassName) v.priorityClassName = p.priorityClassName;
    if (p.runtimeClassName) v.runtimeClassName = p.runtimeClassName;
    if (Object.keys(p.labels).length) v.labels = p.labels;
    if (Object.keys(p.annotations).length) v.annotations = p.annotations;
    const env = [
        ...Object.entries(p.env).map(([name, value]) => ({ name, value })),
        ...Object.entries(p.secretEnv).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { key: ref.key, name: ref.secret } } })),
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (env.length) v.containerEnv = env;
    if (p.envFrom.length) v.envFrom = p.envFrom.map((e) => (e.secret ? { secretRef: { name: e.secret } } : { configMapRef: { name: e.configMap } }));
    if (p.shmSize) {
        const shm = {
            volume: { emptyDir: { medium: "Memory", sizeLimit: p.shmSize }, name: "shared-mem" },
            mount: { mountPath: "/dev/shm", name: "shared-mem" },
        };
        const volumes = head ? [HEAD_LOG_VOLUME, shm] : [shm];
        v.volumes = volumes.map((x) => x.volume);
        v.volumeMounts = volumes.map((x) => x.mount);
    }
    if (serviceAccount) v.serviceAccountName = serviceAccount;
    return v;
}

function workerValues(name: string, g: WorkerGroupConfig, serviceAccount: string | undefined) {
    return {
        ...podValues(g, serviceAccount, false, g.gpu),
        disabled: g.disabled,
        maxReplicas: g.maxReplicas,
        minReplicas: g.minReplicas,
        rayStartParams: { ...g.rayStartParams, resources: groupResources(name) },
        replicas: g.replicas,
        resources: podResources(g.cpu, g.memory, g.gpu),
    };
}

/**
 * The workers' ServiceAccount: `serviceAccount.workerName`, else `<name>-worker`. Never the head's:
 * KubeRay binds the autoscaler's Role (patch pods, patch rayclusters) to the head's ServiceAccount
 * (kuberay `controllers/ray/common/rbac.go`), and a worker runs user code.
 */
export function workerServiceAccount(rc: Pick<RayClusterConfig, "serviceAccount">): string | undefined {
    const sa = rc.serviceAccount;
    return sa ? (sa.workerName ?? `${sa.name}-worker`) : undefined;
}

/**
 * The ray-cluster chart's valuesObject. Every worker group goes to the chart's
 * `additionalWorkerGroups` (a map the chart walks in name order), and the chart's single `worker`
 * slot is disabled: the RayCluster lists its groups in name order, whatever order the config
 * arrived in (the Pulumi CLI hands structured config over with its keys sorted). The chart's own
 * example group `smallGroup` stays disabled, as the chart ships it.
 */
export function rayClusterValues(rc: RayClusterConfig, podSecurity: PodSecurityLevel = "baseline") {
    const image = { pullPolicy: rc.image.pullPolicy, repository: rc.image.repository, tag: rc.image.tag };
    // At `restricted`, every pod and container (the autoscaler's too) carries what that level requires.
    const restricted = podSecurity === "restricted";
    const secured = (v: Record<string, unknown>) => (restricted ? { ...v, podSecurityContext: RESTRICTED_POD, securityContext: RESTRICTED_CONTAINER } : v);
    const head: Record<string, unknown> = {
        ...secured(podValues(rc.head, rc.serviceAccount?.name, true)),
        enableInTreeAutoscaling: rc.head.autoscaler.enabled,
        rayStartParams: { ...rc.head.rayStartParams },
        resources: podResources(rc.head.cpu, rc.head.memory),
    };
    if (rc.head.autoscaler.enabled) {
        head.autoscalerOptions = {
            env: [{ name: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES", value: String(rc.head.autoscaler.maxConcurrentLaunches) }],
            idleTimeoutSeconds: rc.head.autoscaler.idleTimeoutSeconds,
            upscalingMode: rc.head.autoscaler.upscalingMode,
            version: rc.head.autoscaler.version,
            ...(restricted ? { securityContext: RESTRICTED_CONTAINER } : {}),
        };
    }
    const values: Record<string, unknown> = {
        additionalWorkerGroups: Object.fromEntries(
            Object.entries(rc.workerGroups).map(([name, g]) => [name, secured(workerValues(name, g, workerServiceAccount(rc)))]),
        ),
        fullnameOverride: rc.fullnameOverride,
        head,
        image,
        nameOverride: rc.nameOverride,
        worker: { disabled: true },
    };
    if (rc.imagePullSecrets.length) values.imagePullSecrets = rc.imagePullSecrets.map((name) => ({ name }));
    const ft = rc.gcsFaultTolerance;
    if (ft.enabled) {
        const { redisPassword: password, ...rest } = ft;
        values.gcsFaultTolerance = {
            ...rest,
            ...(password ? { redisPassword: { valueFrom: { secretKeyRef: { key: password.key, name: password.secret } } } } : {}),
        };
    }
    return sortKeys(values);
}
