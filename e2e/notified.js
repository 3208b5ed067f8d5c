// The e2e's notifications check: what the stand-ins received against what the stack subscribes.
//
// usage: node e2e/notified.js STACK_FILE SLACK_LOG PD_LOG
//   STACK_FILE  Pulumi.<stack>.yaml: its ml-gitops:notifications subscriptions
//   SLACK_LOG   the Slack stand-in's calls, a JSON object a line (https_server.py)
//   PD_LOG      the egress stand-in's PagerDuty events and refusals, a JSON object a line (egress_proxy.py)
//
// Expected: on-deployed for ml-platform, on-health-degraded for raycluster and for ml-platform (the Ray
// scenario's failed RayJob, e2e/live/ray.test.ts), for each subscription
// the stack file names: a chat.postMessage to the subscribed channel whose text starts with the
// template's first words, or a PagerDuty trigger with the configured routing key and the
// template's summary. Prints what was received, one line each, on stderr; on stdout
// "notified N" and exit 0, or what is missing and exit 1.
"use strict";
const fs = require("node:fs");
const yaml = require("yaml");

const [stackFile, slackLog, pdLog] = process.argv.slice(2);
const read = (f) =>
    fs.existsSync(f)
        ? fs
              .readFileSync(f, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
        : [];

const TEXT = {
    "ml-platform on-deployed slack": ":white_check_mark: Application ml-platform sync Succeeded",
    "raycluster on-health-degraded slack": ":broken_heart: Application raycluster is Degraded",
    "ml-platform on-health-degraded slack": ":broken_heart: Application ml-platform is Degraded",
    "raycluster on-health-degraded pagerdutyv2": "Argo CD application raycluster is degraded",
};
const subscriptions = yaml.parse(fs.readFileSync(stackFile, "utf8")).config["ml-gitops:notifications"]?.subscriptions ?? {};
const expected = Object.entries(subscriptions)
    .flatMap(([app, subs]) => subs.map((s) => ({ ...s, text: TEXT[`${app} ${s.trigger} ${s.service}`] })))
    .filter((s) => s.text !== undefined);

const slack = read(slackLog);
const pagerduty = read(pdLog);
for (const c of slack) console.error(`      slack ${c.method} #${c.fields.channel}: ${String(c.fields.text).split("\n")[0]}`);
for (const e of pagerduty)
    console.error(
        e.event
            ? `      pagerduty ${e.event.event_action} ${e.event.payload?.severity}: ${e.event.payload?.summary} (routing key ${e.routing_key_matches ? "as configured" : "WRONG"})`
            : `      refused: ${e.refused}`,
    );

const events = pagerduty.filter((e) => e.event);
const received = (s) =>
    s.service === "slack"
        ? slack.some((c) => c.method === "chat.postMessage" && c.fields.channel === s.recipient && String(c.fields.text ?? "").startsWith(s.text))
        : events.some((e) => e.routing_key_matches && e.event.event_action === "trigger" && e.event.payload?.summary === s.text);
const missing = expected.filter((s) => !received(s));
const n = slack.length + events.length;
if (expected.length === 0) {
    console.log("the stack subscribes nothing the run checks");
    process.exit(1);
}
if (missing.length) {
    console.log(`the stand-ins got ${n} notifications but not: ${missing.map((s) => `[${s.service} ${s.recipient}: ${s.text}]`).join(" ")}`);
    process.exit(1);
}
console.log(`notified ${n}`);
