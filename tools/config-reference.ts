/**
 * The config reference (docs/config-reference.md), generated from the one config schema
 * (components/schema.ts), read through zod's public `toJSONSchema`: `npm run docs` rewrites the table between its markers; a test fails
 * when it is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { configSchema, SECRET_KEYS } from "../components/schema";
import { writePackageSchema } from "./package-schema";
import { writeSettingsTypes } from "./settings-types";

export const START = "<!-- config-reference:start -->";
export const END = "<!-- config-reference:end -->";

/** The parts of a JSON Schema (zod's public `z.toJSONSchema`) the table reads. */
interface JsonSchema {
    type?: string;
    description?: string;
    default?: unknown;
    enum?: string[];
    anyOf?: JsonSchema[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: JsonSchema | boolean;
    items?: JsonSchema;
}

interface Row {
    key: string;
    type: string;
    default: string;
    description: string;
}

function typeName(s: JsonSchema): string {
    if (s.enum) return s.enum.map((v) => `\`${v}\``).join(" \\| ");
    if (s.anyOf) return s.anyOf.map(typeName).join(" \\| ");
    if (s.type === "integer") return "number";
    if (s.type === "array") return `list of ${typeName(s.items ?? {})}`;
    if (s.type === "object" && !s.properties) return "map";
    return s.type ?? "unknown";
}

function show(v: unknown): string {
    if (v === undefined) return "";
    if (typeof v === "object" && v !== null && Object.keys(v).length === 0) return Array.isArray(v) ? "`[]`" : "";
    return `\`${JSON.stringify(v).replace(/\|/g, "\\|")}\``;
}

/**
 * One row per key, depth first; a map's entries as `<name>`, a list's items as `[]`. `s` is the
 * input schema (what a stack file may say); `o` the output schema at the same place, which keeps
 * the defaults of values the schema transforms (quantities). `required`: the key must be set.
 */
function walk(s: JsonSchema, o: JsonSchema | undefined, path: string, required: boolean, rows: Row[]): void {
    const secret = (SECRET_KEYS as readonly string[]).includes(path);
    const description = `${required ? "**Required.** " : ""}${secret ? "**Secret.** " : ""}${s.description ?? ""}`;
    if (path) rows.push({ key: path, type: typeName(s), default: show(s.default ?? o?.default), description });
    if (s.properties) {
        const needed = new Set(s.required ?? []);
        for (const [k, v] of Object.entries(s.properties)) walk(v, o?.properties?.[k], path ? `${path}.${k}` : k, needed.has(k), rows);
    } else if (typeof s.additionalProperties === "object" && s.additionalProperties.properties) {
        const entry = typeof o?.additionalProperties === "object" ? o.additionalProperties : undefined;
        walk(s.additionalProperties, entry, `${path}.<name>`, false, rows);
    } else if (s.type === "array" && s.items?.properties) walk(s.items, o?.items, `${path}[]`, false, rows);
}

/** The markdown table. */
export function configReference(): string {
    const rows: Row[] = [];
    const schema = (io: "input" | "output") => z.toJSONSchema(configSchema, { io, unrepresentable: "any" }) as JsonSchema;
    walk(schema("input"), schema("output"), "", false, rows);
    const lines = ["| key (`ml-gitops:`…) | type | default | description |", "|---|---|---|---|"];
    for (const r of rows) lines.push(`| \`${r.key}\` | ${r.type} | ${r.default} | ${r.description.replace(/\|/g, "\\|")} |`);
    return lines.join("\n");
}

/** docs/config-reference.md with the table between the markers replaced. */
export function withReference(readme: string): string {
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    if (a < 0 || b < a) throw new Error(`docs/config-reference.md has no ${START} ... ${END} markers`);
    return `${readme.slice(0, a + START.length)}\n${configReference()}\n${readme.slice(b)}`;
}

if (require.main === module) {
    // `npm run docs`: the config reference, the public config types and the package schema.
    const path = join(resolve(__dirname, ".."), "docs", "config-reference.md");
    const readme = readFileSync(path, "utf8");
    const updated = withReference(readme);
    if (updated !== readme) writeFileSync(path, updated);
    const report = (file: string, changed: boolean) => process.stdout.write(`${file}: ${changed ? "updated" : "up to date"}\n`);
    report("docs/config-reference.md", updated !== readme);
    report("components/generated/settingsTypes.ts", writeSettingsTypes());
    report("plugin/schema.json", writePackageSchema());
}
