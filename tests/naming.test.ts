/**
 * Names the charts derive, edge by edge: the ray-cluster chart's fullname helper (release name
 * containing the name, truncation to 63, one trailing dash trimmed, fullnameOverride truncated
 * too), KubeRay's limits on RayCluster names, and the argo-cd/redis-ha names. Literal expectations.
 */
import * as assert from "node:assert/strict";
import { argoCdReleaseNameProblem, redisHaFullname } from "../components/argocdNames";
import { rayClusterFullname, rayClusterNameProblem } from "../components/raycluster";

describe("the ray-cluster chart's fullname rule", () => {
    it("uses the release name alone when it contains the name anywhere: start, middle or end", () => {
        assert.equal(rayClusterFullname({ releaseName: "kuberay" }), "kuberay");
        assert.equal(rayClusterFullname({ releaseName: "kuberay-prod" }), "kuberay-prod");
        assert.equal(rayClusterFullname({ releaseName: "a-kuberay-b" }), "a-kuberay-b");
        assert.equal(rayClusterFullname({ releaseName: "my-kuberay" }), "my-kuberay");
        assert.equal(rayClusterFullname({ releaseName: "mykuberayx" }), "mykuberayx", "a substring, not a dash-separated word");
    });

    it("appends the name when the release name only shares part of it, or is contained in it", () => {
        assert.equal(rayClusterFullname({ releaseName: "kube" }), "kube-kuberay", "the name containing the release name does not count");
        assert.equal(rayClusterFullname({ releaseName: "kuberay2", nameOverride: "kuberay-x" }), "kuberay2-kuberay-x");
        assert.equal(rayClusterFullname({ releaseName: "ray", nameOverride: "cluster" }), "ray-cluster");
        assert.equal(rayClusterFullname({ releaseName: "ray-cluster-a", nameOverride: "" }), "ray-cluster-a", "the chart name, when nameOverride is empty");
        assert.equal(rayClusterFullname({ releaseName: "Kuberay" }), "Kuberay-kuberay", "case-sensitive, as Go's contains");
    });

    it("cuts at 63 characters and trims exactly one trailing dash", () => {
        assert.equal(rayClusterFullname({ releaseName: "a".repeat(63) }), "a".repeat(63), "63 characters + '-kuberay' → the first 63");
        assert.equal(rayClusterFullname({ releaseName: "a".repeat(62) }), "a".repeat(62), "'<62>-' → the dash trimmed");
        assert.equal(rayClusterFullname({ releaseName: `${"a".repeat(61)}-` }), `${"a".repeat(61)}-`, "'<61>--' cut to 63 keeps one of two dashes");
        assert.equal(rayClusterFullname({ releaseName: `${"a".repeat(60)}` }), `${"a".repeat(60)}-ku`);
        assert.equal(rayClusterFullname({ releaseName: "b".repeat(70) }), "b".repeat(63));
        assert.equal(rayClusterFullname({ releaseName: "kuberay-" }), "kuberay", "trimmed also without a cut");
        assert.equal(rayClusterFullname({ releaseName: "kuberay--" }), "kuberay-", "only one dash");
    });

    it("takes fullnameOverride as the name, cut to 63 with one dash trimmed; an empty one is unset", () => {
        assert.equal(rayClusterFullname({ releaseName: "r", fullnameOverride: "ml-ray" }), "ml-ray");
        assert.equal(rayClusterFullname({ releaseName: "r", fullnameOverride: "f".repeat(70) }), "f".repeat(63));
        assert.equal(rayClusterFullname({ releaseName: "r", fullnameOverride: `${"f".repeat(62)}-x` }), "f".repeat(62));
        assert.equal(rayClusterFullname({ releaseName: "r", fullnameOverride: "ray--" }), "ray-");
        assert.equal(rayClusterFullname({ releaseName: "r", fullnameOverride: "" }), "r-kuberay");
    });
});

describe("KubeRay's RayCluster name limits", () => {
    it("accepts DNS-1035 labels of up to 53 characters", () => {
        for (const name of ["a", "raycluster-kuberay", "a1", "a-1", "x".repeat(53)]) assert.equal(rayClusterNameProblem(name), undefined, name);
    });

    it("refuses 54 characters, naming the length", () => {
        assert.equal(
            rayClusterNameProblem("x".repeat(54)),
            `the RayCluster would be named "${"x".repeat(54)}" (54 characters); KubeRay refuses RayCluster names over 53 characters`,
        );
    });

    it("refuses a leading digit or dash, a trailing dash, upper case, dots and underscores", () => {
        for (const name of ["1ray", "-ray", "ray-", "Ray", "ray.io", "ray_x", ""])
            assert.equal(
                rayClusterNameProblem(name),
                `the RayCluster would be named "${name}", which KubeRay refuses: it must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)`,
                name,
            );
    });
});

describe("argo-cd and redis-ha names", () => {
    it("names redis-ha as its chart does", () => {
        assert.equal(redisHaFullname("argocd"), "argocd-redis-ha");
        assert.equal(redisHaFullname("my-redis-ha"), "my-redis-ha");
        assert.equal(redisHaFullname("redis-ha-x"), "redis-ha-x");
        assert.equal(redisHaFullname("a".repeat(55)), `${"a".repeat(55)}-redis-h`, "cut to 63");
        assert.equal(redisHaFullname("a".repeat(56)), `${"a".repeat(56)}-redis`, "cut to 63, the trailing dash trimmed");
        assert.equal(redisHaFullname("a".repeat(60)), `${"a".repeat(60)}-re`);
        assert.equal(redisHaFullname("redis-ha-"), "redis-ha");
    });

    it("accepts 52 characters, refuses 53, and with HA refuses a StatefulSet name over 52", () => {
        assert.equal(argoCdReleaseNameProblem("a".repeat(52), false), undefined);
        assert.match(argoCdReleaseNameProblem("a".repeat(53), false) ?? "", /^must be at most 52 characters/);
        assert.equal(argoCdReleaseNameProblem("a".repeat(36), true), undefined, "36 + '-redis-ha-server' = 52");
        assert.equal(
            argoCdReleaseNameProblem("a".repeat(37), true),
            `with argocd.ha the redis-ha StatefulSet would be named "${"a".repeat(37)}-redis-ha-server" (53 characters); a StatefulSet name must be at most 52 characters, or its pods are refused`,
        );
        assert.equal(argoCdReleaseNameProblem("a".repeat(37), false), undefined, "without HA there is no redis-ha StatefulSet");
        assert.equal(
            argoCdReleaseNameProblem(`${"a".repeat(31)}-redis-ha`, true),
            undefined,
            "a release containing redis-ha is the fullname: 40 + '-server' = 47",
        );
    });
});
