/**
 * How config problems read: each names its full key (`ml-gitops:argocd.namespace`, or
 * `args.settings.argocd.namespace` for a component's args), what is wrong, and the value found
 * (never a secret's); an unknown key gets the nearest known one.
 */
import * as pulumi from "@pulumi/pulumi";
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { SECRET_LIKE_NAME } from "./formats";

/** A config problem, with the full key path. */
export class ConfigError extends pulumi.RunError {
    /** `heading` says what is wrong: invalid stack config, or a component instance's invalid args. */
    constructor(
        readonly problems: string[],
        heading = "invalid stack config",
    ) {
        super(`${heading} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
        // No stack trace: Pulumi prints a RunError's message alone, but its language host still
        // inspects the error for its trace span, and formatting the stack through the SDK's source
        // maps took about 25 s of CPU (measured: a refused `pulumi preview` in 28 s instead of 4).
        Object.defineProperty(this, "stack", { value: `${this.name}: ${this.message}`, writable: true, configurable: true });
    }
}

/** How a parse names a key in its problems, and what is invalid. */
export interface ConfigSource {
    /** The name of the key at a path, e.g. `ml-gitops:argocd.namespace` or `args.settings.argocd.namespace`. */
    keyName(path: readonly PropertyKey[]): string;
    /** The error's heading: `invalid stack config`, or `invalid args of MlPlatform "b"`. */
    heading: string;
}

interface JsonSchema {
    properties?: Record<string, JsonSchema>;
    additionalProperties?: JsonSchema | boolean;
    items?: JsonSchema;
}

/** Every key the schema accepts under an object path, from its JSON Schema (zod's public `toJSONSchema`). */
function knownKeys(schema: JsonSchema, path: readonly PropertyKey[]): string[] {
    let s: JsonSchema | undefined = schema;
    for (const p of path) {
        if (!s) return [];
        if (s.properties) s = s.properties[String(p)];
        else if (typeof s.additionalProperties === "object") s = s.additionalProperties;
        else s = s.items;
    }
    return s?.properties ? Object.keys(s.properties) : [];
}

/** A key that contains the typo (or is contained in it) wins; otherwise the closest by edit distance. */
function nearestKey(typo: string, known: string[]): string {
    const t = typo.toLowerCase();
    const containing = known.filter((k) => k.toLowerCase().includes(t) || t.includes(k.toLowerCase())).sort((a, b) => a.length - b.length);
    return containing[0] ?? closest(typo, known);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

function describe(value: unknown, secret: boolean): string {
    if (value === undefined) return "nothing";
    if (secret) return "[secret]";
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The JSON Schema of each schema a parse has reported on, made once. */
const jsonSchemas = new WeakMap<z.ZodType, JsonSchema>();

/**
 * @internal The error of a failed parse of `raw` by `schema`: one sorted problem per issue (one per unknown
 * key, with a "did you mean"), each named by `source`. Values at `secretKeys`, and under names that
 * say they are secrets (formats.ts, SECRET_LIKE_NAME), are never shown.
 */
export function configError(schema: z.ZodType, raw: unknown, error: z.ZodError, source: ConfigSource, secretKeys: readonly string[]): ConfigError {
    const keyPath = (path: readonly PropertyKey[]) => source.keyName(path);
    const problems: string[] = [];
    for (const issue of error.issues) {
        if (issue.code === "unrecognized_keys") {
            let json = jsonSchemas.get(schema);
            if (!json) jsonSchemas.set(schema, (json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema));
            const known = knownKeys(json, issue.path);
            for (const k of issue.keys) {
                const hint = known.length ? `; did you mean "${nearestKey(k, known)}"?` : "";
                problems.push(`${keyPath([...issue.path, k])}: unknown key${hint}`);
            }
            continue;
        }
        if (issue.code === "invalid_key") {
            // A record key (worker group or application name) is wrong: report the key, not its value.
            const message = `the name ${JSON.stringify(String(issue.path[issue.path.length - 1]))} ${issue.issues[0]?.message ?? "is invalid"}`;
            problems.push(`${keyPath(issue.path)}: ${message}`);
            continue;
        }
        // A secret key's value, or one under a name that says it is a secret (env.HF_TOKEN, redisPassword), is never shown.
        const secret = (issue.path.length > 0 && secretKeys.includes(String(issue.path[0]))) || issue.path.some((p) => SECRET_LIKE_NAME.test(String(p)));
        const got = describe(valueAt(raw, issue.path), secret);
        const message = got === "nothing" && issue.code !== "custom" ? "is required" : issue.message;
        problems.push(got === "nothing" ? `${keyPath(issue.path)}: ${message}` : `${keyPath(issue.path)}: ${message} (got ${got})`);
    }
    return new ConfigError([...new Set(problems)].sort(), source.heading);
}

/**
 * @internal A component's args parsed by `schema` (defaults applied), or a {@link ConfigError}
 * naming each problem as `args.<path>` under the heading `invalid args of <instance>`.
 */
export function parseArgs<T extends z.ZodType>(schema: T, args: unknown, instance: string, secretKeys: readonly string[] = []): z.output<T> {
    const result = schema.safeParse(args);
    if (result.success) return result.data;
    const source = { keyName: (path: readonly PropertyKey[]) => `args.${path.map(String).join(".")}`, heading: `invalid args of ${instance}` };
    throw configError(schema, args, result.error, source, secretKeys);
}
