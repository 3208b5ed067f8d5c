// The README and the pages it moved to docs/: its length, links that resolve, and the commands and
// paths it quotes, which must exist. Not in the mutation run's spec list: it reads e2e/ and docs/,
// which Stryker's sandbox leaves out, and no mutated code.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SECRET_KEYS } from "../components/schema";

const ROOT = join(__dirname, "..");

/**
 * What the commands and paths a Markdown file quotes (in backticks or its shell blocks) name, and
 * which of it does not exist: an `npm run`/`npm test` script package.json lacks, a file `bash`
 * runs, a secret `pulumi config set --secret` sets that the program does not read, an output
 * `pulumi stack output` reads that the program does not export, and a path in the repository (its
 * first segment a tracked top-level entry) that is not there. Placeholders (`<…>`) are skipped.
 */
function untrueCommands(file: string): string[] {
    const text = readFileSync(join(ROOT, file), "utf8");
    const quoted = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
    const shell = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n").map((l) => l.replace(/#.*$/, "").trim()));
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const tracked = new Set(
        execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .map((f) => f.split("/")[0]),
    );
    const program = readFileSync(join(ROOT, "index.ts"), "utf8");
    const wrong: string[] = [];
    for (const q of [...quoted, ...shell].filter((c) => c && !/[<>…]/.test(c))) {
        let m: RegExpExecArray | null;
        if ((m = /^npm (?:run (\S+)|(test))\b/.exec(q)) && !((m[1] ?? m[2]) in scripts)) wrong.push(`${q}: no script "${m[1] ?? m[2]}" in package.json`);
        else if ((m = /^bash (\S+)/.exec(q)) && !existsSync(join(ROOT, m[1]))) wrong.push(`${q}: no file ${m[1]}`);
        else if ((m = /^pulumi config set --secret (?:--stack \S+ )?(\S+)/.exec(q)) && !(SECRET_KEYS as readonly string[]).includes(m[1]))
            wrong.push(`${q}: the program reads no secret "${m[1]}"`);
        else if ((m = /^pulumi stack output (\w+)/.exec(q)) && !new RegExp(`\\b${m[1]}\\b`).test(program)) wrong.push(`${q}: the program exports no "${m[1]}"`);
        else if (/^[\w.@-]+(\/[\w.*@-]*)+$/.test(q) && tracked.has(q.split("/")[0]) && !existsSync(join(ROOT, q))) wrong.push(`${q}: no such path`);
    }
    return [...new Set(wrong)];
}
/** GitHub's anchor of a Markdown heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** The relative links of a Markdown file that name a file or heading which does not exist. */
function brokenLinks(file: string): string[] {
    const root = join(__dirname, "..");
    const text = readFileSync(join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, fragment] = target.split("#");
        const resolved = path === "" ? join(root, file) : join(root, dirname(file), path);
        if (!existsSync(resolved)) {
            broken.push(`${target}: no such file`);
            continue;
        }
        if (fragment === undefined || !resolved.endsWith(".md")) continue;
        const headings = [...readFileSync(resolved, "utf8").matchAll(/^#{1,6} (.+)$/gm)].map((h) => anchor(h[1]));
        if (!headings.includes(fragment)) broken.push(`${target}: no heading with that anchor`);
    }
    return broken;
}

describe("the README and the pages it moved to docs/", () => {
    it("is at most 250 lines", () => {
        const lines = readFileSync(join(__dirname, "..", "README.md"), "utf8").split("\n").length - 1;
        assert.ok(lines <= 250, `${lines} lines`);
    });

    for (const file of ["README.md", "docs/e2e.md", "docs/layout.md", "docs/ray-workloads.md"])
        it(`${file}: every relative link names a file that exists, and a heading there when it has an anchor`, () => {
            assert.deepEqual(brokenLinks(file), []);
        });

    for (const file of ["README.md", "docs/e2e.md"])
        it(`${file}: every command it quotes names a script, file, secret or output that exists, and every repository path it names is there`, () => {
            assert.deepEqual(untrueCommands(file), []);
        });

    it("the command check finds a missing script, file, secret, output and path", () => {
        const probe = "tests/.commands-probe.md";
        writeFileSync(
            join(ROOT, probe),
            "`npm run no-such-script` `npm test` `bash e2e/no-such.sh` `pulumi config set --secret githubToken x` `pulumi stack output noSuchOutput`\n" +
                "`components/no-such.ts` `components/schema.ts` `Pulumi.<stack>.yaml` `github.com/org`\n```sh\nnpm run render -- --stack dev   # fine\npulumi stack output adminPassword --show-secrets\n```\n",
        );
        try {
            assert.deepEqual(untrueCommands(probe), [
                'npm run no-such-script: no script "no-such-script" in package.json',
                "bash e2e/no-such.sh: no file e2e/no-such.sh",
                'pulumi config set --secret githubToken x: the program reads no secret "githubToken"',
                'pulumi stack output noSuchOutput: the program exports no "noSuchOutput"',
                "components/no-such.ts: no such path",
            ]);
        } finally {
            rmSync(join(ROOT, probe));
        }
    });

    it("the link check finds a missing file and a missing heading", () => {
        const probe = "tests/.links-probe.md";
        writeFileSync(join(__dirname, "..", probe), "[a](../README.md#no-such-heading) [b](../no-such-file.md) [c](../README.md#layout)\n");
        try {
            assert.deepEqual(brokenLinks(probe), ["../README.md#no-such-heading: no heading with that anchor", "../no-such-file.md: no such file"]);
        } finally {
            rmSync(join(__dirname, "..", probe));
        }
    });
});
