/**
 * The two stack files `npm run e2e` deploys (Pulumi.e2e.yaml, Pulumi.e2e-prod.yaml), evaluated
 * under the mock engine: they stay valid as the config schema changes, point every source at the
 * harness's loopback repository only, make `pulumi up` wait for every Application (the real Argo CD
 * controllers sync them there), send Slack to the run's stand-in with the subscriptions it checks,
 * and the prod profile really is prod. The e2e itself needs its toolchain; these need nothing.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../commands/cli";
import { isSecret, reveal, type Evaluation } from "../testing/engine";
import { renderStack } from "../commands/render";
import { byType, one, T } from "./harness";

const SECRETS = {
    "ml-gitops:adminPassword": "e2e-admin-pw",
    "ml-gitops:kubeconfig": "apiVersion: v1\nkind: Config\n",
    "ml-gitops:oidcClientSecret": "e2e-oidc-secret",
    "ml-gitops:pagerdutyServiceKey": "e2e-pd-key",
    "ml-gitops:slackToken": "xoxb-e2e",
};

/** The e2e stack's one secret: its Slack bot token (run.sh sets it with pulumi config set --secret). */
const DEV_SECRETS = { "ml-gitops:slackToken": "xoxb-e2e" };

interface AppInputs {
    metadata: { name: string; annotations?: Record<string, string> };
    spec: { source: { name?: string; repoURL: string; targetRevision: string } };
}

/** Every repository the stack reaches: the Release's and each Application's source. */
function repositories(ev: Evaluation): string[] {
    const release = one(ev, T.release, "ml-argocd").inputs.repositoryOpts as { repo: string };
    const apps = byType(ev, T.app).map((a) => (a.inputs as unknown as AppInputs).spec.source.repoURL);
    return [...new Set([release.repo, ...apps])].sort();
}

const LOOPBACK = ["https://127.0.0.1:18443/charts", "https://127.0.0.1:18443/git/kuberay.git", "https://127.0.0.1:18443/git/ml-platform-config.git"];

/**
 * Every source on the loopback repository, each Application at its revision (KubeRay `kuberay`, the
 * ML platform at `mlPlatformRevision`), and each awaited, Synced and Healthy, for at most 300 s.
 */
function assertSources(ev: Evaluation, mlPlatformRevision: string, kuberay: string): void {
    assert.deepEqual(repositories(ev), LOOPBACK);
    const apps = byType(ev, T.app).map((a) => a.inputs as unknown as AppInputs);
    assert.deepEqual(apps.map((a) => [a.metadata.name, a.spec.source.targetRevision]).sort(), [
        ["ml-platform", mlPlatformRevision],
        ["ray-operator", kuberay],
        ["ray-operator-crds", `v${kuberay}`],
        ["raycluster", kuberay],
    ]);
    assert.deepEqual(
        apps.map((a) => [a.metadata.name, a.metadata.annotations?.["pulumi.com/waitFor"], a.metadata.annotations?.["pulumi.com/timeoutSeconds"]]).sort(),
        apps
            .map((a) => [
                a.metadata.name,
                `["jsonpath={.status.sync.comparedTo.source.name}=${a.spec.source.name}","jsonpath={.status.sync.status}=Synced","jsonpath={.status.health.status}=Healthy"]`,
                "300",
            ])
            .sort(),
    );
    assert.ok(
        apps.every((a) => /^pulumi-[0-9a-f]{12}$/.test(a.spec.source.name ?? "")),
        apps.map((a) => a.spec.source.name).join(" "),
    );
}

/** What kuberay.podSecurity: restricted (the default) puts on every Ray pod and container. */
const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

describe("the e2e stack files, under the mock engine", () => {
    it("e2e: the dev profile, every source on the loopback repository, every Application awaited", async () => {
        const ev = (await renderStack("e2e", undefined, DEV_SECRETS)).evaluation;
        assertSources(ev, "main", "1.7.0");
        // the Ray scenario's failed RayJob degrades ml-platform: its on-health-degraded goes to the Slack stand-in
        const ml = one(ev, T.app, "ml-ml-platform").inputs as unknown as AppInputs;
        assert.deepEqual(
            Object.entries(ml.metadata.annotations ?? {}).filter(([k]) => k.startsWith("notifications.argoproj.io/")),
            [["notifications.argoproj.io/subscribe.on-health-degraded.slack", "ml-oncall"]],
        );
        assert.equal((reveal(one(ev, T.release, "ml-argocd").inputs.values) as { "redis-ha": { enabled: boolean } })["redis-ha"].enabled, false);
    });

    it("e2e: the worker groups the placement scenario checks: GPU on the GPU node, spot on the spot node, standard (the autoscaler's) on neither", async () => {
        const ev = (await renderStack("e2e", undefined, DEV_SECRETS)).evaluation;
        const app = one(ev, T.app, "ml-raycluster").inputs as unknown as { spec: { source: { helm: { valuesObject: unknown } } } };
        const values = reveal(app.spec.source.helm.valuesObject) as { additionalWorkerGroups: Record<string, unknown> };
        assert.deepEqual(values.additionalWorkerGroups, {
            "gpu-worker": {
                disabled: false,
                maxReplicas: 2,
                minReplicas: 0,
                nodeSelector: { "nvidia.com/gpu.present": "true" },
                rayStartParams: { resources: '"{\\"gpu-worker\\": 1}"' },
                replicas: 1,
                resources: {
                    limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" },
                    requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" },
                },
                podSecurityContext: RESTRICTED_POD,
                securityContext: RESTRICTED_CONTAINER,
                serviceAccountName: "ray-workloads-worker",
                tolerations: [{ effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" }],
                volumeMounts: [{ mountPath: "/dev/shm", name: "shared-mem" }],
                volumes: [{ emptyDir: { medium: "Memory", sizeLimit: "512Mi" }, name: "shared-mem" }],
            },
            "spot-worker": {
                disabled: false,
                maxReplicas: 2,
                minReplicas: 0,
                nodeSelector: { "cloud.google.com/gke-spot": "true" },
                rayStartParams: { resources: '"{\\"spot-worker\\": 1}"' },
                replicas: 1,
                resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } },
                podSecurityContext: RESTRICTED_POD,
                securityContext: RESTRICTED_CONTAINER,
                serviceAccountName: "ray-workloads-worker",
                tolerations: [{ effect: "NoSchedule", key: "cloud.google.com/gke-spot", operator: "Equal", value: "true" }],
            },
            "standard-worker": {
                disabled: false,
                maxReplicas: 2,
                minReplicas: 0,
                rayStartParams: { resources: '"{\\"standard-worker\\": 1}"' },
                replicas: 1,
                podSecurityContext: RESTRICTED_POD,
                resources: { limits: { cpu: "1", memory: "1G" }, requests: { cpu: "1", memory: "1G" } },
                securityContext: RESTRICTED_CONTAINER,
                serviceAccountName: "ray-workloads-worker",
            },
        });
        // The pods scenario's identity: created by the program, before the RayCluster's Application.
        const sa = one(ev, "kubernetes:core/v1:ServiceAccount", "ml-ray-sa");
        assert.deepEqual(sa.inputs.metadata, { annotations: { "e2e.ml-gitops/identity": "ray-workloads" }, name: "ray-workloads", namespace: "ray-system" });
        assert.ok(one(ev, T.app, "ml-raycluster").dependencies.includes(sa.urn));
        // The workers' own: the same cloud identity, no API token, not bound to the autoscaler's Role.
        const worker = one(ev, "kubernetes:core/v1:ServiceAccount", "ml-ray-worker-sa");
        assert.deepEqual(worker.inputs, {
            apiVersion: "v1",
            automountServiceAccountToken: false,
            kind: "ServiceAccount",
            metadata: { annotations: { "e2e.ml-gitops/identity": "ray-workloads" }, name: "ray-workloads-worker", namespace: "ray-system" },
        });
        assert.ok(one(ev, T.app, "ml-raycluster").dependencies.includes(worker.urn));
    });

    it("e2e-prod: the prod profile (HA, Ingress with TLS, pinned revisions, both services), on loopback, every Application awaited", async () => {
        const ev = (await renderStack("e2e-prod", undefined, SECRETS)).evaluation;
        // One release behind the default, which the day-2 phase upgrades to (e2e/live/day2-prod.test.ts),
        // and the toolchain's previous operator.
        assertSources(ev, "v1.0.0", "1.6.2");
        const values = reveal(one(ev, T.release, "ml-argocd").inputs.values) as {
            server: { ingress: unknown };
            "redis-ha": unknown;
        };
        assert.deepEqual(values.server.ingress, { annotations: {}, enabled: true, hostname: "argocd.e2e.localhost", ingressClassName: "nginx", tls: true });
        assert.deepEqual(values["redis-ha"], {
            enabled: true,
            haproxy: { podDisruptionBudget: { maxUnavailable: 1 } },
            podDisruptionBudget: { maxUnavailable: 1 },
        });
        // SSO through the run's Dex (e2e/sso.sh), so no shared admin: no password, generated or
        // configured; argocd-secret holds the client secret alone. The provider gets the kubeconfig, as a secret.
        assert.deepEqual(byType(ev, T.randomPassword), []);
        assert.deepEqual(byType(ev, T.randomBytes), []);
        assert.equal("adminPassword" in ev.outputs, false);
        assert.deepEqual(reveal(one(ev, T.secret, "ml-argocd-secret").inputs.stringData), { "oidc.clientSecret": "e2e-oidc-secret" });
        const cm = (reveal(one(ev, T.release, "ml-argocd").inputs.values) as { configs: { cm: Record<string, unknown>; rbac: Record<string, unknown> } })
            .configs;
        assert.equal(cm.cm["admin.enabled"], false);
        assert.equal(cm.cm.url, "https://argocd.e2e.localhost", "the browser's URL: Dex's redirect URI is its /auth/callback");
        assert.match(String(cm.cm["oidc.config"]), /^clientID: argo-cd\nclientSecret: \$oidc\.clientSecret\nissuer: https:\/\/127\.0\.0\.1:5556\/dex\n/);
        assert.equal(cm.rbac["policy.csv"], "g, ml-platform-admins, role:admin\n");
        const roles = (one(ev, T.project, "ml-project").inputs as { spec: { roles: unknown } }).spec.roles;
        assert.deepEqual(roles, [
            {
                description: "ML engineers see and sync the ML platform's applications",
                groups: ["ml-engineers"],
                name: "ml-engineer",
                policies: [
                    "p, proj:ml-e2e-prod:ml-engineer, applications, get, ml-e2e-prod/*, allow",
                    "p, proj:ml-e2e-prod:ml-engineer, applications, sync, ml-e2e-prod/*, allow",
                ],
            },
        ]);
        assert.deepEqual(reveal(one(ev, T.provider, "k8s").inputs.kubeconfig), SECRETS["ml-gitops:kubeconfig"]);
        assert.ok(isSecret(one(ev, T.provider, "k8s").inputs.kubeconfig), "the provider's kubeconfig is a secret");
        assert.deepEqual(reveal(one(ev, T.secret, "ml-notifications-secret").inputs.stringData), {
            "pagerduty-service-key": "e2e-pd-key",
            "slack-token": "xoxb-e2e",
        });
    });

    it("e2e-prod: Slack goes to the run's stand-in, and the subscriptions are the ones the run checks", async () => {
        const ev = (await renderStack("e2e-prod", undefined, SECRETS)).evaluation;
        const data = one(ev, T.configMap, "ml-notifications-cm").inputs.data as Record<string, string>;
        assert.equal(data["service.slack"], "apiURL: https://127.0.0.1:18443/slack/api/\ntoken: $slack-token\n");
        const subscriptions = Object.fromEntries(
            byType(ev, T.app).map((a) => {
                const m = (a.inputs as unknown as AppInputs).metadata;
                return [m.name, Object.entries(m.annotations ?? {}).filter(([k]) => k.startsWith("notifications.argoproj.io/"))];
            }),
        );
        assert.deepEqual(subscriptions, {
            "ml-platform": [
                ["notifications.argoproj.io/subscribe.on-deployed.slack", "ml-deploys"],
                ["notifications.argoproj.io/subscribe.on-sync-failed.pagerdutyv2", "ml-platform"],
                ["notifications.argoproj.io/subscribe.on-sync-failed.slack", "ml-team"],
            ],
            "ray-operator": [],
            "ray-operator-crds": [],
            raycluster: [
                ["notifications.argoproj.io/subscribe.on-health-degraded.pagerdutyv2", "ml-platform"],
                ["notifications.argoproj.io/subscribe.on-health-degraded.slack", "ray-oncall"],
            ],
        });
    });

    it("e2e-prod as committed, without the secrets the run sets, is refused naming the client secret and both tokens", async () => {
        await assert.rejects(renderStack("e2e-prod"), (e: Error) => {
            assert.equal(
                e.message,
                [
                    "invalid stack config (3 problems):",
                    "  - ml-gitops:oidcClientSecret: is required when argocd.sso.enabled is true: pulumi config set --secret oidcClientSecret <secret>",
                    "  - ml-gitops:pagerdutyServiceKey: is required when notifications.pagerduty.enabled is true: pulumi config set --secret pagerdutyServiceKey <key>",
                    "  - ml-gitops:slackToken: is required when notifications.slack.enabled is true: pulumi config set --secret slackToken <token>",
                ].join("\n"),
            );
            return true;
        });
    });
});

/** A YAML file of the repository, parsed. */
function yamlFile(path: string): Record<string, unknown> {
    return parse(readFileSync(join(ROOT, path), "utf8")) as Record<string, unknown>;
}

describe("examples/yaml, the Pulumi YAML program the e2e deploys through the component package", () => {
    const program = yamlFile("examples/yaml/Pulumi.yaml") as {
        runtime: string;
        config: { repoBase: { type: string; default: string } };
        resources: Record<string, { type: string; properties: { settings: unknown } }>;
        outputs: Record<string, string>;
    };

    it("declares one MlPlatform named ml, by the schema's token, on the yaml runtime", () => {
        assert.equal(program.runtime, "yaml");
        assert.deepEqual(
            Object.entries(program.resources).map(([name, r]) => [name, r.type]),
            [["ml", "ml-gitops:index:MlPlatform"]],
        );
        const schema = JSON.parse(readFileSync(join(ROOT, "plugin/schema.json"), "utf8")) as { resources: Record<string, unknown> };
        assert.ok("ml-gitops:index:MlPlatform" in schema.resources);
    });

    it("its settings, with repoBase at its default, are the e2e stack's ml-gitops keys", () => {
        assert.deepEqual(program.config.repoBase, { type: "string", default: "https://127.0.0.1:18443" });
        const settings = JSON.parse(JSON.stringify(program.resources.ml.properties.settings).replaceAll("${repoBase}", program.config.repoBase.default));
        const stack = yamlFile("Pulumi.e2e.yaml") as { config: Record<string, unknown> };
        const e2e = Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k.replace(/^ml-gitops:/, ""), v]));
        assert.deepEqual(settings, e2e);
    });

    it("exports the outputs the Python program exports, each a property of the component", () => {
        assert.deepEqual(program.outputs, {
            adminPassword: "${ml.adminPassword}",
            applications: "${ml.applicationNames}",
            argocdNamespace: "${ml.argocdNamespace}",
            argocdUrl: "${ml.argocdUrl}",
            projects: "${ml.projectNames}",
            rayClusterName: "${ml.rayClusterName}",
        });
        const schema = JSON.parse(readFileSync(join(ROOT, "plugin/schema.json"), "utf8")) as {
            resources: Record<string, { properties: Record<string, unknown> }>;
        };
        const properties = Object.keys(schema.resources["ml-gitops:index:MlPlatform"].properties);
        for (const ref of Object.values(program.outputs)) assert.ok(properties.includes(ref.slice("${ml.".length, -1)), ref);
    });
});
