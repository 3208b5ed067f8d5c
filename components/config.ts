/**
 * The one schema of the stack config (`ml-gitops:*` keys).
 *
 * It drives validation in `index.ts`, the render command's errors and the README's config
 * reference (`tools/config-reference.ts`). Structural rules live in the zod schema; rules that
 * relate several keys (replica bounds, tokens for enabled services, trigger/template references,
 * project admission, prod guardrails) are `superRefine` checks on the same schema, so that one
 * `safeParse` reports every problem at once.
 */
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { argoCdReleaseNameProblem } from "./argocdNames";
import {
    ARGOCD_CHART,
    DEFAULT_KUBERAY_VERSION,
    DEFAULT_RAY_IMAGE_TAG,
    isSupportedKuberayVersion,
    KUBERAY_CHART_REPOSITORY,
    SUPPORTED_KUBERAY_RANGE,
} from "./versions";
import { DEFAULT_NAME_OVERRIDE, MAX_RELEASE_NAME, rayClusterFullname, rayClusterNameProblem } from "./raycluster";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./generated/settingsTypes";

export type { PlatformConfig };

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "ml-gitops";

/** Keys whose values are secrets: they must be set with `pulumi config set --secret` and are never echoed. */
export const SECRET_KEYS = ["adminPassword", "kubeconfig", "pagerdutyServiceKey", "slackToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The in-cluster API server, as Argo CD names it. */
export const IN_CLUSTER = "https://kubernetes.default.svc";

// ---------------------------------------------------------------------------------------------
// Value formats
// ---------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = () =>
    z
        .string()
        .max(63, { message: "must be at most 63 characters" })
        .regex(DNS_LABEL, { message: "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit" });

/** A helm release name: a DNS label of at most 53 characters (helm refuses longer ones). */
const releaseName = () =>
    z
        .string()
        .max(MAX_RELEASE_NAME, { message: `must be at most ${MAX_RELEASE_NAME} characters (helm's limit for release names)` })
        .regex(DNS_LABEL, { message: "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit" });

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const semver = () => z.string().regex(SEMVER, { message: "must be an exact version such as 1.2.3 (no 'v', ranges or 'latest')" });

const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;
/** A Kubernetes resource quantity; YAML numbers are accepted and kept as strings. */
const quantity = () =>
    z
        .union([z.string(), z.number().nonnegative()])
        .transform((v) => String(v))
        .pipe(z.string().regex(QUANTITY, { message: "must be a Kubernetes quantity such as 500m, 2, 4Gi or 1G" }));

const REPO_URL = /^(https:\/\/[^\s/]+(\/\S*)?|oci:\/\/[^\s/]+(\/\S*)?|ssh:\/\/\S+|git@[^\s:]+:\S+)$/;
const repoUrl = z.string().regex(REPO_URL, { message: "must be an https://, ssh:// or git@host:path URL (or oci:// for a helm registry)" });

const revision = z.string().trim().min(1, { message: "must be a non-empty revision (branch, tag, commit or chart version)" });
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const duration = z.string().regex(DURATION, { message: "must be a Go duration such as 5s, 3m or 1h30m" });
const timeoutSeconds = z.number().int().positive({ message: "must be a positive number of seconds" });
const anyObject = z.record(z.string(), z.unknown());

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

const ingressSchema = z
    .strictObject({
        enabled: z.boolean().default(false).meta({ description: "Create an Ingress for argocd-server." }),
        host: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a DNS host name" })
            .optional()
            .meta({ description: "Host name of the Ingress (required when enabled)." }),
        className: z.string().optional().meta({ description: "ingressClassName, e.g. nginx." }),
        tls: z.boolean().default(false).meta({
            description:
                "Terminate TLS at the Ingress (secret argocd-server-tls, e.g. from cert-manager). With an Ingress, argocd-server runs with server.insecure and the Ingress targets its HTTP port, so TLS ends at the Ingress either way.",
        }),
        annotations: z.record(z.string(), z.string()).default({}).meta({ description: "Annotations for the Ingress." }),
    })
    .prefault({});

const argocdSchema = z
    .strictObject({
        install: z.boolean().default(true).meta({
            description:
                "Install Argo CD (namespace, helm release, admin password). false: use the Argo CD another platform installed in `namespace` (then `notifications.enabled` must be false).",
        }),
        namespace: dnsLabel()
            .default("argocd")
            .meta({ description: "Namespace Argo CD is installed in; the AppProjects, Applications and notifications objects live there." }),
        applicationNamePrefix: z
            .string()
            .regex(/^([a-z0-9][-a-z0-9]*)?$/, { message: "must be lower-case letters, digits and '-', starting with a letter or digit" })
            .max(40, { message: "must be at most 40 characters" })
            .default("")
            .meta({
                description:
                    "Prefix of every Application's metadata.name (e.g. `team-b-`), so platforms that share one Argo CD do not collide; notification subscriptions still use the unprefixed names.",
            }),
        releaseName: releaseName()
            .default("argocd")
            .meta({ description: "Helm release name. Two Argo CDs in one cluster need different names (the chart's ClusterRoles are named after it)." }),
        chartRepository: repoUrl.default(ARGOCD_CHART.repository).meta({ description: "Helm repository of the argo-cd chart." }),
        chartVersion: semver().default(ARGOCD_CHART.version).meta({ description: "argo-cd chart version; 10.1.1 installs Argo CD v3.4.4." }),
        adminPasswordMtime: z.iso.datetime({ message: "must be an RFC 3339 time such as 2025-01-01T00:00:00Z" }).default("2025-01-01T00:00:00Z").meta({
            description: "Fixed admin password mtime, so a second `up` shows no diff. Change it when you rotate the password to end existing sessions.",
        }),
        ha: z.boolean().default(false).meta({
            description: "High availability: redis-ha, replicated controller, server, repo server and ApplicationSet controller, PodDisruptionBudgets.",
        }),
        replicas: z
            .strictObject({
                controller: z.number().int().min(1).optional().meta({ description: "Application controller replicas (shards). Default 1, or 2 with ha." }),
                server: z.number().int().min(1).optional().meta({ description: "argocd-server replicas. Default 1, or 2 with ha." }),
                repoServer: z.number().int().min(1).optional().meta({ description: "Repo server replicas. Default 1, or 2 with ha." }),
                applicationSet: z.number().int().min(1).optional().meta({ description: "ApplicationSet controller replicas. Default 1, or 2 with ha." }),
            })
            .default({})
            .meta({ description: "Replica counts per Argo CD component." }),
        serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP").meta({ description: "Service type of argocd-server." }),
        ingress: ingressSchema.meta({ description: "Ingress for argocd-server." }),
        url: z
            .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
            .optional()
            .meta({
                description: "External Argo CD URL, used in notification links. Default: https://<ingress.host>, else http://argocd-server.<namespace>.svc.",
            }),
        values: anyObject.default({}).meta({ description: "Escape hatch: chart values deep-merged last over everything the program sets." }),
    })
    .prefault({});

const workerGroupSchema = z.strictObject({
    replicas: z.number().int().min(0, { message: "must be at least 0" }).meta({ description: "Initial worker count (the autoscaler owns it afterwards)." }),
    minReplicas: z.number().int().min(0, { message: "must be at least 0" }).meta({ description: "Autoscaler lower bound." }),
    maxReplicas: z.number().int().min(1, { message: "must be at least 1" }).meta({ description: "Autoscaler upper bound." }),
    cpu: quantity().meta({ description: "CPU request and limit per worker." }),
    memory: quantity().meta({ description: "Memory request and limit per worker." }),
    gpu: quantity().optional().meta({ description: "nvidia.com/gpu per worker." }),
    disabled: z.boolean().default(false).meta({ description: "Keep the group declared but create no workers." }),
    rayStartParams: z
        .record(z.string(), z.string())
        .default({})
        .meta({ description: "Extra `ray start` parameters; `resources` is generated from the group name." }),
});

const rayClusterSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Declare the RayCluster Application." }),
        releaseName: releaseName().default("raycluster").meta({ description: "Helm release name of the ray-cluster chart." }),
        nameOverride: z.string().default(DEFAULT_NAME_OVERRIDE).meta({ description: "The chart's nameOverride (chart default kuberay)." }),
        fullnameOverride: z.string().default("").meta({ description: "The chart's fullnameOverride; when set it is the RayCluster's name." }),
        image: z
            .strictObject({
                repository: z.string().min(1).default("docker.io/rayproject/ray").meta({ description: "Ray image repository." }),
                tag: z.string().min(1).default(DEFAULT_RAY_IMAGE_TAG).meta({ description: "Ray image tag; never `latest` in prod." }),
                pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent").meta({ description: "Image pull policy." }),
            })
            .prefault({})
            .meta({ description: "Ray image of the head and every worker group." }),
        head: z
            .strictObject({
                cpu: quantity().default("1").meta({ description: "CPU request and limit of the head pod." }),
                memory: quantity().default("2G").meta({ description: "Memory request and limit of the head pod." }),
                rayStartParams: z
                    .record(z.string(), z.string())
                    .default({ "num-cpus": "0" })
                    .meta({ description: "`ray start` parameters of the head; num-cpus 0 keeps tasks off the head." }),
                autoscaler: z
                    .strictObject({
                        enabled: z.boolean().default(true).meta({ description: "enableInTreeAutoscaling." }),
                        upscalingMode: z
                            .enum(["Default", "Aggressive", "Conservative"])
                            .default("Default")
                            .meta({ description: "Autoscaler v2 upscaling mode." }),
                        idleTimeoutSeconds: timeoutSeconds.default(600).meta({ description: "Seconds before an idle worker is removed." }),
                        maxConcurrentLaunches: z.number().int().positive().default(100).meta({ description: "AUTOSCALER_MAX_CONCURRENT_LAUNCHES." }),
                        version: z
                            .enum(["v1", "v2"])
                            .default("v2")
                            .meta({ description: "Autoscaler version, pinned so a new Ray image tag never changes it (`autoscalerOptions.version`)." }),
                    })
                    .prefault({})
                    .meta({ description: "Ray autoscaler (the head's sidecar)." }),
            })
            .prefault({})
            .meta({ description: "The head pod." }),
        workerGroups: z
            .record(dnsLabel(), workerGroupSchema)
            .default({
                "standard-worker": { replicas: 1, minReplicas: 1, maxReplicas: 10, cpu: "1", memory: "1G", disabled: false, rayStartParams: {} },
            })
            .meta({
                description:
                    "Worker groups keyed by name. The RayCluster lists them in name order, whatever the order in the stack file (each is one of the chart's `additionalWorkerGroups`; its `worker` slot is disabled).",
            }),
    })
    .prefault({});

const kuberaySchema = z
    .strictObject({
        install: z.boolean().default(true).meta({
            description:
                "Declare the KubeRay CRDs and operator Applications. false: another platform in the cluster installs them (the operator watches every namespace).",
        }),
        version: semver()
            .refine((v) => isSupportedKuberayVersion(v), {
                message: `must be ${SUPPORTED_KUBERAY_RANGE}, the KubeRay versions this release renders and tests`,
                // Only an exact version gets this second opinion: "v1.5.1" gets one message, not two.
                when: (payload) => payload.issues.length === 0,
            })
            .default(DEFAULT_KUBERAY_VERSION)
            .meta({
                description: `KubeRay version for the CRDs (git tag v<version>), the operator chart and the ray-cluster chart: ${SUPPORTED_KUBERAY_RANGE}.`,
            }),
        namespace: dnsLabel().default("ray-system").meta({ description: "Namespace of the operator and the RayCluster." }),
        crdsRepoURL: repoUrl
            .default("https://github.com/ray-project/kuberay")
            .meta({ description: "Git repository holding helm-chart/kuberay-operator/crds." }),
        chartRepository: repoUrl.default(KUBERAY_CHART_REPOSITORY).meta({ description: "Helm repository of kuberay-operator and ray-cluster." }),
        operatorValues: anyObject.default({}).meta({ description: "valuesObject for the kuberay-operator chart." }),
    })
    .prefault({});

const retrySchema = z.strictObject({
    limit: z.number().int().min(0).default(5).meta({ description: "Sync retries." }),
    backoff: z
        .strictObject({
            duration: duration.default("5s").meta({ description: "First back-off." }),
            factor: z.number().int().min(1).default(2).meta({ description: "Back-off multiplier." }),
            maxDuration: duration.default("3m").meta({ description: "Longest back-off." }),
        })
        .prefault({}),
});

const syncSchema = z
    .strictObject({
        wait: z
            .boolean()
            .optional()
            .meta({ description: "Make `pulumi up` wait until each Application is Synced and Healthy. Default: on in prod, off elsewhere." }),
        timeoutSeconds: timeoutSeconds.default(900).meta({ description: "How long `pulumi up` waits for each Application." }),
        retry: retrySchema.prefault({}).meta({ description: "Default sync retry for every Application." }),
    })
    .prefault({});

const mlPlatformSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Declare the ml-platform Application." }),
        repoURL: repoUrl.default("https://github.com/org/ml-platform-config").meta({ description: "Config repository of the ML platform." }),
        targetRevision: revision.default("main").meta({ description: "Branch (dev) or tag/commit (prod)." }),
        path: z.string().min(1).default("environments/dev").meta({ description: "Path in the repository." }),
        valueFiles: z.array(z.string().min(1)).default(["values.yaml"]).meta({ description: "Helm valueFiles, in order." }),
        namespace: dnsLabel().default("ml-serving").meta({ description: "Destination namespace." }),
    })
    .prefault({});

const projectSchema = z
    .strictObject({
        name: dnsLabel().default("ml-dev").meta({ description: "AppProject of the ML platform and the extra applications (the seed's ml-production)." }),
        description: z.string().default("ML platform").meta({ description: "AppProject description." }),
        sourceRepos: z.array(z.string().min(1)).default([]).meta({ description: "Extra source repos (globs) besides those of its Applications." }),
        destinationNamespaces: z.array(z.string().min(1)).default([]).meta({ description: "Extra in-cluster destination namespaces (globs)." }),
        namespaceResourceWhitelist: z
            .array(z.strictObject({ group: z.string(), kind: z.string().min(1) }))
            .default([
                { group: "", kind: "*" },
                { group: "apps", kind: "*" },
                { group: "autoscaling", kind: "*" },
                { group: "policy", kind: "*" },
                { group: "serving.kserve.io", kind: "*" },
            ])
            .meta({ description: "Namespaced kinds the project's apps may create." }),
        clusterResourceWhitelist: z
            .array(z.strictObject({ group: z.string(), kind: z.string().min(1) }))
            .default([{ group: "", kind: "Namespace" }])
            .meta({ description: "Cluster-scoped kinds the project's apps may create." }),
        roles: z
            .array(
                z.strictObject({
                    name: dnsLabel(),
                    description: z.string().optional(),
                    policies: z.array(z.string()).default([]),
                    groups: z.array(z.string()).default([]),
                }),
            )
            .default([])
            .meta({ description: "Project roles (name, description, policies, groups)." }),
    })
    .prefault({});

const rayProjectSchema = z
    .strictObject({
        name: dnsLabel()
            .default("ray-platform")
            .meta({ description: "AppProject of the three KubeRay Applications; it admits the cluster-scoped kinds KubeRay needs." }),
    })
    .prefault({});

const extraAppSchema = z.strictObject({
    project: dnsLabel().optional().meta({ description: "AppProject; defaults to project.name." }),
    repoURL: repoUrl.meta({ description: "Git or helm repository (required)." }),
    targetRevision: revision.meta({ description: "Branch, tag, commit or chart version (required; no branch or HEAD in prod)." }),
    path: z.string().min(1).optional().meta({ description: "Directory in a git repository (exactly one of path and chart)." }),
    chart: z.string().min(1).optional().meta({ description: "Chart name in a helm repository (exactly one of path and chart)." }),
    helm: z
        .strictObject({
            releaseName: z.string().optional(),
            valueFiles: z.array(z.string()).optional(),
            valuesObject: anyObject.optional(),
            skipCrds: z.boolean().optional(),
        })
        .optional()
        .meta({ description: "Helm options: releaseName, valueFiles, valuesObject, skipCrds." }),
    destination: z
        .strictObject({
            server: z.string().default(IN_CLUSTER).meta({ description: "API server URL." }),
            namespace: dnsLabel().meta({ description: "Destination namespace (required)." }),
        })
        .meta({ description: "Where the app deploys." }),
    syncOptions: z
        .array(z.string().regex(/^[A-Za-z]+=[A-Za-z0-9,-]+$/, { message: "must be Option=value" }))
        .default(["CreateNamespace=true"])
        .meta({ description: "Argo CD sync options." }),
    automated: z.boolean().default(true).meta({ description: "Automated sync with prune and selfHeal." }),
    finalizer: z
        .enum(["foreground", "background", "none"])
        .default("foreground")
        .meta({ description: "Deletion: cascade in the foreground, in the background, or orphan the resources." }),
});

const subscriptionSchema = z.strictObject({
    trigger: z.string().min(1).meta({ description: "Trigger name, e.g. on-sync-failed." }),
    service: z.enum(["slack", "pagerdutyv2"]).meta({ description: "Notification service." }),
    recipient: z.string().min(1).meta({ description: "Slack channel, or the PagerDuty service name." }),
});

const notificationsSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Own argocd-notifications-cm/-secret and annotate Applications." }),
        slack: z
            .strictObject({
                enabled: z.boolean().default(false).meta({ description: "Configure service.slack (needs the slackToken secret)." }),
                apiURL: z
                    .url({ protocol: /^https$/, message: "must be an https URL, such as https://slack.com/api/" })
                    .optional()
                    .meta({
                        description:
                            "Base URL of Slack's Web API, for Enterprise Grid or a proxy; default Slack's own. A missing trailing / is added: the client appends method names such as chat.postMessage to it.",
                    }),
                username: z.string().optional().meta({ description: "Bot user name override." }),
                icon: z.string().optional().meta({ description: "Bot icon override." }),
            })
            .prefault({}),
        pagerduty: z
            .strictObject({
                enabled: z.boolean().default(false).meta({ description: "Configure service.pagerdutyv2 (needs the pagerdutyServiceKey secret)." }),
                serviceName: dnsLabel().default("ml-platform").meta({ description: "Name of the PagerDuty service; recipients of pagerdutyv2 subscriptions." }),
            })
            .prefault({}),
        triggers: z
            .record(
                z.string().regex(/^[a-z0-9-]+$/),
                z.strictObject({
                    description: z.string().optional(),
                    when: z.string().min(1),
                    send: z.array(z.string().min(1)).min(1),
                    oncePer: z.string().optional(),
                }),
            )
            .default({})
            .meta({ description: "Extra triggers keyed by name (added to on-deployed, on-sync-failed, on-health-degraded)." }),
        templates: z
            .record(z.string().regex(/^[a-z0-9-]+$/), anyObject)
            .default({})
            .meta({ description: "Extra templates keyed by name (YAML objects)." }),
        subscriptions: z
            .record(z.string(), z.array(subscriptionSchema))
            .default({})
            .meta({ description: "Per-Application subscriptions keyed by Application name." }),
        defaultSubscriptions: z
            .array(
                z.strictObject({
                    recipients: z.array(z.string().regex(/^(slack|pagerdutyv2):.+$/, { message: "must be <service>:<recipient>" })).min(1),
                    triggers: z.array(z.string()).min(1),
                }),
            )
            .default([])
            .meta({ description: "Subscriptions for every Application (the ConfigMap's subscriptions key)." }),
    })
    .prefault({});

const secretString = () => z.string().min(1, { message: "must not be empty" });

/** The whole stack config. */
/**
 * @internal The one config schema (zod): validation, defaults, and the generated types and docs.
 */
export const configSchema = z
    .strictObject({
        environment: z
            .enum(["dev", "staging", "prod"])
            .meta({ description: "Environment; prod turns the guardrails on (no `latest`, no floating revisions, no `default` project, waits)." }),
        kubeconfig: secretString()
            .optional()
            .meta({ description: "Secret kubeconfig for the explicit provider; without it the ambient kubeconfig (and kubernetes:context) is used." }),
        adminPassword: secretString().optional().meta({ description: "Secret Argo CD admin password; a RandomPassword when unset." }),
        slackToken: secretString().optional().meta({ description: "Secret Slack bot token (argocd-notifications-secret key slack-token)." }),
        pagerdutyServiceKey: secretString().optional().meta({ description: "Secret PagerDuty integration key (key pagerduty-service-key)." }),
        argocd: argocdSchema.meta({ description: "Argo CD, installed from the argo-cd chart." }),
        kuberay: kuberaySchema.meta({ description: "KubeRay CRDs and operator." }),
        rayCluster: rayClusterSchema.meta({ description: "The RayCluster Application." }),
        project: projectSchema.meta({ description: "The ML AppProject." }),
        rayProject: rayProjectSchema.meta({ description: "The KubeRay AppProject." }),
        mlPlatform: mlPlatformSchema.meta({ description: "The ml-platform Application (seed 001)." }),
        applications: z.record(dnsLabel(), extraAppSchema).default({}).meta({ description: "Further Applications keyed by name." }),
        sync: syncSchema.meta({ description: "Sync policy and waiting." }),
        notifications: notificationsSchema.meta({ description: "Argo CD notifications." }),
    })
    .superRefine(crossChecks);

/** @internal The schema's output, before `parseConfig` resolves the derived defaults. */
export type ParsedConfig = z.output<typeof configSchema>;

// ---------------------------------------------------------------------------------------------
// Rules that relate several keys
// ---------------------------------------------------------------------------------------------

/** Names the program gives its own Applications; extra applications may not reuse them. */
export const BUILTIN_APP_NAMES = ["ml-platform", "ray-operator", "ray-operator-crds", "raycluster"] as const;

/** Triggers and templates the program always declares (see notifications.ts). */
export const BUILTIN_TRIGGERS = ["on-deployed", "on-health-degraded", "on-sync-failed"] as const;
export const BUILTIN_TEMPLATES = ["app-deployed", "app-health-degraded", "app-sync-failed"] as const;

/** Git tags and chart versions that name one release (1.2.3, v1.2.3, 1.2.3-rc.1), or a full commit SHA: never a branch, HEAD or a range. */
export const IMMUTABLE_REVISION = /^(v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?|[0-9a-f]{40})$/;

function crossChecks(c: ParsedConfig, ctx: z.RefinementCtx): void {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const prod = c.environment === "prod";

    // Worker groups: 0 <= min <= replicas <= max.
    for (const [name, g] of Object.entries(c.rayCluster.workerGroups)) {
        if (g.minReplicas > g.replicas) issue(["rayCluster", "workerGroups", name, "minReplicas"], `must be ≤ replicas (${g.replicas})`);
        if (g.replicas > g.maxReplicas) issue(["rayCluster", "workerGroups", name, "replicas"], `must be ≤ maxReplicas (${g.maxReplicas})`);
        if ("resources" in g.rayStartParams)
            issue(["rayCluster", "workerGroups", name, "rayStartParams", "resources"], "is generated from the group name; remove it");
    }
    if (c.rayCluster.enabled && Object.keys(c.rayCluster.workerGroups).length === 0)
        issue(["rayCluster", "workerGroups"], "must declare at least one worker group");

    // Names the charts derive: refused here, before helm, KubeRay or Argo CD would refuse them
    // (a release name helm refuses is reported by the schema alone).
    if (c.rayCluster.enabled && c.rayCluster.releaseName.length <= MAX_RELEASE_NAME) {
        const problem = rayClusterNameProblem(rayClusterFullname(c.rayCluster));
        if (problem) issue(["rayCluster", c.rayCluster.fullnameOverride ? "fullnameOverride" : "releaseName"], problem);
    }
    const argoProblem = c.argocd.releaseName.length <= MAX_RELEASE_NAME && argoCdReleaseNameProblem(c.argocd.releaseName, c.argocd.ha);
    if (argoProblem) issue(["argocd", "releaseName"], argoProblem);

    // Application names are unique across built-in and extra apps.
    for (const name of Object.keys(c.applications)) {
        if ((BUILTIN_APP_NAMES as readonly string[]).includes(name))
            issue(["applications", name], `duplicates the built-in application "${name}"; choose another name`);
    }
    if (c.project.name === c.rayProject.name) issue(["rayProject", "name"], `must differ from project.name ("${c.project.name}")`);

    // Extra applications: a source, a known project, and admission by that project.
    const projects = new Set([c.project.name, c.rayProject.name]);
    for (const [name, app] of Object.entries(c.applications)) {
        const at = ["applications", name];
        if (!app.path === !app.chart) issue([...at, "path"], "set exactly one of path (git) and chart (helm repository)");
        const project = app.project ?? c.project.name;
        if (project === "default") issue([...at, "project"], "must not be the `default` project; use project.name or rayProject.name");
        else if (!projects.has(project)) issue([...at, "project"], `unknown project "${project}"; declared projects: ${[...projects].sort().join(", ")}`);
        if (prod && !IMMUTABLE_REVISION.test(app.targetRevision))
            issue([...at, "targetRevision"], "must be a tag, chart version or commit in prod, not a branch or HEAD");
    }

    // Prod guardrails.
    if (prod) {
        if (c.rayCluster.image.tag === "latest") issue(["rayCluster", "image", "tag"], 'must not be "latest" in prod: pin a Ray version');
        if (c.mlPlatform.enabled && !IMMUTABLE_REVISION.test(c.mlPlatform.targetRevision))
            issue(["mlPlatform", "targetRevision"], "must be a tag or commit in prod, not a branch or HEAD");
    }
    if (c.argocd.ingress.enabled && !c.argocd.ingress.host) issue(["argocd", "ingress", "host"], "is required when argocd.ingress.enabled is true");

    // Notifications: services need their tokens, subscriptions need known triggers and services.
    const n = c.notifications;
    if (n.enabled && !c.argocd.install)
        issue(
            ["notifications", "enabled"],
            "must be false when argocd.install is false: argocd-notifications-cm and -secret belong to the platform that installs Argo CD",
        );
    if (!n.enabled) return;
    if (n.slack.enabled && !c.slackToken)
        issue(["slackToken"], "is required when notifications.slack.enabled is true: pulumi config set --secret slackToken <token>");
    if (n.pagerduty.enabled && !c.pagerdutyServiceKey)
        issue(["pagerdutyServiceKey"], "is required when notifications.pagerduty.enabled is true: pulumi config set --secret pagerdutyServiceKey <key>");
    const templates = new Set<string>([...BUILTIN_TEMPLATES, ...Object.keys(n.templates)]);
    const triggers = new Set<string>([...BUILTIN_TRIGGERS, ...Object.keys(n.triggers)]);
    for (const [name, t] of Object.entries(n.triggers)) {
        t.send.forEach((tpl, i) => {
            if (!templates.has(tpl))
                issue(["notifications", "triggers", name, "send", i], `unknown template "${tpl}"; known: ${[...templates].sort().join(", ")}`);
        });
    }
    const services = new Set<string>([...(n.slack.enabled ? ["slack"] : []), ...(n.pagerduty.enabled ? ["pagerdutyv2"] : [])]);
    const appNames = new Set<string>([...appNamesFor(c), ...Object.keys(c.applications)]);
    for (const [app, subs] of Object.entries(n.subscriptions)) {
        if (!appNames.has(app)) issue(["notifications", "subscriptions", app], `unknown application "${app}"; known: ${[...appNames].sort().join(", ")}`);
        subs.forEach((s, i) => {
            const at = ["notifications", "subscriptions", app, i];
            if (!triggers.has(s.trigger)) issue([...at, "trigger"], `unknown trigger "${s.trigger}"; known: ${[...triggers].sort().join(", ")}`);
            if (!services.has(s.service)) issue([...at, "service"], `service "${s.service}" is not enabled in notifications`);
            if (s.service === "pagerdutyv2" && s.recipient !== n.pagerduty.serviceName)
                issue([...at, "recipient"], `must be the PagerDuty service name "${n.pagerduty.serviceName}"`);
        });
    }
    n.defaultSubscriptions.forEach((s, i) => {
        s.triggers.forEach((t, j) => {
            if (!triggers.has(t)) issue(["notifications", "defaultSubscriptions", i, "triggers", j], `unknown trigger "${t}"`);
        });
        s.recipients.forEach((r, j) => {
            if (!services.has(r.split(":")[0]))
                issue(["notifications", "defaultSubscriptions", i, "recipients", j], `service "${r.split(":")[0]}" is not enabled in notifications`);
        });
    });
}

/** The built-in Application names a config declares. */
function appNamesFor(c: ParsedConfig): string[] {
    return [
        ...(c.mlPlatform.enabled ? ["ml-platform"] : []),
        ...(c.kuberay.install ? ["ray-operator", "ray-operator-crds"] : []),
        ...(c.rayCluster.enabled ? ["raycluster"] : []),
    ];
}

// ---------------------------------------------------------------------------------------------
// Parsing raw Pulumi config
// ---------------------------------------------------------------------------------------------

/** A config problem, with the full key path. */
export class ConfigError extends pulumi.RunError {
    /** `heading` says what is wrong: invalid stack config, or a component instance's invalid args. */
    constructor(
        readonly problems: string[],
        heading = "invalid stack config",
    ) {
        super(`${heading} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** How {@link parseConfig} names a key in its problems, and what is invalid. */
export interface ConfigSource {
    /** The name of the key at a path, e.g. `ml-gitops:argocd.namespace` or `args.settings.argocd.namespace`. */
    keyName(path: readonly PropertyKey[]): string;
    /** The error's heading: `invalid stack config`, or `invalid args of MlPlatform "b"`. */
    heading: string;
}

/** Stack config: `ml-gitops:<path>`. */
export const STACK_CONFIG: ConfigSource = { keyName: (path) => `${CONFIG_NAMESPACE}:${path.map(String).join(".")}`, heading: "invalid stack config" };

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

/** Every key the schema accepts under an object path (for "did you mean"). */
function knownKeys(path: readonly PropertyKey[]): string[] {
    let s: z.core.$ZodType = configSchema;
    const unwrap = (t: z.core.$ZodType): z.core.$ZodType => {
        const def = t._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; schema?: z.core.$ZodType };
        if (def.innerType) return unwrap(def.innerType);
        if (def.type === "pipe" && def.in) return unwrap(def.in);
        return t;
    };
    for (const p of path) {
        s = unwrap(s);
        const def = s._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType; element?: z.core.$ZodType };
        if (def.type === "object" && def.shape) s = def.shape[String(p)];
        else if (def.type === "record" && def.valueType) s = def.valueType;
        else if (def.type === "array" && def.element) s = def.element;
        else return [];
        if (!s) return [];
    }
    const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, unknown> };
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** A key that contains the typo (or is contained in it) wins; otherwise the closest by edit distance. */
function nearestKey(typo: string, known: string[]): string {
    const t = typo.toLowerCase();
    const containing = known.filter((k) => k.toLowerCase().includes(t) || t.includes(k.toLowerCase())).sort((a, b) => a.length - b.length);
    return containing[0] ?? closest(typo, known);
}

function describe(value: unknown, path: readonly PropertyKey[]): string {
    if (value === undefined) return "nothing";
    if (path.length > 0 && (SECRET_KEYS as readonly string[]).includes(String(path[0]))) return "[secret]";
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Validates the `ml-gitops:*` keys (without the namespace) and resolves the derived defaults.
 * Throws a {@link ConfigError} listing every problem, each with its key path and the value found.
 */
export function parseConfig(raw: Record<string, unknown>, source: ConfigSource = STACK_CONFIG): PlatformConfig {
    const keyPath = (path: readonly PropertyKey[]) => source.keyName(path);
    const result = configSchema.safeParse(raw);
    if (!result.success) {
        const problems: string[] = [];
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                const known = knownKeys(issue.path);
                for (const k of issue.keys) {
                    const hint = known.length ? `; did you mean "${nearestKey(k, known)}"?` : "";
                    problems.push(`${keyPath([...issue.path, k])}: unknown key${hint}`);
                }
                continue;
            }
            const got = describe(valueAt(raw, issue.path), issue.path);
            let message = got === "nothing" && issue.code !== "custom" ? "is required" : issue.message;
            if (issue.code === "invalid_key") {
                // A record key (worker group or application name) is wrong: report the key, not its value.
                message = `the name ${JSON.stringify(String(issue.path[issue.path.length - 1]))} ${issue.issues[0]?.message ?? "is invalid"}`;
                problems.push(`${keyPath(issue.path)}: ${message}`);
                continue;
            }
            problems.push(got === "nothing" ? `${keyPath(issue.path)}: ${message}` : `${keyPath(issue.path)}: ${message} (got ${got})`);
        }
        throw new ConfigError([...new Set(problems)].sort(), source.heading);
    }
    const c = result.data;
    const url =
        c.argocd.url ??
        (c.argocd.ingress.enabled && c.argocd.ingress.host ? `https://${c.argocd.ingress.host}` : `http://argocd-server.${c.argocd.namespace}.svc`);
    return { ...c, argocd: { ...c.argocd, url }, sync: { ...c.sync, wait: c.sync.wait ?? c.environment === "prod" } };
}

/**
 * Turns Pulumi's flat config (`{"ml-gitops:key": "<string or JSON>"}`) into the raw object the
 * schema reads. Keys of other namespaces (kubernetes:, pulumi:) are left out.
 */
export function rawFromPulumiConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(all).sort()) {
        const [ns, name] = key.split(":");
        if (ns !== CONFIG_NAMESPACE || !name) continue;
        const text = all[key];
        let value: unknown = text; // secrets, and plain string values, stay strings
        if (!(SECRET_KEYS as readonly string[]).includes(name)) {
            try {
                value = JSON.parse(text);
            } catch {
                // not JSON: a plain string value
            }
        }
        raw[name] = value;
    }
    return raw;
}
