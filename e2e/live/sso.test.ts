/**
 * argocd-server, live (run by e2e/sso.sh's sso_scenario after the scenarios): who may log in, and
 * what the API lets each user do, decided by the real argocd-server from the RBAC and the
 * AppProject roles the stack declared.
 *
 *   admin-dev   dev keeps the shared admin: `argocd login` with the stack's adminPassword output
 *               works, and argocd-server found the program's hash (no argocd-initial-admin-secret)
 *   admin-prod  prod with SSO turns it off: `argocd login` as admin is refused ("account admin is
 *               disabled")
 *   sso-login   a real browser (Debian's chromium, driven by playwright-core) opens Argo CD's
 *               /auth/login, fills Dex's login form, and comes back through argocd-server's
 *               /auth/callback with the argocd.token cookie; for the admin and the engineer
 *   sso-rbac    with the engineer's token (ml-engineers → the ML project's ml-engineer role: get,
 *               sync): `argocd app list` shows the ML application and none of KubeRay's, syncing
 *               it succeeds, syncing the RayCluster is PermissionDenied; the admin's token
 *               (ml-platform-admins → role:admin) lists every application and may sync the Ray ones
 *
 * Environment (besides fixture.ts's): E2E_ARGOCD_CLI (the argocd binary), E2E_ARGOCD_SERVER
 * (host:port of argocd-server for the CLI), E2E_ARGOCD_CLI_HOME (the CLI's config directory),
 * E2E_ARGOCD_URL (the URL a browser opens; empty without SSO), E2E_DEX_ISSUER,
 * E2E_SSO_ADMIN_PASSWORD and E2E_SSO_ENGINEER_PASSWORD (the Dex users'), E2E_ADMIN_PASSWORD (dev:
 * the stack's adminPassword output), E2E_SCREENSHOT (where the browser's last page goes).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ARGOCD_NS, Cluster, Results } from "./fixture";

const results = new Results();
const CLI = process.env.E2E_ARGOCD_CLI ?? "";
const SERVER = process.env.E2E_ARGOCD_SERVER ?? "";
const CLI_HOME = process.env.E2E_ARGOCD_CLI_HOME ?? "";
const URL = process.env.E2E_ARGOCD_URL ?? "";
const ISSUER = process.env.E2E_DEX_ISSUER ?? "";
/** The applications the Ray project holds, which the engineer must neither see nor sync. */
const RAY_APPS = ["ray-operator-crds", "ray-operator", "raycluster"];
const ML_APP = "ml-platform";

interface Cli {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** The argocd CLI against argocd-server (its certificate is its own: --insecure), with a token or as the logged-in user. */
function argocd(args: string[], token?: string): Cli {
    const r = spawnSync(CLI, [...args, "--server", SERVER, "--insecure", "--config", join(CLI_HOME, "config"), ...(token ? ["--auth-token", token] : [])], {
        encoding: "utf8",
        env: { ...process.env, ARGOCD_BINARY_NAME: "argocd", HOME: CLI_HOME },
        timeout: 180_000,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const line = (r: Cli) => (r.stderr || r.stdout).trim().split("\n").pop() ?? "";
/** `argocd app list -o name`'s applications, without the namespace the CLI may prefix them with. */
const appNames = (r: Cli) =>
    r.stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((n) => n.replace(`${ARGOCD_NS}/`, ""))
        .sort();

/** A test that records its part of the summary line: what `body` returns, or why it failed. */
function scenario(name: string, title: string, body: () => Promise<string> | string): void {
    it(title, async function () {
        try {
            results.scenario(name, await body(), true);
        } catch (e) {
            results.scenario(name, (e as Error).message.split("\n")[0], false);
            throw e;
        }
    });
}

/** The session token argocd-server set after the login (argocd.token, in chunks when long). */
function joinToken(cookies: { name: string; value: string }[]): string {
    const byName = new Map(cookies.map((c) => [c.name, c.value]));
    const first = byName.get("argocd.token");
    if (first === undefined) throw new Error(`no argocd.token cookie after the login (cookies: ${[...byName.keys()].join(", ") || "none"})`);
    const m = /^(\d+):(.*)$/.exec(first);
    if (!m) return first;
    let token = m[2];
    for (let i = 1; i < Number(m[1]); i++) token += byName.get(`argocd.token-${i}`) ?? "";
    return token;
}

/**
 * The admin's applications page, as a screenshot (E2E_SCREENSHOT): with the UI embedded
 * (bin/argocd-ui), once every platform application's tile shows Synced and Healthy; without it,
 * the error argocd-server answers, said in a note.
 */
async function applicationsPage(page: Page): Promise<void> {
    await page.goto(`${URL}/applications`);
    const shot = process.env.E2E_SCREENSHOT ?? "applications.png";
    if ((await page.content()).includes("dist/app/index.html: file does not exist")) {
        await page.screenshot({ path: shot });
        results.note("ui: argocd-server serves no UI (its binary embeds none; build the argocd-ui toolchain piece)");
        return;
    }
    for (const app of [ML_APP, ...RAY_APPS]) await page.getByText(app, { exact: true }).first().waitFor({ timeout: 60_000 });
    // Every tile's status, in the page (a string: this file is compiled without the DOM's types).
    const synced = "(document.body.innerText.match(/\\bHealthy\\b/g) || []).length >= 4 && (document.body.innerText.match(/\\bSynced\\b/g) || []).length >= 4";
    await page.waitForFunction(synced, undefined, { timeout: 60_000 });
    await page.screenshot({ path: shot, fullPage: true });
    results.note(`ui: the applications page shows ${[ML_APP, ...RAY_APPS].join(", ")} Synced and Healthy (screenshot ${shot})`);
}

describe("argocd-server: logins and what the API lets each user do", () => {
    if (!URL) {
        scenario("admin-dev", "dev: the admin logs in with the stack's adminPassword, and argocd-server wrote no initial password", () => {
            const password = process.env.E2E_ADMIN_PASSWORD ?? "";
            assert.ok(password, "E2E_ADMIN_PASSWORD: the stack has no adminPassword output");
            const login = argocd(["login", SERVER, "--username", "admin", "--password", password]);
            assert.equal(login.status, 0, `argocd login as admin: ${line(login)}`);
            const list = argocd(["app", "list", "-o", "name"]);
            assert.equal(list.status, 0, line(list));
            const apps = appNames(list);
            for (const app of [ML_APP, ...RAY_APPS]) assert.ok(apps.includes(app), `admin sees ${app}: ${apps.join(" ")}`);
            // Cluster.get: undefined only when the API server says NotFound (any other error throws)
            const initial = new Cluster().get("secret", "argocd-initial-admin-secret", ARGOCD_NS);
            assert.equal(initial, undefined, "argocd-initial-admin-secret exists: argocd-server found no admin hash when it started");
            return `admin login (dev): ${apps.length} apps`;
        });
        return;
    }

    let browser: Browser;
    const tokens: Record<string, string> = {};
    before(async () => {
        browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
    });
    after(async () => {
        await browser?.close();
    });

    scenario("sso-login", "a real browser logs in through Dex's form and argocd-server's /auth/callback, as the admin and as the engineer", async () => {
        for (const [who, email, password] of [
            ["admin", "admin@e2e.test", process.env.E2E_SSO_ADMIN_PASSWORD ?? ""],
            ["engineer", "engineer@e2e.test", process.env.E2E_SSO_ENGINEER_PASSWORD ?? ""],
        ] as const) {
            const context = await browser.newContext({ ignoreHTTPSErrors: true });
            const page = await context.newPage();
            const visited: string[] = [];
            page.on("request", (r) => {
                if (r.isNavigationRequest()) visited.push(r.url().split("?")[0]);
            });
            await page.goto(`${URL}/auth/login?return_url=${encodeURIComponent(`${URL}/applications`)}`);
            await page.waitForSelector("input[name=login]", { timeout: 30_000 });
            assert.ok(page.url().startsWith(`${ISSUER}/`), `${who}: the login form is Dex's (${page.url()})`);
            await page.fill("input[name=login]", email);
            await page.fill("input[name=password]", password);
            await Promise.all([page.waitForURL((u) => u.href.startsWith(`${URL}/applications`), { timeout: 60_000 }), page.click("button[type=submit]")]);
            assert.ok(visited.includes(`${URL}/auth/callback`), `${who}: came back through ${URL}/auth/callback (${visited.join(" → ")})`);
            tokens[who] = joinToken(await context.cookies(URL));
            if (who === "admin") await applicationsPage(page);
            await context.close();
        }
        // The tokens are argocd-server's own sessions for the Dex users, with their groups.
        for (const [who, group] of [
            ["admin", "ml-platform-admins"],
            ["engineer", "ml-engineers"],
        ] as const) {
            const info = argocd(["account", "get-user-info", "-o", "json"], tokens[who]);
            assert.equal(info.status, 0, `${who}: ${line(info)}`);
            const user = JSON.parse(info.stdout) as { loggedIn: boolean; groups?: string[]; iss?: string };
            assert.equal(user.loggedIn, true, who);
            assert.deepEqual(user.groups, [group], `${who}'s groups`);
        }
        return "SSO login (browser)";
    });

    scenario("sso-rbac", "the engineer lists and syncs the ML application only; the RayCluster is PermissionDenied; the admin may sync it", () => {
        assert.ok(tokens.engineer && tokens.admin, "no tokens: the browser login failed");
        const list = argocd(["app", "list", "-o", "name"], tokens.engineer);
        assert.equal(list.status, 0, line(list));
        const seen = appNames(list);
        assert.ok(seen.includes(ML_APP), `the engineer sees ${ML_APP}: ${seen.join(" ")}`);
        for (const app of RAY_APPS) assert.ok(!seen.includes(app), `the engineer must not see ${app}: ${seen.join(" ")}`);
        const sync = argocd(["app", "sync", ML_APP, "--timeout", "120"], tokens.engineer);
        assert.equal(sync.status, 0, `the engineer's sync of ${ML_APP}: ${line(sync)}`);
        const denied = argocd(["app", "sync", "raycluster", "--timeout", "60"], tokens.engineer);
        assert.notEqual(denied.status, 0, "the engineer synced the RayCluster");
        assert.match(denied.stderr, /PermissionDenied/, line(denied));
        const all = argocd(["app", "list", "-o", "name"], tokens.admin);
        assert.equal(all.status, 0, line(all));
        const every = appNames(all);
        for (const app of [ML_APP, ...RAY_APPS]) assert.ok(every.includes(app), `the admin sees ${app}: ${every.join(" ")}`);
        const ray = argocd(["app", "get", "raycluster", "-o", "json"], tokens.admin);
        assert.equal(ray.status, 0, line(ray));
        const project = (JSON.parse(ray.stdout) as { spec: { project: string } }).spec.project;
        const can = argocd(["account", "can-i", "sync", "applications", `${project}/raycluster`], tokens.admin);
        assert.equal(can.stdout.trim(), "yes", `the admin may sync ${project}/raycluster: ${line(can)}`);
        results.note(`sso-rbac: the engineer sees ${seen.join(", ")} (${seen.length} of the admin's ${every.length}); the RayCluster sync: ${line(denied)}`);
        return "RBAC enforced (engineer: sync ML ok, Ray denied)";
    });

    scenario("admin-prod", "prod: the shared admin login is refused: Argo CD has the admin account disabled", () => {
        const login = argocd(["login", SERVER, "--username", "admin", "--password", "any-password"]);
        assert.notEqual(login.status, 0, "argocd login as admin succeeded in prod");
        assert.match(login.stderr, /Invalid username or password/, line(login));
        // Why (argocd-server answers a disabled account as it answers a wrong password): the admin
        // account, as the SSO admin reads it, is disabled.
        assert.ok(tokens.admin, "no token of the SSO admin: the browser login failed");
        const account = argocd(["account", "get", "--account", "admin", "-o", "json"], tokens.admin);
        assert.equal(account.status, 0, line(account));
        // The API leaves a false `enabled` out of its JSON (as it does every zero value).
        const a = JSON.parse(account.stdout) as { name: string; enabled?: boolean };
        assert.deepEqual([a.name, a.enabled ?? false], ["admin", false], `the admin account: ${account.stdout.trim()}`);
        return "admin login refused (prod)";
    });
});
