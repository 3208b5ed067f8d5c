/**
 * The e2e toolchain builds the Argo CD and KubeRay the program installs by default, read from
 * components/versions.ts: when a default moves, the e2e's controllers move with it.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARGOCD_CHART, DEFAULT_KUBERAY_VERSION } from "../components/versions";

const ROOT = join(__dirname, "..");

describe("the e2e toolchain", () => {
    const versions = Object.fromEntries(
        execFileSync("bash", [join(ROOT, "e2e", "toolchain.sh"), "--versions"], { encoding: "utf8" })
            .trim()
            .split("\n")
            .map((l) => l.split(" ")),
    );

    it("builds the Argo CD that the argo-cd chart installs, and the default KubeRay operator", () => {
        assert.equal(ARGOCD_CHART.appVersion, "v3.4.4");
        assert.equal(versions.argocd, "3.4.4");
        assert.equal(DEFAULT_KUBERAY_VERSION, "1.7.0");
        assert.equal(versions["kuberay-operator"], "1.7.0");
    });

    it("builds the helm the Argo CD 3.4 repo server ships (3.19.4, not the v4 of the chart tests), and the pulumi of the lock file", () => {
        assert.equal(versions.helm3, "3.19.4");
        const installed = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
        assert.equal(versions.pulumi, installed("@pulumi/pulumi"));
        assert.equal(versions.kubernetes, installed("@pulumi/kubernetes"));
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
                ts.replace('appVersion: "v3.4.4"', 'appVersion: "v3.6.1"').replace('DEFAULT_KUBERAY_VERSION = "1.7.0"', 'DEFAULT_KUBERAY_VERSION = "1.8.0"'),
            );
            const out = execFileSync("bash", [join(dir, "e2e", "toolchain.sh"), "--versions"], { encoding: "utf8" });
            assert.match(out, /^argocd 3\.6\.1$/m);
            assert.match(out, /^kuberay-operator 1\.8\.0$/m);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
