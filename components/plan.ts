/**
 * Pure planning: the Applications and AppProjects a platform declares, from its validated config,
 * before any of them becomes a resource. Their settings (projects, the ML platform app, extra
 * applications, sync) are in planSettings.ts, beside this file.
 */
import type { ApplicationArgs, Subscription } from "./application";
import { IN_CLUSTER } from "./argocdNames";
import type { AppProjectSpec, ApplicationSource, ApplicationSpec, SyncPolicy } from "./argocdTypes";
import type { PlatformConfig } from "./generated/settingsTypes";
import { KUBERAY_NAMESPACED_KINDS, KUBERAY_OPERATOR_RELEASE, kuberayClusterObjects, namedNamespaces } from "./projectKinds";
import { actionLines } from "./projectRoles";
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

/** The settings that decide which built-in Applications a config declares. */
interface Declares {
    readonly kuberay: { readonly install: boolean };
    readonly rayCluster: { readonly enabled: boolean };
    readonly mlPlatform: { readonly enabled: boolean };
}

/** The built-in Applications, each with what declares it: the one place their names are written. */
const BUILTIN_APPS = {
    "ml-platform": (c: Declares) => c.mlPlatform.enabled,
    "ray-operator": (c: Declares) => c.kuberay.install,
    "ray-operator-crds": (c: Declares) => c.kuberay.install,
    raycluster: (c: Declares) => c.rayCluster.enabled,
};
type BuiltinApp = keyof typeof BUILTIN_APPS;

/** Names the program gives its own Applications; extra applications may not reuse them. */
export const BUILTIN_APP_NAMES = Object.keys(BUILTIN_APPS).sort() as BuiltinApp[];

/** The built-in Applications a config declares, by name. */
export function builtinApps(c: Declares): Set<string> {
    return new Set(BUILTIN_APP_NAMES.filter((name) => BUILTIN_APPS[name](c)));
}

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
    const declared = builtinApps(c);
    if (declared.has("ray-operator-crds"))
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
        );
    if (declared.has("ray-operator"))
        apps.push(
            app(
                c,
                "ray-operator",
                {
                    destination: rayDest,
                    project: c.rayProject.name,
                    source: {
                        chart: "kuberay-operator",
                        helm: { releaseName: KUBERAY_OPERATOR_RELEASE, skipCrds: true, valuesObject: c.kuberay.operatorValues },
                        repoURL: ray.chartRepository,
                        targetRevision: ray.version,
                    },
                    syncPolicy: syncPolicy(c, ["CreateNamespace=true"]),
                },
                c.sync.cascadeDelete ? "foreground" : "none",
                "ray-operator-crds",
            ),
        );
    if (declared.has("raycluster")) {
        apps.push(
            app(
                c,
                "raycluster",
                {
                    destination: rayDest,
                    // The autoscaler owns worker replicas: the diff ignores them, so they never make the
                    // app OutOfSync, and ApplyOutOfSyncOnly leaves the RayCluster alone in a sync that is
                    // about something else. A sync that applies the RayCluster (its spec changed) applies
                    // every group's declared replicas. Not RespectIgnoreDifferences: for a custom
                    // resource Argo CD 3.4 copies the whole live workerGroupSpecs into what it applies,
                    // so no worker-group change would ever reach the cluster (argo-cd#17694;
                    // docs/design.md, "Worker replicas and worker-group changes"). priority: KubeRay
                    // 1.7's CRD defaults it and the chart never renders it.
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
                        helm: { releaseName: c.rayCluster.releaseName, valuesObject: rayClusterValues(c.rayCluster, c.kuberay.podSecurity) },
                        repoURL: ray.chartRepository,
                        targetRevision: ray.version,
                    },
                    syncPolicy: syncPolicy(c, ["ApplyOutOfSyncOnly=true", "CreateNamespace=true"]),
                },
                c.sync.cascadeDelete ? "foreground" : "none",
                // Without its own operator, the RayCluster follows nothing the platform declares.
                declared.has("ray-operator") ? "ray-operator" : undefined,
            ),
        );
    }
    if (declared.has("ml-platform")) {
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
                c.sync.cascadeDelete ? "foreground" : "none",
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

/** An AppProject role: each of its `actions` on every Application of the project, then its own policy lines. */
function projectRole(project: string, r: PlatformConfig["project"]["roles"][number]): NonNullable<AppProjectSpec["roles"]>[number] {
    const policies = [...actionLines(project, r.name, r.actions), ...r.policies.map((l) => l.trim())];
    return { ...(r.description === undefined ? {} : { description: r.description }), groups: r.groups, name: r.name, policies };
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
    const mlDestinations = destinationsOf(mlApps, c.project.destinationNamespaces);
    const ml: AppProjectSpec = {
        clusterResourceWhitelist: namedNamespaces(c.project.clusterResourceWhitelist, mlDestinations),
        description: c.project.description,
        destinations: mlDestinations,
        namespaceResourceWhitelist: c.project.namespaceResourceWhitelist,
        sourceRepos: uniqueSorted([...reposOf(mlApps), ...c.project.sourceRepos]),
    };
    if (c.project.roles.length) ml.roles = c.project.roles.map((r) => projectRole(c.project.name, r));
    const rayDestinations = destinationsOf(rayApps);
    const raySpec: AppProjectSpec = {
        clusterResourceWhitelist: kuberayClusterObjects(c.kuberay.operatorValues, uniqueSorted(rayDestinations.map((d) => d.namespace))),
        description: `KubeRay ${c.kuberay.version}: CRDs, operator and RayCluster`,
        destinations: rayDestinations,
        namespaceResourceWhitelist: KUBERAY_NAMESPACED_KINDS,
        sourceRepos: uniqueSorted(reposOf(rayApps)),
    };
    return [
        { key: "project", name: c.project.name, spec: ml },
        { key: "ray-project", name: c.rayProject.name, spec: raySpec },
    ];
}
