/**
 * `npm run bench [-- --runs <n>] [--test-runs <n>]`: how fast the program starts and renders, against
 * the floor of Node loading the three Pulumi SDKs. Each row is a command run in a fresh process;
 * wall time comes from perf_hooks around the child, peak RSS from `/usr/bin/time -f %M`. One
 * warm-up run per row is discarded. Prints a Markdown table of medians (min–max), then the targets
 * with PASS or FAIL, and exits 1 if a target is missed.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem, type as osType } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { parseFlags, runCli, UsageError } from "../commands/cli";
import { ROOT } from "../commands/render";

const TIME = "/usr/bin/time";
const NODE = process.execPath;

interface Sample {
    wallMs: number;
    rssMb?: number;
}

interface Row {
    label: string;
    samples: Sample[];
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs a command once; fails loudly if it fails, since a broken command would time nothing. */
function runOnce(cmd: string[]): Sample {
    const rssFile = join(tmpdir(), `ml-gitops-bench-${process.pid}.rss`);
    const withTime = existsSync(TIME) ? [TIME, "-f", "%M", "-o", rssFile, ...cmd] : cmd;
    const start = performance.now();
    const r = spawnSync(withTime[0], withTime.slice(1), { cwd: ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
    const wallMs = performance.now() - start;
    if (r.status !== 0) throw new Error(`${cmd.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
    if (!existsSync(TIME)) return { wallMs };
    const rssMb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024;
    rmSync(rssFile, { force: true });
    return { wallMs, rssMb };
}

function measure(label: string, cmd: string[], runs: number, warmUp = true): Row {
    if (warmUp) runOnce(cmd); // file cache, compiled bin/
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(runOnce(cmd));
    process.stderr.write(`  ${label}: ${Math.round(median(samples.map((s) => s.wallMs)))} ms\n`);
    return { label, samples };
}

const wall = (r: Row) => median(r.samples.map((s) => s.wallMs));
const rss = (r: Row) => (r.samples[0].rssMb === undefined ? undefined : median(r.samples.map((s) => s.rssMb ?? 0)));
const secs = (ms: number) => (ms / 1000).toFixed(2);

function tableRow(r: Row, floor: Row, note = ""): string {
    const ws = r.samples.map((s) => s.wallMs);
    const m = rss(r);
    const rssCol = m === undefined ? "n/a" : `${Math.round(m)} MB`;
    return `| ${r.label} | ${secs(wall(r))} s (${secs(Math.min(...ws))}–${secs(Math.max(...ws))}) | ${rssCol} | ${(wall(r) / wall(floor)).toFixed(2)}× | ${note} |`;
}

/** A stack directory with this project's Pulumi.yaml and a generated Pulumi.bench.yaml. */
function generatedStack(workerGroups: number, extraApps: number): string {
    const dir = mkdtempSync(join(tmpdir(), "ml-gitops-bench-"));
    copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const groups: Record<string, unknown> = {};
    for (let i = 0; i < workerGroups; i++)
        groups[`group-${String(i).padStart(3, "0")}`] = { replicas: 1, minReplicas: 0, maxReplicas: 4, cpu: "1", memory: "2G" };
    const applications: Record<string, unknown> = {};
    for (let i = 0; i < extraApps; i++) {
        applications[`app-${String(i).padStart(3, "0")}`] = {
            repoURL: "https://github.com/org/ml-platform-config",
            targetRevision: "v1.0.0",
            path: `apps/app-${i}`,
            destination: { namespace: "ml-serving" },
        };
    }
    const config = {
        "ml-gitops:environment": "dev",
        "ml-gitops:rayCluster": { workerGroups: groups },
        "ml-gitops:applications": applications,
        "ml-gitops:notifications": { enabled: false },
    };
    writeFileSync(join(dir, "Pulumi.bench.yaml"), stringify({ config }));
    return dir;
}

function render(stack: string, out: string, root?: string): string[] {
    return [NODE, join(ROOT, "start.js"), "render", "--stack", stack, "--out", out, ...(root ? ["--root", root] : [])];
}

const FLOOR = "floor: node loads @pulumi/pulumi, kubernetes, random";
const FLOOR_CMD = [NODE, "-e", "require('@pulumi/pulumi');require('@pulumi/kubernetes');require('@pulumi/random')"];
/** JavaScript on one core and nothing else: with the floor (loading modules), what tells one machine's speed from another's. */
const CPU_LOOP = "a CPU-only loop: 3·10⁸ additions";
const CPU_LOOP_CMD = [NODE, "-e", "let s = 0; for (let i = 0; i < 3e8; i++) s += i; if (s < 0) console.log(s);"];

const USAGE = "usage: npm run bench -- [--runs <n ≥ 1>] [--test-runs <n ≥ 1>] [--tests]   (--help, -h: this text)";

/** The machine, for a report's first line: cores, CPU model and memory. */
function machine(): string {
    const cpu = cpus();
    return `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** Prints the report's lines and each target with PASS or FAIL; the exit code: 1 if one is missed. */
function report(lines: string[], targets: [string, boolean][]): number {
    lines.push("", "Targets:", ...targets.map(([text, ok]) => `- ${ok ? "PASS" : "FAIL"} ${text}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    return targets.every(([, ok]) => ok) ? 0 : 1;
}

/**
 * The contributor's loop: `npm run test:unit` and `npm test`, each `runs` times, min and median against
 * their targets; then the machine's speed, the floor and a CPU-only loop (5 runs each after a
 * warm-up), so that results from two machines can be told apart.
 */
function testSuites(runs: number): number {
    process.stderr.write(`benchmark: the test commands, ${runs} runs each, no warm-up; then the machine's speed\n`);
    const unit = measure("`npm run test:unit`", ["npm", "run", "--silent", "test:unit"], runs, false);
    const all = measure("`npm test`", ["npm", "test", "--silent"], runs, false);
    const floor = measure(`machine: ${FLOOR}`, FLOOR_CMD, 5);
    const loop = measure(`machine: ${CPU_LOOP}`, CPU_LOOP_CMD, 5);
    const min = (r: Row) => Math.min(...r.samples.map((s) => s.wallMs));
    const row = (r: Row) => `| ${r.label} | ${secs(min(r))} s | ${secs(wall(r))} s | ${r.samples.map((s) => secs(s.wallMs)).join(", ")} |`;
    return report(
        [
            `Machine: ${machine()}, Node ${process.version}; ${runs} runs each, no warm-up (the machine rows: 5, after one).`,
            "",
            "| command | min | median | runs |",
            "|---|---|---|---|",
            row(unit),
            row(all),
            row(floor),
            row(loop),
        ],
        [
            [`npm run test:unit ≤ 5 s: min ${secs(min(unit))} s, median ${secs(wall(unit))} s`, wall(unit) <= 5000],
            [`npm test ≤ 60 s: min ${secs(min(all))} s, median ${secs(wall(all))} s`, wall(all) <= 60000],
        ],
    );
}

function main(args: string[]): number {
    const values = parseFlags(USAGE, args, { runs: { type: "string", default: "5" }, "test-runs": { type: "string" }, tests: { type: "boolean" } });
    const runs = Number(values.runs);
    const testRuns = Number(values["test-runs"] ?? (values.tests ? "3" : values.runs));
    if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(testRuns) || testRuns < 1)
        throw new UsageError("--runs and --test-runs take a whole number ≥ 1");
    if (values.tests) return testSuites(testRuns);
    const out = mkdtempSync(join(tmpdir(), "ml-gitops-bench-out-"));
    const cleanup: string[] = [out];
    try {
        process.stderr.write(`benchmark: ${runs} runs per row (tests: ${testRuns}), medians\n`);
        const floor = measure(FLOOR, FLOOR_CMD, runs);
        const dev = measure("render dev (`node start.js render`)", render("dev", join(out, "dev")), runs);
        const prod = measure("render prod (`node start.js render`)", render("prod", join(out, "prod")), runs);
        const npmProd = measure(
            "`npm run render -- --stack prod` (adds npm's own start-up)",
            ["npm", "run", "-s", "render", "--", "--stack", "prod", "--out", join(out, "npm")],
            runs,
        );

        // Start-up modes: the same prod evaluation, with the program loaded the three ways `pulumi up` can load it.
        const tsCheck = measure(
            "start-up: ts-node with type check (Pulumi's default for index.ts)",
            [NODE, "-r", "ts-node/register", "commands/render.ts", "--stack", "prod", "--out", join(out, "tc")],
            runs,
        );
        const tsFast = measure(
            "start-up: ts-node transpile-only",
            [NODE, "-r", "ts-node/register/transpile-only", "commands/render.ts", "--stack", "prod", "--out", join(out, "to")],
            runs,
        );
        const cold = { label: "start-up: compiled, first run after a change (start.js runs tsc)", samples: [] as Sample[] };
        for (let i = 0; i < runs; i++) cold.samples.push(runOnce([NODE, join(ROOT, "start.js"), "build"]));

        const scale: Record<string, Row> = {};
        for (const n of [1, 10, 100]) {
            const w = generatedStack(n, 1);
            const a = generatedStack(1, n);
            cleanup.push(w, a);
            scale[`w${n}`] = measure(`scaling: ${n} worker group${n > 1 ? "s" : ""}, 1 extra app`, render("bench", join(w, "out"), w), runs);
            scale[`a${n}`] = measure(`scaling: 1 worker group, ${n} extra app${n > 1 ? "s" : ""}`, render("bench", join(a, "out"), a), runs);
        }
        // The inner loop; the full `npm test` (minutes: the chart, consumer and command-line suites) is timed in docs/performance.md.
        const tests = measure(
            "tests: `npm run test:unit` (the mock-engine and pure suites, no type check)",
            ["npm", "run", "--silent", "test:unit"],
            testRuns,
            false,
        );

        const lines = [
            `Machine: ${machine()}, ${osType()} ${release()}, Node ${process.version}. ` +
                `${runs} runs per row after one warm-up (tests: ${testRuns}, no warm-up); median (min–max).`,
            "",
            "| what | wall time | peak RSS | × floor | note |",
            "|---|---|---|---|---|",
            tableRow(floor, floor, "the floor"),
            tableRow(dev, floor),
            tableRow(prod, floor),
            tableRow(npmProd, floor),
            tableRow(tsCheck, floor),
            tableRow(tsFast, floor),
            tableRow(cold, floor, "once per change of the sources"),
        ];
        for (const [kind, label] of [
            ["w", "worker group"],
            ["a", "extra app"],
        ]) {
            const base = wall(scale[`${kind}1`]);
            for (const n of [1, 10, 100]) {
                const r = scale[`${kind}${n}`];
                const delta = wall(r) - base;
                const note = n === 1 ? "" : `${delta < 0 ? "−" : "+"}${Math.abs(Math.round(delta))} ms over 1, ${(delta / (n - 1)).toFixed(1)} ms per ${label}`;
                lines.push(tableRow(r, floor, note));
            }
        }
        lines.push(tableRow(tests, floor));

        const peak = Math.max(...[dev, prod].map((r) => rss(r) ?? 0));
        const targets: [string, boolean][] = [
            [`render prod ≤ 1.5× the floor: ${(wall(prod) / wall(floor)).toFixed(2)}×`, wall(prod) <= 1.5 * wall(floor)],
            [`100 extra Applications add < 1 s over 1: +${secs(wall(scale.a100) - wall(scale.a1))} s`, wall(scale.a100) - wall(scale.a1) < 1000],
            [`peak RSS of a render < 300 MB: ${Math.round(peak)} MB`, rss(prod) !== undefined && peak < 300],
            [`npm run test:unit ≤ 10 s: ${secs(wall(tests))} s`, wall(tests) <= 10000],
        ];
        return report(lines, targets);
    } finally {
        for (const d of cleanup) rmSync(d, { recursive: true, force: true });
    }
}

export function cli(args = process.argv.slice(2)): void {
    runCli("bench", () => main(args), USAGE);
}

if (require.main === module) cli();
