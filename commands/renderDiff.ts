/**
 * `npm run render -- --stack <name> --diff <git-ref>`: what a change does to a stack, as a
 * reviewer reads it in a pull request. The stack is rendered twice, with the program and files at
 * `<git-ref>` (exported with `git archive` into a temporary directory, sharing this checkout's
 * node_modules) and with the working tree, and the two renders' manifests.yaml and resources.json
 * are compared with `diff -u`. Exit 0: no change; 1: changes (printed); 2: trouble.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "./cli";

const FILES = ["manifests.yaml", "resources.json"];

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Renders `stack` at `ref` and in the working tree of `root`; prints the unified diff; returns the exit code. */
export function renderDiff(root: string, stack: string, ref: string, charts: boolean, write: (s: string) => void): number {
    const resolved = run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
    if (resolved.status !== 0) throw new UsageError(`--diff ${ref}: not a commit in ${root}`);
    const tmp = mkdtempSync(join(tmpdir(), "ml-gitops-diff-"));
    try {
        const base = join(tmp, "base");
        mkdirSync(base);
        const archive = run("git", ["archive", "--format=tar", "-o", join(tmp, "base.tar"), resolved.stdout.trim()], root);
        if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr}`);
        const untar = run("tar", ["-xf", join(tmp, "base.tar"), "-C", base], tmp);
        if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
        symlinkSync(join(root, "node_modules"), join(base, "node_modules"), "dir");
        const flags = charts ? ["--charts"] : [];
        const renders: Record<string, string> = {};
        // The working tree first: its bin/ is then current, and the ref starts from a copy of it,
        // which start.js runs as it is when the ref's sources are the same (a change of stack files
        // only) and rebuilds otherwise (it compares the hash of the files the build read).
        for (const [side, dir] of [
            ["working tree", root],
            [ref, base],
        ] as const) {
            if (dir === base && existsSync(join(root, "bin"))) cpSync(join(root, "bin"), join(base, "bin"), { recursive: true });
            const out = join(tmp, side === ref ? "out-base" : "out-head");
            const r = run(process.execPath, [join(dir, "start.js"), "render", "--stack", stack, "--out", out, ...flags], dir);
            if (r.status !== 0) {
                write(`render --diff: stack ${stack} does not render at ${side}:\n${r.stderr.replace(/^ml-gitops: compiling.*\n/m, "")}`);
                return 2;
            }
            // what start.js said (that it compiled that side, and why it took seconds) stays visible
            if (r.stderr) process.stderr.write(r.stderr.replace(/^(?=.)/gm, `${side}: `));
            renders[side] = out;
        }
        let changed = false;
        for (const f of FILES) {
            const d = run(
                "diff",
                [
                    "-u",
                    "--label",
                    `${ref}:out/${stack}/${f}`,
                    "--label",
                    `working tree:out/${stack}/${f}`,
                    join(renders[ref], f),
                    join(renders["working tree"], f),
                ],
                tmp,
            );
            if (d.status === 1) {
                changed = true;
                write(d.stdout);
            } else if (d.status !== 0) throw new Error(`diff failed: ${d.stderr}`);
        }
        if (!changed) write(`stack ${stack}: no change between ${ref} and the working tree\n`);
        return changed ? 1 : 0;
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
}
