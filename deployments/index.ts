/**
 * Pulumi Deployments for the ml-gitops stacks, as code. For each stack: its DeploymentSettings
 * (source, pre-run commands, previews on pull requests, push-to-deploy for dev only), a
 * DriftSchedule (dev: detect and remediate; prod: detect only), a TtlSchedule for each review
 * stack, and, since the Deployments API has no approval step for stack updates, an ApprovalRule
 * on prod's ESC environment, so changing what prod deploys with needs a reviewer.
 */
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { readSettings, type DeploymentsConfig } from "./settings";

/** The stacks of the ml-gitops project and how each deploys. */
const STACKS = {
    dev: { branch: "main", pushToDeploy: true, drift: { cron: "0 */6 * * *", remediate: true } },
    prod: { branch: "main", pushToDeploy: false, drift: { cron: "0 6 * * *", remediate: false } },
} as const;

const PROJECT = "ml-gitops";

/** Commands Deployments runs before every operation: the locked install; start.js compiles on its own. */
const PRE_RUN_COMMANDS = ["npm ci --no-audit --no-fund"];

function declare(c: DeploymentsConfig) {
    const outputs: Record<string, pulumi.Output<string>> = {};
    for (const [stack, s] of Object.entries(STACKS)) {
        const id = { organization: c.organization, project: PROJECT, stack };
        const settings = new service.DeploymentSettings(`${stack}-settings`, {
            ...id,
            sourceContext: { git: { branch: `refs/heads/${s.branch}` } },
            github: {
                repository: c.repository,
                // Dev deploys every push to main; prod only when someone runs the deployment.
                deployCommits: s.pushToDeploy,
                previewPullRequests: true,
                // Dev is the template of review stacks, one per pull request.
                pullRequestTemplate: stack === "dev",
            },
            operationContext: {
                preRunCommands: PRE_RUN_COMMANDS,
                options: { skipInstallDependencies: true },
            },
        });
        new service.DriftSchedule(`${stack}-drift`, { ...id, scheduleCron: s.drift.cron, autoRemediate: s.drift.remediate }, { dependsOn: [settings] });
        outputs[stack] = pulumi.interpolate`${settings.organization}/${settings.project}/${settings.stack}`;
    }
    for (const [stack, timestamp] of Object.entries(c.reviewStacks)) {
        new service.TtlSchedule(`review-${stack}-ttl`, { organization: c.organization, project: PROJECT, stack, timestamp, deleteAfterDestroy: true });
    }
    new service.ApprovalRule("prod-environment-approval", {
        name: "ml-gitops prod changes need a reviewer",
        enabled: true,
        environmentIdentifier: { organization: c.organization, project: PROJECT, name: "prod" },
        targetActionTypes: [service.TargetActionType.Update],
        approvalRuleConfig: {
            allowSelfApproval: false,
            eligibleApprovers: c.prodApprovers.map((teamName) => ({ teamName })),
            numApprovalsRequired: 1,
            requireReapprovalOnChange: true,
        },
    });
    return outputs;
}

export = () => declare(readSettings(new pulumi.Config()));
