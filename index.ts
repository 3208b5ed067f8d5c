/**
 * The ml-gitops program. This is the only place that reads stack config: it validates all of it
 * before anything is registered, builds one explicit Kubernetes provider and hands both to the
 * MlPlatform component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, MlPlatform, parseConfig, rawFromPulumiConfig, SECRET_KEYS, type PlatformConfig } from "./components";
import { STACK_CONFIG } from "./components/config";
import { deletions, footprintOf, guardVerdict, type Footprint } from "./components/guard";
import { placeholderProblem, placeholdersIn } from "./components/placeholders";
import { planApplications, plannedRayClusterName } from "./components/plan";

/** `isConfigSecret` is exported by the SDK's runtime but left out of its typings. */
const isConfigSecret = (key: string): boolean => (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret(key);

/** How the program is run: by the Pulumi CLI (no options), or offline by `npm run render` and the tests. */
interface ProgramOptions {
    /**
     * An offline review rather than a deployment: placeholders in a prod stack are warnings, as in
     * dev, instead of errors, so that the committed example stack can be rendered. Default false.
     */
    offline?: boolean;
}

/**
 * Reads every `ml-gitops:*` key, checks that the secret ones are secrets, and validates the rest.
 * Placeholders are refused in prod unless offline, and warned about otherwise.
 */
function readStackConfig(options: ProgramOptions): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    const raw = rawFromPulumiConfig(all);
    const notSecret = SECRET_KEYS.filter((k) => raw[k] !== undefined && !isConfigSecret(`${CONFIG_NAMESPACE}:${k}`)).map(
        (k) => `${CONFIG_NAMESPACE}:${k}: must be a secret: pulumi config set --secret ${k} <value>`,
    );
    let config: PlatformConfig | undefined;
    let problems = notSecret;
    try {
        config = parseConfig(raw);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems = [...problems, ...e.problems];
    }
    // Placeholders are looked for even when the schema fails, so that one preview names every
    // problem; in the raw config then, without the defaults.
    const checked = config ?? raw;
    // argocd.url, unless set, is derived from the ingress host, which is reported already.
    const derived = (raw.argocd as { url?: unknown } | undefined)?.url === undefined ? ["argocd.url"] : [];
    const refuse = checked.environment === "prod" && !options.offline;
    const placeholders = placeholdersIn(checked as unknown as Record<string, unknown>, derived)
        .map(({ path, value }) => placeholderProblem(STACK_CONFIG.keyName(path), value, refuse ? "refused" : "warned"))
        .sort();
    if (refuse) problems = [...problems, ...placeholders];
    else for (const warning of placeholders) void pulumi.log.warn(warning);
    if (problems.length || !config) throw new ConfigError(problems.sort());
    return config;
}

/**
 * The change guard (components/guard.ts): the footprint this stack's last update recorded, read
 * from its own outputs, against this config's. Refusals fail the program before anything but
 * that read is registered; warnings go to the preview. Offline (render) there is no last update.
 */
async function guardChanges(config: PlatformConfig, footprint: Footprint, options: ProgramOptions): Promise<void> {
    if (options.offline) return;
    const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
    const previous: unknown = (await self.getOutputDetails("footprint")).value;
    const verdict = guardVerdict(deletions(previous, footprint), config.environment, config.sync.allowDeletes);
    for (const warning of verdict.warnings) void pulumi.log.warn(warning);
    if (verdict.refused.length) throw new ConfigError(verdict.refused);
}

/** The program: Pulumi calls the exported function and uses its result as the stack outputs. */
async function main(options: ProgramOptions = {}) {
    const config = readStackConfig(options);
    const footprint = footprintOf(config, planApplications(config), config.rayCluster.enabled ? plannedRayClusterName(config) : undefined);
    await guardChanges(config, footprint, options);
    const { kubeconfig, adminPassword, oidcClientSecret, slackToken, pagerdutyServiceKey, ...settings } = config;
    const context = new pulumi.Config("kubernetes").get("context");
    // An explicit provider: with ml-gitops:kubeconfig set, nothing is read from ~/.kube.
    const provider = new k8s.Provider("k8s", {
        kubeconfig: kubeconfig ? pulumi.secret(kubeconfig) : undefined,
        context,
    });
    const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    const platform = new MlPlatform(
        "ml",
        {
            settings,
            adminPassword: secret(adminPassword),
            oidcClientSecret: secret(oidcClientSecret),
            slackToken: secret(slackToken),
            pagerdutyServiceKey: secret(pagerdutyServiceKey),
        },
        { provider },
    );
    return {
        // Only while the shared admin login is on (prod with SSO turns it off).
        ...(config.argocd.admin.enabled && config.argocd.install ? { adminPassword: platform.adminPassword } : {}),
        applications: platform.applicationNames,
        argocdNamespace: platform.argocdNamespace,
        argocdUrl: platform.argocdUrl,
        // What the next update's change guard compares with (components/guard.ts).
        footprint,
        projects: platform.projectNames,
        rayClusterName: platform.rayClusterName,
    };
}

export = main;
