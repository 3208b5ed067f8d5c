/**
 * The render's order: every resource after what it depends on and after its parent, ties in
 * registration order, cycles cut; the shipped prod stack's manifests in that order; and each
 * shipped stack rendered by two separate processes to byte-identical files.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedResource } from "../testing/engine";
import { dependencyOrder, renderStack } from "../commands/render";
import { startJsAsync } from "./scratch";

const res = (urn: string, dependencies: string[] = [], parent = ""): RecordedResource => ({
    urn,
    type: "t",
    name: urn,
    parent,
    provider: "",
    custom: true,
    dependencies,
    inputs: {},
    options: { deleteBeforeReplace: false, protect: false, retainOnDelete: false, ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [] },
});

describe("render order", () => {
    it("puts dependencies and parents first, keeps registration order otherwise, and survives cycles and unknown URNs", () => {
        const order = (rs: RecordedResource[]) => dependencyOrder(rs).map((r) => r.urn);
        assert.deepEqual(order([res("a"), res("b"), res("c")]), ["a", "b", "c"]);
        assert.deepEqual(order([res("a", ["c"]), res("b"), res("c", ["b"])]), ["b", "c", "a"]);
        assert.deepEqual(order([res("child", [], "parent"), res("parent")]), ["parent", "child"]);
        assert.deepEqual(order([res("a", ["b"]), res("b", ["a"])]), ["b", "a"]);
        assert.deepEqual(order([res("a", ["elsewhere"]), res("b", ["a", "a"])]), ["a", "b"]);
        assert.deepEqual(order([res("d", ["b", "c"]), res("c", ["a"]), res("b", ["a"]), res("a")]), ["a", "b", "c", "d"]);
    });

    it("writes prod's Kubernetes objects namespaces first, then the notifications, Argo CD, the projects and the apps in their order", async () => {
        const r = await renderStack("prod");
        const heads = [...r.manifests.matchAll(/^# (urn:\S+)$/gm)].map((m) => m[1].split("::").pop());
        assert.deepEqual(heads, [
            "ml-ray-ns",
            "ml-ml-ns",
            "ml-argocd-ns",
            // The notifications objects and argocd-secret wait only for the namespace; the release also for argocd-secret.
            "ml-notifications-cm",
            "ml-argocd-secret",
            "ml-notifications-secret",
            "ml-argocd",
            "ml-project",
            "ml-ray-project",
            "ml-ml-platform",
            "ml-ray-operator-crds",
            "ml-ray-operator",
            "ml-raycluster",
        ]);
    });
});

describe("determinism across processes", () => {
    // Two renders in one process would share whatever a module computes once at import (a random
    // salt, a timestamp, an id); two processes each compute their own, so only a deterministic
    // program writes the same bytes twice. Each is `npm run render`'s `node start.js render`.
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: two render processes write byte-identical manifests.yaml and resources.json`, async function () {
            this.timeout(120_000);
            const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), `ml-gitops-render-${stack}-`)));
            try {
                const runs = await Promise.all(dirs.map((d) => startJsAsync(["render", "--stack", stack, "--out", d])));
                for (const r of runs) {
                    assert.equal(r.status, 0, r.stderr);
                    assert.match(r.stderr + r.stdout, new RegExp(`^(warning: [^\\n]+ is a placeholder[^\\n]+\\n)*stack ${stack}: \\d+ resources\\n`));
                }
                for (const file of ["manifests.yaml", "resources.json"]) {
                    const [a, b] = dirs.map((d) => readFileSync(join(d, file)));
                    assert.ok(a.length > 1000, `${file} has content`);
                    assert.equal(b.toString("utf8"), a.toString("utf8"), `${stack} ${file} differs between the two processes`);
                    assert.ok(a.equals(b), `${stack} ${file}: byte-identical`);
                }
                const manifests = readFileSync(join(dirs[0], "manifests.yaml"), "utf8");
                assert.equal(manifests.match(/^kind: Application$/gm)?.length, 4, "the four built-in Applications");
                assert.ok(!/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?!Z")/.test(manifests), "no timestamps");
            } finally {
                for (const d of dirs) rmSync(d, { recursive: true, force: true });
            }
        });
    }
});
