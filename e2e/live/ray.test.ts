/**
 * The Ray scenario: what ML teams ship on the platform, a RayJob and a RayService from the ML
 * platform's own repository, synced by the real Argo CD, run by the real KubeRay operator on a real
 * Ray (e2e/ray_heads.py starts a Ray head for each head pod on the loopback node). Run by run.sh
 * after the scenarios, on the stacks ML_GITOPS_E2E_RAY names; see fixture.ts for the environment,
 * and besides it:
 *
 *   E2E_ML_REPO_SRC   the work tree of the ML platform repository (git-src-ml-platform-config)
 *   E2E_ML_REPO_BARE  the repository the loopback server serves (Argo CD's repoURL)
 *   E2E_RAY_FILES     e2e/ray: the manifests and Python files committed to it, stage by stage
 *   E2E_RAY_DIR       where ray_heads.py keeps each head's Ray temp folder (its driver logs)
 *   E2E_SLACK_LOG     what the Slack stand-in received, a JSON object a line
 *   E2E_ARGOCD_SERVER argocd-server's address (host:port), E2E_ADMIN_PASSWORD the stack's admin
 *                     password: Argo CD 3 keeps each resource's health in its cache, not in the
 *                     Application, so it is read where the UI reads it, the resource tree of the API
 *
 * Each stage is a commit to that repository's main, which the ml-platform Application tracks:
 *   1. two RayJobs (HTTPMode), each on a RayCluster of its own, side by side: one whose entrypoint
 *      sums squares in Ray tasks runs on Ray and SUCCEEDS, the RayJob is Complete, and Argo CD's
 *      health for it (our Lua) goes Progressing → Healthy; one whose task raises ends Failed,
 *      the Application Degraded, on-health-degraded to Slack;
 *   2. the failed job removed, a RayService serving serve_app.py: Ready, Healthy, and a request
 *      through the Serve proxy gets the application's answer;
 *   3. all removed: the Application Synced and Healthy again, every RayCluster gone.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { get } from "node:http";
import { request } from "node:https";
import { join } from "node:path";
import { ARGOCD_NS, Cluster, Results } from "./fixture";

const cluster = new Cluster();
const results = new Results();
const APP = "ml-platform";
const env = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: the Ray scenario runs from e2e/run.sh`);
    return v;
};
const SRC = env("E2E_ML_REPO_SRC");
const BARE = env("E2E_ML_REPO_BARE");
const FILES = env("E2E_RAY_FILES");
const RAY_DIR = env("E2E_RAY_DIR");
const SLACK_LOG = env("E2E_SLACK_LOG");
const ARGOCD_SERVER = env("E2E_ARGOCD_SERVER");
const ADMIN_PASSWORD = env("E2E_ADMIN_PASSWORD");
/** The sum of the squares of 1..100 (sum_of_squares.py 100), and of 1..10 (the Serve request). */
const RESULT = 338350;
const SERVED = { n: 10, sum_of_squares: 385 };
/** Where each stage waits for Ray: a head's start (about 10 s) and the operator's polls, on 2 busy cores. */
const RAY_WAIT_S = 300;

interface AppStatus {
    spec: { destination: { namespace: string }; source: { path: string } };
    status?: {
        sync?: { status?: string; revision?: string };
        health?: { status?: string };
    };
}
interface RayJob {
    status?: { jobDeploymentStatus?: string; jobStatus?: string; reason?: string; message?: string; jobId?: string; rayClusterName?: string };
}
interface RayService {
    status?: {
        conditions?: { type: string; status: string; reason?: string }[];
        activeServiceStatus?: { rayClusterName?: string };
        numServeEndpoints?: number;
    };
}

const app = () => cluster.get<AppStatus>("application", APP, ARGOCD_NS) as AppStatus;
const ns = app().spec.destination.namespace;
const templates = join(SRC, app().spec.source.path, "templates");

/** One call to argocd-server's API (its own self-signed certificate, as `argocd --insecure` would accept). */
function api(method: string, path: string, token?: string, body?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
            `https://${ARGOCD_SERVER}${path}`,
            {
                method,
                rejectUnauthorized: false,
                timeout: 10000,
                headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(data ? { "Content-Type": "application/json" } : {}) },
            },
            (res) => {
                let text = "";
                res.on("data", (c: Buffer) => (text += c.toString()));
                res.on("end", () =>
                    res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`)),
                );
            },
        );
        req.on("error", reject);
        req.end(data);
    });
}
let token: string | undefined;
/** The health Argo CD gives a resource of the ml-platform Application (our Lua, for the Ray kinds), from its resource tree. */
async function resourceHealth(kind: string, name: string): Promise<{ status?: string; message?: string } | undefined> {
    token ??= ((await api("POST", "/api/v1/session", undefined, { username: "admin", password: ADMIN_PASSWORD })) as { token: string }).token;
    const tree = (await api("GET", `/api/v1/applications/${APP}/resource-tree?appNamespace=${ARGOCD_NS}`, token)) as {
        nodes?: { kind: string; name: string; health?: { status?: string; message?: string } }[];
    };
    return tree.nodes?.find((n) => n.kind === kind && n.name === name)?.health;
}
const git = (...args: string[]) =>
    execFileSync("git", ["-C", SRC, "-c", "user.name=ml-team", "-c", "user.email=ml-team@e2e.test", ...args], { encoding: "utf8" }).trim();
const seconds = (t0: number) => Math.round((Date.now() - t0) / 1000);

/**
 * A commit to main of the ML platform repository, pushed to the served one; Argo CD told to look (a
 * webhook would). Waits until Argo CD compares the Application at it; whether it is then Synced is
 * each stage's to wait for: a sync waits for the health of what it applied before it prunes.
 */
async function commit(message: string, change: () => void): Promise<string> {
    change();
    git("add", "-A");
    git("commit", "-qm", message);
    git("push", "-q", BARE, "main");
    const sha = git("rev-parse", "HEAD");
    cluster.run(["-n", ARGOCD_NS, "annotate", "application", APP, "argocd.argoproj.io/refresh=normal", "--overwrite"]);
    const seen = await cluster.until(120, () => app().status?.sync?.revision === sha);
    assert.ok(seen, `${APP} was not compared at ${sha.slice(0, 8)} (${message}) in 120 s: ${JSON.stringify(app().status?.sync)}`);
    return sha;
}
const add = (file: string, to: string) => copyFileSync(join(FILES, file), join(to, file));
const remove = (file: string) => rmSync(join(templates, file));

/** The driver log of a Ray job, as the head that ran it wrote it (where `kubectl logs` would read a real head's). */
function driverLog(jobId: string): string {
    for (const head of readdirSync(RAY_DIR).filter((d) => /^r\d+$/.test(d))) {
        const session = join(RAY_DIR, head, "session_latest", "logs", `job-driver-${jobId}.log`);
        if (existsSync(session)) return readFileSync(session, "utf8");
    }
    throw new Error(`no driver log of Ray job ${jobId} under ${RAY_DIR}`);
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        get(url, { timeout: 10000 }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

/** Polls until the RayJob's deployment status is terminal, recording every health Argo CD gave it meanwhile. */
async function runJob(name: string, t0: number): Promise<{ job: RayJob; healths: string[]; secs: number }> {
    const healths: string[] = [];
    let job: RayJob | undefined;
    const done = await cluster.until(RAY_WAIT_S, async () => {
        const h = (await resourceHealth("RayJob", name))?.status;
        if (h && healths[healths.length - 1] !== h) healths.push(h);
        job = cluster.get<RayJob>("rayjob", name, ns);
        return ["Complete", "Failed"].includes(job?.status?.jobDeploymentStatus ?? "");
    });
    assert.ok(done, `RayJob ${ns}/${name} not finished in ${RAY_WAIT_S} s: ${JSON.stringify(job?.status)}`);
    const secs = seconds(t0);
    // Argo CD's health follows the status the operator wrote (its informer, then our Lua)
    const want = job?.status?.jobDeploymentStatus === "Complete" ? "Healthy" : "Degraded";
    await cluster.until(60, async () => {
        const h = (await resourceHealth("RayJob", name))?.status;
        if (h && healths[healths.length - 1] !== h) healths.push(h);
        return h === want;
    });
    return { job: job as RayJob, healths, secs };
}

const slackCalls = () => (existsSync(SLACK_LOG) ? readFileSync(SLACK_LOG, "utf8").split("\n").filter(Boolean) : []);

describe(`the Ray scenario (stack ${process.env.E2E_STACK})`, function () {
    let committed = 0;
    let slackBefore = 0;
    before("two RayJobs in one commit: a batch job, and a training job that fails", async () => {
        slackBefore = slackCalls().length;
        committed = Date.now();
        await commit("two batch jobs: sum of squares on Ray, and a training job that fails", () => {
            for (const f of ["sum_of_squares.py", "train_fails.py", "serve_app.py"]) add(f, SRC);
            add("rayjob-sum-of-squares.yaml", templates);
            add("rayjob-train-fails.yaml", templates);
        });
    });

    it("a RayJob runs its Python on Ray and SUCCEEDS; Argo CD's health for it goes Progressing → Healthy", async () => {
        try {
            const { job, healths, secs } = await runJob("sum-of-squares", committed);
            assert.equal(job.status?.jobDeploymentStatus, "Complete", JSON.stringify(job.status));
            assert.equal(job.status?.jobStatus, "SUCCEEDED", JSON.stringify(job.status));
            const out = driverLog(job.status?.jobId ?? "");
            const m = /sum of squares 1\.\.100 = (\d+)/.exec(out);
            assert.ok(m, `the job's output lacks its result line: ${out.slice(-400)}`);
            assert.equal(Number(m[1]), RESULT);
            assert.deepEqual(
                [healths.indexOf("Progressing") >= 0, healths[healths.length - 1]],
                [true, "Healthy"],
                `Argo CD's health of the RayJob: ${healths.join(" → ")}`,
            );
            results.note(
                `ray: RayJob sum-of-squares: ${job.status?.jobDeploymentStatus}/${job.status?.jobStatus} ${secs} s after the commit; Argo CD: ${healths.join(" → ")}; Ray printed "${m[0]}"`,
            );
            results.scenario("ray-job", `RayJob ran on Ray (result ${m[1]}, ${secs} s)`, true);
        } catch (e) {
            results.scenario("ray-job", `RayJob: ${(e as Error).message.split("\n")[0]}`, false);
            throw e;
        }
    });

    it("a RayJob whose task raises ends Failed: its Application Degraded, on-health-degraded sent to Slack", async () => {
        try {
            const { job, healths } = await runJob("train-fails", committed);
            assert.deepEqual(
                [job.status?.jobDeploymentStatus, job.status?.jobStatus, job.status?.reason],
                ["Failed", "FAILED", "AppFailed"],
                JSON.stringify(job.status),
            );
            assert.equal(healths[healths.length - 1], "Degraded", `Argo CD's health of the RayJob: ${healths.join(" → ")}`);
            const degraded = await cluster.until(60, () => app().status?.health?.status === "Degraded");
            assert.ok(degraded, `${APP} is ${app().status?.health?.status}, not Degraded`);
            const message = (await resourceHealth("RayJob", "train-fails"))?.message ?? "";
            let sent: { fields: { channel: string; text: string } } | undefined;
            await cluster.until(60, () => {
                sent = slackCalls()
                    .slice(slackBefore)
                    .map((l) => JSON.parse(l) as { method: string; fields: { channel: string; text: string } })
                    .find((c) => c.method === "chat.postMessage" && c.fields.text.startsWith(`:broken_heart: Application ${APP} is Degraded`));
                return sent !== undefined;
            });
            assert.ok(sent, `the Slack stand-in got no on-health-degraded message for ${APP}`);
            results.note(
                `ray: RayJob train-fails: Failed/AppFailed; Argo CD: ${healths.join(" → ")} ("${message.slice(0, 160)}"); Slack #${sent.fields.channel}: ${sent.fields.text.split("\n")[0]}`,
            );
            results.scenario("ray-failed", "failed job Degraded + notified", true);
        } catch (e) {
            results.scenario("ray-failed", `failed RayJob: ${(e as Error).message.split("\n")[0]}`, false);
            throw e;
        }
    });

    it("a RayService becomes Ready and its Serve proxy answers with the application's result; Argo CD says Healthy", async () => {
        try {
            const t0 = Date.now();
            await commit("online serving: sum of squares behind Ray Serve (the failing job removed)", () => {
                remove("rayjob-train-fails.yaml");
                add("rayservice-sum-of-squares.yaml", templates);
            });
            let svc: RayService | undefined;
            const ready = await cluster.until(RAY_WAIT_S, () => {
                svc = cluster.get<RayService>("rayservice", "sum-of-squares", ns);
                return svc?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
            });
            assert.ok(ready, `RayService ${ns}/sum-of-squares not Ready in ${RAY_WAIT_S} s: ${JSON.stringify(svc?.status?.conditions)}`);
            const rc = svc?.status?.activeServiceStatus?.rayClusterName ?? "";
            const head = JSON.parse(cluster.run(["-n", ns, "get", "pods", "-l", `ray.io/cluster=${rc},ray.io/node-type=head`, "-o", "json"])) as {
                items: { status: { podIP: string } }[];
            };
            const ip = head.items[0]?.status.podIP;
            assert.ok(ip, `no head pod of RayCluster ${rc}`);
            const res = await httpGet(`http://${ip}:8000/?n=10`);
            assert.equal(res.status, 200, res.body);
            assert.deepEqual(JSON.parse(res.body), SERVED);
            const healthy = await cluster.until(
                60,
                async () => (await resourceHealth("RayService", "sum-of-squares"))?.status === "Healthy" && app().status?.health?.status === "Healthy",
            );
            assert.ok(
                healthy,
                `Argo CD: RayService ${JSON.stringify(await resourceHealth("RayService", "sum-of-squares"))}, ${APP} ${app().status?.health?.status}`,
            );
            results.note(
                `ray: RayService sum-of-squares Ready ${seconds(t0)} s after the commit (cluster ${rc}); GET http://${ip}:8000/?n=10 → ${res.body}; Argo CD: Healthy`,
            );
            results.scenario("ray-service", "RayService served", true);
        } catch (e) {
            results.scenario("ray-service", `RayService: ${(e as Error).message.split("\n")[0]}`, false);
            throw e;
        }
    });

    after("both removed: the Application back to Synced and Healthy, no RayCluster left", async () => {
        await commit("the Ray workloads removed", () => {
            for (const f of ["rayjob-sum-of-squares.yaml", "rayjob-train-fails.yaml", "rayservice-sum-of-squares.yaml"])
                rmSync(join(templates, f), { force: true });
        });
        const left = () => cluster.run(["-n", ns, "get", "rayjobs,rayservices,rayclusters", "-o", "name"]).trim();
        const gone = await cluster.until(180, () => {
            const a = app();
            return a.status?.sync?.status === "Synced" && a.status?.health?.status === "Healthy" && left() === "";
        });
        assert.ok(gone, `after removing the Ray workloads: ${APP} ${app().status?.sync?.status}/${app().status?.health?.status}; left ${left()}`);
    });
});
