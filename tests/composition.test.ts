import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { MlPlatform, type MlPlatformSettings } from "../components";
import { evaluate, type Evaluation } from "../scripts/engine";
import { T } from "./harness";

/** A platform team's own program: two platforms in one stack, one provider. */
function teamProgram() {
    const provider = new k8s.Provider("shared-cluster", { context: "shared" });
    const settings = (team: string): MlPlatformSettings => ({
        environment: "dev",
        argocd: { namespace: `argocd-${team}`, releaseName: `argocd-${team}` },
        kuberay: { namespace: `ray-${team}` },
        mlPlatform: { namespace: `ml-${team}`, path: `teams/${team}` },
        project: { name: `ml-${team}` },
        rayProject: { name: `ray-${team}` },
        notifications: {
            enabled: true,
            slack: { enabled: true },
            subscriptions: { "ml-platform": [{ trigger: "on-sync-failed", service: "slack", recipient: team }] },
        },
    });
    const a = new MlPlatform("team-a", { settings: settings("a"), slackToken: "xoxb-team-a" }, { provider });
    const b = new MlPlatform("team-b", { settings: settings("b"), slackToken: "xoxb-team-b", adminPassword: "b-admin-password" }, { provider });
    return { a: a.argocdNamespace, b: b.argocdNamespace };
}

describe("composing the platform into a larger stack", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluate(teamProgram, { project: "platform-team", stack: "shared", config: {}, secretKeys: [] });
    });

    it("builds both platforms completely", () => {
        const count = (type: string) => ev.resources.filter((r) => r.type === type).length;
        assert.equal(count("ml-gitops:platform:MlPlatform"), 2);
        assert.equal(count(T.app), 8);
        assert.equal(count(T.project), 4);
        assert.equal(count(T.release), 2);
        assert.deepEqual(ev.outputs, { a: "argocd-a", b: "argocd-b" });
    });

    it("has no URN collision", () => {
        const urns = ev.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length);
    });

    it("has no Kubernetes name collision", () => {
        const keys = ev.resources
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== T.release)
            .map((r) => {
                const m = r.inputs.metadata as { name: string; namespace?: string };
                return `${String(r.inputs.apiVersion)}/${String(r.inputs.kind)} ${m.namespace ?? "(cluster)"}/${m.name}`;
            });
        assert.equal(keys.length, 22);
        assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
        const releases = ev.resources.filter((r) => r.type === T.release).map((r) => r.inputs.name);
        assert.deepEqual(releases.sort(), ["argocd-a", "argocd-b"], "distinct release names, so the chart's ClusterRoles differ");
    });

    it("parents every child under its platform and hands every Kubernetes resource the one provider", () => {
        const stackUrn = ev.resources.find((r) => r.type === T.stack)!.urn;
        const providerUrn = ev.resources.find((r) => r.type === T.provider)!.urn;
        assert.match(providerUrn, /::shared-cluster$/);
        for (const r of ev.resources) {
            if (r.type === T.stack) continue;
            if (r.type === T.provider || r.type === "ml-gitops:platform:MlPlatform") {
                assert.equal(r.parent, stackUrn, r.urn);
                continue;
            }
            assert.ok(r.name.startsWith("team-a-") || r.name.startsWith("team-b-"), `${r.name} is named after its platform`);
            const platform = ev.resources.find((p) => p.type === "ml-gitops:platform:MlPlatform" && r.name.startsWith(`${p.name}-`))!;
            let up = r.parent;
            while (up && up !== platform.urn) up = ev.resources.find((p) => p.urn === up)!.parent;
            assert.equal(up, platform.urn, `${r.urn} sits under ${platform.name}`);
            if (r.custom && r.type.startsWith("kubernetes:")) assert.equal(r.provider, providerUrn, r.urn);
        }
    });

    it("validates a component's args before creating anything", async () => {
        await assert.rejects(
            evaluate(() => new MlPlatform("bad", { settings: { environment: "dev", kuberay: { version: "latest" } } }), {
                project: "p",
                stack: "s",
                config: {},
                secretKeys: [],
            }),
            /ml-gitops:kuberay\.version: must be an exact version/,
        );
    });
});
