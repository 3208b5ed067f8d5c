import * as assert from "node:assert/strict";
import * as bcrypt from "bcryptjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSecret, reveal, type Evaluation } from "../testing/engine";
import { ROOT, renderStack, type Rendered } from "../commands/render";
import { loadStackConfig } from "../commands/stackConfig";
import { one, run, runError, T, byType } from "./harness";

const PROVIDER_URN = (stack: string) => `urn:pulumi:${stack}::ml-gitops::pulumi:pulumi:Stack$pulumi:providers:kubernetes::k8s`;

/** The RayCluster health check as the Go harness (health/harness) tested it. */
const RAYCLUSTER_HEALTH_LUA = readFileSync(join(__dirname, "..", "health", "ray.io", "RayCluster", "health.lua"), "utf8");
const HEALTH_KEY = "resource.customizations.health.ray.io_RayCluster";
/** The RayJob and RayService checks, by their argocd-cm keys, each the text of its health.lua. */
const JOB_SERVICE_HEALTH = Object.fromEntries(
    ["RayJob", "RayService"].map((k) => [
        `resource.customizations.health.ray.io_${k}`,
        readFileSync(join(__dirname, "..", "health", "ray.io", k, "health.lua"), "utf8"),
    ]),
);

function releaseValues(ev: Evaluation): Record<string, unknown> {
    return one(ev, T.release, "ml-argocd").inputs.values as Record<string, unknown>;
}

/** The admin hash in the program's argocd-secret. */
function adminHash(ev: Evaluation): string {
    const hash = (reveal(one(ev, T.secret, "ml-argocd-secret").inputs.stringData) as Record<string, string>)["admin.password"];
    // A bcrypt hash: cost 10 when the program hashes a configured password, 4 from the mock RandomPassword.
    assert.match(hash, /^\$2[aby]\$(04|10)\$/);
    return hash;
}

describe("the program, from the shipped stack files", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    let prodRendered: Rendered;
    before(async () => {
        dev = (await renderStack("dev")).evaluation;
        prodRendered = await renderStack("prod");
        prod = prodRendered.evaluation;
    });

    it("declares the same resource set in dev and prod, but for prod's admin password: none with SSO", () => {
        const kinds = (ev: Evaluation) =>
            ev.resources
                .filter((r) => r.type !== T.stack)
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        assert.deepEqual(
            kinds(dev).filter((k) => !kinds(prod).includes(k)),
            ["random:index/randomPassword:RandomPassword ml-argocd-admin-password"],
        );
        assert.deepEqual(
            kinds(prod).filter((k) => !kinds(dev).includes(k)),
            [],
        );
        for (const ev of [dev, prod]) {
            assert.deepEqual(
                byType(ev, T.app).map((r) => (r.inputs.metadata as { name: string }).name),
                ["ml-platform", "ray-operator-crds", "ray-operator", "raycluster"],
                "registration order",
            );
        }
    });

    it("installs the pinned argo-cd chart from argo-helm into the argocd namespace", () => {
        for (const ev of [dev, prod]) {
            const r = one(ev, T.release, "ml-argocd");
            assert.equal(r.inputs.chart, "argo-cd");
            assert.deepEqual(r.inputs.repositoryOpts, { repo: "https://argoproj.github.io/argo-helm" });
            assert.equal(r.inputs.version, "10.1.1");
            assert.equal(r.inputs.namespace, "argocd");
            assert.equal(r.inputs.name, "argocd");
            assert.equal(r.inputs.atomic, true);
            assert.ok(
                r.dependencies.includes(
                    "urn:pulumi:" + (ev === dev ? "dev" : "prod") + "::ml-gitops::ml-gitops:argocd:ArgoCd$kubernetes:core/v1:Namespace::ml-argocd-ns",
                ),
            );
        }
    });

    it("gives dev one replica of everything, no redis-ha and a ClusterIP service", () => {
        const pdb = { enabled: false };
        assert.deepEqual(reveal(releaseValues(dev)), {
            applicationSet: { pdb, replicas: 1 },
            configs: {
                cm: { "admin.enabled": true, [HEALTH_KEY]: RAYCLUSTER_HEALTH_LUA, ...JOB_SERVICE_HEALTH, url: "https://argocd-server.argocd.svc" },
                rbac: { "policy.csv": "", "policy.default": "role:readonly", scopes: "[groups]" },
                secret: { createSecret: false },
            },
            controller: { pdb, replicas: 1 },
            crds: { install: true, keep: true },
            dex: { enabled: false },
            global: { image: { tag: "v3.4.15" } },
            notifications: { argocdUrl: "https://argocd-server.argocd.svc", cm: { create: false }, enabled: true, secret: { create: false } },
            "redis-ha": { enabled: false },
            repoServer: { pdb, replicas: 1 },
            server: { pdb, replicas: 1, service: { type: "ClusterIP" } },
        });
    });

    it("gives prod HA: redis-ha, replicated components, PDBs, and an Ingress that terminates TLS before a plain-HTTP argocd-server", () => {
        const pdb = { enabled: true };
        const url = "https://argocd.ml.example.com";
        assert.deepEqual(reveal(releaseValues(prod)), {
            applicationSet: { pdb, replicas: 2 },
            configs: {
                cm: {
                    "admin.enabled": false,
                    [HEALTH_KEY]: RAYCLUSTER_HEALTH_LUA,
                    ...JOB_SERVICE_HEALTH,
                    "oidc.config":
                        "clientID: argocd\nclientSecret: $oidc.clientSecret\nissuer: https://login.example.com/oauth2/default\nname: SSO\n" +
                        "requestedIDTokenClaims:\n  groups:\n    essential: true\nrequestedScopes:\n  - openid\n  - profile\n  - email\n  - groups\n",
                    url,
                },
                params: { "server.insecure": true },
                rbac: { "policy.csv": "g, ml-platform-admins, role:admin\n", "policy.default": "", scopes: "[groups]" },
                secret: { createSecret: false },
            },
            controller: { pdb, replicas: 2 },
            crds: { install: true, keep: true },
            dex: { enabled: false },
            global: { domain: "argocd.ml.example.com", image: { tag: "v3.4.15" } },
            notifications: { argocdUrl: url, cm: { create: false }, enabled: true, secret: { create: false } },
            "redis-ha": { enabled: true, haproxy: { podDisruptionBudget: { maxUnavailable: 1 } }, podDisruptionBudget: { maxUnavailable: 1 } },
            repoServer: { pdb, replicas: 2 },
            server: {
                ingress: { annotations: {}, enabled: true, hostname: "argocd.ml.example.com", ingressClassName: "nginx", tls: true },
                pdb,
                replicas: 2,
                service: { type: "ClusterIP" },
            },
        });
    });

    it("gives Argo CD the RayCluster health check, byte for byte the file the Lua harness tests", () => {
        assert.match(RAYCLUSTER_HEALTH_LUA, /^-- Argo CD health check for ray\.io\/v1 RayCluster/);
        for (const ev of [dev, prod]) {
            const cm = (reveal(releaseValues(ev)) as { configs: { cm: Record<string, unknown> } }).configs.cm;
            assert.equal(cm[HEALTH_KEY], RAYCLUSTER_HEALTH_LUA);
            assert.equal(cm["resource.customizations.useOpenLibs.ray.io_RayCluster"], undefined, "the check runs in Argo CD's sandbox");
        }
        // The rendered review files carry it unchanged too (as a JSON string in resources.json).
        assert.ok(prodRendered.resources.includes(`"${HEALTH_KEY}": ${JSON.stringify(RAYCLUSTER_HEALTH_LUA)}`));
    });

    it("wires the RandomPassword's bcrypt hash into argocd-secret, as a secret, and exports the password as a secret (dev: admin on)", () => {
        for (const ev of [dev]) {
            const pw = one(ev, T.randomPassword, "ml-argocd-admin-password");
            assert.deepEqual(pw.inputs, { length: 24, special: false });
            const secret = one(ev, T.secret, "ml-argocd-secret");
            assert.ok(isSecret(secret.inputs.stringData), "the hash is a secret input of argocd-secret");
            const hash = adminHash(ev);
            assert.ok(isSecret(ev.outputs.adminPassword), "the adminPassword output is a secret");
            assert.ok(bcrypt.compareSync(String(reveal(ev.outputs.adminPassword)), hash), "the hash is the exported password's");
            assert.ok(secret.dependencies.includes(pw.urn), "argocd-secret waits for the password");
            assert.ok(one(ev, T.release, "ml-argocd").dependencies.includes(secret.urn), "the release waits for argocd-secret");
        }
    });

    it("exports the platform's names and URL in plain text", () => {
        // The mock RandomPassword's result: "mock-" + hex of the first 12 bytes of sha256("ml-argocd-admin-password").
        assert.equal(reveal(dev.outputs.adminPassword), "mock-1cd7dc9a90d76e356f58eacc");
        // No adminPassword: prod logs in with SSO, and the shared admin login is off.
        assert.deepEqual(reveal(prod.outputs), {
            applications: ["ray-operator-crds", "ray-operator", "raycluster", "ml-platform"],
            argocdNamespace: "argocd",
            argocdUrl: "https://argocd.ml.example.com",
            footprint: {
                applications: {
                    "argocd/ml-platform": { cascade: true, deploys: "what it deploys to ml-serving" },
                    "argocd/ray-operator": { cascade: true, deploys: "the KubeRay operator in ray-system" },
                    "argocd/ray-operator-crds": { cascade: false, deploys: "the KubeRay CRDs" },
                    "argocd/raycluster": { cascade: true, deploys: "RayCluster ray-system/raycluster-kuberay and its pods" },
                },
                kuberayVersion: "1.7.0",
                mlNamespace: "ml-serving",
                rayCluster: "ray-system/raycluster-kuberay",
            },
            projects: ["ml-production", "ray-production"],
            rayClusterName: "raycluster-kuberay",
        });
    });

    it("hands the explicit provider to every Kubernetes resource", () => {
        for (const [stack, ev] of [
            ["dev", dev],
            ["prod", prod],
        ] as const) {
            const k8sResources = ev.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.equal(k8sResources.length, 13);
            for (const r of k8sResources) assert.equal(r.provider, PROVIDER_URN(stack), `${r.type} ${r.name}`);
            assert.equal(byType(ev, T.provider).length, 1);
        }
    });

    it("builds prod's provider from the ml-gitops:kubeconfig secret (ESC), never from ~/.kube", () => {
        const p = one(prod, T.provider, "k8s");
        assert.ok(isSecret(p.inputs.kubeconfig), "kubeconfig is a secret provider input");
        assert.equal(one(dev, T.provider, "k8s").inputs.kubeconfig, undefined, "dev uses the ambient kubeconfig");
    });

    it("reads dev with no ESC environment and no secret, so it runs on a local backend as committed; prod imports ml-gitops/prod", () => {
        const devConfig = loadStackConfig(ROOT, "dev");
        assert.deepEqual(devConfig.environments, []);
        assert.deepEqual(devConfig.secretKeys, []);
        const prodConfig = loadStackConfig(ROOT, "prod");
        assert.deepEqual(prodConfig.environments, ["ml-gitops/prod"]);
        assert.deepEqual(prodConfig.secretKeys, [
            "ml-gitops:kubeconfig",
            "ml-gitops:oidcClientSecret",
            "ml-gitops:pagerdutyServiceKey",
            "ml-gitops:slackToken",
        ]);
    });
});

describe("the program, with config given in the test", () => {
    it("uses kubernetes:context for the ambient kubeconfig", async () => {
        const ev = await run({ environment: "dev", notifications: { enabled: false } }, { extra: { "kubernetes:context": "kind-ml" } });
        assert.equal(one(ev, T.provider, "k8s").inputs.context, "kind-ml");
    });

    it("hashes a configured admin password with a salt kept in state, stably", async () => {
        const cfg = { environment: "dev", adminPassword: "correct horse battery", notifications: { enabled: false } };
        const a = await run(cfg);
        const b = await run(cfg);
        assert.equal(byType(a, T.randomPassword).length, 0);
        assert.deepEqual(one(a, T.randomBytes, "ml-argocd-admin-salt").inputs, { length: 16 });
        const hash = adminHash;
        assert.equal(hash(a), hash(b), "a second run gives the same hash: no diff");
        // bcrypt at cost 10 (Argo CD's own), salted with the mock RandomBytes (sha256("ml-argocd-admin-salt"), 16 bytes).
        assert.equal(hash(a), "$2a$10$m9W20qHX0AS2kltNpFcot.75Efj36OLd.LH1yBmXywTYxi1aJzZe6");
        assert.ok(isSecret(a.outputs.adminPassword));
        assert.equal(reveal(a.outputs.adminPassword), "correct horse battery");
    });

    it("switches the chart's notifications controller off when notifications are off", async () => {
        const ev = await run({ environment: "dev", notifications: { enabled: false } });
        assert.deepEqual((reveal(releaseValues(ev)) as Record<string, unknown>).notifications, { enabled: false });
        assert.equal(byType(ev, T.configMap).length, 0);
        assert.deepEqual(
            byType(ev, T.secret).map((r) => r.name),
            ["ml-argocd-secret"],
            "no notifications Secret; argocd-secret only",
        );
    });

    it("merges argocd.values last, over what the program sets", async () => {
        const ev = await run({
            environment: "dev",
            notifications: { enabled: false },
            argocd: { values: { server: { replicas: 3, extraArgs: ["--insecure"] }, dex: { enabled: false } } },
        });
        const v = reveal(releaseValues(ev)) as { server: Record<string, unknown>; dex: unknown };
        assert.equal(v.server.replicas, 3);
        assert.deepEqual(v.server.extraArgs, ["--insecure"]);
        assert.deepEqual(v.server.service, { type: "ClusterIP" }, "sibling keys survive the merge");
        assert.deepEqual(v.dex, { enabled: false });
    });
});

describe("config errors", () => {
    it("names a missing environment and registers nothing", async () => {
        const { error, resources } = await runError({});
        assert.equal(error.message, "invalid stack config (1 problem):\n  - ml-gitops:environment: is required");
        assert.deepEqual(
            resources.map((r) => r.type),
            [T.stack],
        );
    });

    it("rejects a secret key set in plain text", async () => {
        const { error, resources } = await runError(
            { environment: "dev", adminPassword: "hunter2-hunter2", notifications: { enabled: false } },
            { plain: ["adminPassword"] },
        );
        assert.equal(
            error.message,
            "invalid stack config (1 problem):\n  - ml-gitops:adminPassword: must be a secret: pulumi config set --secret adminPassword <value>",
        );
        assert.ok(!error.message.includes("hunter2"), "the value is not echoed");
        assert.deepEqual(
            resources.map((r) => r.type),
            [T.stack],
        );
    });

    it("reports several problems at once, sorted, with the offending values", async () => {
        const { error } = await runError({ environment: "qa", argocd: { chartVersion: "^10.1" }, kuberay: { namespce: "ray" } });
        assert.equal(
            error.message,
            [
                "invalid stack config (3 problems):",
                "  - ml-gitops:argocd.chartVersion: must be an exact version such as 1.2.3 (no 'v', ranges or 'latest') (got \"^10.1\")",
                '  - ml-gitops:environment: Invalid option: expected one of "dev"|"staging"|"prod" (got "qa")',
                '  - ml-gitops:kuberay.namespce: unknown key; did you mean "namespace"?',
            ].join("\n"),
        );
    });
});
