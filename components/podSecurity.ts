/**
 * Pod Security Admission on the namespaces the program creates: each enforces a level (Argo CD's
 * and KubeRay's at `restricted`, which their pods pass; the ML platform's at `baseline`, its
 * workloads being its config repository's), and warns and audits at `restricted`, so what the
 * strictest level would refuse is said, not refused. At `restricted`, the Ray pods get the
 * securityContexts that level requires.
 */
import { z } from "zod";

/** The Pod Security Standards, least strict first. */
const LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof LEVELS)[number];

/** @internal A namespace's `podSecurity` setting, with its default level and what runs there. */
export function podSecurityLevel(level: PodSecurityLevel, what: string) {
    return z
        .enum(LEVELS)
        .default(level)
        .meta({ description: `Pod Security level enforced on ${what} (pod-security.kubernetes.io/enforce; warn and audit are always restricted).` });
}

/** The labels of a namespace that enforces `level`. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return { "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/warn": "restricted" };
}

/** The least strict of the levels of what shares one namespace. */
export function leastStrict(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
    return LEVELS[Math.min(...levels.map((l) => LEVELS.indexOf(l)))];
}

/** A Ray pod's securityContext at `restricted`: not root, the runtime's default seccomp profile. */
export const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
/** A Ray container's (and the autoscaler's) securityContext at `restricted`. */
export const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
