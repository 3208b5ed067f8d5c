/**
 * The command lines a user types: `npm run render`, `npm run bench` and `node start.js`. Mistakes
 * get one line and the usage (exit 2), `--help` the usage (exit 0), never a stack trace.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../commands/render";
import { COMPILING, currentBin, inScratchCopy, PROGRAM_FILES, startJs } from "./scratch";

const RENDER_USAGE_FIRST = "usage: npm run render -- --stack <name> [--out <dir> | --diff <git-ref>] [--root <dir with Pulumi.yaml>] [--charts]";

/** `npm run <command> -- <args>`: render runs `node start.js render <args>` (compiled once, on first use), bench runs tools/bench.ts. */
function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    // The benchmark is a developer tool (tools/, run by ts-node); render is the program's command.
    const r =
        script === "bench.ts"
            ? spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "tools", "bench.ts"), ...args], { cwd: ROOT, encoding: "utf8" })
            : startJs([script.replace(/\.ts$/, ""), ...args], env);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, firstLine: r.stderr.split("\n")[0] };
}

describe("command lines", function () {
    this.timeout(60_000);

    it("render --help and -h print the usage on stdout and exit 0", () => {
        for (const flag of ["--help", "-h"]) {
            const r = run("render.ts", [flag]);
            assert.equal(r.status, 0);
            assert.equal(r.stdout.split("\n")[0], RENDER_USAGE_FIRST);
            assert.match(r.stdout, /--charts {8}also show what each chart will create/);
            assert.equal(r.stderr, "");
        }
    });

    for (const [what, args, env, line] of [
        ["an unknown flag", ["--stak", "dev"], {}, "render: Unknown option '--stak'"],
        ["--stack without a value", ["--stack"], {}, "render: Option '--stack <value>' argument missing"],
        ["no --stack", [], {}, "render: --stack <name> is required"],
        [
            "`npm run render --stack dev` (npm takes the flag, the script gets `dev`)",
            ["dev"],
            { npm_config_stack: "true" },
            "render: Unexpected argument 'dev'. This command does not take positional arguments (npm took --stack for itself: put `--` before the command's flags, e.g. `npm run <command> -- --stack dev`)",
        ],
    ] as const) {
        it(`render with ${what}: one line and the usage, exit 2, no stack trace`, () => {
            const r = run("render.ts", [...args], env);
            assert.equal(r.status, 2);
            assert.equal(r.firstLine, line);
            assert.equal(r.stderr.split("\n")[1], RENDER_USAGE_FIRST);
            assert.doesNotMatch(r.stderr, /^\s+at /m);
            assert.equal(r.stdout, "");
        });
    }

    it("bench: --help exits 0, a bad --runs exits 2 with the usage", () => {
        assert.equal(run("bench.ts", ["-h"]).status, 0);
        const r = run("bench.ts", ["--runs", "0"]);
        assert.equal(r.status, 2);
        assert.equal(
            r.stderr,
            "bench: --runs and --test-runs take a whole number ≥ 1\nusage: npm run bench -- [--runs <n ≥ 1>] [--test-runs <n ≥ 1>] [--tests]   (--help, -h: this text)\n",
        );
    });

    it("start.js: --help exits 0; no or an unknown command exits 2 naming it, with the usage (which lists --root)", () => {
        const start = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "start.js"), ...args], { cwd: ROOT, encoding: "utf8" });
        const help = start(["--help"]);
        assert.equal(help.status, 0);
        assert.match(help.stdout, /^usage: node start\.js <command>\n/);
        assert.match(help.stdout, /render --stack <name> \[--out <dir>\] \[--root <dir with Pulumi\.yaml>\] \[--charts\]/);
        for (const [args, line] of [
            [[], "start.js: no command"],
            [["rendr"], 'start.js: unknown command "rendr"'],
        ] as const) {
            const r = start([...args]);
            assert.equal(r.status, 2);
            assert.equal(r.stderr.split("\n").slice(0, 2).join("\n"), `${line}\nusage: node start.js <command>`);
        }
    });

    it("a failed render removes that stack's previous output, so it cannot be read as current", () => {
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-cli-"));
        try {
            copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
            writeFileSync(join(dir, "Pulumi.s.yaml"), "config:\n  ml-gitops:environment: dev\n");
            const out = join(dir, "out");
            assert.equal(run("render.ts", ["--root", dir, "--stack", "s", "--out", out]).status, 0);
            assert.ok(existsSync(join(out, "manifests.yaml")) && existsSync(join(out, "resources.json")));
            mkdirSync(join(out, "notes"));
            writeFileSync(join(out, "notes", "mine.txt"), "not the render's");
            writeFileSync(join(dir, "Pulumi.s.yaml"), "config:\n  ml-gitops:environment: dev\n  ml-gitops:sync:\n    timeoutSeconds: 0\n");
            const r = run("render.ts", ["--root", dir, "--stack", "s", "--out", out]);
            assert.equal(r.status, 1);
            assert.equal(
                r.stderr,
                "render: stack s: invalid stack config (1 problem):\n  - ml-gitops:sync.timeoutSeconds: must be a positive number of seconds (got 0)\n" +
                    `Nothing was written; the previous render's ${join(out, "manifests.yaml")} and ${join(out, "resources.json")} were removed, so they cannot be read as current.\n`,
            );
            assert.ok(!existsSync(join(out, "manifests.yaml")) && !existsSync(join(out, "resources.json")));
            assert.equal(readFileSync(join(out, "notes", "mine.txt"), "utf8"), "not the render's", "only the render's own files go");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("render --diff <ref>: prints the unified diff of both renders, exit 1 on a change and 0 on none", async function () {
        this.timeout(240_000);
        // The copy starts from the project's current bin/: what this test changes is stack files, which compile nothing.
        currentBin();
        await inScratchCopy("cli", [...PROGRAM_FILES, "bin", "esc", "Pulumi.dev.yaml"], (dir) => {
            writeFileSync(join(dir, ".gitignore"), "node_modules\nbin/\n");
            const git = (...args: string[]) =>
                assert.equal(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir }).status, 0, args.join(" "));
            git("init", "-q");
            git("add", "-A");
            git("commit", "-qm", "base");
            const diff = () =>
                spawnSync(process.execPath, [join(dir, "start.js"), "render", "--stack", "dev", "--diff", "HEAD"], { cwd: dir, encoding: "utf8" });

            const same = diff();
            assert.equal(same.status, 0, same.stderr);
            assert.equal(same.stdout, "stack dev: no change between HEAD and the working tree\n");
            // Nothing compiled: the working tree's bin/ is current, and HEAD (the same sources) ran a
            // copy of it; a side that compiled would say so on stderr, prefixed.
            const compiled = (r: { stderr: string }) => r.stderr.split("\n").filter((l) => l.includes(COMPILING.trim()));
            assert.deepEqual(compiled(same), [], "neither side compiled");

            const stackFile = join(dir, "Pulumi.dev.yaml");
            writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace("        maxReplicas: 4\n", "        maxReplicas: 12\n"));
            const changed = diff();
            assert.equal(changed.status, 1, changed.stderr);
            assert.match(changed.stdout, /^--- HEAD:out\/dev\/manifests\.yaml\n\+\+\+ working tree:out\/dev\/manifests\.yaml\n/);
            assert.match(changed.stdout, /\n- {12}maxReplicas: 4\n\+ {12}maxReplicas: 12\n/, "the RayCluster Application's valuesObject");
            assert.match(changed.stdout, /\n- {18}"maxReplicas": 4,\n\+ {18}"maxReplicas": 12,\n/);
            assert.match(changed.stdout, /\n--- HEAD:out\/dev\/resources\.json\n\+\+\+ working tree:out\/dev\/resources\.json\n/);
            assert.equal(changed.stdout.match(/^[-+] /gm)?.length, 4, "two lines each way: the manifest and resources.json");
            assert.ok(!existsSync(join(dir, "out")), "--diff writes no files");
            assert.deepEqual(compiled(changed), [], "a change of a stack file compiles nothing");
        });
    });
});

describe("the GitHub Actions workflow", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "ci.yml"), "utf8")) as {
        on: Record<string, unknown>;
        jobs: Record<
            string,
            {
                if?: string;
                env?: Record<string, string>;
                steps: { uses?: string; with?: Record<string, unknown>; run?: string; env?: Record<string, string> }[];
                permissions?: Record<string, string>;
            }
        >;
    };

    it("runs .ci/run on pushes to main and on pull requests", () => {
        assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
        assert.ok(workflow.jobs.test.steps.some((s) => s.run === "bash .ci/run"));
    });

    it("mutation-tests the lines a pull request changes against its base branch, with the history to find it", () => {
        const test = workflow.jobs.test;
        assert.equal(test.env?.ML_GITOPS_MUTATE_BASE, "${{ github.event_name == 'pull_request' && format('origin/{0}', github.base_ref) || 'HEAD~1' }}");
        assert.deepEqual(test.steps.find((s) => s.uses === "actions/checkout@v4")?.with, { "fetch-depth": 0 });
        assert.equal(test.env?.ML_GITOPS_CI_SECONDS, "1500", "25 minutes of the job's 30 for CI there, most of it for mutation testing");
        const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /mutate_budget=\$\(\(\$\{ML_GITOPS_CI_SECONDS:-290\} - SECONDS\)\)/);
        assert.match(ci, /timeout "\$mutate_budget" npm run --silent mutate:changed -- --base "\$mutate_base"/);
    });

    it("posts the render diff of every shipped stack but the e2e ones on pull requests, with write access to pull requests only there", () => {
        const plan = workflow.jobs.plan;
        assert.equal(plan.if, "github.event_name == 'pull_request'");
        assert.deepEqual(plan.permissions, { contents: "read", "pull-requests": "write" });
        const script = plan.steps.map((s) => s.run ?? "").join("\n");
        const shipped = readdirSync(ROOT)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined && !s.startsWith("e2e"))
            .sort();
        assert.deepEqual(shipped, ["dev", "prod"]);
        assert.match(script, new RegExp(`for stack in ${shipped.join(" ")}; do`));
        assert.match(script, /npm run --silent render -- --stack "\$stack" --diff "\$BASE"/);
        assert.match(script, /gh pr comment/);
    });
});
