/**
 * The packaged charts in the cache, and `helm template` of them: what `render --charts` and the
 * chart tests read, from the cache (commands/cache.ts, `$ML_GITOPS_CACHE`, default `.cache/` in the
 * project), which `npm test` (tests/setup.ts) and `npm run charts` fill (tools/charts.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CORE_SCHEMA, loadAll } from "js-yaml";
import type { K8sObject } from "../testing/renderFiles";
import { chartFile, helmBinary } from "./cache";

export type { K8sObject };

/** The Kubernetes version the charts are rendered for (Argo CD passes the destination's). */
export const KUBE_VERSION = "v1.34.0";

export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`.trim());
    return r.stdout;
}

/**
 * The objects of a multi-document YAML stream that helm printed (`template`, `show crds`), in its
 * order, empty documents left out. js-yaml with the YAML 1.2 core schema reads what the `yaml`
 * package's default (also 1.2 core) reads, to equal objects (checked on every render the chart
 * tests make), about ten times faster: the argo-cd chart's 1.9 MB in 0.06 s instead of 0.6 s.
 */
export function parseManifests(text: string): K8sObject[] {
    return loadAll(text, undefined, { schema: CORE_SCHEMA }).filter((o): o is K8sObject => o !== null && typeof o === "object");
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

/**
 * What each request rendered in this process, by the request: the packaged charts in the cache do
 * not change while it runs, and `helm template` is a pure function of the chart and the request, so
 * a request made again (the chart tests render the same stack's values for several assertions) is
 * answered from here, as a deep copy the caller may change. The argo-cd chart's 1.9 MB took 0.5 s in
 * helm and 0.06 s to parse (parseManifests).
 */
const rendered = new Map<string, K8sObject[]>();

/** `helm template` of a cached chart with these values; the objects it renders, in its order. */
export function helmTemplate(req: TemplateRequest): K8sObject[] {
    const key = JSON.stringify([req.chart, req.version, req.release, req.namespace, req.includeCrds === true, req.values ?? {}]);
    let objects = rendered.get(key);
    if (objects === undefined) {
        objects = renderChart(req);
        rendered.set(key, objects);
    }
    return structuredClone(objects);
}

function renderChart(req: TemplateRequest): K8sObject[] {
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
        return parseManifests(run(helmBinary(), args, { env }));
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
