/**
 * The ml-gitops program. This is the only place that reads stack config: it validates all of it
 * before anything is registered, builds one explicit Kubernetes provider and hands both to the
 * MlPlatform component.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, MlPlatform, parseConfig, rawFromPulumiConfig, SECRET_KEYS, type PlatformConfig } from "./components";

/** `isConfigSecret` is exported by the SDK's runtime but left out of its typings. */
const isConfigSecret = (key: string): boolean => (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret(key);

/** Reads every `ml-gitops:*` key, checks that the secret ones are secrets, and validates the rest. */
function readStackConfig(): PlatformConfig {
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
    if (problems.length || !config) throw new ConfigError(problems.sort());
    return config;
}

/** The program: Pulumi calls the exported function and uses its result as the stack outputs. */
function main() {
    const config = readStackConfig();
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
        projects: platform.projectNames,
        rayClusterName: platform.rayClusterName,
    };
}

export = main;
