/**
 * The small pure pieces and component edges the stack-level tests do not pin: Argo CD's glob
 * matching, the value helpers, the argo-cd chart values per setting, the Release's own inputs, the
 * Notifications component's own checks, and MlPlatform's outputs. Literal expectations.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argoCdValues } from "../components/argocd";
import { parseConfig } from "../components/config";
import { destinationPermitted, globMatch, normalizeRepoUrl, resourcePermitted, sourcePermitted } from "./glob";
import { Notifications } from "../components/notifications";
import { Application, AppProject } from "../components/application";
import { MlPlatform } from "../components/platform";
import { isSupportedArgoCdVersion, isSupportedKuberayVersion } from "../components/versions";
import { healthDir } from "../components/healthChecks";
import { deepMerge, sortKeys, yamlText } from "../components/util";
import { evaluate, isSecret, recordedByLastEvaluation, reveal } from "../testing/engine";
import { byType, one, run, T } from "./harness";

describe("Argo CD glob matching (pure)", () => {
    it("matches *, ?, classes, negated classes, alternatives and escapes; everything else literally", () => {
        const yes: [string, string][] = [
            ["*", ""],
            ["a*c", "abbbc"],
            ["a?c", "abc"],
            ["[ab]x", "bx"],
            ["[!ab]x", "cx"],
            ["{x,y}z", "yz"],
            ["a\\*b", "a*b"],
            ["a.b", "a.b"],
            ["a[b", "a[b"],
            ["a}b", "a}b"],
            ["a,b", "a,b"],
            ["(a)+$^|/", "(a)+$^|/"],
            ["*", "line\nbreak"],
        ];
        const no: [string, string][] = [
            ["a?c", "ac"],
            ["[ab]x", "cx"],
            ["[!ab]x", "ax"],
            ["{x,y}z", "wz"],
            ["a\\*b", "axb"],
            ["a.b", "axb"],
            ["abc", "abcd"],
            ["abc", "zabc"],
            ["a+", "aa"],
            ["", "a"],
        ];
        for (const [p, t] of yes) assert.equal(globMatch(p, t), true, `${p} ~ ${JSON.stringify(t)}`);
        for (const [p, t] of no) assert.equal(globMatch(p, t), false, `${p} !~ ${JSON.stringify(t)}`);
    });

    it("normalises repo URLs: lower case, trailing slashes and .git dropped", () => {
        assert.equal(normalizeRepoUrl("https://GitHub.com/Org/Repo.git/"), "https://github.com/org/repo");
        assert.equal(normalizeRepoUrl("https://x/y//"), "https://x/y");
        assert.equal(normalizeRepoUrl("https://x/y.gitx"), "https://x/y.gitx");
        assert.equal(normalizeRepoUrl("https://x/git"), "https://x/git");
    });

    it("admits a source by any match unless a ! pattern denies it, in any order", () => {
        assert.equal(sourcePermitted([], "https://x/y"), false);
        assert.equal(sourcePermitted(["https://x/*"], "https://x/y"), true);
        assert.equal(sourcePermitted(["!https://x/y", "https://x/*"], "https://x/y"), false);
        assert.equal(sourcePermitted(["https://x/*", "!https://x/y.git"], "https://x/y"), false);
        assert.equal(sourcePermitted(["https://x/*", "!https://x/z"], "https://x/y"), true);
        assert.equal(sourcePermitted(["!https://x/z"], "https://x/y"), false, "a deny alone admits nothing");
    });

    it("admits a destination when server and namespace match one entry, and a ! namespace denies", () => {
        const d = [{ server: "https://k", namespace: "ml-*" }];
        assert.equal(destinationPermitted(d, "https://k", "ml-a"), true);
        assert.equal(destinationPermitted(d, "https://other", "ml-a"), false);
        assert.equal(destinationPermitted(d, "https://k", "ray"), false);
        assert.equal(destinationPermitted([{ namespace: "x" }], "https://k", "x"), false, "no server matches only an empty one");
        assert.equal(destinationPermitted([{ server: "https://k" }], "https://k", ""), true);
        assert.equal(destinationPermitted([...d, { server: "https://k", namespace: "!ml-b" }], "https://k", "ml-b"), false);
        assert.equal(destinationPermitted([...d, { server: "https://k", namespace: "!ml-b" }], "https://k", "ml-a"), true);
        assert.equal(destinationPermitted([{ server: "https://k", namespace: "!ml-b" }], "https://k", "ml-a"), false, "a deny admits nothing");
        assert.equal(destinationPermitted([...d, { server: "https://other", namespace: "!ml-a" }], "https://k", "ml-a"), true);
    });

    it("whitelists a kind when group and kind both match", () => {
        const list = [
            { group: "apps", kind: "*" },
            { group: "", kind: "Namespace" },
        ];
        assert.equal(resourcePermitted(list, "apps", "Deployment"), true);
        assert.equal(resourcePermitted(list, "", "Namespace"), true);
        assert.equal(resourcePermitted(list, "", "Service"), false);
        assert.equal(resourcePermitted(list, "batch", "Namespace"), false);
        assert.equal(resourcePermitted([], "", "Namespace"), false);
    });
});

describe("value helpers (pure)", () => {
    it("merges maps key by key and replaces scalars and lists, keeping the base for undefined", () => {
        assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: null }, f: 2 }), { a: { b: 1, c: [3], e: null }, d: 1, f: 2 });
        assert.deepEqual(deepMerge({ a: 1 }, undefined), { a: 1 });
        assert.equal(deepMerge({ a: 1 }, 5), 5);
        assert.deepEqual(deepMerge(5, { a: 1 }), { a: 1 });
        const base = { a: { b: 1 } };
        deepMerge(base, { a: { b: 2 } });
        assert.deepEqual(base, { a: { b: 1 } }, "the base is not modified");
    });

    it("sorts keys at every level, drops undefined values, and leaves class instances alone", () => {
        const d = new Date(0);
        const sorted = sortKeys({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined }, e: d });
        assert.equal(JSON.stringify(sorted), '{"a":{"d":[{"y":2,"z":1}]},"b":1,"e":"1970-01-01T00:00:00.000Z"}');
        assert.equal(sortKeys(sorted).e, d);
        const bare = Object.assign(Object.create(null) as Record<string, number>, { b: 1, a: 2 });
        assert.equal(JSON.stringify(sortKeys(bare)), '{"a":2,"b":1}', "a prototype-less object is a plain map");
        assert.equal(sortKeys(null), null);
    });

    it("writes YAML with sorted keys and no line folding", () => {
        assert.equal(yamlText({ b: "x ".repeat(60).trim(), a: 1 }), `a: 1\nb: ${"x ".repeat(60).trim()}\n`);
    });
});

describe("KubeRay versions (pure)", () => {
    it("accepts 1.5.1 through 1.7.x, a pre-release only above 1.5.1", () => {
        for (const v of ["1.5.1", "1.5.2", "1.6.0", "1.7.0", "1.7.12", "1.5.2-rc.1", "1.6.0-rc.0", "1.5.1+b"])
            assert.equal(isSupportedKuberayVersion(v), true, v);
        for (const v of ["1.5.0", "1.5.1-rc.1", "1.4.9", "1.8.0", "2.6.0", "0.7.0", "x", "1.5", "v1.6.0", "x1.7.0"])
            assert.equal(isSupportedKuberayVersion(v), false, v);
    });

    it("accepts Argo CD v3.4.z, with a pre-release, and nothing around it", () => {
        for (const v of ["v3.4.0", "v3.4.15", "v3.4.1-rc.1"]) assert.equal(isSupportedArgoCdVersion(v), true, v);
        for (const v of ["v3.5.0", "v3.4", "3.4.1", "xv3.4.1", "v3.4.1/x", "v3.4.1+b"]) assert.equal(isSupportedArgoCdVersion(v), false, v);
    });
});

describe("where the health checks are read from (pure)", () => {
    // A layout of its own: the project root holds health/<group>/<Kind>/health.lua; the module runs from
    // components/ (the sources) or one level deeper (bin/components, lib/components).
    let root: string;
    before(() => {
        root = mkdtempSync(join(tmpdir(), "ml-gitops-health-"));
        mkdirSync(join(root, "health", "ray.io"), { recursive: true });
        mkdirSync(join(root, "lib", "health"), { recursive: true }); // a health/ without the checks, nearer
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("finds health/ beside components/, or two levels up from a compiled copy, and says where it looked when it is missing", () => {
        assert.equal(healthDir(join(root, "components")), join(root, "health"));
        assert.equal(healthDir(join(root, "lib", "components")), join(root, "health"), "not lib/health, which lacks ray.io/");
        const elsewhere = join(root, "elsewhere", "deeper", "components");
        assert.throws(
            () => healthDir(elsewhere),
            (e: Error) =>
                e.message ===
                `ml-gitops: the Argo CD health checks are missing (looked for ${join(root, "elsewhere", "deeper", "health")} and ${join(root, "elsewhere", "health")})`,
        );
    });
});

describe("argo-cd chart values per setting (pure)", () => {
    const values = (argocd: Record<string, unknown>, notifications = false) =>
        argoCdValues(parseConfig({ environment: "dev", argocd }).argocd, notifications) as Record<string, Record<string, unknown>>;

    it("takes explicit replica counts over the HA default, each for its own component", () => {
        const v = values({ ha: true, replicas: { controller: 3, server: 4, repoServer: 5, applicationSet: 6 } });
        assert.deepEqual(
            ["controller", "server", "repoServer", "applicationSet"].map((k) => v[k].replicas),
            [3, 4, 5, 6],
        );
        const one = values({ replicas: { server: 7 } });
        assert.deepEqual(
            ["controller", "server", "repoServer", "applicationSet"].map((k) => one[k].replicas),
            [1, 7, 1, 1],
        );
    });

    it("sets the Ingress as configured: no class and no TLS by default, annotations kept; no global domain without it", () => {
        const v = values({ serviceType: "NodePort", ingress: { enabled: true, host: "cd.example.com", annotations: { a: "b" } } });
        assert.deepEqual(v.server, {
            ingress: { annotations: { a: "b" }, enabled: true, hostname: "cd.example.com", ingressClassName: "", tls: false },
            pdb: { enabled: false },
            replicas: 1,
            service: { type: "NodePort" },
        });
        assert.deepEqual(v.global, { domain: "cd.example.com", image: { tag: "v3.4.15" } });
        assert.deepEqual(v.configs.params, { "server.insecure": true });
        const plain = values({ ingress: { enabled: false, host: "cd.example.com" } });
        assert.deepEqual(plain.global, { image: { tag: "v3.4.15" } }, "the patched image, and no domain");
        assert.equal(plain.server.ingress, undefined);
        assert.equal(plain.configs.params, undefined);
    });

    it("leaves argocd-secret to the program (no secret in the values), and sets the notifications switch", () => {
        const v = values({ adminPasswordMtime: "2026-02-03T04:05:06Z" }, true);
        assert.deepEqual(v.configs.secret, { createSecret: false });
        assert.deepEqual(v.notifications, { argocdUrl: "https://argocd-server.argocd.svc", cm: { create: false }, enabled: true, secret: { create: false } });
    });
});

describe("the Argo CD release and password resources", () => {
    it("installs the release atomically, cleaning up on failure, with a 15-minute timeout, from the configured chart", async () => {
        const ev = await run({
            environment: "dev",
            notifications: { enabled: false },
            argocd: { namespace: "cd", releaseName: "cd", chartRepository: "https://charts.example.com", chartVersion: "10.0.0" },
        });
        const r = one(ev, T.release, "ml-argocd");
        assert.deepEqual(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "values")), {
            atomic: true,
            chart: "argo-cd",
            cleanupOnFail: true,
            compat: "true", // set by @pulumi/kubernetes itself
            name: "cd",
            namespace: "cd",
            repositoryOpts: { repo: "https://charts.example.com" },
            timeout: 900,
            version: "10.0.0",
        });
        assert.deepEqual(one(ev, T.namespace, "ml-argocd-ns").inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                labels: {
                    "app.kubernetes.io/part-of": "argocd",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
                name: "cd",
            },
        });
        assert.deepEqual(one(ev, T.randomPassword, "ml-argocd-admin-password").inputs, { length: 24, special: false });
        assert.deepEqual(reveal(ev.outputs.argocdNamespace), "cd");
    });

    it("owns argocd-secret (the hash and the fixed mtime, secret) and installs the release after it, whose values hold no secret", async () => {
        const ev = await run({ environment: "dev", adminPassword: "pw-4711", argocd: { namespace: "cd", adminPasswordMtime: "2026-02-03T04:05:06Z" } });
        const secret = one(ev, T.secret, "ml-argocd-secret");
        const { stringData, ...rest } = secret.inputs as { stringData: Record<string, unknown> };
        assert.deepEqual(rest, {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                annotations: { "helm.sh/resource-policy": "keep" },
                labels: { "app.kubernetes.io/name": "argocd-secret", "app.kubernetes.io/part-of": "argocd" },
                name: "argocd-secret",
                namespace: "cd",
            },
            type: "Opaque",
        });
        assert.ok(isSecret(stringData), "stringData is secret");
        const data = reveal(stringData) as Record<string, string>;
        assert.deepEqual(Object.keys(data), ["admin.password", "admin.passwordMtime"]);
        // bcrypt of "pw-4711" at cost 10, salted with the mock RandomBytes (sha256("ml-argocd-admin-salt"), 16 bytes): the
        // literal, which bcrypt.compareSync confirmed once (each compare costs a cost-10 hash, about 60 ms).
        assert.equal(data["admin.password"], "$2a$10$m9W20qHX0AS2kltNpFcot.lV0t4ElTY.T395cYeplbfC5ii0QdBjW");
        assert.equal(data["admin.passwordMtime"], "2026-02-03T04:05:06Z");
        const release = one(ev, T.release, "ml-argocd");
        assert.ok(release.dependencies.includes(secret.urn), "the release waits for argocd-secret");
        const values = release.inputs.values as { configs: { secret: unknown } };
        assert.equal(isSecret(values), false, "the values are plain: nothing secret went into them");
        assert.deepEqual(values.configs.secret, { createSecret: false });
        assert.ok(!JSON.stringify(reveal(release.inputs)).includes("$2a$"), "no hash in the release's inputs");
    });
});

describe("components used directly", () => {
    const opts = { project: "p", stack: "s", config: {}, secretKeys: [] };
    const notificationSettings = (n: Record<string, unknown>) =>
        parseConfig({ environment: "dev", slackToken: "t", pagerdutyServiceKey: "k", notifications: n }).notifications;

    it("Notifications refuses an enabled service without its token, naming the arg, before it registers anything", async () => {
        await assert.rejects(
            evaluate(() => new Notifications("n", { namespace: "argocd", settings: notificationSettings({ slack: { enabled: true } }), argocdUrl: "u" }), opts),
            (e: Error) =>
                e.message === 'invalid args of Notifications "n" (1 problem):\n  - args.slackToken: is required when notifications.slack.enabled is true',
        );
        assert.deepEqual(
            recordedByLastEvaluation().map((r) => r.type),
            ["pulumi:pulumi:Stack"],
            "nothing but the stack",
        );
        await assert.rejects(
            evaluate(
                () => new Notifications("n", { namespace: "argocd", settings: notificationSettings({ pagerduty: { enabled: true } }), argocdUrl: "u" }),
                opts,
            ),
            (e: Error) =>
                e.message ===
                'invalid args of Notifications "n" (1 problem):\n  - args.pagerdutyServiceKey: is required when notifications.pagerduty.enabled is true',
        );
    });

    it("Notifications never shows a token it refuses, even an empty one under a name that does not say it is secret", async () => {
        await assert.rejects(
            evaluate(
                () =>
                    new Notifications("n", {
                        settings: notificationSettings({ slack: { enabled: true }, pagerduty: { enabled: true } }),
                        slackToken: "",
                        pagerdutyServiceKey: "",
                    }),
                opts,
            ),
            (e: Error) =>
                e.message ===
                'invalid args of Notifications "n" (2 problems):\n' +
                    "  - args.pagerdutyServiceKey: is required when notifications.pagerduty.enabled is true (got [secret])\n" +
                    "  - args.slackToken: is required when notifications.slack.enabled is true (got [secret])",
        );
    });

    it("Notifications puts only the enabled services' tokens in its Secret", async () => {
        const ev = await evaluate(
            () =>
                new Notifications("n", {
                    namespace: "argocd",
                    settings: notificationSettings({ slack: { enabled: false }, pagerduty: { enabled: true } }),
                    argocdUrl: "u",
                    slackToken: "slack-unused",
                    pagerdutyServiceKey: "pd-key",
                }),
            opts,
        );
        const s = one(ev, T.secret, "n-secret");
        assert.deepEqual(reveal(s.inputs.stringData), { "pagerduty-service-key": "pd-key" });
        assert.equal(s.inputs.type, "Opaque");
        assert.deepEqual(
            byType(ev, T.configMap).map((r) => r.name),
            ["n-cm"],
        );
    });

    it("Application and AppProject without options: one object each, under the component, waiting for nothing, exposed as .resource", async () => {
        const ev = await evaluate(() => {
            const project = new AppProject("proj", {
                name: "team",
                namespace: "argocd",
                spec: { sourceRepos: ["https://git.example.com/*"], destinations: [{ server: "https://kubernetes.default.svc", namespace: "web" }] },
            });
            const app = new Application("app", {
                name: "web",
                namespace: "argocd",
                spec: {
                    project: "team",
                    source: { repoURL: "https://git.example.com/web", path: "k8s" },
                    destination: { server: "https://kubernetes.default.svc", namespace: "web" },
                },
            });
            return { projectUrn: project.resource.urn, appUrn: app.resource.urn, names: [project.projectName, app.appName] };
        }, opts);
        const project = one(ev, T.project, "proj");
        const app = one(ev, T.app, "app");
        assert.equal(project.parent, one(ev, "ml-gitops:argocd:AppProject", "proj").urn);
        assert.equal(app.parent, one(ev, "ml-gitops:argocd:Application", "app").urn);
        assert.deepEqual([project.dependencies, app.dependencies], [[], []]);
        // The project is created before its old self is deleted (a rename completes), the app deleted first.
        assert.deepEqual([project.options.deleteBeforeReplace, app.options.deleteBeforeReplace], [false, true]);
        assert.equal(reveal(ev.outputs.projectUrn), project.urn);
        assert.equal(reveal(ev.outputs.appUrn), app.urn);
        assert.deepEqual(reveal(ev.outputs.names), ["team", "web"]);
    });

    it("Application and AppProject hand their dependsOn down to the object", async () => {
        const ev = await evaluate(() => {
            const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "web" } });
            new AppProject("proj", { name: "team", namespace: "argocd", spec: { sourceRepos: ["*"], destinations: [] } }, { dependsOn: [ns] });
            new Application(
                "app",
                {
                    name: "web",
                    namespace: "argocd",
                    spec: { project: "team", source: { repoURL: "https://git.example.com/web" }, destination: { namespace: "web" } },
                },
                { dependsOn: [ns] },
            );
        }, opts);
        const ns = one(ev, T.namespace, "ns").urn;
        assert.deepEqual(one(ev, T.project, "proj").dependencies, [ns]);
        assert.deepEqual(one(ev, T.app, "app").dependencies, [ns]);
    });

    it("MlPlatform exposes the Argo CD it installed, and none when it reuses another's", async () => {
        let reusing: MlPlatform | undefined;
        const ev = await evaluate(() => {
            const installed = new MlPlatform("a", { settings: { environment: "dev", notifications: { enabled: false }, rayCluster: { enabled: false } } });
            reusing = new MlPlatform("b", {
                settings: {
                    environment: "dev",
                    argocd: { install: false, applicationNamePrefix: "b-" },
                    kuberay: { install: false, namespace: "ray-b" },
                    mlPlatform: { namespace: "ml-b" },
                    notifications: { enabled: false },
                    project: { name: "ml-b" },
                    rayCluster: { enabled: false },
                    rayProject: { name: "ray-b" },
                },
            });
            return { argocdUrn: installed.argocd?.urn };
        }, opts);
        assert.equal(reveal(ev.outputs.argocdUrn), one(ev, "ml-gitops:argocd:ArgoCd", "a-argocd").urn);
        assert.ok(reusing);
        assert.equal(reusing.argocd, undefined);
        assert.equal(byType(ev, "ml-gitops:argocd:ArgoCd").length, 1);
    });

    it("MlPlatform names a missing or empty secret as an arg of its own, a setting under args.settings, and never shows a secret", async () => {
        await assert.rejects(
            evaluate(
                () =>
                    new MlPlatform("mp", {
                        settings: {
                            environment: "dev",
                            notifications: { slack: { enabled: true }, pagerduty: { enabled: true } },
                            argocd: { namespace: "Argo" },
                        },
                        pagerdutyServiceKey: "",
                    }),
                opts,
            ),
            (e: Error) =>
                e.message ===
                'invalid args of MlPlatform "mp" (4 problems):\n' +
                    "  - args.pagerdutyServiceKey: is required when notifications.pagerduty.enabled is true: pulumi config set --secret pagerdutyServiceKey <key> (got [secret])\n" +
                    "  - args.pagerdutyServiceKey: must not be empty (got [secret])\n" +
                    "  - args.settings.argocd.namespace: must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit (got \"Argo\")\n" +
                    "  - args.slackToken: is required when notifications.slack.enabled is true: pulumi config set --secret slackToken <token>",
        );
    });

    it("MlPlatform reports its projects' names sorted", async () => {
        let p: MlPlatform | undefined;
        await evaluate(() => void (p = new MlPlatform("mp", { settings: { environment: "dev", project: { name: "zz-ml" } } })), opts);
        assert.deepEqual(p?.projectNames, ["ray-platform", "zz-ml"]);
    });

    it("MlPlatform takes secret Outputs as present secrets, and reports its names", async () => {
        let p: MlPlatform | undefined;
        const ev = await evaluate(() => {
            p = new MlPlatform("mp", {
                settings: { environment: "dev", notifications: { slack: { enabled: true } }, rayCluster: { enabled: false } },
                slackToken: pulumi.secret("tok"),
                adminPassword: pulumi.secret("pw-from-output"),
            });
            return { pw: p.adminPassword };
        }, opts);
        assert.ok(p);
        assert.deepEqual(p.applicationNames, ["ray-operator-crds", "ray-operator", "ml-platform"]);
        assert.deepEqual(p.projectNames, ["ml-dev", "ray-platform"]);
        assert.equal(p.rayClusterName, undefined);
        assert.equal(p.argocdUrl, "https://argocd-server.argocd.svc");
        assert.deepEqual(Object.keys(p.applications), ["ray-operator-crds", "ray-operator", "ml-platform"]);
        assert.equal(reveal(ev.outputs.pw), "pw-from-output");
        assert.deepEqual(reveal(one(ev, T.secret, "mp-notifications-secret").inputs.stringData), { "slack-token": "tok" });
        const platform = one(ev, "ml-gitops:platform:MlPlatform", "mp");
        assert.equal(platform.custom, false);
    });
});
