/**
 * Reading the stack config: Pulumi's flat `ml-gitops:*` keys into the raw object the schema
 * (schema.ts) reads, and the parse that validates it and resolves the derived defaults. Problems
 * read as configErrors.ts words them.
 */
import { resolveArgoCd } from "./argocdSettings";
import { configError, type ConfigSource } from "./configErrors";
import type { PlatformConfig } from "./generated/settingsTypes";
import { configSchema, SECRET_KEYS } from "./schema";

export type { PlatformConfig };
export { ConfigError, type ConfigSource } from "./configErrors";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "ml-gitops";

/** Stack config: `ml-gitops:<path>`. */
export const STACK_CONFIG: ConfigSource = { keyName: (path) => `${CONFIG_NAMESPACE}:${path.map(String).join(".")}`, heading: "invalid stack config" };

/**
 * Validates the `ml-gitops:*` keys (without the namespace) and resolves the derived defaults.
 * Throws a {@link ConfigError} listing every problem, each with its key path and the value found.
 */
export function parseConfig(raw: Record<string, unknown>, source: ConfigSource = STACK_CONFIG): PlatformConfig {
    const result = configSchema.safeParse(raw);
    if (!result.success) throw configError(configSchema, raw, result.error, source, SECRET_KEYS);
    const c = result.data;
    return { ...c, argocd: resolveArgoCd(c.argocd, c.environment === "prod"), sync: { ...c.sync, wait: c.sync.wait ?? c.environment === "prod" } };
}

/**
 * Turns Pulumi's flat config (`{"ml-gitops:key": "<string or JSON>"}`) into the raw object the
 * schema reads. Keys of other namespaces (kubernetes:, pulumi:) are left out.
 */
export function rawFromPulumiConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(all).sort()) {
        const [ns, name] = key.split(":");
        if (ns !== CONFIG_NAMESPACE || !name) continue;
        const text = all[key];
        let value: unknown = text; // secrets, and plain string values, stay strings
        if (!(SECRET_KEYS as readonly string[]).includes(name)) {
            try {
                value = JSON.parse(text);
            } catch {
                // not JSON: a plain string value
            }
        }
        raw[name] = value;
    }
    return raw;
}
