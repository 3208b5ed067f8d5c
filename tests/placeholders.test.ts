/**
 * Placeholders: prod refuses the example values (reserved example names, the seeds' GitHub
 * organisation `org`) before anything is registered, where it used to wait 900 s on a repository
 * that does not exist; dev and staging warn; the offline render of the committed prod stack warns.
 */
import * as assert from "node:assert/strict";
import { ROOT } from "../commands/cli";
import { renderStack } from "../commands/render";
import { loadStackConfig } from "../commands/stackConfig";
import { isPlaceholder, placeholdersIn } from "../components/placeholders";
import { PROD_ADMIN_WARNING } from "../components/platform";
import { evaluate, recordedByLastEvaluation } from "../testing/engine";
import { run, runError } from "./harness";

const refused = (key: string, value: string) => `${key}: "${value}" is a placeholder, which prod refuses: replace it with your own before the first pulumi up`;
const warned = (key: string, value: string) =>
    `${key}: "${value}" is a placeholder: what uses it cannot work until you replace it with your own (pulumi up refuses placeholders in prod)`;

/** The committed prod stack's four placeholders, in key order. */
const PROD_PLACEHOLDERS: [string, string][] = [
    ["ml-gitops:argocd.ingress.host", "argocd.ml.example.com"],
    ["ml-gitops:argocd.sso.issuer", "https://login.example.com/oauth2/default"],
    ["ml-gitops:mlPlatform.repoURL", "https://github.com/org/ml-platform-config"],
    ["ml-gitops:project.sourceRepos.0", "https://github.com/org/ml-models"],
];

const REAL = "https://git.acme.internal/ml-platform-config.git";
const prod = { environment: "prod", mlPlatform: { repoURL: REAL, targetRevision: "v1.0.0" } };

describe("placeholders", () => {
    it("are names reserved for examples, and repositories of the example organisation github.com/org", () => {
        const yes = [
            "https://github.com/org/ml-models",
            "https://github.com/org/*",
            "https://GitHub.com/org",
            "git@github.com:org/ml-models.git",
            "argocd.ml.example.com",
            "example.com",
            "https://login.example.com/oauth2/default",
            "ssh://git@git.example.org:22/x.git",
            "oci://charts.example.net/ray",
            "alerts@example.net",
            "https://ray.test/x",
            "svc.invalid",
            "https://host.example/x",
        ];
        const no = [
            "https://github.com/organisation/x",
            "https://github.com/acme/org",
            "https://gitlab.com/org/x",
            "https://example.company.com",
            "https://myexample.com/x",
            "argocd.e2e.localhost",
            "https://127.0.0.1:18443/git/ml-platform-config.git",
            "https://kubernetes.default.svc",
            "ml-team",
            "v1.0.0",
            "nginx",
            "test",
            "",
        ];
        assert.deepEqual(
            yes.filter((v) => !isPlaceholder(v)),
            [],
        );
        assert.deepEqual(
            no.filter((v) => isPlaceholder(v)),
            [],
        );
    });

    it("the committed prod stack, as the Pulumi CLI runs it, is refused before anything is registered, naming each key", async () => {
        const sc = loadStackConfig(ROOT, "prod");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index") as () => unknown;
        await assert.rejects(evaluate(program, { project: sc.project, stack: "prod", config: sc.config, secretKeys: sc.secretKeys }), (e: Error) => {
            assert.equal(e.message, `invalid stack config (4 problems):\n${PROD_PLACEHOLDERS.map(([k, v]) => `  - ${refused(k, v)}`).join("\n")}`);
            return true;
        });
        assert.deepEqual(
            recordedByLastEvaluation().filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("the offline render of the committed prod stack warns about the same four, and renders", async () => {
        const r = await renderStack("prod");
        assert.deepEqual(
            r.evaluation.warnings,
            PROD_PLACEHOLDERS.map(([k, v]) => warned(k, v)),
        );
        assert.equal(r.evaluation.resources.length, 24);
    });

    it("a prod stack that names its own repositories and hosts passes without a warning", async () => {
        const ev = await run({
            ...prod,
            project: { sourceRepos: ["https://git.acme.internal/ml-models.git"] },
            argocd: { ingress: { enabled: true, host: "argocd.acme.internal" } },
        });
        assert.deepEqual(ev.warnings, [PROD_ADMIN_WARNING]);
    });

    it("prod reports a placeholder beside the other problems, in one sorted list (the committed stack above shows a default's key)", async () => {
        const { error, resources } = await runError({
            environment: "prod",
            rayCluster: { image: { tag: "latest" } },
            applications: { web: { repoURL: "git@github.com:org/web.git", path: "k8s", targetRevision: "v2.0.0", destination: { namespace: "web" } } },
        });
        assert.deepEqual(
            resources.map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );
        assert.equal(
            error.message,
            [
                "invalid stack config (3 problems):",
                `  - ${refused("ml-gitops:applications.web.repoURL", "git@github.com:org/web.git")}`,
                "  - ml-gitops:mlPlatform.targetRevision: must be a tag or commit in prod, not a branch or HEAD",
                '  - ml-gitops:rayCluster.image.tag: must not be "latest" in prod: pin a Ray version (got "latest")',
            ].join("\n"),
        );
    });

    it("prod names a placeholder even when the schema fails, so that one preview lists every problem", async () => {
        const { error } = await runError({
            environment: "prod",
            kuberay: null,
            applications: { web: { repoURL: "git@github.com:org/web.git", path: "k8s" }, site: { repoURL: "https://github.com/org/site" } },
        });
        assert.equal(
            error.message,
            [
                "invalid stack config (7 problems):",
                "  - ml-gitops:applications.site.destination: is required",
                `  - ${refused("ml-gitops:applications.site.repoURL", "https://github.com/org/site")}`,
                "  - ml-gitops:applications.site.targetRevision: is required",
                "  - ml-gitops:applications.web.destination: is required",
                `  - ${refused("ml-gitops:applications.web.repoURL", "git@github.com:org/web.git")}`,
                "  - ml-gitops:applications.web.targetRevision: is required",
                "  - ml-gitops:kuberay: Invalid input: expected object, received null (got null)",
            ].join("\n"),
        );
    });

    it("an explicit argocd.url is checked; the one derived from the ingress host is not reported twice", async () => {
        const host = { ingress: { enabled: true, host: "cd.example.com" } };
        const derived = await run({ environment: "dev", mlPlatform: { repoURL: REAL }, argocd: host });
        assert.deepEqual(derived.warnings, [warned("ml-gitops:argocd.ingress.host", "cd.example.com")]);
        const explicit = await run({ environment: "dev", mlPlatform: { repoURL: REAL }, argocd: { url: "https://argocd.example.org" } });
        assert.deepEqual(explicit.warnings, [warned("ml-gitops:argocd.url", "https://argocd.example.org")]);
    });

    it("dev and staging warn and deploy; secret values are never read for placeholders", async () => {
        for (const environment of ["dev", "staging"]) {
            const ev = await run({ environment, kubeconfig: "clusters:\n- cluster:\n    server: https://k8s.example.com\n" });
            assert.deepEqual(ev.warnings, [warned("ml-gitops:mlPlatform.repoURL", "https://github.com/org/ml-platform-config")], environment);
            assert.ok(ev.resources.length > 20, environment);
        }
        const ev = await run({ ...prod, kubeconfig: "clusters:\n- cluster:\n    server: https://k8s.example.com\n" });
        assert.ok(!ev.warnings.join("\n").includes("k8s.example.com"));
    });
});

describe("placeholders in a raw config (pure)", () => {
    it("walks past null values and through lists, naming each placeholder's path", () => {
        assert.deepEqual(placeholdersIn({ a: null, b: [{ repoURL: "https://github.com/org/x" }], c: 3, slackToken: "https://github.com/org/secret" }, []), [
            { path: ["b", "0", "repoURL"], value: "https://github.com/org/x" },
        ]);
    });
});
