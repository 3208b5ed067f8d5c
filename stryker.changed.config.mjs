// `npm run mutate:changed -- --base <ref>` (tools/mutate-changed.ts): the gated run of
// stryker.config.json, with the same break threshold, on the line ranges a change touched
// (handed over in ML_GITOPS_MUTATE), every test for each mutant; its own reports, so the full run's stay.
import { readFileSync } from "node:fs";

const base = JSON.parse(readFileSync(new URL("./stryker.config.json", import.meta.url), "utf8"));
const ranges = JSON.parse(process.env.ML_GITOPS_MUTATE ?? "null");
if (!Array.isArray(ranges) || ranges.length === 0) {
    throw new Error("stryker.changed.config.mjs: run it through `npm run mutate:changed -- --base <git-ref>`, which sets ML_GITOPS_MUTATE");
}

export default {
    ...base,
    mutate: ranges,
    // Per-test coverage misses code that mocha before() hooks run (the stack-level suites render there),
    // which shows as false survivors; on a few changed lines every test per mutant is affordable.
    // coverageAnalysis "all" needs static mutants included; incremental results would go stale with it.
    incremental: false,
    htmlReporter: { fileName: "reports/mutation-changed/mutation.html" },
    jsonReporter: { fileName: "reports/mutation-changed/mutation.json" },
    coverageAnalysis: "all",
    ignoreStatic: false,
};
