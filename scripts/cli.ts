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
