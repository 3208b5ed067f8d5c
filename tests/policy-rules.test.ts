/**
 * The policy pack's rules on hand-written inputs (no stack render): the RayCluster name the
 * replicas rule expects follows helm.releaseName and the chart's overrides, every token pattern
 * is reported by its kind, and each rule's edges. Literal messages.
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { policies, TYPES } from "../policy/policies";

async function violations(policy: string, type: string, name: string, props: Record<string, unknown>): Promise<string[]> {
    const p = policies.find((x) => x.name === policy)!;
    const found: string[] = [];
    const args = { type, name, urn: `urn:pulumi:test::ml-gitops::${type}::${name}`, props } as unknown as ResourceValidationArgs;
    const validate = p.validateResource;
    for (const fn of Array.isArray(validate) ? validate : validate ? [validate] : []) await fn(args, (m: string) => found.push(m));
    return found;
}

const RAY = "raycluster-ignores-autoscaled-replicas";
const SYNC = { syncOptions: ["ApplyOutOfSyncOnly=true", "CreateNamespace=true"] };
const ignore = (name?: string, extra: object = {}) => ({
    group: "ray.io",
    kind: "RayCluster",
    jqPathExpressions: [".spec.workerGroupSpecs[].replicas", ".spec.workerGroupSpecs[].priority"],
    ...(name === undefined ? {} : { name }),
    ...extra,
});
const rayApp = (helm: object | undefined, ignoreDifferences: object[], metadataName = "rc") => ({
    metadata: { name: metadataName },
    spec: {
        ignoreDifferences,
        source: { chart: "ray-cluster", repoURL: "https://ray-project.github.io/kuberay-helm/", targetRevision: "1.7.0", ...(helm ? { helm } : {}) },
        syncPolicy: SYNC,
    },
});
const missing = (app: string, expected: string) =>
    `Application "${app}" deploys a RayCluster but does not ignore .spec.workerGroupSpecs[].replicas on RayCluster "${expected}" ` +
    `(ignoreDifferences: group ray.io, kind RayCluster, name ${expected}).`;

describe("policy: the RayCluster name follows the chart", () => {
    it("expects <helm.releaseName>-kuberay, not the Application's name", async () => {
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml" }, [ignore("ml-kuberay")])), []);
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml" }, [ignore("rc-kuberay")])), [missing("rc", "ml-kuberay")]);
    });

    it("falls back to the Application's metadata.name, then the resource name, without a release name", async () => {
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp(undefined, [ignore("rc-kuberay")])), []);
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "" }, [ignore("rc-kuberay")])), []);
        const noName = { spec: rayApp(undefined, [ignore("res-kuberay")]).spec };
        assert.deepEqual(await violations(RAY, TYPES.application, "res", noName), []);
    });

    it("follows nameOverride and fullnameOverride in the chart values, ignoring non-string ones", async () => {
        assert.deepEqual(
            await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml", valuesObject: { nameOverride: "rc" } }, [ignore("ml-rc")])),
            [],
        );
        assert.deepEqual(
            await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml", valuesObject: { fullnameOverride: "the-ray" } }, [ignore("ml-kuberay")])),
            [missing("rc", "the-ray")],
        );
        assert.deepEqual(
            await violations(
                RAY,
                TYPES.application,
                "x",
                rayApp({ releaseName: "ml", valuesObject: { nameOverride: 5, fullnameOverride: true } }, [ignore("ml-kuberay")]),
            ),
            [],
        );
    });

    it("accepts an unnamed ignore, or the whole workerGroupSpecs by JSON pointer; refuses another group or kind", async () => {
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml" }, [ignore()])), []);
        const pointer = { group: "ray.io", kind: "RayCluster", name: "ml-kuberay", jsonPointers: ["/spec/workerGroupSpecs"] };
        assert.deepEqual(await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml" }, [pointer])), []);
        for (const bad of [
            ignore("ml-kuberay", { group: "apps" }),
            ignore("ml-kuberay", { kind: "RayJob" }),
            ignore("ml-kuberay", { jqPathExpressions: [".spec.replicas"] }),
            { group: "ray.io", kind: "RayCluster", name: "ml-kuberay", jsonPointers: ["/spec/headGroupSpec"] },
        ])
            assert.deepEqual(
                await violations(RAY, TYPES.application, "x", rayApp({ releaseName: "ml" }, [bad])),
                [missing("rc", "ml-kuberay")],
                JSON.stringify(bad),
            );
    });

    it("checks every source of a multi-source app, and only ray-cluster sources", async () => {
        const app = {
            metadata: { name: "multi" },
            spec: {
                sources: [
                    { chart: "other", repoURL: "https://x", targetRevision: "1.0.0" },
                    {
                        path: "helm-chart/ray-cluster/",
                        repoURL: "https://github.com/ray-project/kuberay",
                        targetRevision: "v1.7.0",
                        helm: { releaseName: "g" },
                    },
                ],
                syncPolicy: SYNC,
            },
        };
        assert.deepEqual(await violations(RAY, TYPES.application, "multi", app), [missing("multi", "g-kuberay")]);
        app.spec.sources[1].path = "charts/my-ray-cluster";
        assert.deepEqual(await violations(RAY, TYPES.application, "multi", app), [], "not the ray-cluster chart");
    });
});

describe("policy: tokens in ConfigMaps", () => {
    const cm = (key: string, value: unknown) => ({ metadata: { name: "cm" }, data: { [key]: value } });
    const msg = (key: string, kind: string) => `ConfigMap "cm": data["${key}"] holds what looks like ${kind}; keep it in a Secret and reference it.`;
    const cases: [string, string][] = [
        ["xapp-1-A0123456789-abcdef", "a Slack app token"],
        ["ghp_0123456789abcdefghijABCDEFGHIJ0123", "a GitHub token"],
        ["github_pat_0123456789abcdefghijAB", "a GitHub token"],
        ["AKIAABCDEFGHIJKLMNOP", "an AWS access key"],
        ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "a JSON Web Token"],
        ["-----BEGIN PRIVATE KEY-----", "a private key"],
        ["-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"],
        ["xoxp-0123456789-abc", "a Slack token"],
        ["apiKey: abc123", "a literal credential"],
        ["routingKey: 'r1'", "a literal credential"],
        ["serviceKeys:\n  ml-serving: 0123456789abcdef0123456789abcdef", "a PagerDuty integration key"],
        ["serviceKeys:\n  a: $pd-a\n  b: '0123456789abcdef0123456789abcdef'", "a PagerDuty integration key"],
        ["serviceKeys: {ml-serving: 0123456789abcdef0123456789abcdef}", "a PagerDuty integration key"],
    ];
    for (const [value, kind] of cases) {
        it(`reports ${kind}: ${value.slice(0, 12)}…`, async () => {
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm("service.x", `url: x\n${value}\n`)), [
                msg("service.x", kind),
            ]);
        });
    }

    it("leaves look-alikes alone: short or upper-case hex, short Slack-ish strings, references and empty values", async () => {
        for (const value of [
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            // A 32-digit hex value outside serviceKeys: a checksum, a trace id.
            "checksum: 0123456789abcdef0123456789abcdef",
            "serviceKeys:\n  a: $pd-a\nchecksum: 0123456789abcdef0123456789abcdef",
            "serviceKeys:\n  a: 0123456789abcdef0123456789abcde",
            "xoxb-short",
            "AKIA0123",
            "token: $slack-token",
            "password: '$pw'",
            "token:",
            "description: the token rotates",
            "ghp_short",
        ])
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm("service.x", value)), [], value);
        for (const key of ["slack-token", "admin.password", "client-secret", "api-key", "api_key", "apikey"]) {
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm(key, "")), [], `${key}: empty`);
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm(key, "$ref")), [], `${key}: a reference`);
            assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm(key, "v")), [msg(key, "a literal credential")], key);
        }
        assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "x", cm("tokens.count", "3")), []);
    });

    it("reads non-string data as JSON, names the resource when the ConfigMap has no name, and reports keys in order", async () => {
        assert.deepEqual(
            await violations("no-tokens-in-configmaps", TYPES.configMap, "res", { data: { b: { t: "AKIAABCDEFGHIJKLMNOP" }, a: "AKIAABCDEFGHIJKLMNOP" } }),
            [
                'ConfigMap "res": data["a"] holds what looks like an AWS access key; keep it in a Secret and reference it.',
                'ConfigMap "res": data["b"] holds what looks like an AWS access key; keep it in a Secret and reference it.',
            ],
        );
        assert.deepEqual(await violations("no-tokens-in-configmaps", TYPES.configMap, "res", {}), []);
    });
});

describe("policy: the other rules' edges", () => {
    it("reads an Application without a spec or a syncPolicy without failing, and tells a RayCluster source by the chart's exact path", async () => {
        assert.deepEqual(await violations("no-floating-versions", TYPES.application, "res", {}), [], "no spec: no source to check");
        for (const props of [{ metadata: { name: "a" }, spec: {} }, { metadata: { name: "a" } }])
            assert.deepEqual(await violations("application-retry-backoff", TYPES.application, "a", props), [
                'Application "a" has no syncPolicy.retry with a limit.',
            ]);
        const noSync = rayApp(undefined, [ignore("rc-kuberay")]);
        delete (noSync.spec as { syncPolicy?: unknown }).syncPolicy;
        assert.deepEqual(
            await violations(RAY, TYPES.application, "rc", noSync),
            [
                `Application "rc" deploys a RayCluster without the sync option ApplyOutOfSyncOnly=true; a sync of any other resource would reset the autoscaler's replicas.`,
            ],
            "no syncPolicy: no sync options",
        );
        const notRay = {
            metadata: { name: "x" },
            spec: { ignoreDifferences: [], source: { path: "helm-chart/ray-cluster-extras", repoURL: "https://github.com/org/x" } },
        };
        assert.deepEqual(await violations(RAY, TYPES.application, "x", notRay), [], "helm-chart/ray-cluster-extras is not the ray-cluster chart");
        assert.deepEqual(
            await violations("no-floating-versions", "kubernetes:apps/v1:Deployment", "d", { values: { other: { tag: "latest" } } }),
            [],
            "a tag under a key other than image is not an image's",
        );
        assert.deepEqual(
            await violations("no-tokens-in-configmaps", "kubernetes:core/v1:Secret", "s", { metadata: { name: "s" }, data: { token: "xoxp-0123456789-abc" } }),
            [],
            "a Secret is where a token belongs",
        );
    });

    it("no-default-project: names the Application by metadata.name, else the resource name; other projects pass", async () => {
        const msg = (n: string) => `Application "${n}" uses the default project; place it in an AppProject that admits only its repos and destinations.`;
        assert.deepEqual(await violations("no-default-project", TYPES.application, "res", { spec: { project: "default" } }), [msg("res")]);
        assert.deepEqual(await violations("no-default-project", TYPES.application, "res", {}), [msg("res")]);
        assert.deepEqual(await violations("no-default-project", TYPES.application, "res", { spec: { project: "ml" } }), []);
        assert.deepEqual(await violations("no-default-project", TYPES.application, "res", { spec: { project: "defaults" } }), []);
    });

    it("no-floating-versions: names a missing repository, checks every source, and ignores non-Applications' revisions", async () => {
        const app = { metadata: { name: "a" }, spec: { sources: [{ targetRevision: "main" }, { repoURL: "https://x", targetRevision: "1.0.0" }] } };
        assert.deepEqual(await violations("no-floating-versions", TYPES.application, "res", app), [
            'Application "a" tracks "main" of its repository; pin a tag, an exact chart version or a commit.',
        ]);
        assert.deepEqual(await violations("no-floating-versions", TYPES.helmRelease, "r", { spec: { source: { targetRevision: "main" } } }), []);
        assert.deepEqual(
            await violations("no-floating-versions", "kubernetes:apps/v1:Deployment", "d", {
                image: { repository: "x", tag: "1.0" },
                containers: [{ image: "registry:5000/app" }, { image: "app:v1" }, { image: "org/app:latest-fix" }],
                x: { image: null },
            }),
            ['kubernetes:apps/v1:Deployment "d": containers[0].image uses the latest tag; pin an image version.'],
        );
        assert.deepEqual(await violations("no-floating-versions", "kubernetes:apps/v1:Deployment", "d", { values: { image: { tag: "latest" } } }), [
            'kubernetes:apps/v1:Deployment "d": values.image.tag uses the latest tag; pin an image version.',
        ]);
    });

    it("argocd-chart-pinned: only the argo-cd chart, by name or repository path, in Releases and v4 Charts", async () => {
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmRelease, "r", { chart: "argo-cd", version: "10.1.1" }), []);
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmChart, "r", { chart: "argo/argo-cd", version: "10.1.1" }), []);
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmChart, "r", { chart: "argo/argo-cd", version: "10" }), [
            'The argo-cd chart of "r" is not pinned (version "10"); set an exact chart version.',
        ]);
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmRelease, "r", { chart: "my-argo-cd" }), []);
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.helmRelease, "r", {}), []);
        assert.deepEqual(await violations("argocd-chart-pinned", TYPES.configMap, "r", { chart: "argo-cd" }), []);
    });

    it("application-retry-backoff: each backoff field is required, and only Applications are checked", async () => {
        const backoff = { duration: "5s", factor: 2, maxDuration: "3m" };
        const msg = 'Application "a" retries without backoff; set syncPolicy.retry.backoff duration, factor and maxDuration.';
        for (const field of ["duration", "factor", "maxDuration"] as const) {
            const b: Record<string, unknown> = { ...backoff };
            delete b[field];
            assert.deepEqual(
                await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { limit: 1, backoff: b } } } }),
                [msg],
                field,
            );
        }
        assert.deepEqual(await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { limit: 1 } } } }), [msg]);
        assert.deepEqual(await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { limit: 1, backoff } } } }), []);
        assert.deepEqual(
            await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { limit: -1, backoff } } } }),
            [],
            "-1: no limit",
        );
        assert.deepEqual(await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { limit: 0, backoff } } } }), [
            'Application "a" sets syncPolicy.retry.limit 0, which turns retries off; set 1 or more, or -1 for no limit.',
        ]);
        assert.deepEqual(await violations("application-retry-backoff", TYPES.application, "a", { spec: { syncPolicy: { retry: { backoff } } } }), [
            'Application "a" has no syncPolicy.retry with a limit.',
        ]);
        assert.deepEqual(await violations("application-retry-backoff", TYPES.configMap, "a", {}), []);
    });

    it("raycluster rule: ApplyOutOfSyncOnly is required and RespectIgnoreDifferences refused per ray-cluster source, and other Applications pass", async () => {
        const app = rayApp({ releaseName: "ml" }, [ignore("ml-kuberay")]);
        app.spec.syncPolicy = { syncOptions: ["RespectIgnoreDifferences=false"] };
        assert.deepEqual(await violations(RAY, TYPES.application, "x", app), [
            'Application "rc" deploys a RayCluster without the sync option ApplyOutOfSyncOnly=true; a sync of any other resource would reset the autoscaler\'s replicas.',
        ]);
        app.spec.syncPolicy = { syncOptions: ["ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=true"] };
        assert.deepEqual(await violations(RAY, TYPES.application, "x", app), [
            'Application "rc" deploys a RayCluster with the sync option RespectIgnoreDifferences=true: Argo CD 3.4 then applies the whole live workerGroupSpecs, so no worker-group change ever reaches the RayCluster (argo-cd#17694).',
        ]);
        delete (app.spec as { syncPolicy?: unknown }).syncPolicy;
        assert.equal((await violations(RAY, TYPES.application, "x", app)).length, 1, "no syncPolicy: no ApplyOutOfSyncOnly");
        assert.deepEqual(await violations(RAY, TYPES.configMap, "x", app), []);
    });
});
