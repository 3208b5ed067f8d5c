/**
 * The settings of {@link Notifications} (the stack config's `notifications` section): their
 * schema, and the rules among them (known triggers and templates, enabled services, the token each
 * enabled service needs).
 */
import { z } from "zod";
import { anyObject, dnsLabel, reporter, type Report } from "./formats";
import { BUILTIN_TEMPLATE_DEFS, BUILTIN_TRIGGER_DEFS } from "./notificationsCatalog";

const subscriptionSchema = z.strictObject({
    trigger: z.string().min(1).meta({ description: "Trigger name, e.g. on-sync-failed." }),
    service: z.enum(["slack", "pagerdutyv2"]).meta({ description: "Notification service." }),
    recipient: z.string().min(1).meta({ description: "Slack channel, or the PagerDuty service name." }),
});

/** @internal The `notifications` section. */
export const notificationsSchema = z
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
            .meta({ description: `Extra triggers keyed by name (added to ${Object.keys(BUILTIN_TRIGGER_DEFS).join(", ")}).` }),
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

type ParsedNotifications = z.output<typeof notificationsSchema>;

/** The secrets the enabled services need: `slackToken` for Slack, `pagerdutyServiceKey` for PagerDuty. */
export interface NotificationTokens {
    readonly slackToken?: unknown;
    readonly pagerdutyServiceKey?: unknown;
}

/** Each token an enabled service lacks: its key, and why it is required. */
export function missingTokens(
    n: Pick<ParsedNotifications, "pagerduty" | "slack">,
    tokens: NotificationTokens,
): { key: keyof NotificationTokens; why: string }[] {
    const missing: { key: keyof NotificationTokens; why: string }[] = [];
    if (n.slack.enabled && !tokens.slackToken) missing.push({ key: "slackToken", why: "is required when notifications.slack.enabled is true" });
    if (n.pagerduty.enabled && !tokens.pagerdutyServiceKey)
        missing.push({ key: "pagerdutyServiceKey", why: "is required when notifications.pagerduty.enabled is true" });
    return missing;
}

/**
 * The rules among the `notifications` keys (paths relative to the section): triggers send known
 * templates; subscriptions name known Applications (`appNames`, when known), known triggers and
 * enabled services.
 */
export function checkNotifications(n: ParsedNotifications, appNames: readonly string[] | undefined, report: Report): void {
    const templates = new Set<string>([...Object.keys(BUILTIN_TEMPLATE_DEFS), ...Object.keys(n.templates)]);
    const triggers = new Set<string>([...Object.keys(BUILTIN_TRIGGER_DEFS), ...Object.keys(n.triggers)]);
    for (const [name, t] of Object.entries(n.triggers)) {
        t.send.forEach((tpl, i) => {
            if (!templates.has(tpl)) report(["triggers", name, "send", i], `unknown template "${tpl}"; known: ${[...templates].sort().join(", ")}`);
        });
    }
    const services = new Set<string>([...(n.slack.enabled ? ["slack"] : []), ...(n.pagerduty.enabled ? ["pagerdutyv2"] : [])]);
    const apps = new Set(appNames);
    for (const [app, subs] of Object.entries(n.subscriptions)) {
        if (appNames && !apps.has(app)) report(["subscriptions", app], `unknown application "${app}"; known: ${[...apps].sort().join(", ")}`);
        subs.forEach((s, i) => {
            const at = ["subscriptions", app, i];
            if (!triggers.has(s.trigger)) report([...at, "trigger"], `unknown trigger "${s.trigger}"; known: ${[...triggers].sort().join(", ")}`);
            if (!services.has(s.service)) report([...at, "service"], `service "${s.service}" is not enabled in notifications`);
            if (s.service === "pagerdutyv2" && s.recipient !== n.pagerduty.serviceName)
                report([...at, "recipient"], `must be the PagerDuty service name "${n.pagerduty.serviceName}"`);
        });
    }
    n.defaultSubscriptions.forEach((s, i) => {
        s.triggers.forEach((t, j) => {
            if (!triggers.has(t)) report(["defaultSubscriptions", i, "triggers", j], `unknown trigger "${t}"`);
        });
        s.recipients.forEach((r, j) => {
            const service = r.split(":")[0];
            if (!services.has(service)) report(["defaultSubscriptions", i, "recipients", j], `service "${service}" is not enabled in notifications`);
        });
    });
}

/** @internal The args {@link Notifications} validates: its settings, and the token each enabled service needs. */
export const notificationsArgsSchema = z
    .object({ settings: notificationsSchema, slackToken: z.unknown().optional(), pagerdutyServiceKey: z.unknown().optional() })
    .superRefine((a, ctx) => {
        const report = reporter(ctx);
        // A Notifications component writes no subscriptions: which Applications exist is not its to know.
        checkNotifications(a.settings, undefined, (path, message) => report(["settings", ...path], message));
        for (const { key, why } of missingTokens(a.settings, a)) report([key], why);
    });
