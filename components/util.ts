/** Small pure helpers shared by the planning functions. */
import { stringify } from "yaml";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Only literal objects: Pulumi Outputs and class instances are values, not maps. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
    if (v === null || typeof v !== "object") return false;
    const proto: unknown = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
}

/**
 * Helm's merge rule: maps merge key by key, everything else (scalars, lists) is replaced by the
 * override. Used for the `values` escape hatches, which are merged last.
 */
export function deepMerge<T>(base: T, override: unknown): T {
    if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out as T;
}

/** A copy with every object's keys sorted, so serialised output is byte-stable. */
export function sortKeys<T>(value: T): T {
    if (Array.isArray(value)) return value.map(sortKeys) as T;
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
        if (value[k] !== undefined) out[k] = sortKeys(value[k]);
    }
    return out as T;
}

/** YAML text with sorted keys and no line folding: byte-stable for ConfigMap data and the render. */
export function yamlText(value: unknown): string {
    return stringify(sortKeys(value), { lineWidth: 0, sortMapEntries: true });
}
