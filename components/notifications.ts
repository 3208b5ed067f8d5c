import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import { sortKeys, yamlText } from "./util";

type NotificationSettings = PlatformConfig["notifications"];

/** Secret keys in argocd-notifications-secret, referenced as `$<key>` from the services. */
export const SLACK_TOKEN_KEY = "slack-token";
export const PAGERDUTY_KEY = "pagerduty-service-key";

const LINK = "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}";
const RESOURCES = "{{range .app.status.operationState.syncResult.resources}}\n- {{.kind}}/{{.name}}: {{.status}}\n{{end}}";

/**
 * The triggers every stack gets, at the quality of the Argo CD v3.4 catalog: `oncePer` the synced
 * revision, so a trigger fires once per revision rather than on every refresh.
 */
export const BUILTIN_TRIGGER_DEFS: Record<string, { description: string; oncePer: string; send: string[]; when: string }> = {
    "on-deployed": {
        description: "Application is synced and healthy. Triggered once per commit.",
        oncePer: "app.status.operationState?.syncResult?.revision",
        send: ["app-deployed"],
        when:
            "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and " +
            "(!time.Parse(app.status.health.lastTransitionTime).Add(1 * time.Minute).Before(time.Parse(app.status.operationState.finishedAt)) or " +
            "time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.startedAt)))",
    },
    "on-health-degraded": {
        description: "Application has degraded",
        oncePer: "app.status.operationState?.syncResult?.revision",
        send: ["app-health-degraded"],
        when: "app.status.health.status == 'Degraded'",
    },
    "on-sync-failed": {
        description: "Application syncing has failed",
        oncePer: "app.status.operationState?.syncResult?.revision",
        send: ["app-sync-failed"],
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
    },
};

/**
 * The templates: the seed's Slack message (phase icon, app, revision, one line per synced
 * resource), and a `pagerdutyv2` section on the failure templates so a page says what broke.
 */
export const BUILTIN_TEMPLATE_DEFS: Record<string, Record<string, unknown>> = {
    "app-deployed": {
        message:
            ":white_check_mark: Application {{.app.metadata.name}} sync {{.app.status.operationState.phase}}\n" +
            "Revision: {{.app.status.sync.revision}}\n" +
            `${RESOURCES}\n${LINK}\n`,
    },
    "app-health-degraded": {
        message: ":broken_heart: Application {{.app.metadata.name}} is {{.app.status.health.status}}\nRevision: {{.app.status.sync.revision}}\n" + `${LINK}\n`,
        pagerdutyv2: { severity: "error", source: "{{.app.metadata.name}}", summary: "Argo CD application {{.app.metadata.name}} is degraded" },
    },
    "app-sync-failed": {
        message:
            ":x: Application {{.app.metadata.name}} sync {{.app.status.operationState.phase}}\n" +
            "Revision: {{.app.status.sync.revision}}\n" +
            "{{.app.status.operationState.message}}\n" +
            `${RESOURCES}\n${LINK}?operation=true\n`,
        pagerdutyv2: {
            severity: "critical",
            source: "{{.app.metadata.name}}",
            summary: "Argo CD sync of {{.app.metadata.name}} failed: {{.app.status.operationState.phase}}",
        },
    },
};

/**
 * Pure: the data of argocd-notifications-cm. Tokens are only ever referenced (`$slack-token`),
 * never inlined. Keys are sorted so the ConfigMap is byte-stable.
 */
export function notificationsConfigData(n: NotificationSettings, argocdUrl: string): Record<string, string> {
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
    /** Namespace Argo CD runs in. */
    readonly namespace: pulumi.Input<string>;
    /** The `notifications` section of the platform config. */
    readonly settings: NotificationSettings;
    /** Argo CD's external URL, for links in messages. */
    readonly argocdUrl: string;
    /** Slack bot token; required when Slack is enabled. */
    readonly slackToken?: pulumi.Input<string>;
    /** PagerDuty integration key; required when PagerDuty is enabled. */
    readonly pagerdutyServiceKey?: pulumi.Input<string>;
}

/**
 * Owns argocd-notifications-cm and argocd-notifications-secret. The chart must be told not to
 * create them (`notifications.cm.create=false`, `notifications.secret.create=false`).
 */
export class Notifications extends pulumi.ComponentResource {
    public readonly configMap: k8s.core.v1.ConfigMap;
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-gitops:argocd:Notifications", name, {}, opts);
        const n = args.settings;
        if (n.slack.enabled && args.slackToken === undefined) throw new pulumi.ResourceError("notifications.slack.enabled needs slackToken", this);
        if (n.pagerduty.enabled && args.pagerdutyServiceKey === undefined)
            throw new pulumi.ResourceError("notifications.pagerduty.enabled needs pagerdutyServiceKey", this);
        const labels = { "app.kubernetes.io/part-of": "argocd" };
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-cm`,
            { metadata: { name: "argocd-notifications-cm", namespace: args.namespace, labels }, data: notificationsConfigData(n, args.argocdUrl) },
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
                metadata: { name: "argocd-notifications-secret", namespace: args.namespace, labels },
                type: "Opaque",
                ...(Object.keys(stringData).length ? { stringData } : {}),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
