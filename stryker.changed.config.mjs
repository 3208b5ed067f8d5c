// `npm run mutate:changed -- --base <ref>` (tools/mutate-changed.ts): the gated run of
// stryker.config.json, with the same break threshold, on the line ranges a change touched
// (handed over in ML_GITOPS_MUTATE); its own reports, so the full run's stay.
import { readFileSync } from "node:fs";

const base = JSON.parse(readFileSync(new URL("./stryker.config.json", import.meta.url), "utf8"));
const ranges = JSON.parse(process.env.ML_GITOPS_MUTATE ?? "null");
if (!Array.isArray(ranges) || ranges.length === 0) {
    throw new Error("stryker.changed.config.mjs: run it through `npm run mutate:changed -- --base <git-ref>`, which sets ML_GITOPS_MUTATE");
}

export default {
    ...base,
    mutate: ranges,
    // The full run's per-test coverage (a suite's before hooks count for each of its tests:
    // tests/stryker-hooks.ts) and its ignoreStatic (module-level initialisers: see
    // docs/mutation-testing.md). No incremental file: a small run starts from nothing.
    incremental: false,
    htmlReporter: { fileName: "reports/mutation-changed/mutation.html" },
    jsonReporter: { fileName: "reports/mutation-changed/mutation.json" },
};
