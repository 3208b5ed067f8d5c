/**
 * The public config types, generated from the one config schema (components/schema.ts):
 * `npm run docs` rewrites components/generated/settingsTypes.ts; a test fails when it is out of date.
 *
 * The types are plain interfaces and named string-literal unions, without zod: the package's
 * typings then type-check under any consumer's compiler flags, and Pulumi's component analyzer
 * (which accepts no intersections, unions of non-literals or `unknown`) can read the args.
 * `MlPlatformSettings` is what a component user writes (every defaulted key optional, no
 * secrets); `PlatformConfig` is what `parseConfig` returns (defaults applied).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { configSchema, SECRET_KEYS } from "../components/schema";
import { ROOT } from "../commands/cli";

interface JsonSchema {
    type?: string;
    description?: string;
    enum?: string[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: JsonSchema | boolean;
    items?: JsonSchema;
    anyOf?: JsonSchema[];
}

export const SETTINGS_TYPES_FILE = join(ROOT, "components", "generated", "settingsTypes.ts");

/** Names of the types at config paths (`*` a map entry, `[]` a list item); others are derived from the path. */
const NAMES: Record<string, string> = {
    "": "",
    "rayCluster.workerGroups.*": "WorkerGroup",
    "applications.*": "ExtraApp",
    "applications.*.destination": "ExtraAppDestination",
    "applications.*.helm": "ExtraAppHelm",
    "notifications.subscriptions.*[]": "Subscription",
    "notifications.defaultSubscriptions[]": "DefaultSubscription",
    "notifications.triggers.*": "Trigger",
    "notifications.templates.*": "Template",
    "project.roles[]": "ProjectRole",
    "project.clusterResourceWhitelist[]": "GroupKind",
    "project.namespaceResourceWhitelist[]": "GroupKind",
    kuberay: "KubeRay",
    mlPlatform: "MlPlatformApp",
    argocd: "ArgoCd",
};

/** Paths the resolved config always has, although the schema leaves them to `parseConfig`. */
const RESOLVED: Record<string, string> = {
    "argocd.admin.enabled": "boolean",
    "argocd.rbac.policyDefault": "string",
    "argocd.url": "string",
    "argocd.version": "string",
    "sync.wait": "boolean",
};

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function nameOf(path: string): string {
    if (path in NAMES) return NAMES[path];
    const parts = path.split(".");
    const parent = parts.slice(0, -1).join(".");
    const last = parts[parts.length - 1].replace(/\*|\[\]/g, "");
    return `${parent ? nameOf(parent) : ""}${pascal(last)}`;
}

function doc(description: string | undefined, indent: string): string {
    return description ? `${indent}/** ${description.replace(/\*\//g, "*\\/")} */\n` : "";
}

class Emitter {
    private readonly decls = new Map<string, string>();
    constructor(private readonly io: "input" | "output") {}

    private suffix(name: string): string {
        return `${name}${this.io === "input" ? "Settings" : "Config"}`;
    }

    /** The TypeScript type of a schema at a path, declaring named types as needed. */
    type(s: JsonSchema, path: string): string {
        if (s.enum) {
            // The `as const` object form: Pulumi's analyzer turns it into a schema enum.
            const name = nameOf(path);
            const members = s.enum.map(
                (v) => `${pascal(v.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase()))}: ${JSON.stringify(v)}`,
            );
            this.decls.set(
                name,
                `${doc(s.description, "")}export const ${name} = { ${members.join(", ")} } as const;\n` +
                    `${doc(s.description, "")}export type ${name} = (typeof ${name})[keyof typeof ${name}];\n`,
            );
            return name;
        }
        // A quantity accepts a YAML number too; the typed API takes the string form only.
        if (s.anyOf) return s.anyOf.some((o) => o.type === "string") ? "string" : "number";
        switch (s.type) {
            case "string":
                return "string";
            case "integer":
            case "number":
                return "number";
            case "boolean":
                return "boolean";
            case "array":
                return `${this.type(s.items ?? {}, `${path}[]`)}[]`;
            case "object":
                if (s.properties) return this.object(s, path);
                if (typeof s.additionalProperties === "object" && Object.keys(s.additionalProperties).length)
                    return `{ [key: string]: ${this.type(s.additionalProperties, `${path}.*`)} }`;
                // Free-form chart values: anything helm accepts.
                return "{ [key: string]: any }";
            default:
                return "any";
        }
    }

    object(schema: JsonSchema, path: string, omit: readonly string[] = []): string {
        let s = schema;
        const name = this.suffix(nameOf(path) || (this.io === "input" ? "MlPlatform" : "Platform"));
        const required = new Set(s.required ?? []);
        if (!path)
            s = {
                ...s,
                description:
                    this.io === "input"
                        ? "Settings of an MlPlatform: the stack config's keys without the secrets, every defaulted key optional (see the config reference)."
                        : "The validated config with every default applied, as `parseConfig` returns it.",
            };
        const lines = Object.entries(s.properties ?? {})
            .filter(([k]) => !omit.includes(k))
            .map(([k, p]) => {
                const at = path ? `${path}.${k}` : k;
                const resolved = this.io === "output" ? RESOLVED[at] : undefined;
                const optional = !resolved && !required.has(k);
                return `${doc(p.description, "    ")}    readonly ${k}${optional ? "?" : ""}: ${resolved ?? this.type(p, at)};\n`;
            });
        this.decls.set(name, `${doc(s.description, "")}export interface ${name} {\n${lines.join("")}}\n`);
        return name;
    }

    declarations(): Map<string, string> {
        return this.decls;
    }
}

/** The text of components/generated/settingsTypes.ts. */
export function settingsTypesSource(): string {
    const decls = new Map<string, string>();
    const input = new Emitter("input");
    input.object(z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema, "", SECRET_KEYS);
    const output = new Emitter("output");
    output.object(z.toJSONSchema(configSchema, { io: "output", unrepresentable: "any" }) as JsonSchema, "");
    for (const e of [input, output]) for (const [k, v] of e.declarations()) decls.set(k, v);
    const body = [...decls.keys()]
        .sort()
        .map((k) => decls.get(k)!)
        .join("\n");
    return (
        "// Generated by `npm run docs` from the config schema in components/schema.ts: do not edit.\n" +
        "// Plain interfaces and literal unions (no zod), for consumers' compilers and Pulumi's component analyzer.\n" +
        "/* eslint-disable @typescript-eslint/no-explicit-any */\n\n" +
        body
    );
}

/** Rewrites components/generated/settingsTypes.ts; whether it changed. */
export function writeSettingsTypes(): boolean {
    const text = settingsTypesSource();
    if (existsSync(SETTINGS_TYPES_FILE) && readFileSync(SETTINGS_TYPES_FILE, "utf8") === text) return false;
    writeFileSync(SETTINGS_TYPES_FILE, text);
    return true;
}
