// Entry point of the program (Pulumi.yaml `main`) and of the project's commands (`node start.js <command>`).
//
// The TypeScript is compiled ahead of time to bin/, which starts about as fast as Node loading the
// Pulumi SDKs alone (see the README's benchmark). It is compiled, with the full type check, whenever
// the sources differ from the last build (a hash of their contents, kept in bin/.build-hash), so a
// type error stops `pulumi up`, preview and render before any resource is registered, and a stale
// bin/ is never run. The build holds a lock (bin.lock/ beside bin/), so two processes started at
// once (two previews, a render beside a test run) do not delete and rebuild bin/ under each other:
// the second waits, then finds the first one's build current and runs it.
"use strict";
const { createHash } = require("node:crypto");
const { spawnSync } = require("node:child_process");
const { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");

// The Node.js floor (package.json `engines`): the Pulumi SDK 3.249 and later need Node 22, and an
// older Node would fail later, somewhere inside it. One line instead, before anything runs.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
    process.stderr.write(
        `ml-gitops: Node.js 22.13 or later is required; this is Node.js ${process.versions.node} (${process.execPath}). Nothing was run or deployed.\n`,
    );
    process.exit(1);
}

// Keeps V8's compiled code of loaded modules between runs (Node 22.1+).
require("node:module").enableCompileCache();

const ROOT = __dirname;
const BIN = join(ROOT, "bin");
const STAMP = join(BIN, ".build-hash");
const FILE_LIST = join(BIN, ".build-files");
/** Held while bin/ is deleted and rebuilt: a directory holding the builder's pid (created whole by a rename). */
const LOCK = join(ROOT, "bin.lock");
/** How long a process waits for another one's build before giving up (a build takes seconds). */
const LOCK_WAIT_MS = 300_000;
const LOCK_POLL_MS = 100;
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

function upToDate() {
    const list = builtFiles();
    return Boolean(list && existsSync(STAMP) && readFileSync(STAMP, "utf8") === sourceHash(list));
}

function sleep(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The pid in a lock directory, or undefined while it cannot be read. */
function lockPid(dir) {
    try {
        const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === "EPERM"; // it exists, under another user
    }
}

/**
 * Takes the build lock: a directory made with this pid inside, then renamed to bin.lock (the rename
 * fails while bin.lock exists, so one process gets it, and a lock never lacks its pid). Waits,
 * polling, while a live process holds it; takes over a lock whose process has died (killed
 * mid-build). Returns the function that releases it.
 */
function lock() {
    const deadline = Date.now() + LOCK_WAIT_MS;
    let holder;
    for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
            if (Date.now() > deadline) {
                throw new Error(
                    `ml-gitops: another process (pid ${holder ?? "unknown"}) has held ${LOCK} for over ${LOCK_WAIT_MS / 1000} s while building bin/; ` +
                        "if no build is running, remove it and try again",
                );
            }
            sleep(LOCK_POLL_MS);
        }
        const mine = mkdtempSync(`${LOCK}.${process.pid}-`);
        writeFileSync(join(mine, "pid"), String(process.pid));
        try {
            renameSync(mine, LOCK);
            return () => {
                if (lockPid(LOCK) === process.pid) rmSync(LOCK, { recursive: true, force: true });
            };
        } catch (e) {
            rmSync(mine, { recursive: true, force: true });
            // Linux says ENOTEMPTY or EEXIST, Windows EPERM: a lock is there (or was, and has just been
            // released: the next attempt takes it). Any other failure is a real one.
            if (!["ENOTEMPTY", "EEXIST", "EPERM"].includes(e.code)) throw e;
        }
        holder = lockPid(LOCK);
        // No pid: released meanwhile, or being deleted by its holder right now (the pid is written
        // before the rename, so a lock only lacks it while it goes away): try again.
        if (holder === undefined) continue;
        if (alive(holder)) continue; // wait for it
        // Stale (its process is gone): move it aside, which one process does, and
        // delete it if it is still the stale one; a lock some other process took in between goes back.
        const aside = mkdtempSync(`${LOCK}.stale-`);
        try {
            renameSync(LOCK, join(aside, "lock"));
        } catch {
            rmSync(aside, { recursive: true, force: true });
            continue; // another process moved it first
        }
        if (lockPid(join(aside, "lock")) !== holder) {
            try {
                renameSync(join(aside, "lock"), LOCK);
            } catch {
                // bin.lock was taken again meanwhile: the displaced holder's build still completes.
            }
        }
        rmSync(aside, { recursive: true, force: true });
    }
}

/** Compiles to bin/ (type check included) unless bin/ was built from these exact sources. */
function ensureBuilt(force) {
    if (!force && upToDate()) return;
    const release = lock();
    try {
        // Another process may have built these sources while this one waited for the lock.
        if (!force && upToDate()) return;
        build();
    } finally {
        release();
    }
}

function build() {
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
