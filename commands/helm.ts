/**
 * The packaged charts in the cache, and `helm template` of them: what `render --charts` and the
 * chart tests read. The cache is `$ML_GITOPS_CACHE` (default `.cache/` in the project); `npm run
 * charts` (tools/charts.ts) fills it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { ARGOCD_CHART, KUBERAY_CHART_REPOSITORY, SUPPORTED_KUBERAY_VERSIONS } from "../components/versions";
import type { K8sObject } from "../testing/renderFiles";
import { ROOT } from "./cli";

export type { K8sObject };

/** The Kubernetes version the charts are rendered for (Argo CD passes the destination's). */
export const KUBE_VERSION = "v1.34.0";

export function cacheDir(): string {
    return resolve(process.env.ML_GITOPS_CACHE ?? join(ROOT, ".cache"));
}

export const HOW = "run `npm run charts` (or, offline, `npm run charts -- --from <dir of packaged charts>`)";

/** A chart file in the cache: `<cache>/charts/<name>-<version>.tgz`. */
export function chartFile(name: string, version: string): string {
    const f = join(cacheDir(), "charts", `${name}-${version}.tgz`);
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
/** helm v4.1.4: the version `npm run charts` caches. */
export const HELM_VERSION = "v4.1.4";

export function helmBinary(): string {
    const cached = join(cacheDir(), "tools", `helm-${HELM_VERSION}`, "helm");
    const found = process.env.HELM ?? onPath("helm") ?? (existsSync(cached) ? cached : undefined);
    if (!found) throw new Error(`no helm: set $HELM, put helm on PATH, or ${HOW}`);
    return found;
}

export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`.trim());
    return r.stdout;
}

export interface TemplateRequest {
    chart: string;
    version: string;
    release: string;
    namespace: string;
    values: unknown;
    /** Argo CD renders CRDs unless the source says `skipCrds`. */
    includeCrds?: boolean;
}

/** `helm template` of a cached chart with these values; the objects it renders, in its order. */
export function helmTemplate(req: TemplateRequest): K8sObject[] {
    const dir = mkdtempSync(join(tmpdir(), "ml-gitops-helm-"));
    try {
        const valuesFile = join(dir, "values.json");
        writeFileSync(valuesFile, JSON.stringify(req.values ?? {}));
        const args = [
            "template",
            req.release,
            chartFile(req.chart, req.version),
            "--namespace",
            req.namespace,
            "--kube-version",
            KUBE_VERSION,
            "-f",
            valuesFile,
        ];
        if (req.includeCrds) args.push("--include-crds");
        // A private helm home: nothing of the user's helm config or repositories leaks in.
        const env = { ...process.env, HELM_CACHE_HOME: join(dir, "c"), HELM_CONFIG_HOME: join(dir, "h"), HELM_DATA_HOME: join(dir, "d") };
        const text = run(helmBinary(), args, { env });
        return parseAllDocuments(text)
            .map((d) => d.toJS() as K8sObject | null)
            .filter((o): o is K8sObject => o !== null && typeof o === "object");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** Every chart the project renders: argo-cd, and ray-cluster and kuberay-operator at each supported KubeRay version. */
export function chartList(): { name: string; version: string; repo: string }[] {
    return [
        { name: "argo-cd", version: ARGOCD_CHART.version, repo: ARGOCD_CHART.repository },
        ...SUPPORTED_KUBERAY_VERSIONS.flatMap((v) => [
            { name: "kuberay-operator", version: v, repo: KUBERAY_CHART_REPOSITORY },
            { name: "ray-cluster", version: v, repo: KUBERAY_CHART_REPOSITORY },
        ]),
    ];
}
