/**
 * A scratch copy of the project for tests that run start.js or the command lines on a tree they
 * change: the named files and folders copied, node_modules linked, the copy removed afterwards.
 */
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
