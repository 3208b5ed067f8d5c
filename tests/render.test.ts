/**
 * The render's order: every resource after what it depends on and after its parent, ties in
 * registration order, cycles cut; and the shipped prod stack's manifests in that order.
 */
import * as assert from "node:assert/strict";
import type { RecordedResource } from "../testing/engine";
import { dependencyOrder, renderStack } from "../commands/render";

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
            // The notifications objects wait only for the namespace; the release also for the password hash.
            "ml-notifications-cm",
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
