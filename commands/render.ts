/**
 * Offline render: `npm run render -- --stack <name> [--out <dir>]`.
 *
 * Evaluates the real program under Pulumi's mock engine with the stack's config, and writes what
 * the stack declares: `manifests.yaml` (every Kubernetes object, in dependency order) and
 * `resources.json` (every Pulumi resource with its inputs and dependencies). Secrets are written
 * as `[secret]`. Nothing is written when the config is invalid.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../components/config";
import { parseFlags, ROOT, runCli, UsageError } from "./cli";
import type { ApplicationSource } from "../components/argocdTypes";
import { chartList } from "./cache";
import { helmTemplate } from "./helm";
import { evaluate, REDACTED, redact, type Evaluation } from "../testing/engine";
import { HELM_RELEASE, manifestsYaml, resourcesJson, type ChartExpansion, type K8sObject } from "../testing/renderFiles";
import { renderDiff } from "./renderDiff";
import { loadStackConfig, StackFileError } from "./stackConfig";

export { ROOT };
export { dependencyOrder, manifestsYaml, resourcesJson, type ChartExpansion } from "../testing/renderFiles";

export interface Rendered {
    manifests: string;
    resources: string;
    summary: string[];
    evaluation: Evaluation;
}

/** A copy of a chart's object with every value of a Secret shown as `[secret]`. */
function redactSecretData(o: K8sObject): K8sObject {
    if (o.kind !== "Secret") return o;
    const hide = (m: unknown) => (m && typeof m === "object" ? Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED])) : m);
    return { ...o, ...(o.data ? { data: hide(o.data) } : {}), ...(o.stringData ? { stringData: hide(o.stringData) } : {}) };
}

/**
 * `helm template` of every helm Release and helm-sourced Application, with the declared values
 * (secrets as `[secret]`, and every Secret's values hidden). Charts come from the chart cache.
 */
export const expandCharts: ChartExpansion = (r) => {
    const from = (chart: string, version: string, release: string, namespace: string, values: unknown, includeCrds: boolean) => {
        const note = `rendered by helm from ${r.urn}: chart ${chart} ${version}, release ${release} in ${namespace}`;
        return { note, objects: helmTemplate({ chart, version, release, namespace, values, includeCrds }).map(redactSecretData) };
    };
    const i = redact(r.inputs) as Record<string, unknown>;
    if (r.type === HELM_RELEASE) return from(String(i.chart), String(i.version), String(i.name), String(i.namespace), i.values, true);
    if (r.type !== "kubernetes:argoproj.io/v1alpha1:Application") return undefined;
    const spec = i.spec as { destination: { namespace: string }; source?: ApplicationSource };
    const src = spec.source;
    if (!src?.chart) return { note: `${r.urn}: a git source (${src?.repoURL ?? "?"} ${src?.path ?? ""}); Argo CD renders it at sync time`, objects: [] };
    const version = src.targetRevision ?? "";
    if (!chartList().some((c) => c.name === src.chart && c.version === version))
        return { note: `${r.urn}: chart ${src.chart} ${version} from ${src.repoURL} is not in the project's chart cache; not expanded`, objects: [] };
    const release = src.helm?.releaseName ?? (i.metadata as { name: string }).name;
    return from(src.chart, version, release, spec.destination.namespace, src.helm?.valuesObject ?? {}, !src.helm?.skipCrds);
};

/** Evaluates this project's program with the config of a stack whose files are in `root`. */
export async function renderStack(stack: string, root = ROOT, secrets: Record<string, string> = {}, charts = false): Promise<Rendered> {
    const sc = loadStackConfig(root, stack, secrets);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as (options: { offline: boolean }) => unknown;
    // Offline: a placeholder in prod is shown as a warning here, where `pulumi preview` refuses it.
    const evaluation = await evaluate(() => program({ offline: true }), { project: sc.project, stack, config: sc.config, secretKeys: sc.secretKeys });
    const counts = new Map<string, number>();
    for (const r of evaluation.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const summary = [...counts.keys()].sort().map((t) => `${String(counts.get(t)).padStart(4)}  ${t}`);
    return { manifests: manifestsYaml(evaluation, charts ? expandCharts : undefined), resources: resourcesJson(evaluation), summary, evaluation };
}

const USAGE = [
    "usage: npm run render -- --stack <name> [--out <dir> | --diff <git-ref>] [--root <dir with Pulumi.yaml>] [--charts]",
    "  --stack <name>  the stack whose Pulumi.<name>.yaml to render (required)",
    "  --out <dir>     where to write manifests.yaml and resources.json (default out/<stack>)",
    "  --root <dir>    the project directory (default: this project)",
    "  --charts        also show what each chart will create (helm template from the chart cache)",
    "  --diff <ref>    render the stack at a git ref and in the working tree, print the unified diff",
    "                  of both renders and exit 0 (no change), 1 (changes) or 2 (trouble); writes nothing",
    "  --help, -h      this text",
].join("\n");

/** The files a render writes; a failed render removes the previous ones, so stale output is never read as current. */
const OUTPUT_FILES = ["manifests.yaml", "resources.json"];

async function main(args: string[]): Promise<number> {
    const values = parseFlags(USAGE, args, {
        stack: { type: "string" },
        out: { type: "string" },
        root: { type: "string" },
        charts: { type: "boolean" },
        diff: { type: "string" },
    });
    if (!values.stack) throw new UsageError("--stack <name> is required");
    if (values.diff !== undefined) {
        if (values.out !== undefined) throw new UsageError("--diff writes no files: drop --out");
        return renderDiff(values.root ? resolve(values.root) : ROOT, values.stack, values.diff, values.charts ?? false, (t) => process.stdout.write(t));
    }
    const out = resolve(values.out ?? join("out", values.stack));
    let rendered: Rendered;
    try {
        rendered = await renderStack(values.stack, values.root ? resolve(values.root) : ROOT, {}, values.charts ?? false);
    } catch (e) {
        if (e instanceof ConfigError || e instanceof StackFileError) {
            const stale = OUTPUT_FILES.map((f) => join(out, f)).filter((f) => existsSync(f));
            for (const f of stale) rmSync(f);
            process.stderr.write(
                `render: stack ${values.stack}: ${e.message}\nNothing was written` +
                    (stale.length ? `; the previous render's ${stale.join(" and ")} were removed, so they cannot be read as current.\n` : ".\n"),
            );
            return 1;
        }
        throw e;
    }
    // What `pulumi preview` would show as warnings (prod's admin login without SSO, say).
    for (const w of rendered.evaluation.warnings) process.stderr.write(`warning: ${w}\n`);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "manifests.yaml"), rendered.manifests);
    writeFileSync(join(out, "resources.json"), rendered.resources);
    process.stdout.write(
        `stack ${values.stack}: ${rendered.evaluation.resources.length} resources\n${rendered.summary.join("\n")}\n` +
            `wrote ${join(out, "manifests.yaml")}\nwrote ${join(out, "resources.json")}\n`,
    );
    return 0;
}

/** `node start.js render …` (compiled) or `node -r ts-node/register commands/render.ts …`. */
export function cli(args = process.argv.slice(2)): void {
    runCli("render", () => main(args), USAGE);
}

if (require.main === module) cli();
