/**
 * The pod settings the RayCluster's head and each worker group share: where the pod may run
 * (node selector, tolerations, affinity, topology spread, priority and runtime class), its labels
 * and annotations, its environment (plain values, Secrets by reference), and the size of its
 * `/dev/shm`. Each becomes the ray-cluster chart value of the same meaning (raycluster.ts).
 */
import { z } from "zod";
import { anyObject, quantity, SECRET_LIKE_NAME, type Report } from "./formats";
import { AFFINITY_SCHEMA, TOPOLOGY_SPREAD_CONSTRAINTS_SCHEMA } from "./generated/podSchemas";

/** A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** An extended resource name: domain-prefixed, such as nvidia.com/gpu or amd.com/gpu. */
const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const labelKey = () =>
    z.string().regex(QUALIFIED_NAME, { message: "must be a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'" });
export const labelValue = () =>
    z
        .string()
        .regex(LABEL_VALUE, { message: "must be a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit" });
export const dnsSubdomain = () =>
    z
        .string()
        .max(253, { message: "must be at most 253 characters" })
        .regex(DNS_SUBDOMAIN, { message: "must be a DNS subdomain: lower-case letters, digits, '-' and '.'" });
/** A key of a Secret in the Ray namespace, by name: `{secret, key}`; `error` words a value of another type. */
export const secretRef = (error?: string) =>
    z.strictObject(
        {
            secret: dnsSubdomain().meta({ description: "Name of the Secret, in the Ray namespace." }),
            key: z.string().min(1, { message: "must not be empty" }).meta({ description: "Key in the Secret." }),
        },
        error === undefined ? undefined : { error },
    );

export const tolerationSchema = z.strictObject({
    key: labelKey().optional().meta({ description: "Taint key; without it, operator Exists tolerates every taint." }),
    operator: z
        .enum(["Equal", "Exists"], { error: "must be Equal or Exists" })
        .default("Equal")
        .meta({ description: "Equal needs a value; Exists takes none." }),
    value: labelValue().optional().meta({ description: "Taint value (operator Equal)." }),
    effect: z
        .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: "must be NoSchedule, PreferNoSchedule or NoExecute" })
        .optional()
        .meta({ description: "Taint effect; unset tolerates every effect." }),
    tolerationSeconds: z.number().int().min(0).optional().meta({ description: "How long a NoExecute taint is tolerated." }),
});
export type Toleration = z.output<typeof tolerationSchema>;

/** Problems of each toleration of a list, as the API server would see them, and what this project refuses besides; paths under the list. */
export function checkTolerations(tolerations: readonly Toleration[], report: Report): void {
    tolerations.forEach((t, i) => checkToleration(t, (path, message) => report([i, ...path], message)));
}

function checkToleration(t: Toleration, report: Report): void {
    if (t.operator === "Equal" && t.value === undefined) report(["value"], "is required with operator Equal; use operator Exists to tolerate any value");
    if (t.operator === "Exists" && t.value !== undefined) report(["value"], "must be unset with operator Exists");
    if (t.key === undefined && t.operator !== "Exists") report(["operator"], "must be Exists when key is unset (a toleration of every taint)");
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") report(["tolerationSeconds"], "applies to effect NoExecute only");
}

/** A strict schema, from Kubernetes' own (the RayCluster CRD's pod template), for a field passed through as an object. */
function kubernetesField<T extends z.ZodType>(base: T, jsonSchema: unknown, what: string) {
    // Built on first use, not at import: about 30 ms that every preview of a stack without the field would pay.
    let strict: z.ZodType | undefined;
    return base.superRefine((v, ctx) => {
        strict ??= z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
        const result = strict.safeParse(v);
        if (result.success) return;
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys")
                for (const key of issue.keys) ctx.addIssue({ code: "custom", path: [...issue.path, key], message: `unknown key in a Kubernetes ${what}` });
            else ctx.addIssue({ code: "custom", path: issue.path, message: `${issue.message} (Kubernetes ${what})` });
        }
    });
}

/** Settings of a pod: the head's and each worker group's. */
export const podSettingsShape = {
    nodeSelector: z.record(labelKey(), labelValue()).default({}).meta({ description: "Node labels the pods require." }),
    tolerations: z.array(tolerationSchema).default([]).meta({ description: "Taints the pods tolerate." }),
    affinity: kubernetesField(anyObject, AFFINITY_SCHEMA, "Affinity")
        .optional()
        .meta({ description: "Kubernetes Affinity of the pods (nodeAffinity, podAffinity, podAntiAffinity), checked against its schema." }),
    topologySpreadConstraints: kubernetesField(z.array(anyObject), TOPOLOGY_SPREAD_CONSTRAINTS_SCHEMA, "TopologySpreadConstraint list")
        .optional()
        .meta({ description: "Kubernetes topologySpreadConstraints of the pods, checked against their schema." }),
    priorityClassName: dnsSubdomain().optional().meta({ description: "PriorityClass of the pods." }),
    runtimeClassName: dnsSubdomain().optional().meta({ description: "RuntimeClass of the pods (such as nvidia); KubeRay 1.6.0 or later." }),
    labels: z.record(labelKey(), labelValue()).default({}).meta({ description: "Extra pod labels (not ray.io/ or the chart's own)." }),
    annotations: z.record(labelKey(), z.string()).default({}).meta({ description: "Pod annotations." }),
    env: z
        .record(z.string().regex(ENV_NAME, { message: "must be an environment variable name" }), z.string())
        .default({})
        .meta({
            description:
                "Plain environment variables of the Ray container; a name that says it holds a secret (…TOKEN, …PASSWORD, …KEY) is refused: use secretEnv.",
        }),
    secretEnv: z
        .record(z.string().regex(ENV_NAME, { message: "must be an environment variable name" }), secretRef())
        .default({})
        .meta({ description: "Environment variables from a key of a Secret (secretKeyRef): the value never enters the config." }),
    envFrom: z
        .array(
            z.strictObject({
                secret: dnsSubdomain().optional().meta({ description: "Every key of this Secret." }),
                configMap: dnsSubdomain().optional().meta({ description: "Every key of this ConfigMap." }),
            }),
        )
        .default([])
        .meta({ description: "Whole Secrets or ConfigMaps as environment variables, by name." }),
    shmSize: quantity()
        .optional()
        .meta({ description: "Size of the pods' memory-backed /dev/shm (Ray's object store); unset: KubeRay's own, as large as the memory limit." }),
};

/** The GPU shorthand of a worker group: `gpu: 1`, or the object. */
export const gpuSchema = z.preprocess(
    (v) => ((typeof v === "string" || typeof v === "number") && /^\d+$/.test(String(v)) ? { count: Number(v) } : v),
    z.strictObject(
        {
            count: z.number().int().min(1, { message: "must be at least 1" }).meta({ description: "GPUs per worker (request and limit)." }),
            resource: z
                .string()
                .regex(EXTENDED_RESOURCE, { message: "must be an extended resource name such as nvidia.com/gpu or amd.com/gpu" })
                .default("nvidia.com/gpu")
                .meta({ description: "The GPU's extended resource." }),
            nodeSelector: z
                .record(labelKey(), labelValue())
                .default({})
                .meta({ description: "Labels of the GPU nodes (merged into the group's nodeSelector)." }),
            tolerations: z
                .array(tolerationSchema)
                .optional()
                .meta({ description: "Taints of the GPU nodes; default: the resource's own taint, `<resource>` Exists NoSchedule." }),
        },
        { error: "must be a whole number of GPUs, or {count, resource, nodeSelector, tolerations}" },
    ),
);

/** The tolerations of a GPU group: its own, or by default its resource's NoSchedule taint (`nvidia.com/gpu`, any value). */
export function gpuTolerations(gpu: { resource: string; tolerations?: readonly Toleration[] }): Toleration[] {
    return gpu.tolerations ? [...gpu.tolerations] : [{ key: gpu.resource, operator: "Exists", effect: "NoSchedule" }];
}

/** Labels the chart or KubeRay set on every pod: a pod label must not collide with them. */
const RESERVED_LABEL = /^(ray\.io\/|app\.kubernetes\.io\/(name|instance|managed-by)$|helm\.sh\/chart$)/;

const MULTIPLIER: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};
/** A quantity (already valid) in its base unit. */
export function quantityValue(q: string): number {
    // The schema's quantity format leaves a number, with or without an exponent, or a number and one of these suffixes.
    const m = /^([0-9.]+)([a-zA-Z]+)$/.exec(q);
    return m ? Number(m[1]) * MULTIPLIER[m[2]] : Number(q);
}

type PodSettings = z.output<z.ZodObject<typeof podSettingsShape>>;

/** The rules among one pod's settings; `memory` is the pod's memory limit. */
export function checkPodSettings(p: PodSettings, memory: string, report: Report): void {
    checkTolerations(p.tolerations, (path, message) => report(["tolerations", ...path], message));
    for (const key of Object.keys(p.labels))
        if (RESERVED_LABEL.test(key)) report(["labels", key], "is set by KubeRay or the ray-cluster chart; choose another label");
    for (const name of Object.keys(p.env)) {
        if (SECRET_LIKE_NAME.test(name)) report(["env", name], `looks like a secret: put it in a Secret and reference it with secretEnv.${name} (secret, key)`);
        if (name in p.secretEnv) report(["env", name], "is also in secretEnv; keep one");
    }
    p.envFrom.forEach((e, i) => {
        if ((e.secret === undefined) === (e.configMap === undefined)) report(["envFrom", i], "must name either a secret or a configMap");
    });
    if (p.shmSize !== undefined && quantityValue(p.shmSize) > quantityValue(memory))
        report(["shmSize"], `must be at most the memory limit (${memory}): a memory-backed /dev/shm counts against it`);
}
