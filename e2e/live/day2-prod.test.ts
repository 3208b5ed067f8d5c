/**
 * Day 2 on the prod profile (run.sh's `e2e-prod`): the renames that would delete workloads behind
 * Pulumi's diff are refused before anything is touched, naming what would go (issue 29, defect 3).
 * See fixture.ts for the environment.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster, GUARD_HINT, Operator, RAY_NS, Results, thenComparedNow, thenPrinted } from "./fixture";

const cluster = new Cluster();
const operator = new Operator();
const results = new Results();

const APPS = ["ml-platform", "ray-operator", "ray-operator-crds", "raycluster"];
const RAY_CRDS = ["rayclusters.ray.io", "raycronjobs.ray.io", "rayjobs.ray.io", "rayservices.ray.io"];

describe(`day 2 on the live platform, prod (stack ${operator.stack})`, function () {
    this.timeout(900_000);

    it("KubeRay 1.6.2 → 1.7.0: the CRDs, the operator and the RayCluster at 1.7.0 when up returns, no CRD deleted, the same RayCluster", async () => {
        assert.deepEqual(cluster.crdNames("ray.io"), RAY_CRDS, "1.6.2's CRDs before");
        const rc = cluster.uid("raycluster", cluster.rayClusterName, RAY_NS);
        const crd = () => JSON.stringify(cluster.get("crd", "rayclusters.ray.io"));
        assert.ok(!crd().includes('"rocksdb"'), "the RayCluster CRD is 1.6.2's before (no gcsFaultToleranceOptions.backend)");
        operator.set("kuberay.version", "1.7.0");
        const up = operator.up();
        assert.deepEqual(
            ["ray-operator-crds", "ray-operator", "raycluster"].map((a) => cluster.app(a).spec.source.targetRevision),
            ["v1.7.0", "1.7.0", "1.7.0"],
        );
        for (const a of ["ray-operator-crds", "ray-operator", "raycluster"]) thenComparedNow(cluster, a);
        assert.ok(crd().includes('"rocksdb"'), "the RayCluster CRD is 1.7.0's when up returns (gcsFaultToleranceOptions.backend)");
        assert.deepEqual(cluster.crdNames("ray.io"), RAY_CRDS, "no CRD deleted");
        assert.equal(cluster.uid("raycluster", cluster.rayClusterName, RAY_NS), rc, "the same RayCluster");
        // The operator's stand-in follows the Deployment's image (e2e/controllers.sh, kuberay_operator).
        const log = join(process.env.E2E_LOGS ?? "", `${operator.stack}-kuberay-operator.log`);
        assert.ok(
            await cluster.until(30, () => readFileSync(log, "utf8").includes("e2e: operator v1.7.0 started")),
            `the operator did not move to v1.7.0 (${log})`,
        );
        results.change("KubeRay 1.6.2→1.7.0 (CRDs, operator, RayCluster)", up.seconds);
        results.note(`KubeRay 1.6.2→1.7.0: ${RAY_CRDS.length} CRDs kept, RayCluster ${rc} kept, operator restarted at v1.7.0`);
        results.said("KubeRay 1.6.2→1.7.0 live");
    });

    it("and back down, 1.7.0 → 1.6.2: refused at preview", () => {
        operator.set("kuberay.version", "1.6.2");
        const refused = operator.previewRefused();
        thenPrinted(refused, "ml-gitops:sync.allowDeletes: KubeRay 1.7.0 → 1.6.2 is a downgrade");
        operator.set("kuberay.version", "1.7.0");
    });

    it("an applicationNamePrefix change is refused at preview and at up, naming each Application and what its finalizer deletes", () => {
        const rc = cluster.uid("raycluster", cluster.rayClusterName, "ray-system");
        operator.set("argocd.applicationNamePrefix", "prod-");
        for (const refused of [operator.previewRefused(), operator.upRefused()])
            for (const line of [
                "ml-gitops:sync.allowDeletes: Application argocd/raycluster would be deleted, and its finalizer deletes RayCluster ray-system/raycluster-kuberay and its pods",
                "ml-gitops:sync.allowDeletes: Application argocd/ray-operator would be deleted, and its finalizer deletes the KubeRay operator in ray-system",
                "ml-gitops:sync.allowDeletes: Application argocd/ml-platform would be deleted, and its finalizer deletes what it deploys to ml-serving",
            ])
                thenPrinted(refused, line);
        operator.rm("argocd.applicationNamePrefix");
        assert.deepEqual(cluster.appNames(), APPS, "the Applications are untouched");
        assert.equal(cluster.uid("raycluster", cluster.rayClusterName, "ray-system"), rc, "the RayCluster is untouched");
        results.note("prod: applicationNamePrefix refused at preview and up (3 Applications named)");
    });

    it("a rayCluster.releaseName change is refused at preview, naming the RayCluster Argo CD would prune", () => {
        operator.set("rayCluster.releaseName", "ray2");
        const refused = operator.previewRefused();
        const line =
            "ml-gitops:sync.allowDeletes: RayCluster ray-system/raycluster-kuberay would be pruned by Argo CD and replaced by RayCluster ray-system/ray2-kuberay, with new pods " +
            `(keys: rayCluster.releaseName, rayCluster.nameOverride, rayCluster.fullnameOverride, kuberay.namespace); ${GUARD_HINT}`;
        thenPrinted(refused, line);
        operator.rm("rayCluster.releaseName");
        results.note("prod: rayCluster.releaseName refused at preview");
        results.said("renames guarded");
    });

    it("back where it was: preview --expect-no-changes", () => {
        operator.previewNoChanges();
    });
});
