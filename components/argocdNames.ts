/**
 * Names the argo-cd chart (10.x, with its redis-ha dependency) derives from the release name, and
 * the limits Kubernetes puts on them. Checked against `helm template` of the real chart in
 * tests/charts.test.ts.
 */

import { chartValue, helmFullname, truncName } from "./helmNames";

/**
 * The label Argo CD's settings manager selects its ConfigMaps and Secrets by
 * (`app.kubernetes.io/part-of=argocd`): on every argocd-* object the program owns, and its namespace.
 */
export const PART_OF_ARGOCD = { "app.kubernetes.io/part-of": "argocd" } as const;

/** At 53 characters the chart's names, cut to 63, collide (repo server and redis both become `<release>-argocd-re`). */
export const MAX_ARGOCD_RELEASE_NAME = 52;
/** A StatefulSet's pods carry `controller-revision-hash: <name>-<10 characters>`, a label value of at most 63. */
export const MAX_STATEFULSET_NAME = 52;

/** The redis-ha chart's `redis-ha.fullname` for this release (no overrides). */
export function redisHaFullname(release: string): string {
    return helmFullname(release, "redis-ha");
}

/**
 * The argo-cd chart's `argo-cd.server.fullname` (`_common.tpl`, `_helpers.tpl`): the name of the
 * argocd-server Service, from the release and the values' `fullnameOverride`, `nameOverride`
 * (the chart's own default is `argocd`; empty, the chart's name `argo-cd`) and `server.name`.
 */
export function argoCdServerName(release: string, values: Record<string, unknown> = {}): string {
    const full = helmFullname(release, "argo-cd", chartValue(values, "nameOverride", "argocd"), chartValue(values, "fullnameOverride", ""));
    const server = typeof values.server === "object" && values.server !== null ? (values.server as Record<string, unknown>) : {};
    return truncName(`${full}-${chartValue(server, "name", "server")}`);
}

/** Why the chart would fail with this release name, or undefined when its names all fit. */
export function argoCdReleaseNameProblem(release: string, ha: boolean): string | undefined {
    if (release.length > MAX_ARGOCD_RELEASE_NAME) {
        return (
            `must be at most ${MAX_ARGOCD_RELEASE_NAME} characters: the argo-cd chart cuts its object names to 63, ` +
            `so the repo server's and redis's objects would both be named "${`${release}-argocd-re`.slice(0, 63)}"`
        );
    }
    const sts = `${redisHaFullname(release)}-server`;
    if (ha && sts.length > MAX_STATEFULSET_NAME) {
        return (
            `with argocd.ha the redis-ha StatefulSet would be named "${sts}" (${sts.length} characters); ` +
            `a StatefulSet name must be at most ${MAX_STATEFULSET_NAME} characters, or its pods are refused`
        );
    }
    return undefined;
}

/** The in-cluster API server, as Argo CD names it. */
export const IN_CLUSTER = "https://kubernetes.default.svc";
