/**
 * The pure planning functions on a default dev config, asserted inside each test (Stryker's
 * per-test coverage does not credit code run in `before` hooks): the built-in Applications' args,
 * the argo-cd values' fixed parts, the ray-cluster head values. Literal expectations.
 */
import * as assert from "node:assert/strict";
import { argoCdValues } from "../components/argocd";
import { parseConfig } from "../components/config";
import { planApplications } from "../components/plan";
import { rayClusterValues } from "../components/raycluster";

const RETRY = { backoff: { duration: "5s", factor: 2, maxDuration: "3m" }, limit: 5 };
const AUTOMATED = { allowEmpty: false, prune: true, selfHeal: true };
const INFO = [{ name: "Managed by", value: "Pulumi (ml-gitops); change the stack config, not this object" }];
const DEST = { namespace: "ray-system", server: "https://kubernetes.default.svc" };

describe("planned Applications (pure)", () => {
    it("plans the KubeRay apps and the ML platform app exactly, in dependency order", () => {
        const apps = planApplications(
            parseConfig({
                environment: "dev",
                notifications: { subscriptions: { "ray-operator": [{ trigger: "on-deployed", service: "slack", recipient: "c" }] }, slack: { enabled: true } },
                slackToken: "t",
            }),
        );
        assert.deepEqual(
            apps.map((a) => [a.key, a.after, a.args.finalizer]),
            [
                ["ray-operator-crds", undefined, "none"],
                ["ray-operator", "ray-operator-crds", "foreground"],
                ["raycluster", "ray-operator", "foreground"],
                ["ml-platform", undefined, "foreground"],
            ],
        );
        const [crds, operator, cluster, ml] = apps.map((a) => a.args);
        assert.deepEqual(crds.spec, {
            destination: DEST,
            info: INFO,
            project: "ray-platform",
            revisionHistoryLimit: 10,
            source: { path: "helm-chart/kuberay-operator/crds", repoURL: "https://github.com/ray-project/kuberay", targetRevision: "v1.7.0" },
            syncPolicy: { automated: AUTOMATED, retry: RETRY, syncOptions: ["ServerSideApply=true"] },
        });
        assert.deepEqual(crds.subscriptions, []);
        assert.deepEqual(operator.subscriptions, [{ trigger: "on-deployed", service: "slack", recipient: "c" }]);
        assert.deepEqual(operator.spec.source, {
            chart: "kuberay-operator",
            helm: { releaseName: "kuberay-operator", skipCrds: true, valuesObject: {} },
            repoURL: "https://ray-project.github.io/kuberay-helm/",
            targetRevision: "1.7.0",
        });
        assert.deepEqual(operator.spec.syncPolicy, { automated: AUTOMATED, retry: RETRY, syncOptions: ["CreateNamespace=true"] });
        assert.deepEqual(cluster.spec.ignoreDifferences, [
            {
                group: "ray.io",
                jqPathExpressions: [".spec.workerGroupSpecs[].replicas", ".spec.workerGroupSpecs[].priority"],
                kind: "RayCluster",
                name: "raycluster-kuberay",
                namespace: "ray-system",
            },
        ]);
        const source = cluster.spec.source!;
        assert.equal(source.chart, "ray-cluster");
        assert.equal(source.helm?.releaseName, "raycluster");
        assert.deepEqual(Object.keys(source.helm ?? {}), ["releaseName", "valuesObject"]);
        assert.deepEqual(cluster.spec.syncPolicy, {
            automated: AUTOMATED,
            retry: RETRY,
            syncOptions: ["ApplyOutOfSyncOnly=true", "CreateNamespace=true"],
        });
        assert.deepEqual(ml.spec.source, {
            helm: { valueFiles: ["values.yaml"] },
            path: "environments/dev",
            repoURL: "https://github.com/org/ml-platform-config",
            targetRevision: "main",
        });
        assert.deepEqual(ml.spec.syncPolicy, {
            automated: AUTOMATED,
            retry: RETRY,
            syncOptions: ["ApplyOutOfSyncOnly=true", "CreateNamespace=true", "PruneLast=true"],
        });
        assert.equal(ml.waitTimeoutSeconds, undefined);
    });

    it("plans an extra app with only its own source fields, sorted sync options, and no automation when off", () => {
        const apps = planApplications(
            parseConfig({
                environment: "dev",
                applications: {
                    g: {
                        repoURL: "https://x/g",
                        targetRevision: "v1.0.0",
                        path: "p",
                        destination: { namespace: "g" },
                        syncOptions: ["Z=1", "A=2"],
                        automated: false,
                    },
                    h: { repoURL: "https://x/h", targetRevision: "1.0.0", chart: "c", helm: { releaseName: "r" }, destination: { namespace: "h" } },
                },
            }),
        );
        const g = apps.find((a) => a.key === "g")!.args.spec;
        assert.deepEqual(g.source, { path: "p", repoURL: "https://x/g", targetRevision: "v1.0.0" });
        assert.deepEqual(g.syncPolicy, { retry: RETRY, syncOptions: ["A=2", "Z=1"] });
        const h = apps.find((a) => a.key === "h")!.args.spec;
        assert.deepEqual(h.source, { chart: "c", helm: { releaseName: "r" }, repoURL: "https://x/h", targetRevision: "1.0.0" });
        assert.deepEqual(h.syncPolicy, { automated: AUTOMATED, retry: RETRY, syncOptions: ["CreateNamespace=true"] });
    });

    it("subscribes nothing when notifications are off, and waits when sync.wait is on", () => {
        const apps = planApplications(
            parseConfig({
                environment: "dev",
                sync: { wait: true, timeoutSeconds: 60 },
                notifications: { enabled: false, subscriptions: { "ray-operator": [{ trigger: "on-deployed", service: "slack", recipient: "c" }] } },
            }),
        );
        assert.deepEqual(
            apps.map((a) => a.key),
            ["ray-operator-crds", "ray-operator", "raycluster", "ml-platform"],
        );
        for (const a of apps) {
            assert.deepEqual(a.args.subscriptions, [], a.key);
            assert.equal(a.args.waitTimeoutSeconds, 60, a.key);
        }
    });
});

describe("argo-cd values' fixed parts (pure)", () => {
    it("installs and keeps the CRDs, and gives redis-ha PDBs only with HA", () => {
        const v = (ha: boolean) => argoCdValues(parseConfig({ environment: "dev", argocd: { ha } }).argocd, false);
        assert.deepEqual(v(false).crds, { install: true, keep: true });
        assert.deepEqual(v(false)["redis-ha"], { enabled: false });
        assert.deepEqual(v(true)["redis-ha"], {
            enabled: true,
            haproxy: { podDisruptionBudget: { maxUnavailable: 1 } },
            podDisruptionBudget: { maxUnavailable: 1 },
        });
        assert.deepEqual(v(false).notifications, { enabled: false });
        assert.deepEqual(Object.keys((v(false).configs as { cm: object }).cm), [
            "admin.enabled",
            "resource.customizations.health.ray.io_RayCluster",
            "resource.customizations.health.ray.io_RayJob",
            "resource.customizations.health.ray.io_RayService",
            "url",
        ]);
    });
});

describe("ray-cluster head values (pure)", () => {
    it("sets the autoscaler options only with the autoscaler on, and copies the image and start params", () => {
        const values = (head: object) => rayClusterValues(parseConfig({ environment: "dev", rayCluster: { head, image: { tag: "2.40.0" } } }).rayCluster);
        assert.deepEqual(values({ autoscaler: { enabled: false }, rayStartParams: { "num-cpus": "1" } }).head, {
            enableInTreeAutoscaling: false,
            rayStartParams: { "num-cpus": "1" },
            resources: { limits: { cpu: "1", memory: "2G" }, requests: { cpu: "1", memory: "2G" } },
        });
        assert.deepEqual(
            (
                values({ autoscaler: { maxConcurrentLaunches: 7, upscalingMode: "Aggressive", idleTimeoutSeconds: 30, version: "v1" } }).head as Record<
                    string,
                    unknown
                >
            ).autoscalerOptions,
            {
                env: [{ name: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES", value: "7" }],
                idleTimeoutSeconds: 30,
                upscalingMode: "Aggressive",
                version: "v1",
            },
        );
        assert.deepEqual(values({}).image, { pullPolicy: "IfNotPresent", repository: "docker.io/rayproject/ray", tag: "2.40.0" });
        assert.deepEqual((values({}).additionalWorkerGroups as Record<string, { resources: object }>)["standard-worker"].resources, {
            limits: { cpu: "1", memory: "1G" },
            requests: { cpu: "1", memory: "1G" },
        });
    });
});
