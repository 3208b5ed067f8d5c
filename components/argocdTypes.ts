/**
 * Typed shapes of the Argo CD v3.4 `Application` and `AppProject` specs (argoproj.io/v1alpha1),
 * mirroring the fields of the CRDs this project sets. Names and nesting follow the CRD exactly;
 * tests validate every object built from them against the CRD's own OpenAPI schema.
 */

export interface ApplicationSourceHelm {
    releaseName?: string;
    valueFiles?: string[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    valuesObject?: { [key: string]: any };
    skipCrds?: boolean;
    ignoreMissingValueFiles?: boolean;
}

export interface ApplicationSource {
    repoURL: string;
    targetRevision?: string;
    /** Git directory, for git sources. */
    path?: string;
    /** Chart name, for helm repository sources. */
    chart?: string;
    helm?: ApplicationSourceHelm;
    /** Name of the source, when in `sources`. */
    name?: string;
    /** Reference name, for `$ref/...` value files in `sources`. */
    ref?: string;
}

export interface ApplicationDestination {
    server?: string;
    name?: string;
    namespace?: string;
}

export interface SyncPolicyAutomated {
    prune?: boolean;
    selfHeal?: boolean;
    allowEmpty?: boolean;
}

export interface Backoff {
    duration?: string;
    factor?: number;
    maxDuration?: string;
}

export interface RetryStrategy {
    limit?: number;
    backoff?: Backoff;
}

export interface SyncPolicy {
    automated?: SyncPolicyAutomated;
    syncOptions?: string[];
    retry?: RetryStrategy;
}

export interface ResourceIgnoreDifferences {
    group?: string;
    kind: string;
    name?: string;
    namespace?: string;
    jsonPointers?: string[];
    jqPathExpressions?: string[];
    managedFieldsManagers?: string[];
}

export interface Info {
    name: string;
    value: string;
}

export interface ApplicationSpec {
    project: string;
    source?: ApplicationSource;
    sources?: ApplicationSource[];
    destination: ApplicationDestination;
    syncPolicy?: SyncPolicy;
    ignoreDifferences?: ResourceIgnoreDifferences[];
    info?: Info[];
    revisionHistoryLimit?: number;
}

export interface GroupKind {
    group: string;
    kind: string;
}

/** A cluster-scoped whitelist entry; `name` (a filepath.Match glob, Argo CD 3.4 and later) narrows it to matching objects. */
export interface ClusterResourceRestrictionItem extends GroupKind {
    name?: string;
}

export interface ProjectRole {
    name: string;
    description?: string;
    policies?: string[];
    groups?: string[];
}

export interface AppProjectSpec {
    description?: string;
    sourceRepos: string[];
    destinations: ApplicationDestination[];
    clusterResourceWhitelist?: ClusterResourceRestrictionItem[];
    namespaceResourceWhitelist?: GroupKind[];
    roles?: ProjectRole[];
}

/** A Kubernetes object as the program declares it. */
export interface Manifest<S> {
    apiVersion: "argoproj.io/v1alpha1";
    kind: "Application" | "AppProject";
    metadata: { name: string; namespace: string; finalizers?: string[]; annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: S;
}
