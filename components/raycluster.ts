/**
 * Pure planning for the RayCluster Application: config → ray-cluster chart values, and the name
 * the chart gives the RayCluster (needed for the Application's ignoreDifferences).
 */
import type { ParsedConfig, WorkerGroupConfig } from "./config";
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
 * The ray-cluster chart's valuesObject. Worker groups keep their config order: the first becomes
 * the chart's `worker` (with `groupName`), the rest `additionalWorkerGroups`, each with the image
 * pinned. The chart's own example group `smallGroup` stays disabled, as the chart ships it.
 */
export function rayClusterValues(rc: ParsedConfig["rayCluster"]) {
    const image = { pullPolicy: rc.image.pullPolicy, repository: rc.image.repository, tag: rc.image.tag };
    const groups = Object.entries(rc.workerGroups);
    const [first, ...rest] = groups;
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
            version: "v2",
        };
    }
    const values: Record<string, unknown> = {
        additionalWorkerGroups: Object.fromEntries(rest.map(([name, g]) => [name, { ...workerValues(name, g), image }])),
        fullnameOverride: rc.fullnameOverride,
        head,
        image,
        nameOverride: rc.nameOverride,
        worker: first ? { ...workerValues(first[0], first[1]), groupName: first[0] } : { disabled: true },
    };
    return sortKeys(values);
}
