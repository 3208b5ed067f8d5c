/**
 * The change guard (issue 29): what a config change would delete that no `pulumi preview` shows.
 *
 * Two kinds of deletion happen behind the engine's diff: an Application Pulumi deletes (renamed,
 * moved to another namespace, or removed) cascades to everything it deployed through Argo CD's
 * resources finalizer; and an Application that stays but deploys elsewhere (a RayCluster renamed,
 * a destination namespace changed, a KubeRay downgrade whose chart lacks a CRD) has Argo CD prune
 * the old objects. A CrossGuard policy sees only the new state, so the program records a
 * footprint of what it deploys in a stack output, reads the previous one back (the program reads
 * its own stack's outputs, index.ts), and compares the two before anything is registered.
 */
import type { PlatformConfig } from "./generated/settingsTypes";
import type { PlannedApplication } from "./plan";

/** What a platform deploys, as far as a change could delete it: a stack output, compared with the next run's. */
export interface Footprint {
    /** Each Application by `<namespace>/<name>`: whether its deletion cascades, and what it deploys. */
    readonly applications: Record<string, { readonly cascade: boolean; readonly deploys: string }>;
    /** `<namespace>/<name>` of the RayCluster, when declared. */
    readonly rayCluster?: string;
    /** The KubeRay version whose CRDs the platform installs, when it installs them. */
    readonly kuberayVersion?: string;
    /** The ML platform's destination namespace, when declared. */
    readonly mlNamespace?: string;
}

/** What each built-in Application deploys, in words. */
function deploysOf(a: PlannedApplication, rayCluster: string | undefined): string {
    const ns = a.args.spec.destination.namespace ?? "";
    switch (a.key) {
        case "ray-operator-crds":
            return "the KubeRay CRDs";
        case "ray-operator":
            return `the KubeRay operator in ${ns}`;
        case "raycluster":
            return `RayCluster ${rayCluster ?? ns} and its pods`;
        default:
            return `what it deploys to ${ns}`;
    }
}

/** Pure: the footprint of a validated config and its planned Applications. */
export function footprintOf(c: PlatformConfig, apps: PlannedApplication[], rayClusterName: string | undefined): Footprint {
    const rayCluster = rayClusterName === undefined ? undefined : `${c.kuberay.namespace}/${rayClusterName}`;
    const applications: Record<string, { cascade: boolean; deploys: string }> = {};
    for (const a of [...apps].sort((x, y) => (x.args.name < y.args.name ? -1 : 1)))
        applications[`${a.args.namespace}/${a.args.name}`] = { cascade: (a.args.finalizer ?? "foreground") !== "none", deploys: deploysOf(a, rayCluster) };
    return {
        applications,
        ...(c.kuberay.install ? { kuberayVersion: c.kuberay.version } : {}),
        ...(c.mlPlatform.enabled ? { mlNamespace: c.mlPlatform.namespace } : {}),
        ...(rayCluster ? { rayCluster } : {}),
    };
}

/** One deletion a change would cause: what goes, and the keys whose change causes it. */
export interface Deletion {
    readonly what: string;
    readonly keys: string;
    /** A deletion of CRDs, cluster-wide: refused in every environment. */
    readonly crds?: boolean;
}

/** Numeric comparison of two dotted versions (1.10.0 > 1.9.0). */
function olderThan(a: string, b: string): boolean {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
    return false;
}

/**
 * Pure: what moving from `previous` to `next` would delete. A previous footprint that is not an
 * object (a stack deployed before the guard, or never) deletes nothing that can be known.
 */
export function deletions(previous: unknown, next: Footprint): Deletion[] {
    if (previous === null || typeof previous !== "object") return [];
    const p = previous as Partial<Footprint>;
    const out: Deletion[] = [];
    for (const [app, was] of Object.entries(p.applications ?? {})) {
        if (next.applications[app] || !was.cascade) continue;
        out.push({
            what: `Application ${app} would be deleted, and its finalizer deletes ${was.deploys}`,
            keys: "argocd.applicationNamePrefix, argocd.namespace, the application's settings",
        });
    }
    // (A RayCluster no longer declared goes with its Application, above.)
    if (p.rayCluster && next.rayCluster && p.rayCluster !== next.rayCluster)
        out.push({
            what: `RayCluster ${p.rayCluster} would be pruned by Argo CD and replaced by RayCluster ${next.rayCluster}, with new pods`,
            keys: "rayCluster.releaseName, rayCluster.nameOverride, rayCluster.fullnameOverride, kuberay.namespace",
        });
    if (p.mlNamespace && next.mlNamespace && p.mlNamespace !== next.mlNamespace)
        out.push({ what: `the ML platform's objects in namespace ${p.mlNamespace} would be pruned by Argo CD`, keys: "mlPlatform.namespace" });
    if (p.kuberayVersion && next.kuberayVersion && olderThan(next.kuberayVersion, p.kuberayVersion))
        out.push({
            what:
                `KubeRay ${p.kuberayVersion} → ${next.kuberayVersion} is a downgrade: the CRDs Application would prune every CRD the older chart lacks, ` +
                "and with it every object of that kind in the cluster",
            keys: "kuberay.version",
            crds: true,
        });
    return out;
}

/** What the guard says of a change: problems that refuse it, and warnings. */
export interface GuardVerdict {
    readonly refused: string[];
    readonly warnings: string[];
}

/** The hint every guard message ends with. */
export const GUARD_HINT = 'see docs/operations.md, "Renames and removals"; to go ahead, set ml-gitops:sync.allowDeletes true for this up, then remove it';

/**
 * Pure: prod refuses every deletion, dev and staging warn, and a CRD deletion (a KubeRay
 * downgrade) is refused in every environment; `sync.allowDeletes` turns refusals into warnings.
 */
export function guardVerdict(list: Deletion[], environment: PlatformConfig["environment"], allowDeletes: boolean): GuardVerdict {
    const refused: string[] = [];
    const warnings: string[] = [];
    for (const d of list) {
        const line = `${d.what} (keys: ${d.keys}); ${GUARD_HINT}`;
        if (!allowDeletes && (environment === "prod" || d.crds)) refused.push(`ml-gitops:sync.allowDeletes: ${line}`);
        else warnings.push(`change guard: ${line}`);
    }
    return { refused, warnings };
}
