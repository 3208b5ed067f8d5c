/**
 * AppProject roles as Argo CD validates them. Argo CD checks a project role's policy lines and
 * groups only when they are edited through its API (`argocd proj role …`: `validatePolicy`,
 * `validateGroupName` and `ValidateProject` in argo-cd v3.4 `pkg/apis/application/v1alpha1`), not
 * when an AppProject is applied, as Pulumi applies it; a project whose policy Casbin cannot load
 * silently falls back to the global policy. So the same rules run here, at config time, each
 * problem naming its line, and `actions` render only lines that match real requests.
 */

/** The resources a project role may name (argo-cd v3.4 `util/rbac` `ProjectScoped`). */
const PROJECT_RESOURCES = ["applications", "applicationsets", "clusters", "exec", "logs", "repositories"];
/** The actions Argo CD accepts as they are; `action/…`, `update/…` and `delete/…` name a resource action or a sub-resource. */
const PROJECT_ACTIONS = ["*", "create", "delete", "get", "override", "sync", "update"];
const SCOPED_ACTION = /^(action|delete|update)\/./;

/** What each `actions` entry renders: Argo CD's request for a resource action is `action/<group>/<kind>/<action>`, which a bare `action` never matches. */
const ACTION_LINE: Record<string, string> = { action: "action/*" };

/** The `p,` lines of a role's `actions`: each on every Application of the project. */
export function actionLines(project: string, role: string, actions: readonly string[]): string[] {
    return actions.map((a) => `p, proj:${project}:${role}, applications, ${ACTION_LINE[a] ?? a}, ${project}/*, allow`);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What Argo CD's `validatePolicy` refuses in one line of role `role` of project `project` (its
 * fields split on commas and trimmed of spaces only, as Argo CD does), or undefined.
 */
export function projectPolicyProblem(line: string, project: string, role: string): string | undefined {
    const f = line.split(",").map((x) => x.replace(/^ +| +$/g, ""));
    if (f.length !== 6 || f[0] !== "p") return "must be `p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow|deny`";
    const [, subject, resource, action, object, effect] = f;
    const self = `proj:${project}:${role}`;
    if (subject !== self) return `the subject must be the role itself, ${self}`;
    if (!PROJECT_RESOURCES.includes(resource))
        return `a project role's resource must be one of ${PROJECT_RESOURCES.join(", ")}, not ${JSON.stringify(resource)}`;
    if (!PROJECT_ACTIONS.includes(action) && !SCOPED_ACTION.test(action))
        return `unknown action ${JSON.stringify(action)}: Argo CD's are ${PROJECT_ACTIONS.filter((a) => a !== "*").join(", ")}, *, or action/<group>/<kind>/<action> (update/… and delete/… for sub-resources)`;
    if (!new RegExp(`^${escape(project)}(/[*\\w.-]+)?/[*\\w.-]+$`).test(object))
        return `the object must be in the project: ${project}/<application>, ${project}/<namespace>/<application> or ${project}/*`;
    if (effect !== "allow" && effect !== "deny") return `the effect must be allow or deny, not ${JSON.stringify(effect)}`;
    return undefined;
}

/** What Argo CD's `validateGroupName` refuses in a group bound to a project role, or undefined. */
export function projectGroupProblem(group: string): string | undefined {
    const inner = group.length > 1 && group.startsWith('"') && group.endsWith('"') ? group.slice(1, -1) : group;
    if (inner !== group && inner === "") return "is empty";
    if (inner === group && group.includes(",")) return 'contains a comma: quote it ("…"), as Argo CD requires';
    if (/["\n\r\t]/.test(inner)) return "contains a quote, a tab or a line break";
    if (group.startsWith(" ")) return "starts with a space";
    if (group.endsWith(" ")) return "ends with a space";
    return undefined;
}

/** The first index of each entry that repeats an earlier one. */
export function repeats(items: readonly string[]): number[] {
    return items.flatMap((x, i) => (items.indexOf(x) < i ? [i] : []));
}
