import * as k8s from "@pulumi/kubernetes";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { AppProjectSpec, ApplicationSpec, Manifest } from "./argocdTypes";
import type { ExtraAppFinalizer } from "./generated/settingsTypes";
import { sortKeys } from "./util";

export const FOREGROUND_FINALIZER = "resources-finalizer.argocd.argoproj.io";
export const BACKGROUND_FINALIZER = "resources-finalizer.argocd.argoproj.io/background";

/** A notification subscription: `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>`. */
export interface Subscription {
    readonly trigger: string;
    readonly service: string;
    readonly recipient: string;
}

/** Arguments of an {@link Application}. */
export interface ApplicationArgs {
    /** `metadata.name` of the Application. */
    readonly name: string;
    /** Namespace Argo CD runs in; the Application object lives there. */
    readonly namespace: string;
    /** The Application spec, as the v3.4 CRD has it. */
    readonly spec: ApplicationSpec;
    /** Deletion finalizer: `foreground` (default) deletes the app's resources before the app, `background` after, `none` orphans them. */
    readonly finalizer?: ExtraAppFinalizer;
    /** Notification subscriptions; default none. Several recipients of one trigger and service are joined with `;`. */
    readonly subscriptions?: Subscription[];
    /** When set, `pulumi up` waits for the app to be Synced and Healthy, up to this many seconds. Default: no wait. */
    readonly waitTimeoutSeconds?: number;
    /** Extra labels; default none. */
    readonly labels?: Record<string, string>;
}

/** The `pulumi.com/waitFor` conditions of `argocd app wait`: Synced and Healthy. */
export const WAIT_FOR = JSON.stringify(["jsonpath={.status.sync.status}=Synced", "jsonpath={.status.health.status}=Healthy"]);

/**
 * The spec's marker: `pulumi-` and the first 12 hex digits of the SHA-256 of what Argo CD
 * compares (source, destination, ignoreDifferences, keys sorted), without the marker itself.
 */
export function specMarker(spec: ApplicationSpec): string {
    const source = { ...spec.source, name: undefined };
    const compared = sortKeys({ destination: spec.destination, ignoreDifferences: spec.ignoreDifferences, source, sources: spec.sources });
    return `pulumi-${createHash("sha256").update(JSON.stringify(compared)).digest("hex").slice(0, 12)}`;
}

/**
 * The `pulumi.com/waitFor` conditions for a spec. An Application has no `observedGeneration`, so
 * on an update Synced and Healthy alone are read from the status Argo CD wrote for the previous
 * spec, and `pulumi up` returns before anything was compared (seen live: 3 s, on the old
 * status). Argo CD copies the source it compared, `name` included, into
 * `.status.sync.comparedTo.source`; the spec's marker there means the status is of this spec.
 */
export function waitFor(spec: ApplicationSpec): string {
    return JSON.stringify([
        `jsonpath={.status.sync.comparedTo.source.name}=${specMarker(spec)}`,
        "jsonpath={.status.sync.status}=Synced",
        "jsonpath={.status.health.status}=Healthy",
    ]);
}

/** Pure: the Application object for the given args. */
export function applicationManifest(args: ApplicationArgs): Manifest<ApplicationSpec> {
    const annotations: Record<string, string> = {};
    for (const s of args.subscriptions ?? []) {
        const key = `notifications.argoproj.io/subscribe.${s.trigger}.${s.service}`;
        annotations[key] = annotations[key] ? [...annotations[key].split(";"), s.recipient].sort().join(";") : s.recipient;
    }
    let spec = args.spec;
    if (args.waitTimeoutSeconds !== undefined) {
        // With a single source, the marker names it (Argo CD shows a source's name in its UI only).
        if (spec.source && !spec.sources) spec = { ...spec, source: { ...spec.source, name: specMarker(spec) } };
        annotations["pulumi.com/waitFor"] = spec.source && !spec.sources ? waitFor(spec) : WAIT_FOR;
        annotations["pulumi.com/timeoutSeconds"] = String(args.waitTimeoutSeconds);
    }
    const finalizer = args.finalizer ?? "foreground";
    const metadata: Manifest<ApplicationSpec>["metadata"] = { name: args.name, namespace: args.namespace };
    if (finalizer !== "none") metadata.finalizers = [finalizer === "foreground" ? FOREGROUND_FINALIZER : BACKGROUND_FINALIZER];
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    if (args.labels && Object.keys(args.labels).length) metadata.labels = args.labels;
    return sortKeys({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata, spec });
}

/**
 * The Kubernetes object of each Application and AppProject. Kept beside the component, behind a
 * getter, so that Pulumi's component analyzer, which reads every property as an output, sees
 * only plain outputs.
 */
const objects = new WeakMap<pulumi.ComponentResource, k8s.apiextensions.CustomResource>();

/**
 * An Argo CD Application. Give it the AppProject and the Argo CD release in `dependsOn`: Pulumi
 * then creates it after them and deletes it first, while the controller still runs, so its
 * finalizer completes on `pulumi destroy`.
 */
export class Application extends pulumi.ComponentResource {
    /** `metadata.name` of the Application. */
    public readonly appName: string;
    /** The Application object. */
    get resource(): k8s.apiextensions.CustomResource {
        return objects.get(this)!;
    }

    constructor(name: string, args: ApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-gitops:argocd:Application", name, {}, opts);
        const manifest = applicationManifest(args);
        this.appName = args.name;
        // A fixed metadata.name: a replacement must delete the old object first.
        // Children do not inherit a component's dependsOn: hand it down, so the object itself waits.
        objects.set(this, new k8s.apiextensions.CustomResource(name, manifest, { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true }));
        this.registerOutputs({ appName: this.appName });
    }
}

/** Arguments of an {@link AppProject}. */
export interface AppProjectArgs {
    /** `metadata.name` of the project. */
    readonly name: string;
    /** Namespace Argo CD runs in. */
    readonly namespace: string;
    /** The project spec. */
    readonly spec: AppProjectSpec;
}

/** Pure: the AppProject object. The finalizer keeps a project from being deleted while apps use it. */
export function appProjectManifest(args: AppProjectArgs): Manifest<AppProjectSpec> {
    return sortKeys({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { finalizers: [FOREGROUND_FINALIZER], name: args.name, namespace: args.namespace },
        spec: args.spec,
    });
}

/** An Argo CD AppProject. */
export class AppProject extends pulumi.ComponentResource {
    /** `metadata.name` of the project. */
    public readonly projectName: string;
    /** The AppProject object. */
    get resource(): k8s.apiextensions.CustomResource {
        return objects.get(this)!;
    }

    constructor(name: string, args: AppProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-gitops:argocd:AppProject", name, {}, opts);
        this.projectName = args.name;
        // Replaced only when its name or namespace changes, so the new object never collides with
        // the old: create the new project first, move the Applications, then delete the old one.
        // Deleted first, the old project would keep its finalizer while Applications still name
        // it, and the delete would wait until the provider times out (issue 29, defect 4).
        objects.set(this, new k8s.apiextensions.CustomResource(name, appProjectManifest(args), { parent: this, dependsOn: opts?.dependsOn }));
        this.registerOutputs({ projectName: this.projectName });
    }
}
