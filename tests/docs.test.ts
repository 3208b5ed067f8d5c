import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../components/schema";
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
