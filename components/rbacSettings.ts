/**
 * Who may do what in Argo CD: the settings of its RBAC (`argocd.rbac`, rendered into
 * argocd-rbac-cm) and of single sign-on (`argocd.sso`, OIDC without Dex, rendered into argocd-cm
 * and argocd-secret), the policy-line grammar Argo CD's Casbin model reads (checked line by line,
 * each problem naming its line), and the CSV the settings become.
 */
import { z } from "zod";
import type { Report } from "./formats";

/** Argo CD's RBAC resources and actions (util/rbac/rbac.go of v3.4). */
const RESOURCES = [
    "accounts",
    "applications",
    "applicationsets",
    "certificates",
    "clusters",
    "exec",
    "extensions",
    "gpgkeys",
    "logs",
    "projects",
    "repositories",
    "write-repositories",
];
const ACTIONS = ["action", "create", "delete", "get", "invoke", "override", "sync", "update"];

/**
 * What is wrong with one policy line, or undefined when Argo CD reads it as meant:
 * `p, <subject>, <resource>, <action>, <object>, <effect>` or `g, <subject>, <role>`.
 */
export function policyLineProblem(line: string): string | undefined {
    const f = line.split(",").map((x) => x.trim());
    if (f[0] === "g") {
        if (f.length !== 3 || !f[1] || !f[2]) return "must be `g, <group or user>, <role>`";
        return undefined;
    }
    if (f[0] !== "p") return "must start with `p,` (a permission) or `g,` (a group or user bound to a role)";
    if (f.length !== 6 || f.some((x) => x === "")) return "must be `p, <subject>, <resource>, <action>, <object>, <effect>`";
    const [, , resource, action, , effect] = f;
    if (!RESOURCES.includes(resource) && resource !== "*") return `unknown resource "${resource}"; Argo CD's are ${RESOURCES.join(", ")}`;
    // `action/<group>/<kind>/<name>`, and `update/*`, `delete/*/Pod/*` for sub-resources.
    const verb = action.split("/")[0];
    if (!ACTIONS.includes(verb) && action !== "*") return `unknown action "${action}"; Argo CD's are ${ACTIONS.join(", ")} (or *)`;
    if (effect !== "allow" && effect !== "deny") return `the effect must be allow or deny, not "${effect}"`;
    return undefined;
}

const ROLE = /^role:[A-Za-z0-9_.-]+$/;
const role = () => z.string().regex(ROLE, { message: "must be a role such as role:readonly, role:admin or a role of rbac.policies" });

/** @internal The `argocd.rbac` section. */
export const rbacSchema = z
    .strictObject({
        policyDefault: z
            .union([role(), z.literal("")])
            .optional()
            .meta({
                description:
                    "The role of every logged-in user (`policy.default`); empty for none. Default: none in prod (a user in no bound group sees nothing), role:readonly elsewhere.",
            }),
        groups: z
            .record(z.string().min(1), role())
            .default({})
            .meta({ description: "Group (from the SSO groups claim) → role, e.g. `ml-platform-admins: role:admin`; each becomes a `g,` line." }),
        policies: z.array(z.string()).default([]).meta({
            description:
                "Extra policy.csv lines, each `p, <subject>, <resource>, <action>, <object>, <effect>` or `g, <subject>, <role>`, checked line by line.",
        }),
        scopes: z
            .array(z.string().min(1))
            .min(1)
            .default(["groups"])
            .meta({ description: "The OIDC claims RBAC reads groups from (`scopes`); must include argocd.sso.groupsClaim." }),
    })
    .prefault({});

/** @internal The `argocd.sso` section. */
export const ssoSchema = z
    .strictObject({
        enabled: z.boolean().default(false).meta({ description: "Log in with the company's OIDC provider (needs the oidcClientSecret secret)." }),
        name: z.string().min(1).default("SSO").meta({ description: "The login button's label." }),
        issuer: z
            .url({ protocol: /^https$/, message: "must be the provider's https issuer URL" })
            .optional()
            .meta({ description: "OIDC issuer URL (required when enabled)." }),
        clientID: z.string().min(1).optional().meta({ description: "OIDC client id (required when enabled)." }),
        requestedScopes: z
            .array(z.string().min(1))
            .default(["openid", "profile", "email", "groups"])
            .meta({ description: "Scopes Argo CD requests; must include openid." }),
        groupsClaim: z.string().min(1).default("groups").meta({ description: "The ID token claim that lists the user's groups." }),
    })
    .prefault({});

type ParsedRbac = z.output<typeof rbacSchema>;
type ParsedSso = z.output<typeof ssoSchema>;

/** The rules of `argocd.rbac` and `argocd.sso` (paths relative to `argocd.rbac`, or `../sso` for SSO's). */
export function checkRbac(rbac: ParsedRbac, sso: ParsedSso, report: Report): void {
    rbac.policies.forEach((line, i) => {
        const problem = policyLineProblem(line);
        if (problem) report(["policies", i], problem);
    });
    if (!sso.enabled) return;
    if (!rbac.scopes.includes(sso.groupsClaim))
        report(["scopes"], `must include argocd.sso.groupsClaim ("${sso.groupsClaim}"), or no group binding ever matches`);
}

/** The rules of `argocd.sso` (paths relative to `argocd.sso`). */
export function checkSso(sso: ParsedSso, report: Report): void {
    if (!sso.enabled) return;
    if (!sso.issuer) report(["issuer"], "is required when argocd.sso.enabled is true");
    if (!sso.clientID) report(["clientID"], "is required when argocd.sso.enabled is true");
    if (!sso.requestedScopes.includes("openid")) report(["requestedScopes"], 'must include "openid"');
}

/** argocd-rbac-cm's `policy.csv`: the group bindings (by group name), then the extra lines as written. */
export function policyCsv(rbac: Pick<ParsedRbac, "groups" | "policies">): string {
    const bindings = Object.keys(rbac.groups)
        .sort()
        .map((g) => `g, ${g}, ${rbac.groups[g]}`);
    const lines = [...bindings, ...rbac.policies.map((l) => l.trim())];
    return lines.length ? `${lines.join("\n")}\n` : "";
}
