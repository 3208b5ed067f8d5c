import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as bcrypt from "bcryptjs";
import { PART_OF_ARGOCD } from "./argocdNames";
import { argoCdArgsSchema, resolveArgoCd } from "./argocdSettings";
import { parseArgs } from "./configErrors";
import { policyCsv } from "./rbacSettings";
import { podSecurityLabels } from "./podSecurity";
import type { ArgoCdConfig, ArgoCdSettings } from "./generated/settingsTypes";
import { healthCheckConfig } from "./healthChecks";
import { deepMerge, sortKeys, yamlText } from "./util";

/** Arguments of {@link ArgoCd}. */
export interface ArgoCdArgs {
    /**
     * The stack config's `argocd` settings, each optional with the default the config reference
     * gives (`install` and `applicationNamePrefix` are MlPlatform's and ignored here). Validated
     * before anything is created. Default: every default (namespace and release `argocd`, no HA,
     * no Ingress).
     */
    readonly settings?: ArgoCdSettings;
    /** Whether a Notifications component owns the notifications ConfigMap and Secret (the chart then must not create them). Default: false. */
    readonly notifications?: boolean;
    /** Admin password; default: a 24-character `RandomPassword`. Unused while `settings.admin.enabled` is false. */
    readonly adminPassword?: pulumi.Input<string>;
    /** The OIDC client secret; required when `settings.sso.enabled`. It lands in argocd-secret only. */
    readonly oidcClientSecret?: pulumi.Input<string>;
}

/** The key of the OIDC client secret in argocd-secret, referenced from `oidc.config` as `$oidc.clientSecret`. */
export const OIDC_SECRET_KEY = "oidc.clientSecret";

/**
 * argocd-secret's metadata. The program owns the Secret (the chart's `configs.secret.createSecret`
 * is false), so neither the admin hash nor the OIDC client secret goes through Helm values, which
 * Helm keeps in every `sh.helm.release.v1.<release>.v<N>` Secret. `part-of: argocd` is the label
 * Argo CD's settings informer selects Secrets by. `helm.sh/resource-policy: keep` is for a stack
 * whose earlier release rendered argocd-secret: Helm reads the live object's annotations before it
 * deletes what a new revision no longer renders, so the upgrade leaves the Secret alone.
 */
export const ARGOCD_SECRET_METADATA = {
    annotations: { "helm.sh/resource-policy": "keep" },
    labels: { "app.kubernetes.io/name": "argocd-secret", ...PART_OF_ARGOCD },
    name: "argocd-secret",
} as const;

/**
 * Pure: argocd-secret's stringData: the admin hash and its fixed mtime while admin is on, and the
 * OIDC client secret with SSO, each kept as the given Input so its secretness survives. Keys
 * Argo CD writes itself (server.secretkey, and tls.crt/tls.key without a certificate of the
 * user's) are not the program's: server-side apply leaves them to argocd-server.
 */
export function argoCdSecretData(
    s: ArgoCdConfig,
    adminPasswordHash: pulumi.Input<string> | undefined,
    oidcClientSecret?: pulumi.Input<string>,
): Record<string, pulumi.Input<string>> {
    return {
        ...(s.admin.enabled && adminPasswordHash !== undefined ? { "admin.password": adminPasswordHash, "admin.passwordMtime": s.adminPasswordMtime } : {}),
        ...(s.sso.enabled && oidcClientSecret !== undefined ? { [OIDC_SECRET_KEY]: oidcClientSecret } : {}),
    };
}

/** argocd-cm's `oidc.config`: OIDC directly (no Dex), the client secret only referenced. */
function oidcConfig(sso: ArgoCdConfig["sso"]): string {
    return yamlText({
        clientID: sso.clientID,
        clientSecret: `$${OIDC_SECRET_KEY}`,
        issuer: sso.issuer,
        name: sso.name,
        requestedIDTokenClaims: { [sso.groupsClaim]: { essential: true } },
        requestedScopes: sso.requestedScopes,
    });
}

/** Replica count of each component: the explicit setting, else 2 with HA and 1 without. */
function replicas(s: ArgoCdConfig, key: keyof ArgoCdConfig["replicas"]): number {
    return s.replicas[key] ?? (s.ha ? 2 : 1);
}

/**
 * Pure: the argo-cd chart values for these settings. They hold no secret: argocd-secret is the
 * program's ({@link argoCdSecretData}). `values` from config is merged last, so anything the chart
 * supports can be set.
 */
export function argoCdValues(s: ArgoCdConfig, notifications: boolean): Record<string, unknown> {
    const pdb = { enabled: s.ha };
    const server: Record<string, unknown> = {
        pdb,
        replicas: replicas(s, "server"),
        service: { type: s.serviceType },
    };
    if (s.ingress.enabled) {
        server.ingress = {
            annotations: s.ingress.annotations,
            enabled: true,
            hostname: s.ingress.host,
            ingressClassName: s.ingress.className ?? "",
            tls: s.ingress.tls,
        };
    }
    const values: Record<string, unknown> = {
        applicationSet: { pdb, replicas: replicas(s, "applicationSet") },
        configs: {
            // Health checks for kinds Argo CD has none for (a RayCluster is otherwise Healthy the moment it exists).
            cm: {
                ...healthCheckConfig(),
                "admin.enabled": s.admin.enabled,
                ...(s.sso.enabled ? { "oidc.config": oidcConfig(s.sso) } : {}),
                url: s.url,
            },
            // Behind the Ingress, argocd-server speaks plain HTTP (the chart then points the Ingress at
            // the service's HTTP port): TLS ends at the Ingress. Otherwise argocd-server answers the
            // Ingress's plain HTTP with a redirect to https, and the browser loops.
            ...(s.ingress.enabled ? { params: { "server.insecure": true } } : {}),
            rbac: { "policy.csv": policyCsv(s.rbac), "policy.default": s.rbac.policyDefault, scopes: `[${s.rbac.scopes.join(", ")}]` },
            // argocd-secret is the program's (ArgoCd.secret), so no secret is in the release's values.
            secret: { createSecret: false },
        },
        controller: { pdb, replicas: replicas(s, "controller") },
        crds: { install: true, keep: true },
        // SSO is OIDC directly (argocd.sso): no Dex server to run, patch and expose. A stack that
        // needs Dex (LDAP, SAML, GitHub) turns it on through argocd.values.
        dex: { enabled: false },
        notifications: notifications ? { argocdUrl: s.url, cm: { create: false }, enabled: true, secret: { create: false } } : { enabled: false },
        // With HA, redis-ha's three servers and its haproxy keep a PodDisruptionBudget too (the chart's default is none).
        "redis-ha": s.ha
            ? { enabled: true, haproxy: { podDisruptionBudget: { maxUnavailable: 1 } }, podDisruptionBudget: { maxUnavailable: 1 } }
            : { enabled: false },
        repoServer: { pdb, replicas: replicas(s, "repoServer") },
        server,
    };
    // The patched Argo CD (argocd.version), not the chart's own appVersion.
    values.global = { image: { tag: s.version }, ...(s.ingress.enabled && s.ingress.host ? { domain: s.ingress.host } : {}) };
    return sortKeys(deepMerge(values, s.values));
}

/**
 * Argo CD from the official argo-helm `argo-cd` chart, as a helm v3 Release: the chart's redis
 * secret comes from a pre-install hook (helm v4 Charts drop hooks), and the admin password mtime
 * is fixed so a second `up` shows no diff.
 */
export class ArgoCd extends pulumi.ComponentResource {
    /** The namespace Argo CD runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** The helm release. */
    public readonly release: k8s.helm.v3.Release;
    /** The admin password (secret); undefined while `settings.admin.enabled` is false. */
    public readonly adminPassword: pulumi.Output<string | undefined>;
    /** The Namespace object. */
    public readonly namespaceResource: k8s.core.v1.Namespace;
    /** argocd-secret: the admin hash and the OIDC client secret, created before the release. */
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: ArgoCdArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Validate before anything is registered, as MlPlatform does.
        const parsed = parseArgs(argoCdArgsSchema, { settings: args.settings ?? {}, oidcClientSecret: args.oidcClientSecret }, `ArgoCd "${name}"`, [
            "oidcClientSecret",
        ]);
        const s = resolveArgoCd(parsed.settings, false);
        super("ml-gitops:argocd:ArgoCd", name, {}, opts);
        this.namespaceResource = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: s.namespace, labels: { ...PART_OF_ARGOCD, ...podSecurityLabels(s.podSecurity) } } },
            { parent: this },
        );

        let hash: pulumi.Output<string> | undefined;
        if (!s.admin.enabled) {
            // No shared login: no password to generate, keep or hand out.
            this.adminPassword = pulumi.output(undefined);
        } else if (args.adminPassword === undefined) {
            const generated = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
            this.adminPassword = pulumi.secret(generated.result);
            hash = pulumi.secret(generated.bcryptHash);
        } else {
            // bcrypt needs a salt: keep it in state (RandomBytes), so the hash is stable across runs.
            const salt = new random.RandomBytes(`${name}-admin-salt`, { length: 16 }, { parent: this });
            this.adminPassword = pulumi.secret(pulumi.output(args.adminPassword));
            hash = pulumi.secret(
                pulumi
                    .all([args.adminPassword, salt.base64])
                    .apply(([pw, b64]) => bcrypt.hashSync(pw, `$2a$10$${bcrypt.encodeBase64(Buffer.from(b64, "base64"), 16)}`)),
            );
        }

        const oidcSecret = args.oidcClientSecret === undefined ? undefined : pulumi.secret(args.oidcClientSecret);
        const stringData = argoCdSecretData(s, hash, oidcSecret);
        // Never empty: with admin off, SSO is required (the config refuses a platform no one can log in to).
        this.secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            { metadata: { ...ARGOCD_SECRET_METADATA, namespace: this.namespaceResource.metadata.name }, type: "Opaque", stringData },
            { parent: this },
        );
        // The values hold no secret, so previews and the render show them whole.
        const values = argoCdValues(s, args.notifications ?? false);
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: s.releaseName,
                chart: "argo-cd",
                version: s.chartVersion,
                repositoryOpts: { repo: s.chartRepository },
                namespace: this.namespaceResource.metadata.name,
                values,
                atomic: true,
                cleanupOnFail: true,
                timeout: 900,
            },
            // argocd-server reads argocd-secret when it starts: it must find the hash there, or it
            // writes an initial admin password of its own (argocd-initial-admin-secret).
            { parent: this, dependsOn: [this.secret] },
        );
        this.namespace = this.namespaceResource.metadata.name;
        this.registerOutputs({ adminPassword: this.adminPassword, namespace: this.namespace });
    }
}
