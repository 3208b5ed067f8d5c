/**
 * The whole stack config's schema (`ml-gitops:*` keys), assembled from the sections each
 * component owns (argocdSettings.ts, rayclusterSettings.ts, notificationsSettings.ts,
 * planSettings.ts), and the rules that span sections. Each section's own rules stay beside its
 * schema; all of them run as one `superRefine`, so that one `safeParse` reports every problem.
 *
 * It drives validation (config.ts), the generated types (components/generated/) and the config
 * reference (`npm run docs`, tools/config-reference.ts).
 */
import { z } from "zod";
import { argocdSchema, checkArgoCd, OIDC_SECRET_REQUIRED } from "./argocdSettings";
import { reporter, secretString, type Report } from "./formats";
import { checkNotifications, missingTokens, notificationsSchema } from "./notificationsSettings";
import { builtinApps } from "./plan";
import { applicationsSchema, checkPlan, mlPlatformSchema, projectSchema, rayProjectSchema, syncSchema } from "./planSettings";
import { checkRayCluster, kuberaySchema, rayClusterSchema } from "./rayclusterSettings";

/** Keys whose values are secrets: they must be set with `pulumi config set --secret` and are never echoed. */
export const SECRET_KEYS = ["adminPassword", "kubeconfig", "oidcClientSecret", "pagerdutyServiceKey", "slackToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The hint each required secret's problem ends with. */
const SET_SECRET: Record<string, string> = {
    oidcClientSecret: "pulumi config set --secret oidcClientSecret <secret>",
    pagerdutyServiceKey: "pulumi config set --secret pagerdutyServiceKey <key>",
    slackToken: "pulumi config set --secret slackToken <token>",
};

/**
 * @internal The one config schema (zod): validation, defaults, and the generated types and docs.
 */
export const configSchema = z
    .strictObject({
        environment: z
            .enum(["dev", "staging", "prod"])
            .meta({ description: "Environment; prod turns the guardrails on (no `latest` image, no branch or HEAD revisions, waits on by default)." }),
        kubeconfig: secretString()
            .optional()
            .meta({ description: "Secret kubeconfig for the explicit provider; without it the ambient kubeconfig (and kubernetes:context) is used." }),
        adminPassword: secretString().optional().meta({ description: "Secret Argo CD admin password; a RandomPassword when unset." }),
        slackToken: secretString().optional().meta({ description: "Secret Slack bot token (argocd-notifications-secret key slack-token)." }),
        pagerdutyServiceKey: secretString().optional().meta({ description: "Secret PagerDuty integration key (key pagerduty-service-key)." }),
        oidcClientSecret: secretString()
            .optional()
            .meta({ description: "Secret OIDC client secret of argocd.sso (argocd-secret key oidc.clientSecret, never a ConfigMap)." }),
        argocd: argocdSchema.meta({ description: "Argo CD, installed from the argo-cd chart." }),
        kuberay: kuberaySchema.meta({ description: "KubeRay CRDs and operator." }),
        rayCluster: rayClusterSchema.meta({ description: "The RayCluster Application." }),
        project: projectSchema.meta({ description: "The ML AppProject." }),
        rayProject: rayProjectSchema.meta({ description: "The KubeRay AppProject." }),
        mlPlatform: mlPlatformSchema.meta({ description: "The ml-platform Application (seed 001)." }),
        applications: applicationsSchema.meta({ description: "Further Applications keyed by name." }),
        sync: syncSchema.meta({ description: "Sync policy and waiting." }),
        notifications: notificationsSchema.meta({ description: "Argo CD notifications." }),
    })
    .superRefine((c, ctx) => checkConfig(c, reporter(ctx)));

/** @internal The schema's output, before `parseConfig` resolves the derived defaults. */
export type ParsedConfig = z.output<typeof configSchema>;

/** The same report, with paths under `section`. */
const under =
    (section: string, report: Report): Report =>
    (path, message) =>
        report([section, ...path], message);

/** Each section's rules, then the rules that span sections. */
function checkConfig(c: ParsedConfig, report: Report): void {
    const prod = c.environment === "prod";
    checkArgoCd(c.argocd, under("argocd", report));
    checkRayCluster(c.rayCluster, prod, c.kuberay.version, under("rayCluster", report));
    checkPlan(c, prod, report);
    if (c.argocd.sso.enabled && !c.oidcClientSecret) report(["oidcClientSecret"], `${OIDC_SECRET_REQUIRED}: ${SET_SECRET.oidcClientSecret}`);

    // Notifications: the platform that installs Argo CD owns its notification objects.
    const n = c.notifications;
    if (n.enabled && !c.argocd.install)
        report(
            ["notifications", "enabled"],
            "must be false when argocd.install is false: argocd-notifications-cm and -secret belong to the platform that installs Argo CD",
        );
    if (!n.enabled) return;
    for (const { key, why } of missingTokens(n, c)) report([key], `${why}: ${SET_SECRET[key]}`);
    checkNotifications(n, [...builtinApps(c), ...Object.keys(c.applications)], under("notifications", report));
}
