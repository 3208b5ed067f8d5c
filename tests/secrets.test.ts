import * as assert from "node:assert/strict";
import { isSecret, redact, reveal } from "../testing/engine";
import { ROOT, renderStack } from "../commands/render";

/** Known fake values for every secret key, so a leak can be searched for. */
const FAKE = {
    "ml-gitops:adminPassword": "FAKE-admin-password-4711",
    "ml-gitops:kubeconfig": "apiVersion: v1\nclusters: [FAKE-kubeconfig-4711]",
    "ml-gitops:oidcClientSecret": "FAKE-oidc-secret-4711",
    "ml-gitops:pagerdutyServiceKey": "FAKE-pagerduty-key-4711",
    "ml-gitops:slackToken": "xoxb-FAKE-slack-4711",
};

describe("secrets and determinism, over every shipped stack", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: no secret value appears in outputs, manifests.yaml or resources.json`, async () => {
            const r = await renderStack(stack, ROOT, FAKE);
            const plain = [r.manifests, r.resources, JSON.stringify(redact(r.evaluation.outputs))].join("\n");
            for (const value of Object.values(FAKE)) assert.ok(!plain.includes(value), `leaked: ${value}`);
            // The configured values did reach the program, as secrets: the admin password while admin
            // is on (dev), the OIDC client secret into argocd-secret with SSO (prod, where admin is off).
            if (stack === "dev") assert.equal(reveal(r.evaluation.outputs.adminPassword), FAKE["ml-gitops:adminPassword"]);
            else {
                assert.equal(r.evaluation.outputs.adminPassword, undefined);
                const secret = r.evaluation.resources.find((x) => x.type === "kubernetes:core/v1:Secret" && x.name === "ml-argocd-secret")!;
                assert.deepEqual(reveal(secret.inputs.stringData), { "oidc.clientSecret": FAKE["ml-gitops:oidcClientSecret"] });
            }
            for (const [name, value] of Object.entries(r.evaluation.outputs)) {
                const revealed = JSON.stringify(reveal(value));
                if (Object.values(FAKE).some((f) => revealed.includes(JSON.stringify(f).slice(1, -1))))
                    assert.ok(isSecret(value), `output ${name} carries a secret, so it must be secret`);
            }
            assert.ok(r.resources.includes('"kubeconfig": "[secret]"'));
        });

        it(`${stack}: two renders are byte-identical`, async () => {
            const a = await renderStack(stack);
            const b = await renderStack(stack);
            assert.equal(a.manifests, b.manifests);
            assert.equal(a.resources, b.resources);
            assert.ok(!/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?!Z")/.test(a.manifests), "no timestamps");
        });
    }
});
