import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../components/schema";
import { SUPPORTED_KUBERAY_VERSIONS } from "../components/versions";
import { chartCrds } from "../tools/charts";
import { POD_SCHEMAS_FILE, podSchemasSource } from "../tools/derive-pod-schemas";
import { withReference } from "../tools/config-reference";
import { COMPONENTS, packageSchemaText, SCHEMA_FILE } from "../tools/package-schema";
import { SETTINGS_TYPES_FILE, settingsTypesSource } from "../tools/settings-types";

describe("the config reference (docs/config-reference.md)", () => {
    const readme = readFileSync(join(__dirname, "..", "docs", "config-reference.md"), "utf8");

    it("is in step with the config schema (run `npm run docs` to update it)", () => {
        assert.equal(readme, withReference(readme));
    });

    it("lists every top-level key of the schema", () => {
        for (const key of Object.keys(configSchema.shape)) assert.ok(readme.includes(`| \`${key}\` |`), key);
    });
});

describe("the generated public types and package schema", function () {
    this.timeout(60_000);

    it("components/generated/settingsTypes.ts is in step with the config schema (run `npm run docs` to update it)", () => {
        assert.equal(readFileSync(SETTINGS_TYPES_FILE, "utf8"), settingsTypesSource());
    });

    it("plugin/schema.json is what Pulumi's component analyzer makes of the components' args today (run `npm run docs`)", () => {
        const text = packageSchemaText();
        assert.equal(readFileSync(SCHEMA_FILE, "utf8"), text);
        const schema = JSON.parse(text) as {
            name: string;
            resources: Record<string, { isComponent: boolean; inputProperties: Record<string, unknown> }>;
            types: Record<string, unknown>;
        };
        assert.equal(schema.name, "ml-gitops");
        assert.deepEqual(
            Object.keys(schema.resources),
            COMPONENTS.map((c) => `ml-gitops:index:${c}`),
        );
        assert.ok(Object.values(schema.resources).every((r) => r.isComponent));
        assert.deepEqual(Object.keys(schema.resources["ml-gitops:index:MlPlatform"].inputProperties), [
            "adminPassword",
            "oidcClientSecret",
            "pagerdutyServiceKey",
            "settings",
            "slackToken",
        ]);
        // Enums reach other languages as enums, with the config's values.
        assert.deepEqual(schema.types["ml-gitops:index:Environment"], {
            enum: [
                { name: "Dev", value: "dev" },
                { name: "Staging", value: "staging" },
                { name: "Prod", value: "prod" },
            ],
            type: "string",
        });
    });
});

describe("the generated pod schemas (components/generated/podSchemas.ts)", () => {
    it("are KubeRay 1.5.1's, the oldest supported, derived again from its RayCluster CRD in the chart cache", () => {
        const crd = chartCrds("kuberay-operator", "1.5.1").find((c) => (c.spec as { names: { kind: string } }).names.kind === "RayCluster");
        assert.ok(crd);
        assert.equal(SUPPORTED_KUBERAY_VERSIONS[0], "1.5.1");
        assert.equal(podSchemasSource(crd as unknown as Parameters<typeof podSchemasSource>[0], "1.5.1"), readFileSync(POD_SCHEMAS_FILE, "utf8"));
    });
});
