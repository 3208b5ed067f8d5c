/**
 * The cache of charts and tools that `npm test` fills first (tests/setup.ts, mocha's global setup):
 * what it reports missing, the offline copy it fills from (ML_GITOPS_CHARTS_DIR), and the one line
 * a run ends with when it cannot fill it. No test here needs the network.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, cacheMissing, chartList, helmBinary } from "../commands/cache";
import { ROOT } from "../commands/cli";
import { fetchCharts, ProvisionError } from "../tools/charts";

/** Runs `fn` with these environment variables (undefined: unset), then puts them back. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    const set = (v: Record<string, string | undefined>) => {
        for (const [k, x] of Object.entries(v)) {
            if (x === undefined) delete process.env[k];
            else process.env[k] = x;
        }
    };
    set(vars);
    try {
        return fn();
    } finally {
        set(saved);
    }
}

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
    return new Promise((done, fail) => {
        const server = createServer();
        server.on("error", fail);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => done(typeof address === "object" && address ? address.port : 0));
        });
    });
}

/** Mocha, as `npm test` runs it, with only the global setup and one trivial spec, in `env`. */
function mochaWithSetup(dir: string, env: Record<string, string>) {
    const spec = join(dir, "trivial.test.js");
    writeFileSync(spec, 'it("runs", () => {});\n');
    return spawnSync(
        process.execPath,
        [
            join(ROOT, "node_modules", "mocha", "bin", "mocha.js"),
            "--no-config",
            "--require",
            "esbuild-register",
            "--require",
            "tests/setup.ts",
            "--reporter",
            "dot",
            spec,
        ],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } },
    );
}

describe("the chart and tool cache that npm test fills first", function () {
    this.timeout(60_000);

    it("is filled by mocha's global setup, which .mocharc.json registers", () => {
        const config = JSON.parse(readFileSync(join(ROOT, ".mocharc.json"), "utf8")) as { require: string[] };
        assert.deepEqual(config.require, ["esbuild-register", "tests/fast-stacks.ts", "tests/setup.ts"]);
    });

    it("lists what it lacks: helm unless $HELM or PATH has one, gojq, argocd-rbac, Node.js 22 and 24, each chart", () => {
        const empty = mkdtempSync(join(tmpdir(), "ml-gitops-cache-"));
        try {
            const charts = [{ name: "argo-cd", version: "10.1.1", repo: "https://argoproj.github.io/argo-helm" }];
            withEnv({ ML_GITOPS_CACHE: empty, HELM: undefined, PATH: "" }, () => {
                assert.deepEqual(cacheMissing(charts), [
                    "helm v4.1.4",
                    "gojq v0.12.17",
                    "argocd-rbac (tools/argocd-rbac)",
                    "Node.js 22.23.3",
                    "Node.js 24.21.0",
                    "argo-cd-10.1.1.tgz",
                ]);
            });
            withEnv({ ML_GITOPS_CACHE: empty, HELM: "/opt/helm" }, () => {
                assert.deepEqual(cacheMissing(charts), [
                    "gojq v0.12.17",
                    "argocd-rbac (tools/argocd-rbac)",
                    "Node.js 22.23.3",
                    "Node.js 24.21.0",
                    "argo-cd-10.1.1.tgz",
                ]);
                mkdirSync(join(empty, "charts"));
                writeFileSync(join(empty, "charts", "argo-cd-10.1.1.tgz"), "");
                assert.deepEqual(cacheMissing(charts), ["gojq v0.12.17", "argocd-rbac (tools/argocd-rbac)", "Node.js 22.23.3", "Node.js 24.21.0"]);
            });
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it("fails in one line naming the chart repository it cannot reach and the variable for an offline copy", async () => {
        const helm = helmBinary(); // from the cache the test run filled
        const empty = mkdtempSync(join(tmpdir(), "ml-gitops-cache-"));
        try {
            const repo = `http://127.0.0.1:${await closedPort()}`;
            withEnv({ ML_GITOPS_CACHE: empty, HELM: helm }, () => {
                assert.throws(
                    () => fetchCharts(undefined, [{ name: "argo-cd", version: "10.1.1", repo }]),
                    (e: Error) => {
                        assert.ok(e instanceof ProvisionError, e.stack);
                        assert.equal(
                            e.message,
                            `cannot reach the chart repository ${repo} (connection refused) for argo-cd 10.1.1; ` +
                                "to fill the chart cache offline, set ML_GITOPS_CHARTS_DIR to a directory of packaged charts (argo-cd-10.1.1.tgz and the others)",
                        );
                        return true;
                    },
                );
            });
            assert.deepEqual(readdirSync(join(empty, "charts")), [], "nothing half-written is left in the cache");
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it("fills an empty cache's charts from ML_GITOPS_CHARTS_DIR before the tests run, then adds nothing", () => {
        const full = cacheDir(); // the cache this run filled
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-cache-"));
        try {
            const cache = join(dir, "cache");
            mkdirSync(cache);
            symlinkSync(join(full, "tools"), join(cache, "tools"), "dir");
            const env = { ML_GITOPS_CACHE: cache, ML_GITOPS_CHARTS_DIR: join(full, "charts") };
            const files = chartList().map((c) => `${c.name}-${c.version}.tgz`);

            const first = mochaWithSetup(dir, env);
            assert.equal(first.status, 0, first.stderr);
            assert.equal(first.stdout.split("\n")[0], `test setup: filling the cache ${cache} (it lacks ${files.join(", ")})`);
            assert.match(first.stdout, /1 passing/);
            assert.deepEqual(readdirSync(join(cache, "charts")).sort(), [...files].sort());
            for (const f of files) assert.ok(readFileSync(join(cache, "charts", f)).equals(readFileSync(join(full, "charts", f))), f);

            const again = mochaWithSetup(dir, env);
            assert.equal(again.status, 0, again.stderr);
            assert.doesNotMatch(again.stdout, /test setup/, "a complete cache is left alone");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("ends the run with one line, before any test, when the offline copy lacks a chart", () => {
        const full = cacheDir();
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-cache-"));
        try {
            const cache = join(dir, "cache");
            const offline = join(dir, "offline");
            mkdirSync(cache);
            mkdirSync(offline);
            symlinkSync(join(full, "tools"), join(cache, "tools"), "dir");
            const r = mochaWithSetup(dir, { ML_GITOPS_CACHE: cache, ML_GITOPS_CHARTS_DIR: offline });
            assert.equal(r.status, 1);
            assert.equal(r.stderr, `test setup: the packaged charts in ${offline} (ML_GITOPS_CHARTS_DIR or --from) have no argo-cd-10.1.1.tgz\n`);
            assert.doesNotMatch(r.stdout, /passing/, "no test ran");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
