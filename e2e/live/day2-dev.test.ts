/**
 * Day 2 on the live platform: after run.sh's first `up` and its scenarios, an operator changes the
 * stack config and runs `pulumi up`, and each change must be on the live objects the moment `up`
 * returns (issue 29). Run by run.sh against the `e2e` stack (the dev profile, sync.wait on); see
 * fixture.ts for the environment it needs. The steps run in order, each on what the one before
 * left.
 *
 * Worker replicas: the autoscaler's (imitated: a JSON patch of one group's replicas under the
 * field manager `ray-autoscaler`) are set before each step. A step that changes the RayCluster
 * re-applies every group's declared replicas (Argo CD applies a custom resource's list whole;
 * docs/design.md, "Worker replicas and worker-group changes"), and with the in-tree autoscaler on
 * KubeRay deletes no pod for it; a step that leaves the RayCluster alone keeps them.
 */
import * as assert from "node:assert/strict";
import { ARGOCD_NS, Cluster, GUARD_HINT, Operator, RAY_NS, Results, thenComparedNow, thenPrinted } from "./fixture";

const cluster = new Cluster();
const operator = new Operator();
const results = new Results();

/** The group the autoscaler scenario scales: declared replicas 1, maxReplicas 2 in Pulumi.e2e.yaml. */
const SCALED = "standard-worker";
const DECLARED = 1;
const AUTOSCALED = 2;

/** Given: the autoscaler has scaled SCALED to 2 and KubeRay made its second pod. */
async function givenAutoscaled(): Promise<string[]> {
    cluster.autoscale(SCALED, AUTOSCALED);
    assert.ok(
        await cluster.until(60, () => cluster.pods(SCALED).length === AUTOSCALED),
        `KubeRay did not scale ${SCALED} to ${AUTOSCALED} pods: ${cluster.pods(SCALED).join(" ")}`,
    );
    return cluster.pods(SCALED);
}

/** Then: a change of the RayCluster re-applied the declared replicas, and KubeRay deleted none of the autoscaler's pods. */
async function thenReplicasDeclaredPodsKept(podsBefore: string[], step: string): Promise<void> {
    assert.equal(cluster.group(SCALED)?.replicas, DECLARED, `${step}: ${SCALED}'s replicas after the RayCluster was re-applied`);
    // KubeRay reconciles within a second or two of the change; with enableInTreeAutoscaling it
    // leaves pod deletion to the autoscaler ("Random Pod deletion is disabled").
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(cluster.pods(SCALED), podsBefore, `${step}: ${SCALED}'s pods after its replicas went ${AUTOSCALED}→${DECLARED}`);
}

describe(`day 2 on the live platform (stack ${operator.stack})`, function () {
    this.timeout(900_000);

    // Two changes in one up, as a platform team often ships them: each asserted on its own.
    it("a worker group's cpu and memory changed and a group added, in one up: both on the RayCluster when up returns, and KubeRay creates the new group's pod", async () => {
        const pods = await givenAutoscaled();
        const before = cluster.app("raycluster").spec.source.name;
        operator.set("rayCluster.workerGroups.gpu-worker.cpu", "1500m");
        operator.set("rayCluster.workerGroups.gpu-worker.memory", "2Gi");
        operator.set("rayCluster.workerGroups.batch-worker.cpu", "1", "string");
        operator.set("rayCluster.workerGroups.batch-worker.memory", "1Gi");
        operator.set("rayCluster.workerGroups.batch-worker.replicas", "1");
        operator.set("rayCluster.workerGroups.batch-worker.minReplicas", "0");
        operator.set("rayCluster.workerGroups.batch-worker.maxReplicas", "1");
        const up = operator.up();
        const limits = cluster.group("gpu-worker")?.template.spec.containers[0].resources?.limits;
        assert.deepEqual([limits?.cpu, limits?.memory], ["1500m", "2Gi"], "gpu-worker's limits right after up");
        assert.deepEqual(cluster.groupNames(), ["batch-worker", "gpu-worker", "spot-worker", "standard-worker"], "worker groups right after up");
        assert.equal(cluster.group("batch-worker")?.replicas, 1, "batch-worker's replicas right after up");
        assert.notEqual(cluster.app("raycluster").spec.source.name, before, "the spec's marker moved");
        thenComparedNow(cluster, "raycluster");
        results.change("gpu-worker cpu 1→1500m, memory 1Gi→2Gi", up.seconds);
        results.change("worker group batch-worker added", up.seconds);
        await thenReplicasDeclaredPodsKept(pods, "cpu change");
        results.note(`a RayCluster change re-applied ${SCALED}'s declared replicas (${AUTOSCALED}→${DECLARED}); KubeRay kept its ${pods.length} pods`);
        assert.ok(await cluster.until(60, () => cluster.pods("batch-worker").length === 1), "KubeRay made no batch-worker pod in 60 s");
    });

    it("a worker group removed: gone from the RayCluster when up returns (what KubeRay does with its pod is recorded)", async () => {
        operator.rm("rayCluster.workerGroups.batch-worker");
        const up = operator.up();
        assert.deepEqual(cluster.groupNames(), ["gpu-worker", "spot-worker", "standard-worker"], "worker groups right after up");
        thenComparedNow(cluster, "raycluster");
        results.change("worker group batch-worker removed", up.seconds);
        // KubeRay 1.7.0's reconcilePods walks the groups in the spec; a pod of a group no longer
        // there is nobody's to delete (read from its source): recorded, not required.
        const gone = await cluster.until(10, () => cluster.pods("batch-worker").length === 0);
        results.note(
            `a removed group's pod: ${gone ? "deleted by KubeRay within 10 s" : `left running by KubeRay (${cluster.pods("batch-worker").join(" ")} 10 s later)`}`,
        );
    });

    it("the Ray image bumped: the head and every worker template carry the new tag when up returns", async () => {
        const pods = await givenAutoscaled();
        operator.set("rayCluster.image.tag", "2.52.1");
        const up = operator.up();
        const rc = cluster.rayCluster();
        const images = [rc.spec.headGroupSpec.template.spec.containers[0].image, ...rc.spec.workerGroupSpecs.map((g) => g.template.spec.containers[0].image)];
        assert.deepEqual(images, Array(4).fill("docker.io/rayproject/ray:2.52.1"), "head, gpu-worker, spot-worker, standard-worker");
        thenComparedNow(cluster, "raycluster");
        results.change("Ray image 2.52.0→2.52.1 (head and 3 worker groups)", up.seconds);
        await thenReplicasDeclaredPodsKept(pods, "image bump");
    });

    it("the ML project renamed: the Applications move, the old AppProject is gone (no finalizer left waiting), the RayCluster keeps the autoscaler's replicas", async () => {
        await givenAutoscaled();
        const old = cluster.app("ml-platform").spec.project;
        assert.equal(old, "ml-e2e");
        operator.set("project.name", "ml-e2e-day2");
        const up = operator.up();
        assert.equal(cluster.app("ml-platform").spec.project, "ml-e2e-day2");
        assert.equal(cluster.get("appproject", old, ARGOCD_NS), undefined, `AppProject ${old} still exists after up`);
        assert.ok(cluster.get("appproject", "ml-e2e-day2", ARGOCD_NS), "the new AppProject");
        thenComparedNow(cluster, "ml-platform");
        results.change("project ml-e2e→ml-e2e-day2", up.seconds);
        // Nothing of the RayCluster changed, so Argo CD did not apply it.
        assert.equal(cluster.group(SCALED)?.replicas, AUTOSCALED, `${SCALED}'s replicas after a change that left the RayCluster alone`);
        results.note(`a change that left the RayCluster alone kept ${SCALED}'s ${AUTOSCALED} replicas`);
        results.said("replicas kept (declared again only when the RayCluster changes; no pod deleted)");
    });

    it("a KubeRay downgrade is refused at preview (its CRDs would be pruned), even in dev, and nothing changes", () => {
        operator.set("kuberay.version", "1.5.1");
        const refused = operator.previewRefused();
        thenPrinted(
            refused,
            "ml-gitops:sync.allowDeletes: KubeRay 1.7.0 → 1.5.1 is a downgrade: the CRDs Application would prune every CRD the older chart lacks, and with it every object of that kind in the cluster (keys: kuberay.version); " +
                GUARD_HINT,
        );
        operator.rm("kuberay.version");
        assert.equal(cluster.app("ray-operator-crds").spec.source.name, cluster.app("ray-operator-crds").status?.sync?.comparedTo?.source?.name);
        results.note("KubeRay 1.7.0→1.5.1 refused at preview (its chart lacks the RayCronJob CRD)");
        results.said("downgrade refused");
    });

    it("the documented safe rename (docs/operations.md): Applications renamed, the RayCluster and its pods the same objects", () => {
        const rcUid = cluster.uid("raycluster", cluster.rayClusterName, RAY_NS);
        const pods = [...cluster.podIds("headgroup"), ...cluster.podIds(SCALED)];
        assert.ok(rcUid && pods.length >= 2, `a RayCluster with pods before the rename: ${pods.join(", ")}`);
        // 0. Straight away, dev warns: each Application would take what it deployed with it.
        operator.set("argocd.applicationNamePrefix", "e2e-");
        const warned = operator.preview();
        thenPrinted(
            warned,
            "change guard: Application argocd/raycluster would be deleted, and its finalizer deletes RayCluster ray-system/raycluster-kuberay and its pods",
        );
        operator.rm("argocd.applicationNamePrefix");
        // 1. The Applications stop cascading.
        operator.set("sync.cascadeDelete", "false");
        operator.up();
        for (const app of ["ml-platform", "ray-operator", "raycluster"])
            assert.equal(cluster.get<{ metadata: { finalizers?: string[] } }>("application", app, ARGOCD_NS)?.metadata.finalizers, undefined, app);
        // 2. The rename: the guard has nothing to say, Pulumi replaces the Applications, the new ones adopt.
        operator.set("argocd.applicationNamePrefix", "e2e-");
        const up = operator.up();
        assert.ok(!up.output.includes("change guard:"), up.log);
        assert.deepEqual(cluster.appNames(), ["e2e-ml-platform", "e2e-ray-operator", "e2e-ray-operator-crds", "e2e-raycluster"]);
        thenComparedNow(cluster, "e2e-raycluster");
        assert.equal(cluster.uid("raycluster", cluster.rayClusterName, RAY_NS), rcUid, "the RayCluster is the same object");
        assert.deepEqual([...cluster.podIds("headgroup"), ...cluster.podIds(SCALED)], pods, "the Ray pods are the same pods");
        results.change("applicationNamePrefix ''→e2e- (cascadeDelete off first): same RayCluster, same pods", up.seconds);
        // 3. Cascading again.
        operator.rm("sync.cascadeDelete");
        operator.up();
        assert.deepEqual(cluster.get<{ metadata: { finalizers?: string[] } }>("application", "e2e-raycluster", ARGOCD_NS)?.metadata.finalizers, [
            "resources-finalizer.argocd.argoproj.io",
        ]);
        results.note(`safe rename: ${pods.length} Ray pods kept their UIDs`);
        results.said("safe rename kept the pods");
    });

    it("a RayCluster renamed in dev: warned by up, then the loss, stated: a new RayCluster with new pods", async () => {
        const oldPods = cluster.podIds("headgroup");
        operator.set("rayCluster.releaseName", "ray2");
        const up = operator.up();
        thenPrinted(
            up,
            "change guard: RayCluster ray-system/raycluster-kuberay would be pruned by Argo CD and replaced by RayCluster ray-system/ray2-kuberay, with new pods (keys: rayCluster.releaseName, rayCluster.nameOverride, rayCluster.fullnameOverride, kuberay.namespace); " +
                GUARD_HINT,
        );
        assert.equal(cluster.get("raycluster", "raycluster-kuberay", RAY_NS), undefined, "the old RayCluster was pruned");
        cluster.rayClusterName = "ray2-kuberay";
        assert.ok(cluster.get("raycluster", "ray2-kuberay", RAY_NS), "the new RayCluster");
        thenComparedNow(cluster, "e2e-raycluster");
        assert.ok(await cluster.until(60, () => cluster.pods("headgroup").length === 1), "no head pod of ray2-kuberay in 60 s");
        const newPods = cluster.podIds("headgroup");
        assert.notDeepEqual(newPods, oldPods);
        results.change("rayCluster.releaseName raycluster→ray2 (warned in dev)", up.seconds);
        results.note(`a RayCluster rename in dev replaced the cluster: head pod ${oldPods[0]?.split(" ")[0]} → ${newPods[0]?.split(" ")[0]}`);
    });

    it("a second up has nothing to do: preview --expect-no-changes", () => {
        operator.previewNoChanges();
        assert.ok(cluster.get("namespace", RAY_NS), "the Ray namespace is still there");
    });
});
