/**
 * `npm run mutate:changed`: which lines of a change become Stryker's mutate ranges, and the
 * command line around it. The mutation run itself is not started here (about a minute).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { changedRanges, gatedScope, mutateEntries } from "../tools/mutate-changed";

const ROOT = join(__dirname, "..");

// Shaped as `git diff --unified=0` prints it: a modified file, an added file, a file with only a
// deletion, a deleted file, a generated file and a file that is not TypeScript.
const DIFF = `diff --git a/components/index.ts b/components/index.ts
index 6ed9551..39720d7 100644
--- a/components/index.ts
+++ b/components/index.ts
@@ -10,2 +10,3 @@ export type * from "./argocdTypes";
-export { ConfigError } from "./config";
-export type { PlatformConfig } from "./config";
+export { ConfigError } from "./config";
+export type { ConfigSource } from "./config";
+export * from "./settingsTypes";
@@ -40 +41 @@ function f() {
-    return 1;
+    return 2;
diff --git a/components/glob.ts b/components/glob.ts
new file mode 100644
--- /dev/null
+++ b/components/glob.ts
@@ -0,0 +1,12 @@
+export const a = 1;
diff --git a/policy/policies.ts b/policy/policies.ts
--- a/policy/policies.ts
+++ b/policy/policies.ts
@@ -7,3 +6,0 @@ const x = 1;
-const y = 2;
-const z = 3;
-const w = 4;
diff --git a/components/gone.ts b/components/gone.ts
deleted file mode 100644
--- a/components/gone.ts
+++ /dev/null
@@ -1,5 +0,0 @@
-export const gone = true;
diff --git a/components/generated/settingsTypes.ts b/components/generated/settingsTypes.ts
--- a/components/generated/settingsTypes.ts
+++ b/components/generated/settingsTypes.ts
@@ -3,0 +4,2 @@
+export interface X {}
+export interface Y {}
diff --git a/components/notes.md b/components/notes.md
--- a/components/notes.md
+++ b/components/notes.md
@@ -1 +1 @@
-a
+b
diff --git a/components/types.d.ts b/components/types.d.ts
--- a/components/types.d.ts
+++ b/components/types.d.ts
@@ -1 +1 @@
-a
+b
`;

describe("npm run mutate:changed", () => {
    it("mutates the added and modified lines of TypeScript sources, in the new file's numbering", () => {
        assert.deepEqual(changedRanges(DIFF), [
            { file: "components/index.ts", start: 10, end: 12 },
            { file: "components/index.ts", start: 41, end: 41 },
            { file: "components/glob.ts", start: 1, end: 12 },
        ]);
    });

    it("hands the ranges to Stryker as file:start-end", () => {
        assert.deepEqual(mutateEntries(changedRanges(DIFF)), ["components/index.ts:10-12", "components/index.ts:41-41", "components/glob.ts:1-12"]);
    });

    it("finds nothing in a diff of deletions, generated types and other files", () => {
        assert.deepEqual(changedRanges(DIFF.slice(DIFF.indexOf("diff --git a/policy/policies.ts"))), []);
        assert.deepEqual(changedRanges(""), []);
    });

    it("takes its scope from the gated run's mutate list, and refuses a pattern it cannot read", () => {
        assert.deepEqual(gatedScope(["components/**/*.ts", "policy/**/*.ts", "!components/generated/settingsTypes.ts"]), {
            dirs: ["components", "policy"],
            excluded: ["components/generated/settingsTypes.ts"],
        });
        assert.throws(
            () => gatedScope(["components/**/*.ts", "src/*.{ts,js}"]),
            (e: Error) => e.message === 'stryker.config.json: mutate:changed does not understand the mutate pattern "src/*.{ts,js}"',
        );
    });

    const cli = (...args: string[]) =>
        spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/mutate-changed.ts", ...args], { cwd: ROOT, encoding: "utf8" });

    it("says there is nothing to mutate against HEAD when components/ and policy/ are unchanged, and runs nothing", function () {
        const dirty = spawnSync("git", ["status", "--porcelain", "--", "components", "policy"], { cwd: ROOT, encoding: "utf8" });
        if (dirty.status !== 0 || dirty.stdout !== "") this.skip(); // a clone with local edits there has something to mutate
        const r = cli("--base", "HEAD", "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^mutate:changed: no line of components\/ or policy\/ changed since HEAD \(merge base [0-9a-f]{12}\): nothing to mutate\n$/);
    });

    it("refuses a missing or unknown base with one line and the usage, exit 2", () => {
        const usage = "usage: npm run mutate:changed -- --base <git-ref>   (--dry-run: list the ranges, run nothing; --help, -h: this text)\n";
        const none = cli();
        assert.equal(none.status, 2);
        assert.equal(none.stderr, `mutate:changed: --base <git-ref> is required\n${usage}`);
        const bad = cli("--base", "no-such-ref");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^mutate:changed: --base no-such-ref: no merge base with HEAD \(.*\)\nusage: /);
    });
});
