import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppProject, Application, type ApplicationArgs, type Subscription } from "./application";
import { ArgoCd } from "./argocd";
import type { AppProjectSpec, ApplicationSource, ApplicationSpec, GroupKind, SyncPolicy } from "./argocdTypes";
import { claimObjects, declaredObjects } from "./composition";
import { IN_CLUSTER, parseConfig, SECRET_KEYS } from "./config";
import type { MlPlatformSettings, PlatformConfig } from "./generated/settingsTypes";
import { Notifications } from "./notifications";
import { rayClusterFullname, rayClusterValues } from "./raycluster";

/** One Application the platform declares, before it becomes a resource. */
export interface PlannedApplication {
    /** Suffix of the Pulumi name: `${platform}-${key}`. */
    readonly key: string;
    /** The Application's args. */
    readonly args: ApplicationArgs;
    /** Key of the Application it must follow (CRDs → operator → RayCluster). */
    readonly after?: string;
}

/** One AppProject the platform declares. */
export interface PlannedProject {
    readonly key: string;
    readonly name: string;
    readonly spec: AppProjectSpec;
}

/** Cluster-scoped kinds the KubeRay charts create: its CRDs, the operator's ClusterRoles and bindings, and namespaces. */
export const KUBERAY_CLUSTER_KINDS: GroupKind[] = [
    { group: "", kind: "Namespace" },
    { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
];

/** Namespaced kinds the KubeRay charts create: operator Deployment, Service, ServiceAccount, leader-election Role, RayCluster, optional ServiceMonitor. */
export const KUBERAY_NAMESPACED_KINDS: GroupKind[] = [
    { group: "", kind: "*" },
    { group: "apps", kind: "*" },
    { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
    { group: "ray.io", kind: "*" },
    { group: "rbac.authorization.k8s.io", kind: "Role" },
    { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
];

function syncPolicy(c: PlatformConfig, syncOptions: string[], automated = true): SyncPolicy {
    const policy: SyncPolicy = {
        retry: { backoff: { ...c.sync.retry.backoff }, limit: c.sync.retry.limit },
        syncOptions,
    };
    if (automated) policy.automated = { allowEmpty: false, prune: true, selfHeal: true };
    return policy;
}

const INFO = [{ name: "Managed by", value: "Pulumi (ml-gitops); change the stack config, not this object" }];

function app(
    c: PlatformConfig,
    key: string,
    spec: Omit<ApplicationSpec, "info" | "revisionHistoryLimit">,
    finalizer: ApplicationArgs["finalizer"],
    after?: string,
): PlannedApplication {
    const subscriptions: Subscription[] = c.notifications.enabled ? (c.notifications.subscriptions[key] ?? []) : [];
    return {
        key,
        after,
        args: {
            name: `${c.argocd.applicationNamePrefix}${key}`,
            namespace: c.argocd.namespace,
            finalizer,
            subscriptions,
            waitTimeoutSeconds: c.sync.wait ? c.sync.timeoutSeconds : undefined,
            spec: { ...spec, info: INFO, revisionHistoryLimit: 10 },
        },
    };
}

/**
 * What the raycluster Application ignores on its RayCluster: the autoscaler's replicas, and the
 * worker-group fields the CRD defaults but the ray-cluster chart never renders (tests/charts.test.ts
 * derives those from each supported KubeRay's CRD).
 */
export const RAYCLUSTER_IGNORED_JQ = [".spec.workerGroupSpecs[].replicas", ".spec.workerGroupSpecs[].priority"] as const;

/** The name the ray-cluster chart will give the RayCluster object. */
export function plannedRayClusterName(c: PlatformConfig): string {
    return rayClusterFullname(c.rayCluster);
}

/**
 * Pure: every Application of the platform, in dependency order. One KubeRay version drives the
 * CRDs (git tag `v<version>`), the operator chart and the ray-cluster chart.
 */
export function planApplications(c: PlatformConfig): PlannedApplication[] {
    const ray = c.kuberay;
    const rayDest = { namespace: ray.namespace, server: IN_CLUSTER };
    const apps: PlannedApplication[] = [];
    if (ray.install)
        apps.push(
            app(
                c,
                "ray-operator-crds",
                {
                    destination: rayDest,
                    project: c.rayProject.name,
                    source: { path: "helm-chart/kuberay-operator/crds", repoURL: ray.crdsRepoURL, targetRevision: `v${ray.version}` },
                    // The RayCluster CRD is too large for client-side apply's last-applied annotation.
                    syncPolicy: syncPolicy(c, ["ServerSideApply=true"]),
                },
                // Deleting this app deletes the CRDs and with them every RayCluster: keep them on destroy.
                "none",
            ),
            app(
                c,
                "ray-operator",
                {
                    destination: rayDest,
                    project: c.rayProject.name,
                    source: {
                        chart: "kuberay-operator",
                        helm: { releaseName: "kuberay-operator", skipCrds: true, valuesObject: c.kuberay.operatorValues },
                        repoURL: ray.chartRepository,
                        targetRevision: ray.version,
                    },
                    syncPolicy: syncPolicy(c, ["CreateNamespace=true"]),
                },
                "foreground",
                "ray-operator-crds",
            ),
        );
    if (c.rayCluster.enabled) {
        apps.push(
            app(
                c,
                "raycluster",
                {
                    destination: rayDest,
                    // The autoscaler owns worker replicas; RespectIgnoreDifferences keeps a sync from undoing it.
                    // With it, Argo CD 3.4 copies the whole live workerGroupSpecs into what it applies,
                    // priority included, which KubeRay 1.7's CRD defaults and the chart never renders:
                    // unless priority is ignored too, the Application stays OutOfSync and selfHeal syncs
                    // in a loop, resetting the replicas (seen in the e2e with the real controller).
                    ignoreDifferences: [
                        {
                            group: "ray.io",
                            jqPathExpressions: [...RAYCLUSTER_IGNORED_JQ],
                            kind: "RayCluster",
                            name: plannedRayClusterName(c),
                            namespace: ray.namespace,
                        },
                    ],
                    project: c.rayProject.name,
                    source: {
                        chart: "ray-cluster",
                        helm: { releaseName: c.rayCluster.releaseName, valuesObject: rayClusterValues(c.rayCluster) },
                        repoURL: ray.chartRepository,
                        targetRevision: ray.version,
                    },
                    syncPolicy: syncPolicy(c, ["CreateNamespace=true", "RespectIgnoreDifferences=true"]),
                },
                "foreground",
                // Without its own operator, the RayCluster follows nothing the platform declares.
                ray.install ? "ray-operator" : undefined,
            ),
        );
    }
    if (c.mlPlatform.enabled) {
        const m = c.mlPlatform;
        apps.push(
            app(
                c,
                "ml-platform",
                {
                    destination: { namespace: m.namespace, server: IN_CLUSTER },
                    project: c.project.name,
                    source: { helm: { valueFiles: m.valueFiles }, path: m.path, repoURL: m.repoURL, targetRevision: m.targetRevision },
                    syncPolicy: syncPolicy(c, ["ApplyOutOfSyncOnly=true", "CreateNamespace=true", "PruneLast=true"]),
                },
                "foreground",
            ),
        );
    }
    for (const [name, a] of Object.entries(c.applications)) {
        const source: ApplicationSource = { repoURL: a.repoURL, targetRevision: a.targetRevision };
        if (a.path) source.path = a.path;
        if (a.chart) source.chart = a.chart;
        if (a.helm) source.helm = { ...a.helm };
        apps.push(
            app(
                c,
                name,
                {
                    destination: { ...a.destination },
                    project: a.project ?? c.project.name,
                    source,
                    syncPolicy: syncPolicy(c, [...a.syncOptions].sort(), a.automated),
                },
                a.finalizer,
            ),
        );
    }
    return apps;
}

function uniqueSorted(xs: string[]): string[] {
    return [...new Set(xs)].sort();
}

function destinationsOf(apps: PlannedApplication[], extraNamespaces: string[] = []) {
    const keyed = new Map<string, { namespace: string; server: string }>();
    for (const a of apps) {
        const d = { namespace: a.args.spec.destination.namespace ?? "", server: a.args.spec.destination.server ?? IN_CLUSTER };
        keyed.set(`${d.server} ${d.namespace}`, d);
    }
    for (const ns of extraNamespaces) keyed.set(`${IN_CLUSTER} ${ns}`, { namespace: ns, server: IN_CLUSTER });
    return [...keyed.keys()].sort().map((k) => keyed.get(k)!);
}

function reposOf(apps: PlannedApplication[]): string[] {
    return apps.flatMap((a) => [a.args.spec.source, ...(a.args.spec.sources ?? [])]).flatMap((s) => (s ? [s.repoURL] : []));
}

/**
 * Pure: the two AppProjects. Each admits exactly the repos and destinations of the Applications
 * placed in it (plus configured extras); the KubeRay project also admits the cluster-scoped
 * kinds KubeRay needs, so the ML project stays narrow.
 */
export function planProjects(c: PlatformConfig, apps: PlannedApplication[] = planApplications(c)): PlannedProject[] {
    const inProject = (name: string) => apps.filter((a) => a.args.spec.project === name);
    const mlApps = inProject(c.project.name);
    const rayApps = inProject(c.rayProject.name);
    const ml: AppProjectSpec = {
        clusterResourceWhitelist: c.project.clusterResourceWhitelist,
        description: c.project.description,
        destinations: destinationsOf(mlApps, c.project.destinationNamespaces),
        namespaceResourceWhitelist: c.project.namespaceResourceWhitelist,
        sourceRepos: uniqueSorted([...reposOf(mlApps), ...c.project.sourceRepos]),
    };
    if (c.project.roles.length) ml.roles = c.project.roles.map((r) => ({ ...r }));
    const raySpec: AppProjectSpec = {
        clusterResourceWhitelist: KUBERAY_CLUSTER_KINDS,
        description: `KubeRay ${c.kuberay.version}: CRDs, operator and RayCluster`,
        destinations: destinationsOf(rayApps),
        namespaceResourceWhitelist: KUBERAY_NAMESPACED_KINDS,
        sourceRepos: uniqueSorted(reposOf(rayApps)),
    };
    return [
        { key: "project", name: c.project.name, spec: ml },
        { key: "ray-project", name: c.rayProject.name, spec: raySpec },
    ];
}

export type { MlPlatformSettings };

/** Arguments of an {@link MlPlatform}. */
export interface MlPlatformArgs {
    /** Everything but secrets, in the shape of the stack config (see the README's config reference for each default). */
    readonly settings: MlPlatformSettings;
    /** Argo CD admin password; default: a generated `RandomPassword`. */
    readonly adminPassword?: pulumi.Input<string>;
    /** Slack bot token; required when `notifications.slack.enabled`. */
    readonly slackToken?: pulumi.Input<string>;
    /** PagerDuty integration key; required when `notifications.pagerduty.enabled`. */
    readonly pagerdutyServiceKey?: pulumi.Input<string>;
}

/** A config path as an MlPlatform arg: the secrets are args of their own, the rest is under `settings`. */
function argPath(path: readonly PropertyKey[]): string {
    const [first, ...rest] = path.map(String);
    return (SECRET_KEYS as readonly string[]).includes(first) ? `args.${[first, ...rest].join(".")}` : `args.settings.${path.map(String).join(".")}`;
}

/** What a plain string says about a secret for validation; an Output stands in as present. */
function presence(v: pulumi.Input<string> | undefined): string | undefined {
    if (v === undefined) return undefined;
    return typeof v === "string" ? v : "[secret]";
}

/**
 * The child components of each MlPlatform, behind getters, so that Pulumi's component analyzer
 * (which reads every property as an output) sees only plain outputs.
 */
const children = new WeakMap<MlPlatform, { argocd?: ArgoCd; applications: Record<string, Application> }>();

/**
 * The whole ML GitOps platform: Argo CD, its notifications, the AppProjects, the KubeRay
 * Applications (CRDs → operator → RayCluster), the ML platform Application and any further
 * Applications. Pass the Kubernetes provider through `opts`; every child inherits it.
 */
export class MlPlatform extends pulumi.ComponentResource {
    /** Namespace Argo CD runs in. */
    public readonly argocdNamespace: pulumi.Output<string>;
    /** Argo CD's URL. */
    public readonly argocdUrl: string;
    /** Argo CD admin password (secret); undefined when the platform reuses another's Argo CD. */
    public readonly adminPassword: pulumi.Output<string | undefined>;
    /** `metadata.name` of every Application, in dependency order. */
    public readonly applicationNames: string[];
    /** `metadata.name` of every AppProject. */
    public readonly projectNames: string[];
    /** Name of the RayCluster object the ray-cluster chart creates, or undefined without one. */
    public readonly rayClusterName?: string;
    /** The validated config with defaults applied. */
    public readonly config: PlatformConfig;
    /** The Argo CD installation; undefined with `argocd.install: false`. */
    get argocd(): ArgoCd | undefined {
        return children.get(this)!.argocd;
    }
    /** The Applications by their key (`ray-operator-crds`, `raycluster`, `ml-platform`, … and each extra app's name). */
    get applications(): Record<string, Application> {
        return children.get(this)!.applications;
    }

    constructor(name: string, args: MlPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before anything is registered: a config mistake leaves nothing half-applied.
        // Mistakes are named as args of this instance (not as stack keys: a program may build them in code).
        const instance = `MlPlatform "${name}"`;
        const c = parseConfig(
            {
                ...args.settings,
                adminPassword: presence(args.adminPassword),
                pagerdutyServiceKey: presence(args.pagerdutyServiceKey),
                slackToken: presence(args.slackToken),
            },
            { keyName: (path) => argPath(path), heading: `invalid args of ${instance}` },
        );
        const apps = planApplications(c);
        const plannedProjects = planProjects(c, apps);
        const rayClusterName = c.rayCluster.enabled ? plannedRayClusterName(c) : undefined;
        // Two platforms in one stack must not declare the same Kubernetes object.
        claimObjects(instance, declaredObjects(c, apps, plannedProjects, rayClusterName));
        super("ml-gitops:platform:MlPlatform", name, {}, opts);
        this.config = c;
        const own: { argocd?: ArgoCd; applications: Record<string, Application> } = { applications: {} };
        children.set(this, own);

        // Children do not inherit a component's dependsOn: a platform that reuses another's Argo CD
        // is created with dependsOn that platform, and its objects wait for it.
        const before: pulumi.Input<pulumi.Resource>[] =
            opts?.dependsOn === undefined ? [] : ([] as pulumi.Input<pulumi.Resource>[]).concat(opts.dependsOn as pulumi.Input<pulumi.Resource>);
        let argocdNs: pulumi.Output<string>;
        if (c.argocd.install) {
            const argocd = new ArgoCd(
                `${name}-argocd`,
                { settings: c.argocd, notifications: c.notifications.enabled, adminPassword: args.adminPassword },
                { parent: this },
            );
            own.argocd = argocd;
            this.adminPassword = argocd.adminPassword;
            argocdNs = argocd.namespace;
            before.push(argocd);
        } else {
            argocdNs = pulumi.output(c.argocd.namespace);
            this.adminPassword = pulumi.output(undefined);
        }
        if (c.notifications.enabled) {
            // Applications wait for it, so their subscription annotations have a config to land in.
            const n = new Notifications(
                `${name}-notifications`,
                {
                    namespace: argocdNs,
                    settings: c.notifications,
                    argocdUrl: c.argocd.url,
                    slackToken: args.slackToken,
                    pagerdutyServiceKey: args.pagerdutyServiceKey,
                },
                { parent: this },
            );
            before.push(n);
        }

        // Destination namespaces of the built-in apps are Pulumi's, so destroy removes them after the apps.
        const namespaces = new Map<string, k8s.core.v1.Namespace>();
        const ensureNamespace = (key: string, ns: string) => {
            if (ns === c.argocd.namespace || namespaces.has(ns)) return;
            namespaces.set(ns, new k8s.core.v1.Namespace(`${name}-${key}`, { metadata: { name: ns } }, { parent: this }));
        };
        ensureNamespace("ray-ns", c.kuberay.namespace);
        if (c.mlPlatform.enabled) ensureNamespace("ml-ns", c.mlPlatform.namespace);

        const projects: Record<string, AppProject> = {};
        for (const p of plannedProjects) {
            projects[p.name] = new AppProject(
                `${name}-${p.key}`,
                { name: p.name, namespace: c.argocd.namespace, spec: p.spec },
                { parent: this, dependsOn: before },
            );
        }

        for (const a of apps) {
            const deps: pulumi.Input<pulumi.Resource>[] = [...before, projects[a.args.spec.project]];
            const ns = namespaces.get(a.args.spec.destination.namespace ?? "");
            if (ns && (a.args.spec.destination.server ?? IN_CLUSTER) === IN_CLUSTER) deps.push(ns);
            // Stryker disable next-line ConditionalExpression: equivalent when forced true: the SDK drops an undefined dependsOn entry
            if (a.after) deps.push(own.applications[a.after]);
            const key = c.applications[a.key] ? `app-${a.key}` : a.key;
            own.applications[a.key] = new Application(`${name}-${key}`, a.args, { parent: this, dependsOn: deps });
        }

        this.argocdNamespace = argocdNs;
        this.argocdUrl = c.argocd.url;
        this.applicationNames = apps.map((a) => a.args.name);
        this.projectNames = Object.keys(projects).sort();
        this.rayClusterName = rayClusterName;
        this.registerOutputs({
            adminPassword: this.adminPassword,
            applicationNames: this.applicationNames,
            argocdNamespace: this.argocdNamespace,
            argocdUrl: this.argocdUrl,
            projectNames: this.projectNames,
            rayClusterName: this.rayClusterName,
        });
    }
}
