/**
 * The project's type check, as one test of `npm test`: mocha runs its suites without checking types
 * (esbuild-register only transpiles), so `tsc --noEmit` over tsconfig.json (the program,
 * components, commands, tools, tests, policy pack, deployments and e2e helpers) runs here, in one of
 * mocha's two workers beside the other suites, instead of before them with the second core idle.
 * Incremental: the build info is kept in node_modules/.cache/ml-gitops/, so a run after a small
 * change re-checks what it touched. `npm run typecheck` runs the same check alone.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../commands/render";

describe("the TypeScript sources", () => {
    it("type-check: tsc --noEmit over tsconfig.json, every error printed", async function () {
        this.timeout(240_000);
        const args = [
            require.resolve("typescript/bin/tsc"),
            "--noEmit",
            "--incremental",
            "--tsBuildInfoFile",
            join(ROOT, "node_modules", ".cache", "ml-gitops", "typecheck.tsbuildinfo"),
            "-p",
            join(ROOT, "tsconfig.json"),
        ];
        const { status, output } = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
            const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
            let output = "";
            child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
            child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
            child.on("error", reject).on("close", (code) => resolve({ status: code, output }));
        });
        assert.equal(output, "", "tsc printed errors");
        assert.equal(status, 0);
    });
});
