/**
 * Safe composition: what one MlPlatform puts into the cluster, keyed so that two platforms'
 * keys are equal exactly when their objects would be the same object, and a per-stack registry
 * that refuses a second platform whose objects collide with an earlier one's, before it
 * registers anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./configErrors";
import type { PlatformConfig } from "./generated/settingsTypes";
import type { PlannedApplication, PlannedProject } from "./plan";

/** Every object (or cluster-wide set of objects) a platform declares: key → how to name it in a message. */
export function declaredObjects(c: PlatformConfig, apps: PlannedApplication[], projects: PlannedProject[], rayClusterName?: string): Map<string, string> {
    const out = new Map<string, string>();
    const add = (key: string, what: string) => out.set(key, what);
    const argoNs = c.argocd.namespace;
    if (c.argocd.install) {
        add(`Namespace ${argoNs}`, `Namespace ${argoNs}`);
        add(`Release ${argoNs}/${c.argocd.releaseName}`, `helm release ${argoNs}/${c.argocd.releaseName}`);
        add("cluster:argocd-crds", "the Argo CD CRDs (applications.argoproj.io, appprojects.argoproj.io, applicationsets.argoproj.io) from the argo-cd chart");
    }
    if (c.notifications.enabled) {
        add(`ConfigMap ${argoNs}/argocd-notifications-cm`, `ConfigMap ${argoNs}/argocd-notifications-cm`);
        add(`Secret ${argoNs}/argocd-notifications-secret`, `Secret ${argoNs}/argocd-notifications-secret`);
    }
    for (const ns of [c.kuberay.namespace, ...(c.mlPlatform.enabled ? [c.mlPlatform.namespace] : [])])
        if (ns !== argoNs || !c.argocd.install) add(`Namespace ${ns}`, `Namespace ${ns}`);
    for (const p of projects) add(`AppProject ${argoNs}/${p.name}`, `AppProject ${argoNs}/${p.name}`);
    for (const a of apps) add(`Application ${argoNs}/${a.args.name}`, `Application ${argoNs}/${a.args.name}`);
    if (c.kuberay.install) {
        add("cluster:kuberay-crds", "the KubeRay CRDs (rayclusters.ray.io, rayjobs.ray.io, rayservices.ray.io)");
        add("ClusterRole kuberay-operator", "the KubeRay operator's ClusterRole kuberay-operator");
    }
    if (rayClusterName) add(`RayCluster ${c.kuberay.namespace}/${rayClusterName}`, `RayCluster ${c.kuberay.namespace}/${rayClusterName}`);
    return out;
}

/** Registries per stack evaluation (the Stack resource), so separate evaluations in one process never meet. */
const registries = new WeakMap<object, Map<string, string>>();
const NO_STACK = {};

/**
 * Refuses `instance` when any of its objects is already declared by an earlier platform in this
 * stack (one problem per object, naming both instances), else records its objects.
 */
export function claimObjects(instance: string, objects: Map<string, string>): void {
    const stack: object = pulumi.runtime.getStackResource() ?? NO_STACK;
    let owners = registries.get(stack);
    if (!owners) registries.set(stack, (owners = new Map<string, string>()));
    const problems: string[] = [];
    for (const [key, what] of objects) {
        const owner = owners.get(key);
        if (owner !== undefined)
            problems.push(
                `${instance} and ${owner} both declare ${what}: give one of them other names, or let ${instance} reuse what ${owner} installs (argocd.install: false, kuberay.install: false)`,
            );
    }
    if (problems.length) throw new ConfigError(problems.sort(), `${instance} collides with another platform in this stack`);
    for (const key of objects.keys()) owners.set(key, instance);
}
