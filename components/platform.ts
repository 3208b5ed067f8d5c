import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppProject, Application } from "./application";
import { ArgoCd } from "./argocd";
import { IN_CLUSTER } from "./argocdNames";
import { claimObjects, declaredObjects } from "./composition";
import { parseConfig } from "./config";
import type { MlPlatformSettings, PlatformConfig } from "./generated/settingsTypes";
import { Notifications } from "./notifications";
import { planApplications, planProjects, plannedRayClusterName } from "./plan";
import { leastStrict, podSecurityLabels, type PodSecurityLevel } from "./podSecurity";
import { workerServiceAccount } from "./raycluster";
import { SECRET_KEYS } from "./schema";

export type { MlPlatformSettings };

/** Arguments of an {@link MlPlatform}. */
export interface MlPlatformArgs {
    /** Everything but secrets, in the shape of the stack config (see docs/config-reference.md for each default). */
    readonly settings: MlPlatformSettings;
    /** Argo CD admin password; default: a generated `RandomPassword`. */
    readonly adminPassword?: pulumi.Input<string>;
    /** Slack bot token; required when `notifications.slack.enabled`. */
    readonly slackToken?: pulumi.Input<string>;
    /** PagerDuty integration key; required when `notifications.pagerduty.enabled`. */
    readonly pagerdutyServiceKey?: pulumi.Input<string>;
    /** OIDC client secret; required when `argocd.sso.enabled`. */
    readonly oidcClientSecret?: pulumi.Input<string>;
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

/** What `pulumi preview` says, once per platform, about a prod Argo CD that still has the shared admin login. */
export const PROD_ADMIN_WARNING =
    "prod keeps Argo CD's shared admin login because argocd.sso is not enabled: set argocd.sso (enabled, issuer, clientID) and the oidcClientSecret secret, and prod turns the admin login off";

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
                oidcClientSecret: presence(args.oidcClientSecret),
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
        if (c.environment === "prod" && c.argocd.install && c.argocd.admin.enabled && !c.argocd.sso.enabled) void pulumi.log.warn(PROD_ADMIN_WARNING, this);
        this.config = c;
        const own: { argocd?: ArgoCd; applications: Record<string, Application> } = { applications: {} };
        children.set(this, own);

        // Children do not inherit a component's dependsOn: a platform that reuses another's Argo CD
        // is created with dependsOn that platform, and its objects wait for it.
        const before: pulumi.Input<pulumi.Resource>[] =
            opts?.dependsOn === undefined ? [] : ([] as pulumi.Input<pulumi.Resource>[]).concat(opts.dependsOn as pulumi.Input<pulumi.Resource>);
        // Each namespace the program creates enforces the least strict level of what runs in it.
        const levels = new Map<string, PodSecurityLevel[]>();
        const place = (ns: string, level: PodSecurityLevel) => levels.set(ns, [...(levels.get(ns) ?? []), level]);
        place(c.argocd.namespace, c.argocd.podSecurity);
        place(c.kuberay.namespace, c.kuberay.podSecurity);
        if (c.mlPlatform.enabled) place(c.mlPlatform.namespace, c.mlPlatform.podSecurity);
        const levelOf = (ns: string) => leastStrict(levels.get(ns)!);

        let argocdNs: pulumi.Output<string>;
        if (c.argocd.install) {
            const argocd = new ArgoCd(
                `${name}-argocd`,
                {
                    settings: { ...c.argocd, podSecurity: levelOf(c.argocd.namespace) },
                    notifications: c.notifications.enabled,
                    adminPassword: args.adminPassword,
                    oidcClientSecret: args.oidcClientSecret,
                },
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
            const metadata = { labels: podSecurityLabels(levelOf(ns)), name: ns };
            namespaces.set(ns, new k8s.core.v1.Namespace(`${name}-${key}`, { metadata }, { parent: this }));
        };
        ensureNamespace("ray-ns", c.kuberay.namespace);
        if (c.mlPlatform.enabled) ensureNamespace("ml-ns", c.mlPlatform.namespace);

        // The Ray pods' ServiceAccount, when the program owns it: created before the RayCluster's
        // Application, deleted after it; in the Ray namespace, or after Argo CD when they share one.
        const sa = c.rayCluster.serviceAccount;
        const rayNs = namespaces.get(c.kuberay.namespace);
        // The workers get their own, with no API token: only the head's holds the autoscaler's rights.
        const rayIdentities: k8s.core.v1.ServiceAccount[] = [];
        if (c.rayCluster.enabled && sa?.create) {
            const identity = (key: string, accountName: string, extra: { automountServiceAccountToken?: boolean }) =>
                new k8s.core.v1.ServiceAccount(
                    `${name}-${key}`,
                    { metadata: { annotations: sa.annotations, name: accountName, namespace: c.kuberay.namespace }, ...extra },
                    { parent: this, dependsOn: rayNs ? [rayNs] : before },
                );
            rayIdentities.push(
                identity("ray-sa", sa.name, {}),
                identity("ray-worker-sa", workerServiceAccount(c.rayCluster)!, { automountServiceAccountToken: false }),
            );
        }

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
            if (a.key === "raycluster") deps.push(...rayIdentities);
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
