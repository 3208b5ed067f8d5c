/** The deployments/ program: Pulumi Deployments settings of each stack, under the mock engine. */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { evaluate, recordedByLastEvaluation, type Evaluation, type RecordedResource } from "../testing/engine";
import { ROOT } from "../commands/render";
import { loadStackConfig } from "../commands/stackConfig";

const DIR = join(ROOT, "deployments");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const program = () => (require("../deployments/index") as () => unknown)();

async function run(extra: Record<string, string> = {}): Promise<Evaluation> {
    const sc = loadStackConfig(DIR, "settings");
    return evaluate(program, { project: sc.project, stack: "settings", config: { ...sc.config, ...extra }, secretKeys: sc.secretKeys });
}

const of = (ev: Evaluation, type: string): RecordedResource[] => ev.resources.filter((r) => r.type === `pulumiservice:index:${type}`);
const named = (ev: Evaluation, type: string, name: string) => of(ev, type).find((r) => r.name === name)!;

describe("the deployments/ program (Pulumi Deployments as code)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await run({ "ml-gitops-deployments:reviewStacks": '{"pr-42":"2026-12-31T18:00:00Z"}' });
    });

    it("declares settings for dev and prod: source, pre-run commands, PR previews, push-to-deploy for dev only", () => {
        const common = {
            operationContext: { options: { skipInstallDependencies: true }, preRunCommands: ["npm ci --no-audit --no-fund"] },
            organization: "my-org",
            project: "ml-gitops",
            sourceContext: { git: { branch: "refs/heads/main" } },
        };
        assert.deepEqual(named(ev, "DeploymentSettings", "dev-settings").inputs, {
            ...common,
            github: { deployCommits: true, previewPullRequests: true, pullRequestTemplate: true, repository: "my-org/ml-gitops" },
            stack: "dev",
        });
        assert.deepEqual(named(ev, "DeploymentSettings", "prod-settings").inputs, {
            ...common,
            github: { deployCommits: false, previewPullRequests: true, pullRequestTemplate: false, repository: "my-org/ml-gitops" },
            stack: "prod",
        });
    });

    it("detects drift on both, remediating only dev's", () => {
        assert.deepEqual(named(ev, "DriftSchedule", "dev-drift").inputs, {
            autoRemediate: true,
            organization: "my-org",
            project: "ml-gitops",
            scheduleCron: "0 */6 * * *",
            stack: "dev",
        });
        assert.deepEqual(named(ev, "DriftSchedule", "prod-drift").inputs, {
            autoRemediate: false,
            organization: "my-org",
            project: "ml-gitops",
            scheduleCron: "0 6 * * *",
            stack: "prod",
        });
        assert.ok(named(ev, "DriftSchedule", "prod-drift").dependencies.includes(named(ev, "DeploymentSettings", "prod-settings").urn));
    });

    it("gives each review stack a TTL, and prod's environment an approval rule", () => {
        assert.deepEqual(
            of(ev, "TtlSchedule").map((r) => r.inputs),
            [{ deleteAfterDestroy: true, organization: "my-org", project: "ml-gitops", stack: "pr-42", timestamp: "2026-12-31T18:00:00Z" }],
        );
        assert.deepEqual(named(ev, "ApprovalRule", "prod-environment-approval").inputs, {
            approvalRuleConfig: {
                allowSelfApproval: false,
                eligibleApprovers: [{ teamName: "platform-leads" }],
                numApprovalsRequired: 1,
                requireReapprovalOnChange: true,
            },
            enabled: true,
            environmentIdentifier: { name: "prod", organization: "my-org", project: "ml-gitops" },
            name: "ml-gitops prod changes need a reviewer",
            targetActionTypes: ["update"],
        });
        assert.deepEqual(ev.outputs, { dev: "my-org/ml-gitops/dev", prod: "my-org/ml-gitops/prod" });
    });

    it("refuses bad config with every problem named, before registering anything", async () => {
        await assert.rejects(
            run({
                "ml-gitops-deployments:repository": "ml-gitops",
                "ml-gitops-deployments:prodApprovers": "[]",
                "ml-gitops-deployments:reviewStacks": '{"prod":"tomorrow"}',
            }),
            (e: Error) => {
                assert.equal(
                    e.message,
                    "invalid stack config (4 problems):\n" +
                        "  - ml-gitops-deployments:prodApprovers: must list at least one Pulumi Cloud team that approves changes to prod's environment\n" +
                        '  - ml-gitops-deployments:repository: must be a GitHub repository as owner/name (got "ml-gitops")\n' +
                        '  - ml-gitops-deployments:reviewStacks.prod: must be a UTC time such as 2026-12-31T18:00:00Z (got "tomorrow")\n' +
                        "  - ml-gitops-deployments:reviewStacks.prod: not a review stack name",
                );
                return true;
            },
        );
        assert.deepEqual(
            recordedByLastEvaluation().map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );
    });
});
