/**
 * start.js, the program's entry point under `pulumi up`: it runs the JavaScript compiled ahead of
 * time in bin/, and a type error in the sources must stop it before anything is registered.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../scripts/render";

describe("start-up", () => {
    it("is what Pulumi runs: start.js, without ts-node", () => {
        const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { main: string; runtime: { name: string; options: Record<string, unknown> } };
        assert.equal(project.main, "start.js");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: false } });
    });

    it("refuses to run a program that does not type-check, and leaves no build behind", function () {
        this.timeout(60000);
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-start-"));
        try {
            for (const f of [
                "index.ts",
                "components",
                "scripts",
                "start.js",
                "tsconfig.json",
                "tsconfig.build.json",
                "package.json",
                "package-lock.json",
                "Pulumi.yaml",
            ])
                cpSync(join(ROOT, f), join(dir, f), { recursive: true });
            symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
            appendFileSync(join(dir, "components", "util.ts"), '\nexport const typeError: number = "not a number";\n');
            // As Pulumi's language host loads it: require the entry point, then call the exported program.
            const r = spawnSync(process.execPath, ["-e", "require('./start.js')(); console.log('program ran')"], { cwd: dir, encoding: "utf8" });
            assert.notEqual(r.status, 0);
            assert.ok(!r.stdout.includes("program ran"), r.stdout);
            assert.match(r.stderr, /ml-gitops: the TypeScript sources do not compile, so nothing was run or deployed:/);
            assert.match(r.stderr, /components\/util\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'\./);
            assert.ok(!existsSync(join(dir, "bin", ".build-hash")), "a failed build is not stamped");
            assert.ok(!existsSync(join(dir, "bin", "index.js")), "noEmitOnError: no half-built program");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rebuilds bin/ when a source's contents change, and only then", function () {
        this.timeout(120000);
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-hash-"));
        try {
            for (const f of ["index.ts", "components", "scripts", "start.js", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"])
                cpSync(join(ROOT, f), join(dir, f), { recursive: true });
            symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
            const build = spawnSync(process.execPath, ["start.js", "build"], { cwd: dir, encoding: "utf8" });
            assert.equal(build.status, 0, build.stderr);
            const stamp = join(dir, "bin", ".build-hash");
            const first = readFileSync(stamp, "utf8");
            assert.match(first, /^[0-9a-f]{64}$/);
            const load = () => spawnSync(process.execPath, ["-e", "require('./start.js')"], { cwd: dir, encoding: "utf8" });
            // Unchanged sources: the same build is kept (a marker in bin/ survives).
            writeFileSync(join(dir, "bin", "marker"), "x");
            assert.equal(load().status, 0);
            assert.ok(existsSync(join(dir, "bin", "marker")), "no rebuild without a change");
            assert.equal(readFileSync(stamp, "utf8"), first);
            // A changed comment is a changed source: rebuilt, with a new stamp.
            appendFileSync(join(dir, "components", "util.ts"), "\n// changed\n");
            const r = load();
            assert.equal(r.status, 0, r.stderr);
            assert.ok(!existsSync(join(dir, "bin", "marker")), "rebuilt from scratch");
            assert.notEqual(readFileSync(stamp, "utf8"), first);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
