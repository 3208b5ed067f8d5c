import * as assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeBinary, OTHER_NODE_VERSIONS } from "../tools/charts";

// The package as a platform team gets it: `npm pack`, installed into a fresh Pulumi TypeScript
// project (examples/consumer: the template's tsconfig with strict, a program in TypeScript and in
// JavaScript, and an offline test with ml-gitops/testing), then run the ways a consumer runs it.
const ROOT = join(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; devDependencies: Record<string, string> };

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
    return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
    assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/**
 * The consumer project, kept between runs (`npm ci` starts it afresh): each run packs the package,
 * rewrites everything in the project but `node_modules`, its lockfile and the type check's build
 * info, takes ml-gitops out of both so that npm installs it from this run's tarball, and lets
 * `npm install` bring the rest to the package.json (npm removes, adds or updates what differs). A
 * first run installs everything (about 12 s of CPU), a later one the tarball (about 1 s), and `tsc`
 * checks again only what changed (its incremental build info, by file contents).
 */
const CONSUMER = join(ROOT, "node_modules", ".cache", "ml-gitops", "consumer");
const KEPT = new Set(["node_modules", "package-lock.json", "tsc.tsbuildinfo"]);

describe("the npm package, from a consumer project", function () {
    this.timeout(240_000);
    const dir = CONSUMER;
    let tarball: string;

    before(() => {
        const app = join(dir, "app");
        mkdirSync(app, { recursive: true });
        for (const f of readdirSync(dir)) if (f !== "app") rmSync(join(dir, f), { recursive: true, force: true });
        for (const f of readdirSync(app)) if (!KEPT.has(f)) rmSync(join(app, f), { recursive: true, force: true });
        rmSync(join(app, "node_modules", "ml-gitops"), { recursive: true, force: true });
        const lockFile = join(app, "package-lock.json");
        if (existsSync(lockFile)) {
            const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages?: Record<string, unknown> };
            delete lock.packages?.["node_modules/ml-gitops"];
            writeFileSync(lockFile, JSON.stringify(lock, null, 2));
        }
        const packed = ok(sh("npm", ["pack", "--silent", "--pack-destination", dir], ROOT), "npm pack")
            .trim()
            .split("\n")
            .pop()!;
        tarball = join(dir, packed);
        cpSync(join(ROOT, "examples", "consumer"), app, { recursive: true });
        const dep = (name: string) => pkg.devDependencies[name];
        writeFileSync(
            join(app, "package.json"),
            JSON.stringify({
                name: "platform",
                private: true,
                dependencies: {
                    "@pulumi/kubernetes": dep("@pulumi/kubernetes"),
                    "@pulumi/pulumi": dep("@pulumi/pulumi"),
                    "@pulumi/random": dep("@pulumi/random"),
                    "ml-gitops": `file:${tarball}`,
                },
                devDependencies: { "@types/node": dep("@types/node"), "ts-node": dep("ts-node"), typescript: dep("typescript") },
            }),
        );
        ok(sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app), "npm install in the consumer project");
    });

    it("ships the compiled package, typings, the health check, README and LICENSE, and nothing else", () => {
        const listed = ok(sh("tar", ["tzf", tarball], dir), "tar")
            .split("\n")
            .filter((f) => f && !f.endsWith("/"))
            .map((f) => f.replace(/^package\//, ""));
        const unexpected = listed.filter((f) => !/^lib\/(components(\/generated)?|testing)\/[A-Za-z]+\.(js|d\.ts)$/.test(f));
        assert.deepEqual(unexpected.sort(), [
            "LICENSE",
            "README.md",
            "health/ray.io/RayCluster/health.lua",
            "health/ray.io/RayJob/health.lua",
            "health/ray.io/RayService/health.lua",
            "package.json",
        ]);
        assert.ok(listed.includes("lib/components/index.js") && listed.includes("lib/components/index.d.ts") && listed.includes("lib/testing/index.d.ts"));
        assert.ok(!listed.some((f) => /test|\.ts$/.test(f.replace(/\.d\.ts$/, "").replace("testing", ""))), "no tests or TypeScript sources");
        const manifest = JSON.parse(readFileSync(join(dir, "app", "node_modules", "ml-gitops", "package.json"), "utf8")) as Record<
            string,
            Record<string, string>
        >;
        assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["bcryptjs", "fastest-levenshtein", "yaml", "zod"]);
        assert.deepEqual(manifest.peerDependencies, { "@pulumi/kubernetes": "^4.32.0", "@pulumi/pulumi": "^3.259.0", "@pulumi/random": "^4.21.1" });
    });

    it("installs one copy of each @pulumi SDK (peer dependencies, not nested ones)", () => {
        const nested = sh("find", ["node_modules/ml-gitops", "-path", "*/node_modules/@pulumi/*", "-name", "package.json", "-maxdepth", "4"], join(dir, "app"));
        assert.equal(nested.stdout.trim(), "");
    });

    // The cached Node 22 (the floor's line) and 24, and the Node running the tests when it is another.
    for (const version of [...((OTHER_NODE_VERSIONS as readonly string[]).includes(process.versions.node) ? [] : ["current"]), ...OTHER_NODE_VERSIONS]) {
        it(`loads with require('ml-gitops') and require('ml-gitops/testing') from JavaScript on Node ${version === "current" ? process.versions.node : version}`, () => {
            const node = version === "current" ? process.execPath : nodeBinary(version as (typeof OTHER_NODE_VERSIONS)[number]);
            const out = ok(
                sh(
                    node,
                    [
                        "-e",
                        'const m = require("ml-gitops"); const t = require("ml-gitops/testing"); console.log(process.version, typeof m.MlPlatform, typeof m.ArgoCd, typeof t.evaluate)',
                    ],
                    join(dir, "app"),
                ),
                `node ${version}`,
            );
            assert.equal(out.trim(), `v${version === "current" ? process.versions.node : version} function function function`);
        });
    }

    it("runs the TypeScript program as `pulumi up` loads it (ts-node with its defaults, type check included)", () => {
        const out = ok(sh(process.execPath, ["-r", "ts-node/register", "platform.test.ts"], join(dir, "app")), "ts-node platform.test.ts");
        assert.match(out, /^\d+ resources, \d+ manifests: ok$/m);
    });

    it("runs the plain JavaScript program, with plain Node", () => {
        const script = [
            'const { evaluate } = require("ml-gitops/testing");',
            'evaluate(() => require("./index.js"), { project: "platform", stack: "dev", config: {}, secretKeys: [] }).then((ev) => {',
            '    const apps = ev.resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:Application").map((r) => r.inputs.metadata.name);',
            "    console.log(JSON.stringify({ applications: ev.outputs.applications, apps: apps.sort(), quotaNamespace: ev.outputs.quotaNamespace }));",
            "});",
        ].join("\n");
        const out = JSON.parse(ok(sh(process.execPath, ["-e", script], join(dir, "app")), "node index.js under the mock engine")) as unknown;
        assert.deepEqual(out, {
            applications: ["ray-operator-crds", "ray-operator", "raycluster", "ml-platform", "team-b-raycluster", "team-b-ml-platform"],
            apps: ["ml-platform", "ray-operator", "ray-operator-crds", "raycluster", "team-b-ml-platform", "team-b-raycluster"],
            quotaNamespace: "team-quotas",
        });
    });

    it("type-checks under Pulumi's TypeScript template tsconfig with strict, without skipLibCheck", () => {
        const tsconfig = JSON.parse(readFileSync(join(dir, "app", "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
        assert.equal(tsconfig.compilerOptions.strict, true);
        assert.equal(tsconfig.compilerOptions.skipLibCheck, undefined);
        ok(
            sh(
                process.execPath,
                [join(dir, "app", "node_modules", "typescript", "bin", "tsc"), "-p", ".", "--noEmit", "--incremental", "--tsBuildInfoFile", "tsc.tsbuildinfo"],
                join(dir, "app"),
            ),
            "tsc --noEmit",
        );
    });

    it("reports a bad arg in a consumer program with the instance and the arg path", () => {
        writeFileSync(
            join(dir, "app", "bad.js"),
            'const { MlPlatform } = require("ml-gitops");\nmodule.exports = () => new MlPlatform("team-c", { settings: { environment: "dev", mlPlatfrom: {} } });\n',
        );
        const r = sh(
            process.execPath,
            [
                "-e",
                'require("ml-gitops/testing").evaluate(require("./bad.js"), { project: "p", stack: "s", config: {}, secretKeys: [] }).then(() => process.exit(3), (e) => { console.log(e.message); process.exit(0); })',
            ],
            join(dir, "app"),
        );
        assert.equal(
            ok(r, "bad args").trim(),
            'invalid args of MlPlatform "team-c" (1 problem):\n  - args.settings.mlPlatfrom: unknown key; did you mean "mlPlatform"?',
        );
    });
});
