/**
 * The AppProjects and the resource options and dependencies of the Argo CD objects, asserted
 * against literal expectations (never against lists computed by the code that builds them), and
 * admission tested both ways: what each project must admit and what it must refuse.
 */
import * as assert from "node:assert/strict";
import { namedNamespaces } from "../components/projectKinds";
import { projectGroupProblem, projectPolicyProblem } from "../components/projectRoles";
import { policies } from "../policy/policies";
import { createHash } from "node:crypto";
import { appProjectManifest, applicationManifest } from "../components/application";
import { parseConfig } from "../components/config";
import { destinationPermitted, resourcePermitted, sourcePermitted } from "./glob";
import { planApplications, planProjects } from "../components/plan";
import { reveal, type Evaluation, type RecordedResource } from "../testing/engine";
import { renderStack } from "../commands/render";
import { byType, one, RAY_PROJECT_WHITELIST, run, T } from "./harness";

const IN_CLUSTER = "https://kubernetes.default.svc";
const FINALIZER = "resources-finalizer.argocd.argoproj.io";
const ML_NAMESPACED = [
    { group: "", kind: "*" },
    { group: "apps", kind: "*" },
    { group: "autoscaling", kind: "*" },
    { group: "policy", kind: "*" },
    { group: "serving.kserve.io", kind: "*" },
    { group: "ray.io", kind: "RayJob" },
    { group: "ray.io", kind: "RayService" },
];
const RBAC = "rbac.authorization.k8s.io";
/** The Ray project's cluster whitelist: each entry narrowed by name. */
const RAY_CLUSTER_KINDS = RAY_PROJECT_WHITELIST;
/** Cluster-scoped objects the KubeRay charts create. */
const KUBERAY_OBJECTS = [
    ["apiextensions.k8s.io", "CustomResourceDefinition", "rayservices.ray.io"],
    [RBAC, "ClusterRole", "kuberay-operator"],
    [RBAC, "ClusterRole", "rayservice-editor-role"],
    [RBAC, "ClusterRole", "rayjob-viewer-role"],
    [RBAC, "ClusterRoleBinding", "kuberay-operator"],
] as const;
/** The namespaced kinds the kuberay-operator and ray-cluster charts can create, and nothing else. */
const RAY_NAMESPACED = [
    { group: "", kind: "ConfigMap" },
    { group: "", kind: "Service" },
    { group: "", kind: "ServiceAccount" },
    { group: "apps", kind: "Deployment" },
    { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
    { group: RBAC, kind: "Role" },
    { group: RBAC, kind: "RoleBinding" },
    { group: "ray.io", kind: "RayCluster" },
];
const RAY_REPOS = ["https://github.com/ray-project/kuberay", "https://ray-project.github.io/kuberay-helm/"];

type ProjectSpec = {
    sourceRepos: string[];
    destinations: { server: string; namespace: string }[];
    clusterResourceWhitelist: { group: string; kind: string; name?: string }[];
    namespaceResourceWhitelist: { group: string; kind: string }[];
};
const projectObject = (ev: Evaluation, name: string): RecordedResource =>
    byType(ev, T.project).find((p) => (p.inputs.metadata as { name: string }).name === name)!;
const specOf = (ev: Evaluation, name: string) => projectObject(ev, name).inputs.spec as ProjectSpec;

function rayProject(name: string) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { finalizers: [FINALIZER], name, namespace: "argocd" },
        spec: {
            clusterResourceWhitelist: RAY_CLUSTER_KINDS,
            description: "KubeRay 1.7.0: CRDs, operator and RayCluster",
            destinations: [{ namespace: "ray-system", server: IN_CLUSTER }],
            namespaceResourceWhitelist: RAY_NAMESPACED,
            sourceRepos: RAY_REPOS,
        },
    };
}

describe("AppProjects of the shipped stacks, literally", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        dev = (await renderStack("dev")).evaluation;
        prod = (await renderStack("prod")).evaluation;
    });

    it("dev: the ML project admits the ml-platform repo and namespace only, with the project finalizer", () => {
        assert.deepEqual(projectObject(dev, "ml-dev").inputs, {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AppProject",
            metadata: { finalizers: [FINALIZER], name: "ml-dev", namespace: "argocd" },
            spec: {
                clusterResourceWhitelist: [{ group: "", kind: "Namespace", name: "ml-serving" }],
                description: "ML Platform Dev",
                destinations: [{ namespace: "ml-serving", server: IN_CLUSTER }],
                namespaceResourceWhitelist: ML_NAMESPACED,
                sourceRepos: ["https://github.com/org/ml-platform-config"],
            },
        });
        assert.deepEqual(projectObject(dev, "ray-dev").inputs, rayProject("ray-dev"));
    });

    it("prod: the ML project adds the configured sourceRepos and destinationNamespaces, and the ml-engineer role", () => {
        assert.deepEqual(projectObject(prod, "ml-production").inputs, {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AppProject",
            metadata: { finalizers: [FINALIZER], name: "ml-production", namespace: "argocd" },
            spec: {
                clusterResourceWhitelist: [
                    { group: "", kind: "Namespace", name: "ml-serving" },
                    { group: "", kind: "Namespace", name: "ml-training" },
                ],
                description: "ML Platform Production",
                destinations: [
                    { namespace: "ml-serving", server: IN_CLUSTER },
                    { namespace: "ml-training", server: IN_CLUSTER },
                ],
                namespaceResourceWhitelist: ML_NAMESPACED,
                roles: [
                    {
                        description: "ML engineers see and sync the ML platform's applications",
                        groups: ["ml-engineers"],
                        name: "ml-engineer",
                        policies: [
                            "p, proj:ml-production:ml-engineer, applications, get, ml-production/*, allow",
                            "p, proj:ml-production:ml-engineer, applications, sync, ml-production/*, allow",
                        ],
                    },
                ],
                sourceRepos: ["https://github.com/org/ml-models", "https://github.com/org/ml-platform-config"],
            },
        });
        assert.deepEqual(projectObject(prod, "ray-production").inputs, rayProject("ray-production"));
    });

    it("the ML projects refuse other repos, namespaces, servers and KubeRay's cluster-scoped kinds", () => {
        for (const [ev, name] of [
            [dev, "ml-dev"],
            [prod, "ml-production"],
        ] as const) {
            const p = specOf(ev, name);
            for (const repo of ["https://github.com/org/other", "https://github.com/ray-project/kuberay", "https://ray-project.github.io/kuberay-helm/"])
                assert.equal(sourcePermitted(p.sourceRepos, repo), false, `${name} refuses ${repo}`);
            for (const ns of ["ray-system", "kube-system", "argocd", "default"])
                assert.equal(destinationPermitted(p.destinations, IN_CLUSTER, ns), false, `${name} refuses namespace ${ns}`);
            assert.equal(destinationPermitted(p.destinations, "https://other.example.com", "ml-serving"), false, `${name} refuses another cluster`);
            for (const [g, k, n] of KUBERAY_OBJECTS) assert.equal(resourcePermitted(p.clusterResourceWhitelist, g, k, n), false, `${name} refuses ${k} ${n}`);
            for (const ns of ["ray-system", "kube-system", "argocd", "default"])
                assert.equal(resourcePermitted(p.clusterResourceWhitelist, "", "Namespace", ns), false, `${name} refuses Namespace ${ns}`);
            assert.ok(resourcePermitted(p.clusterResourceWhitelist, "", "Namespace", "ml-serving"), `${name} admits its own namespace`);
            assert.equal(resourcePermitted(p.namespaceResourceWhitelist, "ray.io", "RayCluster"), false, `${name} refuses RayClusters`);
            assert.equal(resourcePermitted(p.namespaceResourceWhitelist, "ray.io", "RayCronJob"), false, `${name} refuses RayCronJobs`);
            for (const kind of ["RayJob", "RayService"]) assert.ok(resourcePermitted(p.namespaceResourceWhitelist, "ray.io", kind), `${name} admits ${kind}s`);
            assert.equal(resourcePermitted(p.namespaceResourceWhitelist, "rbac.authorization.k8s.io", "Role"), false, `${name} refuses Roles`);
        }
        assert.equal(destinationPermitted(specOf(dev, "ml-dev").destinations, IN_CLUSTER, "ml-training"), false, "ml-training is prod's extra");
        assert.equal(sourcePermitted(specOf(dev, "ml-dev").sourceRepos, "https://github.com/org/ml-models"), false, "ml-models is prod's extra");
    });

    it("the KubeRay projects refuse the ML repo and namespaces, other cluster-scoped kinds and other namespaced groups", () => {
        for (const [ev, name] of [
            [dev, "ray-dev"],
            [prod, "ray-production"],
        ] as const) {
            const p = specOf(ev, name);
            assert.equal(sourcePermitted(p.sourceRepos, "https://github.com/org/ml-platform-config"), false);
            assert.equal(sourcePermitted(p.sourceRepos, "https://github.com/ray-project/kuberay-fork"), false);
            assert.equal(destinationPermitted(p.destinations, IN_CLUSTER, "ml-serving"), false);
            assert.equal(destinationPermitted(p.destinations, IN_CLUSTER, "kube-system"), false);
            for (const [group, kind] of [
                ["admissionregistration.k8s.io", "ValidatingWebhookConfiguration"],
                ["storage.k8s.io", "StorageClass"],
                ["", "PersistentVolume"],
                ["rbac.authorization.k8s.io", "Role"],
            ])
                assert.equal(resourcePermitted(p.clusterResourceWhitelist, group, kind), false, `${name} refuses cluster-scoped ${kind}`);
            // A repository admitted here could otherwise bind itself cluster-admin, or replace a CRD it does not own.
            for (const [group, kind, n] of [
                [RBAC, "ClusterRoleBinding", "ray-admin"],
                [RBAC, "ClusterRole", "cluster-admin"],
                [RBAC, "ClusterRole", "rayjob-editor-role-x"],
                ["apiextensions.k8s.io", "CustomResourceDefinition", "applications.argoproj.io"],
                ["", "Namespace", "ml-serving"],
                ["", "Namespace", "kube-system"],
            ])
                assert.equal(resourcePermitted(p.clusterResourceWhitelist, group, kind, n), false, `${name} refuses ${kind} ${n}`);
            for (const [group, kind] of [
                ["networking.k8s.io", "NetworkPolicy"],
                ["monitoring.coreos.com", "PrometheusRule"],
                ["batch", "Job"],
                ["", "Secret"],
                ["", "Pod"],
                ["apps", "StatefulSet"],
                ["apps", "DaemonSet"],
                ["ray.io", "RayJob"],
            ])
                assert.equal(resourcePermitted(p.namespaceResourceWhitelist, group, kind), false, `${name} refuses ${group}/${kind}`);
            for (const [g, k, n] of [...KUBERAY_OBJECTS, ["", "Namespace", "ray-system"]])
                assert.ok(resourcePermitted(p.clusterResourceWhitelist, g, k, n), `${name} admits ${k} ${n}`);
        }
    });

    it("declares every Application with deleteBeforeReplace, and nothing else with it: an AppProject is replaced create-first, so a rename leaves no project stuck", () => {
        for (const ev of [dev, prod]) {
            for (const r of ev.resources) {
                const app = r.custom && r.type === T.app;
                assert.equal(r.options.deleteBeforeReplace, app, `${r.type} ${r.name}`);
                assert.equal(r.options.protect, false, `${r.type} ${r.name}`);
                assert.equal(r.options.retainOnDelete, false, `${r.type} ${r.name}`);
            }
            assert.equal(ev.resources.filter((r) => r.options.deleteBeforeReplace).length, 4, "four Applications");
        }
    });

    it("makes each built-in Application wait for its destination namespace, its project, Argo CD, the notifications and the app before it", () => {
        const urn = (t: string, n: string) => `urn:pulumi:prod::ml-gitops::${t}::${n}`;
        const base = [
            urn("ml-gitops:argocd:ArgoCd$kubernetes:core/v1:Namespace", "ml-argocd-ns"),
            urn("ml-gitops:argocd:ArgoCd$kubernetes:core/v1:Secret", "ml-argocd-secret"),
            urn("ml-gitops:argocd:ArgoCd$kubernetes:helm.sh/v3:Release", "ml-argocd"),
            urn("ml-gitops:argocd:Notifications$kubernetes:core/v1:ConfigMap", "ml-notifications-cm"),
            urn("ml-gitops:argocd:Notifications$kubernetes:core/v1:Secret", "ml-notifications-secret"),
        ];
        const project = (n: string) => urn("ml-gitops:argocd:AppProject$kubernetes:argoproj.io/v1alpha1:AppProject", n);
        const appUrn = (n: string) => urn("ml-gitops:argocd:Application$kubernetes:argoproj.io/v1alpha1:Application", n);
        const ns = (n: string) => urn("ml-gitops:platform:MlPlatform$kubernetes:core/v1:Namespace", n);
        const deps = (name: string) => one(prod, T.app, name).dependencies;
        assert.deepEqual(deps("ml-ml-platform"), [project("ml-project"), ...base, ns("ml-ml-ns")].sort());
        assert.deepEqual(deps("ml-ray-operator-crds"), [project("ml-ray-project"), ...base, ns("ml-ray-ns")].sort());
        assert.deepEqual(deps("ml-ray-operator"), [project("ml-ray-project"), appUrn("ml-ray-operator-crds"), ...base, ns("ml-ray-ns")].sort());
        assert.deepEqual(deps("ml-raycluster"), [project("ml-ray-project"), appUrn("ml-ray-operator"), ...base, ns("ml-ray-ns")].sort());
        assert.deepEqual(one(prod, T.project, "ml-project").dependencies, base);
        assert.deepEqual(one(prod, T.project, "ml-ray-project").dependencies, base);
        // Pod Security Admission: KubeRay's namespace enforces restricted, the ML platform's baseline; both warn and audit at restricted.
        const labels = (enforce: string) => ({
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/enforce": enforce,
            "pod-security.kubernetes.io/warn": "restricted",
        });
        assert.deepEqual(one(prod, T.namespace, "ml-ray-ns").inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { labels: labels("restricted"), name: "ray-system" },
        });
        assert.deepEqual(one(prod, T.namespace, "ml-ml-ns").inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { labels: labels("baseline"), name: "ml-serving" },
        });
    });

    it("enforces the least strict level of what shares a namespace, and each configured level", async () => {
        const enforced = (ev: Evaluation, name: string) =>
            (one(ev, T.namespace, name).inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"];
        const shared = await run({ environment: "dev", notifications: { enabled: false }, mlPlatform: { namespace: "ray-system" } });
        assert.equal(enforced(shared, "ml-ray-ns"), "baseline", "Ray and ML in one namespace: the ML platform's baseline");
        assert.deepEqual(
            byType(shared, T.namespace)
                .map((r) => r.name)
                .sort(),
            ["ml-argocd-ns", "ml-ray-ns"],
        );
        const inArgo = await run({ environment: "dev", notifications: { enabled: false }, kuberay: { namespace: "argocd", podSecurity: "privileged" } });
        assert.equal(enforced(inArgo, "ml-argocd-ns"), "privileged", "KubeRay in Argo CD's namespace: its level there");
        assert.equal(enforced(inArgo, "ml-ml-ns"), "baseline");
        const set = await run({
            environment: "dev",
            notifications: { enabled: false },
            argocd: { podSecurity: "baseline" },
            mlPlatform: { podSecurity: "restricted" },
        });
        assert.deepEqual([enforced(set, "ml-argocd-ns"), enforced(set, "ml-ray-ns"), enforced(set, "ml-ml-ns")], ["baseline", "restricted", "restricted"]);
    });
});

describe("AppProjects and namespaces from config", () => {
    it("adds configured extras to the ML project only, deduplicated and sorted, and admits nothing else", async () => {
        const ev = await run({
            environment: "dev",
            notifications: { enabled: false },
            project: {
                sourceRepos: ["https://github.com/org/zz-extra", "https://github.com/org/ml-platform-config", "https://github.com/org/aa-*"],
                destinationNamespaces: ["team-b", "ml-serving", "team-a"],
                clusterResourceWhitelist: [
                    { group: "storage.k8s.io", kind: "StorageClass" },
                    { group: "", kind: "Namespace", name: "team-*" },
                ],
                namespaceResourceWhitelist: [{ group: "batch", kind: "Job" }],
                // written with spaces around it: the project gets the line trimmed
                roles: [{ name: "viewer", policies: ["  p, proj:ml-dev:viewer, applications, get, ml-dev/*, allow "] }],
            },
        });
        assert.deepEqual(projectObject(ev, "ml-dev").inputs.spec, {
            clusterResourceWhitelist: [
                { group: "storage.k8s.io", kind: "StorageClass" },
                { group: "", kind: "Namespace", name: "team-*" },
            ],
            description: "ML platform",
            destinations: [
                { namespace: "ml-serving", server: IN_CLUSTER },
                { namespace: "team-a", server: IN_CLUSTER },
                { namespace: "team-b", server: IN_CLUSTER },
            ],
            namespaceResourceWhitelist: [{ group: "batch", kind: "Job" }],
            roles: [{ groups: [], name: "viewer", policies: ["p, proj:ml-dev:viewer, applications, get, ml-dev/*, allow"] }],
            sourceRepos: ["https://github.com/org/aa-*", "https://github.com/org/ml-platform-config", "https://github.com/org/zz-extra"],
        });
        const ray = projectObject(ev, "ray-platform").inputs.spec as ProjectSpec;
        assert.deepEqual(ray.sourceRepos, RAY_REPOS, "the KubeRay project takes none of the ML project's extras");
        assert.deepEqual(ray.destinations, [{ namespace: "ray-system", server: IN_CLUSTER }]);
        assert.deepEqual(ray.clusterResourceWhitelist, RAY_CLUSTER_KINDS);
    });

    it("narrows an unnamed Namespace entry to the ML project's destination namespaces, and names the operator's RBAC as its chart does", () => {
        const c = parseConfig({
            environment: "dev",
            project: { destinationNamespaces: ["team-*", "ml-serving"] },
            kuberay: { operatorValues: { fullnameOverride: "ray-op" } },
        });
        const [ml, ray] = planProjects(c);
        assert.deepEqual(ml.spec.clusterResourceWhitelist, [
            { group: "", kind: "Namespace", name: "ml-serving" },
            { group: "", kind: "Namespace", name: "team-*" },
        ]);
        assert.deepEqual(ray.spec.clusterResourceWhitelist, [
            { group: "", kind: "Namespace", name: "ray-system" },
            { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", name: "*.ray.io" },
            { group: RBAC, kind: "ClusterRole", name: "ray-op" },
            { group: RBAC, kind: "ClusterRole", name: "ray*-editor-role" },
            { group: RBAC, kind: "ClusterRole", name: "ray*-viewer-role" },
            { group: RBAC, kind: "ClusterRoleBinding", name: "ray-op" },
        ]);
        const named = (values: Record<string, unknown>) =>
            planProjects(parseConfig({ environment: "dev", kuberay: { operatorValues: values } }))[1].spec.clusterResourceWhitelist![2].name;
        assert.equal(named({ nameOverride: "mgr" }), "kuberay-operator", "the chart's own fullnameOverride (kuberay-operator) still wins");
        assert.equal(named({ nameOverride: "mgr", fullnameOverride: "" }), "kuberay-operator-mgr");
        assert.equal(named({ nameOverride: "mgr", fullnameOverride: null }), "kuberay-operator-mgr", "null: helm deletes the chart's default");
        assert.equal(named({ nameOverride: "operator", fullnameOverride: "" }), "kuberay-operator", "a release that contains the name is the fullname");
        assert.equal(named({ fullnameOverride: `${"x".repeat(62)}-y` }), "x".repeat(62), "cut to 63, then a trailing '-' dropped");
    });

    it("never admits '*' repos or namespaces unless configured", () => {
        const c = parseConfig({ environment: "dev" });
        for (const p of planProjects(c)) {
            assert.ok(!p.spec.sourceRepos.includes("*"), p.name);
            assert.equal(sourcePermitted(p.spec.sourceRepos, "https://evil.example.com/x"), false, p.name);
            assert.equal(p.spec.roles, undefined, `${p.name}: no roles unless configured`);
        }
    });

    it("places an extra app's repo and destination (another cluster too) in the ML project, never the Ray project", () => {
        const c = parseConfig({
            environment: "dev",
            applications: {
                "ray-dashboards": {
                    repoURL: "https://github.com/org/dash",
                    targetRevision: "v1.0.0",
                    path: "d",
                    destination: { namespace: "dash", server: "https://edge.example.com" },
                },
            },
        });
        const [ml, ray] = planProjects(c, planApplications(c));
        assert.deepEqual(ml.spec.sourceRepos, ["https://github.com/org/dash", "https://github.com/org/ml-platform-config"]);
        assert.deepEqual(ml.spec.destinations, [
            { namespace: "dash", server: "https://edge.example.com" },
            { namespace: "ml-serving", server: IN_CLUSTER },
        ]);
        assert.deepEqual(ray.spec.sourceRepos, RAY_REPOS);
        assert.deepEqual(ray.spec.destinations, [{ namespace: "ray-system", server: IN_CLUSTER }]);
    });

    it("creates no namespace for the Argo CD namespace itself, one per distinct namespace otherwise, and only in-cluster apps wait for it", async () => {
        const ev = await run({
            environment: "dev",
            notifications: { enabled: false },
            kuberay: { namespace: "argocd" },
            mlPlatform: { namespace: "shared" },
            applications: {
                local: { repoURL: "https://github.com/org/a", targetRevision: "main", path: "p", destination: { namespace: "shared" } },
                remote: {
                    repoURL: "https://github.com/org/b",
                    targetRevision: "main",
                    path: "p",
                    destination: { namespace: "shared", server: "https://edge.example.com" },
                },
            },
        });
        assert.deepEqual(
            byType(ev, T.namespace).map((r) => `${r.name}=${(r.inputs.metadata as { name: string }).name}`),
            ["ml-ml-ns=shared", "ml-argocd-ns=argocd"],
        );
        const nsUrn = "urn:pulumi:test::ml-gitops::ml-gitops:platform:MlPlatform$kubernetes:core/v1:Namespace::ml-ml-ns";
        assert.ok(one(ev, T.app, "ml-app-local").dependencies.includes(nsUrn));
        assert.ok(!one(ev, T.app, "ml-app-remote").dependencies.includes(nsUrn), "another cluster's namespace is not Pulumi's");
        assert.ok(!one(ev, T.app, "ml-ray-operator").dependencies.some((d) => d.endsWith(":Namespace::ml-ray-ns")));
        assert.ok(one(ev, T.app, "ml-ml-platform").dependencies.includes(nsUrn));
    });

    it("leaves the ml namespace out when the ML platform is off, and declares no ml-platform app", async () => {
        const ev = await run({ environment: "dev", notifications: { enabled: false }, mlPlatform: { enabled: false }, rayCluster: { enabled: false } });
        assert.deepEqual(
            byType(ev, T.namespace).map((r) => r.name),
            ["ml-ray-ns", "ml-argocd-ns"],
        );
        assert.deepEqual(
            byType(ev, T.app).map((r) => r.name),
            ["ml-ray-operator-crds", "ml-ray-operator"],
        );
        assert.deepEqual(reveal(ev.outputs.rayClusterName), undefined);
    });
});

describe("Argo CD object manifests (pure)", () => {
    const spec = { destination: { namespace: "x", server: IN_CLUSTER }, project: "p", source: { repoURL: "https://github.com/org/x" } };
    /** The marker of `spec`, by the rule docs/design.md states: SHA-256 of the compared fields as sorted JSON, 12 hex digits. */
    const MARKER = `pulumi-${createHash("sha256")
        .update('{"destination":{"namespace":"x","server":"https://kubernetes.default.svc"},"source":{"repoURL":"https://github.com/org/x"}}')
        .digest("hex")
        .slice(0, 12)}`;

    it("waits for Synced and Healthy alone on an Application with several sources, and marks no source (Argo CD ignores source then)", () => {
        const sources = [
            { repoURL: "https://github.com/org/x", path: "a" },
            { repoURL: "https://github.com/org/y", path: "b" },
        ];
        const m = applicationManifest({ name: "a", namespace: "argocd", spec: { ...spec, sources }, waitTimeoutSeconds: 60 });
        assert.deepEqual(m.spec.sources, sources);
        assert.deepEqual(m.spec.source, { repoURL: "https://github.com/org/x" });
        assert.deepEqual(m.metadata.annotations, {
            "pulumi.com/timeoutSeconds": "60",
            "pulumi.com/waitFor": '["jsonpath={.status.sync.status}=Synced","jsonpath={.status.health.status}=Healthy"]',
        });
    });

    it("gives an Application the foreground finalizer by default, the background one on request, none for none", () => {
        assert.deepEqual(applicationManifest({ name: "a", namespace: "argocd", spec }).metadata, { finalizers: [FINALIZER], name: "a", namespace: "argocd" });
        assert.deepEqual(applicationManifest({ name: "a", namespace: "argocd", spec, finalizer: "foreground" }).metadata.finalizers, [FINALIZER]);
        assert.deepEqual(applicationManifest({ name: "a", namespace: "argocd", spec, finalizer: "background" }).metadata.finalizers, [
            "resources-finalizer.argocd.argoproj.io/background",
        ]);
        assert.deepEqual(applicationManifest({ name: "a", namespace: "argocd", spec, finalizer: "none" }).metadata, { name: "a", namespace: "argocd" });
    });

    it("adds labels and subscriptions only when there are some, joining recipients sorted with ';'", () => {
        const m = applicationManifest({
            name: "a",
            namespace: "argocd",
            spec,
            labels: { team: "ml" },
            subscriptions: [
                { trigger: "on-sync-failed", service: "slack", recipient: "zeta" },
                { trigger: "on-sync-failed", service: "slack", recipient: "alpha" },
                { trigger: "on-sync-failed", service: "slack", recipient: "mid" },
                { trigger: "on-deployed", service: "slack", recipient: "one" },
            ],
            waitTimeoutSeconds: 30,
        });
        assert.deepEqual(m.metadata, {
            annotations: {
                "notifications.argoproj.io/subscribe.on-deployed.slack": "one",
                "notifications.argoproj.io/subscribe.on-sync-failed.slack": "alpha;mid;zeta",
                "pulumi.com/timeoutSeconds": "30",
                "pulumi.com/waitFor": `["jsonpath={.status.sync.comparedTo.source.name}=${MARKER}","jsonpath={.status.sync.status}=Synced","jsonpath={.status.health.status}=Healthy"]`,
            },
            finalizers: [FINALIZER],
            labels: { team: "ml" },
            name: "a",
            namespace: "argocd",
        });
        assert.deepEqual(Object.keys(applicationManifest({ name: "a", namespace: "n", spec, labels: {}, subscriptions: [] }).metadata), [
            "finalizers",
            "name",
            "namespace",
        ]);
        assert.equal(applicationManifest({ name: "a", namespace: "n", spec, waitTimeoutSeconds: 0 }).metadata.annotations?.["pulumi.com/timeoutSeconds"], "0");
    });

    it("names a waiting app's source by what Argo CD compares, and waits for that name in comparedTo (not the previous spec's status)", () => {
        const m = applicationManifest({ name: "a", namespace: "argocd", spec, waitTimeoutSeconds: 30 });
        assert.deepEqual(m.spec, { ...spec, source: { name: MARKER, repoURL: "https://github.com/org/x" } });
        const marker = (s: object) => applicationManifest({ name: "a", namespace: "argocd", spec: s as typeof spec, waitTimeoutSeconds: 30 }).spec.source?.name;
        // What Argo CD does not compare leaves the marker as it is: no wait for a compare that never comes.
        assert.equal(marker({ ...spec, project: "q", syncPolicy: { syncOptions: ["CreateNamespace=true"] }, info: [{ name: "n", value: "v" }] }), MARKER);
        // The source, the destination and ignoreDifferences each move it.
        assert.notEqual(marker({ ...spec, source: { ...spec.source, helm: { valuesObject: { cpu: "2" } } } }), MARKER);
        assert.notEqual(marker({ ...spec, source: { ...spec.source, targetRevision: "v2" } }), MARKER);
        assert.notEqual(marker({ ...spec, destination: { ...spec.destination, namespace: "y" } }), MARKER);
        assert.notEqual(marker({ ...spec, ignoreDifferences: [{ kind: "RayCluster", group: "ray.io", jsonPointers: ["/spec"] }] }), MARKER);
        // A name the caller set is not part of it, and is replaced.
        assert.equal(marker({ ...spec, source: { ...spec.source, name: "mine" } }), MARKER);
        // Without a wait, the spec is as given.
        assert.deepEqual(applicationManifest({ name: "a", namespace: "argocd", spec }).spec, spec);
    });

    it("gives an AppProject the finalizer that keeps it while apps use it", () => {
        assert.deepEqual(appProjectManifest({ name: "p", namespace: "argocd", spec: { destinations: [], sourceRepos: [] } }), {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AppProject",
            metadata: { finalizers: [FINALIZER], name: "p", namespace: "argocd" },
            spec: { destinations: [], sourceRepos: [] },
        });
    });
});

describe("project rules (pure)", () => {
    it("admits only the destination namespaces for an unnamed Namespace entry, sorted and once each; every other entry as it is", () => {
        assert.deepEqual(
            namedNamespaces(
                [
                    { group: "", kind: "Namespace" },
                    { group: "", kind: "Namespace", name: "fixed" },
                    { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
                    { group: "example.com", kind: "Namespace" },
                    { group: "", kind: "PersistentVolume" },
                ],
                [{ namespace: "b" }, { namespace: "" }, { namespace: "a" }, { namespace: "b" }],
            ),
            [
                { group: "", kind: "Namespace", name: "a" },
                { group: "", kind: "Namespace", name: "b" },
                { group: "", kind: "Namespace", name: "fixed" },
                { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
                { group: "example.com", kind: "Namespace" },
                { group: "", kind: "PersistentVolume" },
            ],
        );
    });

    it("reads a role's policy line as Argo CD does: six comma-separated fields, trimmed of spaces only, the object inside the project", () => {
        const problem = (line: string, project = "ml.dev") => projectPolicyProblem(line, project, "r");
        assert.equal(problem("p,  proj:ml.dev:r ,applications,get,  ml.dev/app,allow  "), undefined, "spaces around the fields");
        assert.equal(problem("p, proj:ml.dev:r, applications, get, ml.dev/my app, allow"), OBJECT_PROBLEM, "a space inside a field stays");
        assert.equal(problem("p, proj:ml.dev:r, applications, get, mlXdev/app, allow"), OBJECT_PROBLEM, "the project's dot is a dot");
        assert.equal(problem("p, proj:ml.dev:r, applications, get, ml.dev/app"), FORMAT_PROBLEM, "five fields");
        assert.equal(problem("g, proj:ml.dev:r, applications, get, ml.dev/app, allow"), FORMAT_PROBLEM, "not a policy line");
    });

    it("reads a group bound to a role as Argo CD does: quotes around it are dropped, a lone quote is refused", () => {
        assert.equal(projectGroupProblem("ml-engineers"), undefined);
        assert.equal(projectGroupProblem('"ml, engineers"'), undefined, "a quoted comma");
        assert.equal(projectGroupProblem('""'), "is empty");
        for (const g of ['"', '"ml-engineers', 'ml-engineers"']) assert.equal(projectGroupProblem(g), "contains a quote, a tab or a line break", g);
    });
});

const OBJECT_PROBLEM = "the object must be in the project: ml.dev/<application>, ml.dev/<namespace>/<application> or ml.dev/*";
const FORMAT_PROBLEM = "must be `p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow|deny`";

describe("the policy pack's declaration (policy/index.ts)", () => {
    it("serves every policy as the pack ml-gitops-guardrails, mandatory", () => {
        // The pack serves the policy analyzer at construction; its server is replaced by a recorder here.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const server = require("@pulumi/policy/server") as { serve: (...args: unknown[]) => void };
        const serve = server.serve;
        const calls: unknown[][] = [];
        server.serve = (...args: unknown[]) => void calls.push(args);
        const entry = require.resolve("../policy/index");
        try {
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded afresh, so that its top level runs again
            require(entry);
        } finally {
            server.serve = serve;
            delete require.cache[entry];
        }
        assert.equal(calls.length, 1);
        const [name, version, enforcementLevel, args] = calls[0] as [string, string, string, { policies: unknown }];
        assert.deepEqual([name, version, enforcementLevel], ["ml-gitops-guardrails", "0.1.0", "mandatory"]);
        assert.equal(args.policies, policies);
    });
});
