/**
 * A scratch copy of the project for tests that run start.js or the command lines on a tree they
 * change: the named files and folders copied, node_modules linked, the copy removed afterwards.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../commands/render";

/** What start.js needs to build and run the program. */
export const PROGRAM_FILES = [
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
] as const;

/** Runs `body` in a fresh copy of `files` (relative to the project root), then removes the copy. */
export async function inScratchCopy<T>(prefix: string, files: readonly string[], body: (dir: string) => T | Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), `ml-gitops-${prefix}-`));
    try {
        for (const f of files) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
        symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
        return await body(dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** What start.js prints on stderr when it compiles bin/: once per change of the sources, by whichever process runs it first. */
export const COMPILING = "ml-gitops: compiling the TypeScript sources to bin/ (first run, or the sources changed; a few seconds)\n";

export interface StartResult {
    status: number | null;
    stdout: string;
    /** Without the one-time build's line: it is not part of what the command says. */
    stderr: string;
}

/**
 * The Node arguments of `node start.js <command> <args>`. Under StrykerJS (its test runner
 * processes have STRYKER_MUTATOR_WORKER) the sources are instrumented, which the type check of
 * start.js's build refuses: the command's TypeScript module runs through esbuild-register instead,
 * and the mutant active in the test's process (Stryker hands it to child processes in
 * __STRYKER_ACTIVE_MUTANT__) is active in it too.
 */
function startArgs([command, ...args]: readonly string[]): string[] {
    if (process.env.STRYKER_MUTATOR_WORKER !== undefined && command !== undefined) {
        return ["-r", "esbuild-register", join(ROOT, "commands", `${command}.ts`), ...args];
    }
    return [join(ROOT, "start.js"), ...(command === undefined ? [] : [command]), ...args];
}

/** `node start.js <args>` in the project (what `npm run render` runs), on the compiled bin/. */
export function startJs(args: readonly string[], env: NodeJS.ProcessEnv = {}): StartResult {
    const r = spawnSync(process.execPath, startArgs(args), { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(COMPILING, "") };
}

/** A process run without blocking (for processes side by side, or beside mocha's other work): its exit code and output. */
export function spawnAsync(command: string, args: readonly string[], cwd: string = ROOT): Promise<StartResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject).on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/** `node start.js <args>`, not blocking: for commands run side by side. */
export async function startJsAsync(args: readonly string[]): Promise<StartResult> {
    const r = await spawnAsync(process.execPath, startArgs(args));
    return { ...r, stderr: r.stderr.replace(COMPILING, "") };
}

/**
 * Brings the project's bin/ up to date (start.js builds it if the sources changed since its last
 * build, or waits for the process building it) for a scratch copy to start from, so that copy
 * compiles only what the test changes in it.
 */
export function currentBin(): void {
    const r = spawnSync(process.execPath, ["-e", "require('./start.js')"], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`start.js could not build the project's bin/:\n${r.stderr}`);
}
