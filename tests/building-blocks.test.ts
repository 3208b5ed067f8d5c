/**
 * The building blocks used on their own, as a platform team composes them: `ArgoCd` and
 * `Notifications` take optional args with the config reference's defaults, and validate them
 * like MlPlatform does (every problem at once, each named as an arg, nothing registered).
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { ArgoCd } from "../components/argocd";
import { Notifications } from "../components/notifications";
import { evaluate, isSecret, recordedByLastEvaluation, reveal } from "../testing/engine";
import { one, T } from "./harness";

const opts = { project: "p", stack: "s", config: {}, secretKeys: [] };

describe("building blocks with their own args", () => {
    it("ArgoCd with no args: the defaults (namespace and release argocd, chart 10.1.1, one replica each, generated password)", async () => {
        const ev = await evaluate(() => new ArgoCd("a"), opts);
        assert.deepEqual(one(ev, T.namespace, "a-ns").inputs.metadata, {
            labels: {
                "app.kubernetes.io/part-of": "argocd",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
            name: "argocd",
        });
        const release = one(ev, T.release, "a").inputs;
        assert.equal(release.name, "argocd");
        assert.equal(release.version, "10.1.1");
        assert.deepEqual(release.repositoryOpts, { repo: "https://argoproj.github.io/argo-helm" });
        const values = reveal(release.values) as Record<string, Record<string, unknown>>;
        assert.deepEqual(values.notifications, { enabled: false });
        assert.deepEqual(values.server.replicas, 1);
        assert.equal((values.configs.cm as Record<string, unknown>).url, "https://argocd-server.argocd.svc");
        assert.deepEqual(one(ev, T.randomPassword, "a-admin-password").inputs, { length: 24, special: false });
        const component = ev.resources.find((r) => r.type === "ml-gitops:argocd:ArgoCd")!;
        assert.equal(one(ev, T.randomPassword, "a-admin-password").parent, component.urn, "the generated password is the component's child");
        assert.deepEqual(values.dex, { enabled: false }, "no Dex: SSO is OIDC directly");
        assert.equal((values.configs.rbac as Record<string, unknown>).scopes, "[groups]");
    });

    it("ArgoCd with SSO, notifications and two scopes: not prod-aware, so the admin login stays on; the OIDC secret never shown", async () => {
        const sso = { enabled: true, issuer: "https://login.acme.internal", clientID: "argocd" };
        const ev = await evaluate(
            () =>
                new ArgoCd("a", {
                    settings: { sso, rbac: { scopes: ["groups", "email"] }, url: "https://cd.acme.internal" },
                    oidcClientSecret: "s3cr3t",
                    notifications: true,
                }),
            opts,
        );
        const values = reveal(one(ev, T.release, "a").inputs.values) as Record<string, Record<string, unknown>>;
        assert.equal((values.configs.rbac as Record<string, unknown>).scopes, "[groups, email]");
        assert.equal((values.configs.cm as Record<string, unknown>)["admin.enabled"], true);
        assert.equal(ev.resources.filter((r) => r.type === T.randomPassword).length, 1);
        assert.deepEqual(values.notifications, {
            argocdUrl: "https://cd.acme.internal",
            cm: { create: false },
            enabled: true,
            secret: { create: false },
        });
        const given = await evaluate(() => new ArgoCd("c", { adminPassword: "pw" }), opts);
        const salt = one(given, T.randomBytes, "c-admin-salt");
        assert.equal(salt.parent, given.resources.find((r) => r.type === "ml-gitops:argocd:ArgoCd")!.urn, "a given password's salt is the component's child");
        await assert.rejects(
            evaluate(() => new ArgoCd("b", { settings: { sso, url: "https://cd.acme.internal" }, oidcClientSecret: "" }), opts),
            (e: Error) =>
                e.message === 'invalid args of ArgoCd "b" (1 problem):\n  - args.oidcClientSecret: is required when argocd.sso.enabled is true (got [secret])',
        );
    });

    // Issue 32's hand-made mutant "the OIDC client secret left unwrapped" (argocd.ts without its
    // pulumi.secret) is equivalent since argocd-secret became a kubernetes Secret: the SDK's Secret
    // makes stringData secret itself. This pins what users see: the value, secret, and no hash.
    it("ArgoCd given the OIDC client secret as a plain string, admin off: argocd-secret holds it alone, as a secret", async () => {
        const sso = { enabled: true, issuer: "https://login.acme.internal", clientID: "argocd" };
        let argo: ArgoCd | undefined;
        const ev = await evaluate(() => {
            argo = new ArgoCd("d", { settings: { sso, admin: { enabled: false }, url: "https://cd.acme.internal" }, oidcClientSecret: "s3cr3t" });
            return { password: argo.adminPassword };
        }, opts);
        assert.ok(pulumi.Output.isInstance(argo?.adminPassword), "adminPassword is an Output, of nothing");
        assert.equal(ev.outputs.password, undefined);
        const stringData = one(ev, T.secret, "d-secret").inputs.stringData;
        assert.deepEqual(reveal(stringData), { "oidc.clientSecret": "s3cr3t" });
        assert.ok(isSecret(stringData), "a plain string is secret in the state");
        assert.equal(ev.resources.filter((r) => r.type === T.randomPassword).length, 0);
    });

    it("ArgoCd refuses bad settings, naming each arg and the instance, before it registers anything", async () => {
        await assert.rejects(
            evaluate(() => new ArgoCd("a", { settings: { ingress: { enabled: true }, ha: true, releaseName: "Argo", namespce: "x" } as never }), opts),
            (e: Error) =>
                e.message ===
                'invalid args of ArgoCd "a" (3 problems):\n' +
                    "  - args.settings.ingress.host: is required when argocd.ingress.enabled is true\n" +
                    '  - args.settings.namespce: unknown key; did you mean "namespace"?\n' +
                    "  - args.settings.releaseName: must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit (got \"Argo\")",
        );
        assert.deepEqual(
            recordedByLastEvaluation().map((r) => r.type),
            ["pulumi:pulumi:Stack"],
            "nothing but the stack",
        );
    });

    it("Notifications with no args: the built-in triggers and templates, the in-cluster URL, an empty Secret", async () => {
        const ev = await evaluate(() => new Notifications("n"), opts);
        const cm = one(ev, T.configMap, "n-cm").inputs;
        assert.deepEqual(cm.metadata, { labels: { "app.kubernetes.io/part-of": "argocd" }, name: "argocd-notifications-cm", namespace: "argocd" });
        const data = reveal(cm.data) as Record<string, string>;
        assert.deepEqual(Object.keys(data), [
            "context",
            "template.app-deployed",
            "template.app-health-degraded",
            "template.app-sync-failed",
            "trigger.on-deployed",
            "trigger.on-health-degraded",
            "trigger.on-sync-failed",
        ]);
        assert.equal(data.context, "argocdUrl: https://argocd-server.argocd.svc\n");
        assert.deepEqual(one(ev, T.secret, "n-secret").inputs, {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { labels: { "app.kubernetes.io/part-of": "argocd" }, name: "argocd-notifications-secret", namespace: "argocd" },
            type: "Opaque",
        });
    });

    it("Notifications refuses an unknown template and a disabled service, naming the settings path; a token's value is never shown", async () => {
        await assert.rejects(
            evaluate(
                () =>
                    new Notifications("n", {
                        settings: {
                            triggers: { mine: { when: "true", send: ["nope"] } },
                            defaultSubscriptions: [{ recipients: ["slack:ops"], triggers: ["on-deployed"] }],
                        },
                        slackToken: "xoxb-secret",
                    }),
                opts,
            ),
            (e: Error) =>
                e.message ===
                    'invalid args of Notifications "n" (2 problems):\n' +
                        '  - args.settings.defaultSubscriptions.0.recipients.0: service "slack" is not enabled in notifications (got "slack:ops")\n' +
                        '  - args.settings.triggers.mine.send.0: unknown template "nope"; known: app-deployed, app-health-degraded, app-sync-failed (got "nope")' &&
                !e.message.includes("xoxb-secret"),
        );
        assert.deepEqual(
            recordedByLastEvaluation().map((r) => r.type),
            ["pulumi:pulumi:Stack"],
            "nothing but the stack",
        );
    });
});
