/**
 * Argo CD health checks for the kinds the platform deploys that Argo CD has none for. Each is a
 * file kept in Argo CD's own `resource_customizations` layout, `health/<group>/<Kind>/health.lua`,
 * run against its fixtures by the Go harness in `health/harness` (gopher-lua, as Argo CD runs it).
 * The argocd-cm values carry each file's text unchanged.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The kinds with a shipped health check; adding one is a directory under health/ and a row here. */
export const HEALTH_CHECKED_KINDS = [
    { group: "ray.io", kind: "RayCluster" },
    { group: "ray.io", kind: "RayJob" },
    { group: "ray.io", kind: "RayService" },
] as const;

/**
 * @internal health/ at the project or package root, seen from `from`: this module's directory,
 * components/ when the sources run (ts-node, the tests) or a compiled copy one level deeper
 * (bin/components in the project, lib/components in the package).
 */
export function healthDir(from: string = __dirname): string {
    const candidates = [resolve(from, "..", "health"), resolve(from, "..", "..", "health")];
    const dir = candidates.find((d) => existsSync(join(d, "ray.io")));
    if (dir === undefined) throw new Error(`ml-gitops: the Argo CD health checks are missing (looked for ${candidates.join(" and ")})`);
    return dir;
}

/** The argocd-cm key of a kind's health check (Argo CD's `<group>_<Kind>` form). */
export function healthCheckKey(group: string, kind: string): string {
    return `resource.customizations.health.${group}_${kind}`;
}

/** argocd-cm entries: each health check's key → the text of its health.lua, byte for byte. */
export function healthCheckConfig(): Record<string, string> {
    const dir = healthDir();
    return Object.fromEntries(
        HEALTH_CHECKED_KINDS.map(({ group, kind }) => [healthCheckKey(group, kind), readFileSync(join(dir, group, kind, "health.lua"), "utf8")]),
    );
}
