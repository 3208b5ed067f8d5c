/**
 * The two review files of an evaluation, as text: `manifests.yaml` (every Kubernetes object in
 * dependency order) and `resources.json` (every Pulumi resource with its inputs and dependencies),
 * secrets as `[secret]`. Pure; used by the render command and exported as `ml-gitops/testing`.
 */
import { sortKeys, yamlText } from "../components/util";
import { redact, type Evaluation, type RecordedResource } from "./engine";

/** A Kubernetes object as a chart renders it. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [k: string]: unknown };
    [k: string]: unknown;
}

/** Resources in dependency order: each after everything it depends on, ties in registration order. */
export function dependencyOrder(resources: RecordedResource[]): RecordedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const done = new Set<string>();
    const out: RecordedResource[] = [];
    const visit = (r: RecordedResource, path: Set<string>) => {
        if (done.has(r.urn) || path.has(r.urn)) return;
        path.add(r.urn);
        for (const d of [...r.dependencies, r.parent]) {
            const dep = byUrn.get(d);
            if (dep) visit(dep, path);
        }
        done.add(r.urn);
        out.push(r);
    };
    for (const r of resources) visit(r, new Set());
    return out;
}

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function isKubernetesObject(r: RecordedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE;
}

/** What a chart will create for one Release or Application: its objects, or a note why they are not shown. */
export type ChartExpansion = (r: RecordedResource) => { note: string; objects: K8sObject[] } | undefined;

/**
 * The multi-document manifests of an evaluation. With `expand`, each helm Release and
 * helm-sourced Application is followed by the objects its chart will create.
 */
export function manifestsYaml(ev: Evaluation, expand?: ChartExpansion): string {
    const docs: string[] = [];
    for (const r of dependencyOrder(ev.resources)) {
        if (r.type === HELM_RELEASE) {
            const i = redact(r.inputs) as Record<string, unknown>;
            const repo = (i.repositoryOpts as { repo?: string } | undefined)?.repo;
            docs.push(
                `# ${r.urn}\n# helm release ${String(i.name)} in namespace ${String(i.namespace)}: chart ${String(i.chart)} ${String(i.version)} from ${repo}\n` +
                    (expand ? "" : "# (the chart's objects are rendered by helm at deploy time; its values are in resources.json)\n"),
            );
        } else if (isKubernetesObject(r)) {
            docs.push(`# ${r.urn}\n${yamlText(redact(r.inputs))}`);
        }
        const expansion = expand?.(r);
        if (expansion) {
            if (!expansion.objects.length) docs.push(`# ${expansion.note}\n`);
            for (const o of expansion.objects) docs.push(`# ${expansion.note}\n${yamlText(o)}`);
        }
    }
    return docs.join("---\n");
}

/** The resources.json of an evaluation. */
export function resourcesJson(ev: Evaluation): string {
    const entries = ev.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        dependencies: r.dependencies,
        inputs: sortKeys(redact(r.inputs)),
    }));
    return `${JSON.stringify(entries, null, 2)}\n`;
}
