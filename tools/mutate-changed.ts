/**
 * `npm run mutate:changed -- --base <git-ref>`: mutation testing of the lines a change touches.
 * The gated run (`npm run mutate`, every line of components/ and policy/) takes about 7 minutes on
 * a 2-core machine, too long for every CI run; a change of a few dozen lines takes under a minute. The
 * lines added or modified since the merge base of `<git-ref>` and HEAD, working tree included,
 * in the gated directories, become Stryker's `mutate` ranges (`file:start-end`); the run uses
 * stryker.changed.config.mjs (the gated configuration and break threshold, its own reports).
 * Without such lines it says so and exits 0.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseFlags, ROOT, runCli, UsageError } from "../commands/cli";

/**
 * What the gated run mutates, read from its own `mutate` list in stryker.config.json, so the two
 * cannot drift: the directory of each of its TypeScript globs (`<dir>/**` then `*.ts`) and the
 * files its `!<file>` entries leave out. A pattern of any other shape is refused rather than guessed at.
 */
export function gatedScope(patterns: readonly string[]): { dirs: string[]; excluded: string[] } {
    const dirs: string[] = [];
    const excluded: string[] = [];
    for (const p of patterns) {
        const dir = /^([\w-]+)\/\*\*\/\*\.ts$/.exec(p);
        if (dir) dirs.push(dir[1]);
        else if (/^![\w./-]+\.ts$/.test(p)) excluded.push(p.slice(1));
        else throw new Error(`stryker.config.json: mutate:changed does not understand the mutate pattern ${JSON.stringify(p)}`);
    }
    return { dirs, excluded };
}

const SCOPE = gatedScope((JSON.parse(readFileSync(join(ROOT, "stryker.config.json"), "utf8")) as { mutate: string[] }).mutate);
const MUTATED = SCOPE.dirs;

export interface LineRange {
    file: string;
    start: number;
    end: number;
}

/**
 * The added or modified line ranges of a `git diff --unified=0` of TypeScript files, in the
 * new file's numbering, ranges of one file in order. A hunk that only deletes lines adds none:
 * no mutant can be placed on a line that is gone, and the lines around it are unchanged.
 */
export function changedRanges(diff: string): LineRange[] {
    const ranges: LineRange[] = [];
    let file: string | undefined;
    for (const line of diff.split("\n")) {
        const target = /^\+\+\+ (?:b\/(.*)|\/dev\/null)$/.exec(line);
        if (target) {
            file = target[1];
            continue;
        }
        const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
        if (!hunk || file === undefined || !file.endsWith(".ts") || file.endsWith(".d.ts") || SCOPE.excluded.includes(file)) continue;
        const start = Number(hunk[1]);
        const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
        if (count > 0) ranges.push({ file, start, end: start + count - 1 });
    }
    return ranges;
}

/** Stryker's `mutate` entries for the ranges: `file:start-end`. */
export function mutateEntries(ranges: readonly LineRange[]): string[] {
    return ranges.map((r) => `${r.file}:${r.start}-${r.end}`);
}

function git(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const USAGE = "usage: npm run mutate:changed -- --base <git-ref>   (--dry-run: list the ranges, run nothing; --help, -h: this text)";

function main(args: string[]): number {
    const values = parseFlags(USAGE, args, { base: { type: "string" }, "dry-run": { type: "boolean" } });
    if (values.base === undefined) throw new UsageError("--base <git-ref> is required");
    const base = git(["merge-base", values.base, "HEAD"]);
    if (base.status !== 0) throw new UsageError(`--base ${values.base}: no merge base with HEAD (${base.stderr.trim() || "not a commit"})`);
    const mergeBase = base.stdout.trim();
    const diff = git(["diff", "--unified=0", "--no-color", "--no-renames", mergeBase, "--", ...MUTATED]);
    if (diff.status !== 0) throw new Error(`git diff failed: ${diff.stderr}`);
    const entries = mutateEntries(changedRanges(diff.stdout));
    const since = `since ${values.base} (merge base ${mergeBase.slice(0, 12)})`;
    if (entries.length === 0) {
        process.stdout.write(`mutate:changed: no line of ${MUTATED.join("/ or ")}/ changed ${since}: nothing to mutate\n`);
        return 0;
    }
    process.stdout.write(`mutate:changed: ${entries.length} changed range(s) ${since}:\n${entries.map((e) => `  ${e}`).join("\n")}\n`);
    if (values["dry-run"]) return 0;
    const stryker = spawnSync(
        process.execPath,
        [join(dirname(require.resolve("@stryker-mutator/core/package.json")), "bin", "stryker.js"), "run", "stryker.changed.config.mjs"],
        {
            cwd: ROOT,
            stdio: "inherit",
            env: { ...process.env, ML_GITOPS_MUTATE: JSON.stringify(entries) },
        },
    );
    if (stryker.error) throw stryker.error;
    return stryker.status ?? 1;
}

if (require.main === module) runCli("mutate:changed", () => main(process.argv.slice(2)), USAGE);
