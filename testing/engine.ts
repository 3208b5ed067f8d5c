/**
 * Runs a Pulumi program under Pulumi's mock engine and records what it declares: every resource
 * with its type, name, parent, provider, dependencies and inputs (secrets kept as secrets), and
 * the stack outputs. Used by the render command and the tests. No CLI, cluster or credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import * as bcrypt from "bcryptjs";
import { createHash } from "node:crypto";

/** Pulumi's wire marker for a secret value. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The redaction every rendered secret gets. */
export const REDACTED = "[secret]";

export interface SecretValue {
    [SIG_KEY]: typeof SECRET_SIG;
    value: unknown;
}

/** True when the recorded value is a secret. */
export function isSecret(v: unknown): v is SecretValue {
    return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A copy of `v` with each secret replaced by `onSecret(secret)`. */
function mapSecrets(v: unknown, onSecret: (s: SecretValue) => unknown): unknown {
    if (isSecret(v)) return onSecret(v);
    if (Array.isArray(v)) return v.map((x) => mapSecrets(x, onSecret));
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSecrets(x, onSecret)]));
    return v;
}

/**
 * The value with every secret replaced by `[secret]`. A secret map (a Secret's `stringData`, say)
 * keeps its keys, each value `[secret]`: Kubernetes expects a map there, and the keys are not secret.
 */
export function redact(v: unknown): unknown {
    return mapSecrets(v, (s) => {
        const inner = reveal(s.value);
        if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return REDACTED;
        return Object.fromEntries(
            Object.keys(inner)
                .sort()
                .map((k) => [k, REDACTED]),
        );
    });
}

/** The value with secrets unwrapped (for assertions on what a secret holds). */
export function reveal(v: unknown): unknown {
    return mapSecrets(v, (s) => reveal(s.value));
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent: string;
    provider: string;
    custom: boolean;
    /** URNs this resource waits for (dependsOn expanded through components, plus input sources). */
    dependencies: string[];
    inputs: Record<string, unknown>;
    /** The resource options the register request carries (defaults where the program set none). */
    options: ResourceOptionsRecord;
}

/** Resource options as the engine receives them; only what the program's components set or could set. */
export interface ResourceOptionsRecord {
    deleteBeforeReplace: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
}

export interface Evaluation {
    resources: RecordedResource[];
    /** Stack outputs, with secrets marked. */
    outputs: Record<string, unknown>;
    /** What the program logged with `pulumi.log.warn`, in order: what `pulumi preview` shows as warnings. */
    warnings: string[];
}

export interface EvaluateOptions {
    project: string;
    stack: string;
    /** Flat Pulumi config: `{"ml-gitops:key": "<string or JSON>"}`. */
    config: Record<string, string>;
    /** Keys of `config` that are secrets. */
    secretKeys: string[];
    /** The outputs of the stack's last update, as a StackReference to the stack itself reads them; default none. */
    previousOutputs?: Record<string, unknown>;
}

/** The current evaluation's {@link EvaluateOptions.previousOutputs}. */
let previousOutputs: Record<string, unknown> = {};

const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Decodes Pulumi's wire format keeping secrets where they are (the SDK's own decoder lifts a
 * nested secret to the top-level property, which would hide a whole chart's values).
 */
function fromWire(v: unknown): unknown {
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map(fromWire);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG, value: fromWire(o.value) };
    if (o[SIG_KEY] === RESOURCE_SIG) return o.urn;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
}

function digest(s: string, n: number): Buffer {
    return createHash("sha256").update(s).digest().subarray(0, n);
}

/**
 * The mocks: resources echo their inputs as state. The random provider's secret outputs are
 * derived from the resource name, so a render is deterministic; they stay secret.
 */
const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const state: Record<string, unknown> = { ...inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
            const result = `mock-${digest(args.name, 12).toString("hex")}`;
            state.result = pulumi.secret(result);
            // A real bcrypt hash of the mock password, at cost 4 rather than the provider's 10: the same
            // format, about 1 ms instead of 80 on every render.
            state.bcryptHash = pulumi.secret(bcrypt.hashSync(result, `$2a$04$${bcrypt.encodeBase64(digest(`salt:${args.name}`, 16), 16)}`));
        } else if (args.type === "pulumi:pulumi:StackReference") {
            // What the engine reads for a stack reference: the stack's outputs (the program reads its own stack's).
            return { id: String(inputs.name), state: { name: inputs.name, outputs: previousOutputs, secretOutputNames: [] } };
        } else if (args.type === "random:index/randomBytes:RandomBytes") {
            const bytes = digest(args.name, Number(inputs.length ?? 16));
            state.base64 = pulumi.secret(bytes.toString("base64"));
            state.hex = pulumi.secret(bytes.toString("hex"));
        }
        return { id: `${args.name}-id`, state };
    },
    call(args) {
        return args.inputs as Record<string, unknown>;
    },
};

type Req = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getCustom(): boolean;
    getDependenciesList(): string[];
    getDeletebeforereplace(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getObject(): unknown;
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> };
};
type Monitor = {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: Req, cb: unknown): Promise<void>;
    registerResourceOutputs(req: Req, cb: unknown): void;
};

/** `waitForRPCs` drains the SDK's queue of registrations; it is exported but not typed. */
const waitForRPCs = (): Promise<void> => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

let running = false;
const originalWarn = pulumi.log.warn;
let lastRecorded: RecordedResource[] = [];

/** What the last evaluation registered, also when it failed (a failed config must register nothing). */
export function recordedByLastEvaluation(): RecordedResource[] {
    return [...lastRecorded];
}

/**
 * Evaluates `program` as Pulumi would (inside a Stack resource) with the given config, and
 * returns everything it registered, in registration order. Evaluations run one at a time:
 * the mock engine is process-global.
 */
export async function evaluate(program: () => unknown, opts: EvaluateOptions): Promise<Evaluation> {
    if (running) throw new Error("evaluate: one evaluation at a time (the mock engine is process-global)");
    running = true;
    try {
        pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);
        previousOutputs = opts.previousOutputs ?? {};
        // "organization": the name a DIY backend (the e2e's file backend) gives every stack's organization.
        await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, false, "organization");
        const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
        const resources: RecordedResource[] = [];
        lastRecorded = resources;
        const outputsByUrn = new Map<string, Record<string, unknown>>();
        // The mock engine has no log service: record warnings as the CLI would show them.
        const warnings: string[] = [];
        (pulumi.log as { warn: (msg: string) => Promise<void> }).warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
            const provider = req.getProvider();
            resources.push({
                urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent(),
                // A provider reference is "<urn>::<id>".
                provider: provider ? provider.slice(0, provider.lastIndexOf("::")) : "",
                custom: req.getCustom(),
                dependencies: [...new Set(req.getDependenciesList())].sort(),
                inputs: fromWire((req.getObject() as { toJavaScript(): unknown }).toJavaScript()) as Record<string, unknown>,
                options: {
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    protect: req.getProtect() ?? false,
                    retainOnDelete: req.getRetainondelete() ?? false,
                    ignoreChanges: req.getIgnorechangesList(),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                },
            });
            return register(req, cb);
        };
        const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req, cb) => {
            outputsByUrn.set(req.getUrn(), fromWire(req.getOutputs().toJavaScript()) as Record<string, unknown>);
            return registerOutputs(req, cb);
        };

        let failure: unknown;
        await pulumi.runtime
            .runInPulumiStack(async () => {
                try {
                    // Pulumi calls a program that exports a function, and uses its result as the outputs.
                    const result = program();
                    return (await (typeof result === "function" ? (result as () => unknown)() : result)) as Record<string, unknown> | undefined;
                } catch (e) {
                    failure = e;
                    return undefined;
                }
            })
            .catch((e: unknown) => {
                failure ??= e;
            });
        await waitForRPCs();
        if (failure) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
        const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
        return { resources, outputs: (stack && outputsByUrn.get(stack.urn)) ?? {}, warnings };
    } finally {
        (pulumi.log as { warn: typeof originalWarn }).warn = originalWarn;
        running = false;
    }
}
