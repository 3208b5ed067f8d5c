/**
 * Pure planning for the RayCluster Application: config → ray-cluster chart values, and the name
 * the chart gives the RayCluster (needed for the Application's ignoreDifferences).
 */
import type { RayClusterConfig, WorkerGroupConfig } from "./generated/settingsTypes";
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

/** Helm's `trunc 63 | trimSuffix "-"` (Go's TrimSuffix removes one dash). */
function truncName(s: string): string {
    const t = s.slice(0, 63);
    return t.endsWith("-") ? t.slice(0, -1) : t;
}

/** The RayCluster's metadata.name, computed exactly as the chart's `ray-cluster.fullname` does. */
export function rayClusterFullname(n: RayClusterNaming): string {
    if (n.fullnameOverride) return truncName(n.fullnameOverride);
    const name = (n.nameOverride ?? DEFAULT_NAME_OVERRIDE) || CHART_NAME;
    if (n.releaseName.includes(name)) return truncName(n.releaseName);
    return truncName(`${n.releaseName}-${name}`);
}

/** The seed's custom-resource advertisement: `"{\"<group>\": 1}"`, quotes included. */
export function groupResources(group: string): string {
    return `"{\\"${group}\\": 1}"`;
}

function podResources(cpu: string, memory: string, gpu?: string) {
    const r: Record<string, string> = { cpu, memory };
    if (gpu) r["nvidia.com/gpu"] = gpu;
    return { limits: { ...r }, requests: { ...r } };
}

function workerValues(name: string, g: WorkerGroupConfig) {
    return {
        disabled: g.disabled,
        maxReplicas: g.maxReplicas,
        minReplicas: g.minReplicas,
        rayStartParams: { ...g.rayStartParams, resources: groupResources(name) },
        replicas: g.replicas,
        resources: podResources(g.cpu, g.memory, g.gpu),
    };
}

/**
 * The ray-cluster chart's valuesObject. Every worker group goes to the chart's
 * `additionalWorkerGroups` (a map the chart walks in name order), and the chart's single `worker`
 * slot is disabled: the RayCluster lists its groups in name order, whatever order the config
 * arrived in (the Pulumi CLI hands structured config over with its keys sorted). The chart's own
 * example group `smallGroup` stays disabled, as the chart ships it.
 */
export function rayClusterValues(rc: RayClusterConfig) {
    const image = { pullPolicy: rc.image.pullPolicy, repository: rc.image.repository, tag: rc.image.tag };
    const head: Record<string, unknown> = {
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
        };
    }
    const values: Record<string, unknown> = {
        additionalWorkerGroups: Object.fromEntries(Object.entries(rc.workerGroups).map(([name, g]) => [name, workerValues(name, g)])),
        fullnameOverride: rc.fullnameOverride,
        head,
        image,
        nameOverride: rc.nameOverride,
        worker: { disabled: true },
    };
    return sortKeys(values);
}
