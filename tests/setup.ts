/**
 * Mocha global setup (required by .mocharc.json; mocha runs `mochaGlobalSetup` once, in its main
 * process, before any worker starts, --parallel included): fills what the cache
 * (`$ML_GITOPS_CACHE`, default `.cache/`) lacks before the tests that read it run. The chart tests
 * need helm, gojq and the packaged charts; the consumer test needs Node.js 22 and 24. The charts come
 * from `$ML_GITOPS_CHARTS_DIR` when it is set (offline), else with `helm pull`.
 *
 * With the cache complete it only looks at a dozen files. A failure to fill it ends the run with
 * one line: what could not be fetched, from where, and what to set instead.
 */
import { cacheDir, cacheMissing } from "../commands/cache";
// Under StrykerJS only: what a suite's `before` hooks reach counts for each of its tests.
import "./stryker-hooks";

export function mochaGlobalSetup(): void {
    const missing = cacheMissing();
    if (missing.length === 0) return;
    // Only now the filling code (yaml, helm, npm): a complete cache costs a few file checks. A
    // require, not import(): the tests' loader (esbuild-register) leaves import() to Node's ESM
    // loader, which does not resolve an extensionless TypeScript path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { fillCache, ProvisionError } = require("../tools/charts") as typeof import("../tools/charts");
    process.stdout.write(`test setup: filling the cache ${cacheDir()} (it lacks ${missing.join(", ")})\n`);
    try {
        fillCache();
    } catch (e) {
        if (!(e instanceof ProvisionError)) throw e;
        process.stderr.write(`test setup: ${e.message}\n`);
        process.exit(1);
    }
}
