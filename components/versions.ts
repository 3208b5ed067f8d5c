/**
 * Chart and KubeRay versions: the defaults, and every version the chart tests render
 * (tests/charts.test.ts renders each of them with `helm template`).
 */

/** The argo-cd chart: 10.1.1 installs Argo CD v3.4.4. */
export const ARGOCD_CHART = { repository: "https://argoproj.github.io/argo-helm", version: "10.1.1" } as const;

/** Helm repository of the kuberay-operator and ray-cluster charts. */
export const KUBERAY_CHART_REPOSITORY = "https://ray-project.github.io/kuberay-helm/";

/** KubeRay versions whose CRDs, operator chart and ray-cluster chart the tests render and validate. */
export const SUPPORTED_KUBERAY_VERSIONS = ["1.5.1", "1.6.2", "1.7.0"] as const;

/** The KubeRay version a stack gets when it sets none. */
export const DEFAULT_KUBERAY_VERSION = "1.5.1";
