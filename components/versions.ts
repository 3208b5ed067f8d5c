/**
 * Chart and KubeRay versions: the defaults, and every version the chart tests render
 * (tests/charts.test.ts renders each of them with `helm template`).
 */

/** The argo-cd chart: 10.1.1, whose own appVersion is Argo CD v3.4.4 (the program sets a patched image, {@link DEFAULT_ARGOCD_VERSION}). */
export const ARGOCD_CHART = { repository: "https://argoproj.github.io/argo-helm", version: "10.1.1", appVersion: "v3.4.4" } as const;

/**
 * The Argo CD a stack gets when it sets none (`argocd.version`, the chart's `global.image.tag`):
 * the newest 3.4 patch, v3.4.15. It fixes the advisories docs/design.md lists over the chart's own
 * v3.4.4 and over v3.4.13.
 */
export const DEFAULT_ARGOCD_VERSION = "v3.4.15";

/**
 * The Argo CD the e2e builds and runs (e2e/toolchain.sh reads it here): the newest 3.4 patch the
 * Go module proxy serves. v3.4.15 is not served (403), so it cannot be built here; its stacks set
 * `argocd.version` to this, so the chart's image is what runs.
 */
export const E2E_ARGOCD_VERSION = "v3.4.14";

/** The Argo CD versions `argocd.version` accepts: the minor the argo-cd 10.1.x chart is made for. */
export const SUPPORTED_ARGOCD_RANGE = "v3.4.0 through v3.4.x";

/** Whether `argocd.version` (v3.4.z, with an optional pre-release) is in {@link SUPPORTED_ARGOCD_RANGE}. */
export function isSupportedArgoCdVersion(version: string): boolean {
    return /^v3\.4\.\d+(-[0-9A-Za-z.-]+)?$/.test(version);
}

/** Helm repository of the kuberay-operator and ray-cluster charts. */
export const KUBERAY_CHART_REPOSITORY = "https://ray-project.github.io/kuberay-helm/";

/** KubeRay versions whose CRDs, operator chart and ray-cluster chart the tests render and validate. */
export const SUPPORTED_KUBERAY_VERSIONS = ["1.5.1", "1.6.2", "1.7.0"] as const;

/** The versions `kuberay.version` accepts: from the oldest tested release to the end of the newest tested minor. */
export const SUPPORTED_KUBERAY_RANGE = "1.5.1 through 1.7.x";

/** The KubeRay version a stack gets when it sets none: the current release (docs/design.md says why). */
export const DEFAULT_KUBERAY_VERSION = "1.7.0";

/** The Ray image tag a stack gets when it sets none: the one the ray-cluster 1.7.0 chart itself defaults to. */
export const DEFAULT_RAY_IMAGE_TAG = "2.52.0";

/** Whether `kuberay.version` (an exact x.y.z[-pre][+build]) is in {@link SUPPORTED_KUBERAY_RANGE}; a pre-release of 1.5.1 is older than 1.5.1. */
export function isSupportedKuberayVersion(version: string): boolean {
    const m = /^(\d+)\.(\d+)\.(\d+)(-[^+]*)?/.exec(version);
    if (m === null) return false;
    const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (major !== 1 || minor < 5 || minor > 7) return false;
    return minor > 5 || patch > 1 || (patch === 1 && m[4] === undefined);
}
