// Renders this stack offline with ml-gitops/testing and checks what it declares:
//   npx ts-node platform.test.ts
import * as assert from "node:assert/strict";
import { evaluate, isSecret, manifestsYaml, resourcesJson } from "ml-gitops/testing";

async function main(): Promise<void> {
    const ev = await evaluate(() => require("./index"), { project: "platform", stack: "dev", config: {}, secretKeys: [] });

    const names = (type: string) => ev.resources.filter((r) => r.type === type).map((r) => r.name);
    assert.deepEqual(names("ml-gitops:platform:MlPlatform"), ["team-a", "team-b"]);
    assert.deepEqual(names("kubernetes:helm.sh/v3:Release"), ["team-a-argocd"], "one Argo CD");
    assert.deepEqual(names("kubernetes:core/v1:Namespace").sort(), [
        "team-a-argocd-ns",
        "team-a-ml-ns",
        "team-a-ray-ns",
        "team-b-ml-ns",
        "team-b-ray-ns",
        "team-quotas",
    ]);
    assert.deepEqual(ev.outputs.applications, ["ray-operator-crds", "ray-operator", "raycluster", "ml-platform", "team-b-raycluster", "team-b-ml-platform"]);
    assert.ok(isSecret(ev.outputs.adminPassword), "the admin password is a secret output");

    // The review files `npm run render` writes in the ml-gitops repository, for this stack.
    assert.ok(!resourcesJson(ev).includes(String((ev.outputs.adminPassword as { value: unknown }).value)));
    const manifests = manifestsYaml(ev);
    assert.match(manifests, /name: team-b-raycluster\n/);
    console.log(`${ev.resources.length} resources, ${manifests.split("\n---\n").length} manifests: ok`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
