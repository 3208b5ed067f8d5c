/**
 * The CrossGuard policy pack, without the CLI: each policy's validateResource runs on the resources
 * the shipped stacks declare (compliant), and on copies broken one field at a time (violating).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break arbitrary nested fields of recorded inputs */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { policies, TYPES } from "../policy/policies";
import { reveal, type RecordedResource } from "../testing/engine";
import { ROOT, renderStack } from "../commands/render";

const FAKE = { "ml-gitops:pagerdutyServiceKey": "0123456789abcdef0123456789abcdef", "ml-gitops:slackToken": "xoxb-1234567890-FAKE-token" };

function policy(name: string): ResourceValidationPolicy {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
}

/** Violations one policy reports for one resource, given by type, name and (plain) inputs. */
async function violations(name: string, type: string, resourceName: string, props: Record<string, unknown>): Promise<string[]> {
    const found: string[] = [];
    const args = { type, name: resourceName, urn: `urn:pulumi:test::ml-gitops::${type}::${resourceName}`, props } as unknown as ResourceValidationArgs;
    const validate = policy(name).validateResource;
    for (const fn of Array.isArray(validate) ? validate : validate ? [validate] : []) await fn(args, (message: string) => found.push(message));
    return found;
}

async function allViolations(resources: RecordedResource[]): Promise<string[]> {
    const found: string[] = [];
    for (const p of policies) {
        for (const r of resources) {
            for (const v of await violations(p.name, r.type, r.name, reveal(r.inputs) as Record<string, unknown>)) found.push(`${p.name}: ${v}`);
        }
    }
    return found;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("the policy pack", () => {
    let prod: RecordedResource[];
    let dev: RecordedResource[];
    before(async () => {
        prod = (await renderStack("prod", ROOT, FAKE)).evaluation.resources;
        dev = (await renderStack("dev", ROOT, FAKE)).evaluation.resources;
    });

    /** The plain inputs of a shipped Kubernetes object, to break one field at a time. */
    function inputs(stack: RecordedResource[], type: string, name: string): Record<string, any> {
        const r = stack.find((x) => x.type === type && x.name === name);
        if (!r) throw new Error(`no ${type} ${name}`);
        return clone(reveal(r.inputs) as Record<string, any>);
    }

    it("has the six guardrails, each described", () => {
        assert.deepEqual(policies.map((p) => p.name).sort(), [
            "application-retry-backoff",
            "argocd-chart-pinned",
            "no-default-project",
            "no-floating-versions",
            "no-tokens-in-configmaps",
            "raycluster-ignores-autoscaled-replicas",
        ]);
        for (const p of policies) assert.ok(p.description.length > 40, p.name);
    });

    it("finds nothing to report in prod, with real-looking tokens configured", async () => {
        assert.deepEqual(await allViolations(prod), []);
    });

    it("reports only dev's branch-tracking ML platform app, which config.dev.json exempts", async () => {
        assert.deepEqual(await allViolations(dev), [
            'no-floating-versions: Application "ml-platform" tracks "main" of https://github.com/org/ml-platform-config; pin a tag, an exact chart version or a commit.',
        ]);
    });

    it("is mandatory in prod and advisory in dev, with only the floating-version rule off in dev", () => {
        const read = (f: string) => JSON.parse(readFileSync(join(ROOT, "policy", f), "utf8")) as Record<string, unknown>;
        assert.deepEqual(read("config.prod.json"), { all: "mandatory" });
        assert.deepEqual(read("config.dev.json"), { all: "advisory", "no-floating-versions": "disabled" });
        const names = new Set(policies.map((p) => p.name));
        for (const key of Object.keys(read("config.dev.json")).filter((k) => k !== "all")) assert.ok(names.has(key), key);
    });

    describe("no-default-project", () => {
        it("rejects an Application in the default project, or in none", async () => {
            const app = inputs(prod, TYPES.application, "ml-ml-platform");
            app.spec.project = "default";
            const msg = 'Application "ml-platform" uses the default project; place it in an AppProject that admits only its repos and destinations.';
            assert.deepEqual(await violations("no-default-project", TYPES.application, "ml-ml-platform", app), [msg]);
            delete app.spec.project;
            assert.deepEqual(await violations("no-default-project", TYPES.application, "ml-ml-platform", app), [msg]);
        });

        it("ignores other kinds", async () => {
            assert.deepEqual(await violations("no-default-project", TYPES.configMap, "cm", { spec: { project: "default" } }), []);
        });
    });

    describe("raycluster-ignores-autoscaled-replicas", () => {
        const name = "ml-raycluster";
        it("rejects a RayCluster app without the replicas ignore, or ignoring another cluster's name", async () => {
            const app = inputs(prod, TYPES.application, name);
            const missing =
                'Application "raycluster" deploys a RayCluster but does not ignore .spec.workerGroupSpecs[].replicas on RayCluster "raycluster-kuberay" ' +
                "(ignoreDifferences: group ray.io, kind RayCluster, name raycluster-kuberay).";
            app.spec.ignoreDifferences[0].name = "raycluster";
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), [missing]);
            delete app.spec.ignoreDifferences;
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), [missing]);
        });

        it("rejects a RayCluster app with RespectIgnoreDifferences=true (no worker-group change would arrive) or without ApplyOutOfSyncOnly=true", async () => {
            const app = inputs(prod, TYPES.application, name);
            app.spec.syncPolicy.syncOptions = ["CreateNamespace=true", "RespectIgnoreDifferences=true"];
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), [
                'Application "raycluster" deploys a RayCluster with the sync option RespectIgnoreDifferences=true: Argo CD 3.4 then applies ' +
                    "the whole live workerGroupSpecs, so no worker-group change ever reaches the RayCluster (argo-cd#17694).",
                'Application "raycluster" deploys a RayCluster without the sync option ApplyOutOfSyncOnly=true; a sync of any other resource would reset the autoscaler\'s replicas.',
            ]);
            app.spec.syncPolicy.syncOptions = ["ApplyOutOfSyncOnly=true", "CreateNamespace=true", "RespectIgnoreDifferences=true"];
            assert.equal((await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app)).length, 1);
            app.spec.syncPolicy.syncOptions = ["ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=false"];
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), []);
        });

        it("accepts the replicas ignored alone (priority need not be, without RespectIgnoreDifferences), or the whole workerGroupSpecs", async () => {
            const app = inputs(prod, TYPES.application, name);
            app.spec.ignoreDifferences[0].jqPathExpressions = [".spec.workerGroupSpecs[].replicas"];
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), []);
            app.spec.ignoreDifferences[0].jqPathExpressions = [];
            app.spec.ignoreDifferences[0].jsonPointers = ["/spec/workerGroupSpecs"];
            assert.deepEqual(
                await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app),
                [],
                "the whole array ignored covers both",
            );
        });

        it("follows the chart's naming: fullnameOverride, and an app of the chart from the kuberay git repo", async () => {
            const app = inputs(prod, TYPES.application, name);
            app.spec.source.helm.valuesObject.fullnameOverride = "ray-prod";
            assert.equal((await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app)).length, 1);
            app.spec.ignoreDifferences[0].name = "ray-prod";
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, name, app), []);
            const fromGit = {
                metadata: { name: "extra-ray" },
                spec: { source: { path: "helm-chart/ray-cluster", repoURL: "https://github.com/ray-project/kuberay", targetRevision: "v1.5.1" } },
            };
            assert.equal((await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, "x", fromGit)).length, 2);
        });

        it("leaves other Applications alone", async () => {
            const app = inputs(prod, TYPES.application, "ml-ray-operator");
            assert.deepEqual(app.spec.ignoreDifferences, undefined);
            assert.deepEqual(await violations("raycluster-ignores-autoscaled-replicas", TYPES.application, "ml-ray-operator", app), []);
        });
    });

    describe("no-floating-versions", () => {
        it("rejects HEAD, branches and version ranges in any source", async () => {
            const app = inputs(prod, TYPES.application, "ml-ml-platform");
            const found: string[] = [];
            for (const rev of ["HEAD", "main", "release/1.x", "", "1.*", "^1.5.0", "v1.5"]) {
                app.spec.source.targetRevision = rev;
                found.push(...(await violations("no-floating-versions", TYPES.application, "ml-ml-platform", app)));
            }
            assert.deepEqual(
                found.map((m) => m.replace(/ of .*/, "")),
                ['"HEAD"', '"main"', '"release/1.x"', "HEAD", '"1.*"', '"^1.5.0"', '"v1.5"'].map((r) => `Application "ml-platform" tracks ${r}`),
            );
        });

        it("accepts tags, exact chart versions and full commit SHAs", async () => {
            const app = inputs(prod, TYPES.application, "ml-ml-platform");
            for (const rev of ["v1.0.0", "1.5.1", "2.0.0-rc.1", "0123456789abcdef0123456789abcdef01234567"]) {
                app.spec.source.targetRevision = rev;
                assert.deepEqual(await violations("no-floating-versions", TYPES.application, "ml-ml-platform", app), [], rev);
            }
        });

        it("rejects latest or missing image tags, in chart values and pod specs", async () => {
            const app = inputs(prod, TYPES.application, "ml-raycluster");
            app.spec.source.helm.valuesObject.image.tag = "latest";
            assert.deepEqual(await violations("no-floating-versions", TYPES.application, "ml-raycluster", app), [
                'kubernetes:argoproj.io/v1alpha1:Application "ml-raycluster": spec.source.helm.valuesObject.image.tag uses the latest tag; pin an image version.',
            ]);
            const deployment = {
                spec: {
                    template: {
                        spec: {
                            containers: [
                                { image: "nginx" },
                                { image: "ghcr.io/org/app:latest" },
                                { image: "ghcr.io/org/app@sha256:abc" },
                                { image: "localhost:5000/app:1.2" },
                            ],
                        },
                    },
                },
            };
            assert.deepEqual(await violations("no-floating-versions", "kubernetes:apps/v1:Deployment", "web", deployment), [
                'kubernetes:apps/v1:Deployment "web": spec.template.spec.containers[0].image uses the latest tag; pin an image version.',
                'kubernetes:apps/v1:Deployment "web": spec.template.spec.containers[1].image uses the latest tag; pin an image version.',
            ]);
        });
    });

    describe("argocd-chart-pinned", () => {
        it("rejects an unset, ranged or latest argo-cd chart version, as a Release or a v4 Chart", async () => {
            const release = inputs(prod, TYPES.helmRelease, "ml-argocd");
            assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmRelease, "ml-argocd", release), []);
            const found: string[] = [];
            for (const version of [undefined, "10.*", "~10.1.0", "latest"]) {
                release.version = version;
                found.push(...(await violations("argocd-chart-pinned", TYPES.helmRelease, "ml-argocd", release)));
            }
            found.push(...(await violations("argocd-chart-pinned", TYPES.helmChart, "argo", { chart: "oci://ghcr.io/argoproj/argo-helm/argo-cd" })));
            assert.deepEqual(found, [
                'The argo-cd chart of "ml-argocd" is not pinned (version unset); set an exact chart version.',
                'The argo-cd chart of "ml-argocd" is not pinned (version "10.*"); set an exact chart version.',
                'The argo-cd chart of "ml-argocd" is not pinned (version "~10.1.0"); set an exact chart version.',
                'The argo-cd chart of "ml-argocd" is not pinned (version "latest"); set an exact chart version.',
                'The argo-cd chart of "argo" is not pinned (version unset); set an exact chart version.',
            ]);
        });

        it("leaves other charts alone", async () => {
            assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmRelease, "x", { chart: "argo-cd-extras" }), []);
        });
    });

    describe("no-tokens-in-configmaps", () => {
        const cases: [string, string, string][] = [
            ["service.slack", "token: xoxb-1234567890-abcdefghij\n", "a Slack token"],
            ["service.slack", "token: hunter2-literal\n", "a literal credential"],
            ["service.webhook.x", "url: https://hooks.slack.com/services/T000/B000/XXXX\n", "a Slack webhook URL"],
            ["service.github", "appID: 1\nprivateKey: |\n  -----BEGIN RSA PRIVATE KEY-----\n", "a private key"],
            ["service.pagerdutyv2", "serviceKeys:\n  ml-platform: 0123456789abcdef0123456789abcdef\n", "a PagerDuty integration key"],
            ["repo", "password: 's3cr3t'\n", "a literal credential"],
            ["slack-token", "abc", "a literal credential"],
        ];
        for (const [key, value, kind] of cases) {
            it(`reports ${kind} under data["${key}"], without echoing it`, async () => {
                const cm = inputs(prod, TYPES.configMap, "ml-notifications-cm");
                cm.data[key] = value;
                const found = await violations("no-tokens-in-configmaps", TYPES.configMap, "ml-notifications-cm", cm);
                assert.deepEqual(found, [
                    `ConfigMap "argocd-notifications-cm": data["${key}"] holds what looks like ${kind}; keep it in a Secret and reference it.`,
                ]);
                assert.ok(!found[0].includes(value.trim()));
            });
        }

        it("accepts $references to the Secret, and leaves Secrets alone", async () => {
            const cm = { data: { "service.slack": "token: $slack-token\n", "service.x": 'token: "$x-token"\napiKey: $key\n' }, metadata: { name: "cm" } };
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "cm", cm), []);
            assert.deepEqual(
                await violations("no-tokens-in-configmaps", "kubernetes:core/v1:Secret", "s", { stringData: { "slack-token": "xoxb-1234567890-abcdefghij" } }),
                [],
            );
        });
    });

    describe("application-retry-backoff", () => {
        it("rejects an Application without retry, with limit 0, or without backoff", async () => {
            const app = inputs(prod, TYPES.application, "ml-ray-operator");
            const check = () => violations("application-retry-backoff", TYPES.application, "ml-ray-operator", app);
            assert.deepEqual(await check(), []);
            delete app.spec.syncPolicy.retry.backoff.factor;
            assert.deepEqual(await check(), [
                'Application "ray-operator" retries without backoff; set syncPolicy.retry.backoff duration, factor and maxDuration.',
            ]);
            app.spec.syncPolicy.retry.limit = 0;
            assert.deepEqual(await check(), [
                'Application "ray-operator" sets syncPolicy.retry.limit 0, which turns retries off; set 1 or more, or -1 for no limit.',
            ]);
            delete app.spec.syncPolicy;
            assert.deepEqual(await check(), ['Application "ray-operator" has no syncPolicy.retry with a limit.']);
        });
    });
});
