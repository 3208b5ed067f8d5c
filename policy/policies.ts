/**
 * The guardrails of ml-gitops as CrossGuard resource policies. They read only a resource's type and
 * inputs, so they run the same under `pulumi preview --policy-pack policy` and in the unit tests
 * (tests/policy.test.ts), which call `validateResource` directly. Messages name the object and the
 * field, never a value that could be a secret.
 */
import type { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { IMMUTABLE_REVISION } from "../components/formats";
import { rayClusterFullname } from "../components/raycluster";

export const TYPES = {
    application: "kubernetes:argoproj.io/v1alpha1:Application",
    configMap: "kubernetes:core/v1:ConfigMap",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** The parts of an Argo CD Application's inputs the policies read. */
interface AppSource {
    chart?: string;
    helm?: { releaseName?: string; valuesObject?: Record<string, unknown> };
    path?: string;
    repoURL?: string;
    targetRevision?: string;
}
interface IgnoreDifference {
    group?: string;
    jqPathExpressions?: string[];
    jsonPointers?: string[];
    kind?: string;
    name?: string;
    namespace?: string;
}
interface AppProps {
    metadata?: { name?: string; namespace?: string };
    spec?: {
        destination?: { namespace?: string };
        ignoreDifferences?: IgnoreDifference[];
        project?: string;
        source?: AppSource;
        sources?: AppSource[];
        syncPolicy?: {
            retry?: { backoff?: { duration?: string; factor?: number; maxDuration?: string }; limit?: number };
            syncOptions?: string[];
        };
    };
}

/** What the autoscaler owns: worker replicas. */
const REPLICAS_JQ = ".spec.workerGroupSpecs[].replicas";

function appName(args: ResourceValidationArgs): string {
    return (args.props as AppProps).metadata?.name ?? args.name;
}

function appSources(props: AppProps): AppSource[] {
    return [...(props.spec?.source ? [props.spec.source] : []), ...(props.spec?.sources ?? [])];
}

/** A source of the ray-cluster chart, from the kuberay-helm repository or the kuberay git repo. */
function isRayClusterSource(s: AppSource): boolean {
    return s.chart === "ray-cluster" || /(^|\/)helm-chart\/ray-cluster\/?$/.test(s.path ?? "");
}

/** Runs `check` on Applications only. */
function onApplications(check: (props: AppProps, name: string, report: ReportViolation) => void): ResourceValidation {
    return (args, report) => {
        if (args.type === TYPES.application) check(args.props as AppProps, appName(args), report);
    };
}

/** Every `image` in a resource's inputs (chart values, pod specs) whose tag is `latest` or missing. */
function floatingImages(value: unknown, path: string, found: string[]): string[] {
    if (Array.isArray(value)) value.forEach((v, i) => floatingImages(v, `${path}[${i}]`, found));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            const at = path ? `${path}.${k}` : k;
            if (k === "image" && typeof v === "string" && !v.includes("@sha256:")) {
                const last = v.slice(v.lastIndexOf("/") + 1);
                if (!last.includes(":") || last.endsWith(":latest")) found.push(at);
            } else if (k === "image" && v !== null && typeof v === "object" && (v as { tag?: unknown }).tag === "latest") {
                found.push(`${at}.tag`);
            } else floatingImages(v, at, found);
        }
    }
    return found;
}

/** Token shapes that must live in a Secret. Only the kind is reported, never the value. */
const TOKEN_PATTERNS: [string, RegExp][] = [
    ["a Slack token", /\bxox[abposr]-[0-9A-Za-z-]{10,}/],
    ["a Slack app token", /\bxapp-\d-[0-9A-Za-z-]{10,}/],
    ["a Slack webhook URL", /hooks\.slack\.com\/services\/[0-9A-Za-z/]+/],
    ["a GitHub token", /\b(gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{22,})/],
    ["an AWS access key", /\bAKIA[0-9A-Z]{16}\b/],
    ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["a JSON Web Token", /\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\./],
    // Where Argo CD reads a PagerDuty key: a value under `serviceKeys` (service.pagerdutyv2). A
    // 32-digit hex value elsewhere is as often a checksum or a trace id; `token:` and other
    // secret-named fields are the literal-credential rule's.
    [
        "a PagerDuty integration key",
        /^([ \t]*)serviceKeys:[ \t]*(\{[^}]*:[ \t]*["']?[0-9a-f]{32}\b|\n(?:\1[ \t]+[^\n]*\n)*?\1[ \t]+[^\s:]+:[ \t]*["']?[0-9a-f]{32}["']?[ \t]*$)/m,
    ],
    // A secret-named field with a literal value; `$name` is a reference to argocd-notifications-secret.
    [
        "a literal credential",
        /^\s*["']?(token|password|secret|apiKey|api_key|apiToken|serviceKey|integrationKey|routingKey)["']?\s*:\s*["']?(?![$"'\s{]|$)\S/im,
    ],
];

export const policies: ResourceValidationPolicy[] = [
    {
        name: "no-default-project",
        description: "Argo CD Applications must be placed in a project that restricts their repos and destinations, not `default`.",
        validateResource: onApplications((props, name, report) => {
            const project = props.spec?.project ?? "";
            if (project === "" || project === "default")
                report(`Application "${name}" uses the default project; place it in an AppProject that admits only its repos and destinations.`);
        }),
    },
    {
        name: "raycluster-ignores-autoscaled-replicas",
        description:
            "An Application of the ray-cluster chart ignores worker replicas on its RayCluster (by the name the chart gives it) and syncs with ApplyOutOfSyncOnly=true, so only a change of the RayCluster itself re-applies them, and without RespectIgnoreDifferences=true, under which Argo CD 3.4 never applies a worker-group change.",
        validateResource: onApplications((props, name, report) => {
            for (const src of appSources(props).filter(isRayClusterSource)) {
                const values = src.helm?.valuesObject ?? {};
                const expected = rayClusterFullname({
                    releaseName: src.helm?.releaseName || name,
                    nameOverride: typeof values.nameOverride === "string" ? values.nameOverride : undefined,
                    fullnameOverride: typeof values.fullnameOverride === "string" ? values.fullnameOverride : undefined,
                });
                const ignores = (jq: string) =>
                    // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent: spec is set (the source came from it), and a placeholder element has no group
                    (props.spec?.ignoreDifferences ?? []).some(
                        (d) =>
                            d.group === "ray.io" &&
                            d.kind === "RayCluster" &&
                            (d.name === undefined || d.name === expected) &&
                            // Stryker disable next-line ArrayDeclaration: equivalent: a placeholder element is neither the jq path nor the pointer
                            ((d.jqPathExpressions ?? []).includes(jq) || (d.jsonPointers ?? []).includes("/spec/workerGroupSpecs")),
                    );
                if (!ignores(REPLICAS_JQ))
                    report(
                        `Application "${name}" deploys a RayCluster but does not ignore ${REPLICAS_JQ} on RayCluster "${expected}" ` +
                            `(ignoreDifferences: group ray.io, kind RayCluster, name ${expected}).`,
                    );
                const options = props.spec?.syncPolicy?.syncOptions ?? [];
                if (options.includes("RespectIgnoreDifferences=true"))
                    report(
                        `Application "${name}" deploys a RayCluster with the sync option RespectIgnoreDifferences=true: Argo CD 3.4 then applies ` +
                            "the whole live workerGroupSpecs, so no worker-group change ever reaches the RayCluster (argo-cd#17694).",
                    );
                if (!options.includes("ApplyOutOfSyncOnly=true"))
                    report(
                        `Application "${name}" deploys a RayCluster without the sync option ApplyOutOfSyncOnly=true; a sync of any other resource would reset the autoscaler's replicas.`,
                    );
            }
        }),
    },
    {
        name: "no-floating-versions",
        description: "No `latest` image tags and no floating revisions (HEAD, branches, version ranges): what is deployed is what was reviewed.",
        validateResource: (args, report) => {
            if (args.type === TYPES.application) {
                const name = appName(args);
                for (const src of appSources(args.props as AppProps)) {
                    const rev = src.targetRevision ?? "";
                    if (!IMMUTABLE_REVISION.test(rev))
                        report(
                            `Application "${name}" tracks ${rev ? `"${rev}"` : "HEAD"} of ${src.repoURL ?? "its repository"}; ` +
                                "pin a tag, an exact chart version or a commit.",
                        );
                }
            }
            for (const at of floatingImages(args.props, "", [])) report(`${args.type} "${args.name}": ${at} uses the latest tag; pin an image version.`);
        },
    },
    {
        name: "argocd-chart-pinned",
        description: "The argo-cd Helm chart is installed at an exact version, so every `up` installs the Argo CD that was reviewed.",
        validateResource: (args, report) => {
            if (args.type !== TYPES.helmRelease && args.type !== TYPES.helmChart) return;
            const props = args.props as { chart?: string; version?: string };
            if (!/(^|\/)argo-cd$/.test(props.chart ?? "")) return;
            if (!IMMUTABLE_REVISION.test(props.version ?? ""))
                report(
                    `The argo-cd chart of "${args.name}" is not pinned (version ${props.version ? `"${props.version}"` : "unset"}); set an exact chart version.`,
                );
        },
    },
    {
        name: "no-tokens-in-configmaps",
        description: "ConfigMaps hold no token-looking values; tokens go in a Secret and are referenced (argocd-notifications-cm uses `$key`).",
        validateResource: (args, report) => {
            if (args.type !== TYPES.configMap) return;
            const props = args.props as { data?: Record<string, unknown>; metadata?: { name?: string } };
            const cm = props.metadata?.name ?? args.name;
            for (const [key, value] of Object.entries(props.data ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
                const text = typeof value === "string" ? value : JSON.stringify(value);
                const literal = /(token|password|secret|api[-_]?key)$/i.test(key) && text !== "" && !text.startsWith("$");
                const kind = literal ? "a literal credential" : TOKEN_PATTERNS.find(([, re]) => re.test(text))?.[0];
                if (kind) report(`ConfigMap "${cm}": data["${key}"] holds what looks like ${kind}; keep it in a Secret and reference it.`);
            }
        },
    },
    {
        name: "application-retry-backoff",
        description: "Every Application retries failed syncs with backoff (limit, duration, factor, maxDuration), so a transient failure heals itself.",
        validateResource: onApplications((props, name, report) => {
            const retry = props.spec?.syncPolicy?.retry;
            const b = retry?.backoff;
            if (retry?.limit === undefined) report(`Application "${name}" has no syncPolicy.retry with a limit.`);
            else if (retry.limit === 0)
                report(`Application "${name}" sets syncPolicy.retry.limit 0, which turns retries off; set 1 or more, or -1 for no limit.`);
            else if (!b?.duration || !b.factor || !b.maxDuration)
                report(`Application "${name}" retries without backoff; set syncPolicy.retry.backoff duration, factor and maxDuration.`);
        }),
    },
];
