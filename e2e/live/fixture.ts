/**
 * The fixture of the tests against the live platform (scenarios.test.ts, day2-*.test.ts): what an
 * operator does to a running platform (`pulumi config set`, `pulumi up`) and what the e2e reads
 * back from the live cluster, for tests written as given / when / then, in the manner of Argo CD's
 * own `test/e2e/fixture`. It runs against the cluster and the stack that e2e/run.sh started and
 * deployed, and is told about them by the environment:
 *
 *   E2E_STACK          the stack, already up (run.sh's `e2e`)
 *   E2E_PROJECT        the project directory (the Pulumi program)
 *   E2E_KUBECTL        kubectl; KUBECONFIG names the cluster
 *   E2E_LOGS           where each pulumi step's output goes (one file a step)
 *   E2E_RESULTS        the JSON file the summary line is made from (see `Results`)
 *   E2E_STEP_TIMEOUT   seconds allowed to one pulumi step (default 600)
 *
 * The pulumi CLI and its backend (PULUMI_HOME, PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE) are
 * run.sh's, inherited.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

function env(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: the day-2 tests run from e2e/run.sh, against the cluster it started`);
    return v;
}

export const ARGOCD_NS = "argocd";
/** What one kubectl call may print: a CRD is over a megabyte, spawnSync's default. */
const MAX_BUFFER = 256 * 1024 * 1024;
export const RAY_NS = "ray-system";
/** The RayCluster the e2e stacks declare, until a step renames it. */
export const RAYCLUSTER = "raycluster-kuberay";

/** A worker group as the live RayCluster has it. */
export interface WorkerGroup {
    groupName: string;
    replicas?: number;
    minReplicas?: number;
    maxReplicas?: number;
    template: { spec: { containers: { image: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[] } };
}
export interface RayCluster {
    metadata: { generation: number };
    spec: {
        headGroupSpec: { template: { spec: { containers: { image: string }[] } } };
        workerGroupSpecs: WorkerGroup[];
    };
}
export interface Application {
    spec: { project: string; source: { name?: string; targetRevision?: string } };
    status?: { sync?: { status?: string; comparedTo?: { source?: { name?: string } } }; health?: { status?: string } };
}

/** The live cluster, read and written with kubectl (as the e2e's administrator). */
export class Cluster {
    private readonly kubectl = env("E2E_KUBECTL");
    /** The RayCluster the methods below read and scale. */
    rayClusterName = RAYCLUSTER;

    run(args: string[]): string {
        return execFileSync(this.kubectl, ["--request-timeout=30s", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: MAX_BUFFER });
    }

    /** `kubectl apply` of one object. */
    apply(obj: object): void {
        execFileSync(this.kubectl, ["--request-timeout=30s", "apply", "-f", "-"], {
            input: JSON.stringify(obj),
            encoding: "utf8",
            stdio: ["pipe", "pipe", "pipe"],
        });
    }

    /** `kubectl auth can-i VERB RESOURCE -n NAMESPACE --as USER`: the API server's authorizer's yes or no. */
    canI(user: string, verb: string, resource: string, namespace: string): boolean {
        const r = spawnSync(this.kubectl, ["--request-timeout=30s", "auth", "can-i", verb, resource, "-n", namespace, "--as", user], { encoding: "utf8" });
        if (r.error) throw r.error;
        const answer = r.stdout.trim();
        if (answer !== "yes" && answer !== "no") throw new Error(`kubectl auth can-i ${verb} ${resource} --as ${user}: ${r.stderr.trim() || answer}`);
        return answer === "yes";
    }

    /** A server-side dry run of creating `obj`: undefined when the API server admits it, else what it says. */
    refusal(obj: object): string | undefined {
        const r = spawnSync(this.kubectl, ["--request-timeout=30s", "create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(obj), encoding: "utf8" });
        if (r.error) throw r.error;
        return r.status === 0 ? undefined : r.stderr.trim();
    }

    /** The object, or undefined when the API server says NotFound. */
    get<T>(kind: string, name: string, namespace?: string): T | undefined {
        const r = spawnSync(this.kubectl, ["--request-timeout=30s", "get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json"], {
            encoding: "utf8",
            maxBuffer: MAX_BUFFER,
        });
        if (r.error) throw r.error;
        if (r.status === 0) return JSON.parse(r.stdout) as T;
        if (/NotFound/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${kind} ${name}: ${r.stderr.trim()}`);
    }

    rayCluster(): RayCluster {
        const rc = this.get<RayCluster>("raycluster", this.rayClusterName, RAY_NS);
        if (!rc) throw new Error(`no RayCluster ${RAY_NS}/${this.rayClusterName}`);
        return rc;
    }

    /** The live worker group of that name, or undefined. */
    group(name: string): WorkerGroup | undefined {
        return this.rayCluster().spec.workerGroupSpecs.find((g) => g.groupName === name);
    }

    groupNames(): string[] {
        return this.rayCluster().spec.workerGroupSpecs.map((g) => g.groupName);
    }

    app(name: string): Application {
        const a = this.get<Application>("application", name, ARGOCD_NS);
        if (!a) throw new Error(`no Application ${ARGOCD_NS}/${name}`);
        return a;
    }

    /** What the Ray autoscaler writes: a JSON patch of one group's replicas, under its own field manager, the group found by name. */
    autoscale(group: string, replicas: number): void {
        const i = this.groupNames().indexOf(group);
        if (i < 0) throw new Error(`no worker group ${group} to scale`);
        const patch = [
            { op: "test", path: `/spec/workerGroupSpecs/${i}/groupName`, value: group },
            { op: "replace", path: `/spec/workerGroupSpecs/${i}/replicas`, value: replicas },
        ];
        this.run(["-n", RAY_NS, "patch", "raycluster", this.rayClusterName, "--type=json", "--field-manager=ray-autoscaler", "-p", JSON.stringify(patch)]);
    }

    /** Names of the live pods of one worker group, or of the head with `headgroup` (not being deleted). */
    pods(group: string): string[] {
        return this.podIds(group).map((p) => p.split(" ")[0]);
    }

    /** `<name> <uid>` of each live pod of one group (not being deleted), sorted. */
    podIds(group: string): string[] {
        const list = JSON.parse(this.run(["-n", RAY_NS, "get", "pods", "-l", `ray.io/cluster=${this.rayClusterName},ray.io/group=${group}`, "-o", "json"])) as {
            items: { metadata: { name: string; uid: string; deletionTimestamp?: string } }[];
        };
        return list.items
            .filter((p) => !p.metadata.deletionTimestamp)
            .map((p) => `${p.metadata.name} ${p.metadata.uid}`)
            .sort();
    }

    /** The UID of an object, or undefined when it does not exist. */
    uid(kind: string, name: string, namespace?: string): string | undefined {
        return this.get<{ metadata: { uid: string } }>(kind, name, namespace)?.metadata.uid;
    }

    /** Names of the CRDs of one API group, sorted. */
    crdNames(group: string): string[] {
        return this.run(["get", "crd", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.spec.group}{"\\n"}{end}'])
            .split("\n")
            .map((l) => l.split(" "))
            .filter(([name, g]) => name && g === group)
            .map(([name]) => name)
            .sort();
    }

    /** Names of the Applications in Argo CD's namespace, sorted. */
    appNames(): string[] {
        const list = JSON.parse(this.run(["-n", ARGOCD_NS, "get", "applications", "-o", "json"])) as { items: { metadata: { name: string } }[] };
        return list.items.map((a) => a.metadata.name).sort();
    }

    /** Polls `check` (sync or async) every half second until it returns true, for at most `seconds`; false if it never did. */
    async until(seconds: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
        const end = Date.now() + seconds * 1000;
        for (;;) {
            if (await check()) return true;
            if (Date.now() >= end) return false;
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

/** What one `pulumi up` did. */
export interface UpResult {
    seconds: number;
    log: string;
    /** What the CLI printed, stdout then stderr. */
    output: string;
}

/** The operator's side: the stack's config and `pulumi up`, as a person runs them. */
export class Operator {
    private readonly logs = env("E2E_LOGS");
    private readonly timeout = Number(process.env.E2E_STEP_TIMEOUT ?? "600");
    private steps = 0;

    /**
     * The stack `stack` of the Pulumi project in `project` (default: the run's stack and project);
     * each step's output goes to `<logs>/<stack>-<prefix>-NN-<step>.log`.
     */
    constructor(
        readonly stack = env("E2E_STACK"),
        private readonly project = env("E2E_PROJECT"),
        private readonly prefix = "day2",
        private readonly extraEnv: Record<string, string> = {},
    ) {}

    /** `pulumi <args> --stack <stack>`: what it printed; throws when it fails, unless `expectFailure` (then it throws when it succeeds). */
    pulumi(name: string, args: string[], expectFailure = false): UpResult {
        this.steps += 1;
        const log = join(this.logs, `${this.stack}-${this.prefix}-${String(this.steps).padStart(2, "0")}-${name}.log`);
        const t0 = Date.now();
        const r = spawnSync("pulumi", [...args, "--stack", this.stack, "--non-interactive", "--color", "never"], {
            cwd: this.project,
            env: { ...process.env, ...this.extraEnv },
            encoding: "utf8",
            maxBuffer: MAX_BUFFER,
            timeout: this.timeout * 1000,
            killSignal: "SIGINT",
        });
        const seconds = Math.round((Date.now() - t0) / 100) / 10;
        const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
        writeFileSync(log, `$ pulumi ${args.join(" ")}\n${output}`);
        if (expectFailure) {
            if (r.status === 0) throw new Error(`pulumi ${args[0]} succeeded (${log}); it should have been refused`);
            return { seconds, log, output };
        }
        if (r.status !== 0) {
            const errors = `${r.stdout}\n${r.stderr}`
                .split("\n")
                .filter((l) => /error|Error|failed/.test(l))
                .slice(0, 8)
                .join(" | ");
            throw new Error(`pulumi ${args[0]} exited ${r.status ?? r.signal} in ${seconds} s (${log}): ${errors}`);
        }
        return { seconds, log, output };
    }

    /** `pulumi config set --path ml-gitops:<path> <value>`; a number or boolean is stored as one, unless `type` says `string`. */
    set(path: string, value: string, type?: "string"): void {
        this.pulumi("config-set", ["config", "set", "--path", ...(type ? ["--type", type] : []), `ml-gitops:${path}`, value]);
    }

    /** `pulumi config rm --path ml-gitops:<path>`. */
    rm(path: string): void {
        this.pulumi("config-rm", ["config", "rm", "--path", `ml-gitops:${path}`]);
    }

    up(): UpResult {
        return this.pulumi("up", ["up", "--yes", "--skip-preview"]);
    }

    /** `pulumi preview --expect-no-changes`: throws when the preview shows any. */
    previewNoChanges(): UpResult {
        return this.pulumi("preview", ["preview", "--expect-no-changes", "--diff"]);
    }

    /** `pulumi preview --diff`, expected to fail: what it printed. */
    previewRefused(): UpResult {
        return this.pulumi("preview-refused", ["preview", "--diff"], true);
    }

    /** `pulumi up`, expected to fail: what it printed. */
    upRefused(): UpResult {
        return this.pulumi("up-refused", ["up", "--yes", "--skip-preview"], true);
    }

    /** `pulumi preview --diff`: what it printed (warnings included). */
    preview(): UpResult {
        return this.pulumi("preview", ["preview", "--diff"]);
    }
}

/** The change guard's hint, the end of each of its lines (components/guard.ts), as the tests expect it. */
export const GUARD_HINT = 'see docs/operations.md, "Renames and removals"; to go ahead, set ml-gitops:sync.allowDeletes true for this up, then remove it';

/** Then: the Application's status is of the spec `up` just wrote (its marker in comparedTo), Synced and Healthy. */
export function thenComparedNow(cluster: Cluster, app: string): void {
    const a = cluster.app(app);
    if (a.status?.sync?.comparedTo?.source?.name !== a.spec.source.name) throw new Error(`${app}: the status is of the previous spec`);
    const state = [a.status?.sync?.status, a.status?.health?.status].join("/");
    if (state !== "Synced/Healthy") throw new Error(`${app}: ${state}, not Synced/Healthy`);
}

/** Then: what a pulumi step printed includes this line (the step's log named when it does not). */
export function thenPrinted(step: UpResult, line: string): void {
    if (!step.output.includes(line)) throw new Error(`${step.log} lacks: ${line}`);
}

/** What the tests measured, for run.sh's summary line and log (e2e/scenarios.sh, live_tests). */
export class Results {
    private readonly file = env("E2E_RESULTS");
    private readonly changes: { what: string; seconds: number }[] = [];
    private readonly notes: string[] = [];
    private readonly summary: string[] = [];
    private readonly scenarios: Record<string, { text: string; ok: boolean }> = {};

    change(what: string, seconds: number): void {
        this.changes.push({ what, seconds });
        this.save();
    }

    note(line: string): void {
        this.notes.push(line);
        this.save();
    }

    /** A scenario's part of the summary line, or why it failed. */
    scenario(name: string, text: string, ok: boolean): void {
        this.scenarios[name] = { text, ok };
        this.save();
    }

    /** A part of the summary line, after the changes. */
    said(part: string): void {
        this.summary.push(part);
        this.save();
    }

    private save(): void {
        const slowest = this.changes.reduce((m, c) => (c.seconds > m.seconds ? c : m), { what: "", seconds: 0 });
        writeFileSync(
            this.file,
            JSON.stringify({ changes: this.changes, notes: this.notes, scenarios: this.scenarios, slowest, summary: this.summary }, null, 2) + "\n",
        );
    }
}
