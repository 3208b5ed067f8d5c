/**
 * Object names as charts derive them: the `<chart>.fullname` helper `helm create` writes, which
 * the argo-cd, redis-ha, kuberay-operator and ray-cluster charts all keep, and their values as
 * helm merges the user's over the chart's own.
 */

/** Helm's `trunc 63 | trimSuffix "-"` (Go's TrimSuffix removes one dash). */
export function truncName(s: string): string {
    const t = s.slice(0, 63);
    return t.endsWith("-") ? t.slice(0, -1) : t;
}

/**
 * `<chart>.fullname`: `fullnameOverride` when set; else the release name when it contains the
 * name (`nameOverride`, or the chart's name when that is empty: helm's `default`); else
 * `<release>-<name>`; cut to 63.
 */
export function helmFullname(release: string, chart: string, nameOverride = "", fullnameOverride = ""): string {
    if (fullnameOverride) return truncName(fullnameOverride);
    const name = nameOverride || chart;
    return truncName(release.includes(name) ? release : `${release}-${name}`);
}

/**
 * A string value as helm merges the user's values over the chart's: the user's when a string
 * (empty included), empty when null (helm deletes the key), else the chart's default.
 */
export function chartValue(values: Record<string, unknown>, key: string, chartDefault: string): string {
    const v = values[key];
    if (typeof v === "string") return v;
    return v === null ? "" : chartDefault;
}
