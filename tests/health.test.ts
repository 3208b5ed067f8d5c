import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

// The Argo CD health checks, run by the Go harness in health/harness on gopher-lua (the Lua engine
// Argo CD links), each case in Argo CD's sandbox and with all libraries open. One mocha test per
// case and mode, so a changed branch names its fixture.
const HEALTH = join(__dirname, "..", "health");
const MODES = ["sandbox", "openlibs"];

interface GoTestEvent {
    Action: string;
    Test?: string;
    Output?: string;
}

/** health/<group>/<Kind> directories and the inputPaths their health_test.yaml lists. */
function kindsAndCases(): { group: string; kind: string; inputs: string[] }[] {
    return readdirSync(HEALTH, { withFileTypes: true })
        .filter((g) => g.isDirectory() && g.name !== "harness")
        .flatMap((g) =>
            readdirSync(join(HEALTH, g.name)).map((kind) => {
                const file = parse(readFileSync(join(HEALTH, g.name, kind, "health_test.yaml"), "utf8")) as { tests: { inputPath: string }[] };
                return { group: g.name, kind, inputs: file.tests.map((t) => t.inputPath) };
            }),
        );
}

describe("Argo CD health checks on the real Lua engine (go test in health/harness)", function () {
    // A first run downloads gopher-lua and compiles the harness (about a minute on a cold Go cache).
    this.timeout(300_000);
    const events: GoTestEvent[] = [];
    let run: { status: number | null; output: string };

    before(() => {
        const r = spawnSync("go", ["test", "-count=1", "-json", "./..."], { cwd: join(HEALTH, "harness"), encoding: "utf8", timeout: 290_000 });
        if (r.error) throw new Error(`cannot run go (needed for the Lua health-check harness; see docs/testing.md): ${r.error.message}`);
        for (const line of r.stdout.split("\n")) if (line.startsWith("{")) events.push(JSON.parse(line) as GoTestEvent);
        run = { status: r.status, output: events.map((e) => e.Output ?? "").join("") + r.stderr };
    });

    it("passes as a whole (every check has tests, every fixture is a case, the sandbox is Argo CD's)", () => {
        assert.equal(run.status, 0, run.output);
    });

    it("covers at least the RayCluster's fifteen statuses", () => {
        const rc = kindsAndCases().find((k) => k.group === "ray.io" && k.kind === "RayCluster");
        assert.ok(rc, "health/ray.io/RayCluster exists");
        assert.ok(rc.inputs.length >= 15, `${rc.inputs.length} cases`);
    });

    for (const { group, kind, inputs } of kindsAndCases())
        for (const input of inputs)
            for (const mode of MODES) {
                const name = `TestHealthChecks/${group}/${kind}/${input}/${mode}`;
                it(`${group}/${kind} ${input} [${mode}]`, () => {
                    const outcome = events.find((e) => e.Test === name && (e.Action === "pass" || e.Action === "fail" || e.Action === "skip"));
                    const output = events
                        .filter((e) => e.Test === name && e.Action === "output")
                        .map((e) => e.Output)
                        .join("");
                    assert.equal(outcome?.Action, "pass", `${name}: ${outcome?.Action ?? "did not run"}\n${output}`);
                });
            }
});
