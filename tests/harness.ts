/**
 * Test harness: evaluates the real program (index.ts) under the mock engine with a given config,
 * and finds recorded resources. Evaluations run one at a time (the mock engine is global).
 */
import { ConfigError, parseConfig } from "../components/config";
import { SECRET_KEYS } from "../components/schema";
import { sortKeys } from "../components/util";
import { evaluate, recordedByLastEvaluation, type Evaluation, type RecordedResource } from "../testing/engine";

export const PROJECT = "ml-gitops";

/** Keys that are passed to the program as secrets when present. */
const SECRET = new Set<string>(SECRET_KEYS);

/**
 * Runs the program with `ml-gitops:*` config from a plain object (objects become JSON, as the
 * CLI passes them). Secret keys are marked secret unless listed in `plain`.
 */
export async function run(
    config: Record<string, unknown>,
    opts: { stack?: string; plain?: string[]; extra?: Record<string, string>; previousOutputs?: Record<string, unknown> } = {},
): Promise<Evaluation> {
    const flat: Record<string, string> = { ...opts.extra };
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(config)) {
        const key = `${PROJECT}:${k}`;
        // As the CLI hands structured config over: JSON with object keys sorted at every level.
        flat[key] = typeof v === "string" ? v : JSON.stringify(sortKeys(v));
        if (SECRET.has(k) && !opts.plain?.includes(k)) secretKeys.push(key);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => unknown;
    return evaluate(program, { project: PROJECT, stack: opts.stack ?? "test", config: flat, secretKeys, previousOutputs: opts.previousOutputs });
}

/** Runs the program and returns the error it fails with (or fails the test). */
export async function runError(config: Record<string, unknown>, opts?: Parameters<typeof run>[1]): Promise<{ error: Error; resources: RecordedResource[] }> {
    const recorded: RecordedResource[] = [];
    try {
        const ev = await run(config, opts);
        recorded.push(...ev.resources);
    } catch (e) {
        return { error: e as Error, resources: recordedByLastEvaluation() };
    }
    throw new Error(`expected the program to fail, but it registered ${recorded.length} resources`);
}

export function byType(ev: Evaluation, type: string): RecordedResource[] {
    return ev.resources.filter((r) => r.type === type);
}

export function one(ev: Evaluation, type: string, name: string): RecordedResource {
    const found = ev.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1)
        throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${ev.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    return found[0];
}

/**
 * The Ray project's cluster whitelist in both shipped stacks, written out: the Ray namespace, the
 * `*.ray.io` CRDs, the operator's ClusterRole and binding and the charts' editor/viewer roles.
 */
export const RAY_PROJECT_WHITELIST = [
    { group: "", kind: "Namespace", name: "ray-system" },
    { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", name: "*.ray.io" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kuberay-operator" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ray*-editor-role" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ray*-viewer-role" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding", name: "kuberay-operator" },
];

export const T = {
    app: "kubernetes:argoproj.io/v1alpha1:Application",
    project: "kubernetes:argoproj.io/v1alpha1:AppProject",
    release: "kubernetes:helm.sh/v3:Release",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    namespace: "kubernetes:core/v1:Namespace",
    provider: "pulumi:providers:kubernetes",
    stack: "pulumi:pulumi:Stack",
    randomPassword: "random:index/randomPassword:RandomPassword",
    randomBytes: "random:index/randomBytes:RandomBytes",
};

/** The problems `parseConfig` reports for a raw config, or none. */
export function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}
