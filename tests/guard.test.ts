/**
 * The change guard (issue 29, defects 3 and 5): two successive updates of the real program under
 * the mock engine, the second reading the first one's outputs as the engine reads a stack
 * reference to the stack itself. What a change would delete behind Pulumi's diff is refused in
 * prod before anything is registered, warned about in dev, and a KubeRay downgrade is refused
 * everywhere.
 */
import * as assert from "node:assert/strict";
import { parseConfig } from "../components/config";
import { deletions, footprintOf, guardVerdict, type Footprint } from "../components/guard";
import { planApplications } from "../components/plan";
import { byType, run, runError, T } from "./harness";

const REAL = "https://git.acme.internal/ml-platform-config.git";
const PROD = { environment: "prod", mlPlatform: { repoURL: REAL, targetRevision: "v1.0.0" } };
const DEV = { environment: "dev" };
const HINT = 'see docs/operations.md, "Renames and removals"; to go ahead, set ml-gitops:sync.allowDeletes true for this up, then remove it';
const APP_KEYS = "keys: argocd.applicationNamePrefix, argocd.namespace, the application's settings";
const RAY_KEYS = "keys: rayCluster.releaseName, rayCluster.nameOverride, rayCluster.fullnameOverride, kuberay.namespace";

/** The outputs of an update with this config: what the next one reads back. */
async function outputsOf(config: Record<string, unknown>): Promise<Record<string, unknown>> {
    return (await run(config)).outputs;
}

const prefixed = (base: Record<string, unknown>) => ({ ...base, argocd: { applicationNamePrefix: "ml-" } });

describe("the change guard", () => {
    it("refuses, in prod, an Application rename that cascades to the workloads, naming each, before anything is registered", async () => {
        const previousOutputs = await outputsOf(PROD);
        const { error, resources } = await runError(prefixed(PROD), { previousOutputs });
        assert.deepEqual(
            resources.map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );
        assert.equal(
            error.message,
            [
                "invalid stack config (3 problems):",
                `  - ml-gitops:sync.allowDeletes: Application argocd/ml-platform would be deleted, and its finalizer deletes what it deploys to ml-serving (${APP_KEYS}); ${HINT}`,
                `  - ml-gitops:sync.allowDeletes: Application argocd/ray-operator would be deleted, and its finalizer deletes the KubeRay operator in ray-system (${APP_KEYS}); ${HINT}`,
                `  - ml-gitops:sync.allowDeletes: Application argocd/raycluster would be deleted, and its finalizer deletes RayCluster ray-system/raycluster-kuberay and its pods (${APP_KEYS}); ${HINT}`,
            ].join("\n"),
        );
    });

    it("refuses, in prod, a RayCluster renamed by its release name: Argo CD would prune the old one", async () => {
        const previousOutputs = await outputsOf(PROD);
        const { error } = await runError({ ...PROD, rayCluster: { releaseName: "ray" } }, { previousOutputs });
        assert.equal(
            error.message,
            [
                "invalid stack config (1 problem):",
                `  - ml-gitops:sync.allowDeletes: RayCluster ray-system/raycluster-kuberay would be pruned by Argo CD and replaced by RayCluster ray-system/ray-kuberay, with new pods (${RAY_KEYS}); ${HINT}`,
            ].join("\n"),
        );
    });

    it("warns in dev, and the update goes on", async () => {
        const previousOutputs = await outputsOf(DEV);
        const ev = await run({ ...DEV, rayCluster: { releaseName: "ray" } }, { previousOutputs });
        assert.deepEqual(
            ev.warnings.filter((w) => w.startsWith("change guard:")),
            [
                `change guard: RayCluster ray-system/raycluster-kuberay would be pruned by Argo CD and replaced by RayCluster ray-system/ray-kuberay, with new pods (${RAY_KEYS}); ${HINT}`,
            ],
        );
        assert.equal(byType(ev, T.app).length, 4);
    });

    it("refuses a KubeRay downgrade in every environment (its CRDs would be pruned), unless sync.allowDeletes", async () => {
        const previousOutputs = await outputsOf({ ...DEV, kuberay: { version: "1.7.0" } });
        const downgrade = { ...DEV, kuberay: { version: "1.5.1" } };
        const { error } = await runError(downgrade, { previousOutputs });
        const what =
            "KubeRay 1.7.0 → 1.5.1 is a downgrade: the CRDs Application would prune every CRD the older chart lacks, and with it every object of that kind in the cluster (keys: kuberay.version)";
        assert.equal(error.message, ["invalid stack config (1 problem):", `  - ml-gitops:sync.allowDeletes: ${what}; ${HINT}`].join("\n"));
        const ev = await run({ ...downgrade, sync: { allowDeletes: true } }, { previousOutputs });
        assert.deepEqual(
            ev.warnings.filter((w) => w.startsWith("change guard:")),
            [`change guard: ${what}; ${HINT}`],
        );
        // An upgrade deletes nothing.
        const upgrade = await run({ ...DEV, kuberay: { version: "1.7.0" } }, { previousOutputs: await outputsOf(downgrade) });
        assert.deepEqual(
            upgrade.warnings.filter((w) => w.startsWith("change guard:")),
            [],
        );
    });

    it("lets prod rename once the Applications no longer cascade (sync.cascadeDelete false, the documented first step)", async () => {
        const orphaning = { ...PROD, sync: { cascadeDelete: false } };
        const first = await run(orphaning);
        for (const app of byType(first, T.app))
            assert.equal((app.inputs.metadata as { finalizers?: string[] }).finalizers, undefined, `${app.name} keeps what it deployed`);
        const ev = await run(prefixed(orphaning), { previousOutputs: first.outputs });
        assert.deepEqual(
            byType(ev, T.app).map((r) => (r.inputs.metadata as { name: string }).name),
            ["ml-ml-platform", "ml-ray-operator-crds", "ml-ray-operator", "ml-raycluster"],
        );
        assert.ok(!ev.warnings.some((w) => w.startsWith("change guard:")), ev.warnings.join("\n"));
    });

    it("says nothing on a first update, an update without a footprint, or one that deletes nothing", async () => {
        for (const previousOutputs of [{}, { applications: ["raycluster"] }, { footprint: "not an object" }, await outputsOf(PROD)]) {
            const ev = await run(PROD, { previousOutputs });
            assert.ok(!ev.warnings.some((w) => w.startsWith("change guard:")), JSON.stringify(previousOutputs));
        }
    });
});

describe("the change guard's rules (pure)", () => {
    const base: Footprint = {
        applications: { "argocd/ml-platform": { cascade: true, deploys: "what it deploys to ml-serving" } },
        kuberayVersion: "1.9.0",
        mlNamespace: "ml-serving",
    };

    it("a moved ML namespace prunes the old one's objects; versions compare by number (1.10.0 is newer than 1.9.0)", () => {
        assert.deepEqual(deletions(base, { ...base, mlNamespace: "ml" }), [
            { what: "the ML platform's objects in namespace ml-serving would be pruned by Argo CD", keys: "mlPlatform.namespace" },
        ]);
        assert.deepEqual(deletions(base, { ...base, kuberayVersion: "1.10.0" }), []);
        assert.equal(deletions({ ...base, kuberayVersion: "1.10.0" }, base)[0].crds, true);
        assert.deepEqual(
            deletions(base, { ...base, kuberayVersion: undefined, mlNamespace: undefined }),
            [],
            "no longer installed: nothing pruned by these rules",
        );
    });

    it("records the Applications by name whatever their order, and a RayCluster only when there is one", () => {
        const c = parseConfig({ environment: "dev" });
        const apps = planApplications(c).reverse(); // ml-platform, raycluster, ray-operator, ray-operator-crds
        const footprint = footprintOf(c, apps, undefined);
        assert.deepEqual(footprint, {
            applications: {
                "argocd/ml-platform": { cascade: true, deploys: "what it deploys to ml-serving" },
                "argocd/ray-operator": { cascade: true, deploys: "the KubeRay operator in ray-system" },
                "argocd/ray-operator-crds": { cascade: false, deploys: "the KubeRay CRDs" },
                "argocd/raycluster": { cascade: true, deploys: "RayCluster ray-system and its pods" },
            },
            kuberayVersion: "1.7.0",
            mlNamespace: "ml-serving",
        });
        assert.deepEqual(Object.keys(footprint.applications), ["argocd/ml-platform", "argocd/ray-operator", "argocd/ray-operator-crds", "argocd/raycluster"]);
        const named = footprintOf(c, apps, "raycluster-kuberay");
        assert.equal(named.rayCluster, "ray-system/raycluster-kuberay");
        assert.equal(named.applications["argocd/raycluster"].deploys, "RayCluster ray-system/raycluster-kuberay and its pods");
    });

    it("knows nothing to delete without a previous footprint, nor for a RayCluster that was not there", () => {
        for (const previous of [undefined, null, "footprint"]) assert.deepEqual(deletions(previous, base), [], String(previous));
        assert.deepEqual(deletions(base, { ...base, rayCluster: "ray-system/raycluster-kuberay" }), [], "a RayCluster added");
        assert.deepEqual(deletions({ ...base, rayCluster: "ray-system/raycluster-kuberay" }, base), [], "removed: its Application says it");
    });

    it("an Application removed without its finalizer orphans, and deletes nothing", () => {
        const orphan: Footprint = { applications: { "argocd/web": { cascade: false, deploys: "what it deploys to web" } } };
        assert.deepEqual(deletions(orphan, { applications: {} }), []);
        assert.equal(deletions({ applications: { "argocd/web": { cascade: true, deploys: "x" } } }, { applications: {} }).length, 1);
    });

    it("prod refuses and dev warns, a CRD deletion is refused everywhere, allowDeletes turns refusals into warnings", () => {
        const app = { what: "A", keys: "k" };
        const crd = { what: "C", keys: "kuberay.version", crds: true };
        assert.deepEqual(guardVerdict([app, crd], "prod", false), {
            refused: [`ml-gitops:sync.allowDeletes: A (keys: k); ${HINT}`, `ml-gitops:sync.allowDeletes: C (keys: kuberay.version); ${HINT}`],
            warnings: [],
        });
        assert.deepEqual(guardVerdict([app, crd], "staging", false), {
            refused: [`ml-gitops:sync.allowDeletes: C (keys: kuberay.version); ${HINT}`],
            warnings: [`change guard: A (keys: k); ${HINT}`],
        });
        assert.deepEqual(guardVerdict([app, crd], "prod", true).refused, []);
    });
});
