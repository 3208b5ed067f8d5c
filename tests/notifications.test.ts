import * as assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reveal, type Evaluation, type RecordedResource } from "../testing/engine";
import { ROOT, renderStack, type Rendered } from "../commands/render";
import { parseConfig } from "../components/config";
import { notificationsConfigData } from "../components/notifications";
import { byType, one, run, runError, T } from "./harness";

const SLACK = "xoxb-1111111111-FAKE-slack-token";
const PAGER = "0123456789abcdef0123456789abcdef";
const FAKE_SECRETS = { "ml-gitops:slackToken": SLACK, "ml-gitops:pagerdutyServiceKey": PAGER };

const dataOf = (ev: Evaluation) => one(ev, T.configMap, "ml-notifications-cm").inputs.data as Record<string, string>;
const annotationsOf = (ev: Evaluation, app: string) =>
    (
        byType(ev, T.app).find((r: RecordedResource) => (r.inputs.metadata as { name: string }).name === app)!.inputs.metadata as {
            annotations?: Record<string, string>;
        }
    ).annotations ?? {};
const subscriptions = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith("notifications.argoproj.io/")));

const TRIGGERS = {
    "trigger.on-deployed": `- description: Application is synced and healthy. Triggered once per commit.
  oncePer: app.status.operationState?.syncResult?.revision
  send:
    - app-deployed
  when: app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and (!time.Parse(app.status.health.lastTransitionTime).Add(1 * time.Minute).Before(time.Parse(app.status.operationState.finishedAt)) or time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.startedAt)))
`,
    "trigger.on-health-degraded": `- description: Application has degraded
  oncePer: app.status.operationState?.syncResult?.revision
  send:
    - app-health-degraded
  when: app.status.health.status == 'Degraded'
`,
    "trigger.on-sync-failed": `- description: Application syncing has failed
  oncePer: app.status.operationState?.syncResult?.revision
  send:
    - app-sync-failed
  when: app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']
`,
};

const TEMPLATES = {
    "template.app-deployed": `message: |
  :white_check_mark: Application {{.app.metadata.name}} sync {{.app.status.operationState.phase}}
  Revision: {{.app.status.sync.revision}}
  {{range .app.status.operationState.syncResult.resources}}
  - {{.kind}}/{{.name}}: {{.status}}
  {{end}}
  {{.context.argocdUrl}}/applications/{{.app.metadata.name}}
`,
    "template.app-health-degraded": `message: |
  :broken_heart: Application {{.app.metadata.name}} is {{.app.status.health.status}}
  Revision: {{.app.status.sync.revision}}
  {{.context.argocdUrl}}/applications/{{.app.metadata.name}}
pagerdutyv2:
  severity: error
  source: "{{.app.metadata.name}}"
  summary: Argo CD application {{.app.metadata.name}} is degraded
`,
    "template.app-sync-failed": `message: |
  :x: Application {{.app.metadata.name}} sync {{.app.status.operationState.phase}}
  Revision: {{.app.status.sync.revision}}
  {{.app.status.operationState.message}}
  {{range .app.status.operationState.syncResult.resources}}
  - {{.kind}}/{{.name}}: {{.status}}
  {{end}}
  {{.context.argocdUrl}}/applications/{{.app.metadata.name}}?operation=true
pagerdutyv2:
  severity: critical
  source: "{{.app.metadata.name}}"
  summary: "Argo CD sync of {{.app.metadata.name}} failed: {{.app.status.operationState.phase}}"
`,
};

describe("Argo CD notifications", () => {
    let prod: Rendered;
    /** dev as committed: no ESC environment, so no Slack (the token supplied here is unused). */
    let dev: Rendered;
    /** dev with `ml-gitops/dev` attached, as `pulumi config env add ml-gitops/dev` does it. */
    let devSlack: Rendered;
    let attached: string;
    before(async () => {
        prod = await renderStack("prod", ROOT, FAKE_SECRETS);
        dev = await renderStack("dev", ROOT, FAKE_SECRETS);
        attached = mkdtempSync(join(tmpdir(), "ml-gitops-dev-esc-"));
        for (const f of ["Pulumi.yaml", "esc"]) cpSync(join(ROOT, f), join(attached, f), { recursive: true });
        writeFileSync(join(attached, "Pulumi.dev.yaml"), `environment:\n  - ml-gitops/dev\n${readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")}`);
        devSlack = await renderStack("dev", attached, FAKE_SECRETS);
    });
    after(() => rmSync(attached, { recursive: true, force: true }));

    it("writes prod's ConfigMap exactly: context, Slack and PagerDuty by reference, catalog triggers, templates", () => {
        const data = dataOf(prod.evaluation);
        assert.deepEqual(data, {
            context: "argocdUrl: https://argocd.ml.example.com\n",
            "service.pagerdutyv2": "serviceKeys:\n  ml-platform: $pagerduty-service-key\n",
            "service.slack": "token: $slack-token\n",
            ...TEMPLATES,
            ...TRIGGERS,
        });
        const cm = one(prod.evaluation, T.configMap, "ml-notifications-cm");
        assert.deepEqual(cm.inputs.metadata, { labels: { "app.kubernetes.io/part-of": "argocd" }, name: "argocd-notifications-cm", namespace: "argocd" });
    });

    it("configures no service in dev as committed, and only Slack once ml-gitops/dev is attached", () => {
        const data = dataOf(dev.evaluation);
        assert.equal(data["service.slack"], undefined);
        assert.equal(data["service.pagerdutyv2"], undefined);
        assert.equal(data.context, "argocdUrl: https://argocd-server.argocd.svc\n");
        const withEsc = dataOf(devSlack.evaluation);
        assert.equal(withEsc["service.slack"], "token: $slack-token\n");
        assert.equal(withEsc["service.pagerdutyv2"], undefined);
        assert.equal(withEsc.context, "argocdUrl: https://argocd-server.argocd.svc\n");
    });

    it("keeps the tokens in the Secret, as secrets, and nowhere else", () => {
        const s = one(prod.evaluation, T.secret, "ml-notifications-secret");
        // Not asserted here: that stringData is recorded as a secret. @pulumi/kubernetes marks a Secret's
        // stringData secret itself, so such an assertion would pass whatever the component did.
        assert.deepEqual(reveal(s.inputs.stringData), { "pagerduty-service-key": PAGER, "slack-token": SLACK });
        assert.deepEqual(s.inputs.metadata, { labels: { "app.kubernetes.io/part-of": "argocd" }, name: "argocd-notifications-secret", namespace: "argocd" });
        assert.equal(reveal(one(dev.evaluation, T.secret, "ml-notifications-secret").inputs.stringData), undefined);
        assert.deepEqual(reveal(one(devSlack.evaluation, T.secret, "ml-notifications-secret").inputs.stringData), { "slack-token": SLACK });
        for (const r of [prod, dev, devSlack]) {
            for (const text of [
                r.manifests,
                r.resources,
                JSON.stringify(r.evaluation.outputs),
                JSON.stringify(byType(r.evaluation, T.configMap).map((c) => c.inputs)),
            ]) {
                assert.ok(!text.includes(SLACK) && !text.includes(PAGER), "a token leaked");
            }
        }
        // The keys are shown (Kubernetes expects a map), each value hidden.
        assert.match(
            prod.manifests,
            /kind: Secret\nmetadata:\n(.*\n)*?stringData:\n {2}pagerduty-service-key: "\[secret\]"\n {2}slack-token: "\[secret\]"\ntype: Opaque\n/,
        );
        const rendered = (JSON.parse(prod.resources) as { type: string; name: string; inputs: { stringData?: unknown } }[]).find(
            (r) => r.type === T.secret && r.name === "ml-notifications-secret",
        )!;
        assert.deepEqual(rendered.inputs.stringData, { "pagerduty-service-key": "[secret]", "slack-token": "[secret]" });
    });

    it("tells the chart not to create its own copies, and keeps its controller", () => {
        const v = reveal(one(prod.evaluation, T.release, "ml-argocd").inputs.values) as { notifications: Record<string, unknown> };
        assert.deepEqual(v.notifications, { argocdUrl: "https://argocd.ml.example.com", cm: { create: false }, enabled: true, secret: { create: false } });
    });

    it("puts subscriptions on the right Applications", () => {
        assert.deepEqual(subscriptions(annotationsOf(prod.evaluation, "ml-platform")), {
            "notifications.argoproj.io/subscribe.on-deployed.slack": "ml-team",
            "notifications.argoproj.io/subscribe.on-sync-failed.pagerdutyv2": "ml-platform",
            "notifications.argoproj.io/subscribe.on-sync-failed.slack": "ml-team",
        });
        assert.deepEqual(subscriptions(annotationsOf(dev.evaluation, "raycluster")), {});
        assert.deepEqual(subscriptions(annotationsOf(dev.evaluation, "ml-platform")), {});
        assert.deepEqual(subscriptions(annotationsOf(devSlack.evaluation, "raycluster")), {
            "notifications.argoproj.io/subscribe.on-health-degraded.slack": "ml-dev",
            "notifications.argoproj.io/subscribe.on-sync-failed.slack": "ml-dev",
        });
        assert.deepEqual(subscriptions(annotationsOf(devSlack.evaluation, "ml-platform")), {
            "notifications.argoproj.io/subscribe.on-deployed.slack": "ml-dev",
            "notifications.argoproj.io/subscribe.on-sync-failed.slack": "ml-dev",
        });
        assert.deepEqual(subscriptions(annotationsOf(prod.evaluation, "ray-operator")), {});
        assert.deepEqual(subscriptions(annotationsOf(prod.evaluation, "ray-operator-crds")), {});
    });
});

describe("notifications config", () => {
    const base = { environment: "dev", slackToken: SLACK };

    it("adds configured triggers, templates and default subscriptions; joins recipients with ';'", async () => {
        const ev = await run({
            ...base,
            notifications: {
                slack: { enabled: true, username: "argocd" },
                triggers: { "on-sync-running": { when: "app.status.operationState.phase in ['Running']", send: ["app-sync-running"] } },
                templates: { "app-sync-running": { message: "{{.app.metadata.name}} is syncing" } },
                defaultSubscriptions: [{ recipients: ["slack:ml-firehose"], triggers: ["on-sync-failed"] }],
                subscriptions: {
                    "ml-platform": [
                        { trigger: "on-sync-running", service: "slack", recipient: "b-team" },
                        { trigger: "on-sync-running", service: "slack", recipient: "a-team" },
                    ],
                },
            },
        });
        const data = dataOf(ev);
        assert.equal(data["trigger.on-sync-running"], "- send:\n    - app-sync-running\n  when: app.status.operationState.phase in ['Running']\n");
        assert.equal(data["template.app-sync-running"], 'message: "{{.app.metadata.name}} is syncing"\n');
        assert.equal(data["service.slack"], "token: $slack-token\nusername: argocd\n");
        assert.equal(data.subscriptions, "- recipients:\n    - slack:ml-firehose\n  triggers:\n    - on-sync-failed\n");
        assert.equal(annotationsOf(ev, "ml-platform")["notifications.argoproj.io/subscribe.on-sync-running.slack"], "a-team;b-team");
    });

    const cases: [string, Record<string, unknown>, string][] = [
        [
            "a trigger that sends an unknown template",
            { ...base, notifications: { slack: { enabled: true }, triggers: { "on-x": { when: "true", send: ["nope"] } } } },
            'ml-gitops:notifications.triggers.on-x.send.0: unknown template "nope"; known: app-deployed, app-health-degraded, app-sync-failed (got "nope")',
        ],
        [
            "a subscription to an unknown trigger",
            {
                ...base,
                notifications: { slack: { enabled: true }, subscriptions: { raycluster: [{ trigger: "on-sync-succeded", service: "slack", recipient: "x" }] } },
            },
            'ml-gitops:notifications.subscriptions.raycluster.0.trigger: unknown trigger "on-sync-succeded"; known: on-deployed, on-health-degraded, on-sync-failed (got "on-sync-succeded")',
        ],
        [
            "a subscription to a service that is not enabled",
            {
                ...base,
                notifications: {
                    slack: { enabled: true },
                    subscriptions: { raycluster: [{ trigger: "on-sync-failed", service: "pagerdutyv2", recipient: "ml-platform" }] },
                },
            },
            'ml-gitops:notifications.subscriptions.raycluster.0.service: service "pagerdutyv2" is not enabled in notifications (got "pagerdutyv2")',
        ],
        [
            "a subscription to an unknown service",
            {
                ...base,
                notifications: { slack: { enabled: true }, subscriptions: { raycluster: [{ trigger: "on-sync-failed", service: "teams", recipient: "x" }] } },
            },
            'ml-gitops:notifications.subscriptions.raycluster.0.service: Invalid option: expected one of "slack"|"pagerdutyv2" (got "teams")',
        ],
        [
            "a subscription for an application that does not exist",
            {
                ...base,
                notifications: {
                    slack: { enabled: true },
                    subscriptions: { "ray-clusterr": [{ trigger: "on-sync-failed", service: "slack", recipient: "x" }] },
                },
            },
            'ml-gitops:notifications.subscriptions.ray-clusterr: unknown application "ray-clusterr"; known: ml-platform, ray-operator, ray-operator-crds, raycluster (got [{"recipient":"x","service":"slack","trigger":"on-sync-failed"}])',
        ],
        [
            "Slack enabled without its token",
            { environment: "dev", notifications: { slack: { enabled: true } } },
            "ml-gitops:slackToken: is required when notifications.slack.enabled is true: pulumi config set --secret slackToken <token>",
        ],
        [
            "PagerDuty enabled without its key",
            { environment: "dev", notifications: { pagerduty: { enabled: true } } },
            "ml-gitops:pagerdutyServiceKey: is required when notifications.pagerduty.enabled is true: pulumi config set --secret pagerdutyServiceKey <key>",
        ],
    ];
    for (const [what, config, message] of cases) {
        it(`rejects ${what}, registering nothing`, async () => {
            const { error, resources } = await runError(config);
            assert.equal(error.message, `invalid stack config (1 problem):\n  - ${message}`);
            assert.deepEqual(
                resources.map((r) => r.type),
                [T.stack],
            );
        });
    }

    it("declares the notifications Secret without stringData when no service has a token (an empty one is a perpetual diff)", async () => {
        const ev = await run({ environment: "dev", notifications: { enabled: true } });
        const secret = byType(ev, T.secret).find((r) => (r.inputs.metadata as { name: string }).name === "argocd-notifications-secret")!;
        assert.equal("stringData" in secret.inputs, false);
    });
});

describe("notificationsConfigData (pure)", () => {
    const settings = (n: Record<string, unknown>) =>
        parseConfig({ environment: "dev", slackToken: "t", pagerdutyServiceKey: "k", notifications: n }).notifications;

    it("returns its keys sorted (the object itself, before any engine serialises it)", () => {
        const data = notificationsConfigData(
            settings({
                slack: { enabled: true },
                pagerduty: { enabled: true },
                triggers: { "a-first": { when: "true", send: ["app-deployed"] } },
                templates: { "zz-last": { message: "m" } },
                defaultSubscriptions: [{ recipients: ["slack:c"], triggers: ["on-deployed"] }],
            }),
            "https://cd",
        );
        assert.deepEqual(Object.keys(data), [
            "context",
            "service.pagerdutyv2",
            "service.slack",
            "subscriptions",
            "template.app-deployed",
            "template.app-health-degraded",
            "template.app-sync-failed",
            "template.zz-last",
            "trigger.a-first",
            "trigger.on-deployed",
            "trigger.on-health-degraded",
            "trigger.on-sync-failed",
        ]);
    });

    it("sets the Slack icon and username only when configured, and keys PagerDuty by its service name", () => {
        const data = notificationsConfigData(settings({ slack: { enabled: true, icon: ":robot:" }, pagerduty: { enabled: true, serviceName: "pd-ml" } }), "u");
        assert.equal(data["service.slack"], 'icon: ":robot:"\ntoken: $slack-token\n');
        assert.equal(data["service.pagerdutyv2"], "serviceKeys:\n  pd-ml: $pagerduty-service-key\n");
        assert.equal(data.subscriptions, undefined, "no default subscriptions, no key");
        assert.equal(data.context, "argocdUrl: u\n");
    });

    it("sets Slack's API URL only when configured, with the trailing / the client needs to append method names", () => {
        const bare = notificationsConfigData(settings({ slack: { enabled: true, apiURL: "https://slack.example.com/api" } }), "u");
        assert.equal(bare["service.slack"], "apiURL: https://slack.example.com/api/\ntoken: $slack-token\n");
        const slashed = notificationsConfigData(settings({ slack: { enabled: true, apiURL: "https://127.0.0.1:18443/slack/api/" } }), "u");
        assert.equal(slashed["service.slack"], "apiURL: https://127.0.0.1:18443/slack/api/\ntoken: $slack-token\n");
    });

    it("lets a configured trigger or template replace a built-in one of the same name", () => {
        const data = notificationsConfigData(
            settings({ triggers: { "on-deployed": { when: "false", send: ["app-deployed"] } }, templates: { "app-deployed": { message: "hi" } } }),
            "u",
        );
        assert.equal(data["trigger.on-deployed"], '- send:\n    - app-deployed\n  when: "false"\n');
        assert.equal(data["template.app-deployed"], "message: hi\n");
    });
});
