/**
 * start.js, the program's entry point under `pulumi up`: it runs the JavaScript compiled ahead of
 * time in bin/, and a type error in the sources must stop it before anything is registered.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../commands/render";

describe("start-up", () => {
    it("is what Pulumi runs: start.js, without ts-node", () => {
        const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { main: string; runtime: { name: string; options: Record<string, unknown> } };
        assert.equal(project.main, "start.js");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: false } });
    });

    it("rebuilds when a file changes that the program imports from a new directory (the hash follows what the compiler read)", function () {
        this.timeout(120000);
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-start-"));
        try {
            for (const f of [
                "index.ts",
                "components",
                "commands",
                "testing",
                "health",
                "start.js",
                "tsconfig.json",
                "tsconfig.build.json",
                "package.json",
                "package-lock.json",
                "Pulumi.yaml",
            ])
                cpSync(join(ROOT, f), join(dir, f), { recursive: true });
            symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
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
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses to run a program that does not type-check, and leaves no build behind", function () {
        this.timeout(60000);
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-start-"));
        try {
            for (const f of [
                "index.ts",
                "components",
                "commands",
                "testing",
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
});
