/**
 * The settings of what plan.ts plans: the AppProjects (`project`, `rayProject`), the ML platform
 * Application (`mlPlatform`), further Applications (`applications`) and the sync policy (`sync`),
 * with the rules among them (unique names, project admission, no floating revisions in prod).
 */
import { z } from "zod";
import { IN_CLUSTER } from "./argocdNames";
import { anyObject, dnsLabel, duration, IMMUTABLE_REVISION, repoUrl, revision, timeoutSeconds, type Report } from "./formats";
import { BUILTIN_APP_NAMES } from "./plan";
import { podSecurityLevel } from "./podSecurity";
import { projectGroupProblem, projectPolicyProblem, repeats } from "./projectRoles";

const retrySchema = z.strictObject({
    limit: z
        .number()
        .int()
        .min(-1)
        .refine((n) => n !== 0, {
            message:
                "must not be 0: Argo CD then never retries a failed sync (and the policy pack's application-retry-backoff refuses it); use 1 or more, or -1 for no limit",
        })
        .default(5)
        .meta({ description: "Retries of a failed sync: 1 or more, or -1 for no limit (0, no retry, is refused)." }),
    backoff: z
        .strictObject({
            duration: duration.default("5s").meta({ description: "First back-off." }),
            factor: z.number().int().min(1).default(2).meta({ description: "Back-off multiplier." }),
            maxDuration: duration.default("3m").meta({ description: "Longest back-off." }),
        })
        .prefault({}),
});

/** @internal The `sync` section. */
export const syncSchema = z
    .strictObject({
        wait: z
            .boolean()
            .optional()
            .meta({ description: "Make `pulumi up` wait until each Application is Synced and Healthy. Default: on in prod, off elsewhere." }),
        timeoutSeconds: timeoutSeconds.default(900).meta({ description: "How long `pulumi up` waits for each Application." }),
        retry: retrySchema.prefault({}).meta({ description: "Default sync retry for every Application." }),
        cascadeDelete: z.boolean().default(true).meta({
            description:
                "A built-in Application that Pulumi deletes takes what it deployed with it (Argo CD's resources finalizer). false: none carries the finalizer, the first step of a rename that keeps the workloads (docs/operations.md).",
        }),
        allowDeletes: z.boolean().default(false).meta({
            description:
                "Let one `pulumi up` delete what the change guard refuses: the workloads of a renamed or removed Application, a renamed RayCluster or ML namespace, the CRDs a KubeRay downgrade prunes. Set it for that up, then remove it.",
        }),
    })
    .prefault({});

/** @internal The `mlPlatform` section. */
export const mlPlatformSchema = z
    .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Declare the ml-platform Application." }),
        repoURL: repoUrl.default("https://github.com/org/ml-platform-config").meta({ description: "Config repository of the ML platform." }),
        targetRevision: revision.default("main").meta({ description: "Branch (dev) or tag/commit (prod)." }),
        path: z.string().min(1).default("environments/dev").meta({ description: "Path in the repository." }),
        valueFiles: z.array(z.string().min(1)).default(["values.yaml"]).meta({ description: "Helm valueFiles, in order." }),
        namespace: dnsLabel().default("ml-serving").meta({ description: "Destination namespace." }),
        podSecurity: podSecurityLevel(
            "baseline",
            "mlPlatform.namespace, whose workloads are the config repository's; baseline refuses privileged pods, host namespaces and hostPath; restricted once they pass it",
        ),
    })
    .prefault({});

/** @internal The `project` section. */
export const projectSchema = z
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
                // Ray's batch and serving kinds, which the ML teams' repository ships; not a RayCluster
                // or another ray.io kind: the KubeRay operator creates those for them.
                { group: "ray.io", kind: "RayJob" },
                { group: "ray.io", kind: "RayService" },
            ])
            .meta({ description: "Namespaced kinds the project's apps may create (by default also ray.io RayJob and RayService, nothing else of ray.io)." }),
        clusterResourceWhitelist: z
            .array(z.strictObject({ group: z.string(), kind: z.string().min(1), name: z.string().min(1).optional() }))
            .default([{ group: "", kind: "Namespace" }])
            .meta({
                description:
                    "Cluster-scoped kinds the project's apps may create; `name` (a glob) narrows an entry to matching objects, and a `Namespace` entry without one admits only the project's destination namespaces.",
            }),
        roles: z
            .array(
                z.strictObject({
                    name: dnsLabel().meta({ description: "Role name; its policies' subject is proj:<project.name>:<name>." }),
                    description: z.string().optional(),
                    actions: z
                        .array(z.enum(["action", "create", "delete", "get", "override", "sync", "update"]))
                        .default([])
                        .meta({
                            description:
                                "What the role may do to every Application of the project (each becomes a `p,` line; `action` becomes `action/*`, every resource action).",
                        }),
                    policies: z
                        .array(z.string())
                        .default([])
                        .meta({ description: "Further `p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, <effect>` lines." }),
                    groups: z.array(z.string().min(1)).default([]).meta({ description: "SSO groups bound to the role." }),
                }),
            )
            .default([])
            .meta({
                description: "Project roles, e.g. an ml-engineer role with actions [get, sync] bound to a group: name, description, actions, policies, groups.",
            }),
    })
    .prefault({});

/** @internal The `rayProject` section. */
export const rayProjectSchema = z
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

/** @internal The `applications` section: further Applications keyed by name. */
export const applicationsSchema = z.record(dnsLabel(), extraAppSchema).default({});

/** The settings {@link checkPlan} reads. */
interface PlanSettings {
    readonly argocd: { readonly namespace: string };
    readonly project: z.output<typeof projectSchema>;
    readonly rayProject: z.output<typeof rayProjectSchema>;
    readonly mlPlatform: z.output<typeof mlPlatformSchema>;
    readonly applications: z.output<typeof applicationsSchema>;
}

/**
 * The rules among the planned objects' keys (paths from the config's root): Application names are
 * unique across built-in and extra apps; the ML project's roles are what Argo CD accepts; an extra
 * app has one source, is in the ML project (never `default`, never the Ray project) and deploys
 * outside Argo CD's namespace; `prod` allows no branch or HEAD.
 */
export function checkPlan(c: PlanSettings, prod: boolean, report: Report): void {
    for (const name of Object.keys(c.applications)) {
        if ((BUILTIN_APP_NAMES as readonly string[]).includes(name))
            report(["applications", name], `duplicates the built-in application "${name}"; choose another name`);
    }
    if (c.project.name === c.rayProject.name) report(["rayProject", "name"], `must differ from project.name ("${c.project.name}")`);
    const roles = c.project.roles;
    for (const i of repeats(roles.map((r) => r.name))) report(["project", "roles", i, "name"], "repeats an earlier role's name");
    roles.forEach((role, i) => {
        role.policies.forEach((line, j) => {
            const problem = line.trim().startsWith("g,")
                ? "must be a `p,` line: a project role's groups are bound with its groups key"
                : projectPolicyProblem(line, c.project.name, role.name);
            if (problem) report(["project", "roles", i, "policies", j], problem);
        });
        for (const j of repeats(role.policies)) report(["project", "roles", i, "policies", j], "repeats an earlier line");
        role.groups.forEach((g, j) => {
            const problem = projectGroupProblem(g);
            if (problem) report(["project", "roles", i, "groups", j], problem);
        });
        for (const j of repeats(role.groups)) report(["project", "roles", i, "groups", j], "repeats an earlier group");
    });

    for (const [name, app] of Object.entries(c.applications)) {
        const at = ["applications", name];
        if (!app.path === !app.chart) report([...at, "path"], "set exactly one of path (git) and chart (helm repository)");
        const project = app.project ?? c.project.name;
        if (project === "default") report([...at, "project"], `must not be the \`default\` project; leave it unset for project.name ("${c.project.name}")`);
        else if (project === c.rayProject.name)
            report(
                [...at, "project"],
                `must not be the Ray project ("${project}"): it admits cluster-scoped objects (KubeRay's ClusterRoles, bindings and CRDs) for KubeRay's own Applications only, so a repository added to it could grant itself cluster-admin; leave it unset for project.name ("${c.project.name}")`,
            );
        else if (project !== c.project.name)
            report([...at, "project"], `unknown project "${project}"; extra applications go in project.name ("${c.project.name}")`);
        if (app.destination.namespace === c.argocd.namespace)
            report(
                [...at, "destination", "namespace"],
                `must not be Argo CD's own namespace ("${c.argocd.namespace}"): an application there could rewrite Argo CD's Secrets, ConfigMaps and RBAC`,
            );
        if (prod && !IMMUTABLE_REVISION.test(app.targetRevision))
            report([...at, "targetRevision"], "must be a tag, chart version or commit in prod, not a branch or HEAD");
    }
    if (prod && c.mlPlatform.enabled && !IMMUTABLE_REVISION.test(c.mlPlatform.targetRevision))
        report(["mlPlatform", "targetRevision"], "must be a tag or commit in prod, not a branch or HEAD");
}
