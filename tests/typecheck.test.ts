/**
 * The project's type check, as one test of `npm test`: mocha runs its suites without checking types
 * (esbuild-register only transpiles), so `tsc --noEmit` over tsconfig.json (the program,
 * components, commands, tools, tests, policy pack, deployments and e2e helpers) runs here, in one of
 * mocha's two workers beside the other suites, instead of before them with the second core idle.
 * Incremental: the build info is kept in node_modules/.cache/ml-gitops/, so a run after a small
 * change re-checks what it touched. The test runs `npm run typecheck`, which a contributor can run alone.
 */
import * as assert from "node:assert/strict";
import { spawnAsync } from "./scratch";

describe("the TypeScript sources", () => {
    it("type-check: npm run typecheck (tsc --noEmit over tsconfig.json), every error printed", async function () {
        this.timeout(240_000);
        // The package.json script, so the check and its build info are defined once.
        const r = await spawnAsync("npm", ["run", "--silent", "typecheck"]);
        assert.equal(r.stdout + r.stderr, "", "tsc printed errors");
        assert.equal(r.status, 0);
    });
});
