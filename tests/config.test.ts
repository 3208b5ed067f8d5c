import * as assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ConfigError, parseConfig } from "../components/config";
import { ROOT, renderStack } from "../commands/render";
import { loadStackConfig, StackFileError } from "../commands/stackConfig";
import { runError, T } from "./harness";
import { startJs } from "./scratch";

const DNS = "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit";
const QTY = "must be a Kubernetes quantity such as 500m, 2, 4Gi or 1G";
const VER = "must be an exact version such as 1.2.3 (no 'v', ranges or 'latest')";
const URL = "must be an https://, ssh:// or git@host:path URL (or oci:// for a helm registry)";
const REV = "must be a non-empty revision (branch, tag, commit or chart version)";

const wg = (o: object) => ({ rayCluster: { workerGroups: { g: { replicas: 1, minReplicas: 0, maxReplicas: 2, cpu: "1", memory: "1Gi", ...o } } } });
const app = (o: object) => ({
    applications: { x: { repoURL: "https://git.acme.internal/x.git", targetRevision: "v1.0.0", path: "deploy", destination: { namespace: "x" }, ...o } },
});
const prod = { environment: "prod", mlPlatform: { targetRevision: "v1.0.0" } };

/** [section, what, config (environment dev unless set), the one expected problem]. */
type BadConfigRow = [section: string, what: string, config: Record<string, unknown>, problem: string];
const CASES: BadConfigRow[] = [
    ["top level", "an unknown key, with the nearest valid one", { argcd: {} }, 'ml-gitops:argcd: unknown key; did you mean "argocd"?'],
    [
        "top level",
        "an unknown environment",
        { environment: "production" },
        'ml-gitops:environment: Invalid option: expected one of "dev"|"staging"|"prod" (got "production")',
    ],
    ["top level", "an empty secret, without echoing it", { adminPassword: "" }, "ml-gitops:adminPassword: must not be empty (got [secret])"],
    ["argocd", "a namespace that is not a DNS label", { argocd: { namespace: "ArgoCD" } }, `ml-gitops:argocd.namespace: ${DNS} (got "ArgoCD")`],
    ["argocd", "a chart version that is not exact", { argocd: { chartVersion: "10.1" } }, `ml-gitops:argocd.chartVersion: ${VER} (got "10.1")`],
    [
        "argocd",
        "an unknown service type",
        { argocd: { serviceType: "Ingress" } },
        'ml-gitops:argocd.serviceType: Invalid option: expected one of "ClusterIP"|"NodePort"|"LoadBalancer" (got "Ingress")',
    ],
    [
        "argocd",
        "an ingress without a host",
        { argocd: { ingress: { enabled: true } } },
        "ml-gitops:argocd.ingress.host: is required when argocd.ingress.enabled is true",
    ],
    [
        "argocd",
        "a release name helm refuses",
        { argocd: { releaseName: "a".repeat(54) } },
        `ml-gitops:argocd.releaseName: must be at most 53 characters (helm's limit for release names) (got "${"a".repeat(54)}")`,
    ],
    [
        "argocd",
        "a release name at which the chart's names collide",
        { argocd: { releaseName: "a".repeat(53) } },
        `ml-gitops:argocd.releaseName: must be at most 52 characters: the argo-cd chart cuts its object names to 63, so the repo server's and redis's objects would both be named "${"a".repeat(53)}-argocd-re" (got "${"a".repeat(53)}")`,
    ],
    [
        "argocd",
        "an HA release name whose redis-ha StatefulSet name is too long",
        { argocd: { ha: true, releaseName: "a".repeat(37) } },
        `ml-gitops:argocd.releaseName: with argocd.ha the redis-ha StatefulSet would be named "${"a".repeat(37)}-redis-ha-server" (53 characters); a StatefulSet name must be at most 52 characters, or its pods are refused (got "${"a".repeat(37)}")`,
    ],
    [
        "rayCluster",
        "a release name that makes the RayCluster name too long for KubeRay",
        { rayCluster: { releaseName: "r".repeat(46) } },
        `ml-gitops:rayCluster.releaseName: the RayCluster would be named "${"r".repeat(46)}-kuberay" (54 characters); KubeRay refuses RayCluster names over 53 characters (got "${"r".repeat(46)}")`,
    ],
    [
        "rayCluster",
        "a release name helm refuses, reported once",
        { rayCluster: { releaseName: "r".repeat(54) } },
        `ml-gitops:rayCluster.releaseName: must be at most 53 characters (helm's limit for release names) (got "${"r".repeat(54)}")`,
    ],
    [
        "rayCluster",
        "a fullnameOverride that is not a DNS-1035 label",
        { rayCluster: { fullnameOverride: "1ray" } },
        `ml-gitops:rayCluster.fullnameOverride: the RayCluster would be named "1ray", which KubeRay refuses: it must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit) (got "1ray")`,
    ],
    ["argocd", "a misspelt nested key", { argocd: { replicas: { repo: 2 } } }, 'ml-gitops:argocd.replicas.repo: unknown key; did you mean "repoServer"?'],
    ["kuberay", "a namespace with an underscore", { kuberay: { namespace: "ray_system" } }, `ml-gitops:kuberay.namespace: ${DNS} (got "ray_system")`],
    ["kuberay", "a version with a v", { kuberay: { version: "v1.5.1" } }, `ml-gitops:kuberay.version: ${VER} (got "v1.5.1")`],
    ...["1.5.0", "1.5.1-rc.0", "1.8.0", "2.0.0", "0.6.0"].map((version): BadConfigRow => [
        "kuberay",
        `an untested version ${version}`,
        { kuberay: { version } },
        `ml-gitops:kuberay.version: must be 1.5.1 through 1.7.x, the KubeRay versions this release renders and tests (got "${version}")`,
    ]),
    [
        "rayCluster",
        "a worker group name that is not a DNS label",
        { rayCluster: { workerGroups: { GPU_workers: { replicas: 1, minReplicas: 0, maxReplicas: 2, cpu: "1", memory: "1Gi" } } } },
        `ml-gitops:rayCluster.workerGroups.GPU_workers: the name "GPU_workers" ${DNS}`,
    ],
    [
        "rayCluster",
        "minReplicas above replicas",
        wg({ minReplicas: 2, replicas: 1 }),
        "ml-gitops:rayCluster.workerGroups.g.minReplicas: must be ≤ replicas (1) (got 2)",
    ],
    [
        "rayCluster",
        "replicas above maxReplicas",
        wg({ replicas: 3, maxReplicas: 2 }),
        "ml-gitops:rayCluster.workerGroups.g.replicas: must be ≤ maxReplicas (2) (got 3)",
    ],
    ["rayCluster", "maxReplicas of zero", wg({ replicas: 0, maxReplicas: 0 }), "ml-gitops:rayCluster.workerGroups.g.maxReplicas: must be at least 1 (got 0)"],
    ["rayCluster", "a negative minReplicas", wg({ minReplicas: -1 }), "ml-gitops:rayCluster.workerGroups.g.minReplicas: must be at least 0 (got -1)"],
    ["rayCluster", "a CPU that is not a quantity", wg({ cpu: "1 core" }), `ml-gitops:rayCluster.workerGroups.g.cpu: ${QTY} (got "1 core")`],
    ["rayCluster", "a memory that is not a quantity", wg({ memory: "4GB" }), `ml-gitops:rayCluster.workerGroups.g.memory: ${QTY} (got "4GB")`],
    [
        "rayCluster",
        "a GPU that is not a whole number",
        wg({ gpu: "one" }),
        `ml-gitops:rayCluster.workerGroups.g.gpu: must be a whole number of GPUs, or {count, resource, nodeSelector, tolerations} (got "one")`,
    ],
    ["rayCluster", "a misspelt worker key", wg({ cpus: "2" }), 'ml-gitops:rayCluster.workerGroups.g.cpus: unknown key; did you mean "cpu"?'],
    [
        "rayCluster",
        "a hand-set resources start param",
        wg({ rayStartParams: { resources: "{}" } }),
        'ml-gitops:rayCluster.workerGroups.g.rayStartParams.resources: is generated from the group name; remove it (got "{}")',
    ],
    [
        "rayCluster",
        "a bad pull policy",
        { rayCluster: { image: { pullPolicy: "always" } } },
        'ml-gitops:rayCluster.image.pullPolicy: Invalid option: expected one of "Always"|"IfNotPresent"|"Never" (got "always")',
    ],
    [
        "rayCluster",
        "latest in prod",
        { ...prod, rayCluster: { image: { tag: "latest" } } },
        'ml-gitops:rayCluster.image.tag: must not be "latest" in prod: pin a Ray version (got "latest")',
    ],
    ["project", "a project name that is not a DNS label", { project: { name: "ML" } }, `ml-gitops:project.name: ${DNS} (got "ML")`],
    [
        "project",
        "both projects with one name",
        { rayProject: { name: "ml-dev" } },
        'ml-gitops:rayProject.name: must differ from project.name ("ml-dev") (got "ml-dev")',
    ],
    [
        "mlPlatform",
        "an http repo URL",
        { mlPlatform: { repoURL: "http://github.com/org/x" } },
        `ml-gitops:mlPlatform.repoURL: ${URL} (got "http://github.com/org/x")`,
    ],
    ["mlPlatform", "an empty revision", { mlPlatform: { targetRevision: "" } }, `ml-gitops:mlPlatform.targetRevision: ${REV} (got "")`],
    [
        "mlPlatform",
        "a namespace over 63 characters",
        { mlPlatform: { namespace: "a".repeat(64) } },
        `ml-gitops:mlPlatform.namespace: must be at most 63 characters (got "${"a".repeat(64)}")`,
    ],
    [
        "mlPlatform",
        "a branch in prod",
        { environment: "prod", mlPlatform: { targetRevision: "main" } },
        'ml-gitops:mlPlatform.targetRevision: must be a tag or commit in prod, not a branch or HEAD (got "main")',
    ],
    ["applications", "an ftp repo URL", app({ repoURL: "ftp://example.com/x" }), `ml-gitops:applications.x.repoURL: ${URL} (got "ftp://example.com/x")`],
    ["applications", "a blank revision", app({ targetRevision: "   " }), `ml-gitops:applications.x.targetRevision: ${REV} (got "   ")`],
    [
        "applications",
        "HEAD in prod",
        { ...prod, ...app({ targetRevision: "HEAD" }) },
        'ml-gitops:applications.x.targetRevision: must be a tag, chart version or commit in prod, not a branch or HEAD (got "HEAD")',
    ],
    [
        "applications",
        "a name that duplicates a built-in app",
        { applications: { raycluster: { repoURL: "https://github.com/org/x", targetRevision: "v1", path: "p", destination: { namespace: "x" } } } },
        'ml-gitops:applications.raycluster: duplicates the built-in application "raycluster"; choose another name (got {"destination":{"namespace":"x"},"path":"p","repoURL":"https://github.com/org...)',
    ],
    [
        "applications",
        "the default project",
        app({ project: "default" }),
        'ml-gitops:applications.x.project: must not be the `default` project; leave it unset for project.name ("ml-dev") (got "default")',
    ],
    [
        "applications",
        "an unknown project",
        app({ project: "ml-prod" }),
        'ml-gitops:applications.x.project: unknown project "ml-prod"; extra applications go in project.name ("ml-dev") (got "ml-prod")',
    ],
    [
        "applications",
        "both a path and a chart",
        app({ chart: "mlflow" }),
        'ml-gitops:applications.x.path: set exactly one of path (git) and chart (helm repository) (got "deploy")',
    ],
    ["sync", "a zero wait timeout", { sync: { timeoutSeconds: 0 } }, "ml-gitops:sync.timeoutSeconds: must be a positive number of seconds (got 0)"],
    ["sync", "a negative wait timeout", { sync: { timeoutSeconds: -5 } }, "ml-gitops:sync.timeoutSeconds: must be a positive number of seconds (got -5)"],
    [
        "sync",
        "a backoff that is not a duration",
        { sync: { retry: { backoff: { duration: "5 seconds" } } } },
        'ml-gitops:sync.retry.backoff.duration: must be a Go duration such as 5s, 3m or 1h30m (got "5 seconds")',
    ],
    [
        "notifications",
        "Slack without its token",
        { notifications: { slack: { enabled: true } } },
        "ml-gitops:slackToken: is required when notifications.slack.enabled is true: pulumi config set --secret slackToken <token>",
    ],
    [
        "notifications",
        "a Slack API URL over plain http",
        { notifications: { slack: { apiURL: "http://slack.example.com/api/" } } },
        'ml-gitops:notifications.slack.apiURL: must be an https URL, such as https://slack.com/api/ (got "http://slack.example.com/api/")',
    ],
    [
        "notifications",
        "a Slack API URL whose scheme only ends in https",
        { notifications: { slack: { apiURL: "shttps://slack.example.com/api/" } } },
        'ml-gitops:notifications.slack.apiURL: must be an https URL, such as https://slack.com/api/ (got "shttps://slack.example.com/api/")',
    ],
    [
        "notifications",
        "a Slack API URL whose scheme only starts with https",
        { notifications: { slack: { apiURL: "https+unix://slack.example.com/api/" } } },
        'ml-gitops:notifications.slack.apiURL: must be an https URL, such as https://slack.com/api/ (got "https+unix://slack.example.com/api/")',
    ],
    [
        "notifications",
        "a Slack API URL that is not a URL",
        { notifications: { slack: { apiURL: "slack.example.com/api" } } },
        'ml-gitops:notifications.slack.apiURL: must be an https URL, such as https://slack.com/api/ (got "slack.example.com/api")',
    ],
    [
        "notifications",
        "a PagerDuty service name that is not a DNS label",
        { notifications: { pagerduty: { serviceName: "PD service" } } },
        `ml-gitops:notifications.pagerduty.serviceName: ${DNS} (got "PD service")`,
    ],
];

describe("the config schema: a table of bad configs", () => {
    for (const [section, what, config, message] of CASES) {
        it(`${section}: rejects ${what}, registering nothing`, async () => {
            const { error, resources } = await runError({ environment: "dev", ...config });
            assert.ok(error instanceof ConfigError, String(error));
            assert.equal(error.message, `invalid stack config (1 problem):\n  - ${message}`);
            assert.deepEqual(
                resources.map((r) => r.type),
                [T.stack],
                "only the stack itself, nothing of the platform",
            );
        });
    }

    it("reports every problem at once", () => {
        assert.throws(
            () => parseConfig({ environment: "dev", argocd: { namespace: "A", chartVersion: "x" }, sync: { timeoutSeconds: 0 }, typo: 1 }),
            (e: ConfigError) => {
                assert.deepEqual(e.problems, [
                    `ml-gitops:argocd.chartVersion: ${VER} (got "x")`,
                    `ml-gitops:argocd.namespace: ${DNS} (got "A")`,
                    "ml-gitops:sync.timeoutSeconds: must be a positive number of seconds (got 0)",
                    'ml-gitops:typo: unknown key; did you mean "sync"?',
                ]);
                return true;
            },
        );
    });

    it("accepts YAML numbers as quantities and applies every default", () => {
        const c = parseConfig({ environment: "dev", ...wg({ cpu: 2, memory: "1.5Gi" }) });
        assert.equal(c.rayCluster.workerGroups.g.cpu, "2");
        assert.equal(c.sync.wait, false);
        assert.equal(parseConfig({ environment: "prod", mlPlatform: { targetRevision: "v1.0.0" } }).sync.wait, true, "prod waits by default");
        assert.equal(c.argocd.chartVersion, "10.1.1");
        assert.equal(c.kuberay.version, "1.7.0");
        assert.equal(c.rayCluster.image.tag, "2.52.0");
        assert.equal(c.rayCluster.head.autoscaler.version, "v2");
        for (const version of ["1.5.1", "1.5.2", "1.6.0", "1.7.0", "1.7.9", "1.7.1-rc.1", "1.5.1+build.1"])
            assert.equal(parseConfig({ environment: "dev", kuberay: { version } }).kuberay.version, version, `${version} is supported`);
    });
});

describe("stack files", () => {
    const dirs: string[] = [];
    after(() => {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    function stackDir(body: string, esc: Record<string, string> = {}): string {
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-stack-"));
        dirs.push(dir);
        copyFileSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
        writeFileSync(join(dir, "Pulumi.bad.yaml"), body);
        for (const [name, text] of Object.entries(esc)) {
            mkdirSync(join(dir, "esc", dirname(name)), { recursive: true });
            writeFileSync(join(dir, "esc", `${name}.yaml`), text);
        }
        return dir;
    }

    const SLACK_ON = "  ml-gitops:notifications:\n    slack:\n      enabled: true\n";
    const ESC_SECRET_TOKEN = { "team/dev": 'values:\n  pulumiConfig:\n    ml-gitops:slackToken:\n      fn::secret: "<token>"\n' };

    it("takes a key from the stack file over its ESC environment, as the CLI does: a committed plaintext token is refused", async () => {
        const dir = stackDir(
            `environment:\n  - team/dev\nconfig:\n  ml-gitops:environment: dev\n  ml-gitops:slackToken: xoxb-committed-by-mistake\n${SLACK_ON}`,
            ESC_SECRET_TOKEN,
        );
        const sc = loadStackConfig(dir, "bad");
        assert.equal(sc.config["ml-gitops:slackToken"], "xoxb-committed-by-mistake");
        assert.ok(!sc.secretKeys.includes("ml-gitops:slackToken"), "the stack file's plaintext value wins, secretness included");
        await assert.rejects(renderStack("bad", dir), (e: Error) => {
            assert.equal(
                e.message,
                "invalid stack config (1 problem):\n  - ml-gitops:slackToken: must be a secret: pulumi config set --secret slackToken <value>",
            );
            return true;
        });
    });

    it("takes an ESC secret when the stack file does not set the key, and a secure: stack value over an ESC plaintext one", () => {
        const fromEsc = loadStackConfig(stackDir(`environment:\n  - team/dev\nconfig:\n  ml-gitops:environment: dev\n${SLACK_ON}`, ESC_SECRET_TOKEN), "bad");
        assert.equal(fromEsc.config["ml-gitops:slackToken"], "[secret]");
        assert.ok(fromEsc.secretKeys.includes("ml-gitops:slackToken"));
        const secureWins = loadStackConfig(
            stackDir("environment:\n  - team/dev\nconfig:\n  ml-gitops:environment: dev\n  ml-gitops:slackToken:\n    secure: v1:abc\n", {
                "team/dev": "values:\n  pulumiConfig:\n    ml-gitops:slackToken: plain-in-esc\n",
            }),
            "bad",
        );
        assert.equal(secureWins.config["ml-gitops:slackToken"], "[secret]");
        assert.ok(secureWins.secretKeys.includes("ml-gitops:slackToken"));
    });

    it("rejects duplicate worker-group names instead of keeping the last", async () => {
        const dir = stackDir(
            "config:\n  ml-gitops:environment: dev\n  ml-gitops:rayCluster:\n    workerGroups:\n      cpu:\n        replicas: 1\n      cpu:\n        replicas: 2\n",
        );
        await assert.rejects(
            renderStack("bad", dir),
            (e: Error) => e instanceof StackFileError && /Pulumi\.bad\.yaml: Map keys must be unique/.test(e.message),
        );
    });

    it("makes the render command exit 1, naming the key, and write nothing", function () {
        this.timeout(30000);
        const dir = stackDir("config:\n  ml-gitops:environment: dev\n  ml-gitops:rayCluster:\n    workerGroup:\n      g: {}\n");
        const out = join(dir, "out");
        const r = startJs(["render", "--root", dir, "--stack", "bad", "--out", out]);
        assert.equal(r.status, 1, r.stderr);
        assert.equal(
            r.stderr,
            'render: stack bad: invalid stack config (1 problem):\n  - ml-gitops:rayCluster.workerGroup: unknown key; did you mean "workerGroups"?\nNothing was written.\n',
        );
        assert.equal(r.stdout, "");
        assert.ok(!existsSync(out));
    });

    it("hands structured config to the program as the CLI does: JSON with keys sorted at every level", () => {
        const dir = stackDir(
            "config:\n  ml-gitops:environment: dev\n  ml-gitops:rayCluster:\n    workerGroups:\n      zeta:\n        replicas: 1\n        cpu: '2'\n      alpha:\n        replicas: 0\n    image:\n      tag: 2.46.0\n",
        );
        const sc = loadStackConfig(dir, "bad");
        assert.equal(sc.config["ml-gitops:rayCluster"], '{"image":{"tag":"2.46.0"},"workerGroups":{"alpha":{"replicas":0},"zeta":{"cpu":"2","replicas":1}}}');
        assert.equal(sc.config["ml-gitops:environment"], "dev", "plain strings stay as they are");
    });

    it("treats secure: values as secrets it cannot read", async () => {
        const dir = stackDir(
            "config:\n  ml-gitops:environment: dev\n  ml-gitops:adminPassword:\n    secure: v1:abcdef\n  ml-gitops:notifications:\n    enabled: false\n",
        );
        const r = await renderStack("bad", dir);
        assert.ok(
            r.evaluation.resources.some((x) => x.type === "random:index/randomBytes:RandomBytes"),
            "the configured password path",
        );
        assert.ok(!r.resources.includes("v1:abcdef"));
    });
});
