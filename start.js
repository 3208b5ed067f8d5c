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
const { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");

// Node 22.1+ keeps V8's compiled code of loaded modules between runs; Node 20 has no such API.
const nodeModule = require("node:module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();

const ROOT = __dirname;
const BIN = join(ROOT, "bin");
const STAMP = join(BIN, ".build-hash");
const SOURCES = ["index.ts", "components", "scripts", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function files(path) {
    if (!existsSync(path)) return [];
    if (!path.endsWith(".ts") && !path.endsWith(".json")) {
        return readdirSync(path, { withFileTypes: true })
            .filter((e) => e.isDirectory() || e.name.endsWith(".ts"))
            .flatMap((e) => files(join(path, e.name)));
    }
    return [path];
}

/** A hash over the paths and contents of everything the build reads. */
function sourceHash() {
    const h = createHash("sha256");
    for (const f of SOURCES.flatMap((s) => files(join(ROOT, s))).sort())
        h.update(`${relative(ROOT, f)}\0`)
            .update(readFileSync(f))
            .update("\0");
    return h.digest("hex");
}

/** Compiles to bin/ (type check included) unless bin/ was built from these exact sources. */
function ensureBuilt(force) {
    const hash = sourceHash();
    if (!force && existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash) return;
    rmSync(BIN, { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { cwd: ROOT, encoding: "utf8" });
    if (tsc.status !== 0) {
        throw new Error(`ml-gitops: the TypeScript sources do not compile, so nothing was run or deployed:\n${tsc.stdout}${tsc.stderr}`);
    }
    writeFileSync(STAMP, hash);
}

if (require.main === module) {
    // node start.js build | render [--stack …] | bench [...]
    const [command, ...rest] = process.argv.slice(2);
    if (!["bench", "build", "render"].includes(command)) {
        process.stderr.write("usage: node start.js build | render --stack <name> [--out <dir>] | bench [--runs <n>]\n");
        process.exit(2);
    }
    try {
        ensureBuilt(command === "build");
    } catch (e) {
        process.stderr.write(`${e.message}\n`);
        process.exit(1);
    }
    if (command !== "build") require(join(BIN, "scripts", `${command}.js`)).cli(rest);
} else {
    // Loaded by Pulumi's Node.js language host as the program.
    ensureBuilt(false);
    module.exports = require(join(BIN, "index.js"));
}
