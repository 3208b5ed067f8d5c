/**
 * The config reference (docs/config-reference.md), generated from the one config schema
 * (components/config.ts): `npm run docs` rewrites the table between its markers; a test fails
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

type Def = {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    shape?: Record<string, z.core.$ZodType>;
    valueType?: z.core.$ZodType;
    element?: z.core.$ZodType;
    entries?: Record<string, string>;
    defaultValue?: unknown;
    options?: z.core.$ZodType[];
};

interface Row {
    key: string;
    type: string;
    default: string;
    description: string;
}

function describe(t: z.core.$ZodType): { inner: z.core.$ZodType; description?: string; default?: unknown; optional: boolean } {
    let description: string | undefined;
    let dflt: unknown;
    let optional = false;
    let cur = t;
    for (;;) {
        description ??= z.globalRegistry.get(cur)?.description;
        const def = cur._zod.def as Def;
        if (def.type === "default" || def.type === "prefault") dflt ??= def.defaultValue;
        if (def.type === "optional") optional = true;
        if (def.innerType) cur = def.innerType;
        else if (def.type === "pipe" && def.in) cur = def.in;
        else break;
    }
    return { inner: cur, description, default: dflt, optional };
}

function typeName(t: z.core.$ZodType): string {
    const def = t._zod.def as Def;
    switch (def.type) {
        case "enum":
            return Object.values(def.entries ?? {})
                .map((v) => `\`${v}\``)
                .join(" \\| ");
        case "union":
            return (def.options ?? []).map((o) => typeName(describe(o).inner)).join(" \\| ");
        case "record":
            return "map";
        case "array":
            return `list of ${typeName(describe(def.element!).inner)}`;
        default:
            return def.type;
    }
}

function show(v: unknown): string {
    if (v === undefined) return "";
    if (typeof v === "object" && v !== null && Object.keys(v).length === 0) return Array.isArray(v) ? "`[]`" : "";
    return `\`${JSON.stringify(v).replace(/\|/g, "\\|")}\``;
}

function walk(t: z.core.$ZodType, path: string, rows: Row[]): void {
    const d = describe(t);
    const def = d.inner._zod.def as Def;
    const secret = (SECRET_KEYS as readonly string[]).includes(path);
    // Required: neither optional nor defaulted (inside a map entry or list item: required in each).
    const required = !d.optional && d.default === undefined && !path.endsWith(">") && !path.endsWith("[]");
    const description = `${required ? "**Required.** " : ""}${secret ? "**Secret.** " : ""}${d.description ?? ""}`;
    if (path) rows.push({ key: path, type: typeName(d.inner), default: show(d.default), description });
    if (def.type === "object" && def.shape) for (const [k, v] of Object.entries(def.shape)) walk(v, path ? `${path}.${k}` : k, rows);
    else if (def.type === "record" && def.valueType) {
        const inner = describe(def.valueType).inner._zod.def as Def;
        if (inner.type === "object") walk(def.valueType, `${path}.<name>`, rows);
    } else if (def.type === "array" && def.element) {
        const inner = describe(def.element).inner._zod.def as Def;
        if (inner.type === "object") walk(def.element, `${path}[]`, rows);
    }
}

/** The markdown table. */
export function configReference(): string {
    const rows: Row[] = [];
    walk(configSchema, "", rows);
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
