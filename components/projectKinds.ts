/**
 * What each AppProject admits by kind and name: the namespaced kinds the KubeRay charts can
 * create, the cluster-scoped objects they create (named, as Argo CD 3.4 matches names), and the
 * ML project's namespaces. Checked against the real charts' templates in tests/charts.test.ts.
 */
import type { ClusterResourceRestrictionItem, GroupKind } from "./argocdTypes";
import { chartValue, helmFullname } from "./helmNames";

const RBAC = "rbac.authorization.k8s.io";

/** The release name of the kuberay-operator chart, which names its ClusterRole and binding. */
export const KUBERAY_OPERATOR_RELEASE = "kuberay-operator";

/**
 * The kuberay-operator chart's `fullname` (its `_helpers.tpl`) for the program's release: the
 * name of the operator's ClusterRole and ClusterRoleBinding. The chart's own values set both
 * `nameOverride` and `fullnameOverride` to `kuberay-operator`, so a `nameOverride` alone changes
 * nothing; `fullnameOverride: ""` (or null) lets it through.
 */
export function kuberayOperatorFullname(values: Record<string, unknown>): string {
    const chart = "kuberay-operator";
    return helmFullname(KUBERAY_OPERATOR_RELEASE, chart, chartValue(values, "nameOverride", chart), chartValue(values, "fullnameOverride", chart));
}

/**
 * The cluster-scoped objects the KubeRay Applications create, by name (filepath.Match globs, as
 * Argo CD 3.4 matches them): the `*.ray.io` CRDs, the operator's ClusterRole and binding, the
 * charts' `ray*-editor-role`/`ray*-viewer-role` ClusterRoles, and the project's own namespaces.
 */
export function kuberayClusterObjects(operatorValues: Record<string, unknown>, namespaces: string[]): ClusterResourceRestrictionItem[] {
    const operator = kuberayOperatorFullname(operatorValues);
    return [
        ...namespaces.map((name) => ({ group: "", kind: "Namespace", name })),
        { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", name: "*.ray.io" },
        ...[operator, "ray*-editor-role", "ray*-viewer-role"].map((name) => ({ group: RBAC, kind: "ClusterRole", name })),
        { group: RBAC, kind: "ClusterRoleBinding", name: operator },
    ];
}

/**
 * Namespaced kinds the KubeRay charts can create, whatever their values, at every supported
 * version (the chart suite reads each template's `kind:`): kuberay-operator's ConfigMap,
 * Deployment, Service, ServiceAccount, ServiceMonitor, Role and RoleBinding, and ray-cluster's
 * RayCluster. Nothing else: not a Secret, not a Pod, not another `apps` kind.
 */
export const KUBERAY_NAMESPACED_KINDS: GroupKind[] = [
    { group: "", kind: "ConfigMap" },
    { group: "", kind: "Service" },
    { group: "", kind: "ServiceAccount" },
    { group: "apps", kind: "Deployment" },
    { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
    { group: RBAC, kind: "Role" },
    { group: RBAC, kind: "RoleBinding" },
    { group: "ray.io", kind: "RayCluster" },
];

/**
 * The ML project's cluster whitelist: an unnamed `Namespace` entry admits only the namespaces the
 * project deploys to (one entry each), so its repositories cannot adopt, and later prune, any
 * other namespace; named entries and other kinds stay as configured.
 */
export function namedNamespaces(list: readonly ClusterResourceRestrictionItem[], destinations: { namespace: string }[]): ClusterResourceRestrictionItem[] {
    const namespaces = [...new Set(destinations.map((d) => d.namespace).filter((ns) => ns !== ""))].sort();
    return list.flatMap((e) =>
        e.group === "" && e.kind === "Namespace" && !e.name ? namespaces.map((name) => ({ group: "", kind: "Namespace", name })) : [{ ...e }],
    );
}
