/**
 * start.js, the program's entry point under `pulumi up`: it runs the JavaScript compiled ahead of
 * time in bin/, and a type error in the sources must stop it before anything is registered.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../commands/render";
import { COMPILING, inScratchCopy, PROGRAM_FILES, spawnAsync } from "./scratch";

describe("start-up", () => {
    it("is what Pulumi runs: start.js, without ts-node", () => {
        const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { main: string; runtime: { name: string; options: Record<string, unknown> } };
        assert.equal(project.main, "start.js");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: false } });
    });

    it("refuses a Node.js older than the floor in package.json's engines (22.13) with one line, before it builds or runs anything", () => {
        const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines;
        assert.deepEqual(engines, { node: ">=22.13" });
        // start.js --help under a Node that reports `version` (the help needs no build).
        const as = (version: string) =>
            spawnSync(
                process.execPath,
                ["--import", `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`, "start.js", "--help"],
                {
                    cwd: ROOT,
                    encoding: "utf8",
                },
            );
        for (const old of ["20.19.0", "22.12.0", "21.7.3"]) {
            const r = as(old);
            assert.equal(r.status, 1, old);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr,
                `ml-gitops: Node.js 22.13 or later is required; this is Node.js ${old} (${process.execPath}). Nothing was run or deployed.\n`,
            );
        }
        for (const ok of ["22.13.0", "24.0.0"]) {
            const r = as(ok);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^usage: node start\.js <command>\n/);
        }
    });

    it("rebuilds when a file changes that the program imports from a new directory (the hash follows what the compiler read)", async function () {
        this.timeout(120000);
        await inScratchCopy("start", PROGRAM_FILES, (dir) => {
            mkdirSync(join(dir, "extra"));
            writeFileSync(join(dir, "extra", "marker.ts"), 'export const MARKER = "first";\n');
            writeFileSync(
                join(dir, "index.ts"),
                `import { MARKER } from "./extra/marker";\nconsole.log("marker " + MARKER);\n${readFileSync(join(ROOT, "index.ts"), "utf8")}`,
            );
            const load = () => spawnSync(process.execPath, ["-e", "require('./start.js')"], { cwd: dir, encoding: "utf8" });
            const first = load();
            assert.equal(first.status, 0, first.stderr);
            assert.match(first.stderr, /^ml-gitops: compiling the TypeScript sources to bin\/ \(first run, or the sources changed; a few seconds\)\n/);
            assert.match(first.stdout, /marker first/);
            assert.ok(
                readFileSync(join(dir, "bin", ".build-files"), "utf8")
                    .split("\n")
                    .includes("extra/marker.ts"),
                "the build lists the file",
            );
            const stamp = readFileSync(join(dir, "bin", ".build-hash"), "utf8");
            assert.match(stamp, /^[0-9a-f]{64}$/);
            writeFileSync(join(dir, "bin", "marker"), "x");
            const again = load();
            assert.equal(again.stderr, "", "an unchanged tree is not rebuilt");
            assert.ok(existsSync(join(dir, "bin", "marker")), "the same build is kept");
            writeFileSync(join(dir, "extra", "marker.ts"), 'export const MARKER = "second";\n');
            const changed = load();
            assert.match(changed.stderr, /compiling the TypeScript sources/);
            assert.match(changed.stdout, /marker second/, "the edit in the new directory runs, not the stale build");
            assert.ok(!existsSync(join(dir, "bin", "marker")), "rebuilt from scratch");
            assert.notEqual(readFileSync(join(dir, "bin", ".build-hash"), "utf8"), stamp);
        });
    });

    it("refuses to run a program that does not type-check, and leaves no build behind", async function () {
        this.timeout(60000);
        await inScratchCopy("start", PROGRAM_FILES, (dir) => {
            appendFileSync(join(dir, "components", "util.ts"), '\nexport const typeError: number = "not a number";\n');
            // As Pulumi's language host loads it: require the entry point, then call the exported program.
            const r = spawnSync(process.execPath, ["-e", "require('./start.js')(); console.log('program ran')"], { cwd: dir, encoding: "utf8" });
            assert.notEqual(r.status, 0);
            assert.ok(!r.stdout.includes("program ran"), r.stdout);
            assert.match(r.stderr, /ml-gitops: the TypeScript sources do not compile, so nothing was run or deployed:/);
            assert.match(r.stderr, /components\/util\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'\./);
            assert.ok(!existsSync(join(dir, "bin", ".build-hash")), "a failed build is not stamped");
            assert.ok(!existsSync(join(dir, "bin", "index.js")), "noEmitOnError: no half-built program");
        });
    });

    it("builds once when two processes start at once (a lock beside bin/), both taking over a dead process's lock, and compiles no developer tool", async function () {
        this.timeout(180000);
        await inScratchCopy("start", [...PROGRAM_FILES, "tools", "Pulumi.dev.yaml"], async (dir) => {
            // A developer tool that does not type-check must not stop the program.
            appendFileSync(join(dir, "tools", "bench.ts"), '\nexport const typeError: number = "not a number";\n');
            // A lock left by a process that died mid-build (its pid no longer runs): both take it over, one of them builds.
            const dead = spawnSync(process.execPath, ["-e", ""]).pid;
            mkdirSync(join(dir, "bin.lock"));
            writeFileSync(join(dir, "bin.lock", "pid"), String(dead));

            const load = () => spawnAsync(process.execPath, ["-e", "require('./start.js')"], dir);
            const both = await Promise.all([load(), load()]);
            assert.deepEqual(
                both.map((r) => r.status),
                [0, 0],
                both.map((r) => r.stderr).join("\n"),
            );
            assert.deepEqual(both.map((r) => r.stderr).sort(), ["", COMPILING], "exactly one process compiled; the other waited and ran its build");
            const built = readFileSync(join(dir, "bin", ".build-files"), "utf8")
                .split("\n")
                .filter(Boolean);
            assert.ok(built.includes("index.ts") && built.includes("commands/render.ts"), built.join(" "));
            assert.deepEqual(
                built.filter((f) => !/^(components|commands|testing)\//.test(f) && f !== "index.ts"),
                [],
                "the build compiles the program and what it imports, nothing else",
            );
            assert.ok(!built.includes("testing/index.ts"), "the package's testing entry point is not part of the program");
            assert.deepEqual(
                readdirSync(dir).filter((f) => f.startsWith("bin.lock")),
                [],
                "the stale lock is gone, and the builder's lock released",
            );

            const out = join(dir, "out");
            const render = spawnSync(process.execPath, ["start.js", "render", "--stack", "dev", "--out", out], { cwd: dir, encoding: "utf8" });
            assert.equal(render.status, 0, render.stderr);
            assert.equal(
                render.stderr,
                'warning: ml-gitops:mlPlatform.repoURL: "https://github.com/org/ml-platform-config" is a placeholder: what uses it cannot work until you replace it with your own (pulumi up refuses placeholders in prod)\n',
                "no rebuild: the build is current (dev's one warning is all there is)",
            );
            assert.match(render.stdout, /^stack dev: \d+ resources\n/);
            assert.ok(existsSync(join(out, "manifests.yaml")) && existsSync(join(out, "resources.json")));
        });
    });
});
