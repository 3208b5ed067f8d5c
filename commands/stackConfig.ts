/**
 * Reads a stack's config from the project's files, as the Pulumi CLI would hand it to the
 * program: project-level defaults from `Pulumi.yaml`, then `pulumiConfig` of each Pulumi ESC
 * environment the stack imports (from its checked-in definition under `esc/`), then the stack
 * file. `secure:` values and ESC `fn::secret` values cannot be decrypted offline: they become
 * secrets holding `[secret]`, unless the caller supplies a value for the key.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { sortKeys } from "../components/util";

export interface StackConfig {
    project: string;
    stack: string;
    /** Flat config: `{"ml-gitops:key": "<string or JSON>"}`. */
    config: Record<string, string>;
    secretKeys: string[];
    /** ESC environments the stack imports. */
    environments: string[];
}

/** A config file problem: which file and what is wrong. */
export class StackFileError extends Error {}

function readYaml(path: string): Record<string, unknown> {
    if (!existsSync(path)) throw new StackFileError(`${path}: no such file`);
    try {
        // uniqueKeys: a duplicate key (two worker groups of one name, say) is an error, not a silent overwrite.
        return (parse(readFileSync(path, "utf8"), { uniqueKeys: true }) ?? {}) as Record<string, unknown>;
    } catch (e) {
        throw new StackFileError(`${path}: ${(e as Error).message.split("\n")[0]}`);
    }
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * A value as the Pulumi CLI hands it to the program: strings as they are, anything else as JSON
 * with object keys sorted at every level (the CLI builds it from a Go map).
 */
function asConfigString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(sortKeys(v));
}

/** Loads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `root`. `secrets` supplies values for secret keys (by qualified key). */
export function loadStackConfig(root: string, stack: string, secrets: Record<string, string> = {}): StackConfig {
    const projectFile = readYaml(join(root, "Pulumi.yaml"));
    const project = String(projectFile.name);
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    // Each layer replaces the one before, secretness included, as the Pulumi CLI resolves it:
    // Pulumi.yaml defaults, then each imported ESC environment's pulumiConfig, then the stack file.
    // A plaintext value in the stack file therefore beats an ESC secret for the same key.
    const set = (key: string, value: unknown, secret: boolean) => {
        const k = qualify(project, key);
        if (secret) {
            secretKeys.add(k);
            config[k] = secrets[k] ?? "[secret]";
        } else {
            secretKeys.delete(k);
            config[k] = asConfigString(value);
        }
    };

    for (const [key, decl] of Object.entries((projectFile.config ?? {}) as Record<string, { default?: unknown; value?: unknown }>)) {
        const v = decl?.value ?? decl?.default;
        if (v !== undefined) set(key, v, false);
    }

    const stackFile = readYaml(join(root, `Pulumi.${stack}.yaml`));
    const environments = ((stackFile.environment ?? []) as unknown[]).map(String);
    for (const env of environments) {
        const envFile = readYaml(join(root, "esc", `${env}.yaml`));
        const values = (envFile.values ?? {}) as Record<string, unknown>;
        for (const [key, v] of Object.entries((values.pulumiConfig ?? {}) as Record<string, unknown>)) {
            const secret = v !== null && typeof v === "object" && "fn::secret" in v;
            set(key, secret ? undefined : v, secret);
        }
    }
    for (const [key, v] of Object.entries((stackFile.config ?? {}) as Record<string, unknown>)) {
        const secret = v !== null && typeof v === "object" && "secure" in v;
        set(key, secret ? undefined : v, secret);
    }
    // Supplied secrets the files do not mention stand for values an ESC environment or the CLI provides.
    for (const [k, v] of Object.entries(secrets)) {
        if (config[k] === undefined) {
            config[k] = v;
            secretKeys.add(k);
        }
    }
    return { project, stack, config, secretKeys: [...secretKeys].sort(), environments };
}
