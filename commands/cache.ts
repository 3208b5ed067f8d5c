/**
 * The cache of charts and tools (`$ML_GITOPS_CACHE`, default `.cache/` in the project): where each
 * thing lives in it, and what it lacks. Kept light (no yaml, no child processes), because
 * tests/setup.ts reads it before every test run. tools/charts.ts fills the cache; commands/helm.ts
 * runs what it holds.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { ARGOCD_CHART, KUBERAY_CHART_REPOSITORY, SUPPORTED_KUBERAY_VERSIONS } from "../components/versions";
import { ROOT } from "./cli";

export function cacheDir(): string {
    return resolve(process.env.ML_GITOPS_CACHE ?? join(ROOT, ".cache"));
}

export const HOW =
    "run `npm test` or `npm run charts`, which fill it (offline: with ML_GITOPS_CHARTS_DIR set to a directory of packaged charts, or `npm run charts -- --from <dir>`)";

/** helm v4.1.4: the version the cache holds when neither `$HELM` nor `PATH` has one. */
export const HELM_VERSION = "v4.1.4";
/** The gojq Argo CD v3.4 links (its go.mod). */
export const GOJQ_VERSION = "v0.12.17";
/** Node.js releases from the npm package `node` (a real binary per platform): 22, the floor's line, on which .ci/run runs everything, and 24. .ci/run reads this line: keep it one line. */
export const OTHER_NODE_VERSIONS = ["22.23.3", "24.21.0"] as const;

/**
 * tools/argocd-rbac, the harness on Argo CD's own util/rbac (its go.mod pins the argo-cd module):
 * cached under a digest of its three files, so an edit builds it again.
 */
export const ARGOCD_RBAC_SOURCE = join(ROOT, "tools", "argocd-rbac");
let rbacDigest: string | undefined;
/** Read and hashed once a process: the sources do not change under a running test. */
const argocdRbacDigest = () =>
    (rbacDigest ??= createHash("sha256")
        .update(["go.mod", "go.sum", "main.go"].map((f) => readFileSync(join(ARGOCD_RBAC_SOURCE, f), "utf8")).join("\0"))
        .digest("hex")
        .slice(0, 12));

/** Where each tool lives in the cache. */
export const cachedTool = {
    argocdRbac: () => join(cacheDir(), "tools", `argocd-rbac-${argocdRbacDigest()}`, "argocd-rbac"),
    helm: () => join(cacheDir(), "tools", `helm-${HELM_VERSION}`, "helm"),
    gojq: () => join(cacheDir(), "tools", `gojq-${GOJQ_VERSION}`, "gojq"),
    node: (version: string) => join(cacheDir(), "tools", `node-${version}`, "node_modules", "node", "bin", "node"),
};

/** A packaged chart: `<name>-<version>.tgz`, from the helm repository `repo`. */
export interface ChartRef {
    name: string;
    version: string;
    repo: string;
}

/** Every chart the project renders: argo-cd, and ray-cluster and kuberay-operator at each supported KubeRay version. */
export function chartList(): ChartRef[] {
    return [
        { name: "argo-cd", version: ARGOCD_CHART.version, repo: ARGOCD_CHART.repository },
        ...SUPPORTED_KUBERAY_VERSIONS.flatMap((v) => [
            { name: "kuberay-operator", version: v, repo: KUBERAY_CHART_REPOSITORY },
            { name: "ray-cluster", version: v, repo: KUBERAY_CHART_REPOSITORY },
        ]),
    ];
}

const chartPath = (name: string, version: string) => join(cacheDir(), "charts", `${name}-${version}.tgz`);

/** A chart file in the cache: `<cache>/charts/<name>-<version>.tgz`. */
export function chartFile(name: string, version: string): string {
    const f = chartPath(name, version);
    if (!existsSync(f)) throw new Error(`chart ${name} ${version} is not in the chart cache (${f}): ${HOW}`);
    return f;
}

export function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
        const f = join(dir, name);
        if (dir && existsSync(f)) return f;
    }
    return undefined;
}

/** helm: `$HELM`, else `helm` on PATH, else the cached official binary. */
export function helmBinary(): string {
    const cached = cachedTool.helm();
    const found = process.env.HELM ?? onPath("helm") ?? (existsSync(cached) ? cached : undefined);
    if (!found) throw new Error(`no helm: set $HELM, put helm on PATH, or ${HOW}`);
    return found;
}

/** What the cache lacks, by name (empty when it is complete). It only looks for files. */
export function cacheMissing(charts: ChartRef[] = chartList()): string[] {
    const missing: string[] = [];
    if (!(process.env.HELM ?? onPath("helm")) && !existsSync(cachedTool.helm())) missing.push(`helm ${HELM_VERSION}`);
    if (!existsSync(cachedTool.gojq())) missing.push(`gojq ${GOJQ_VERSION}`);
    if (!existsSync(cachedTool.argocdRbac())) missing.push("argocd-rbac (tools/argocd-rbac)");
    for (const v of OTHER_NODE_VERSIONS) if (!existsSync(cachedTool.node(v))) missing.push(`Node.js ${v}`);
    for (const c of charts) if (!existsSync(chartPath(c.name, c.version))) missing.push(`${c.name}-${c.version}.tgz`);
    return missing;
}
