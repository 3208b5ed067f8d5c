/**
 * Config rules the table of bad configs does not reach: which environments get the prod
 * guardrails, the pinned-revision pattern's anchors, the source rule of extra applications, the
 * PagerDuty recipient rule, which keys are JSON-parsed, derived defaults and the order of problems.
 */
import * as assert from "node:assert/strict";
import { z } from "zod";
import { ConfigError, parseConfig, rawFromPulumiConfig } from "../components/config";
import { parseArgs } from "../components/configErrors";
import { IMMUTABLE_REVISION } from "../components/formats";
import { problemsOf, runError } from "./harness";

const extra = (o: object) => ({
    applications: { x: { repoURL: "https://github.com/org/x", targetRevision: "main", destination: { namespace: "x" }, ...o } },
});

describe("config rules", () => {
    it("a ConfigError carries no stack trace: Pulumi prints its message alone, and formatting a stack cost a refused preview 25 s", () => {
        const e = new ConfigError(["ml-gitops:x: is wrong"]);
        assert.equal(e.stack, "ConfigError: invalid stack config (1 problem):\n  - ml-gitops:x: is wrong");
        assert.equal(e.message, "invalid stack config (1 problem):\n  - ml-gitops:x: is wrong");
        assert.deepEqual(e.problems, ["ml-gitops:x: is wrong"]);
    });

    it("applies the prod guardrails to prod only: staging and dev may track branches and use latest", () => {
        for (const environment of ["dev", "staging"]) {
            const raw = { environment, rayCluster: { image: { tag: "latest" } }, mlPlatform: { targetRevision: "main" }, ...extra({ path: "p" }) };
            assert.deepEqual(problemsOf(raw), [], environment);
            assert.equal(parseConfig(raw).sync.wait, false, `${environment} does not wait by default`);
        }
        assert.deepEqual(
            problemsOf({ environment: "prod", rayCluster: { image: { tag: "latest" } }, mlPlatform: { targetRevision: "main" }, ...extra({ path: "p" }) }),
            [
                'ml-gitops:applications.x.targetRevision: must be a tag, chart version or commit in prod, not a branch or HEAD (got "main")',
                'ml-gitops:mlPlatform.targetRevision: must be a tag or commit in prod, not a branch or HEAD (got "main")',
                'ml-gitops:rayCluster.image.tag: must not be "latest" in prod: pin a Ray version (got "latest")',
            ],
        );
        assert.deepEqual(problemsOf({ environment: "prod", mlPlatform: { enabled: false } }), [], "a disabled ml-platform needs no pinned revision");
        assert.equal(parseConfig({ environment: "prod", mlPlatform: { enabled: false }, sync: { wait: false } }).sync.wait, false, "wait can be turned off");
        assert.equal(parseConfig({ environment: "dev", sync: { wait: true } }).sync.wait, true, "and on");
    });

    it("pins revisions only to whole tags, chart versions and 40-hex commits (the pattern is anchored at both ends)", () => {
        for (const rev of ["v1.2.3", "1.2.3", "1.2.3-rc.1", "1.2.3+build.5", "v10.20.30-alpha.1+meta", "0123456789abcdef0123456789abcdef01234567"])
            assert.ok(IMMUTABLE_REVISION.test(rev), rev);
        for (const rev of [
            "release-1.2.3",
            "1.2.3/fix",
            "1.2.3 ",
            " 1.2.3",
            "x1.2.3",
            "1.2",
            "V1.2.3",
            "main",
            "HEAD",
            "0123456789abcdef0123456789abcdef0123456",
            "0123456789abcdef0123456789abcdef012345678",
            "0123456789ABCDEF0123456789ABCDEF01234567",
            "branch-0123456789abcdef0123456789abcdef01234567",
            "",
        ])
            assert.equal(IMMUTABLE_REVISION.test(rev), false, JSON.stringify(rev));
    });

    it("requires exactly one of path and chart on an extra application, also when neither is set", () => {
        const msg = "set exactly one of path (git) and chart (helm repository)";
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({}) }), [`ml-gitops:applications.x.path: ${msg}`]);
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({ path: "p", chart: "c" }) }), [`ml-gitops:applications.x.path: ${msg} (got "p")`]);
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({ chart: "c" }) }), []);
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({ path: "p" }) }), []);
    });

    it("admits an extra app into the ML project only, and defaults it to project.name", () => {
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({ path: "p", project: "ml-dev" }) }), []);
        assert.equal(parseConfig({ environment: "dev", ...extra({ path: "p" }) }).applications.x.project, undefined);
        // The intruder: the Ray project admits ClusterRoleBindings, so its repository could bind cluster-admin.
        assert.deepEqual(problemsOf({ environment: "dev", ...extra({ path: "p", project: "ray-platform" }) }), [
            'ml-gitops:applications.x.project: must not be the Ray project ("ray-platform"): it admits cluster-scoped objects (KubeRay\'s ClusterRoles, bindings and CRDs) for KubeRay\'s own Applications only, so a repository added to it could grant itself cluster-admin; leave it unset for project.name ("ml-dev") (got "ray-platform")',
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", rayProject: { name: "kuberay" }, ...extra({ path: "p", project: "kuberay" }) }), [
            'ml-gitops:applications.x.project: must not be the Ray project ("kuberay"): it admits cluster-scoped objects (KubeRay\'s ClusterRoles, bindings and CRDs) for KubeRay\'s own Applications only, so a repository added to it could grant itself cluster-admin; leave it unset for project.name ("ml-dev") (got "kuberay")',
        ]);
    });

    it("refuses an extra app that deploys into Argo CD's own namespace, wherever that is", () => {
        const into = (ns: string) => ({
            environment: "dev",
            applications: { x: { repoURL: "https://g/x.git", targetRevision: "v1", path: "p", destination: { namespace: ns } } },
        });
        assert.deepEqual(problemsOf(into("argocd")), [
            'ml-gitops:applications.x.destination.namespace: must not be Argo CD\'s own namespace ("argocd"): an application there could rewrite Argo CD\'s Secrets, ConfigMaps and RBAC (got "argocd")',
        ]);
        assert.deepEqual(problemsOf({ ...into("gitops"), argocd: { namespace: "gitops" } }), [
            'ml-gitops:applications.x.destination.namespace: must not be Argo CD\'s own namespace ("gitops"): an application there could rewrite Argo CD\'s Secrets, ConfigMaps and RBAC (got "gitops")',
        ]);
        assert.deepEqual(problemsOf({ ...into("argocd"), argocd: { namespace: "gitops" } }), []);
    });

    it("requires a pagerdutyv2 subscription's recipient to be the PagerDuty service name; Slack recipients are free", () => {
        const cfg = (recipient: string, serviceName?: string) => ({
            environment: "dev",
            pagerdutyServiceKey: "k",
            slackToken: "t",
            notifications: {
                slack: { enabled: true },
                pagerduty: { enabled: true, ...(serviceName ? { serviceName } : {}) },
                subscriptions: {
                    raycluster: [
                        { trigger: "on-sync-failed", service: "pagerdutyv2", recipient },
                        { trigger: "on-sync-failed", service: "slack", recipient: "any-channel" },
                    ],
                },
            },
        });
        assert.deepEqual(problemsOf(cfg("ml-platform")), []);
        assert.deepEqual(problemsOf(cfg("ml-team")), [
            'ml-gitops:notifications.subscriptions.raycluster.0.recipient: must be the PagerDuty service name "ml-platform" (got "ml-team")',
        ]);
        assert.deepEqual(problemsOf(cfg("pd-ml", "pd-ml")), []);
        assert.deepEqual(problemsOf(cfg("ml-platform", "pd-ml")), [
            'ml-gitops:notifications.subscriptions.raycluster.0.recipient: must be the PagerDuty service name "pd-ml" (got "ml-platform")',
        ]);
    });

    it("checks default subscriptions' triggers and services, and skips every notification rule when notifications are off", () => {
        const notifications = {
            slack: { enabled: true },
            triggers: { "on-x": { when: "true", send: ["app-deployed"] } },
            defaultSubscriptions: [{ recipients: ["slack:ch", "pagerdutyv2:ml-platform"], triggers: ["on-x", "on-nope"] }],
        };
        assert.deepEqual(problemsOf({ environment: "dev", slackToken: "t", notifications }), [
            'ml-gitops:notifications.defaultSubscriptions.0.recipients.1: service "pagerdutyv2" is not enabled in notifications (got "pagerdutyv2:ml-platform")',
            'ml-gitops:notifications.defaultSubscriptions.0.triggers.1: unknown trigger "on-nope" (got "on-nope")',
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", notifications: { ...notifications, enabled: false } }), []);
        assert.deepEqual(problemsOf({ environment: "dev", notifications: { enabled: false, pagerduty: { enabled: true } } }), []);
    });

    it("knows subscriptions only for the applications the config declares", () => {
        const sub = (app: string) => ({
            environment: "dev",
            slackToken: "t",
            mlPlatform: { enabled: false },
            rayCluster: { enabled: false },
            ...extra({ path: "p" }),
            notifications: { slack: { enabled: true }, subscriptions: { [app]: [{ trigger: "on-deployed", service: "slack", recipient: "c" }] } },
        });
        assert.deepEqual(problemsOf(sub("x")), []);
        assert.deepEqual(problemsOf(sub("ray-operator")), []);
        assert.deepEqual(problemsOf(sub("ml-platform")), [
            'ml-gitops:notifications.subscriptions.ml-platform: unknown application "ml-platform"; known: ray-operator, ray-operator-crds, x (got [{"trigger":"on-deployed","service":"slack","recipient":"c"}])',
        ]);
    });

    it("requires a worker group only when the RayCluster is declared, and checks its name only then", () => {
        assert.deepEqual(problemsOf({ environment: "dev", rayCluster: { workerGroups: {} } }), [
            "ml-gitops:rayCluster.workerGroups: must declare at least one worker group (got {})",
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", rayCluster: { enabled: false, workerGroups: {}, fullnameOverride: "1x" } }), []);
        assert.deepEqual(problemsOf({ environment: "dev", rayCluster: { releaseName: "r".repeat(45) } }), [], "45 + '-kuberay' = 53");
    });

    it("derives Argo CD's URL: configured, else the Ingress host, else the in-cluster service", () => {
        assert.equal(parseConfig({ environment: "dev" }).argocd.url, "https://argocd-server.argocd.svc");
        assert.equal(parseConfig({ environment: "dev", argocd: { namespace: "cd" } }).argocd.url, "https://argocd-server.cd.svc");
        assert.equal(parseConfig({ environment: "dev", argocd: { ingress: { enabled: true, host: "cd.example.com" } } }).argocd.url, "https://cd.example.com");
        assert.equal(
            parseConfig({ environment: "dev", argocd: { ingress: { enabled: false, host: "cd.example.com" } } }).argocd.url,
            "https://argocd-server.argocd.svc",
        );
        assert.equal(
            parseConfig({ environment: "dev", argocd: { url: "https://x.example.com", ingress: { enabled: true, host: "h.example.com" } } }).argocd.url,
            "https://x.example.com",
        );
        // The chart names the Service after the release and its name values (argo-cd.server.fullname).
        const urlOf = (argocd: Record<string, unknown>) => parseConfig({ environment: "dev", argocd }).argocd.url;
        assert.equal(urlOf({ releaseName: "platform" }), "https://platform-argocd-server.argocd.svc");
        assert.equal(urlOf({ releaseName: "my-argocd" }), "https://my-argocd-server.argocd.svc", "a release that contains argocd is the chart's fullname");
        assert.equal(urlOf({ releaseName: "platform", values: { nameOverride: "cd" } }), "https://platform-cd-server.argocd.svc");
        assert.equal(urlOf({ releaseName: "platform", values: { nameOverride: "" } }), "https://platform-argo-cd-server.argocd.svc", "empty: the chart's name");
        assert.equal(
            urlOf({ releaseName: "platform", values: { nameOverride: null } }),
            "https://platform-argo-cd-server.argocd.svc",
            "null: helm deletes the default",
        );
        assert.equal(urlOf({ releaseName: "platform", values: { fullnameOverride: "gitops" } }), "https://gitops-server.argocd.svc");
        assert.equal(urlOf({ releaseName: "platform", values: { server: { name: "api" } } }), "https://platform-argocd-api.argocd.svc");
    });

    it("refuses SSO without a URL a browser can reach: argocd.url or an Ingress host", () => {
        const sso = { enabled: true, issuer: "https://login.acme.internal", clientID: "argocd" };
        assert.deepEqual(problemsOf({ environment: "dev", oidcClientSecret: "s", argocd: { sso } }), [
            "ml-gitops:argocd.url: is required when argocd.sso.enabled is true and there is no argocd.ingress: the identity provider sends the browser back to <url>/auth/callback, and the default (the argocd-server Service's in-cluster name) is not reachable from a browser",
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", oidcClientSecret: "s", argocd: { sso, url: "https://cd.acme.internal" } }), []);
        assert.deepEqual(problemsOf({ environment: "dev", oidcClientSecret: "s", argocd: { sso, ingress: { enabled: true, host: "cd.acme.internal" } } }), []);
    });

    it("reports problems sorted by key path, and shortens long values", () => {
        const long = "x".repeat(100);
        assert.deepEqual(problemsOf({ environment: "dev", project: { description: 5 }, argocd: { namespace: long }, zzz: 1, aaa: 2 }), [
            'ml-gitops:aaa: unknown key; did you mean "sync"?',
            `ml-gitops:argocd.namespace: must be at most 63 characters (got "${"x".repeat(76)}...)`,
            "ml-gitops:project.description: Invalid input: expected string, received number (got 5)",
            'ml-gitops:zzz: unknown key; did you mean "sync"?',
        ]);
        const e = new ConfigError(["b", "a"]);
        assert.equal(e.message, "invalid stack config (2 problems):\n  - b\n  - a");
        assert.equal(e.name, "ConfigError");
        assert.equal(new ConfigError(["only"]).message, "invalid stack config (1 problem):\n  - only");
    });

    it("suggests the key that contains the typo before the closest by edit distance", () => {
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { release: "x" } }), ['ml-gitops:argocd.release: unknown key; did you mean "releaseName"?']);
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { ingress: { hots: "x" } } }), [
            'ml-gitops:argocd.ingress.hots: unknown key; did you mean "host"?',
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", rayCluster: { head: { autoscaler: { versionx: "v1" } } } }), [
            'ml-gitops:rayCluster.head.autoscaler.versionx: unknown key; did you mean "version"?',
        ]);
        assert.deepEqual(
            problemsOf({
                environment: "dev",
                applications: { a: { repoURL: "https://x/y", targetRevision: "m", path: "p", destination: { namespace: "a", nmespace: "b" } } },
            }),
            ['ml-gitops:applications.a.destination.nmespace: unknown key; did you mean "namespace"?'],
        );
    });

    it("JSON-parses plain keys of its own namespace only, and never a secret's value", () => {
        assert.deepEqual(
            rawFromPulumiConfig({
                "ml-gitops:environment": "dev",
                "ml-gitops:rayCluster": '{"enabled":false}',
                "ml-gitops:count": "3",
                "ml-gitops:flag": "true",
                "ml-gitops:adminPassword": '{"not":"parsed"}',
                "ml-gitops:slackToken": "123",
                "ml-gitops:kubeconfig": "true",
                "ml-gitops:pagerdutyServiceKey": "null",
                "kubernetes:context": '{"x":1}',
                "pulumi:tags": "{}",
                "ml-gitops:": "empty name",
            }),
            {
                adminPassword: '{"not":"parsed"}',
                count: 3,
                environment: "dev",
                flag: true,
                kubeconfig: "true",
                pagerdutyServiceKey: "null",
                rayCluster: { enabled: false },
                slackToken: "123",
            },
        );
    });

    it("reports a plain-text secret together with the other problems, in one sorted list", async () => {
        const { error } = await runError({ environment: "dev", slackToken: "t", zeta: 1, argocd: { ha: "yes" } }, { plain: ["slackToken"] });
        assert.equal(
            error.message,
            [
                "invalid stack config (3 problems):",
                '  - ml-gitops:argocd.ha: Invalid input: expected boolean, received string (got "yes")',
                "  - ml-gitops:slackToken: must be a secret: pulumi config set --secret slackToken <value>",
                '  - ml-gitops:zeta: unknown key; did you mean "sync"?',
            ].join("\n"),
        );
    });
});

describe("how a parse's problems read (configErrors.ts, on schemas of its own)", () => {
    // A schema made in each test: the JSON Schema behind "did you mean" is computed once per schema
    // and kept, so a test on a schema another test already reported on would not reach that step.
    const schema = () =>
        z
            .object({
                roles: z.array(z.object({ name: z.string(), policies: z.array(z.string()) }).strict()).optional(),
                groups: z.record(z.string(), z.object({ replicas: z.number() }).strict()).optional(),
                either: z.union([z.object({ a: z.object({ x: z.object({}).strict() }).strict() }).strict(), z.string()]).optional(),
                keys: z
                    .object({ namespace: z.string(), name: z.string(), zone: z.string(), timeoutSeconds: z.number(), ab: z.string(), xyzxyzq: z.string() })
                    .partial()
                    .strict()
                    .optional(),
                kube: z.number().optional(),
                plain: z.string().optional(),
            })
            .strict();
    const problems = (raw: unknown, secretKeys?: string[]) => {
        try {
            parseArgs(schema(), raw, "X", secretKeys);
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.problems;
        }
        return [];
    };

    it("finds the keys an unknown key could have meant inside arrays and records, and offers none where the schema has no object", () => {
        assert.deepEqual(problems({ roles: [{ name: "a", policies: [], policiez: [] }] }), ['args.roles.0.policiez: unknown key; did you mean "policies"?']);
        assert.deepEqual(problems({ groups: { g: { replicas: 1, replicaz: 2 } } }), ['args.groups.g.replicaz: unknown key; did you mean "replicas"?']);
        assert.deepEqual(problems({ either: { a: { x: {} }, b: 2 } }), ["args.either.b: unknown key"]);
        assert.deepEqual(problems({ either: { a: { x: {}, y: 2 } } }), ["args.either.a.y: unknown key"]);
        assert.deepEqual(problems({ either: { a: { x: { q: 1 } } } }), ["args.either.a.x.q: unknown key"]);
    });

    it("prefers the shortest key that contains the typo, or that the typo contains, to the nearest by edit distance", () => {
        assert.deepEqual(problems({ keys: { timeout: 1, nam: "n", abxyzxyz: "x" } }), [
            'args.keys.abxyzxyz: unknown key; did you mean "ab"?',
            'args.keys.nam: unknown key; did you mean "name"?',
            'args.keys.timeout: unknown key; did you mean "timeoutSeconds"?',
        ]);
    });

    it("hides the value of a secret key, even one whose name does not say so, and shows others up to 80 characters", () => {
        assert.deepEqual(problems({ kube: "k", plain: 5 }, ["kube"]), [
            "args.kube: Invalid input: expected number, received string (got [secret])",
            "args.plain: Invalid input: expected string, received number (got 5)",
        ]);
        assert.deepEqual(problems({ kube: "k" }), ['args.kube: Invalid input: expected number, received string (got "k")'], "no secret keys by default");
        const exactly80 = "x".repeat(78); // 80 characters as JSON, with its quotes
        assert.deepEqual(problems({ kube: exactly80 }), [`args.kube: Invalid input: expected number, received string (got "${exactly80}")`]);
        assert.deepEqual(problems({ kube: `${exactly80}y` }), [`args.kube: Invalid input: expected number, received string (got "${"x".repeat(76)}...)`]);
    });

    it("leaves a ConfigError's stack replaceable, as Pulumi's error handling replaces it", () => {
        const descriptor = Object.getOwnPropertyDescriptor(new ConfigError(["x"]), "stack");
        assert.deepEqual([descriptor?.writable, descriptor?.configurable], [true, true]);
    });
});

describe("config rules the mutation run found untested", () => {
    const dev = (raw: Record<string, unknown>) => problemsOf({ environment: "dev", ...raw });

    it("refuses a retry limit of 0, a `g,` line written with a space before it, and a role name used twice (two different names pass)", () => {
        assert.deepEqual(dev({ sync: { retry: { limit: 0 } } }), [
            "ml-gitops:sync.retry.limit: must not be 0: Argo CD then never retries a failed sync (and the policy pack's application-retry-backoff refuses it); use 1 or more, or -1 for no limit (got 0)",
        ]);
        assert.deepEqual(
            dev({
                project: {
                    roles: [
                        { name: "b", policies: [" g, proj:ml-dev:b, x"] },
                        { name: "a", policies: [] },
                        { name: "b", policies: [] },
                    ],
                },
            }),
            [
                'ml-gitops:project.roles.0.policies.0: must be a `p,` line: a project role\'s groups are bound with its groups key (got " g, proj:ml-dev:b, x")',
                'ml-gitops:project.roles.2.name: repeats an earlier role\'s name (got "b")',
            ],
        );
    });

    it("needs argocd.url for SSO when the Ingress is off, even with a host set", () => {
        assert.deepEqual(
            dev({
                argocd: { sso: { enabled: true, issuer: "https://dex.example.com", clientID: "x" }, ingress: { enabled: false, host: "argocd.example.com" } },
                oidcClientSecret: "s",
            }),
            [
                "ml-gitops:argocd.url: is required when argocd.sso.enabled is true and there is no argocd.ingress: the identity provider sends the browser back to <url>/auth/callback, and the default (the argocd-server Service's in-cluster name) is not reachable from a browser",
            ],
        );
    });

    it("lists what notifications know, sorted: templates, triggers and applications", () => {
        assert.deepEqual(
            dev({
                notifications: {
                    templates: { zz: { message: "m" }, aa: { message: "m" } },
                    triggers: { "a-trigger": { when: "true", send: ["nope"] } },
                    subscriptions: { zapp: [{ trigger: "nope", service: "slack", recipient: "x" }] },
                },
            }),
            [
                'ml-gitops:notifications.subscriptions.zapp.0.service: service "slack" is not enabled in notifications (got "slack")',
                'ml-gitops:notifications.subscriptions.zapp.0.trigger: unknown trigger "nope"; known: a-trigger, on-deployed, on-health-degraded, on-sync-failed (got "nope")',
                'ml-gitops:notifications.subscriptions.zapp: unknown application "zapp"; known: ml-platform, ray-operator, ray-operator-crds, raycluster (got [{"trigger":"nope","service":"slack","recipient":"x"}])',
                'ml-gitops:notifications.triggers.a-trigger.send.0: unknown template "nope"; known: aa, app-deployed, app-health-degraded, app-sync-failed, zz (got "nope")',
            ],
        );
    });

    it("takes a GPU as its object form, and checks the RayCluster name a release name of exactly 53 characters gives", () => {
        const group = { replicas: 0, minReplicas: 0, maxReplicas: 1, cpu: 1, memory: "1Gi" };
        assert.deepEqual(dev({ rayCluster: { workerGroups: { g: { ...group, gpu: { count: 2 } } } } }), []);
        assert.equal(
            parseConfig({ environment: "dev", rayCluster: { workerGroups: { g: { ...group, gpu: { count: 2 } } } } }).rayCluster.workerGroups.g.gpu?.count,
            2,
        );
        const release = "a".repeat(53);
        assert.deepEqual(dev({ rayCluster: { releaseName: release } }), [
            `ml-gitops:rayCluster.releaseName: the RayCluster would be named "${release}-kuberay" (61 characters); KubeRay refuses RayCluster names over 53 characters (got "${release}")`,
        ]);
    });

    it("names the Kubernetes type of an unknown pod key, and admits runtimeClassName from KubeRay 1.6.0 itself", () => {
        assert.deepEqual(dev({ rayCluster: { head: { affinity: { nodeAffinityy: {} } } } }), [
            "ml-gitops:rayCluster.head.affinity.nodeAffinityy: unknown key in a Kubernetes Affinity (got {})",
        ]);
        assert.deepEqual(dev({ kuberay: { version: "1.6.0" }, rayCluster: { head: { runtimeClassName: "gvisor" } } }), []);
    });
});
