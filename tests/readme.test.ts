// The README and the pages it moved to docs/: its length, and links that resolve. Not in the
// mutation run's spec list: it reads e2e/ and docs/, which Stryker's sandbox leaves out, and no
// mutated code.
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
