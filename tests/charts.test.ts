/**
 * What the real charts make of the values the program declares: `helm template` of argo-cd
 * 10.1.1 (with redis-ha) and of ray-cluster and kuberay-operator at every supported KubeRay
 * version, for the shipped stacks and for generated ones. The charts come from the chart cache
 * (filled by the test run's global setup, tests/setup.ts, or `npm run charts`).
 */
import Ajv from "ajv";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { resourcePermitted, destinationPermitted } from "./glob";
import { ARGOCD_CHART, SUPPORTED_KUBERAY_VERSIONS } from "../components/versions";
import { parseManifests } from "../commands/helm";
import { chartCrds, chartTemplateKinds, chartTemplates, chartValues, gojq, helmTemplate, type K8sObject } from "../tools/charts";
import { strictCrdSchema, type Schema } from "../tools/crdSchema";
import { reveal, type Evaluation } from "../testing/engine";
import { renderStack } from "../commands/render";
import { argoCdServerName } from "../components/argocdNames";
import { parseConfig } from "../components/config";
import { planApplications, planProjects } from "../components/plan";
import { byType, run, T } from "./harness";

type Obj = Record<string, unknown>;
type AppSpec = {
    destination: { namespace: string; server: string };
    project: string;
    ignoreDifferences?: { group: string; kind: string; name: string; namespace: string; jqPathExpressions: string[] }[];
    source: { chart?: string; targetRevision: string; helm?: { releaseName?: string; valuesObject?: Obj; skipCrds?: boolean } };
};
type ProjectSpec = {
    clusterResourceWhitelist: { group: string; kind: string }[];
    namespaceResourceWhitelist: { group: string; kind: string }[];
    destinations: { server: string; namespace: string }[];
};

const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const names = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name);
const app = (ev: Evaluation, name: string) => {
    const r = byType(ev, T.app).find((a) => (a.inputs.metadata as { name: string }).name === name);
    assert.ok(r, `no Application ${name}`);
    return r.inputs.spec as AppSpec;
};
const project = (ev: Evaluation, name: string) => {
    const r = byType(ev, T.project).find((a) => (a.inputs.metadata as { name: string }).name === name);
    assert.ok(r, `no AppProject ${name}`);
    return r.inputs.spec as ProjectSpec;
};
/** `helm template` of a helm-sourced Application's chart at `version`, as Argo CD renders it. */
const appTemplate = (spec: AppSpec, version: string) =>
    helmTemplate({
        chart: spec.source.chart!,
        version,
        release: spec.source.helm!.releaseName!,
        namespace: spec.destination.namespace,
        values: spec.source.helm!.valuesObject,
        includeCrds: !spec.source.helm!.skipCrds,
    });
const releaseInputs = (ev: Evaluation) => reveal(byType(ev, T.release)[0].inputs) as { name: string; namespace: string; version: string; values: Obj };
const argoTemplate = (ev: Evaluation) => {
    const r = releaseInputs(ev);
    return helmTemplate({ chart: "argo-cd", version: r.version, release: r.name, namespace: r.namespace, values: r.values, includeCrds: true });
};

/**
 * The value paths the program sets that the chart neither has in values.yaml nor reads in a
 * template (`.Values.a.b`, or `$values.b` for a worker group). Under a free-form map any key is
 * fine; a worker group is checked against the chart's example group.
 */
function unknownValuePaths(set: unknown, chart: unknown, templates: string, freeForm: string[], path: string[] = []): string[] {
    if (set === null || typeof set !== "object" || Array.isArray(set)) return [];
    const at = path.join(".");
    if (freeForm.includes(at)) return [];
    const out: string[] = [];
    for (const [k, v] of Object.entries(set as Obj)) {
        const c = chart as Obj | null | undefined;
        const key = at === "additionalWorkerGroups" ? "smallGroup" : k;
        const inValues = c !== null && typeof c === "object" && key in c;
        const reads = (ref: string) => new RegExp(`${ref.replace(/[.$]/g, "\\$&")}(?![\\w-])`).test(templates);
        const read = reads(`.Values.${[...path, k].join(".")}`) || (path[0] === "additionalWorkerGroups" && reads(`$values.${k}`));
        if (inValues) out.push(...unknownValuePaths(v, c[key], templates, freeForm, [...path, key]));
        else if (!read) out.push([...path, k].join("."));
    }
    return out;
}

/** Every pod key of issue 19 (but runtimeClassName, which KubeRay 1.5.1's chart lacks), for the head and a group. */
const EVERY_POD_KEY = {
    nodeSelector: { pool: "ml" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" }],
    affinity: {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["zone-a", "zone-b"] }] }],
            },
        },
    },
    topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { team: "ml" } } },
    ],
    priorityClassName: "ml-high",
    labels: { team: "ml" },
    annotations: { "prometheus.io/scrape": "true" },
    env: { RAY_LOG_LEVEL: "debug" },
    secretEnv: { HF_TOKEN: { secret: "hf", key: "token" } },
    envFrom: [{ configMap: "ray-env" }, { secret: "s3-creds" }],
    shmSize: "2Gi",
};

/** Generated stacks beside the shipped two: orders, names and Ingress variants a user may write. */
const GENERATED: Record<string, Record<string, unknown>> = {
    "every scheduling, identity and fault-tolerance key": {
        environment: "dev",
        notifications: { enabled: false },
        rayCluster: {
            serviceAccount: { name: "ray-workloads", create: true, annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ray" } },
            imagePullSecrets: ["regcred"],
            gcsFaultTolerance: { enabled: true, redisAddress: "redis.ray-system.svc:6379", redisPassword: { secret: "redis", key: "password" } },
            head: { ...EVERY_POD_KEY, memory: "4Gi" },
            workerGroups: {
                gpu: {
                    ...EVERY_POD_KEY,
                    replicas: 1,
                    minReplicas: 0,
                    maxReplicas: 2,
                    cpu: "4",
                    memory: "16Gi",
                    gpu: { count: 2, nodeSelector: { "nvidia.com/gpu.present": "true" } },
                },
            },
        },
    },
    "unsorted and disabled worker groups, KubeRay 1.7.0, an Ingress without TLS": {
        environment: "dev",
        kuberay: { version: "1.7.0" },
        notifications: { enabled: false },
        argocd: { ingress: { enabled: true, host: "argocd.dev.example.com", className: "traefik" } },
        rayCluster: {
            workerGroups: {
                zeta: { replicas: 2, minReplicas: 1, maxReplicas: 5, cpu: 2, memory: "4Gi", rayStartParams: { "object-store-memory": "1000000000" } },
                mid: { replicas: 0, minReplicas: 0, maxReplicas: 1, cpu: "500m", memory: "1Gi", disabled: true },
                alpha: { replicas: 0, minReplicas: 0, maxReplicas: 3, cpu: "8", memory: "32Gi", gpu: "1" },
            },
        },
    },
    "the longest names the config accepts, with HA": {
        environment: "staging",
        kuberay: { version: "1.6.2" },
        notifications: { enabled: false },
        argocd: { ha: true, releaseName: "a".repeat(36) },
        rayCluster: { releaseName: "r".repeat(45) },
    },
    "release names that contain the chart names": {
        environment: "dev",
        notifications: { enabled: false },
        argocd: { releaseName: "ops-argocd" },
        rayCluster: { releaseName: "ml-kuberay-prod" },
    },
    "autoscaler v1": {
        environment: "dev",
        notifications: { enabled: false },
        rayCluster: { head: { autoscaler: { version: "v1" } } },
    },
    "a fullnameOverride": {
        environment: "dev",
        notifications: { enabled: false },
        rayCluster: { releaseName: "ray", nameOverride: "rc", fullnameOverride: "ml-ray" },
    },
};

describe("the real charts render what the program declares", function () {
    this.timeout(120_000);
    const stacks: Record<string, Evaluation> = {};
    before(async () => {
        stacks.dev = (await renderStack("dev")).evaluation;
        stacks.prod = (await renderStack("prod")).evaluation;
        for (const [name, cfg] of Object.entries(GENERATED)) stacks[name] = await run(cfg);
    });

    it("answers a request made again from the same render, as a copy the caller may change", () => {
        const req = { chart: "kuberay-operator", version: "1.7.0", release: "kuberay", namespace: "ray-system", values: { fullnameOverride: "memo" } };
        const first = helmTemplate(req);
        const deployment = first.find((o) => o.kind === "Deployment")!;
        assert.equal(deployment.metadata.name, "memo");
        deployment.metadata.name = "changed by the caller";
        first.length = 0;
        const again = helmTemplate(req);
        assert.equal(again.find((o) => o.kind === "Deployment")?.metadata.name, "memo");
        // another request is rendered, not answered from the first
        const other = helmTemplate({ ...req, values: { fullnameOverride: "memo-2" } });
        assert.equal(other.find((o) => o.kind === "Deployment")?.metadata.name, "memo-2");
    });

    it("reads helm's output as YAML 1.2's core schema, as the yaml package did: no dates, no YAML 1.1 booleans, empty documents dropped", () => {
        const text =
            "---\n# Source: c/templates/a.yaml\nkind: A\nwhen: 2024-01-01\non: yes\nmode: 0o17\nnone: ~\nratio: .5\n---\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        assert.deepEqual(parseManifests(text), [{ kind: "A", when: "2024-01-01", on: "yes", mode: 15, none: null, ratio: 0.5 }, { kind: "B" }]);
        assert.throws(() => parseManifests("kind: A\nkind: B\n"), /duplicated mapping key/);
    });

    describe("argo-cd 10.1.1", () => {
        const rendered: Record<string, K8sObject[]> = {};
        before(() => {
            for (const [name, ev] of Object.entries(stacks)) rendered[name] = argoTemplate(ev);
        });

        it("leaves the notifications ConfigMap and Secret to the program when it owns them", () => {
            for (const stack of ["dev", "prod"]) {
                assert.equal(find(rendered[stack], "ConfigMap", "argocd-notifications-cm"), undefined, stack);
                assert.equal(find(rendered[stack], "Secret", "argocd-notifications-secret"), undefined, stack);
                assert.ok(find(rendered[stack], "Deployment", "argocd-notifications-controller"), `${stack}: the controller still runs`);
            }
            const own = rendered["a fullnameOverride"];
            assert.ok(
                find(own, "ConfigMap", "argocd-notifications-cm") === undefined && find(own, "Deployment", "argocd-notifications-controller") === undefined,
            );
        });

        it("names the argocd-server Service as argocdUrl's default says, whatever the release and name values", () => {
            const cases: [string, Record<string, unknown>, string][] = [
                ["platform", {}, "platform-argocd-server"],
                ["my-argocd", {}, "my-argocd-server"],
                ["platform", { nameOverride: "" }, "platform-argo-cd-server"],
                ["platform", { fullnameOverride: "gitops" }, "gitops-server"],
                ["platform", { server: { name: "api" } }, "platform-argocd-api"],
            ];
            for (const [release, values, name] of cases) {
                assert.equal(argoCdServerName(release, values), name);
                const services = helmTemplate({ chart: "argo-cd", version: "10.1.1", release, namespace: "argocd", values }).filter(
                    (o) => o.kind === "Service",
                );
                assert.ok(
                    services.some((o) => o.metadata.name === name),
                    `${release} ${JSON.stringify(values)}: ${services.map((o) => o.metadata.name).join(", ")}`,
                );
            }
        });

        it("puts the RayCluster health check into argocd-cm, byte for byte the file the Lua harness tests", () => {
            const lua = readFileSync(join(__dirname, "..", "health", "ray.io", "RayCluster", "health.lua"), "utf8");
            for (const stack of ["dev", "prod"]) {
                const data = find(rendered[stack], "ConfigMap", "argocd-cm")!.data as Obj;
                assert.equal(data["resource.customizations.health.ray.io_RayCluster"], lua, stack);
            }
        });

        it("runs the patched Argo CD v3.4.15 in every component, not the chart's appVersion v3.4.4, and no Dex", () => {
            assert.equal(ARGOCD_CHART.appVersion, "v3.4.4");
            for (const stack of ["dev", "prod"] as const) {
                const images = rendered[stack]
                    .filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")
                    .flatMap((o) => (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.map((c) => c.image))
                    .filter((i) => i.includes("argocd"));
                assert.ok(images.length >= 5, `${stack}: ${images.length} Argo CD containers`);
                assert.deepEqual([...new Set(images)], ["quay.io/argoproj/argocd:v3.4.15"], stack);
                assert.equal(find(rendered[stack], "Deployment", "argocd-dex-server"), undefined, `${stack}: no Dex (SSO is OIDC directly)`);
            }
        });

        it("renders no argocd-secret (the program's own holds the hash and the OIDC client secret), and no Secret of the chart holds either", () => {
            for (const stack of ["dev", "prod"] as const) {
                assert.equal(find(rendered[stack], "Secret", "argocd-secret"), undefined, stack);
                const secrets = rendered[stack].filter((o) => o.kind === "Secret");
                assert.ok(!JSON.stringify(secrets).includes("admin.password"), `${stack}: ${secrets.map((o) => o.metadata.name).join(", ")}`);
                assert.ok(!JSON.stringify(secrets).includes("oidc.clientSecret"), stack);
            }
            const cm = find(rendered.prod, "ConfigMap", "argocd-cm")!.data as Obj;
            assert.equal(cm["admin.enabled"], "false");
            assert.match(String(cm["oidc.config"]), /^clientID: argocd\nclientSecret: \$oidc\.clientSecret\n/);
            assert.deepEqual(find(rendered.prod, "ConfigMap", "argocd-rbac-cm")!.data, {
                "policy.csv": "g, ml-platform-admins, role:admin\n",
                "policy.default": "",
                "policy.matchMode": "glob",
                scopes: "[groups]",
            });
        });

        it("runs prod highly available and dev on single replicas", () => {
            const replicas = (objs: K8sObject[], kind: string, name: string) => (find(objs, kind, name)?.spec as { replicas?: number } | undefined)?.replicas;
            for (const [stack, n] of [
                ["prod", 2],
                ["dev", 1],
            ] as const) {
                const o = rendered[stack];
                assert.equal(replicas(o, "Deployment", "argocd-server"), n, stack);
                assert.equal(replicas(o, "Deployment", "argocd-repo-server"), n, stack);
                assert.equal(replicas(o, "Deployment", "argocd-applicationset-controller"), n, stack);
                assert.equal(replicas(o, "StatefulSet", "argocd-application-controller"), n, stack);
            }
            assert.deepEqual(names(rendered.prod, "StatefulSet").sort(), ["argocd-application-controller", "argocd-redis-ha-server"]);
            assert.equal(replicas(rendered.prod, "StatefulSet", "argocd-redis-ha-server"), 3);
            assert.deepEqual(names(rendered.prod, "PodDisruptionBudget").sort(), [
                "argocd-application-controller",
                "argocd-applicationset-controller",
                "argocd-redis-ha-haproxy-pdb",
                "argocd-redis-ha-pdb",
                "argocd-repo-server",
                "argocd-server",
            ]);
            assert.deepEqual(names(rendered.dev, "StatefulSet"), ["argocd-application-controller"]);
            assert.deepEqual(names(rendered.dev, "PodDisruptionBudget"), []);
            assert.ok(find(rendered.dev, "Deployment", "argocd-redis"), "dev: the single redis");
        });

        it("terminates TLS at the Ingress and points it at argocd-server's plain HTTP port, so no redirect loop", () => {
            const ingress = find(rendered.prod, "Ingress", "argocd-server")!;
            assert.deepEqual(ingress.spec, {
                ingressClassName: "nginx",
                rules: [
                    {
                        host: "argocd.ml.example.com",
                        http: { paths: [{ backend: { service: { name: "argocd-server", port: { number: 80 } } }, path: "/", pathType: "Prefix" }] },
                    },
                ],
                tls: [{ hosts: ["argocd.ml.example.com"], secretName: "argocd-server-tls" }],
            });
            assert.equal((find(rendered.prod, "ConfigMap", "argocd-cmd-params-cm")!.data as Obj)["server.insecure"], "true");
            const noTls = rendered["unsorted and disabled worker groups, KubeRay 1.7.0, an Ingress without TLS"];
            const plain = find(noTls, "Ingress", "argocd-server")!.spec as { tls?: unknown; ingressClassName: string; rules: { host: string }[] };
            assert.deepEqual([plain.ingressClassName, plain.rules[0].host, plain.tls], ["traefik", "argocd.dev.example.com", undefined]);
            assert.equal((find(noTls, "ConfigMap", "argocd-cmd-params-cm")!.data as Obj)["server.insecure"], "true");
            assert.equal(find(rendered.dev, "Ingress", "argocd-server"), undefined);
            assert.equal((find(rendered.dev, "ConfigMap", "argocd-cmd-params-cm")!.data as Obj)["server.insecure"], undefined, "the chart's default: TLS");
        });

        it("keeps every name of the longest accepted release unique and within Kubernetes' limits", () => {
            const o = rendered["the longest names the config accepts, with HA"];
            const keys = o.map((x) => `${x.kind}/${x.metadata.name}`);
            assert.deepEqual(
                keys.filter((k, i) => keys.indexOf(k) !== i),
                [],
            );
            for (const x of o) {
                if (x.kind === "StatefulSet") assert.ok(x.metadata.name.length <= 52, x.metadata.name);
                if (x.kind === "Service") assert.ok(x.metadata.name.length <= 63, x.metadata.name);
            }
            assert.ok(find(o, "StatefulSet", `${"a".repeat(36)}-redis-ha-server`), "the redis-ha StatefulSet at exactly 52 characters");
        });

        // Maps the chart passes through whole: config keys, annotations, PodDisruptionBudget specs.
        const FREE_ARGO = [
            "configs.cm",
            "configs.params",
            "configs.secret.extra",
            "server.ingress.annotations",
            "redis-ha.podDisruptionBudget",
            "redis-ha.haproxy.podDisruptionBudget",
        ];
        it("sets no value the chart does not have", () => {
            const chart = chartValues("argo-cd", "10.1.1");
            const templates = chartTemplates("argo-cd", "10.1.1");
            for (const [name, ev] of Object.entries(stacks)) {
                const set = releaseInputs(ev).values;
                assert.deepEqual(unknownValuePaths(set, chart, templates, FREE_ARGO), [], name);
            }
            assert.deepEqual(
                unknownValuePaths({ server: { ingres: { enabled: true } } }, chart, templates, []),
                ["server.ingres"],
                "the check itself finds a typo",
            );
        });
    });

    for (const version of SUPPORTED_KUBERAY_VERSIONS) {
        describe(`KubeRay ${version}: ray-cluster and kuberay-operator`, () => {
            const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
            let validate: ReturnType<Ajv["compile"]>;
            let crds: K8sObject[];
            before(() => {
                crds = chartCrds("kuberay-operator", version);
                const crd = crds.find((c) => (c.spec as { names: { kind: string } }).names.kind === "RayCluster")!;
                const v1 = (crd.spec as { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] }).versions.find((v) => v.name === "v1")!;
                validate = ajv.compile(strictCrdSchema(v1.schema.openAPIV3Schema));
            });

            const rayCluster = (ev: Evaluation) => {
                const spec = app(ev, "raycluster");
                const objs = appTemplate(spec, version);
                assert.deepEqual(
                    objs.map((o) => o.kind),
                    ["RayCluster"],
                );
                return { spec, rc: objs[0] };
            };

            it("ignores the worker-group fields the CRD defaults and the chart leaves out (never a difference the platform made)", () => {
                const crd = crds.find((c) => (c.spec as { names: { kind: string } }).names.kind === "RayCluster")!;
                const v1 = (crd.spec as { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] }).versions.find((v) => v.name === "v1")!;
                const spec = (v1.schema.openAPIV3Schema.properties as Record<string, Schema>).spec;
                const group = ((spec.properties as Record<string, Schema>).workerGroupSpecs.items as Schema).properties as Record<string, Schema>;
                const { spec: appSpec, rc } = rayCluster(stacks.dev);
                const rendered = Object.keys((rc.spec as { workerGroupSpecs: Obj[] }).workerGroupSpecs[0]);
                const defaultedNotRendered = Object.keys(group)
                    .filter((k) => "default" in group[k] && !rendered.includes(k))
                    .sort();
                assert.deepEqual(defaultedNotRendered, { "1.5.1": [], "1.6.2": [], "1.7.0": ["priority"] }[version]);
                const ignored = appSpec.ignoreDifferences![0].jqPathExpressions ?? [];
                assert.deepEqual(
                    defaultedNotRendered.filter((f) => !ignored.includes(`.spec.workerGroupSpecs[].${f}`)),
                    [],
                );
            });

            it("names the RayCluster exactly as the Application's ignoreDifferences expects", () => {
                const expected: Record<string, string> = {
                    dev: "raycluster-kuberay",
                    prod: "raycluster-kuberay",
                    "unsorted and disabled worker groups, KubeRay 1.7.0, an Ingress without TLS": "raycluster-kuberay",
                    "the longest names the config accepts, with HA": `${"r".repeat(45)}-kuberay`,
                    "release names that contain the chart names": "ml-kuberay-prod",
                    "a fullnameOverride": "ml-ray",
                    "autoscaler v1": "raycluster-kuberay",
                    "every scheduling, identity and fault-tolerance key": "raycluster-kuberay",
                };
                for (const [name, ev] of Object.entries(stacks)) {
                    const { spec, rc } = rayCluster(ev);
                    const target = spec.ignoreDifferences![0];
                    assert.deepEqual([rc.metadata.name, rc.metadata.namespace], [expected[name], "ray-system"], name);
                    assert.deepEqual(
                        [target.group, target.kind, target.name, target.namespace],
                        ["ray.io", "RayCluster", rc.metadata.name, rc.metadata.namespace],
                        name,
                    );
                }
            });

            it("ignores, with Argo CD's jq, every worker group's replicas and nothing else", () => {
                for (const [name, ev] of Object.entries(stacks)) {
                    const { spec, rc } = rayCluster(ev);
                    const groups = (rc.spec as { workerGroupSpecs: unknown[] }).workerGroupSpecs;
                    const [expr] = spec.ignoreDifferences![0].jqPathExpressions;
                    assert.deepEqual(
                        gojq(`[path(${expr})]`, rc),
                        groups.map((_, i) => ["spec", "workerGroupSpecs", i, "replicas"]),
                        name,
                    );
                }
            });

            it("lists the worker groups in name order, each with its replicas, bounds, resources and ray start parameters", () => {
                const groupsOf = (ev: Evaluation) => (rayCluster(ev).rc.spec as { workerGroupSpecs: Obj[] }).workerGroupSpecs;
                const summary = (g: Obj) => [g.groupName, g.replicas, g.minReplicas, g.maxReplicas, g.rayStartParams];
                assert.deepEqual(groupsOf(stacks.prod).map(summary), [
                    ["additional-worker-group1", 1, 1, 30, { resources: '"{\\"additional-worker-group1\\": 1}"' }],
                    ["additional-worker-group2", 1, 1, 200, { resources: '"{\\"additional-worker-group2\\": 1}"' }],
                    ["gpu-worker", 0, 0, 8, { resources: '"{\\"gpu-worker\\": 1}"' }],
                    ["standard-worker", 1, 1, 200, { resources: '"{\\"standard-worker\\": 1}"' }],
                ]);
                const generated = groupsOf(stacks["unsorted and disabled worker groups, KubeRay 1.7.0, an Ingress without TLS"]);
                assert.deepEqual(generated.map(summary), [
                    ["alpha", 0, 0, 3, { resources: '"{\\"alpha\\": 1}"' }],
                    ["zeta", 2, 1, 5, { "object-store-memory": "1000000000", resources: '"{\\"zeta\\": 1}"' }],
                ]);
                const container = (g: Obj) => ((g.template as Obj).spec as { containers: Obj[] }).containers[0];
                assert.deepEqual(container(generated[0]).resources, {
                    limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" },
                    requests: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" },
                });
                assert.deepEqual(container(generated[1]).resources, { limits: { cpu: "2", memory: "4Gi" }, requests: { cpu: "2", memory: "4Gi" } });
                assert.equal(container(generated[1]).image, "docker.io/rayproject/ray:2.52.0");
            });

            it("pins the autoscaler version, so a new Ray image never changes it", () => {
                const options = (ev: Evaluation) => (rayCluster(ev).rc.spec as { autoscalerOptions?: Obj }).autoscalerOptions;
                assert.deepEqual(options(stacks.prod), {
                    env: [{ name: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES", value: "100" }],
                    idleTimeoutSeconds: 600,
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    upscalingMode: "Default",
                    version: "v2",
                });
                assert.equal((rayCluster(stacks.prod).rc.spec as Obj).enableInTreeAutoscaling, true);
                assert.equal(options(stacks["autoscaler v1"])!.version, "v1");
            });

            it("renders RayClusters the KubeRay CRD of this version admits, unknown fields refused", () => {
                for (const [name, ev] of Object.entries(stacks)) {
                    const { rc } = rayCluster(ev);
                    assert.ok(validate(rc), `${name}: ${ajv.errorsText(validate.errors)}`);
                }
                const bad = structuredClone(rayCluster(stacks.prod).rc) as unknown as { spec: { workerGroupSpecs: Obj[] } };
                bad.spec.workerGroupSpecs[0].maxReplica = 3;
                assert.equal(validate(bad), false);
                assert.match(ajv.errorsText(validate.errors), /must NOT have additional properties/);
            });

            it("carries every pod key, the identity and GCS fault tolerance into the RayCluster's pods, each exactly once", () => {
                const { rc } = rayCluster(stacks["every scheduling, identity and fault-tolerance key"]);
                const spec = rc.spec as {
                    gcsFaultToleranceOptions: Obj;
                    headGroupSpec: { template: Obj };
                    workerGroupSpecs: { groupName: string; template: Obj }[];
                };
                assert.deepEqual(spec.gcsFaultToleranceOptions, {
                    redisAddress: "redis.ray-system.svc:6379",
                    redisPassword: { valueFrom: { secretKeyRef: { key: "password", name: "redis" } } },
                });
                const shared = {
                    affinity: EVERY_POD_KEY.affinity,
                    imagePullSecrets: [{ name: "regcred" }],
                    priorityClassName: "ml-high",
                    serviceAccountName: "ray-workloads",
                    topologySpreadConstraints: EVERY_POD_KEY.topologySpreadConstraints,
                };
                const env = [
                    { name: "HF_TOKEN", valueFrom: { secretKeyRef: { key: "token", name: "hf" } } },
                    { name: "RAY_LOG_LEVEL", value: "debug" },
                ];
                const envFrom = [{ configMapRef: { name: "ray-env" } }, { secretRef: { name: "s3-creds" } }];
                const pod = (template: Obj) => {
                    const { metadata, spec: podSpec } = template as { metadata: { labels: Obj; annotations: Obj }; spec: Obj & { containers: Obj[] } };
                    const [c] = podSpec.containers;
                    const picked = Object.fromEntries(Object.keys({ ...shared, nodeSelector: 0, tolerations: 0, volumes: 0 }).map((k) => [k, podSpec[k]]));
                    return {
                        ...picked,
                        team: metadata.labels.team,
                        annotations: metadata.annotations,
                        env: c.env,
                        envFrom: c.envFrom,
                        podSecurityContext: podSpec.securityContext,
                        securityContext: c.securityContext,
                        volumeMounts: c.volumeMounts,
                    };
                };
                // kuberay.podSecurity restricted (the default): what that level requires, on the pod and the Ray container.
                const restricted = {
                    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                };
                assert.deepEqual(pod(spec.headGroupSpec.template), {
                    ...shared,
                    ...restricted,
                    annotations: { "prometheus.io/scrape": "true" },
                    env,
                    envFrom,
                    nodeSelector: { pool: "ml" },
                    team: "ml",
                    tolerations: [{ effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "ml" }],
                    volumeMounts: [
                        { mountPath: "/tmp/ray", name: "log-volume" },
                        { mountPath: "/dev/shm", name: "shared-mem" },
                    ],
                    volumes: [
                        { emptyDir: {}, name: "log-volume" },
                        { emptyDir: { medium: "Memory", sizeLimit: "2Gi" }, name: "shared-mem" },
                    ],
                });
                const [gpu] = spec.workerGroupSpecs;
                assert.equal(gpu.groupName, "gpu");
                assert.deepEqual(pod(gpu.template), {
                    ...shared,
                    ...restricted,
                    serviceAccountName: "ray-workloads-worker",
                    annotations: { "prometheus.io/scrape": "true" },
                    env,
                    envFrom,
                    nodeSelector: { "nvidia.com/gpu.present": "true", pool: "ml" },
                    team: "ml",
                    tolerations: [
                        { effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "ml" },
                        { effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" },
                    ],
                    volumeMounts: [{ mountPath: "/dev/shm", name: "shared-mem" }],
                    volumes: [{ emptyDir: { medium: "Memory", sizeLimit: "2Gi" }, name: "shared-mem" }],
                });
                const container = (gpu.template.spec as { containers: Obj[] }).containers[0];
                assert.deepEqual(container.resources, {
                    limits: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
                    requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
                });
            });

            it(`${version === "1.5.1" ? "drops" : "renders"} runtimeClassName, which the program therefore refuses below KubeRay 1.6.0`, () => {
                const values = { head: { runtimeClassName: "nvidia" }, worker: { disabled: true } };
                const rendered = helmTemplate({
                    chart: "ray-cluster",
                    version,
                    release: "raycluster",
                    namespace: "ray-system",
                    values,
                    includeCrds: false,
                }).find((o) => o.kind === "RayCluster")!;
                const podSpec = (rendered.spec as { headGroupSpec: { template: { spec: Obj } } }).headGroupSpec.template.spec;
                assert.equal(podSpec.runtimeClassName, version === "1.5.1" ? undefined : "nvidia");
            });

            it("sets no ray-cluster value the chart does not have", () => {
                const chart = chartValues("ray-cluster", version);
                const templates = chartTemplates("ray-cluster", version);
                const free = [
                    "head.rayStartParams",
                    "head.autoscalerOptions",
                    "head.resources",
                    "additionalWorkerGroups.smallGroup.rayStartParams",
                    "additionalWorkerGroups.smallGroup.resources",
                    // Maps of the user's own keys (label keys, Kubernetes fields), passed through whole.
                    ...["head", "additionalWorkerGroups.smallGroup"].flatMap((pod) =>
                        ["nodeSelector", "labels", "annotations", "affinity", "podSecurityContext", "securityContext"].map((k) => `${pod}.${k}`),
                    ),
                ];
                for (const [name, ev] of Object.entries(stacks)) {
                    assert.deepEqual(unknownValuePaths(app(ev, "raycluster").source.helm!.valuesObject, chart, templates, free), [], name);
                }
                assert.deepEqual(
                    unknownValuePaths({ worker: { maxReplica: 3 } }, chart, templates, free),
                    ["worker.maxReplica"],
                    "the check itself finds a typo",
                );
            });

            it("installs an operator and CRDs that the Ray AppProject admits", () => {
                for (const stack of ["dev", "prod"]) {
                    const ev = stacks[stack];
                    const op = app(ev, "ray-operator");
                    const p = project(ev, op.project);
                    assert.equal(op.source.helm!.skipCrds, true);
                    const objs = appTemplate(op, version);
                    assert.ok(objs.some((o) => o.kind === "Deployment"));
                    assert.equal(objs.filter((o) => o.kind === "CustomResourceDefinition").length, 0, "skipCrds: the CRDs app owns them");
                    const clusterScoped = new Set(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace"]);
                    for (const o of [...objs, ...crds, rayCluster(ev).rc]) {
                        const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
                        const cluster = clusterScoped.has(o.kind);
                        const list = cluster ? p.clusterResourceWhitelist : p.namespaceResourceWhitelist;
                        const admitted = resourcePermitted(list, group, o.kind, cluster ? o.metadata.name : undefined);
                        assert.ok(admitted, `${stack}: ${group}/${o.kind} ${o.metadata.name} is not admitted`);
                        if (!clusterScoped.has(o.kind)) {
                            const ns = o.metadata.namespace ?? op.destination.namespace;
                            assert.ok(destinationPermitted(p.destinations, op.destination.server, ns), `${stack}: namespace ${ns}`);
                        }
                    }
                    assert.equal(resourcePermitted(p.clusterResourceWhitelist, "admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), false);
                }
            });

            it("admits exactly the namespaced kinds the two charts' templates can create, whatever their values", () => {
                const clusterScoped = new Set(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace"]);
                const made = [...chartTemplateKinds("kuberay-operator", version), ...chartTemplateKinds("ray-cluster", version)]
                    .filter((k) => !clusterScoped.has(k.kind))
                    .map((k) => `${k.group}/${k.kind}`)
                    .sort();
                const admitted = project(stacks.dev, app(stacks.dev, "raycluster").project).namespaceResourceWhitelist.map((k) => `${k.group}/${k.kind}`);
                assert.deepEqual(admitted.sort(), made);
            });

            it("admits the operator's ClusterRole and binding under the name the chart gives them, whatever its name values", () => {
                const cases: [Record<string, unknown>, string][] = [
                    [{ fullnameOverride: "ray-op" }, "ray-op"],
                    [{ nameOverride: "mgr" }, "kuberay-operator"],
                    [{ nameOverride: "mgr", fullnameOverride: "" }, "kuberay-operator-mgr"],
                ];
                for (const [operatorValues, name] of cases) {
                    const c = parseConfig({ environment: "dev", kuberay: { version, operatorValues } });
                    const [, ray] = planProjects(c);
                    const op = planApplications(c).find((a) => a.key === "ray-operator")!.args.spec;
                    const objs = helmTemplate({
                        chart: "kuberay-operator",
                        version,
                        release: op.source!.helm!.releaseName!,
                        namespace: op.destination.namespace!,
                        values: op.source!.helm!.valuesObject,
                        includeCrds: false,
                    });
                    const cluster = objs.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding");
                    assert.ok(
                        cluster.some((o) => o.metadata.name === name),
                        `${JSON.stringify(operatorValues)}: ${name}`,
                    );
                    for (const o of cluster)
                        assert.ok(
                            resourcePermitted(ray.spec.clusterResourceWhitelist!, "rbac.authorization.k8s.io", o.kind, o.metadata.name),
                            `${JSON.stringify(operatorValues)}: ${o.kind} ${o.metadata.name}`,
                        );
                }
            });
        });
    }

    describe("render --charts", () => {
        it("shows the objects each chart will create after its Release or Application, Secrets hidden; without the flag, nothing changes", async () => {
            const plain = await renderStack("prod");
            const expanded = await renderStack("prod", undefined, {}, true);
            assert.equal(plain.manifests.includes("# rendered by helm from"), false);
            assert.equal(expanded.resources, plain.resources, "resources.json does not depend on the flag");
            const docs = parseAllDocuments(expanded.manifests).map((d) => d.toJS() as K8sObject | null);
            const rc = docs.find((o) => o?.kind === "RayCluster");
            assert.deepEqual([rc?.metadata.name, rc?.metadata.namespace], ["raycluster-kuberay", "ray-system"]);
            assert.ok(docs.some((o) => o?.kind === "Deployment" && o.metadata.name === "argocd-server"));
            assert.ok(docs.some((o) => o?.kind === "Ingress" && o.metadata.name === "argocd-server"));
            assert.ok(docs.some((o) => o?.kind === "Deployment" && o.metadata.name === "kuberay-operator"));
            const secret = docs.find((o) => o?.kind === "Secret" && o.metadata.name === "argocd-secret") as { stringData: Obj } | undefined;
            assert.deepEqual(secret?.stringData, { "oidc.clientSecret": "[secret]" }, "the program's argocd-secret, its values hidden");
            assert.match(
                expanded.manifests,
                /# urn:pulumi:prod::ml-gitops::[^\n]*ml-ml-platform: a git source \(https:\/\/github.com\/org\/ml-platform-config environments\/production\)/,
            );
        });
    });
});
