/**
 * Secure defaults: the patched Argo CD image, RBAC and SSO as config, AppProject roles, no shared
 * admin in prod once SSO is on (and a warning while it is not), the OIDC client secret kept in
 * argocd-secret only. Literal expectations.
 */
import * as assert from "node:assert/strict";
import { argoCdSecretData, argoCdValues } from "../components/argocd";
import { parseConfig } from "../components/config";
import { planProjects } from "../components/plan";
import { PROD_ADMIN_WARNING } from "../components/platform";
import { policyCsv, policyLineProblem } from "../components/rbacSettings";
import { isSupportedArgoCdVersion } from "../components/versions";
import { isSecret, reveal } from "../testing/engine";
import { byType, one, problemsOf, run, T } from "./harness";

const SSO = { enabled: true, issuer: "https://login.example.com", clientID: "argocd" };
/** SSO needs a URL a browser reaches (argocd.url or an Ingress host). */
const URL = "https://cd.acme.internal";

type Values = { configs: Record<string, Record<string, unknown>>; global: Record<string, unknown> };
const valuesOf = (raw: Record<string, unknown>) => argoCdValues(parseConfig(raw).argocd, false) as unknown as Values;

describe("Argo CD version (pure)", () => {
    it("defaults to the patched v3.4.15 image; accepts a 3.4 patch with or without the v; refuses another minor", () => {
        assert.deepEqual(valuesOf({ environment: "dev" }).global, { image: { tag: "v3.4.15" } });
        assert.deepEqual(valuesOf({ environment: "dev", argocd: { version: "3.4.15" } }).global, { image: { tag: "v3.4.15" } });
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { version: "v3.5.1" } }), [
            'ml-gitops:argocd.version: must be an Argo CD version v3.4.0 through v3.4.x, such as v3.4.15 (got "v3.5.1")',
        ]);
        for (const v of ["v3.4.0", "v3.4.13", "v3.4.15-rc1"]) assert.equal(isSupportedArgoCdVersion(v), true, v);
        for (const v of ["v3.5.0", "3.4.13", "v3.4", "v3.4.x", "latest"]) assert.equal(isSupportedArgoCdVersion(v), false, v);
    });
});

describe("RBAC as config (pure)", () => {
    it("dev: every logged-in user read-only, the group bindings then the extra lines in policy.csv, the groups claim", () => {
        const v = valuesOf({
            environment: "dev",
            argocd: {
                rbac: {
                    groups: { "ml-platform-admins": "role:admin", "data-team": "role:readonly" },
                    policies: ["p, role:ci, applications, sync, */*, allow"],
                },
            },
        });
        assert.deepEqual(v.configs.rbac, {
            "policy.csv": "g, data-team, role:readonly\ng, ml-platform-admins, role:admin\np, role:ci, applications, sync, */*, allow\n",
            "policy.default": "role:readonly",
            scopes: "[groups]",
        });
    });

    it("prod: no default role, so an SSO user in no bound group sees nothing; an explicit one is kept", () => {
        assert.equal(valuesOf({ environment: "prod", mlPlatform: { targetRevision: "v1.0.0" } }).configs.rbac["policy.default"], "");
        assert.equal(
            valuesOf({ environment: "prod", mlPlatform: { targetRevision: "v1.0.0" }, argocd: { rbac: { policyDefault: "role:readonly" } } }).configs.rbac[
                "policy.default"
            ],
            "role:readonly",
        );
        assert.equal(valuesOf({ environment: "staging" }).configs.rbac["policy.default"], "role:readonly");
    });

    it("checks each policy line and names it", () => {
        assert.deepEqual(
            problemsOf({
                environment: "dev",
                argocd: {
                    rbac: {
                        policies: [
                            "p, role:ci, applications, sync, */*, allow",
                            "p, role:ci, apps, sync, */*, allow",
                            "p, role:ci, applications, deploy, */*, allow",
                            "p, role:ci, applications, get, */*, maybe",
                            "p, role:ci, applications, get",
                            "g, ml-engineers",
                            "x, a, b",
                        ],
                        groups: { admins: "admin" },
                    },
                },
            }),
            [
                'ml-gitops:argocd.rbac.groups.admins: must be a role such as role:readonly, role:admin or a role of rbac.policies (got "admin")',
                'ml-gitops:argocd.rbac.policies.1: unknown resource "apps"; Argo CD\'s are accounts, applications, applicationsets, certificates, clusters, exec, extensions, gpgkeys, logs, projects, repositories, write-repositories (got "p, role:ci, apps, sync, */*, allow")',
                'ml-gitops:argocd.rbac.policies.2: unknown action "deploy"; Argo CD\'s are action, create, delete, get, invoke, override, sync, update (or *) (got "p, role:ci, applications, deploy, */*, allow")',
                'ml-gitops:argocd.rbac.policies.3: the effect must be allow or deny, not "maybe" (got "p, role:ci, applications, get, */*, maybe")',
                'ml-gitops:argocd.rbac.policies.4: must be `p, <subject>, <resource>, <action>, <object>, <effect>` (got "p, role:ci, applications, get")',
                'ml-gitops:argocd.rbac.policies.5: must be `g, <group or user>, <role>` (got "g, ml-engineers")',
                'ml-gitops:argocd.rbac.policies.6: must start with `p,` (a permission) or `g,` (a group or user bound to a role) (got "x, a, b")',
            ],
        );
        assert.equal(policyLineProblem("p, proj:ml:eng, applications, action/apps/Deployment/restart, ml/*, allow"), undefined);
        assert.equal(policyLineProblem("p, role:x, logs, get, */*, deny"), undefined);
        assert.equal(policyLineProblem("g, team, role:readonly"), undefined);
        assert.equal(policyLineProblem("p, role:x, *, *, */*, allow"), undefined, "wildcard resource and action");
        for (const line of ["g, , role:x", "g, team, ", "g, a, b, c"]) assert.equal(policyLineProblem(line), "must be `g, <group or user>, <role>`", line);
        for (const line of ["p, role:x, applications, get, , allow", "p, , applications, get, */*, allow"])
            assert.equal(policyLineProblem(line), "must be `p, <subject>, <resource>, <action>, <object>, <effect>`", line);
    });

    it("writes policy.csv trimmed, and nothing at all without bindings or lines; scopes are free without SSO", () => {
        assert.equal(policyCsv({ groups: {}, policies: [] }), "");
        assert.equal(
            policyCsv({ groups: { b: "role:x", a: "role:y" }, policies: ["  p, role:x, logs, get, */*, allow  "] }),
            "g, a, role:y\ng, b, role:x\np, role:x, logs, get, */*, allow\n",
        );
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { rbac: { scopes: ["email"] } } }), []);
    });
});

describe("SSO as config (pure)", () => {
    it("writes oidc.config with the secret only referenced, and the secret into the program's argocd-secret, not the values", () => {
        const config = parseConfig({ environment: "dev", oidcClientSecret: "s3cr3t", argocd: { sso: SSO, url: URL } });
        const v = valuesOf({ environment: "dev", oidcClientSecret: "s3cr3t", argocd: { sso: SSO, url: URL } });
        assert.equal(
            v.configs.cm["oidc.config"],
            "clientID: argocd\nclientSecret: $oidc.clientSecret\nissuer: https://login.example.com\nname: SSO\nrequestedIDTokenClaims:\n  groups:\n    essential: true\nrequestedScopes:\n  - openid\n  - profile\n  - email\n  - groups\n",
        );
        assert.deepEqual(v.configs.secret, { createSecret: false });
        assert.deepEqual(argoCdSecretData(config.argocd, "HASH", "s3cr3t"), {
            "admin.password": "HASH",
            "admin.passwordMtime": "2025-01-01T00:00:00Z",
            "oidc.clientSecret": "s3cr3t",
        });
        assert.deepEqual(argoCdSecretData({ ...config.argocd, admin: { enabled: false } }, "HASH", "s3cr3t"), { "oidc.clientSecret": "s3cr3t" });
        // Without a hash or a client secret given, no key at all (not one holding undefined).
        assert.deepEqual(argoCdSecretData(config.argocd, undefined, undefined), {});
        assert.deepEqual(argoCdSecretData({ ...config.argocd, sso: { ...config.argocd.sso, enabled: false } }, "HASH", "s3cr3t"), {
            "admin.password": "HASH",
            "admin.passwordMtime": "2025-01-01T00:00:00Z",
        });
        assert.equal(v.configs.cm["admin.enabled"], true, "dev keeps admin beside SSO");
    });

    it("asks the provider for the configured groups claim, not a fixed one", () => {
        const v = valuesOf({
            environment: "dev",
            oidcClientSecret: "s",
            argocd: { sso: { ...SSO, groupsClaim: "roles" }, rbac: { scopes: ["roles"] }, url: URL },
        });
        assert.match(String(v.configs.cm["oidc.config"]), /\nrequestedIDTokenClaims:\n {2}roles:\n {4}essential: true\n/);
        assert.doesNotMatch(String(v.configs.cm["oidc.config"]), /groups:/);
        assert.equal(v.configs.rbac.scopes, "[roles]");
    });

    it("refuses SSO without its issuer, client id, secret or openid scope, and scopes that miss the groups claim", () => {
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { sso: { enabled: true, requestedScopes: ["email"], groupsClaim: "roles" }, url: URL } }), [
            'ml-gitops:argocd.rbac.scopes: must include argocd.sso.groupsClaim ("roles"), or no group binding ever matches',
            "ml-gitops:argocd.sso.clientID: is required when argocd.sso.enabled is true",
            "ml-gitops:argocd.sso.issuer: is required when argocd.sso.enabled is true",
            'ml-gitops:argocd.sso.requestedScopes: must include "openid" (got ["email"])',
            "ml-gitops:oidcClientSecret: is required when argocd.sso.enabled is true: pulumi config set --secret oidcClientSecret <secret>",
        ]);
        assert.deepEqual(problemsOf({ environment: "dev", argocd: { admin: { enabled: false } } }), [
            "ml-gitops:argocd.admin.enabled: must stay true without argocd.sso: no one could log in to Argo CD (got false)",
        ]);
    });
});

describe("AppProject roles", () => {
    it("turns a role's actions into policy lines on the project's applications; checks its own lines", () => {
        const ev = parseConfig({
            environment: "dev",
            project: {
                roles: [
                    {
                        name: "ml-engineer",
                        actions: ["get", "sync"],
                        groups: ["ml-engineers"],
                        policies: ["p, proj:ml-dev:ml-engineer, logs, get, ml-dev/*, allow"],
                    },
                ],
            },
        });
        assert.deepEqual(ev.project.roles[0].actions, ["get", "sync"]);
        assert.deepEqual(
            problemsOf({
                environment: "dev",
                project: {
                    roles: [
                        {
                            name: "eng",
                            policies: [
                                "p, proj:other:eng, applications, get, ml-dev/*, allow",
                                "p, proj:ml-dev:eng, applications, get, other/*, allow",
                                "g, team, role:admin",
                                "p, proj:ml-dev:eng, applications, fly, ml-dev/*, allow",
                            ],
                        },
                    ],
                },
            }),
            [
                'ml-gitops:project.roles.0.policies.0: the subject must be the role itself, proj:ml-dev:eng (got "p, proj:other:eng, applications, get, ml-dev/*, allow")',
                'ml-gitops:project.roles.0.policies.1: the object must be in the project: ml-dev/<application>, ml-dev/<namespace>/<application> or ml-dev/* (got "p, proj:ml-dev:eng, applications, get, other/*, allow")',
                'ml-gitops:project.roles.0.policies.2: must be a `p,` line: a project role\'s groups are bound with its groups key (got "g, team, role:admin")',
                'ml-gitops:project.roles.0.policies.3: unknown action "fly": Argo CD\'s are create, delete, get, override, sync, update, *, or action/<group>/<kind>/<action> (update/… and delete/… for sub-resources) (got "p, proj:ml-dev:eng, applications, fly, ml-dev/*, allow")',
            ],
        );
    });

    // argo-cd v3.4 validatePolicy / validateGroupName, which Argo CD runs only on `argocd proj role` edits.
    it("refuses what Argo CD's validatePolicy refuses, line by line", () => {
        const lines = [
            "p, proj:ml-dev:eng, applications, get, ml-dev-other/app, allow",
            "p, proj:ml-dev:eng, applications, action, ml-dev/*, allow",
            "p, proj:ml-dev:eng, projects, get, ml-dev/*, allow",
            "p, proj:ml-dev:eng, applications, get, ml-dev/*, Allow",
            "p, proj:ml-dev:eng, applications,\tget, ml-dev/*, allow",
            "p, proj:ml-dev:eng, applications, get, ml-dev/a/b/c, allow",
            "p, proj:ml-dev:eng, applications, get, ml-dev/*",
        ];
        const of = (i: number) => `ml-gitops:project.roles.0.policies.${i}`;
        const ACTIONS =
            "Argo CD's are create, delete, get, override, sync, update, *, or action/<group>/<kind>/<action> (update/… and delete/… for sub-resources)";
        const OBJECT = "the object must be in the project: ml-dev/<application>, ml-dev/<namespace>/<application> or ml-dev/*";
        assert.deepEqual(problemsOf({ environment: "dev", project: { roles: [{ name: "eng", policies: lines }] } }), [
            `${of(0)}: ${OBJECT} (got "${lines[0]}")`,
            `${of(1)}: unknown action "action": ${ACTIONS} (got "${lines[1]}")`,
            `${of(2)}: a project role's resource must be one of applications, applicationsets, clusters, exec, logs, repositories, not "projects" (got "${lines[2]}")`,
            `${of(3)}: the effect must be allow or deny, not "Allow" (got "${lines[3]}")`,
            `${of(4)}: unknown action "\\tget": ${ACTIONS} (got "p, proj:ml-dev:eng, applications,\\tget, ml-dev/*, allow")`,
            `${of(5)}: ${OBJECT} (got "${lines[5]}")`,
            `${of(6)}: must be \`p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow|deny\` (got "${lines[6]}")`,
        ]);
        const good = [
            "p, proj:ml-dev:eng, applications, action/apps/Deployment/restart, ml-dev/*, allow",
            "p, proj:ml-dev:eng, applications, update/*, ml-dev/serving/app-1, deny",
            "p, proj:ml-dev:eng, logs, get, ml-dev/app.v2, allow",
            "p,proj:ml-dev:eng,exec,*,ml-dev/*,allow",
        ];
        assert.deepEqual(problemsOf({ environment: "dev", project: { roles: [{ name: "eng", policies: good }] } }), []);
    });

    it("refuses repeated roles, lines and groups, and groups Argo CD would refuse", () => {
        const line = "p, proj:ml-dev:eng, logs, get, ml-dev/*, allow";
        assert.deepEqual(
            problemsOf({
                environment: "dev",
                project: {
                    roles: [{ name: "eng", policies: [line, line], groups: ["a,b", " lead", "ops ", 'x"y', '""', "ops", "ops", '"a,b"'] }, { name: "eng" }],
                },
            }),
            [
                'ml-gitops:project.roles.0.groups.0: contains a comma: quote it ("…"), as Argo CD requires (got "a,b")',
                'ml-gitops:project.roles.0.groups.1: starts with a space (got " lead")',
                'ml-gitops:project.roles.0.groups.2: ends with a space (got "ops ")',
                'ml-gitops:project.roles.0.groups.3: contains a quote, a tab or a line break (got "x\\"y")',
                'ml-gitops:project.roles.0.groups.4: is empty (got "\\"\\"")',
                'ml-gitops:project.roles.0.groups.6: repeats an earlier group (got "ops")',
                `ml-gitops:project.roles.0.policies.1: repeats an earlier line (got "${line}")`,
                'ml-gitops:project.roles.1.name: repeats an earlier role\'s name (got "eng")',
            ],
        );
    });

    it("renders `action` as action/*: Argo CD asks for action/<group>/<kind>/<action>, which a bare `action` never matches", () => {
        const c = parseConfig({ environment: "dev", project: { roles: [{ name: "ops", actions: ["get", "action"] }] } });
        assert.deepEqual(planProjects(c)[0].spec.roles?.[0].policies, [
            "p, proj:ml-dev:ops, applications, get, ml-dev/*, allow",
            "p, proj:ml-dev:ops, applications, action/*, ml-dev/*, allow",
        ]);
    });

    it("renders the role into the AppProject", async () => {
        const ev = await run({
            environment: "dev",
            project: { roles: [{ name: "ml-engineer", description: "syncs", actions: ["get", "sync"], groups: ["ml-engineers"] }] },
        });
        const project = one(ev, T.project, "ml-project");
        assert.deepEqual((project.inputs.spec as { roles: unknown }).roles, [
            {
                description: "syncs",
                groups: ["ml-engineers"],
                name: "ml-engineer",
                policies: ["p, proj:ml-dev:ml-engineer, applications, get, ml-dev/*, allow", "p, proj:ml-dev:ml-engineer, applications, sync, ml-dev/*, allow"],
            },
        ]);
    });
});

describe("no shared admin in prod", () => {
    // Real-looking names: prod refuses the placeholders (example.com, github.com/org).
    const repoURL = "https://git.acme.internal/ml-platform-config.git";
    const prod = { environment: "prod", mlPlatform: { repoURL, targetRevision: "v1.0.0" } };
    const PROD_SSO = { ...SSO, issuer: "https://login.acme.internal" };

    it("prod with SSO: admin off, no password generated or exported, the client secret a secret in argocd-secret only", async () => {
        const ev = await run({ ...prod, oidcClientSecret: "oidc-s3cr3t", argocd: { sso: PROD_SSO, url: URL } });
        assert.equal(byType(ev, T.randomPassword).length, 0);
        assert.equal(byType(ev, T.randomBytes).length, 0);
        assert.equal("adminPassword" in ev.outputs, false);
        const values = one(ev, T.release, "ml-argocd").inputs.values as Record<string, unknown>;
        const configs = (reveal(values) as Values).configs;
        assert.equal(configs.cm["admin.enabled"], false);
        assert.deepEqual(configs.secret, { createSecret: false });
        assert.ok(!JSON.stringify(reveal(values)).includes("oidc-s3cr3t"), "never in the release's values");
        const stringData = one(ev, T.secret, "ml-argocd-secret").inputs.stringData;
        assert.ok(isSecret(stringData), "the client secret stays secret");
        assert.deepEqual(reveal(stringData), { "oidc.clientSecret": "oidc-s3cr3t" }, "no admin hash: admin is off");
        assert.ok(!JSON.stringify(byType(ev, T.configMap).map((r) => r.inputs)).includes("oidc-s3cr3t"), "never in a ConfigMap");
        assert.deepEqual(ev.warnings, []);
    });

    it("prod without SSO: admin kept, exported, and one warning naming argocd.sso", async () => {
        const ev = await run({ ...prod });
        assert.equal(byType(ev, T.randomPassword).length, 1);
        assert.ok("adminPassword" in ev.outputs);
        assert.deepEqual(ev.warnings, [PROD_ADMIN_WARNING]);
        assert.equal(
            PROD_ADMIN_WARNING,
            "prod keeps Argo CD's shared admin login because argocd.sso is not enabled: set argocd.sso (enabled, issuer, clientID) and the oidcClientSecret secret, and prod turns the admin login off",
        );
    });

    it("dev never warns; prod with an explicit admin.enabled: true beside SSO keeps admin and does not warn", async () => {
        assert.deepEqual((await run({ environment: "dev", mlPlatform: { repoURL } })).warnings, []);
        const ev = await run({ ...prod, oidcClientSecret: "x", argocd: { sso: PROD_SSO, admin: { enabled: true }, url: URL } });
        assert.equal(byType(ev, T.randomPassword).length, 1);
        assert.deepEqual(ev.warnings, []);
    });
});
