/**
 * The RBAC a stack declares means what the config reference says, by Argo CD's own evaluator:
 * tools/argocd-rbac, a harness on github.com/argoproj/argo-cd/v3 util/rbac (the code argocd-server
 * enforces with), built into the test cache by the setup like gojq. It is asked what argocd-server
 * would decide for a logged-in user (their subject and SSO groups), with the argocd-rbac-cm that
 * `helm template` of the real argo-cd chart renders from the stack's values and the AppProjects'
 * roles as the program declares them. No cluster, no e2e toolchain: it runs in every CI run.
 */
import * as assert from "node:assert/strict";
import { cachedTool } from "../commands/cache";
import { helmTemplate, run as runTool } from "../commands/helm";
import { renderStack } from "../commands/render";
import { reveal, type Evaluation } from "../testing/engine";
import { byType, one, run, T } from "./harness";

interface Query {
    subject: string;
    groups?: string[];
    resource: string;
    action: string;
    object: string;
}
interface Rbac {
    policy: string;
    defaultRole: string;
    projects: { name: string; roles: { name: string; policies: string[]; groups: string[] }[] }[];
}

/** What a stack's Argo CD enforces: the chart's argocd-rbac-cm from its values, and its AppProjects' roles. */
function rbacOf(ev: Evaluation): Rbac {
    const release = reveal(one(ev, T.release, "ml-argocd").inputs) as { name: string; namespace: string; version: string; values: unknown };
    const cm = helmTemplate({ chart: "argo-cd", version: release.version, release: release.name, namespace: release.namespace, values: release.values }).find(
        (o) => o.kind === "ConfigMap" && o.metadata?.name === "argocd-rbac-cm",
    ) as { data?: Record<string, string> } | undefined;
    assert.ok(cm, "the chart renders argocd-rbac-cm");
    const projects = byType(ev, T.project).map((p) => {
        const o = p.inputs as { metadata: { name: string }; spec: { roles?: { name: string; policies?: string[]; groups?: string[] }[] } };
        const roles = (o.spec.roles ?? []).map((r) => ({ name: r.name, policies: r.policies ?? [], groups: r.groups ?? [] }));
        return { name: o.metadata.name, roles };
    });
    return { policy: cm.data?.["policy.csv"] ?? "", defaultRole: cm.data?.["policy.default"] ?? "", projects };
}

/** Argo CD's answer to each query, as argocd-server's enforcer gives it. */
function allowed(rbac: Rbac, queries: Query[]): boolean[] {
    const out = runTool(cachedTool.argocdRbac(), [], { input: JSON.stringify({ ...rbac, queries: queries.map((q) => ({ groups: [], ...q })) }) });
    return JSON.parse(out) as boolean[];
}
const ask = (rbac: Rbac, q: Query) => allowed(rbac, [q])[0];

describe("RBAC, by Argo CD's own evaluator (util/rbac, tools/argocd-rbac)", function () {
    this.timeout(120_000);
    let dev: Rbac;
    let prod: Rbac;
    before(async () => {
        dev = rbacOf((await renderStack("dev")).evaluation);
        prod = rbacOf((await renderStack("prod")).evaluation);
    });

    it("dev: every logged-in user reads everything and changes nothing", () => {
        const alice = (action: string, resource: string, object: string) => ({ subject: "alice@example.com", action, resource, object });
        assert.deepEqual(
            allowed(dev, [
                alice("get", "applications", "ml-dev/ml-platform"),
                alice("get", "projects", "ml-dev"),
                alice("sync", "applications", "ml-dev/ml-platform"),
                alice("delete", "applications", "ray-dev/raycluster"),
            ]),
            [true, true, false, false],
        );
    });

    it("prod: platform admins administer; a user in no bound group sees nothing", () => {
        const admin = { subject: "carol@example.com", groups: ["ml-platform-admins"] };
        const alice = { subject: "alice@example.com", groups: ["everyone"] };
        assert.deepEqual(
            allowed(prod, [
                { ...admin, action: "sync", resource: "applications", object: "ml-production/ml-platform" },
                { ...admin, action: "update", resource: "projects", object: "ray-production" },
                { ...admin, action: "delete", resource: "clusters", object: "https://kubernetes.default.svc" },
                { ...alice, action: "get", resource: "applications", object: "ml-production/ml-platform" },
                { ...alice, action: "get", resource: "projects", object: "ml-production" },
            ]),
            [true, true, true, false, false],
        );
    });

    it("prod: an ML engineer (group ml-engineers, the project role) sees and syncs the ML apps, and nothing of the Ray project", () => {
        const bob = { subject: "bob@example.com", groups: ["ml-engineers"] };
        assert.deepEqual(
            allowed(prod, [
                { ...bob, action: "get", resource: "applications", object: "ml-production/ml-platform" },
                { ...bob, action: "sync", resource: "applications", object: "ml-production/ml-platform" },
                { ...bob, action: "get", resource: "projects", object: "ml-production" },
                { ...bob, action: "sync", resource: "applications", object: "ray-production/raycluster" },
                { ...bob, action: "get", resource: "applications", object: "ray-production/raycluster" },
                { ...bob, action: "delete", resource: "applications", object: "ml-production/ml-platform" },
                { ...bob, action: "update", resource: "applications", object: "ml-production/ml-platform" },
                { ...bob, action: "get", resource: "projects", object: "ray-production" },
            ]),
            [true, true, true, false, false, false, false, false],
        );
        assert.equal(
            ask(prod, { subject: "bob@example.com", action: "sync", resource: "applications", object: "ml-production/ml-platform" }),
            false,
            "the role is the group's",
        );
    });

    it("a role's `action` is every resource action (action/*); a bare `action` line, as before, matches none", async () => {
        const ev = await run({
            environment: "dev",
            notifications: { enabled: false },
            project: { roles: [{ name: "ops", actions: ["action"], groups: ["ops"] }] },
        });
        const rbac = rbacOf(ev);
        const restart = { subject: "dan", groups: ["ops"], action: "action/apps/Deployment/restart", resource: "applications", object: "ml-dev/ml-platform" };
        assert.equal(ask(rbac, restart), true);
        assert.equal(ask(rbac, { ...restart, object: "ray-dev/raycluster" }), false, "only in its project");
        const bare = { name: "ml-dev", roles: [{ name: "ops", policies: ["p, proj:ml-dev:ops, applications, action, ml-dev/*, allow"], groups: ["ops"] }] };
        assert.equal(ask({ ...rbac, projects: [bare] }, restart), false, "what `action` rendered before: Argo CD never asks for a bare action");
    });
});
