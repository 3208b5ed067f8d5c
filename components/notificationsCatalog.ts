/**
 * What every stack's notifications have, whatever its config: the Argo CD v3.4 catalog's triggers
 * and the seed's templates, and the keys of the tokens in argocd-notifications-secret. The one
 * place these names are written: the settings' checks and the ConfigMap both read them.
 */
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
