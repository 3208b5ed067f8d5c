/**
 * A strict JSON schema from a CRD version's openAPIV3Schema: descriptions and `status` dropped,
 * `metadata` left to the API server, and `additionalProperties: false` on every object that lists
 * its properties (unless it preserves unknown fields), so an unknown or misspelt field is rejected
 * as the API server's strict field validation would.
 */
export type Schema = Record<string, unknown>;

function strict(s: unknown): unknown {
    if (Array.isArray(s)) return s.map(strict);
    if (s === null || typeof s !== "object") return s;
    const out: Schema = {};
    for (const [k, v] of Object.entries(s as Schema)) {
        if (k === "description") continue;
        out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, strict(ps)])) : strict(v);
    }
    if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
    return out;
}

export function strictCrdSchema(openAPIV3Schema: Schema): Schema {
    const schema = { ...openAPIV3Schema } as Schema & { properties: Schema };
    schema.properties = { ...schema.properties };
    delete schema.properties.status;
    schema.properties.metadata = { type: "object" };
    return strict(schema) as Schema;
}
