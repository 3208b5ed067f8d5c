// Entry point of the program (Pulumi.yaml `main`) and of the project's commands (`node start.js <command>`).
//
// The TypeScript is compiled ahead of time to bin/, which starts about as fast as Node loading the
// Pulumi SDKs alone (see the README's benchmark). It is compiled, with the full type check, whenever
// the sources differ from the last build (a hash of their contents, kept in bin/.build-hash), so a
// type error stops `pulumi up`, preview and render before any resource is registered, and a stale
// bin/ is never run.
"use strict";
const { createHash } = require("node:crypto");
const { spawnSync } = require("node:child_process");
const { existsSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");

// Node 22.1+ keeps V8's compiled code of loaded modules between runs; Node 20 has no such API.
const nodeModule = require("node:module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();

const ROOT = __dirname;
const BIN = join(ROOT, "bin");
const STAMP = join(BIN, ".build-hash");
const FILE_LIST = join(BIN, ".build-files");
/** Read by the build besides the sources the compiler lists. */
const CONFIGS = ["tsconfig.json", "tsconfig.build.json", "package-lock.json"];

/**
 * The project files the last build compiled: what `tsc --listFiles` reported, outside
 * node_modules (package-lock.json stands for those), relative to ROOT. A file in a new directory
 * that the program imports is in this list from its first build on.
 */
function builtFiles() {
    if (!existsSync(FILE_LIST)) return undefined;
    return readFileSync(FILE_LIST, "utf8").split("\n").filter(Boolean);
}

/** A hash over the paths and contents of these files and the build configs (a missing file counts too). */
function sourceHash(list) {
    const h = createHash("sha256");
    for (const f of [...new Set([...list, ...CONFIGS])].sort()) {
        const path = join(ROOT, f);
        h.update(`${f}\0`)
            .update(existsSync(path) ? readFileSync(path) : "<missing>")
            .update("\0");
    }
    return h.digest("hex");
}

/** Compiles to bin/ (type check included) unless bin/ was built from these exact sources. */
function ensureBuilt(force) {
    const list = builtFiles();
    if (!force && list && existsSync(STAMP) && readFileSync(STAMP, "utf8") === sourceHash(list)) return;
    process.stderr.write("ml-gitops: compiling the TypeScript sources to bin/ (first run, or the sources changed; a few seconds)\n");
    rmSync(BIN, { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--listFiles"], {
        cwd: ROOT,
        encoding: "utf8",
    });
    if (tsc.status !== 0) {
        const errors = tsc.stdout
            .split("\n")
            .filter((l) => !l.startsWith("/"))
            .join("\n");
        throw new Error(`ml-gitops: the TypeScript sources do not compile, so nothing was run or deployed:\n${errors}${tsc.stderr}`);
    }
    const compiled = tsc.stdout
        .split("\n")
        .filter((l) => l.startsWith("/") && !l.includes("/node_modules/"))
        .map((l) => relative(ROOT, l))
        .sort();
    writeFileSync(FILE_LIST, `${compiled.join("\n")}\n`);
    writeFileSync(STAMP, sourceHash(compiled));
}

const USAGE = [
    "usage: node start.js <command>",
    "  build                     compile to bin/ now",
    "  render --stack <name> [--out <dir>] [--root <dir with Pulumi.yaml>] [--charts]",
    "  <command> --help         the command's own help",
].join("\n");

if (require.main === module) {
    // node start.js build | render [--stack …]
    const [command, ...rest] = process.argv.slice(2);
    if (command === "--help" || command === "-h") {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
    }
    if (!["build", "render"].includes(command)) {
        process.stderr.write(`start.js: ${command === undefined ? "no command" : `unknown command "${command}"`}\n${USAGE}\n`);
        process.exit(2);
    }
    try {
        ensureBuilt(command === "build");
    } catch (e) {
        process.stderr.write(`${e.message}\n`);
        process.exit(1);
    }
    if (command !== "build") require(join(BIN, "commands", `${command}.js`)).cli(rest);
} else {
    // Loaded by Pulumi's Node.js language host as the program.
    ensureBuilt(false);
    module.exports = require(join(BIN, "index.js"));
}
