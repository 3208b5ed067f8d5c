import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The project directory (where Pulumi.yaml is), from scripts/ or from the compiled bin/scripts/. */
export const ROOT = [resolve(__dirname, ".."), resolve(__dirname, "..", "..")].find((d) => existsSync(join(d, "Pulumi.yaml"))) ?? resolve(__dirname, "..");

/** Runs a command's async main and exits with its code; an unexpected error prints its stack and exits 1. */
export function runCli(name: string, main: () => Promise<number> | number): void {
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code),
            (e: unknown) => {
                process.stderr.write(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
                process.exit(1);
            },
        );
}
