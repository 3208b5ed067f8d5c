/**
 * The e2e toolchain builds the KubeRay the program installs by default and the newest Argo CD the
 * module proxy serves (E2E_ARGOCD_VERSION), read from components/versions.ts: when one moves, the
 * e2e's controllers move with it.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ARGOCD_CHART, DEFAULT_ARGOCD_VERSION, DEFAULT_KUBERAY_VERSION, DEFAULT_RAY_IMAGE_TAG, E2E_ARGOCD_VERSION } from "../components/versions";

const ROOT = join(__dirname, "..");

describe("the e2e toolchain", () => {
    const versions = Object.fromEntries(
        execFileSync("bash", [join(ROOT, "e2e", "toolchain.sh"), "--versions"], { encoding: "utf8" })
            .trim()
            .split("\n")
            .map((l) => l.split(" ")),
    );

    it("builds the newest Argo CD 3.4 the module proxy serves (the default, v3.4.15, is not), which the e2e stacks install, and the default KubeRay operator", () => {
        assert.equal(DEFAULT_ARGOCD_VERSION, "v3.4.15");
        assert.equal(E2E_ARGOCD_VERSION, "v3.4.14");
        assert.equal(ARGOCD_CHART.appVersion, "v3.4.4");
        assert.equal(versions.argocd, "3.4.14");
        for (const stack of ["e2e", "e2e-prod"])
            assert.match(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8"), /^ {2}ml-gitops:argocd:\n(?: {4}.*\n)*? {4}version: v3\.4\.14$/m, stack);
        assert.equal(DEFAULT_KUBERAY_VERSION, "1.7.0");
        assert.equal(versions["kuberay-operator"], "1.7.0");
        // The operator an upgrade starts from: the e2e-prod stack's KubeRay (e2e/live/day2-prod.test.ts upgrades it).
        assert.equal(versions["kuberay-operator-previous"], "1.6.2");
        assert.match(readFileSync(join(ROOT, "Pulumi.e2e-prod.yaml"), "utf8"), /^ {2}ml-gitops:kuberay:\n(?: {4}#.*\n)* {4}version: 1\.6\.2$/m);
    });

    it("builds the helm the Argo CD 3.4 repo server ships (3.19.4, not the v4 of the chart tests), and the pulumi, kubernetes and random providers of the lock file", () => {
        assert.equal(versions.helm3, "3.19.4");
        const installed = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
        assert.equal(versions.pulumi, installed("@pulumi/pulumi"));
        assert.equal(versions.kubernetes, installed("@pulumi/kubernetes"));
        // each provider is built from its version's own tag (build_kubernetes, build_random), so these are what run
        assert.equal(versions.kubernetes, "4.32.0");
        assert.equal(versions.random, installed("@pulumi/random"));
        assert.equal(versions.random, "4.21.1");
    });

    it("runs the Ray the program deploys by default: the ray piece, its pins and the Ray scenario's manifests follow DEFAULT_RAY_IMAGE_TAG", () => {
        assert.equal(DEFAULT_RAY_IMAGE_TAG, "2.52.0");
        assert.equal(versions.ray, "2.52.0");
        const pins = readFileSync(join(ROOT, "e2e", "toolchain", "ray", "constraints.txt"), "utf8");
        assert.match(pins, /^ray==2\.52\.0$/m);
        // Serve fails to start on protobuf 7, the resolver's pick without a pin
        assert.match(pins, /^protobuf==6\.\d+\.\d+$/m);
        for (const line of pins.split("\n").filter((l) => l && !l.startsWith("#")))
            assert.match(line, /^[A-Za-z0-9_.-]+==[^=\s]+$/, `not an exact pin: ${line}`);
        const manifests = ["rayjob-sum-of-squares.yaml", "rayjob-train-fails.yaml", "rayservice-sum-of-squares.yaml"];
        for (const file of manifests) {
            const text = readFileSync(join(ROOT, "e2e", "ray", file), "utf8");
            const [doc] = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; spec: Record<string, { rayVersion?: string }> });
            const spec = doc.kind === "RayJob" ? doc.spec.rayClusterSpec : doc.spec.rayClusterConfig;
            assert.equal(spec.rayVersion, "2.52.0", file);
            assert.deepEqual([...new Set(text.match(/image: \S+/g))], ["image: rayproject/ray:2.52.0"], file);
        }
    });

    it("rebuilds the CLI and the language host when @pulumi/pulumi moves: --check counts only a build stamped with the lock file's version", () => {
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-toolchain-pulumi-"));
        try {
            const check = () =>
                spawnSync("bash", [join(ROOT, "e2e", "toolchain.sh"), "--check", "pulumi", "langhost"], {
                    encoding: "utf8",
                    env: { ...process.env, ML_GITOPS_E2E_CACHE: dir, PULUMI_VERSION: "3.259.0" },
                });
            mkdirSync(join(dir, "bin", "stamps"), { recursive: true });
            for (const f of ["pulumi", "pulumi-language-nodejs", "stamps/pulumi-v3.248.0", "stamps/langhost-v3.248.0"]) writeFileSync(join(dir, "bin", f), "");
            let r = check();
            assert.equal(r.status, 3);
            assert.equal(
                r.stderr,
                `toolchain: pulumi: not in the cache (${dir}/bin/stamps/pulumi-v3.259.0)\ntoolchain: langhost: not in the cache (${dir}/bin/stamps/langhost-v3.259.0)\n`,
            );
            writeFileSync(join(dir, "bin", "stamps", "pulumi-v3.259.0"), "");
            writeFileSync(join(dir, "bin", "stamps", "langhost-v3.259.0"), "");
            r = check();
            assert.equal(r.status, 0, r.stderr);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("follows a changed default: it reads the versions from components/versions.ts", () => {
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-toolchain-"));
        try {
            mkdirSync(join(dir, "e2e"));
            mkdirSync(join(dir, "components"));
            copyFileSync(join(ROOT, "e2e", "toolchain.sh"), join(dir, "e2e", "toolchain.sh"));
            const ts = readFileSync(join(ROOT, "components", "versions.ts"), "utf8");
            writeFileSync(
                join(dir, "components", "versions.ts"),
                ts
                    .replace('E2E_ARGOCD_VERSION = "v3.4.14"', 'E2E_ARGOCD_VERSION = "v3.6.1"')
                    .replace('DEFAULT_KUBERAY_VERSION = "1.7.0"', 'DEFAULT_KUBERAY_VERSION = "1.8.0"'),
            );
            const out = execFileSync("bash", [join(dir, "e2e", "toolchain.sh"), "--versions"], { encoding: "utf8" });
            assert.match(out, /^argocd 3\.6\.1$/m);
            assert.match(out, /^kuberay-operator 1\.8\.0$/m);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("caches argocd per version", () => {
        // A stand-in clone with the tags v3.4.4 and v3.4.7 (each tree has gitops-engine/go.mod, as Argo CD 3.4's
        // do) and an empty cache: only --check, --versions and a run that finds the binary cached, so nothing builds.
        let dir: string;
        let cache: string;
        const run = (version: string, ...args: string[]) =>
            spawnSync("bash", [join(ROOT, "e2e", "toolchain.sh"), ...args], {
                encoding: "utf8",
                env: {
                    ...process.env,
                    ARGOCD_VERSION: version,
                    ML_GITOPS_E2E_CACHE: cache,
                    ML_GITOPS_E2E_ARGOCD_GIT: join(dir, "argo-cd"),
                    ML_GITOPS_E2E_ARGOCD_COMMIT: "",
                },
            });
        beforeEach(() => {
            dir = mkdtempSync(join(tmpdir(), "ml-gitops-toolchain-argocd-"));
            cache = join(dir, "cache");
            const clone = join(dir, "argo-cd");
            mkdirSync(join(clone, "gitops-engine"), { recursive: true });
            writeFileSync(join(clone, "gitops-engine", "go.mod"), "module github.com/argoproj/argo-cd/gitops-engine\n");
            const git = (...a: string[]) => execFileSync("git", ["-C", clone, "-c", "user.name=t", "-c", "user.email=t@t", ...a], { stdio: "ignore" });
            git("init", "-q");
            git("add", ".");
            git("commit", "-q", "-m", "3.4");
            git("tag", "v3.4.4");
            git("tag", "v3.4.7");
        });
        afterEach(() => rmSync(dir, { recursive: true, force: true }));

        it("--versions prints the ARGOCD_VERSION asked for", () => {
            assert.match(run("3.4.13", "--versions").stdout, /^argocd 3\.4\.13$/m);
        });

        it("--check fails without the binary of the current version, and never counts another version's", () => {
            let r = run("3.4.4", "--check", "argocd");
            assert.equal(r.status, 3);
            assert.ok(r.stderr.includes(`not in the cache (${cache}/bin/argocd-3.4.4)`), r.stderr);
            // 3.4.13: no tag in the clone, so the proxy's module zip with v3.4.7's gitops-engine/, under its own name
            r = run("3.4.13", "--check", "argocd");
            assert.equal(r.status, 3);
            assert.ok(r.stderr.includes(`not in the cache (${cache}/bin/argocd-3.4.13-gitops-engine.v3.4.7)`), r.stderr);
            mkdirSync(join(cache, "bin"), { recursive: true });
            writeFileSync(join(cache, "bin", "argocd-3.4.4"), "");
            assert.equal(run("3.4.4", "--check", "argocd").status, 0);
            assert.equal(run("3.4.13", "--check", "argocd").status, 3);
        });

        it("points bin/argocd at the current version's binary, and adopts the unversioned one of older caches", () => {
            mkdirSync(join(cache, "bin"), { recursive: true });
            const old = join(cache, "bin", "argocd");
            writeFileSync(old, "#!/bin/sh\necho 'argocd: v3.4.4+unknown'\n");
            chmodSync(old, 0o755);
            assert.equal(run("3.4.4", "--check", "argocd").status, 0);
            const r = run("3.4.4", "argocd");
            assert.equal(r.status, 0, r.stderr);
            assert.ok(existsSync(join(cache, "bin", "argocd-3.4.4")));
            assert.equal(readlinkSync(old), "argocd-3.4.4");
        });
    });
    it("fails a piece at its first failing command, unstamped, and builds the random provider only from its version's tag", () => {
        // A stand-in clone of pulumi-random whose tag v4.21.1 has no provider/: git archive fails first.
        // Run from a `||` list, bash ignored set -e inside the piece, which went on to stamp it.
        const dir = mkdtempSync(join(tmpdir(), "ml-gitops-toolchain-random-"));
        try {
            const clone = join(dir, "pulumi-random");
            mkdirSync(clone);
            writeFileSync(join(clone, "README.md"), "no provider here\n");
            const git = (...a: string[]) => execFileSync("git", ["-C", clone, "-c", "user.name=t", "-c", "user.email=t@t", ...a], { stdio: "ignore" });
            git("init", "-q");
            git("add", ".");
            git("commit", "-q", "-m", "r");
            const run = () =>
                spawnSync("bash", [join(ROOT, "e2e", "toolchain.sh"), "random"], {
                    encoding: "utf8",
                    env: { ...process.env, ML_GITOPS_E2E_CACHE: join(dir, "cache"), ML_GITOPS_E2E_PULUMI_RANDOM_GIT: clone, RANDOM_PLUGIN_VERSION: "4.21.1" },
                });
            let r = run();
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stderr, /random: FAILED after/);
            assert.ok(r.stderr.includes(`${clone} has no tag v4.21.1 (@pulumi/random's version)`), r.stderr);
            git("tag", "v4.21.1");
            r = run();
            assert.notEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, /random: FAILED after/);
            assert.ok(!existsSync(join(dir, "cache", "bin", "stamps", "random-v4.21.1")));
            // stopped at git archive: nothing after it ran (proxy_from_git makes its proxy directory first)
            assert.match(readFileSync(join(dir, "cache", "logs", "random.log"), "utf8"), /pathspec 'provider' did not match/);
            assert.ok(!existsSync(join(dir, "cache", "src", "goproxy-random-4.21.1")));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
