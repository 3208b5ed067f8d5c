/** The validated config of the deployments program: every problem names its key, before anything is registered. */
import * as pulumi from "@pulumi/pulumi";

export interface DeploymentsConfig {
    organization: string;
    repository: string;
    prodApprovers: string[];
    /** Review stack name → when it is destroyed (RFC 3339, UTC). */
    reviewStacks: Record<string, string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function readSettings(config: pulumi.Config): DeploymentsConfig {
    const problems: string[] = [];
    const key = (k: string) => `ml-gitops-deployments:${k}`;
    const organization = config.get("organization") ?? "";
    if (!NAME.test(organization)) problems.push(`${key("organization")}: must be a Pulumi Cloud organization name (got ${JSON.stringify(organization)})`);
    const repository = config.get("repository") ?? "";
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository))
        problems.push(`${key("repository")}: must be a GitHub repository as owner/name (got ${JSON.stringify(repository)})`);
    const prodApprovers = config.getObject<unknown>("prodApprovers") ?? [];
    if (!Array.isArray(prodApprovers) || prodApprovers.length === 0 || !prodApprovers.every((t) => typeof t === "string" && NAME.test(t)))
        problems.push(`${key("prodApprovers")}: must list at least one Pulumi Cloud team that approves changes to prod's environment`);
    const reviewStacks = config.getObject<unknown>("reviewStacks") ?? {};
    if (reviewStacks === null || typeof reviewStacks !== "object" || Array.isArray(reviewStacks))
        problems.push(`${key("reviewStacks")}: must map review stack names to an expiry time`);
    else
        for (const [stack, at] of Object.entries(reviewStacks)) {
            if (!NAME.test(stack) || ["dev", "prod"].includes(stack)) problems.push(`${key(`reviewStacks.${stack}`)}: not a review stack name`);
            if (typeof at !== "string" || !RFC3339.test(at))
                problems.push(`${key(`reviewStacks.${stack}`)}: must be a UTC time such as 2026-12-31T18:00:00Z (got ${JSON.stringify(at)})`);
        }
    if (problems.length)
        throw new pulumi.RunError(
            `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems
                .sort()
                .map((p) => `  - ${p}`)
                .join("\n")}`,
        );
    return { organization, repository, prodApprovers: prodApprovers as string[], reviewStacks: reviewStacks as Record<string, string> };
}
