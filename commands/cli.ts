import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The project directory (where Pulumi.yaml is), from commands/, tools/ or testing/, or from the compiled bin/commands/. */
export const ROOT = [resolve(__dirname, ".."), resolve(__dirname, "..", "..")].find((d) => existsSync(join(d, "Pulumi.yaml"))) ?? resolve(__dirname, "..");

/** A command-line mistake: reported in one line with the usage, exit 2, never a stack trace. */
export class UsageError extends Error {}

/** `--help` or `-h`: the usage on stdout, exit 0. */
class HelpRequested extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * The flags of a command, strictly: `--help`/`-h` prints `usage`; an unknown flag, a flag without
 * its value or a stray argument is a {@link UsageError}. A stray argument that npm left after
 * eating a flag (`npm run render --stack dev`, without `--`) gets the fix in the message.
 */
export function parseFlags<O extends Options>(usage: string, args: string[], options: O): ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"] {
    if (args.includes("--help") || args.includes("-h")) throw new HelpRequested(usage);
    try {
        return parseArgs({ args, options, strict: true }).values;
    } catch (e) {
        const message = (e as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, "");
        const eaten = Object.keys(options).filter((k) => process.env[`npm_config_${k.replace(/-/g, "_")}`] !== undefined);
        const hint = eaten.length
            ? ` (npm took --${eaten.join(", --")} for itself: put \`--\` before the command's flags, e.g. \`npm run <command> -- --${eaten[0]} ${args[0] ?? "<value>"}\`)`
            : "";
        throw new UsageError(`${message}${hint}`);
    }
}

/** Runs a command's async main and exits with its code; an unexpected error prints its stack and exits 1. */
export function runCli(name: string, main: () => Promise<number> | number, usage = ""): void {
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code),
            (e: unknown) => {
                if (e instanceof HelpRequested) {
                    process.stdout.write(`${e.message}\n`);
                    process.exit(0);
                }
                if (e instanceof UsageError) {
                    process.stderr.write(`${name}: ${e.message}\n${usage}\n`);
                    process.exit(2);
                }
                process.stderr.write(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
                process.exit(1);
            },
        );
}
