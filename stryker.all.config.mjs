// `npm run mutate:all`: the gated run of stryker.config.json (components/, policy/) plus commands/, testing/ and tools/
// and index.ts, for their scores; no break threshold (see docs/mutation-testing.md).
import { readFileSync } from "node:fs";

const base = JSON.parse(readFileSync(new URL("./stryker.config.json", import.meta.url), "utf8"));

export default {
    ...base,
    mutate: [...base.mutate, "commands/**/*.ts", "testing/**/*.ts", "tools/**/*.ts", "index.ts"],
    incrementalFile: "reports/stryker-incremental-all.json",
    htmlReporter: { fileName: "reports/mutation-all/mutation.html" },
    jsonReporter: { fileName: "reports/mutation-all/mutation.json" },
    thresholds: { ...base.thresholds, break: null },
    // Unattended: the TypeScript checker turns mutants that do not compile into CompileErrors instead of test runs.
    checkers: ["typescript"],
    tsconfigFile: "tsconfig.json",
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
};
