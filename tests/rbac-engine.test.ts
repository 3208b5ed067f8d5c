/**
 * The RBAC a stack declares means what the config reference says, by Argo CD's own evaluator: the
 * argocd-rbac-cm that `helm template` of the real argo-cd chart renders from the stack's values,
 * asked with `argocd admin settings rbac can` of the binary the e2e toolchain builds (the same
 * util/rbac code the API server enforces with). Skipped, saying why, where the binary is not built.
 * The command needs a Kubernetes client config even with --policy-file; a dummy server and token
 * satisfy it, and nothing is contacted.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { helmTemplate } from "../commands/helm";
import { renderStack } from "../commands/render";
import { reveal } from "../testing/engine";
import { one, T } from "./harness";

const ARGOCD = join(process.env.ML_GITOPS_E2E_CACHE ?? join(homedir(), ".cache", "ml-gitops-e2e"), "bin", "argocd");

/** The argocd-rbac-cm that the argo-cd chart renders for a stack, as a file. */
async function rbacConfigMapFile(stack: string, dir: string): Promise<string> {
    const ev = (await renderStack(stack)).evaluation;
    const values = reveal(one(ev, T.release, "ml-argocd").inputs.values);
    const cm = helmTemplate({ chart: "argo-cd", version: "10.1.1", release: "argocd", namespace: "argocd", values }).find(
        (o) => o.kind === "ConfigMap" && o.metadata?.name === "argocd-rbac-cm",
    );
    assert.ok(cm, "the chart renders argocd-rbac-cm");
    const file = join(dir, `${stack}-argocd-rbac-cm.yaml`);
    writeFileSync(file, stringify(cm));
    return file;
}

/** `argocd admin settings rbac can <subject> <action> <resource> <object>`: "Yes" (exit 0) or "No" (exit 1). */
function can(file: string, subject: string, action: string, resource: string, object: string): string {
    const r = spawnSync(
        ARGOCD,
        ["admin", "settings", "rbac", "can", subject, action, resource, object, "--policy-file", file, "--server", "https://127.0.0.1:1", "--token", "x"],
        { encoding: "utf8", env: { ...process.env, ARGOCD_BINARY_NAME: "argocd" } },
    );
    const answer = r.stdout.trim();
    assert.ok((answer === "Yes" && r.status === 0) || (answer === "No" && r.status === 1), `rbac can failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
    return answer;
}

describe("RBAC, by Argo CD's own evaluator", function () {
    this.timeout(120_000);
    let dir = "";
    before(function () {
        if (!existsSync(ARGOCD)) {
            process.stdout.write(`    skipped: no argocd binary at ${ARGOCD} (bash e2e/toolchain.sh argocd builds it)\n`);
            this.skip();
        }
        dir = mkdtempSync(join(tmpdir(), "ml-gitops-rbac-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("dev: every logged-in user reads everything and changes nothing", async () => {
        const file = await rbacConfigMapFile("dev", dir);
        assert.equal(can(file, "alice@example.com", "get", "applications", "ml-dev/ml-platform"), "Yes");
        assert.equal(can(file, "alice@example.com", "get", "projects", "ml-dev"), "Yes");
        assert.equal(can(file, "alice@example.com", "sync", "applications", "ml-dev/ml-platform"), "No");
        assert.equal(can(file, "alice@example.com", "delete", "applications", "ray-dev/raycluster"), "No");
    });

    it("prod: platform admins administer; a user in no bound group sees nothing", async () => {
        const file = await rbacConfigMapFile("prod", dir);
        assert.equal(can(file, "ml-platform-admins", "sync", "applications", "ml-production/ml-platform"), "Yes");
        assert.equal(can(file, "ml-platform-admins", "update", "projects", "ray-production"), "Yes");
        assert.equal(can(file, "alice@example.com", "get", "applications", "ml-production/ml-platform"), "No");
        assert.equal(can(file, "ml-engineers", "delete", "applications", "ml-production/ml-platform"), "No", "engineers' rights are the project role's");
    });
});
