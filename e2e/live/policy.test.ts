/**
 * The policy pack under the real engine, against a program that bypasses the config schema
 * (e2e/policy-denied: an extra Application that tracks a branch), in a prod stack with the prod
 * policy config (mandatory): `up` (whose preview runs the pack, as `pulumi preview` does) must fail
 * with the policy's own message and its enforcement level, and nothing may be created. Run by run.sh on a prod-profile stack while it
 * is up (the Application CRD exists, so the provider can check the object); the program's source
 * is the ML platform's repository (E2E_ML_REPO). See fixture.ts for the environment.
 */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { ARGOCD_NS, Cluster, Operator, Results } from "./fixture";

const cluster = new Cluster();
const results = new Results();
const project = process.env.E2E_PROJECT ?? "";
const repo = process.env.E2E_ML_REPO ?? "";
const STACK = "policy-denied-prod";

describe("the policy pack under the engine", function () {
    this.timeout(300_000);

    it("refuses at up an Application that tracks a branch: [mandatory] no-floating-versions, nothing created", () => {
        try {
            assert.ok(repo, "E2E_ML_REPO is not set");
            const op = new Operator(STACK, join(project, "e2e", "policy-denied"), "policy", { E2E_REPO_URL: repo });
            const policy = ["--policy-pack", join(project, "policy"), "--policy-pack-config", join(project, "policy", "config.prod.json")];
            op.pulumi("stack-init", ["stack", "init", "--secrets-provider", "passphrase"]);
            const want = "[mandatory]  no-floating-versions";
            const message = `Application "feature-branch" tracks "main" of ${repo}; pin a tag, an exact chart version or a commit.`;
            const refused = op.pulumi("up", ["up", "--yes", ...policy], true);
            const policies = /^Policies:\n([\s\S]*?)\n\n/m.exec(refused.output)?.[1] ?? "(no Policies: section)";
            for (const line of policies.split("\n")) results.note(`policy: up: ${line.trim()}`);
            assert.ok(
                refused.output.includes(want) && refused.output.includes(message),
                `pulumi up failed without "${want}" and the policy's message (${refused.log})`,
            );
            results.note(`policy: pulumi up refused in ${refused.seconds} s`);
            const state = JSON.parse(op.pulumi("export", ["stack", "export"]).output) as { deployment: { resources?: { type: string }[] } };
            const left = (state.deployment.resources ?? []).filter((r) => !r.type.startsWith("pulumi:"));
            assert.deepEqual(
                left.map((r) => r.type),
                [],
                "the refused up left resources in its state",
            );
            assert.equal(cluster.get("application", "feature-branch", ARGOCD_NS), undefined, "the refused up created Application feature-branch");
            op.pulumi("stack-rm", ["stack", "rm", "--yes", "--force"]);
            results.scenario("policy", "policy ok (1 denied)", true);
        } catch (e) {
            results.scenario("policy", `policy: ${(e as Error).message.split("\n")[0]}`, false);
            throw e;
        }
    });
});
