import * as assert from "node:assert/strict";
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../components/config";
import { destinationPermitted, globMatch, resourcePermitted, sourcePermitted } from "./glob";
import { planApplications, planProjects } from "../components/plan";
import { groupResources, rayClusterFullname, rayClusterValues } from "../components/raycluster";
import type { Evaluation, RecordedResource } from "../testing/engine";
import { renderStack } from "../commands/render";
import { byType, one, RAY_PROJECT_WHITELIST, run, T } from "./harness";

type Obj = { metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown> };
/**
 * The object as recorded, its spec marker checked and written `<marker>`: a waiting app names its
 * source `pulumi-` + 12 hex digits and waits for that name in `.status.sync.comparedTo.source`;
 * an app that does not wait has neither.
 */
function objOf(r: RecordedResource): Obj {
    const o = structuredClone(r.inputs) as unknown as Obj;
    const source = o.spec.source as { name?: string } | undefined;
    const wait = o.metadata.annotations?.["pulumi.com/waitFor"];
    if (wait === undefined || source === undefined) {
        assert.equal(source?.name, undefined, `${o.metadata.name}: a source name without a wait`);
        return o;
    }
    assert.match(source.name ?? "", /^pulumi-[0-9a-f]{12}$/, `${o.metadata.name}: the source's marker`);
    const condition = `jsonpath={.status.sync.comparedTo.source.name}=${source.name}`;
    assert.equal(JSON.parse(wait)[0], condition, `${o.metadata.name}: waits for its own marker`);
    o.metadata.annotations!["pulumi.com/waitFor"] = wait.replace(condition, "jsonpath={.status.sync.comparedTo.source.name}=<marker>");
    source.name = "<marker>";
    return o;
}
const appNamed = (ev: Evaluation, name: string) => byType(ev, T.app).find((r) => objOf(r).metadata.name === name)!;

const RETRY = { backoff: { duration: "5s", factor: 2, maxDuration: "3m" }, limit: 5 };
const AUTOMATED = { allowEmpty: false, prune: true, selfHeal: true };
const INFO = [{ name: "Managed by", value: "Pulumi (ml-gitops); change the stack config, not this object" }];
const IN_CLUSTER = "https://kubernetes.default.svc";
const ML_REPO = "https://github.com/org/ml-platform-config";
const ML_MODELS = "https://github.com/org/ml-models";
const KUBERAY_GIT = "https://github.com/ray-project/kuberay";
const KUBERAY_HELM = "https://ray-project.github.io/kuberay-helm/";
const RBAC = "rbac.authorization.k8s.io";
/** The Ray projects' cluster whitelist, by name: the CRDs, the operator's RBAC, the charts' editor/viewer roles and the Ray namespace. */
const RAY_WHITELIST = RAY_PROJECT_WHITELIST;
type ClusterObject = [group: string, kind: string, name: string];
/** Cluster-scoped objects the KubeRay charts create (1.5.1–1.7.0). */
const RAY_OBJECTS: ClusterObject[] = [
    ["", "Namespace", "ray-system"],
    ["apiextensions.k8s.io", "CustomResourceDefinition", "rayclusters.ray.io"],
    ["apiextensions.k8s.io", "CustomResourceDefinition", "raycronjobs.ray.io"],
    [RBAC, "ClusterRole", "kuberay-operator"],
    [RBAC, "ClusterRole", "rayjob-editor-role"],
    [RBAC, "ClusterRole", "raycronjob-viewer-role"],
    [RBAC, "ClusterRoleBinding", "kuberay-operator"],
];
/** Cluster-scoped objects no project admits: a repository that could write one could take the cluster. */
const OTHER_OBJECTS: ClusterObject[] = [
    ["storage.k8s.io", "StorageClass", "fast"],
    ["admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "kuberay-webhook"],
    ["", "PersistentVolume", "pv-1"],
    ["", "Namespace", "kube-system"],
    ["", "Namespace", "argocd"],
    [RBAC, "ClusterRoleBinding", "ray-admin"],
    [RBAC, "ClusterRole", "cluster-admin"],
    [RBAC, "ClusterRole", "rayjob-editor-role-x"],
    ["apiextensions.k8s.io", "CustomResourceDefinition", "certificates.cert-manager.io"],
];
type ProjectSpec = {
    sourceRepos: string[];
    destinations: { server: string; namespace: string }[];
    clusterResourceWhitelist: { group: string; kind: string; name?: string }[];
};

/** The built-in Applications of both shipped stacks, in the order the program registers them. */
const APPS = ["ml-platform", "ray-operator-crds", "ray-operator", "raycluster"];
const appNames = (ev: Evaluation) => byType(ev, T.app).map((r) => objOf(r).metadata.name);
const WAIT = {
    "pulumi.com/timeoutSeconds": "900",
    "pulumi.com/waitFor":
        '["jsonpath={.status.sync.comparedTo.source.name}=<marker>","jsonpath={.status.sync.status}=Synced","jsonpath={.status.health.status}=Healthy"]',
};

describe("GitOps applications in the shipped stacks", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        dev = (await renderStack("dev")).evaluation;
        prod = (await renderStack("prod")).evaluation;
    });

    it("declares the KubeRay CRDs app from the kuberay git tag, with server-side apply and no cascading delete", () => {
        assert.deepEqual(objOf(appNamed(prod, "ray-operator-crds")), {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Application",
            metadata: { annotations: WAIT, name: "ray-operator-crds", namespace: "argocd" },
            spec: {
                destination: { namespace: "ray-system", server: "https://kubernetes.default.svc" },
                info: INFO,
                project: "ray-production",
                revisionHistoryLimit: 10,
                source: {
                    name: "<marker>",
                    path: "helm-chart/kuberay-operator/crds",
                    repoURL: "https://github.com/ray-project/kuberay",
                    targetRevision: "v1.7.0",
                },
                syncPolicy: { automated: AUTOMATED, retry: RETRY, syncOptions: ["ServerSideApply=true"] },
            },
        });
    });

    it("declares the operator from the kuberay-helm chart with skipCrds", () => {
        assert.deepEqual(objOf(appNamed(prod, "ray-operator")), {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Application",
            metadata: { annotations: WAIT, finalizers: ["resources-finalizer.argocd.argoproj.io"], name: "ray-operator", namespace: "argocd" },
            spec: {
                destination: { namespace: "ray-system", server: "https://kubernetes.default.svc" },
                info: INFO,
                project: "ray-production",
                revisionHistoryLimit: 10,
                source: {
                    chart: "kuberay-operator",
                    helm: { releaseName: "kuberay-operator", skipCrds: true, valuesObject: {} },
                    name: "<marker>",
                    repoURL: "https://ray-project.github.io/kuberay-helm/",
                    targetRevision: "1.7.0",
                },
                syncPolicy: { automated: AUTOMATED, retry: RETRY, syncOptions: ["CreateNamespace=true"] },
            },
        });
    });

    it("declares the RayCluster with the autoscaler's replicas ignored, ApplyOutOfSyncOnly and no RespectIgnoreDifferences", () => {
        const o = objOf(appNamed(prod, "raycluster"));
        assert.deepEqual(o.spec.ignoreDifferences, [
            {
                group: "ray.io",
                jqPathExpressions: [".spec.workerGroupSpecs[].replicas", ".spec.workerGroupSpecs[].priority"],
                kind: "RayCluster",
                name: "raycluster-kuberay",
                namespace: "ray-system",
            },
        ]);
        assert.deepEqual(o.spec.syncPolicy, { automated: AUTOMATED, retry: RETRY, syncOptions: ["ApplyOutOfSyncOnly=true", "CreateNamespace=true"] });
        const source = o.spec.source as {
            chart: string;
            repoURL: string;
            targetRevision: string;
            helm: { releaseName: string; valuesObject: Record<string, unknown> };
        };
        assert.equal(source.chart, "ray-cluster");
        assert.equal(source.repoURL, "https://ray-project.github.io/kuberay-helm/");
        assert.equal(source.targetRevision, "1.7.0", "one KubeRay version for the CRDs, the operator and the cluster");
        assert.equal(source.helm.releaseName, "raycluster");
        const v = source.helm.valuesObject as { head: Record<string, unknown>; image: Record<string, string> };
        assert.deepEqual(v.image, { pullPolicy: "IfNotPresent", repository: "docker.io/rayproject/ray", tag: "2.52.0" });
        assert.deepEqual(v.head, {
            autoscalerOptions: {
                env: [{ name: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES", value: "100" }],
                idleTimeoutSeconds: 600,
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                upscalingMode: "Default",
                version: "v2",
            },
            enableInTreeAutoscaling: true,
            // kuberay.podSecurity is restricted by default: what that level requires, on every container.
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            rayStartParams: { "num-cpus": "0" },
            resources: { limits: { cpu: "1", memory: "2G" }, requests: { cpu: "1", memory: "2G" } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        });
        assert.deepEqual(o.metadata.annotations, {
            ...WAIT,
            "notifications.argoproj.io/subscribe.on-health-degraded.slack": "ml-team",
            "notifications.argoproj.io/subscribe.on-sync-failed.pagerdutyv2": "ml-platform",
            "notifications.argoproj.io/subscribe.on-sync-failed.slack": "ml-team",
        });
    });

    it("declares the ML platform app as seed 001 does, pinned in prod and tracking main in dev", () => {
        const spec = (rev: string, path: string, files: string[], project: string, marker: { name?: string }) => ({
            destination: { namespace: "ml-serving", server: "https://kubernetes.default.svc" },
            info: INFO,
            project,
            revisionHistoryLimit: 10,
            source: { helm: { valueFiles: files }, ...marker, path, repoURL: "https://github.com/org/ml-platform-config", targetRevision: rev },
            syncPolicy: { automated: AUTOMATED, retry: RETRY, syncOptions: ["ApplyOutOfSyncOnly=true", "CreateNamespace=true", "PruneLast=true"] },
        });
        assert.deepEqual(
            objOf(appNamed(prod, "ml-platform")).spec,
            spec("v1.0.0", "environments/production", ["values.yaml", "values-production.yaml"], "ml-production", { name: "<marker>" }),
        );
        assert.deepEqual(objOf(appNamed(dev, "ml-platform")).spec, spec("main", "environments/dev", ["values.yaml", "values-dev.yaml"], "ml-dev", {}));
        assert.deepEqual((appNamed(prod, "ml-platform").inputs.metadata as { finalizers: string[] }).finalizers, ["resources-finalizer.argocd.argoproj.io"]);
    });

    it("makes prod's pulumi up wait for every app, and dev's not", () => {
        assert.deepEqual(appNames(prod), APPS);
        assert.deepEqual(appNames(dev), APPS);
        for (const r of byType(prod, T.app))
            assert.deepEqual(Object.fromEntries(Object.entries(objOf(r).metadata.annotations ?? {}).filter(([k]) => k.startsWith("pulumi.com/"))), WAIT);
        for (const r of byType(dev, T.app))
            assert.ok(!Object.keys(objOf(r).metadata.annotations ?? {}).some((k) => k.startsWith("pulumi.com/")), objOf(r).metadata.name);
    });

    it("uses no latest tag, no floating revision and no default project in prod", () => {
        const text = JSON.stringify(byType(prod, T.app).map((r) => r.inputs));
        assert.ok(!/"tag":"latest"/.test(text));
        assert.deepEqual(appNames(prod), APPS);
        for (const r of byType(prod, T.app)) {
            const s = objOf(r).spec as { project: string; source: { targetRevision: string } };
            assert.notEqual(s.project, "default");
            assert.match(s.source.targetRevision, /^v?\d+\.\d+\.\d+$/);
        }
    });

    it("creates the Ray pods' ServiceAccounts before the RayCluster's Application, and only that one waits for them", async () => {
        const ev = await run({ environment: "dev", rayCluster: { serviceAccount: { name: "ray", create: true } } });
        const accounts = (n: string) =>
            appNamed(ev, n)
                .dependencies.filter((d) => d.includes("core/v1:ServiceAccount"))
                .map((d) => d.split("::").pop());
        assert.deepEqual(accounts("raycluster"), ["ml-ray-sa", "ml-ray-worker-sa"]);
        for (const n of ["ray-operator-crds", "ray-operator", "ml-platform"]) assert.deepEqual(accounts(n), [], n);
    });

    it("orders CRDs → operator → RayCluster, and every app after its project and Argo CD", () => {
        for (const [ev, projectNames] of [
            [dev, ["ml-dev", "ray-dev"]],
            [prod, ["ml-production", "ray-production"]],
        ] as const) {
            const urn = (n: string) => appNamed(ev, n).urn;
            const release = one(ev, T.release, "ml-argocd").urn;
            const projectUrn = (name: string) => byType(ev, T.project).find((p) => objOf(p).metadata.name === name)!.urn;
            assert.ok(appNamed(ev, "ray-operator").dependencies.includes(urn("ray-operator-crds")));
            assert.ok(appNamed(ev, "raycluster").dependencies.includes(urn("ray-operator")));
            assert.ok(!appNamed(ev, "ray-operator-crds").dependencies.some((d) => d.includes("Application")));
            assert.deepEqual(appNames(ev), APPS);
            assert.deepEqual(
                byType(ev, T.project).map((p) => objOf(p).metadata.name),
                projectNames,
            );
            for (const r of byType(ev, T.app)) {
                assert.ok(r.dependencies.includes(release), `${objOf(r).metadata.name} waits for the release`);
                assert.ok(
                    r.dependencies.includes(projectUrn((objOf(r).spec as { project: string }).project)),
                    `${objOf(r).metadata.name} waits for its project`,
                );
                assert.ok(!JSON.stringify(r.inputs).includes("argocd.argoproj.io/sync-wave"), "no sync waves: nothing gates them");
            }
            for (const p of byType(ev, T.project)) assert.ok(p.dependencies.includes(release), "projects wait for the CRDs the chart installs");
        }
    });

    it("places every app in a project that admits it, by Argo CD's matching rules, against literal expectations", () => {
        // Written out from Pulumi.dev.yaml and Pulumi.prod.yaml: dev names its projects ml-dev and
        // ray-dev and adds nothing to them; prod names them ml-production and ray-production and
        // adds the ml-models repo and the ml-training namespace to the ML project.
        type Admits = { repos: string[]; namespaces: string[]; objects: ClusterObject[]; whitelist?: { group: string; kind: string; name?: string }[] };
        type Placement = [project: string, repoURL: string, server: string, namespace: string];
        const stacks: { ev: Evaluation; apps: Record<string, Placement>; admits: Record<string, Admits>; refuses: Record<string, Admits> }[] = [
            {
                ev: dev,
                apps: {
                    "ml-platform": ["ml-dev", ML_REPO, IN_CLUSTER, "ml-serving"],
                    "ray-operator-crds": ["ray-dev", KUBERAY_GIT, IN_CLUSTER, "ray-system"],
                    "ray-operator": ["ray-dev", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                    raycluster: ["ray-dev", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                },
                admits: {
                    "ml-dev": {
                        repos: [ML_REPO],
                        namespaces: ["ml-serving"],
                        objects: [["", "Namespace", "ml-serving"]],
                        whitelist: [{ group: "", kind: "Namespace", name: "ml-serving" }],
                    },
                    "ray-dev": { repos: [KUBERAY_GIT, KUBERAY_HELM], namespaces: ["ray-system"], objects: RAY_OBJECTS, whitelist: RAY_WHITELIST },
                },
                refuses: {
                    "ml-dev": {
                        repos: [KUBERAY_GIT, KUBERAY_HELM, ML_MODELS, "https://github.com/org/other"],
                        namespaces: ["ray-system", "ml-training", "argocd", "kube-system", "default"],
                        objects: [...RAY_OBJECTS, ...OTHER_OBJECTS],
                    },
                    "ray-dev": {
                        repos: [ML_REPO, ML_MODELS, "https://github.com/ray-project/kuberay-fork"],
                        namespaces: ["ml-serving", "ml-training", "kube-system"],
                        objects: [...OTHER_OBJECTS, ["", "Namespace", "ml-serving"]],
                    },
                },
            },
            {
                ev: prod,
                apps: {
                    "ml-platform": ["ml-production", ML_REPO, IN_CLUSTER, "ml-serving"],
                    "ray-operator-crds": ["ray-production", KUBERAY_GIT, IN_CLUSTER, "ray-system"],
                    "ray-operator": ["ray-production", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                    raycluster: ["ray-production", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                },
                admits: {
                    "ml-production": {
                        repos: [ML_MODELS, ML_REPO],
                        namespaces: ["ml-serving", "ml-training"],
                        objects: [
                            ["", "Namespace", "ml-serving"],
                            ["", "Namespace", "ml-training"],
                        ],
                        whitelist: [
                            { group: "", kind: "Namespace", name: "ml-serving" },
                            { group: "", kind: "Namespace", name: "ml-training" },
                        ],
                    },
                    "ray-production": { repos: [KUBERAY_GIT, KUBERAY_HELM], namespaces: ["ray-system"], objects: RAY_OBJECTS, whitelist: RAY_WHITELIST },
                },
                refuses: {
                    "ml-production": {
                        repos: [KUBERAY_GIT, KUBERAY_HELM, "https://github.com/org/other"],
                        namespaces: ["ray-system", "argocd", "kube-system", "default"],
                        objects: [...RAY_OBJECTS, ...OTHER_OBJECTS],
                    },
                    "ray-production": {
                        repos: [ML_REPO, ML_MODELS, "https://github.com/ray-project/kuberay-fork"],
                        namespaces: ["ml-serving", "ml-training", "kube-system"],
                        objects: [...OTHER_OBJECTS, ["", "Namespace", "ml-serving"]],
                    },
                },
            },
        ];
        for (const { ev, apps, admits, refuses } of stacks) {
            const placed = Object.fromEntries(
                byType(ev, T.app).map((r) => {
                    const s = objOf(r).spec as { project: string; source: { repoURL: string }; destination: { server: string; namespace: string } };
                    return [objOf(r).metadata.name, [s.project, s.source.repoURL, s.destination.server, s.destination.namespace]];
                }),
            );
            assert.deepEqual(placed, apps);
            const projects = new Map(byType(ev, T.project).map((p) => [objOf(p).metadata.name, objOf(p).spec as unknown as ProjectSpec]));
            assert.deepEqual([...projects.keys()], Object.keys(admits));
            for (const [name, want] of Object.entries(admits)) {
                const p = projects.get(name)!;
                // What the project admits, exactly: no pattern, no other repo, namespace or cluster-scoped kind.
                assert.deepEqual(p.sourceRepos, want.repos, `${name} sourceRepos`);
                assert.deepEqual(
                    p.destinations,
                    want.namespaces.map((namespace) => ({ namespace, server: IN_CLUSTER })),
                    `${name} destinations`,
                );
                assert.deepEqual(p.clusterResourceWhitelist, want.whitelist, `${name} clusterResourceWhitelist`);
                for (const repo of want.repos) assert.ok(sourcePermitted(p.sourceRepos, repo), `${name} admits ${repo}`);
                for (const ns of want.namespaces) assert.ok(destinationPermitted(p.destinations, IN_CLUSTER, ns), `${name} admits ${ns}`);
                for (const [g, k, n] of want.objects) assert.ok(resourcePermitted(p.clusterResourceWhitelist, g, k, n), `${name} admits ${k} ${n}`);
                const no = refuses[name];
                for (const repo of no.repos) assert.equal(sourcePermitted(p.sourceRepos, repo), false, `${name} refuses ${repo}`);
                for (const ns of no.namespaces) assert.equal(destinationPermitted(p.destinations, IN_CLUSTER, ns), false, `${name} refuses ${ns}`);
                assert.equal(destinationPermitted(p.destinations, "https://other.example.com", want.namespaces[0]), false, `${name} refuses another cluster`);
                for (const [g, k, n] of no.objects)
                    assert.equal(resourcePermitted(p.clusterResourceWhitelist, g, k, n), false, `${name} refuses ${g}/${k} ${n}`);
            }
            // Each app's own repo, server and namespace, admitted by the project it is placed in.
            for (const [app, [project, repo, server, namespace]] of Object.entries(apps)) {
                const p = projects.get(project)!;
                assert.ok(sourcePermitted(p.sourceRepos, repo), `${app}: ${repo} admitted by ${project}`);
                assert.ok(destinationPermitted(p.destinations, server, namespace), `${app}: ${namespace} admitted by ${project}`);
            }
        }
    });

    it("validates every Argo CD object against the v3.4 CRD schemas, rejecting unknown fields", () => {
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        const load = (kind: string) => ajv.compile(JSON.parse(readFileSync(join(__dirname, "..", "schemas", `argoproj.io_v1alpha1_${kind}.json`), "utf8")));
        const validators = { Application: load("Application"), AppProject: load("AppProject") };
        let checked = 0;
        for (const ev of [dev, prod]) {
            for (const r of [...byType(ev, T.app), ...byType(ev, T.project)]) {
                const kind = r.inputs.kind as "Application" | "AppProject";
                assert.ok(validators[kind](r.inputs), `${kind} ${objOf(r).metadata.name}: ${ajv.errorsText(validators[kind].errors)}`);
                checked++;
            }
        }
        assert.equal(checked, 12);
        const bad = JSON.parse(JSON.stringify(appNamed(prod, "raycluster").inputs));
        bad.spec.syncPolicy.automated.selfHeals = true;
        assert.equal(validators.Application(bad), false);
        assert.match(ajv.errorsText(validators.Application.errors), /must NOT have additional properties/);
    });
});

describe("RayCluster name and values (pure planning)", () => {
    it("names the cluster as the ray-cluster chart's fullname helper does", () => {
        assert.equal(rayClusterFullname({ releaseName: "raycluster", nameOverride: "kuberay" }), "raycluster-kuberay");
        assert.equal(rayClusterFullname({ releaseName: "raycluster" }), "raycluster-kuberay", "unset nameOverride: the chart's default, kuberay");
        assert.equal(rayClusterFullname({ releaseName: "kuberay-prod", nameOverride: "kuberay" }), "kuberay-prod", "release name containing kuberay");
        assert.equal(
            rayClusterFullname({ releaseName: "my-kuberay", nameOverride: "" }),
            "my-kuberay-ray-cluster",
            "empty nameOverride falls back to the chart name",
        );
        const long = "r".repeat(56);
        assert.equal(rayClusterFullname({ releaseName: long, nameOverride: "kuberay" }), `${long}-kuberay`.slice(0, 63));
        assert.equal(rayClusterFullname({ releaseName: "r".repeat(55), nameOverride: "kuberay" }), `${"r".repeat(55)}-kuberay`.slice(0, 63));
        assert.equal(rayClusterFullname({ releaseName: `${"a".repeat(62)}`, nameOverride: "kuberay" }), "a".repeat(62), "cut at 63, trailing '-' trimmed");
        assert.equal(rayClusterFullname({ releaseName: "raycluster", nameOverride: "kuberay", fullnameOverride: "ml-ray" }), "ml-ray");
    });

    it("puts the ignoreDifferences name in step with the chart for a fullnameOverride", async () => {
        const ev = await run({ environment: "dev", notifications: { enabled: false }, rayCluster: { fullnameOverride: "ml-ray", releaseName: "ray" } });
        const o = objOf(appNamed(ev, "raycluster"));
        assert.equal((o.spec.ignoreDifferences as { name: string }[])[0].name, "ml-ray");
        assert.equal(ev.outputs.rayClusterName, "ml-ray");
    });

    it("lays worker groups out by name, whatever their order in config: every group in additionalWorkerGroups, the chart's worker slot off", () => {
        const zeta = { replicas: 2, minReplicas: 1, maxReplicas: 5, cpu: 2, memory: "4Gi" };
        const alpha = { replicas: 0, minReplicas: 0, maxReplicas: 3, cpu: "8", memory: "32Gi", gpu: "1" };
        const mid = { replicas: 0, minReplicas: 0, maxReplicas: 1, cpu: "500m", memory: "1Gi", disabled: true };
        const valuesFor = (workerGroups: Record<string, unknown>) =>
            rayClusterValues(parseConfig({ environment: "dev", rayCluster: { workerGroups } }).rayCluster);
        const v = valuesFor({ zeta, alpha, mid }) as { worker: unknown; additionalWorkerGroups: Record<string, unknown> };
        assert.deepEqual(v.worker, { disabled: true });
        assert.deepEqual(v.additionalWorkerGroups, {
            alpha: {
                disabled: false,
                maxReplicas: 3,
                minReplicas: 0,
                rayStartParams: { resources: '"{\\"alpha\\": 1}"' },
                replicas: 0,
                resources: { limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" }, requests: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" } },
                // `gpu: "1"` is the shorthand of {count: 1}: it tolerates the GPU pool's taint.
                tolerations: [{ effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" }],
            },
            mid: {
                disabled: true,
                maxReplicas: 1,
                minReplicas: 0,
                rayStartParams: { resources: '"{\\"mid\\": 1}"' },
                replicas: 0,
                resources: { limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } },
            },
            zeta: {
                disabled: false,
                maxReplicas: 5,
                minReplicas: 1,
                rayStartParams: { resources: '"{\\"zeta\\": 1}"' },
                replicas: 2,
                resources: { limits: { cpu: "2", memory: "4Gi" }, requests: { cpu: "2", memory: "4Gi" } },
            },
        });
        assert.deepEqual(Object.keys(v.additionalWorkerGroups), ["alpha", "mid", "zeta"]);
        assert.equal(JSON.stringify(valuesFor({ mid, alpha, zeta })), JSON.stringify(v), "another order, the same values");
    });

    it("quotes the custom resource exactly as the seed does", () => {
        assert.equal(groupResources("standard-worker"), String.raw`"{\"standard-worker\": 1}"`);
    });
});

describe("further applications from config", () => {
    const cfg = {
        environment: "dev",
        notifications: { enabled: false },
        applications: {
            "feature-store": {
                repoURL: "https://github.com/org/feast-config.git",
                targetRevision: "main",
                path: "deploy",
                destination: { namespace: "feast" },
            },
            "model-registry": {
                repoURL: "oci://ghcr.io/org/charts",
                chart: "mlflow",
                targetRevision: "1.2.3",
                destination: { namespace: "mlflow" },
                finalizer: "background",
                syncOptions: ["ServerSideApply=true"],
            },
        },
    };

    it("declares each, in the ML project, which admits its repo and namespace", async () => {
        const ev = await run(cfg);
        const fs = objOf(appNamed(ev, "feature-store"));
        assert.deepEqual(fs.spec.source, { path: "deploy", repoURL: "https://github.com/org/feast-config.git", targetRevision: "main" });
        assert.equal(fs.spec.project, "ml-dev");
        const mr = appNamed(ev, "model-registry");
        assert.equal(mr.name, "ml-app-model-registry");
        assert.deepEqual((mr.inputs.metadata as { finalizers: string[] }).finalizers, ["resources-finalizer.argocd.argoproj.io/background"]);
        assert.deepEqual((objOf(mr).spec.syncPolicy as { syncOptions: string[] }).syncOptions, ["ServerSideApply=true"]);
        const project = objOf(byType(ev, T.project).find((p) => objOf(p).metadata.name === "ml-dev")!).spec as {
            sourceRepos: string[];
            destinations: { namespace: string; server: string }[];
        };
        assert.deepEqual(project.sourceRepos, [
            "https://github.com/org/feast-config.git",
            "https://github.com/org/ml-platform-config",
            "oci://ghcr.io/org/charts",
        ]);
        assert.deepEqual(
            project.destinations.map((d) => d.namespace),
            ["feast", "ml-serving", "mlflow"],
        );
    });

    it("plans projects that admit exactly their apps (pure)", () => {
        const c = parseConfig(cfg);
        const apps = planApplications(c);
        const projects = planProjects(c, apps);
        // From cfg: default project names, the two extra apps in the ML project.
        const FEAST = "https://github.com/org/feast-config.git";
        const OCI = "oci://ghcr.io/org/charts";
        assert.deepEqual(
            apps.map((a) => [a.key, a.args.spec.project, a.args.spec.source!.repoURL, a.args.spec.destination.server, a.args.spec.destination.namespace]),
            [
                ["ray-operator-crds", "ray-platform", KUBERAY_GIT, IN_CLUSTER, "ray-system"],
                ["ray-operator", "ray-platform", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                ["raycluster", "ray-platform", KUBERAY_HELM, IN_CLUSTER, "ray-system"],
                ["ml-platform", "ml-dev", ML_REPO, IN_CLUSTER, "ml-serving"],
                ["feature-store", "ml-dev", FEAST, IN_CLUSTER, "feast"],
                ["model-registry", "ml-dev", OCI, IN_CLUSTER, "mlflow"],
            ],
        );
        assert.deepEqual(
            projects.map((p) => [p.name, p.spec.sourceRepos, p.spec.destinations.map((d) => `${d.server} ${d.namespace}`)]),
            [
                ["ml-dev", [FEAST, ML_REPO, OCI], [`${IN_CLUSTER} feast`, `${IN_CLUSTER} ml-serving`, `${IN_CLUSTER} mlflow`]],
                ["ray-platform", [KUBERAY_GIT, KUBERAY_HELM], [`${IN_CLUSTER} ray-system`]],
            ],
        );
        const [ml, ray] = projects.map((p) => p.spec);
        for (const repo of [FEAST, ML_REPO, OCI]) assert.ok(sourcePermitted(ml.sourceRepos, repo), `ml-dev admits ${repo}`);
        for (const ns of ["feast", "ml-serving", "mlflow"]) assert.ok(destinationPermitted(ml.destinations, IN_CLUSTER, ns), `ml-dev admits ${ns}`);
        for (const repo of [KUBERAY_GIT, KUBERAY_HELM]) assert.ok(sourcePermitted(ray.sourceRepos, repo), `ray-platform admits ${repo}`);
        assert.ok(destinationPermitted(ray.destinations, IN_CLUSTER, "ray-system"));
        for (const repo of ["https://github.com/evil/repo", KUBERAY_GIT, KUBERAY_HELM, "oci://ghcr.io/org/other-charts"])
            assert.equal(sourcePermitted(ml.sourceRepos, repo), false, `ml-dev refuses ${repo}`);
        for (const repo of ["https://github.com/evil/repo", FEAST, ML_REPO, OCI])
            assert.equal(sourcePermitted(ray.sourceRepos, repo), false, `ray-platform refuses ${repo}`);
        for (const ns of ["ray-system", "default", "kube-system"])
            assert.equal(destinationPermitted(ml.destinations, IN_CLUSTER, ns), false, `ml-dev refuses ${ns}`);
        for (const ns of ["feast", "mlflow", "ml-serving"])
            assert.equal(destinationPermitted(ray.destinations, IN_CLUSTER, ns), false, `ray-platform refuses ${ns}`);
    });
});

describe("Argo CD glob matching", () => {
    it("matches as gobwas/glob without separators, with negation", () => {
        assert.ok(globMatch("https://github.com/org/*", "https://github.com/org/a/b"));
        assert.ok(globMatch("ml-{serving,training}", "ml-training"));
        assert.ok(!globMatch("ml-?", "ml-ab"));
        assert.ok(sourcePermitted(["https://github.com/org/*"], "https://GitHub.com/org/Repo.git"));
        assert.ok(!sourcePermitted(["*", "!https://github.com/org/secret"], "https://github.com/org/secret.git"));
        assert.ok(
            !destinationPermitted(
                [
                    { server: "*", namespace: "*" },
                    { server: "*", namespace: "!kube-system" },
                ],
                "https://kubernetes.default.svc",
                "kube-system",
            ),
        );
    });
});
