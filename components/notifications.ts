import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { argoCdServerName, PART_OF_ARGOCD } from "./argocdNames";
import { parseArgs } from "./configErrors";
import type { NotificationsConfig, NotificationsSettings } from "./generated/settingsTypes";
import { BUILTIN_TEMPLATE_DEFS, BUILTIN_TRIGGER_DEFS, PAGERDUTY_KEY, SLACK_TOKEN_KEY } from "./notificationsCatalog";
import { notificationsArgsSchema } from "./notificationsSettings";
import { sortKeys, yamlText } from "./util";

export { BUILTIN_TEMPLATE_DEFS, BUILTIN_TRIGGER_DEFS, PAGERDUTY_KEY, SLACK_TOKEN_KEY };

/**
 * Pure: the data of argocd-notifications-cm. Tokens are only ever referenced (`$slack-token`),
 * never inlined. Keys are sorted so the ConfigMap is byte-stable.
 */
export function notificationsConfigData(n: NotificationsConfig, argocdUrl: string): Record<string, string> {
    const data: Record<string, string> = { context: yamlText({ argocdUrl }) };
    if (n.slack.enabled) {
        const slack: Record<string, string> = { token: `$${SLACK_TOKEN_KEY}` };
        // Argo CD's Slack client joins this and the method name without a separator.
        if (n.slack.apiURL) slack.apiURL = n.slack.apiURL.endsWith("/") ? n.slack.apiURL : `${n.slack.apiURL}/`;
        if (n.slack.username) slack.username = n.slack.username;
        if (n.slack.icon) slack.icon = n.slack.icon;
        data["service.slack"] = yamlText(slack);
    }
    if (n.pagerduty.enabled) data["service.pagerdutyv2"] = yamlText({ serviceKeys: { [n.pagerduty.serviceName]: `$${PAGERDUTY_KEY}` } });
    for (const [name, t] of Object.entries({ ...BUILTIN_TRIGGER_DEFS, ...n.triggers })) data[`trigger.${name}`] = yamlText([t]);
    for (const [name, t] of Object.entries({ ...BUILTIN_TEMPLATE_DEFS, ...n.templates })) data[`template.${name}`] = yamlText(t);
    if (n.defaultSubscriptions.length) data.subscriptions = yamlText(n.defaultSubscriptions);
    return sortKeys(data);
}

/** Arguments of {@link Notifications}. */
export interface NotificationsArgs {
    /** Namespace Argo CD runs in. Default: `argocd`. */
    readonly namespace?: pulumi.Input<string>;
    /**
     * The stack config's `notifications` settings, each optional with the default the config
     * reference gives (`subscriptions` are MlPlatform's: they become Application annotations).
     * Validated before anything is created. Default: no services, the built-in triggers and templates.
     */
    readonly settings?: NotificationsSettings;
    /** Argo CD's external URL, for links in messages. Default: `https://argocd-server.<namespace>.svc`, the Service of the chart released as `argocd`. */
    readonly argocdUrl?: pulumi.Input<string>;
    /** Slack bot token; required when `settings.slack.enabled`. */
    readonly slackToken?: pulumi.Input<string>;
    /** PagerDuty integration key; required when `settings.pagerduty.enabled`. */
    readonly pagerdutyServiceKey?: pulumi.Input<string>;
}

/**
 * Owns argocd-notifications-cm and argocd-notifications-secret. The chart must be told not to
 * create them (`notifications.cm.create=false`, `notifications.secret.create=false`).
 */
export class Notifications extends pulumi.ComponentResource {
    public readonly configMap: k8s.core.v1.ConfigMap;
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: NotificationsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Validate before anything is registered, as MlPlatform does; a token's value is never shown.
        const a = parseArgs(
            notificationsArgsSchema,
            { settings: args.settings ?? {}, slackToken: args.slackToken, pagerdutyServiceKey: args.pagerdutyServiceKey },
            `Notifications "${name}"`,
            ["pagerdutyServiceKey", "slackToken"],
        );
        const n = a.settings;
        super("ml-gitops:argocd:Notifications", name, {}, opts);
        const namespace = args.namespace ?? "argocd";
        const argocdUrl = args.argocdUrl ?? pulumi.interpolate`https://${argoCdServerName("argocd")}.${namespace}.svc`;
        const labels = { ...PART_OF_ARGOCD };
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-cm`,
            {
                metadata: { name: "argocd-notifications-cm", namespace, labels },
                // A known URL gives known data, in previews and the render too.
                data: pulumi.output(argocdUrl).apply((u) => notificationsConfigData(n, u)),
            },
            { parent: this },
        );
        const stringData: Record<string, pulumi.Input<string>> = {};
        if (n.slack.enabled && args.slackToken !== undefined) stringData[SLACK_TOKEN_KEY] = pulumi.secret(args.slackToken);
        if (n.pagerduty.enabled && args.pagerdutyServiceKey !== undefined) stringData[PAGERDUTY_KEY] = pulumi.secret(args.pagerdutyServiceKey);
        this.secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            // No stringData at all when there is nothing in it: an empty one is not kept by the API
            // server, so the provider would show it as added (a replace) on every preview.
            {
                metadata: { name: "argocd-notifications-secret", namespace, labels },
                type: "Opaque",
                ...(Object.keys(stringData).length ? { stringData } : {}),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
