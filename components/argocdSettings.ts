/**
 * The settings of {@link ArgoCd} (the stack config's `argocd` section): their schema, the rules
 * among them, and the derived default of `url`.
 */
import { z } from "zod";
import { argoCdReleaseNameProblem, argoCdServerName } from "./argocdNames";
import { anyObject, dnsLabel, MAX_RELEASE_NAME, releaseName, repoUrl, reporter, semver, type Report } from "./formats";
import type { ArgoCdConfig } from "./generated/settingsTypes";
import { podSecurityLevel } from "./podSecurity";
import { checkRbac, checkSso, rbacSchema, ssoSchema } from "./rbacSettings";
import { ARGOCD_CHART, DEFAULT_ARGOCD_VERSION, isSupportedArgoCdVersion, SUPPORTED_ARGOCD_RANGE } from "./versions";

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

/** @internal The `argocd` section. */
export const argocdSchema = z
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
        chartVersion: semver()
            .default(ARGOCD_CHART.version)
            .meta({
                description: `argo-cd chart version; ${ARGOCD_CHART.version} (appVersion ${ARGOCD_CHART.appVersion}) runs the Argo CD of argocd.version.`,
            }),
        version: z
            .string()
            .transform((v) => (v.startsWith("v") ? v : `v${v}`))
            .refine(isSupportedArgoCdVersion, { message: `must be an Argo CD version ${SUPPORTED_ARGOCD_RANGE}, such as ${DEFAULT_ARGOCD_VERSION}` })
            .default(DEFAULT_ARGOCD_VERSION)
            .meta({
                description: `Argo CD version (the image tag, \`global.image.tag\`): ${SUPPORTED_ARGOCD_RANGE}, the minor chart ${ARGOCD_CHART.version} is made for. The default is the newest patched 3.4 this release tests; docs/design.md lists the advisories it fixes.`,
            }),
        admin: z
            .strictObject({
                enabled: z.boolean().optional().meta({
                    description: "The local `admin` login. Default: off in prod when `argocd.sso` is enabled, on otherwise.",
                }),
            })
            .prefault({})
            .meta({ description: "The shared local admin account." }),
        rbac: rbacSchema.meta({ description: "Argo CD RBAC (argocd-rbac-cm): the default role, group bindings, extra policy lines, the groups claim." }),
        sso: ssoSchema.meta({ description: "Single sign-on with OIDC directly (no Dex); the client secret is the `oidcClientSecret` secret." }),
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
                description:
                    "Argo CD's URL as a browser reaches it: SSO's callback base and notification links. Default: https://<ingress.host>, else https://<the chart's argocd-server Service>.<namespace>.svc (in-cluster only, so required with SSO and no Ingress).",
            }),
        podSecurity: podSecurityLevel("restricted", "Argo CD's namespace (the argo-cd chart's pods pass restricted)"),
        values: anyObject.default({}).meta({ description: "Escape hatch: chart values deep-merged last over everything the program sets." }),
    })
    .prefault({});

type ParsedArgoCd = z.output<typeof argocdSchema>;

/** The rules among the `argocd` keys (paths relative to the section). */
export function checkArgoCd(a: ParsedArgoCd, report: Report): void {
    // A release name helm refuses is reported by the schema alone.
    const problem = a.releaseName.length <= MAX_RELEASE_NAME && argoCdReleaseNameProblem(a.releaseName, a.ha);
    if (problem) report(["releaseName"], problem);
    if (a.ingress.enabled && !a.ingress.host) report(["ingress", "host"], "is required when argocd.ingress.enabled is true");
    checkRbac(a.rbac, a.sso, (path, message) => report(["rbac", ...path], message));
    checkSso(a.sso, (path, message) => report(["sso", ...path], message));
    if (a.sso.enabled && !a.url && !(a.ingress.enabled && a.ingress.host))
        report(
            ["url"],
            "is required when argocd.sso.enabled is true and there is no argocd.ingress: the identity provider sends the browser back to <url>/auth/callback, and the default (the argocd-server Service's in-cluster name) is not reachable from a browser",
        );
    if (a.admin.enabled === false && !a.sso.enabled) report(["admin", "enabled"], "must stay true without argocd.sso: no one could log in to Argo CD");
}

/**
 * The section with its derived defaults: `url` (the setting, else the Ingress's https URL, else the
 * in-cluster service); in `prod`, no shared admin once SSO is on and no default role (an SSO user
 * in no bound group sees nothing), elsewhere admin on and `role:readonly` for every logged-in user.
 */
export function resolveArgoCd(a: ParsedArgoCd, prod: boolean): ArgoCdConfig {
    const url =
        a.url ??
        (a.ingress.enabled && a.ingress.host ? `https://${a.ingress.host}` : `https://${argoCdServerName(a.releaseName, a.values)}.${a.namespace}.svc`);
    const admin = { enabled: a.admin.enabled ?? !(prod && a.sso.enabled) };
    const rbac = { ...a.rbac, policyDefault: a.rbac.policyDefault ?? (prod ? "" : "role:readonly") };
    return { ...a, admin, rbac, url };
}

/** @internal The args {@link ArgoCd} validates: its settings, with the rules among them. */
export const argoCdArgsSchema = z
    .object({
        settings: argocdSchema.superRefine((a, ctx) => checkArgoCd(a, reporter(ctx))),
        oidcClientSecret: z.unknown().optional(),
    })
    .superRefine((a, ctx) => {
        if (a.settings.sso.enabled && !a.oidcClientSecret) reporter(ctx)(["oidcClientSecret"], OIDC_SECRET_REQUIRED);
    });

/** Why `oidcClientSecret` is required. */
export const OIDC_SECRET_REQUIRED = "is required when argocd.sso.enabled is true";
